// C implementations of the standard functions (functions.def), shared by the
// interpreter and JIT-compiled kernels. Arguments are never missing (callers
// apply the registry's NullIfAnyNull rule first), so these are total
// functions: no allocation, no exceptions, safe on any bytes.
#include <cstring>
#include <string_view>

#include "core/dates.h"
#include "stdlib/functions.h"

namespace {

std::string_view View(const char* s, int32_t n) {
  return n > 0 ? std::string_view(s, static_cast<size_t>(n)) : std::string_view();
}

}  // namespace

extern "C" {

int64_t cohort_fn_age(int32_t birth, int32_t today) { return cohort::AgeInYears(birth, today); }

int64_t cohort_fn_days_since(int32_t d, int32_t today) { return int64_t{today} - int64_t{d}; }

int64_t cohort_fn_days_until(int32_t d, int32_t today) { return int64_t{d} - int64_t{today}; }

// ASCII only, by design: non-ASCII bytes (UTF-8 sequences) pass through
// unchanged, so the byte length never changes and `out` needs n bytes.
int32_t cohort_fn_lower(const char* s, int32_t n, char* out) {
  for (int32_t i = 0; i < n; ++i) {
    char c = s[i];
    out[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return n < 0 ? 0 : n;
}

int32_t cohort_fn_upper(const char* s, int32_t n, char* out) {
  for (int32_t i = 0; i < n; ++i) {
    char c = s[i];
    out[i] = (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
  }
  return n < 0 ? 0 : n;
}

bool cohort_fn_starts_with(const char* s, int32_t n, const char* p, int32_t m) {
  return View(s, n).starts_with(View(p, m));
}

bool cohort_fn_ends_with(const char* s, int32_t n, const char* p, int32_t m) {
  return View(s, n).ends_with(View(p, m));
}

bool cohort_fn_contains(const char* s, int32_t n, const char* p, int32_t m) {
  return View(s, n).find(View(p, m)) != std::string_view::npos;
}

// Code points of UTF-8 text = bytes that are not continuation bytes
// (10xxxxxx). Invalid sequences thus count each lead/stray byte once.
int64_t cohort_fn_length(const char* s, int32_t n) {
  int64_t count = 0;
  for (int32_t i = 0; i < n; ++i)
    count += (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
  return count;
}

int64_t cohort_fn_year(int32_t d) {
  int32_t y;
  uint32_t m, day;
  cohort::CivilFromDays(d, &y, &m, &day);
  return y;
}

int64_t cohort_fn_month(int32_t d) {
  int32_t y;
  uint32_t m, day;
  cohort::CivilFromDays(d, &y, &m, &day);
  return m;
}

int32_t cohort_fn_date_of(int64_t ts) { return cohort::DayOfTimestamp(ts); }

}  // extern "C"
