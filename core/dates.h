// Civil-calendar arithmetic on days since 1970-01-01 (proleptic Gregorian,
// Howard Hinnant's algorithms) and UTC timestamps in microseconds.
#pragma once

#include <cstdint>
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
