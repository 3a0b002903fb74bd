// JIT benchmark: rows/s of the JIT, the interpreter and a hand-written
// branch-free C++ loop over the same in-memory columns, for the filters of
// issue 3, plus compile time (cold and cache hit) and 1 vs 2 threads. The
// hand loops read dictionary codes (constants resolved once per batch, `in`
// lists as a table over the entries), the best layout for the data, so
// "jit/hand" measures the kernel, not the representation.
//
//   cohort_bench [--rows N] [--batch N] [--reps N] [--dump-ir FILTER-PREFIX]
//                [--data DIR] [--duckdb TIMINGS.tsv] [--compile-only 1|quick] [--only FILTER-PREFIX]
//                [--clock wall|cpu]   (cpu: thread CPU time, steadier on a loaded machine)
//
// Data: synthetic Patient rows generated in memory (deterministic seed), or
// with --data the CSV directory of `cohort gen` loaded through the run
// pipeline's reader (the data DuckDB reads in bench/duckdb/bench.mjs), split
// into batches like the run pipeline does. --duckdb reads that script's
// output (filter, best seconds, count per line) so the table shows DuckDB's
// rows/s and the JIT/DuckDB ratio of the same run; counts must agree. Every engine's member count
// is checked against the hand-written loop's, so a fast wrong answer fails.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "compiler/driver/driver.h"
#include "core/dates.h"
#include "runtime/batch.h"
#include "runtime/engine.h"
#include "runtime/jit/jit_engine.h"
#include "runtime/loader.h"

using namespace cohort;

namespace {

using Clock = std::chrono::steady_clock;

/// CPU seconds of the process (ORC may compile on a pool thread): compile times on a shared machine are
/// reported both as wall time and as this (immune to being descheduled).
double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

uint64_t SplitMix(uint64_t& s) {
  uint64_t z = (s += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

const int32_t kToday = *ParseDate("2026-11-23");

/// Synthetic patients with plausible distributions (languages, states, zips,
/// optional dates missing ~30%, 0-6 events in the last 120 days).
std::unique_ptr<Batch> MakeBatch(const Schema& schema, int64_t rows, uint64_t seed) {
  static const char* langs[] = {"en", "en", "en", "en", "es", "es", "vi", "zh", "fr", "ar"};
  static const char* states[] = {"MA", "NY", "CA", "TX", "WA", "FL"};
  static const char* lines[] = {"primary_care", "cardiology", "oncology", "pediatrics"};
  static const char* codes[] = {"E11.9", "I10", "E78.5", "J45.909", "F32.1", "M54.5"};
  auto batch = std::make_unique<Batch>(schema);
  for (ColumnId c = 0; c < schema.columns.size(); ++c) batch->column(c).Reserve(rows);
  uint64_t s = seed;
  for (int64_t r = 0; r < rows; ++r) {
    for (ColumnId c = 0; c < schema.columns.size(); ++c) {
      const ColumnDef& def = schema.columns[c];
      ColumnData& col = batch->column(c);
      uint64_t x = SplitMix(s);
      const std::string& p = def.path;
      if (def.type.kind == TypeKind::kList) {
        int n = static_cast<int>(x % 7);
        for (int k = 0; k < n; ++k) {
          uint64_t y = SplitMix(s);
          col.children[0].AppendEnum(static_cast<uint8_t>(y % def.type.record_def->fields[0].type.enum_def->labels.size()));
          col.children[1].AppendInt((int64_t{kToday} - static_cast<int64_t>(y % 120)) * kMicrosPerDay +
                                    static_cast<int64_t>((y >> 20) % kMicrosPerDay));
          if ((y >> 40) % 3 == 0) col.children[2].AppendNull();
          else col.children[2].AppendString((y >> 42) % 2 ? "sms" : "email");
        }
        col.AppendListEnd(col.children[0].length);
        continue;
      }
      if (def.type.kind == TypeKind::kStringSet) {
        int n = static_cast<int>(x % 3);
        for (int k = 0; k < n; ++k) col.children[0].AppendString(codes[(x >> (8 + 4 * k)) % 6 + 0]);
        col.AppendListEnd(col.children[0].length);
        continue;
      }
      if (def.optional && (x >> 60) < 5) {  // ~30% missing
        col.AppendNull();
        continue;
      }
      switch (def.type.kind) {
        case TypeKind::kBool: col.AppendBool((x >> 7) & 1); break;
        case TypeKind::kInt: col.AppendInt(static_cast<int64_t>(x % (p == "telehealth_visits" ? 4 : 6))); break;
        case TypeKind::kDate:
          if (p == "birth_date") col.AppendDate(kToday - static_cast<int32_t>(x % (95 * 365)));
          else col.AppendDate(kToday + static_cast<int32_t>(x % 1500) - 1000);
          break;
        case TypeKind::kEnum: col.AppendEnum(static_cast<uint8_t>(x % def.type.enum_def->labels.size())); break;
        case TypeKind::kString:
          if (p == "language") col.AppendString(langs[x % 10]);
          else if (p == "state") col.AppendString(states[x % 6]);
          else if (p == "service_line") col.AppendString(lines[x % 4]);
          else if (p == "zip") col.AppendString(fmt::format("{:05}", 1700 + x % 60));
          else col.AppendString(fmt::format("p{:08}", r + static_cast<int64_t>(seed % 1000) * 100000000));
          break;
        default: col.AppendNull(); break;
      }
    }
  }
  batch->set_num_rows(rows);
  return batch;
}

struct Cols {
  const CohortColumn* c;
  explicit Cols(const CohortBatchView& v) : c(v.columns) {}
};

inline bool Bit(const uint8_t* bits, int64_t i) { return (bits[i >> 3] >> (i & 7)) & 1; }
inline bool Valid(const CohortColumn& c, int64_t i) { return !c.validity || Bit(c.validity, i); }
inline bool StrEq(const CohortColumn& c, int64_t i, const char* s, int32_t n) {
  std::string_view v = StringAt(c, i);
  return v.size() == static_cast<size_t>(n) && std::memcmp(v.data(), s, static_cast<size_t>(n)) == 0;
}
/// Hand loops use the best representation: dictionary codes. Per batch (as an
/// engine does per dictionary), the membership of each dictionary entry.
std::vector<uint8_t> EntryTable(const CohortColumn& c, const std::function<bool(std::string_view)>& in) {
  std::vector<uint8_t> t(c.dictionary ? static_cast<size_t>(c.dictionary->length) : 0);
  for (size_t k = 0; k < t.size(); ++k) t[k] = in(PlainStringAt(*c.dictionary, static_cast<int64_t>(k)));
  return t;
}
/// The code of `s` in a dictionary-encoded column (-1: absent, never equal).
int32_t CodeOf(const CohortColumn& c, std::string_view s) { return c.dictionary ? DictionaryCode(*c.dictionary, s) : -1; }

/// One benchmarked filter: its Cohort source and the hand-written loop that
/// writes the byte mask of its (only) segment's first list (channel 0, or the
/// members when there is no channel), the same output shape as an engine's.
struct Filter {
  std::string name;
  std::string source;
  std::function<void(const Schema&, const CohortBatchView&, uint8_t*)> hand;
};

std::vector<Filter> Filters() {
  std::vector<Filter> f;
  // Birth-date threshold: age >= 65 <=> birth_date <= today - 65 years.
  const int32_t born65 = AddDuration(kToday, ir::Duration{65 * 12, 0, 0}, -1);
  const int32_t born18 = AddDuration(kToday, ir::Duration{18 * 12, 0, 0}, -1);
  const int32_t born40 = AddDuration(kToday, ir::Duration{40 * 12, 0, 0}, -1);
  const int32_t born75 = AddDuration(kToday, ir::Duration{75 * 12, 0, 0}, -1);
  f.push_back({"age >= 65", "use Patient\nsegment A \"\" where age >= 65\n",
               [=](const Schema& s, const CohortBatchView& v, uint8_t* out) {
                 const int32_t* b = static_cast<const int32_t*>(v.columns[s.FindColumn("birth_date")].values);
                 for (int64_t i = 0; i < v.num_rows; ++i) out[i] = b[i] <= born65;
                 }});
  f.push_back({"FirstTimeSpanish",
               "use Patient\nsegment F \"\"\n  where telehealth_visits == 0 and language == \"es\"\n"
               "  exclude next_appointment within next 14 days\n  channel sms if consent\n",
               [=](const Schema& s, const CohortBatchView& v, uint8_t* out) {
                 const auto& tv = v.columns[s.FindColumn("telehealth_visits")];
                 const auto& lang = v.columns[s.FindColumn("language")];
                 const auto& next = v.columns[s.FindColumn("next_appointment")];
                 const auto& sms = v.columns[s.FindColumn("consent.sms")];
                 const int64_t* t = static_cast<const int64_t*>(tv.values);
                 const int32_t* na = static_cast<const int32_t*>(next.values);
                 const uint8_t* smsv = static_cast<const uint8_t*>(sms.values);
                 if (!lang.dictionary) {  // plain strings (not produced by the loader)
                   for (int64_t i = 0; i < v.num_rows; ++i) {
                     out[i] = 0;
                     if (t[i] != 0 || !Valid(lang, i) || !StrEq(lang, i, "es", 2)) continue;
                     bool ex = Valid(next, i) && na[i] >= kToday && na[i] <= kToday + 14;
                     out[i] = !ex && Valid(sms, i) && Bit(smsv, i);
                   }
                   return;
                 }
                 const int32_t es = CodeOf(lang, "es");
                 const int32_t* codes = static_cast<const int32_t*>(lang.values);
                 for (int64_t i = 0; i < v.num_rows; ++i) {
                   bool w = (t[i] == 0) & (codes[i] == es) & Valid(lang, i);
                   bool ex = Valid(next, i) & (na[i] >= kToday) & (na[i] <= kToday + 14);
                   bool ch = Valid(sms, i) & Bit(smsv, i);
                   out[i] = w & !ex & ch;
                 }
                 }});
  f.push_back({"5-predicate outreach",
               "use Patient\nsegment O \"\"\n  where age >= 18 and (consent.sms or consent.email)\n"
               "    and last_visit before 2025-11-23 and portal_active and no_show_count < 3\n",
               [=](const Schema& s, const CohortBatchView& v, uint8_t* out) {
                 const int32_t* b = static_cast<const int32_t*>(v.columns[s.FindColumn("birth_date")].values);
                 const auto& sms = v.columns[s.FindColumn("consent.sms")];
                 const auto& email = v.columns[s.FindColumn("consent.email")];
                 const auto& lv = v.columns[s.FindColumn("last_visit")];
                 const auto& pa = v.columns[s.FindColumn("portal_active")];
                 const int64_t* ns = static_cast<const int64_t*>(v.columns[s.FindColumn("no_show_count")].values);
                 const int32_t* lvv = static_cast<const int32_t*>(lv.values);
                 const int32_t cutoff = *ParseDate("2025-11-23");
                 for (int64_t i = 0; i < v.num_rows; ++i) {
                   bool c1 = Valid(sms, i) & Bit(static_cast<const uint8_t*>(sms.values), i);
                   bool c2 = Valid(email, i) & Bit(static_cast<const uint8_t*>(email.values), i);
                   bool lvok = Valid(lv, i) & (lvv[i] < cutoff);
                   out[i] = (b[i] <= born18) & (c1 | c2) & lvok & Bit(static_cast<const uint8_t*>(pa.values), i) & (ns[i] < 3);
                 }
                 }});
  f.push_back({"in-lists + missing + age range",
               "use Patient\nsegment L \"\"\n  where language in [\"en\", \"es\", \"vi\", \"zh\"]\n"
               "    and zip in [\"01700\", \"01701\", \"01702\", \"01703\", \"01704\", \"01705\", \"01706\", \"01707\",\n"
               "                \"01708\", \"01709\", \"01710\", \"01711\", \"01712\", \"01713\", \"01714\", \"01715\",\n"
               "                \"01716\", \"01717\", \"01718\", \"01719\"]\n"
               "    and last_visit is missing and age >= 40 and age < 75\n",
               [=](const Schema& s, const CohortBatchView& v, uint8_t* out) {
                 const auto& lang = v.columns[s.FindColumn("language")];
                 const auto& zip = v.columns[s.FindColumn("zip")];
                 const auto& lv = v.columns[s.FindColumn("last_visit")];
                 const int32_t* b = static_cast<const int32_t*>(v.columns[s.FindColumn("birth_date")].values);
                 // Per batch: which dictionary entries are in the lists (the
                 // zip list "01700".."01719" as one prefix test and a digit range).
                 std::vector<uint8_t> lt = EntryTable(lang, [](std::string_view x) {
                   return x == "en" || x == "es" || x == "vi" || x == "zh";
                 });
                 std::vector<uint8_t> zt = EntryTable(zip, [](std::string_view z) {
                   return z.size() == 5 && z.substr(0, 3) == "017" && (z[3] == '0' || z[3] == '1') && z[4] >= '0' &&
                          z[4] <= '9';
                 });
                 if (!lang.dictionary || !zip.dictionary) {
                   std::fill(out, out + v.num_rows, 0);  // the loader always encodes these: counts will mismatch
                   return;
                 }
                 const int32_t* lc = static_cast<const int32_t*>(lang.values);
                 const int32_t* zc = static_cast<const int32_t*>(zip.values);
                 for (int64_t i = 0; i < v.num_rows; ++i) {
                   bool age = (b[i] <= born40) & (b[i] > born75);
                   out[i] = !Valid(lv, i) & age & Valid(lang, i) & lt[lc[i]] & Valid(zip, i) & zt[zc[i]];
                 }
                 }});
  f.push_back({"quantifier over events",
               "use Patient\nsegment Q \"\"\n  where any e in events where e.kind == email_opened and e.at within last 30 days\n",
               [=](const Schema& s, const CohortBatchView& v, uint8_t* out) {
                 const auto& ev = v.columns[s.FindColumn("events")];
                 const uint8_t* kind = static_cast<const uint8_t*>(ev.children[0].values);
                 const int64_t* at = static_cast<const int64_t*>(ev.children[1].values);
                 const uint8_t code = static_cast<uint8_t>(
                     s.columns[s.FindColumn("events")].type.record_def->fields[0].type.enum_def->Find("email_opened"));
                 const int64_t lo = int64_t{kToday - 30} * kMicrosPerDay, hi = int64_t{kToday + 1} * kMicrosPerDay;
                 for (int64_t i = 0; i < v.num_rows; ++i) {
                   bool any = false;
                   for (int32_t j = ev.offsets[i]; j < ev.offsets[i + 1] && !any; ++j)
                     any = kind[j] == code && at[j] >= lo && at[j] < hi;
                   out[i] = any;
                 }
                 }});
  return f;
}

/// A buffer an engine must read: `bytes` from `ptr`.
struct Span {
  const void* ptr;
  int64_t bytes;
};

/// The buffers a program reads, found from its IR: every column a clause
/// reads (values at their width: bitmaps for bools, int32 codes for
/// dictionary-encoded strings, offsets + bytes for plain ones; validity
/// bitmaps when present), list offsets and the element fields quantifiers
/// read. The least a kernel can read; the memory floor streams exactly these.
///
/// narrow_ints: an int column counts only the bytes of the narrowest width
/// (1, 2, 4 or 8) that holds every value of the batch: the floor of a layout
/// that narrowed int columns per batch (not Cohort's today; see the notes).
void ReadSpans(const ir::Program& p, const CohortBatchView& v, std::vector<Span>* out, bool narrow_ints = false) {
  std::vector<std::pair<ColumnId, int>> used;  // (column, -1) or (list column, field)
  std::function<void(ir::ExprId, ColumnId)> walk = [&](ir::ExprId id, ColumnId list) {
    if (id == ir::kNoExpr || id >= p.exprs.size()) return;
    const ir::Expr& e = p.expr(id);
    ColumnId inner = list;
    // `x is missing` reads only x's validity bitmap.
    if (e.kind == ir::ExprKind::kIsMissing && !e.args.empty() && e.args[0] < p.exprs.size() &&
        p.expr(e.args[0]).kind == ir::ExprKind::kColumn) {
      used.push_back({p.expr(e.args[0]).column, -2});
      return;
    }
    if (e.kind == ir::ExprKind::kColumn) used.push_back({e.column, -1});
    if (e.kind == ir::ExprKind::kQuantifier || e.kind == ir::ExprKind::kAggregate) {
      used.push_back({e.column, -1});
      inner = e.column;
    }
    if (e.kind == ir::ExprKind::kVarField && list != kNoColumn) used.push_back({list, static_cast<int>(e.index)});
    if (e.kind == ir::ExprKind::kVarItem && list != kNoColumn) used.push_back({list, 0});
    if (e.kind == ir::ExprKind::kDefineRef && e.index < p.defines.size()) walk(p.defines[e.index].body, list);
    for (size_t k = 0; k < e.args.size(); ++k) walk(e.args[k], k == 0 ? inner : list);
  };
  for (const ir::Segment& seg : p.segments) {
    walk(seg.where, kNoColumn);
    for (ir::ExprId x : seg.excludes) walk(x, kNoColumn);
    for (const ir::Channel& c : seg.channels) walk(c.condition, kNoColumn);
  }
  std::sort(used.begin(), used.end());
  used.erase(std::unique(used.begin(), used.end()), used.end());
  // Validity only (-2) when the values are read anyway (-1): drop it.
  const std::vector<std::pair<ColumnId, int>> all = used;
  used.erase(std::remove_if(used.begin(), used.end(),
                            [&](const std::pair<ColumnId, int>& u) {
                              return u.second == -2 && std::binary_search(all.begin(), all.end(), std::make_pair(u.first, -1));
                            }),
             used.end());
  auto scalar = [&](const CohortColumn& c, TypeKind kind) {
    const int64_t n = c.length, bits = (n + 7) / 8;
    if (c.validity) out->push_back({c.validity, bits});
    switch (kind) {
      case TypeKind::kBool: out->push_back({c.values, bits}); break;
      case TypeKind::kInt:
        if (narrow_ints) {
          const auto* x = static_cast<const int64_t*>(c.values);
          int64_t lo = 0, hi = 0;
          for (int64_t i = 0; i < n; ++i) lo = std::min(lo, x[i]), hi = std::max(hi, x[i]);
          int64_t width = 8;
          for (int64_t w : {1, 2, 4})
            if (width == 8 && lo >= -(int64_t{1} << (8 * w - 1)) && hi < (int64_t{1} << (8 * w - 1))) width = w;
          out->push_back({c.values, width * n});
          break;
        }
        out->push_back({c.values, 8 * n});
        break;
      case TypeKind::kTimestamp:
      case TypeKind::kDecimal: out->push_back({c.values, 8 * n}); break;
      case TypeKind::kDate: out->push_back({c.values, 4 * n}); break;
      case TypeKind::kEnum: out->push_back({c.values, n}); break;
      case TypeKind::kString:
        if (c.dictionary) {
          out->push_back({c.values, 4 * n});
        } else {
          out->push_back({c.offsets, 4 * (n + 1)});
          out->push_back({c.data + c.offsets[0], c.offsets[n] - c.offsets[0]});
        }
        break;
      default: break;
    }
  };
  for (auto [col, field] : used) {
    const CohortColumn& c = v.columns[col];
    const ColumnDef& def = p.schema->columns[col];
    if (field == -2) {
      if (c.validity) out->push_back({c.validity, (c.length + 7) / 8});
    } else if (def.type.kind != TypeKind::kList && def.type.kind != TypeKind::kStringSet) {
      scalar(c, def.type.kind);
    } else if (field < 0) {
      out->push_back({c.offsets, 4 * (c.length + 1)});
    } else if (def.type.kind == TypeKind::kStringSet) {
      scalar(c.children[0], TypeKind::kString);
    } else {
      scalar(c.children[field], def.type.record_def->fields[static_cast<size_t>(field)].type.kind);
    }
  }
}

/// The memory floor of one pass: reads every span (32-byte loads OR-ed
/// together) and writes `masks` bytes; returns a value depending on the
/// reads so nothing is optimized away.
#if defined(__x86_64__)
__attribute__((target("avx2")))
#endif
uint64_t StreamSpans(const std::vector<Span>& spans, uint8_t* masks, int64_t mask_bytes) {
  uint64_t acc = 0;
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx2")) {
    __m256i a = _mm256_setzero_si256(), b = a;
    for (const Span& s : spans) {
      const auto* p = static_cast<const uint8_t*>(s.ptr);
      int64_t i = 0;
      for (; i + 64 <= s.bytes; i += 64) {
        a = _mm256_or_si256(a, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i)));
        b = _mm256_or_si256(b, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 32)));
      }
      for (; i < s.bytes; ++i) acc |= p[i];
    }
    a = _mm256_or_si256(a, b);
    acc |= static_cast<uint64_t>(_mm256_extract_epi64(a, 0) | _mm256_extract_epi64(a, 1) |
                                 _mm256_extract_epi64(a, 2) | _mm256_extract_epi64(a, 3));
    const __m256i fill = _mm256_set1_epi8(static_cast<char>(acc & 1));
    int64_t i = 0;
    for (; i + 32 <= mask_bytes; i += 32) _mm256_storeu_si256(reinterpret_cast<__m256i*>(masks + i), fill);
    for (; i < mask_bytes; ++i) masks[i] = static_cast<uint8_t>(acc & 1);
    return acc;
  }
#endif
  for (const Span& s : spans) {
    const auto* p = static_cast<const uint8_t*>(s.ptr);
    for (int64_t i = 0; i < s.bytes; ++i) acc |= p[i];
  }
  std::memset(masks, static_cast<int>(acc & 1), static_cast<size_t>(mask_bytes));
  return acc;
}

int64_t Channel0(const BatchResult& r) {
  const auto& s = r.segments.at(0);
  int64_t n = 0;
  for (size_t i = 0; i < s.member.size(); ++i) n += s.member[i] && (s.channels.empty() || s.channels[0][i]);
  return n;
}

}  // namespace

/// Compile time of a 10-predicate segment: the median of several cold
/// compiles (cache cleared each time) and of cache hits. Cold: MakeJitEngine
/// tiered returns once the quick kernel is linked (CPU of the calling thread:
/// the tier-up runs on the worker); "optimized in" adds waiting for the
/// tier-up; "untiered" is the optimized kernel compiled before returning.
bool CompileBench(const CompileOptions& copts, bool quick_only) {
  const std::string ten =
      "use Patient\nsegment T \"\"\n  where age >= 18 and age < 90 and language in [\"en\", \"es\"] and state == \"MA\"\n"
      "    and telehealth_visits < 3 and no_show_count < 2 and portal_active\n"
      "    and last_visit after 2024-11-23 and (consent.sms or consent.email)\n"
      "    and next_appointment is missing\n  channel sms if consent\n";
  CompileResult tc = Compile(ten, copts);
  if (!tc.ok()) {
    fmt::print("10-predicate segment does not compile\n");
    return false;
  }
  std::vector<double> cold, cold_cpu, hit, hit_cpu, ready, untiered, untiered_cpu;
  if (quick_only) {
    // --compile-only quick: only the quick tier, many times (for a profile).
    for (int k = 0; k < 200; ++k) {
      ClearJitCache();
      std::string error;
      const double cpu0 = ThreadCpuSeconds();
      auto e = MakeJitEngine(tc.program, JitOptions{.tiering = JitTiering::kQuickOnly}, &error);
      cold_cpu.push_back((ThreadCpuSeconds() - cpu0) * 1e3);
      if (!e) {
        fmt::print("10-predicate segment: JIT failed: {}\n", error);
        return false;
      }
    }
    std::sort(cold_cpu.begin(), cold_cpu.end());
    fmt::print("10-predicate segment, quick tier only (median of {}): {:.2f} ms CPU (min {:.2f})\n", cold_cpu.size(),
               cold_cpu[cold_cpu.size() / 2], cold_cpu.front());
    return true;
  }
  for (int k = 0; k < 15; ++k) {
    ClearJitCache();
    std::string error;
    const double cpu0 = ThreadCpuSeconds();
    auto a = Clock::now();
    auto e1 = MakeJitEngine(tc.program, JitOptions{.tiering = JitTiering::kTiered}, &error);
    auto b = Clock::now();
    const double cpu1 = ThreadCpuSeconds();
    auto e2 = MakeJitEngine(tc.program, JitOptions{.tiering = JitTiering::kTiered}, &error);
    auto c = Clock::now();
    const double cpu2 = ThreadCpuSeconds();
    if (!e1 || !e2) {
      fmt::print("10-predicate segment: JIT failed: {}\n", error);
      return false;
    }
    WaitForOptimizedKernel(*e1);
    auto d = Clock::now();
    cold.push_back(Seconds(a, b) * 1e3);
    cold_cpu.push_back((cpu1 - cpu0) * 1e3);
    hit.push_back(Seconds(b, c) * 1e6);
    hit_cpu.push_back((cpu2 - cpu1) * 1e6);
    ready.push_back(Seconds(a, d) * 1e3);
    ClearJitCache();
    const double u_cpu = ThreadCpuSeconds();
    auto u0 = Clock::now();
    auto e3 = MakeJitEngine(tc.program, JitOptions{.tiering = JitTiering::kOptimizedOnly}, &error);
    untiered.push_back(Seconds(u0, Clock::now()) * 1e3);
    untiered_cpu.push_back((ThreadCpuSeconds() - u_cpu) * 1e3);
  }
  for (auto* v : {&cold, &cold_cpu, &hit, &hit_cpu, &ready, &untiered, &untiered_cpu}) std::sort(v->begin(), v->end());
  auto med = [](const std::vector<double>& v) { return v[v.size() / 2]; };
  fmt::print(
      "\n10-predicate segment compile (median of {}): cold (quick tier) {:.2f} ms CPU (min {:.2f}), {:.2f} ms wall; "
      "optimized kernel in after {:.2f} ms wall; untiered optimized compile {:.2f} ms CPU, {:.2f} ms wall; "
      "cache hit {:.1f} us CPU, {:.1f} us wall (min {:.1f})\n",
      cold.size(), med(cold_cpu), cold_cpu.front(), med(cold), med(ready), med(untiered_cpu), med(untiered),
      med(hit_cpu), med(hit), hit.front());
  return true;
}

int main(int argc, char** argv) {
  int64_t rows = 2'000'000, batch_rows = 1 << 16;
  int reps = 3;
  std::string data_dir, duckdb_file;
  std::string dump;  // --dump-ir <filter name prefix>: print that filter's optimized IR
  bool compile_only = false;  // --compile-only 1: only the compile-time measurement
  bool quick_only = false;    // --compile-only quick: only the quick tier, 200 times (to profile it)
  bool cpu_clock = false;     // --clock cpu: time the filters in thread CPU time (2-thread runs: wall)
  std::string only;           // --only FILTER-PREFIX: only the filters whose name starts so (no compile bench)
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--dump-ir") dump = argv[i + 1];
    if (a == "--compile-only") {
      compile_only = true;
      quick_only = std::string(argv[i + 1]) == "quick";
    }
    if (a == "--data") data_dir = argv[i + 1];
    if (a == "--only") only = argv[i + 1];
    if (a == "--clock") cpu_clock = std::string(argv[i + 1]) == "cpu";
    if (a == "--duckdb") duckdb_file = argv[i + 1];
    if (a == "--rows") rows = std::stoll(argv[i + 1]);
    else if (a == "--batch") batch_rows = std::stoll(argv[i + 1]);
    else if (a == "--reps") reps = std::stoi(argv[i + 1]);
  }
  CompileOptions copts;
  copts.today = kToday;
  CompileResult probe = Compile("use Patient\nsegment X \"\" where true\n", copts);
  if (!probe.ok()) {
    fmt::print(stderr, "cannot compile a probe program (driver not ready?)\n");
    return 1;
  }
  if (compile_only) return CompileBench(copts, quick_only) ? 0 : 1;
  const Schema& schema = *probe.program->schema;
  auto t0 = Clock::now();
  std::vector<std::unique_ptr<Batch>> batches;
  if (data_dir.empty()) {
    for (int64_t at = 0, k = 0; at < rows; at += batch_rows, ++k)
      batches.push_back(MakeBatch(schema, std::min(batch_rows, rows - at), 1234 + static_cast<uint64_t>(k)));
  } else {
    std::vector<DataError> errors;
    auto reader = OpenRecordReader(probe.program->schema, data_dir, &errors);
    if (!reader) {
      for (auto& e : errors) fmt::print(stderr, "{}\n", e.ToString());
      return 1;
    }
    rows = 0;
    for (;;) {
      auto b = std::make_unique<Batch>(schema);
      if (!reader->Next(b.get(), batch_rows) || b->num_rows() == 0) break;
      rows += b->num_rows();
      batches.push_back(std::move(b));
    }
    for (auto& e : reader->errors()) fmt::print(stderr, "{}\n", e.ToString());
    if (!reader->errors().empty()) return 1;
  }
  // DuckDB timings of the same filters on the same CSV: name -> (seconds, count).
  std::map<std::string, std::pair<double, int64_t>> duck;
  if (!duckdb_file.empty()) {
    std::ifstream in(duckdb_file);
    for (std::string line; std::getline(in, line);) {
      std::istringstream ls(line);
      std::string name, secs, count;
      if (std::getline(ls, name, '\t') && std::getline(ls, secs, '\t') && std::getline(ls, count, '\t'))
        duck[name] = {std::stod(secs), std::stoll(count)};
    }
  }
  std::vector<CohortBatchView> views;
  for (auto& b : batches) views.push_back(b->View());
  fmt::print("{} rows in {} batches {} in {:.2f}s\n\n", rows, batches.size(),
             data_dir.empty() ? "generated" : "loaded from " + data_dir, Seconds(t0, Clock::now()));
  ExecContext ctx;
  ctx.today = kToday;
  ctx.now = int64_t{kToday} * kMicrosPerDay;

  fmt::print("{:<32} {:>12} {:>12} {:>12} {:>12} {:>9} {:>9} {:>9} {:>10} {:>10} {:>9}\n", "filter", "hand rows/s",
             "jit rows/s", "interp rows/s", "duckdb rows/s", "jit/hand", "jit/int", "jit/duck", "cold ms", "hit us",
             "2thr x");
  for (const Filter& f : Filters()) {
    if (!only.empty() && f.name.rfind(only, 0) != 0) continue;
    CompileResult cr = Compile(f.source, copts);
    if (!cr.ok()) {
      fmt::print("{:<32} does not compile\n", f.name);
      continue;
    }
    std::shared_ptr<const ir::Program> program = cr.program;
    if (!dump.empty() && f.name.rfind(dump, 0) == 0) {
      std::string err;
      fmt::print("{}\n", EmitLlvmIr(*program, &err));
    }
    ClearJitCache();
    std::string error;
    auto c0 = Clock::now();
    auto jit = MakeJitEngine(program, JitOptions{}, &error);
    auto c1 = Clock::now();
    if (!jit) {
      fmt::print("{:<32} JIT failed: {}\n", f.name, error);
      continue;
    }
    auto jit2 = MakeJitEngine(program, JitOptions{}, &error);
    auto c2 = Clock::now();
    // Throughput is measured on the optimized kernel (tier-up finished).
    WaitForOptimizedKernel(*jit);
    auto interp = MakeInterpreter(program);

    // Outputs are preallocated per batch and counted after timing, so every
    // contender is timed on the same work: columns in, one byte mask out.
    // --clock cpu: this thread's CPU time instead of wall time (steadier on
    // a loaded machine: a preempted rep does not count its wait).
    auto time_best = [&](const std::function<void()>& run, bool wall = false) {
      double best = 1e30;
      for (int r = 0; r < reps; ++r) {
        auto a = Clock::now();
        const double cpu0 = ThreadCpuSeconds();
        run();
        best = std::min(best, cpu_clock && !wall ? ThreadCpuSeconds() - cpu0 : Seconds(a, Clock::now()));
      }
      return best;
    };
    std::vector<std::vector<uint8_t>> hand_masks(views.size());
    for (size_t k = 0; k < views.size(); ++k) hand_masks[k].assign(static_cast<size_t>(views[k].num_rows), 0);
    std::vector<BatchResult> results(views.size());
    auto count_results = [&] {
      int64_t n = 0;
      for (auto& r : results) n += Channel0(r);
      return n;
    };
    double t_hand = time_best([&] {
      for (size_t k = 0; k < views.size(); ++k) f.hand(schema, views[k], hand_masks[k].data());
    });
    int64_t n_hand = 0;
    for (auto& m : hand_masks)
      for (uint8_t b : m) n_hand += b;
    double t_jit = time_best([&] {
      for (size_t k = 0; k < views.size(); ++k) jit->Evaluate(views[k], ctx, &results[k]);
    });
    int64_t n_jit = count_results();
    double t_int = time_best([&] {
      for (size_t k = 0; k < views.size(); ++k) interp->Evaluate(views[k], ctx, &results[k]);
    });
    int64_t n_int = count_results();
    // 1 vs 2 threads through the same harness (workers pulling batches from
    // a shared counter, kThreadPasses passes so thread start-up is noise).
    constexpr int kThreadPasses = 10;
    auto threaded = [&](int threads) {
      return time_best([&] {
        for (int pass = 0; pass < kThreadPasses; ++pass) {
          std::atomic<size_t> next{0};
          auto worker = [&] {
            for (size_t k; (k = next.fetch_add(1)) < views.size();) jit->Evaluate(views[k], ctx, &results[k]);
          };
          std::vector<std::thread> pool;
          for (int t = 0; t < threads; ++t) pool.emplace_back(worker);
          for (auto& t : pool) t.join();
        }
      }, /*wall=*/true);
    };
    double t_jit1t = threaded(1);
    double t_jit2 = threaded(2);
    int64_t n_jit2 = count_results();
    const double r = static_cast<double>(rows);
    auto d = duck.find(f.name);
    std::string duck_rate = "-", duck_ratio = "-";
    if (d != duck.end()) {
      duck_rate = fmt::format("{:.3g}", r / d->second.first);
      duck_ratio = fmt::format("{:.1f}x", d->second.first / t_jit);
    }
    fmt::print("{:<32} {:>12.3g} {:>12.3g} {:>12.3g} {:>12} {:>8.0f}% {:>8.1f}x {:>9} {:>10.2f} {:>10.1f} {:>8.2f}x\n",
               f.name, r / t_hand, r / t_jit, r / t_int, duck_rate, 100.0 * t_hand / t_jit, t_int / t_jit, duck_ratio,
               Seconds(c0, c1) * 1e3, Seconds(c1, c2) * 1e6, t_jit1t / t_jit2);
    if (d != duck.end() && d->second.second != n_jit)
      fmt::print("  MISMATCH: duckdb {} jit {}\n", d->second.second, n_jit);
    if (n_hand != n_jit || n_jit != n_int || n_jit2 != n_jit)
      fmt::print("  MISMATCH: hand {} jit {} interp {} jit(2 threads) {}\n", n_hand, n_jit, n_int, n_jit2);
    // Memory floor: stream the bytes the filter must read and the mask
    // bytes an engine writes (BatchResult: one byte per row per mask), in the
    // same batches, best of the same reps.
    std::vector<std::vector<Span>> spans(views.size());
    int64_t bytes_read = 0;
    for (size_t k = 0; k < views.size(); ++k) {
      ReadSpans(*program, views[k], &spans[k]);
      for (const Span& sp : spans[k]) bytes_read += sp.bytes;
    }
    int64_t num_masks = 0;  // where, excludes, member, channels per segment
    for (const ir::Segment& seg : program->segments)
      num_masks += 2 + static_cast<int64_t>(seg.excludes.size() + seg.channels.size());
    std::vector<std::vector<uint8_t>> floor_masks(views.size());
    for (size_t k = 0; k < views.size(); ++k) floor_masks[k].assign(static_cast<size_t>(views[k].num_rows * num_masks), 0);
    uint64_t sink = 0;
    double t_floor = time_best([&] {
      for (size_t k = 0; k < views.size(); ++k)
        sink += StreamSpans(spans[k], floor_masks[k].data(), static_cast<int64_t>(floor_masks[k].size()));
    });
    // The same floor if int columns were narrowed per batch (a layout change
    // to weigh, not made): printed when it reads fewer bytes.
    std::vector<std::vector<Span>> narrow(views.size());
    int64_t narrow_read = 0;
    for (size_t k = 0; k < views.size(); ++k) {
      ReadSpans(*program, views[k], &narrow[k], /*narrow_ints=*/true);
      for (const Span& sp : narrow[k]) narrow_read += sp.bytes;
    }
    double t_narrow = 0;
    if (narrow_read < bytes_read)
      t_narrow = time_best([&] {
        for (size_t k = 0; k < views.size(); ++k)
          sink += StreamSpans(narrow[k], floor_masks[k].data(), static_cast<int64_t>(floor_masks[k].size()));
      });
    const double rd = static_cast<double>(bytes_read) / r, wr = static_cast<double>(num_masks);
    fmt::print("  bytes/row: read {:.2f}, written {:.0f}; jit {:.1f} GB/s; floor (streaming those bytes) {:.3g} rows/s, "
               "{:.1f} GB/s; jit at {:.0f}% of the floor{}\n",
               rd, wr, (rd + wr) * r / t_jit * 1e-9, r / t_floor, (rd + wr) * r / t_floor * 1e-9, 100.0 * t_floor / t_jit,
               sink == 42 ? " " : "");
    if (t_narrow > 0)
      fmt::print("  with int columns narrowed per batch: read {:.2f} bytes/row, floor {:.3g} rows/s{}\n",
                 static_cast<double>(narrow_read) / r, r / t_narrow,
                 d != duck.end() ? fmt::format(" ({:.1f}x DuckDB)", d->second.first / t_narrow) : "");
  }

  return !only.empty() || CompileBench(copts, false) ? 0 : 1;
}
