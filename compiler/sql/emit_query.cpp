// The list and summary queries. One chain of CTEs:
//   "#base"  the records table's columns the program reads (Spark: every
//            column, plus each list file as an array column)
//   "#a<i>"  segment i's clause truths (where, each exclude, each channel)
//   "#b<i>"  segment i's membership, which later segments may read (`in segment`)
//   "#t" "#h" "#d"  the shared decisions of runtime/run/decide.cpp: campaign
//            priority (taken), MD5 holdout (held), consent ANDed again (listed)
//   "#q<k>"  with a campaign `cap`: one CTE per capped channel step, its
//            admission (emit_caps.cpp); "#d" then carries every list flag
// then either the rows of every list (sorted by segment, list, key bytes) or
// the counters of summary.json.
#include <fmt/format.h>

#include <set>

#include "compiler/sql/emitter.h"
#include "core/dates.h"
#include "core/used_columns.h"

namespace cohort::sql {

namespace {

/// Names of the decision columns of "#d" (prefixed `#`, which no CSV header
/// of a schema column uses for them to collide with).
struct Names {
  static std::string W(size_t s) { return fmt::format("#w{}", s); }
  static std::string X(size_t s, size_t k) { return fmt::format("#x{}_{}", s, k); }
  static std::string C(size_t s, size_t c) { return fmt::format("#c{}_{}", s, c); }
  static std::string K(size_t s, size_t c) { return fmt::format("#k{}_{}", s, c); }
  static std::string T(size_t s) { return fmt::format("#t{}", s); }
  static std::string H(size_t s) { return fmt::format("#h{}", s); }
  static std::string L(size_t s, size_t c) { return ListedColumn(s, c); }
  static std::string P(size_t s, size_t c) { return PreCapColumn(s, c); }
};

class QueryEmitter {
 public:
  QueryEmitter(const ir::Program& p, const SqlOptions& o, DiagnosticBag* diags)
      : p_(p), o_(o), ex_(p, o, diags), sp_(ex_.sp()) {
    // Issue 12: caps (emit_caps.cpp) read the ledger with correlated
    // subqueries in the select list, which Spark SQL does not run there.
    for (const ir::Campaign& c : p_.campaigns)
      if (c.cap_messages && sp_.spark())
        ex_.Unsupported(c.range, fmt::format("the frequency cap of campaign `{}`", c.name),
                        "run capped campaigns on PostgreSQL or DuckDB, or with `cohort run --data DIR --ledger DIR`");
  }

  std::string Lists() {
    std::string out = Header("the rows of every list") + Ctes();
    std::vector<ColumnId> exports = ExportColumns();
    std::vector<std::string> export_sql(exports.size());
    std::string rows;
    auto add_row = [&](size_t s, size_t list_ord, const std::string& list, const std::string& send_on, bool holdout,
                       const std::string& cond) {
      const ir::Segment& seg = p_.segments[s];
      std::string text = sp_.Type(TypeKind::kString);
      // Variants (issue 12): the variant's message and cta, and its name.
      const bool split = !holdout && !seg.variants.empty();
      auto pick = [&](auto field) {
        if (!split) return holdout ? sp_.Null(TypeKind::kString) : sp_.Str(field(nullptr));
        return VariantCase(s, [&](const ir::Variant& v) { return sp_.Str(field(&v)); });
      };
      std::string r = fmt::format("  SELECT {} AS {}, {} AS {}, r.{} AS {}, {} AS {}, {} AS {}, {} AS {}", sp_.Str(seg.name),
                                  I("segment"), sp_.Str(list), I("list"), I("#key"), I("key"),
                                  holdout ? sp_.Null(TypeKind::kString) : sp_.Str(send_on), I("send_on"),
                                  pick([&](const ir::Variant* v) { return v ? v->message : seg.message; }), I("message"),
                                  pick([&](const ir::Variant* v) { return v ? v->cta : seg.cta; }), I("cta"));
      if (HasVariants())
        r += fmt::format(", {} AS {}", split ? VariantCase(s, [&](const ir::Variant& v) { return sp_.Str(v.name); })
                                             : sp_.Null(TypeKind::kString),
                         I("variant"));
      for (size_t k = 0; k < exports.size(); ++k) {
        bool has = false;
        for (ColumnId c : seg.exports) has |= c == exports[k];
        r += fmt::format(", {} AS {}", has && !holdout ? ExportText(exports[k], seg) : sp_.Null(TypeKind::kString),
                         I(p_.schema->columns[exports[k]].path));
      }
      r += fmt::format(", {} AS {}, {} AS {} FROM {} AS r WHERE r.{}", s, I("#s"), list_ord, I("#o"), I("#d"), I(cond));
      rows += (rows.empty() ? "" : "\n  UNION ALL\n") + r;
    };
    for (size_t s = 0; s < p_.segments.size(); ++s) {
      const ir::Segment& seg = p_.segments[s];
      for (size_t c = 0; c < seg.channels.size(); ++c)
        add_row(s, c, seg.channels[c].name, FormatDate(AddDuration(o_.today, seg.channels[c].after, +1)), false,
                Names::L(s, c));
      add_row(s, seg.channels.size(), "holdout", "", true, Names::H(s));
    }
    out += ",\n" + I("#rows") + " AS (\n" + rows + "\n)\n";
    out += "SELECT " + I("segment") + ", " + I("list") + ", " + I("key") + ", " + I("send_on") + ", " + I("message") +
           ", " + I("cta");
    if (HasVariants()) out += ", " + I("variant");
    for (ColumnId c : exports) out += ", " + I(p_.schema->columns[c].path);
    out += "\nFROM " + I("#rows") + "\nORDER BY " + I("#s") + ", " + I("#o") + ", " + I("key") + sp_.ByteOrder() + ";\n";
    return out;
  }

  std::string Summary() {
    std::string out = Header("the counters of summary.json") + Ctes();
    // One row of sums, then one output row per counter.
    std::vector<std::string> sums;
    struct Item {
      std::string segment, item;
      size_t sum;
      bool only_positive = false;
    };
    std::vector<Item> items;
    auto count_if = [&](const std::string& cond) {
      sums.push_back(fmt::format("COALESCE(SUM(CASE WHEN {} THEN 1 ELSE 0 END), 0)", cond));  // 0 rows: 0, not NULL
      return sums.size() - 1;
    };
    auto col = [&](const std::string& n) { return "r." + I(n); };
    constexpr size_t kNoSum = static_cast<size_t>(-1);
    size_t zero = kNoSum;  // the one sum every uncapped channel's `capped` reads
    sums.push_back("COUNT(*)");
    items.push_back({"", "records", 0});
    for (size_t s = 0; s < p_.segments.size(); ++s) {
      const ir::Segment& seg = p_.segments[s];
      std::string m = col(ExprEmitter::MemberColumn(static_cast<uint32_t>(s)));
      items.push_back({seg.name, "records", 0});
      items.push_back({seg.name, "where_matched", count_if(col(Names::W(s)))});
      std::string none_before = col(Names::W(s));
      for (size_t k = 0; k < seg.excludes.size(); ++k) {
        items.push_back({seg.name, fmt::format("exclude_removed.{}", k + 1), count_if(none_before + " AND " + col(Names::X(s, k)))});
        none_before += " AND NOT " + col(Names::X(s, k));
      }
      items.push_back({seg.name, "members", count_if(m)});
      items.push_back({seg.name, "taken_by_campaign", count_if(col(Names::T(s)))});
      items.push_back({seg.name, "held_out", count_if(col(Names::H(s)))});
      std::string eligible = fmt::format("{} AND NOT {} AND NOT {}", m, col(Names::T(s)), col(Names::H(s)));
      for (size_t c = 0; c < seg.channels.size(); ++c) {
        std::string step = fmt::format("{}#{}.", seg.channels[c].name, seg.channels[c].step);
        items.push_back({seg.name, step + "eligible", count_if(eligible)});
        items.push_back({seg.name, step + "listed", count_if(col(Names::L(s, c)))});
        items.push_back({seg.name, step + "lacked_consent", count_if(eligible + " AND NOT " + col(Names::K(s, c)))});
        items.push_back({seg.name, step + "condition_false",
                         count_if(eligible + " AND " + col(Names::K(s, c)) + " AND NOT " + col(Names::C(s, c)))});
        // Issue 12: would be listed, refused by the campaign's cap (0 without one).
        if (Capped(s)) {
          items.push_back({seg.name, step + "capped", count_if(col(Names::P(s, c)) + " AND NOT " + col(Names::L(s, c)))});
        } else {
          if (zero == kNoSum) {
            sums.push_back("0");
            zero = sums.size() - 1;
          }
          items.push_back({seg.name, step + "capped", zero});
        }
      }
    }
    for (const ir::Campaign& camp : p_.campaigns) {
      for (size_t j = 1; j < camp.segments.size(); ++j) {
        for (size_t i = 0; i < j; ++i) {
          // Owner = the first member segment of the campaign (decide.cpp).
          std::string owner = col(ExprEmitter::MemberColumn(camp.segments[i]));
          for (size_t e = 0; e < i; ++e) owner += " AND NOT " + col(ExprEmitter::MemberColumn(camp.segments[e]));
          Item it{camp.name,
                  fmt::format("taken:{}>{}", p_.segments[camp.segments[i]].name, p_.segments[camp.segments[j]].name),
                  count_if(col(Names::T(camp.segments[j])) + " AND " + owner), true};
          items.push_back(it);
        }
      }
    }
    out += ",\n" + I("#sum") + " AS (\n  SELECT ";
    for (size_t k = 0; k < sums.size(); ++k) out += (k ? ",\n    " : "") + sums[k] + " AS " + I(fmt::format("#n{}", k));
    out += "\n  FROM " + I("#d") + " AS r\n)";
    std::string rows;
    for (size_t k = 0; k < items.size(); ++k) {
      const Item& it = items[k];
      rows += (k ? "\nUNION ALL\n" : "") +
              fmt::format("SELECT {} AS {}, {} AS {}, CAST({} AS BIGINT) AS {}, {} AS {} FROM {}", sp_.Str(it.segment),
                          I("segment"), sp_.Str(it.item), I("item"), I(fmt::format("#n{}", it.sum)), I("value"), k,
                          I("#o"), I("#sum"));
      if (it.only_positive) rows += " WHERE " + I(fmt::format("#n{}", it.sum)) + " > 0";
    }
    // Rows of the list files: all of them, and those whose parent key matches no record.
    const Schema& sc = *p_.schema;
    const ColumnDef& key = sc.columns[sc.key_column()];
    std::string all = "0", unmatched = "0";
    for (const ListSource& ls : sc.list_sources) {
      const ColumnId lc = sc.FindColumn(ls.field);
      if (lc != kNoColumn && sc.columns[lc].synthetic) continue;  // contacts come from the ledger, not a list file
      std::string t = I(TableName(ls.file));
      all += fmt::format(" + (SELECT COUNT(*) FROM {})", t);
      unmatched += fmt::format(" + (SELECT COUNT(*) FROM {} AS e WHERE NOT EXISTS (SELECT 1 FROM {} AS p WHERE p.{} = e.{}))", t,
                               I(TableName(sc.records_file)), I(key.source.empty() ? key.path : key.source),
                               I(ls.parent_column));
    }
    rows += fmt::format("\nUNION ALL\nSELECT '' AS {}, 'events.rows' AS {}, CAST({} AS BIGINT) AS {}, {} AS {}", I("segment"),
                        I("item"), all, I("value"), items.size(), I("#o"));
    rows += fmt::format("\nUNION ALL\nSELECT '' AS {}, 'events.unmatched' AS {}, CAST({} AS BIGINT) AS {}, {} AS {}",
                        I("segment"), I("item"), unmatched, I("value"), items.size() + 1, I("#o"));
    out += ",\n" + I("#items") + " AS (\n" + rows + "\n)\n";
    out += "SELECT " + I("segment") + ", " + I("item") + ", " + I("value") + "\nFROM " + I("#items") + "\nORDER BY " +
           I("#o") + ";\n";
    return out;
  }

 private:
  std::string I(std::string_view name) const { return sp_.Ident(name); }

  std::string Header(const char* what) const {
    std::string h = fmt::format("-- Cohort: {} ({} dialect, today {})", what, DialectName(o_.dialect), FormatDate(o_.today));
    if (!o_.source_name.empty()) h += "\n-- source: " + o_.source_name;
    if (o_.dialect == Dialect::kSpark) h += "\n-- Spark: run with spark.sql.session.timeZone=UTC (timestamps are UTC)";
    return h + "\n";
  }

  std::vector<ColumnId> ExportColumns() const {
    std::set<ColumnId> all;
    for (const ir::Segment& seg : p_.segments)
      for (ColumnId c : seg.exports) all.insert(c);
    return {all.begin(), all.end()};
  }

  /// An exported cell as the list files print it (runtime/run/run.cpp FormatCell).
  std::string ExportText(ColumnId c, const ir::Segment& seg) {
    const ColumnDef& def = p_.schema->columns[c];
    std::string v = "r." + I("#e" + std::to_string(c));
    switch (def.type.kind) {
      case TypeKind::kString:
      case TypeKind::kEnum: return v;
      case TypeKind::kInt:
      case TypeKind::kDate: return "CAST(" + v + " AS " + sp_.Type(TypeKind::kString) + ")";
      case TypeKind::kBool: return "CASE WHEN " + v + " THEN 'true' WHEN NOT " + v + " THEN 'false' END";
      default:
        ex_.Unsupported(seg.range, fmt::format("the export of `{}` (type `{}`)", def.path, def.type.ToString()),
                        "its text in the lists would differ from `cohort run`; export it from `cohort run`");
        return sp_.Null(TypeKind::kString);
    }
  }

  /// The records columns the program reads (core/used_columns.h: the key,
  /// every column an expression, a consent guard or an export names), so that the chain of
  /// CTEs carries a few columns, not every column of the table (PostgreSQL
  /// materializes each segment's CTE).
  std::string UsedColumns() const {
    const Schema& sc = *p_.schema;
    const ir::UsedColumns used = ir::FindUsedColumns(p_);
    std::string out;
    for (ColumnId c = 0; c < sc.columns.size(); ++c) {
      // A list is read by a subquery on the key (its own table).
      if (!used.column(c) || sc.columns[c].type.kind == TypeKind::kList) continue;
      const ColumnDef& def = sc.columns[c];
      out += (out.empty() ? "" : ", ") + I(def.source.empty() ? def.path : def.source);
    }
    return out;
  }

  std::string Base() {
    const Schema& sc = *p_.schema;
    std::string records = I(TableName(sc.records_file));
    if (!sp_.spark()) return "SELECT " + UsedColumns() + " FROM " + records;
    // Spark has no correlated subqueries in SELECT: each list becomes an
    // array of structs per parent key, read with higher-order functions.
    const ColumnDef& key = sc.columns[sc.key_column()];
    std::string sel = "SELECT p.*", joins;
    int n = 0;
    for (ColumnId c = 0; c < sc.columns.size(); ++c) {
      const ColumnDef& def = sc.columns[c];
      if (def.type.kind != TypeKind::kList) continue;
      const ListSource* src = nullptr;
      for (const ListSource& ls : sc.list_sources)
        if (ls.field == def.path) src = &ls;
      if (!src) continue;
      std::string fields;
      const RecordDef& rec = *def.type.record_def;
      for (size_t f = 0; f < rec.fields.size(); ++f)
        fields += fmt::format("{}'f{}', {}", f ? ", " : "", f,
                              I(rec.fields[f].source.empty() ? rec.fields[f].name : rec.fields[f].source));
      std::string alias = fmt::format("l{}", n++);
      sel += fmt::format(", {}.items AS {}", alias, I(ExprEmitter::ListArrayColumn(c)));
      joins += fmt::format("\n    LEFT JOIN (SELECT {} AS k, collect_list(named_struct({})) AS items FROM {} GROUP BY {}) AS {} ON {}.k = p.{}",
                           I(src->parent_column), fields, I(TableName(src->file)), I(src->parent_column), alias, alias,
                           I(key.source.empty() ? key.path : key.source));
    }
    return sel + " FROM " + records + " AS p" + joins;
  }

 public:
  std::string Decisions(const std::string& table) {
    return Header("the decisions of every record") + "CREATE TEMP TABLE " + I(table) + " AS\n" + Ctes() +
           "\nSELECT * FROM " + I("#d") + ";\n";
  }

 private:
  std::string Ctes() {
    if (!o_.decisions_table.empty()) return "WITH\n" + I("#d") + " AS (\n  SELECT * FROM " + I(o_.decisions_table) + "\n)";
    std::string out = "WITH\n" + I("#base") + " AS (\n  " + Base() + "\n)";
    std::string prev = "#base";
    for (uint32_t s : p_.segment_order) {
      const ir::Segment& seg = p_.segments[s];
      std::string a = fmt::format("#a{}", s), b = fmt::format("#b{}", s);
      // PostgreSQL inlines a CTE used once, which would copy each clause's
      // subqueries into every later use of its column: materialize it.
      out += fmt::format(",\n-- segment {}\n{} AS {}(\n  SELECT r.*,\n    {} AS {}", seg.name, I(a),
                         sp_.pg() ? "MATERIALIZED " : "", ex_.Truth(seg.where), I(Names::W(s)));
      for (size_t k = 0; k < seg.excludes.size(); ++k)
        out += fmt::format(",\n    {} AS {}", ex_.Truth(seg.excludes[k]), I(Names::X(s, k)));
      for (size_t c = 0; c < seg.channels.size(); ++c) {
        const ir::Channel& ch = seg.channels[c];
        out += fmt::format(",\n    {} AS {}", ex_.Truth(ch.condition), I(Names::C(s, c)));
        out += fmt::format(",\n    COALESCE({}, FALSE) AS {}", ex_.Column(ch.consent_column), I(Names::K(s, c)));
      }
      out += fmt::format("\n  FROM {} AS r\n)", I(prev));
      std::string member = "r." + I(Names::W(s));
      for (size_t k = 0; k < seg.excludes.size(); ++k) member += " AND NOT r." + I(Names::X(s, k));
      out += fmt::format(",\n{} AS (\n  SELECT r.*, ({}) AS {}\n  FROM {} AS r\n)", I(b), member,
                         I(ExprEmitter::MemberColumn(s)), I(a));
      prev = b;
    }
    // Decisions (runtime/run/decide.cpp): campaign priority, then holdout,
    // then the lists with consent ANDed again (defense in depth).
    const Schema& sc = *p_.schema;
    const ColumnDef& key = sc.columns[sc.key_column()];
    std::string key_sql = "r." + I(key.source.empty() ? key.path : key.source);
    auto m = [&](size_t s) { return "r." + I(ExprEmitter::MemberColumn(static_cast<uint32_t>(s))); };
    auto r = [&](const std::string& n) { return "r." + I(n); };
    out += ",\n-- campaign priority: a member of an earlier segment of the campaign is taken\n" + I("#t") + " AS (\n  SELECT r.*";
    for (size_t s = 0; s < p_.segments.size(); ++s) {
      const ir::Segment& seg = p_.segments[s];
      std::string earlier;
      if (seg.campaign >= 0) {
        for (uint32_t e : p_.campaigns[static_cast<size_t>(seg.campaign)].segments) {
          if (e == s) break;
          earlier += " OR " + m(e);
        }
      }
      out += fmt::format(",\n    ({}{}) AS {}", m(s), earlier.empty() ? " AND FALSE" : " AND (" + earlier.substr(4) + ")", I(Names::T(s)));
    }
    out += "\n  FROM " + I(prev) + " AS r\n)";
    out += ",\n-- holdout: MD5 bucket of key:segment (core/md5.h)\n" + I("#h") + " AS (\n  SELECT r.*";
    for (size_t s = 0; s < p_.segments.size(); ++s) {
      const ir::Segment& seg = p_.segments[s];
      std::string held = seg.holdout_bp ? fmt::format("{} AND NOT {} AND {} < {}", m(s), r(Names::T(s)), Bucket(key_sql, seg.name), seg.holdout_bp)
                                        : "FALSE";
      out += fmt::format(",\n    ({}) AS {}", held, I(Names::H(s)));
    }
    out += "\n  FROM " + I("#t") + " AS r\n)";
    // With caps, the list flags of capped campaigns are decided after (emit_caps.cpp).
    const bool caps = HasCaps(p_);
    out += ",\n-- lists: members neither taken nor held out, consent TRUE, condition TRUE\n" + I(caps ? "#dp" : "#d") +
           " AS (\n  SELECT " + key_sql + " AS " + I("#key");
    for (ColumnId c : ExportColumns()) out += fmt::format(", {} AS {}", ex_.Column(c), I("#e" + std::to_string(c)));
    for (size_t s = 0; s < p_.segments.size(); ++s) {
      const ir::Segment& seg = p_.segments[s];
      out += fmt::format(",\n    {}, {}{}, {}, {}", r(Names::W(s)), Excludes(s), m(s), r(Names::T(s)), r(Names::H(s)));
      for (size_t c = 0; c < seg.channels.size(); ++c)
        out += fmt::format(",\n    {k}, {c}, ({m} AND NOT {t} AND NOT {h} AND {k} AND {c}) AS {l}", fmt::arg("k", r(Names::K(s, c))),
                           fmt::arg("c", r(Names::C(s, c))), fmt::arg("m", m(s)), fmt::arg("t", r(Names::T(s))),
                           fmt::arg("h", r(Names::H(s))), fmt::arg("l", I(Capped(s) ? Names::P(s, c) : Names::L(s, c))));
    }
    out += "\n  FROM " + I("#h") + " AS r\n)";
    if (caps) {
      std::string last;
      out += CapCtes(p_, o_, sp_, "#dp", &last);
      out += ",\n" + I("#d") + " AS (\n  SELECT * FROM " + I(last) + "\n)";
    }
    return out;
  }

  bool Capped(size_t s) const { return CappedSegment(p_, s); }

  std::string Excludes(size_t s) const {
    std::string out;
    for (size_t k = 0; k < p_.segments[s].excludes.size(); ++k) out += "r." + I(Names::X(s, k)) + ", ";
    return out;
  }

  // ---- Variants (issue 12) ----

  /// Does any segment split its lists into variants? (Only then do the list
  /// rows have a `variant` column.)
  bool HasVariants() const {
    for (const ir::Segment& seg : p_.segments)
      if (!seg.variants.empty()) return true;
    return false;
  }

  /// CASE over segment `s`'s variant bucket (core/md5.h VariantBucket) of the
  /// row's key: the first variant whose cumulative share exceeds it
  /// (runtime/run/decide.cpp VariantIndex), `text(v)` for each.
  template <typename F>
  std::string VariantCase(size_t s, F text) const {
    const ir::Segment& seg = p_.segments[s];
    std::string bucket = Bucket("r." + I("#key"), seg.name, ":variant");
    std::string out = "CASE";
    uint32_t upper = 0;
    for (size_t v = 0; v + 1 < seg.variants.size(); ++v) {
      upper += seg.variants[v].share_bp;
      out += fmt::format(" WHEN {} < {} THEN {}", bucket, upper, text(seg.variants[v]));
    }
    return out + " ELSE " + text(seg.variants.back()) + " END";
  }

  // ---- end of variants ----

  /// Holdout bucket: the first 8 hex digits of MD5(key ":" segment) as an
  /// unsigned 32-bit number, modulo 10000 (core/md5.h HoldoutBucket);
  /// `extra` is appended to the hashed text (":variant" for VariantBucket).
  std::string Bucket(const std::string& key, const std::string& segment, const std::string& extra = "") const {
    std::string suffix = sp_.Str(":" + segment + extra);
    switch (o_.dialect) {
      case Dialect::kPostgres:
        return fmt::format("(CAST(CAST('x' || substr(md5({} || {}), 1, 8) AS BIT(32)) AS BIGINT) % 10000)", key, suffix);
      case Dialect::kDuckDb:
        return fmt::format("(CAST('0x' || substr(md5({} || {}), 1, 8) AS BIGINT) % 10000)", key, suffix);
      case Dialect::kSpark:
        return fmt::format("(CAST(conv(substr(md5(concat({}, {})), 1, 8), 16, 10) AS BIGINT) % 10000)", key, suffix);
    }
    return "0";
  }

  const ir::Program& p_;
  SqlOptions o_;
  ExprEmitter ex_;
  const Spelling& sp_;

 public:
  bool failed() const { return ex_.failed(); }
};

}  // namespace

std::string EmitListQuery(const ir::Program& program, const SqlOptions& options, DiagnosticBag* diags) {
  QueryEmitter q(program, options, diags);
  std::string text = q.Lists();
  return q.failed() ? std::string() : text;
}

std::string EmitSummaryQuery(const ir::Program& program, const SqlOptions& options, DiagnosticBag* diags) {
  QueryEmitter q(program, options, diags);
  std::string text = q.Summary();
  return q.failed() ? std::string() : text;
}

std::string EmitDecisionsTable(const ir::Program& program, const SqlOptions& options, const std::string& table,
                               DiagnosticBag* diags) {
  QueryEmitter q(program, options, diags);
  std::string text = q.Decisions(table);
  return q.failed() ? std::string() : text;
}

}  // namespace cohort::sql
