// Civil-calendar arithmetic (core/dates.h): parsing, clamping, ages, and
// days before the epoch.
#include <doctest/doctest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "core/dates.h"

using namespace cohort;

namespace {

int32_t D(const char* s) {
  auto d = ParseDate(s);
  REQUIRE_MESSAGE(d.has_value(), s);
  return *d;
}
int64_t T(const char* s) {
  auto t = ParseTimestamp(s);
  REQUIRE_MESSAGE(t.has_value(), s);
  return *t;
}
ir::Duration Months(int32_t m) { return ir::Duration{m, 0, 0}; }
ir::Duration Days(int32_t d) { return ir::Duration{0, d, 0}; }

}  // namespace

TEST_CASE("civil days round-trip, including before 1970") {
  CHECK(DaysFromCivil(1970, 1, 1) == 0);
  CHECK(DaysFromCivil(1969, 12, 31) == -1);
  CHECK(DaysFromCivil(2000, 3, 1) == 11017);
  CHECK(DaysFromCivil(1900, 1, 1) == -25567);
  for (int32_t z = -800000; z <= 800000; z += 97) {
    int32_t y;
    uint32_t m, d;
    CivilFromDays(z, &y, &m, &d);
    REQUIRE(DaysFromCivil(y, m, d) == z);
    REQUIRE(d <= DaysInMonth(y, m));
  }
  CHECK(FormatDate(-1) == "1969-12-31");
  CHECK(FormatDate(D("1850-07-04")) == "1850-07-04");
  CHECK(DaysInMonth(2024, 2) == 29);
  CHECK(DaysInMonth(2026, 2) == 28);
  CHECK(DaysInMonth(1900, 2) == 28);
  CHECK(DaysInMonth(2000, 2) == 29);
  CHECK(DaysInMonth(2026, 4) == 30);
  CHECK(DaysInMonth(2026, 12) == 31);
}

TEST_CASE("ParseDate: strict YYYY-MM-DD with real calendar days") {
  CHECK(ParseDate("2026-11-23") == DaysFromCivil(2026, 11, 23));
  CHECK(ParseDate("2024-02-29").has_value());
  CHECK(ParseDate("2000-02-29").has_value());
  CHECK(ParseDate("1969-12-31") == -1);
  CHECK(ParseDate("0001-01-01").has_value());
  for (const char* bad : {"2026-02-29", "1900-02-29", "2026-04-31", "2026-13-01", "2026-00-10", "2026-01-00",
                          "2026-01-32", "2026-1-01", "26-01-01", "2026/01/01", "2026-01-01x", " 2026-01-01",
                          "2026-01-0a", "", "2026-01-01T00:00Z", "20260101", "-026-01-01"}) {
    INFO(bad);
    CHECK_FALSE(ParseDate(bad).has_value());
  }
}

TEST_CASE("ParseTimestamp: ISO 8601 in UTC only") {
  const int64_t day = int64_t{D("2026-11-20")} * kMicrosPerDay;
  CHECK(T("2026-11-20T14:03:00Z") == day + (14 * 3600 + 3 * 60) * 1'000'000LL);
  CHECK(T("2026-11-20T14:03Z") == day + (14 * 3600 + 3 * 60) * 1'000'000LL);
  CHECK(T("2026-11-20T14:03:07.5Z") == day + (14 * 3600 + 3 * 60 + 7) * 1'000'000LL + 500'000);
  CHECK(T("2026-11-20T14:03:07.123456Z") == day + (14 * 3600 + 3 * 60 + 7) * 1'000'000LL + 123'456);
  CHECK(T("2026-11-20T14:03:00+00:00") == T("2026-11-20T14:03:00Z"));
  CHECK(T("2026-11-20") == day);  // a bare date is midnight UTC
  CHECK(T("1969-12-31T23:59:59Z") == -1'000'000);
  CHECK(FormatTimestamp(T("2026-11-20T14:03:00Z")) == "2026-11-20T14:03:00Z");
  CHECK(FormatTimestamp(-1) == "1969-12-31T23:59:59.999999Z");
  for (const char* bad : {"2026-11-20T14:03:00", "2026-11-20T14:03:00+01:00", "2026-11-20T24:00:00Z",
                          "2026-11-20T14:60Z", "2026-02-29T10:00:00Z", "2026-11-20T14:03:00.Z", "2026-11-20X14:03Z",
                          "2026-11-20T1:03Z", "", "2026-11-2", "2026-11-20T14:03:00ZZ"}) {
    INFO(bad);
    CHECK_FALSE(ParseTimestamp(bad).has_value());
  }
}

TEST_CASE("AddDuration clamps month ends, months first then days") {
  CHECK(AddDuration(D("2026-03-31"), Months(1), -1) == D("2026-02-28"));
  CHECK(AddDuration(D("2024-02-29"), Months(12), +1) == D("2025-02-28"));  // + 1 year
  CHECK(AddDuration(D("2024-02-29"), Months(48), +1) == D("2028-02-29"));
  CHECK(AddDuration(D("2026-01-31"), Months(1), +1) == D("2026-02-28"));
  CHECK(AddDuration(D("2024-01-31"), Months(1), +1) == D("2024-02-29"));
  CHECK(AddDuration(D("2026-05-31"), Months(6), -1) == D("2025-11-30"));
  CHECK(AddDuration(D("2026-01-15"), Months(18), -1) == D("2024-07-15"));
  CHECK(AddDuration(D("2026-01-31"), ir::Duration{1, 1, 0}, +1) == D("2026-03-01"));  // clamp to 02-28, then +1 day
  // days, including negative days and across the epoch
  CHECK(AddDuration(D("2026-03-01"), Days(1), -1) == D("2026-02-28"));
  CHECK(AddDuration(D("2026-11-23"), Days(14), +1) == D("2026-12-07"));
  CHECK(AddDuration(D("1970-01-01"), Days(1), -1) == -1);
  CHECK(AddDuration(D("1970-01-05"), Days(-10), +1) == D("1969-12-26"));
  CHECK(AddDuration(D("1969-12-31"), Months(2), -1) == D("1969-10-31"));
  CHECK(AddDuration(D("1960-03-31"), Months(1), -1) == D("1960-02-29"));
}

TEST_CASE("AddDuration on timestamps keeps the time of day") {
  CHECK(AddDuration(T("2026-03-31T10:30:00Z"), Months(1), -1) == T("2026-02-28T10:30:00Z"));
  CHECK(AddDuration(T("2026-11-20T14:00:00Z"), ir::Duration{0, 0, 36 * 3600 * 1'000'000LL}, +1) ==
        T("2026-11-22T02:00:00Z"));
  CHECK(AddDuration(T("1970-01-01T01:00:00Z"), ir::Duration{0, 0, 2 * 3600 * 1'000'000LL}, -1) ==
        T("1969-12-31T23:00:00Z"));
  CHECK(AddDuration(T("1970-01-01T06:00:00Z"), Days(1), -1) == T("1969-12-31T06:00:00Z"));
  CHECK(DayOfTimestamp(-1) == -1);
  CHECK(DayOfTimestamp(-kMicrosPerDay) == -1);
  CHECK(DayOfTimestamp(-kMicrosPerDay - 1) == -2);
  CHECK(DayOfTimestamp(T("2026-11-20T23:59:59Z")) == D("2026-11-20"));
}

TEST_CASE("AgeInYears: largest N with birth + N years <= today") {
  CHECK(AgeInYears(D("1990-06-15"), D("2026-06-14")) == 35);
  CHECK(AgeInYears(D("1990-06-15"), D("2026-06-15")) == 36);
  // A 29 February birthday counts on 28 February in common years...
  CHECK(AgeInYears(D("2000-02-29"), D("2026-02-28")) == 26);
  CHECK(AgeInYears(D("2000-02-29"), D("2026-02-27")) == 25);
  CHECK(AgeInYears(D("2000-02-29"), D("2026-03-01")) == 26);
  // ...and on 29 February in leap years.
  CHECK(AgeInYears(D("2000-02-29"), D("2024-02-28")) == 23);
  CHECK(AgeInYears(D("2000-02-29"), D("2024-02-29")) == 24);
  CHECK(AgeInYears(D("1950-01-01"), D("1969-12-31")) == 19);  // both before the epoch
  CHECK(AgeInYears(D("2026-11-23"), D("2026-11-23")) == 0);
  CHECK(AgeInYears(D("2027-01-01"), D("2026-12-31")) == -1);  // born "in the future": data error upstream
  // Cross-check against the definition with AddDuration for many pairs.
  for (int32_t b = D("1996-01-01"); b < D("2004-12-31"); b += 37) {
    for (int32_t t = D("2020-01-01"); t < D("2028-12-31"); t += 53) {
      int64_t n = AgeInYears(b, t);
      REQUIRE(AddDuration(b, Months(static_cast<int32_t>(12 * n)), +1) <= t);
      REQUIRE(AddDuration(b, Months(static_cast<int32_t>(12 * (n + 1))), +1) > t);
    }
  }
}

TEST_CASE("ParseDate: every digit position rejects the bytes around '0'..'9' and the calendar bounds hold") {
  // The fixed-width path checks all eight digits at once: each position must
  // still reject '/' and ':' (the bytes next to the digits), letters and
  // high bytes, and the separators must be exactly '-'.
  const std::string good = "2024-02-29";
  REQUIRE(ParseDate(good).has_value());
  for (size_t pos = 0; pos < good.size(); ++pos) {
    for (char c : {'/', ':', 'a', ' ', '\x80', '\xff', '\0', '-', '0'}) {
      std::string s = good;
      s[pos] = c;
      if (s == good) continue;
      CAPTURE(pos);
      CAPTURE(static_cast<int>(static_cast<unsigned char>(c)));
      const bool separator = pos == 4 || pos == 7;
      if (separator || c < '0' || c > '9') {
        CHECK_FALSE(ParseDate(s).has_value());
      }
    }
  }
  CHECK(ParseDate("0000-01-01") == DaysFromCivil(0, 1, 1));
  CHECK(ParseDate("9999-12-31") == DaysFromCivil(9999, 12, 31));
  for (int m = 1; m <= 12; ++m) {
    for (int y : {1900, 2000, 2023, 2024}) {
      const int last = static_cast<int>(DaysInMonth(y, static_cast<uint32_t>(m)));
      char buf[16];
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, last);
      CHECK(ParseDate(buf) == DaysFromCivil(y, static_cast<uint32_t>(m), static_cast<uint32_t>(last)));
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, last + 1);
      CHECK_FALSE(ParseDate(buf).has_value());
    }
  }
}

TEST_CASE("ParseTimestamp: the fixed-width `...THH:MM:SSZ` path agrees with the general path on every mutation") {
  // `+00:00` instead of `Z` always takes the general path, so it is the
  // reference for the same characters.
  for (const std::string good : {"2024-02-29T23:59:60Z", "1969-12-31T00:00:00Z", "2026-11-20T14:03:07Z"}) {
    REQUIRE(ParseTimestamp(good).has_value());
    const std::string chars = "0123456789/:aTZ -\x80";
    for (size_t pos = 0; pos < 19; ++pos) {
      for (char c : chars) {
        std::string s = good;
        s[pos] = c;
        std::string general = s.substr(0, 19) + "+00:00";
        CAPTURE(s);
        CHECK(ParseTimestamp(s) == ParseTimestamp(general));
      }
    }
  }
  CHECK(ParseTimestamp("2026-01-01T24:00:00Z") == std::nullopt);
  CHECK(ParseTimestamp("2026-01-01T23:60:00Z") == std::nullopt);
  CHECK(ParseTimestamp("2026-01-01T23:59:61Z") == std::nullopt);
  CHECK(ParseTimestamp("2026-02-29T00:00:00Z") == std::nullopt);
  CHECK(ParseTimestamp("2026-01-01t00:00:00z") == T("2026-01-01T00:00:00Z"));  // general path: lowercase
  CHECK(ParseTimestamp("2026-01-01T00:00:01Z") == T("2026-01-01") + 1'000'000);
}

namespace {

std::string Date(uint32_t y, uint32_t m, uint32_t d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", y, m, d);
  return buf;
}

}  // namespace

TEST_CASE("ParseDate: the fixed-width fast path equals the digit-by-digit path") {
  // Every month 00-13 and day 00-32 of the years around the calendar's edge
  // cases, and the leap-day region of every year 0000-9999.
  std::vector<uint32_t> years = {0, 1, 3, 4, 99, 100, 101, 399, 400, 401, 1582, 1600, 1700, 1800, 8000, 9996, 9999};
  for (uint32_t y = 1890; y <= 2110; ++y) years.push_back(y);
  int64_t valid = 0;
  for (uint32_t y : years) {
    for (uint32_t m = 0; m <= 13; ++m) {
      for (uint32_t d = 0; d <= 32; ++d) {
        const std::string s = Date(y, m, d);
        const auto fast = ParseDate(s), slow = ParseDateGeneral(s);
        REQUIRE_MESSAGE(fast == slow, s);
        if (fast) {
          ++valid;
          REQUIRE(FormatDate(*fast) == s);
          REQUIRE(*fast == DaysFromCivil(static_cast<int32_t>(y), m, d));
        }
      }
    }
  }
  CHECK(valid > 80000);
  for (uint32_t y = 0; y <= 9999; ++y) {
    for (uint32_t d = 27; d <= 31; ++d) {
      const std::string s = Date(y, 2, d);
      REQUIRE_MESSAGE(ParseDate(s) == ParseDateGeneral(s), s);
      CHECK(ParseDate(s).has_value() == (d <= DaysInMonth(static_cast<int32_t>(y), 2)));
    }
    const std::string first = Date(y, 1, 1);
    REQUIRE(ParseDate(first) == DaysFromCivil(static_cast<int32_t>(y), 1, 1));
  }
}

TEST_CASE("ParseDate / ParseTimestamp: every single-byte corruption agrees with the slow path") {
  for (const char* base : {"2024-02-29", "1999-12-31", "0000-01-01", "9999-12-31", "2026-11-30"}) {
    for (size_t i = 0; i < 10; ++i) {
      for (int c = 0; c < 256; ++c) {
        std::string s = base;
        s[i] = static_cast<char>(c);
        REQUIRE_MESSAGE(ParseDate(s) == ParseDateGeneral(s), i, " ", c);
      }
    }
  }
  for (const char* base : {"2026-07-26T00:03:08Z", "2024-02-29T23:59:60Z", "1970-01-01T00:00:00Z"}) {
    for (size_t i = 0; i < 20; ++i) {
      for (int c = 0; c < 256; ++c) {
        std::string s = base;
        s[i] = static_cast<char>(c);
        REQUIRE_MESSAGE(ParseTimestamp(s) == ParseTimestampGeneral(s), i, " ", c);
        int64_t micros = 0;
        if (ParseTimestamp20(s, &micros)) REQUIRE(ParseTimestampGeneral(s) == micros);
      }
    }
  }
}

TEST_CASE("ParseTimestamp: the fixed-width fast path over every hour, minute and second") {
  int64_t valid = 0;
  for (const char* day : {"2024-02-29", "1969-12-31", "2026-11-30", "2026-02-29", "2026-13-01"}) {
    for (uint32_t h = 0; h <= 25; ++h) {
      for (uint32_t m = 0; m <= 61; ++m) {
        for (uint32_t sec = 0; sec <= 61; ++sec) {
          char buf[40];
          std::snprintf(buf, sizeof buf, "%sT%02u:%02u:%02uZ", day, h, m, sec);
          const std::string s = buf;
          int64_t fast = 0;
          const bool ok = ParseTimestamp20(s, &fast);
          const auto slow = ParseTimestampGeneral(s);
          REQUIRE_MESSAGE(ok == slow.has_value(), s);
          REQUIRE(ParseTimestamp(s) == slow);
          if (!ok) continue;
          ++valid;
          REQUIRE(fast == *slow);
          REQUIRE(fast == int64_t{*ParseDate(day)} * kMicrosPerDay + ((h * 60 + m) * 60 + int64_t{sec}) * 1'000'000);
          CHECK(ok == (h <= 23 && m <= 59 && sec <= 60));
        }
      }
    }
  }
  CHECK(valid == 3 * 24 * 60 * 61);
  // Other forms take the general path.
  CHECK(ParseTimestamp("2026-07-26T00:03:08.5Z") == T("2026-07-26T00:03:08Z") + 500000);
  CHECK(ParseTimestamp("2026-07-26t00:03:08Z") == T("2026-07-26T00:03:08Z"));
  CHECK(ParseTimestamp("2026-07-26T00:03:08z") == T("2026-07-26T00:03:08Z"));
  CHECK(ParseTimestamp("2026-07-26T00:03:08+00:00") == T("2026-07-26T00:03:08Z"));
  CHECK_FALSE(ParseTimestamp("2026-07-26T00:03:08X").has_value());
}
