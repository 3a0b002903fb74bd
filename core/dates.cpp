#include "core/dates.h"

#include <fmt/format.h>

#include <chrono>

namespace cohort {

int32_t DaysFromCivil(int32_t y, uint32_t m, uint32_t d) {
  y -= m <= 2;
  const int32_t era = (y >= 0 ? y : y - 399) / 400;
  const uint32_t yoe = static_cast<uint32_t>(y - era * 400);
  const uint32_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const uint32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int32_t>(doe) - 719468;
}

void CivilFromDays(int32_t z, int32_t* y, uint32_t* m, uint32_t* d) {
  z += 719468;
  const int32_t era = (z >= 0 ? z : z - 146096) / 146097;
  const uint32_t doe = static_cast<uint32_t>(z - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int32_t yy = static_cast<int32_t>(yoe) + era * 400;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

static bool IsLeap(int32_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

uint32_t DaysInMonth(int32_t y, uint32_t m) {
  static const uint8_t k[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : k[m - 1];
}

static bool Digits(std::string_view s, size_t pos, size_t n, int64_t* out) {
  if (pos + n > s.size()) return false;
  int64_t v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<int32_t> ParseDate(std::string_view s) {
  int32_t days;
  if (!ParseDate10(s, &days)) return std::nullopt;
  return days;
}

std::optional<int64_t> ParseTimestamp(std::string_view s) {
  // The common form `YYYY-MM-DDTHH:MM:SSZ`; any other form (or an invalid
  // one) takes the general path.
  int64_t micros;
  if (ParseTimestamp20(s, &micros)) return micros;
  return ParseTimestampGeneral(s);
}

std::optional<int32_t> ParseDateGeneral(std::string_view s) {
  int64_t y, m, d;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-' || !Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &m) ||
      !Digits(s, 8, 2, &d))
    return std::nullopt;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(static_cast<int32_t>(y), static_cast<uint32_t>(m)))
    return std::nullopt;
  return DaysFromCivil(static_cast<int32_t>(y), static_cast<uint32_t>(m), static_cast<uint32_t>(d));
}

std::optional<int64_t> ParseTimestampGeneral(std::string_view s) {
  if (s.size() < 10) return std::nullopt;
  auto day = ParseDateGeneral(s.substr(0, 10));
  if (!day) return std::nullopt;
  int64_t micros = int64_t{*day} * kMicrosPerDay;
  if (s.size() == 10) return micros;
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return std::nullopt;
  int64_t hh, mm, ss = 0, frac = 0;
  if (!Digits(s, 11, 2, &hh) || s.size() < 16 || s[13] != ':' || !Digits(s, 14, 2, &mm)) return std::nullopt;
  size_t p = 16;
  if (p < s.size() && s[p] == ':') {
    if (!Digits(s, p + 1, 2, &ss)) return std::nullopt;
    p += 3;
    if (p < s.size() && s[p] == '.') {
      ++p;
      int digits = 0;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        if (digits < 6) { frac = frac * 10 + (s[p] - '0'); ++digits; }
        ++p;
      }
      if (digits == 0) return std::nullopt;
      while (digits < 6) { frac *= 10; ++digits; }
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) return std::nullopt;
  std::string_view tz = s.substr(p);
  if (tz != "Z" && tz != "z" && tz != "+00:00" && tz != "+0000" && tz != "-00:00") return std::nullopt;
  return micros + ((hh * 60 + mm) * 60 + ss) * 1'000'000 + frac;
}

std::string FormatDate(int32_t days) {
  int32_t y;
  uint32_t m, d;
  CivilFromDays(days, &y, &m, &d);
  return fmt::format("{:04}-{:02}-{:02}", y, m, d);
}

std::string FormatTimestamp(int64_t micros) {
  int32_t day = DayOfTimestamp(micros);
  int64_t rem = micros - int64_t{day} * kMicrosPerDay;
  int64_t secs = rem / 1'000'000, us = rem % 1'000'000;
  std::string out = fmt::format("{}T{:02}:{:02}:{:02}", FormatDate(day), secs / 3600, (secs / 60) % 60, secs % 60);
  if (us) out += fmt::format(".{:06}", us);
  return out + "Z";
}

static int32_t AddMonths(int32_t date, int64_t months) {
  int32_t y;
  uint32_t m, d;
  CivilFromDays(date, &y, &m, &d);
  int64_t total = int64_t{y} * 12 + (m - 1) + months;
  int64_t ny = total >= 0 ? total / 12 : -((-total + 11) / 12);
  uint32_t nm = static_cast<uint32_t>(total - ny * 12) + 1;
  uint32_t dim = DaysInMonth(static_cast<int32_t>(ny), nm);
  return DaysFromCivil(static_cast<int32_t>(ny), nm, d > dim ? dim : d);
}

int32_t AddDuration(int32_t date, const ir::Duration& d, int sign) {
  int32_t r = date;
  if (d.months) r = AddMonths(r, int64_t{sign} * d.months);
  return r + sign * d.days;
}

int64_t AddDuration(int64_t ts, const ir::Duration& d, int sign) {
  int32_t day = DayOfTimestamp(ts);
  int64_t tod = ts - int64_t{day} * kMicrosPerDay;
  int32_t nd = AddDuration(day, ir::Duration{d.months, d.days, 0}, sign);
  return int64_t{nd} * kMicrosPerDay + tod + sign * d.micros;
}

int64_t AgeInYears(int32_t birth, int32_t today) {
  int32_t by, ty;
  uint32_t bm, bd, tm, td;
  CivilFromDays(birth, &by, &bm, &bd);
  CivilFromDays(today, &ty, &tm, &td);
  int64_t years = ty - by;
  // birth + N years clamps 29 Feb to 28 Feb in common years.
  uint32_t eff_bd = (bm == 2 && bd == 29 && DaysInMonth(ty, 2) == 28) ? 28 : bd;
  if (tm < bm || (tm == bm && td < eff_bd)) --years;
  return years;
}

int32_t AgeThreshold(int32_t today, int64_t years) {
  // today - N years is exact except around 29 February (clamping maps two
  // birth dates to one anniversary): adjust by at most a few days, checking
  // with the very function age() calls.
  int32_t c = AddDuration(today, ir::Duration{static_cast<int32_t>(years * 12), 0, 0}, -1);
  for (int k = 0; k < 4 && AgeInYears(c + 1, today) >= years; ++k) ++c;
  for (int k = 0; k < 4 && AgeInYears(c, today) < years; ++k) --c;
  return c;
}

int32_t TodayUtc() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  return static_cast<int32_t>(secs >= 0 ? secs / 86400 : (secs - 86399) / 86400);
}

}  // namespace cohort
