// Helpers for the JIT's differential tests: random Patient batches (nulls,
// empty lists and sets, boundary dates and ints) and an exact comparison of
// the interpreter's and the JIT's BatchResult.
#pragma once

#include <doctest/doctest.h>

#include <climits>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "core/dates.h"
#include "core/diagnostic.h"
#include "core/ir.h"
#include "core/schema.h"
#include "core/source.h"
#include "runtime/batch.h"
#include "runtime/engine.h"

namespace cohort::jit_test {

/// The stdlib Patient schema (loaded once).
inline std::shared_ptr<const Schema> PatientSchema() {
  static std::shared_ptr<const Schema> schema = [] {
    SourceManager sm;
    DiagnosticBag diags;
    std::shared_ptr<Schema> s = LoadStdlibSchema("Patient", sm, diags);
    REQUIRE_MESSAGE(s != nullptr, "the stdlib Patient schema must load");
    return std::shared_ptr<const Schema>(s);
  }();
  return schema;
}

/// Strings shared by data and generated programs, so comparisons hit: empty,
/// prefixes of each other, case variants, multi-byte UTF-8, ICD-10 codes.
inline const std::vector<std::string>& StringPool() {
  static const std::vector<std::string> pool = {
      "",   "a",     "ab",    "abc",  "A",   "en",  "es", "ES", "vi", "MA", "NY", "ma", "02139", "10001",
      "E11", "E11.9", "I10",  "E78.5", "F32.1", "sms", "email", "phone", "portal", "primary_care",
      "cardiology", "\xc3\x89lan", "stra\xc3\x9f" "e", "e", "zz"};
  return pool;
}

/// Integers around the interesting boundaries (overflow of + - * and negation).
inline int64_t RandomInt(std::mt19937_64& rng) {
  static const int64_t special[] = {0, 1, -1, 2, 3, 7, 65, 365, INT64_MAX, INT64_MIN, INT64_MAX - 1, INT64_MIN + 1,
                                    4294967296LL, 3037000500LL};
  if (rng() % 4 == 0) return special[rng() % std::size(special)];
  return static_cast<int64_t>(rng() % 20) - 3;
}

/// Dates near `today` (exact window bounds), month ends, 29 February, and far dates.
inline int32_t RandomDate(std::mt19937_64& rng, int32_t today) {
  static const int32_t offsets[] = {0, 1, -1, 2, -2, 3, -3, 7, -7, 8, -8, 14, -14, 30, -30, 31, -31, 90, -90, 365, -365,
                                    366, -366};
  switch (rng() % 6) {
    case 0: return today + offsets[rng() % std::size(offsets)];
    case 1: return today + static_cast<int32_t>(rng() % 801) - 400;
    case 2: {  // birthdays: today minus N years, give or take a day
      int32_t y, dummy_y;
      uint32_t m, d, dm, dd;
      CivilFromDays(today, &y, &m, &d);
      (void)dummy_y, (void)dm, (void)dd;
      int32_t years = static_cast<int32_t>(rng() % 100);
      uint32_t day = std::min<uint32_t>(d, DaysInMonth(y - years, m));
      return DaysFromCivil(y - years, m, day) + static_cast<int32_t>(rng() % 3) - 1;
    }
    case 3: {  // month ends and leap days
      static const char* dates[] = {"2024-02-29", "2023-02-28", "2024-01-31", "2025-03-31", "2000-02-29",
                                    "1960-02-29", "2026-12-31", "2027-01-01", "1970-01-01"};
      return *ParseDate(dates[rng() % std::size(dates)]);
    }
    case 4: return today - static_cast<int32_t>(rng() % 40000);
    default: return today + static_cast<int32_t>(rng() % 61) - 30;
  }
}

inline int64_t RandomTimestamp(std::mt19937_64& rng, int32_t today) {
  static const int64_t tods[] = {0, 1, kMicrosPerDay - 1, kMicrosPerDay / 2, 3600LL * 1000000};
  int64_t day = RandomDate(rng, today);
  if (rng() % 3 == 0) day = today - static_cast<int64_t>(rng() % 10);
  int64_t tod = rng() % 2 ? tods[rng() % std::size(tods)] : static_cast<int64_t>(rng() % kMicrosPerDay);
  return day * kMicrosPerDay + tod;
}

inline void AppendRandomScalar(ColumnData& c, const Type& type, std::mt19937_64& rng, int32_t today) {
  switch (type.kind) {
    case TypeKind::kBool: c.AppendBool(rng() % 2); break;
    case TypeKind::kInt: c.AppendInt(RandomInt(rng)); break;
    case TypeKind::kDecimal: c.AppendDecimal(static_cast<double>(RandomInt(rng)) / 4.0); break;
    case TypeKind::kString: c.AppendString(StringPool()[rng() % StringPool().size()]); break;
    case TypeKind::kDate: c.AppendDate(RandomDate(rng, today)); break;
    case TypeKind::kTimestamp: c.AppendInt(RandomTimestamp(rng, today)); break;
    case TypeKind::kEnum: c.AppendEnum(static_cast<uint8_t>(rng() % type.enum_def->labels.size())); break;
    default: FAIL("not a scalar type");
  }
}

/// Picks the encoding of an empty string column at random: plain 1 in 3, else
/// dictionary-encoded with up to 2 pool strings interned first (entries no
/// row uses, and codes that differ from batch to batch).
inline void RandomEncoding(ColumnData& c, std::mt19937_64& rng) {
  if (c.kind == TypeKind::kStringSet || c.kind == TypeKind::kList) {
    for (ColumnData& child : c.children) RandomEncoding(child, rng);
    return;
  }
  if (c.kind != TypeKind::kString) return;
  if (rng() % 3 == 0) {
    c.MakePlain();
    return;
  }
  c.UseDictionary();
  for (int k = static_cast<int>(rng() % 3); k > 0; --k) c.dictionary.Intern(StringPool()[rng() % StringPool().size()]);
}

/// A random batch of the schema: optional fields missing 1 in 4 (1 in 2 for
/// some columns), lists and sets empty 1 in 3. Columns that happen to have no
/// null get no bitmap in the view (Arrow's "all present"), exercising that path.
/// String columns (and set items, list record strings) are plain or
/// dictionary-encoded at random, per column and batch.
/// `null_row`, when given, also makes every optional scalar field missing at
/// the rows it accepts (nulls pinned at batch and chunk edges).
inline std::unique_ptr<Batch> RandomBatch(const Schema& schema, std::mt19937_64& rng, int64_t rows, int32_t today,
                                          const std::function<bool(int64_t)>& null_row = nullptr,
                                          int max_list = 4) {
  auto batch = std::make_unique<Batch>(schema);
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    ColumnData& col = batch->column(id);
    RandomEncoding(col, rng);
    const bool sparse = rng() % 4 == 0;  // some batches with many nulls
    // The contacts column (issue 12) is a random ledger: empty in 1 batch of 4,
    // channels from the schema's, dates around today.
    const bool empty_ledger = def.synthetic && rng() % 4 == 0;
    for (int64_t r = 0; r < rows; ++r) {
      if (def.type.kind == TypeKind::kList) {
        const RecordDef& rec = *def.type.record_def;
        int n = empty_ledger || rng() % 3 == 0 ? 0 : static_cast<int>(rng() % static_cast<uint64_t>(max_list + 1));
        for (int k = 0; k < n; ++k) {
          for (size_t f = 0; f < rec.fields.size(); ++f) {
            const FieldDef& fd = rec.fields[f];
            if (def.synthetic && fd.type.kind == TypeKind::kString) {
              static const char* const channels[] = {"sms", "email", "phone", "portal", "mail"};
              col.children[f].AppendString(channels[rng() % std::size(channels)]);
            } else if (fd.optional && rng() % 4 == 0) {
              col.children[f].AppendNull();
            } else {
              AppendRandomScalar(col.children[f], fd.type, rng, today);
            }
          }
        }
        col.AppendListEnd(col.children[0].length);
        continue;
      }
      if (def.type.kind == TypeKind::kStringSet) {
        static const char* codes[] = {"E11", "E11.9", "I10", "E78.5", "F32.1", "a", "E1"};
        std::set<std::string> seen;
        int n = rng() % 3 == 0 ? 0 : static_cast<int>(rng() % 4);
        for (int k = 0; k < n; ++k) {
          std::string item = codes[rng() % std::size(codes)];
          if (seen.insert(item).second) col.children[0].AppendString(item);
        }
        col.AppendListEnd(col.children[0].length);
        continue;
      }
      if (def.optional && (rng() % (sparse ? 2 : 4) == 0 || (null_row && null_row(r)))) col.AppendNull();
      else AppendRandomScalar(col, def.type, rng, today);
    }
  }
  batch->set_num_rows(rows);
  return batch;
}

/// First difference between two results ("" when identical), naming the
/// segment, the mask and the row.
inline std::string DiffResults(const ir::Program& p, const BatchResult& a, const BatchResult& b) {
  if (a.segments.size() != b.segments.size()) return "different segment counts";
  auto cmp = [&](const std::string& what, const std::vector<uint8_t>& x, const std::vector<uint8_t>& y) -> std::string {
    if (x.size() != y.size()) return what + ": different sizes";
    for (size_t r = 0; r < x.size(); ++r)
      if (x[r] != y[r]) return what + " row " + std::to_string(r) + ": interp " + std::to_string(x[r]) + " jit " + std::to_string(y[r]);
    return "";
  };
  for (size_t s = 0; s < a.segments.size(); ++s) {
    const std::string seg = "segment " + p.segments[s].name;
    const SegmentResult &x = a.segments[s], &y = b.segments[s];
    if (auto d = cmp(seg + " where", x.where, y.where); !d.empty()) return d;
    if (x.excludes.size() != y.excludes.size()) return seg + ": exclude counts";
    for (size_t k = 0; k < x.excludes.size(); ++k)
      if (auto d = cmp(seg + " exclude " + std::to_string(k), x.excludes[k], y.excludes[k]); !d.empty()) return d;
    if (auto d = cmp(seg + " member", x.member, y.member); !d.empty()) return d;
    if (x.channels.size() != y.channels.size()) return seg + ": channel counts";
    for (size_t k = 0; k < x.channels.size(); ++k)
      if (auto d = cmp(seg + " channel " + p.segments[s].channels[k].name, x.channels[k], y.channels[k]); !d.empty())
        return d;
  }
  return "";
}

/// Total number of 1 bytes in every mask (to check tests exercise TRUE rows).
inline size_t CountOnes(const BatchResult& r) {
  size_t n = 0;
  for (const SegmentResult& s : r.segments) {
    for (uint8_t v : s.where) n += v;
    for (uint8_t v : s.member) n += v;
  }
  return n;
}

/// An environment integer (size knobs), or `fallback`.
inline long EnvInt(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtol(v, nullptr, 10) : fallback;
}

}  // namespace cohort::jit_test
