// Civil-calendar arithmetic on days since 1970-01-01 (proleptic Gregorian,
// Howard Hinnant's algorithms) and UTC timestamps in microseconds.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "core/ir.h"

namespace cohort {

inline constexpr int64_t kMicrosPerDay = 86'400'000'000LL;

/// Days since 1970-01-01 of a civil date (month 1-12, day 1-31; not validated).
int32_t DaysFromCivil(int32_t y, uint32_t m, uint32_t d);
/// The civil date of a day number.
void CivilFromDays(int32_t days, int32_t* y, uint32_t* m, uint32_t* d);
/// Days in a month of a year.
uint32_t DaysInMonth(int32_t y, uint32_t m);
/// `YYYY-MM-DD` (strict: 4-digit year, valid month/day). nullopt if invalid.
std::optional<int32_t> ParseDate(std::string_view s);
/// ISO 8601 UTC timestamp: `YYYY-MM-DDTHH:MM[:SS[.ffffff]]Z` (also `+00:00`,
/// or a bare date meaning midnight). nullopt if invalid or not UTC.
std::optional<int64_t> ParseTimestamp(std::string_view s);
/// ParseDate and ParseTimestamp without the fixed-width fast paths below,
/// digit by digit (what the tests compare the fast paths against).
std::optional<int32_t> ParseDateGeneral(std::string_view s);
std::optional<int64_t> ParseTimestampGeneral(std::string_view s);

namespace dates_detail {

/// Per byte of `v` (the bytes XOR '0'): 0x?0 nibble bits set where the byte
/// was not an ASCII digit; `digits` selects the bytes that must be digits.
inline uint64_t NonDigits(uint64_t v, uint64_t digits) {
  return (v | (v + 0x0606060606060606ULL)) & 0xF0F0F0F0F0F0F0F0ULL & digits;
}
inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
inline uint32_t Load2(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}

}  // namespace dates_detail

/// The fixed-width fast path: a 10-byte `YYYY-MM-DD` checked with a few word
/// operations (digits, separators, month, day of month with leap years), then
/// the day number in unsigned arithmetic. False for anything else; the same
/// result as ParseDate.
inline __attribute__((always_inline)) bool ParseDate10(std::string_view s, int32_t* days) {
  if (s.size() != 10) return false;
  const char* p = s.data();
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  using namespace dates_detail;
  const uint64_t a = Load8(p);  // "YYYY-MM-"
  const uint32_t b = Load2(p + 8) ^ 0x3030u;  // "DD"
  const uint64_t v = a ^ 0x3030303030303030ULL;
  if (NonDigits(v, 0x00FFFF00FFFFFFFFULL) | ((a & 0xFF0000FF00000000ULL) ^ 0x2D00002D00000000ULL) |
      ((b | (b + 0x0606u)) & 0xF0F0u))
    return false;
  const auto byte = [v](int i) { return static_cast<uint32_t>(v >> (8 * i)) & 0xFF; };
  const uint32_t y = byte(0) * 1000 + byte(1) * 100 + byte(2) * 10 + byte(3);
  const uint32_t m = byte(5) * 10 + byte(6);
  const uint32_t d = (b & 0xFF) * 10 + (b >> 8);
#else
  const auto digit = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])) - '0'; };
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (digit(i) > 9) return false;
  if (p[4] != '-' || p[7] != '-') return false;
  const uint32_t y = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3);
  const uint32_t m = digit(5) * 10 + digit(6);
  const uint32_t d = digit(8) * 10 + digit(9);
#endif
  if (m - 1 > 11 || d - 1 > 30) return false;
  // Months of 30 days: April, June, September, November (bits 4, 6, 9, 11).
  if (d == 31 && ((0xA50u >> m) & 1)) return false;
  if (m == 2 && d > 28) {
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > 29 || !leap) return false;
  }
  // DaysFromCivil for years 0..9999, shifted one 400-year era up so every
  // quantity is unsigned (divisions by constants become multiplies).
  const uint32_t yy = y + 400 - (m <= 2);
  const uint32_t era = yy / 400, yoe = yy - era * 400;
  const uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  *days = static_cast<int32_t>(era * 146097 + doe) - 719468 - 146097;
  return true;
}

/// The time of day `HH:MM:SS` at `p` (8 bytes; hours 0-23, minutes 0-59,
/// seconds 0-60 as the general parser allows) in seconds; false for anything
/// else.
inline __attribute__((always_inline)) bool ParseTimeOfDay8(const char* p, uint32_t* seconds) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  using namespace dates_detail;
  const uint64_t a = Load8(p);  // "HH:MM:SS"
  const uint64_t v = a ^ 0x3030303030303030ULL;
  if (NonDigits(v, 0xFFFF00FFFF00FFFFULL) | ((a & 0x0000FF0000FF0000ULL) ^ 0x00003A00003A0000ULL)) return false;
  const auto byte = [v](int i) { return static_cast<uint32_t>(v >> (8 * i)) & 0xFF; };
  const uint32_t hh = byte(0) * 10 + byte(1), mm = byte(3) * 10 + byte(4), ss = byte(6) * 10 + byte(7);
#else
  const auto digit = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])) - '0'; };
  for (int i : {0, 1, 3, 4, 6, 7})
    if (digit(i) > 9) return false;
  if (p[2] != ':' || p[5] != ':') return false;
  const uint32_t hh = digit(0) * 10 + digit(1), mm = digit(3) * 10 + digit(4), ss = digit(6) * 10 + digit(7);
#endif
  if (hh > 23 || mm > 59 || ss > 60) return false;
  *seconds = (hh * 60 + mm) * 60 + ss;
  return true;
}

/// The fixed-width fast path for the 20 bytes `YYYY-MM-DDTHH:MM:SSZ`; false
/// for anything else, which the caller passes to ParseTimestampGeneral.
inline __attribute__((always_inline)) bool ParseTimestamp20(std::string_view s, int64_t* micros) {
  int32_t days;
  uint32_t seconds;
  if (s.size() != 20 || s[10] != 'T' || s[19] != 'Z' || !ParseDate10(s.substr(0, 10), &days) ||
      !ParseTimeOfDay8(s.data() + 11, &seconds))
    return false;
  *micros = int64_t{days} * kMicrosPerDay + int64_t{seconds} * 1'000'000;
  return true;
}
std::string FormatDate(int32_t days);
std::string FormatTimestamp(int64_t micros);
/// date + sign × duration with month-end clamping (months first, then days).
/// Sub-day parts are ignored (the checker rejects them on dates).
int32_t AddDuration(int32_t date, const ir::Duration& d, int sign);
/// timestamp + sign × duration; months clamp on the UTC civil date.
int64_t AddDuration(int64_t ts, const ir::Duration& d, int sign);
/// Whole years from `birth` to `today` (largest N with birth + N years ≤ today).
int64_t AgeInYears(int32_t birth, int32_t today);
/// The latest birth date whose age on `today` is at least `years` (age is
/// non-increasing in the birth date, so `AgeInYears(b, today) >= years` <=>
/// `b <= AgeThreshold(today, years)`); `years` in [0, 1000].
int32_t AgeThreshold(int32_t today, int64_t years);
/// Floor division of a timestamp to its UTC day.
inline int32_t DayOfTimestamp(int64_t ts) {
  int64_t q = ts / kMicrosPerDay;
  if (ts % kMicrosPerDay < 0) --q;
  return static_cast<int32_t>(q);
}
/// Current UTC date.
int32_t TodayUtc();

}  // namespace cohort
