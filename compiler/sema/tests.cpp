#include "compiler/sema/tests.h"

#include "core/contacts.h"

#include <fmt/format.h>

#include <map>

#include "core/dates.h"

namespace cohort {

namespace {

using FV = ast::FixtureValue;

std::string Describe(const FV& v) {
  switch (v.kind) {
    case FV::Kind::kBool: return "a bool";
    case FV::Kind::kInt: return "an int";
    case FV::Kind::kDecimal: return "a decimal";
    case FV::Kind::kString: return "a string";
    case FV::Kind::kDate: return "a date";
    case FV::Kind::kTimestamp: return "a timestamp";
    case FV::Kind::kLabel: return fmt::format("label `{}`", v.text);
    case FV::Kind::kMissing: return "`missing`";
    case FV::Kind::kList: return "a list";
    case FV::Kind::kRecord: return "a record `{ ... }`";
    case FV::Kind::kError: return "an invalid value";
  }
  return "a value";
}

std::string Quoted(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", `" : "`") + v[i] + "`";
  return out;
}

/// Converts fixture values to cells of one schema, reporting errors.
class FixtureBuilder {
 public:
  FixtureBuilder(const Schema& schema, DiagnosticBag& diags) : schema_(schema), diags_(diags) {
    for (const ColumnDef& c : schema.columns) paths_.push_back(c.path);
  }

  /// Applies `fields` (of `given` or a record) onto `cells`; false on error.
  bool Apply(const std::vector<ast::FixtureField>& fields, std::vector<test::Cell>& cells, std::vector<bool>* set) {
    bool ok = true;
    for (const ast::FixtureField& f : fields) ok &= ApplyPath(f.path, f.path_range, f.value, cells, set);
    return ok;
  }

  /// A scalar value of `type` (optional: may be `missing`) from `v`.
  bool Scalar(const Type& type, bool optional, const std::string& path, const FV& v, ir::Value* out) {
    out->kind = type.kind;
    out->is_null = false;
    if (v.kind == FV::Kind::kError) return false;
    if (v.kind == FV::Kind::kMissing) {
      if (!optional) {
        diags_.Emit(DiagKind::TypeMismatch, v.range,
                    fmt::format("field `{}` is required (`{}`, not optional); it cannot be `missing`", path,
                                type.ToString()));
        return false;
      }
      out->is_null = true;
      return true;
    }
    switch (type.kind) {
      case TypeKind::kBool:
        if (v.kind != FV::Kind::kBool) break;
        out->i = v.bool_value;
        return true;
      case TypeKind::kInt:
        if (v.kind != FV::Kind::kInt) break;
        out->i = v.int_value;
        return true;
      case TypeKind::kDecimal:
        if (v.kind == FV::Kind::kInt) out->d = static_cast<double>(v.int_value);
        else if (v.kind == FV::Kind::kDecimal) out->d = v.decimal_value;
        else break;
        return true;
      case TypeKind::kString:
        if (v.kind != FV::Kind::kString) break;
        out->s = v.text;
        return true;
      case TypeKind::kDate: {
        if (v.kind != FV::Kind::kDate) break;
        auto d = ParseDate(v.text);
        if (!d) {
          diags_.Emit(DiagKind::InvalidDateLiteral, v.range, v.text);
          return false;
        }
        out->i = *d;
        return true;
      }
      case TypeKind::kTimestamp: {
        if (v.kind != FV::Kind::kTimestamp) break;
        auto t = ParseTimestamp(v.text);
        if (!t) {
          diags_.Emit(DiagKind::InvalidTimestampLiteral, v.range, v.text);
          return false;
        }
        out->i = *t;
        return true;
      }
      case TypeKind::kEnum: {
        if (v.kind != FV::Kind::kLabel || !type.enum_def) break;
        int code = type.enum_def->Find(v.text);
        if (code < 0) {
          diags_.Emit(DiagKind::UnknownEnumLabel, v.range, v.text, path, Quoted(type.enum_def->labels));
          return false;
        }
        out->i = code;
        return true;
      }
      default:
        break;
    }
    std::string hint;
    if (type.kind == TypeKind::kEnum && v.kind == FV::Kind::kString) hint = "; write the label without quotes";
    if (type.kind == TypeKind::kTimestamp && v.kind == FV::Kind::kDate) hint = "; write `" + v.text + "T00:00:00Z`";
    diags_.Emit(DiagKind::TypeMismatch, v.range,
                fmt::format("field `{}` is `{}`, found {}{}", path, type.ToString(), Describe(v), hint));
    return false;
  }

 private:
  bool ApplyPath(const std::string& path, SourceRange range, const FV& v, std::vector<test::Cell>& cells,
                 std::vector<bool>* set) {
    ColumnId col = schema_.FindColumn(path);
    if (path == "contacted") {  // issue 12: earlier contacts, `[{channel: "sms", send_on: 2026-11-20}]`
      col = schema_.FindColumn(kContactsPath);
      if (col == kNoColumn) {
        diags_.Emit(DiagKind::InvalidTest, range,
                    "`contacted` lists earlier contacts, but nothing in this program reads contact history");
        return false;
      }
    }
    if (col == kNoColumn) {
      // A nested record written as `consent: { sms: true }` or set `missing` as a whole.
      std::string prefix = path + ".";
      std::vector<ColumnId> under;
      for (ColumnId c = 0; c < schema_.columns.size(); ++c) {
        if (schema_.columns[c].path.rfind(prefix, 0) == 0) under.push_back(c);
      }
      if (!under.empty() && v.kind == FV::Kind::kRecord) {
        bool ok = true;
        for (const ast::FixtureField& f : v.fields) ok &= ApplyPath(prefix + f.path, f.path_range, f.value, cells, set);
        return ok;
      }
      if (!under.empty() && v.kind == FV::Kind::kMissing) {
        bool ok = true;
        for (ColumnId c : under) ok &= ApplyColumn(c, v, cells, set);
        return ok;
      }
      if (!under.empty()) {
        diags_.Emit(DiagKind::TypeMismatch, v.range,
                    fmt::format("`{}` is a record; write `{}: {{ ... }}` or set its fields (`{}`)", path, path,
                                schema_.columns[under[0]].path));
        return false;
      }
      diags_.Emit(DiagKind::UnknownField, range, path, schema_.name, DidYouMean(path, paths_));
      return false;
    }
    return ApplyColumn(col, v, cells, set);
  }

  bool ApplyColumn(ColumnId col, const FV& v, std::vector<test::Cell>& cells, std::vector<bool>* set) {
    const ColumnDef& def = schema_.columns[col];
    test::Cell cell;
    if (set) (*set)[col] = true;
    switch (def.type.kind) {
      case TypeKind::kStringSet: {
        if (v.kind != FV::Kind::kList) {
          diags_.Emit(DiagKind::TypeMismatch, v.range,
                      fmt::format("field `{}` is `set<string>`, found {}; write `[\"a\", \"b\"]`", def.path,
                                  Describe(v)));
          return false;
        }
        bool ok = true;
        for (const FV& item : v.items) {
          ir::Value s;
          if (Scalar(Type::String(), false, def.path, item, &s)) cell.set_items.push_back(s.s);
          else ok = false;
        }
        cells[col] = std::move(cell);
        return ok;
      }
      case TypeKind::kList: {
        if (v.kind != FV::Kind::kList || !def.type.record_def) {
          diags_.Emit(DiagKind::TypeMismatch, v.range,
                      fmt::format("field `{}` is `{}`, found {}; write `[{{ field: value, ... }}]`", def.path,
                                  def.type.ToString(), Describe(v)));
          return false;
        }
        const RecordDef& elem = *def.type.record_def;
        bool ok = true;
        for (const FV& item : v.items) {
          if (item.kind != FV::Kind::kRecord) {
            diags_.Emit(DiagKind::TypeMismatch, item.range,
                        fmt::format("elements of `{}` are `{}` records, found {}", def.path, elem.name, Describe(item)));
            ok = false;
            continue;
          }
          std::vector<ir::Value> row(elem.fields.size());
          for (size_t k = 0; k < elem.fields.size(); ++k) {
            ColumnDef fake;
            fake.type = elem.fields[k].type;
            fake.optional = elem.fields[k].optional;
            row[k] = NeutralCell(fake).scalar;
          }
          for (const ast::FixtureField& f : item.fields) {
            int k = elem.Find(f.path);
            if (k < 0) {
              std::vector<std::string> names;
              for (const FieldDef& fd : elem.fields) names.push_back(fd.name);
              diags_.Emit(DiagKind::UnknownField, f.path_range, f.path, elem.name, DidYouMean(f.path, names));
              ok = false;
              continue;
            }
            const FieldDef& fd = elem.fields[k];
            if (!fd.type.is_scalar()) {
              diags_.Emit(DiagKind::TypeMismatch, f.path_range,
                          fmt::format("field `{}.{}` is `{}`; only scalar element fields can be set in a fixture",
                                      def.path, fd.name, fd.type.ToString()));
              ok = false;
              continue;
            }
            ok &= Scalar(fd.type, fd.optional, def.path + "." + fd.name, f.value, &row[k]);
          }
          cell.list_rows.push_back(std::move(row));
        }
        cells[col] = std::move(cell);
        return ok;
      }
      default:
        if (!Scalar(def.type, def.optional, def.path, v, &cell.scalar)) return false;
        cells[col] = std::move(cell);
        return true;
    }
  }

  const Schema& schema_;
  DiagnosticBag& diags_;
  std::vector<std::string> paths_;
};

std::string Slice(const SourceManager& sm, SourceRange r) {
  if (!r.valid() || r.file > sm.size()) return {};
  const std::string& text = sm.Get(r.file).text();
  if (r.begin > r.end || r.end > text.size()) return {};
  return text.substr(r.begin, r.end - r.begin);
}

}  // namespace

test::Cell NeutralCell(const ColumnDef& column) {
  test::Cell c;
  c.scalar.kind = column.type.kind;
  if (column.optional && column.type.kind != TypeKind::kStringSet && column.type.kind != TypeKind::kList) {
    c.scalar.is_null = true;
  }
  // Every other default is the zero of its encoding: false, 0, 0.0, "",
  // day 0 (1970-01-01), micro 0, enum code 0 (the first label), empty set/list.
  return c;
}

std::vector<test::Case> CheckTests(const ast::Module& module, const ir::Program& program, const SourceManager& sm,
                                   DiagnosticBag& diags) {
  std::vector<test::Case> out;
  if (!program.schema) return out;
  const Schema& schema = *program.schema;
  FixtureBuilder fb(schema, diags);
  std::vector<std::string> segment_names, campaign_names;
  for (const ir::Segment& s : program.segments) segment_names.push_back(s.name);
  for (const ir::Campaign& c : program.campaigns) campaign_names.push_back(c.name);
  std::map<std::string, SourceRange> test_names;
  ColumnId key_col = schema.key_column();

  for (const ast::Test& t : module.tests) {
    size_t errors_before = diags.error_count();
    test::Case tc;
    tc.name = t.name;
    tc.range = t.range;
    if (auto [it, fresh] = test_names.emplace(t.name, t.name_range); !fresh) {
      diags.Emit(DiagKind::DuplicateDeclaration, t.name_range, "test", t.name)
          .notes.push_back(DiagNote{it->second, "first declared here"});
    }
    if (t.today) {
      auto d = ParseDate(t.today->name);
      if (!d) diags.Emit(DiagKind::InvalidDateLiteral, t.today->range, t.today->name);
      tc.today = d;
    }
    std::vector<test::Cell> base(schema.columns.size());
    for (ColumnId c = 0; c < schema.columns.size(); ++c) base[c] = NeutralCell(schema.columns[c]);
    std::vector<bool> given_set(schema.columns.size(), false);
    if (t.given) fb.Apply(t.given->fields, base, &given_set);

    std::map<std::string, uint32_t> by_name;
    for (const ast::Fixture& f : t.records) {
      if (f.name.empty()) continue;
      if (auto [it, fresh] = by_name.emplace(f.name, static_cast<uint32_t>(tc.records.size())); !fresh) {
        diags.Emit(DiagKind::DuplicateDeclaration, f.name_range, "record", f.name)
            .notes.push_back(DiagNote{tc.records[it->second].range, "first declared here"});
        continue;
      }
      test::Record r;
      r.name = f.name;
      r.range = f.name_range;
      r.cells = base;
      std::vector<bool> set = given_set;
      fb.Apply(f.fields, r.cells, &set);
      if (key_col != kNoColumn) {
        // The key defaults to the record's name so holdout buckets are stable and readable.
        if (!set[key_col] || r.cells[key_col].scalar.is_null) {
          r.cells[key_col].scalar.is_null = false;
          r.cells[key_col].scalar.kind = TypeKind::kString;
          r.cells[key_col].scalar.s = f.name;
        }
        r.key = r.cells[key_col].scalar.s;
      } else {
        r.key = f.name;
      }
      tc.records.push_back(std::move(r));
    }
    std::vector<std::string> record_names;
    for (const auto& r : tc.records) record_names.push_back(r.name);

    for (const ast::Expectation& e : t.expects) {
      test::Expect x;
      x.kind = static_cast<test::ExpectKind>(e.kind);
      x.range = e.range;
      x.text = Slice(sm, e.range);
      x.negated = e.negated;
      bool ok = true;
      auto rec = by_name.find(e.record.name);
      if (rec == by_name.end()) {
        diags.Emit(DiagKind::UnknownName, e.record.range, e.record.name,
                   [&] {
                     std::string hint = DidYouMean(e.record.name, record_names);
                     return hint.empty() ? "; declare it with `record " + e.record.name + " { ... }`" : hint;
                   }());
        ok = false;
      } else {
        x.record = rec->second;
      }
      if (e.kind == ast::ExpectKind::kAssigned) {
        for (size_t c = 0; c < program.campaigns.size(); ++c) {
          if (program.campaigns[c].name == e.campaign.name) x.campaign = static_cast<int32_t>(c);
        }
        if (x.campaign < 0) {
          diags.Emit(DiagKind::UnknownName, e.campaign.range, e.campaign.name,
                     DidYouMean(e.campaign.name, campaign_names) + "; expected a campaign");
          ok = false;
        }
      }
      bool nothing = e.kind == ast::ExpectKind::kAssigned && e.segment.name == "nothing" &&
                     program.FindSegment("nothing") < 0;
      if (!nothing) {
        x.segment = program.FindSegment(e.segment.name);
        if (x.segment < 0) {
          diags.Emit(DiagKind::UnknownSegment, e.segment.range, e.segment.name, DidYouMean(e.segment.name, segment_names));
          ok = false;
        }
      }
      if (!ok) continue;
      const ir::Segment* seg = x.segment >= 0 ? &program.segments[x.segment] : nullptr;
      if (e.kind == ast::ExpectKind::kAssigned && seg && seg->campaign != x.campaign) {
        diags.Emit(DiagKind::InvalidTest, e.segment.range,
                   fmt::format("segment `{}` is not in campaign `{}`; its segments are {}", seg->name, e.campaign.name,
                               [&] {
                                 std::vector<std::string> n;
                                 for (uint32_t s : program.campaigns[x.campaign].segments) n.push_back(program.segments[s].name);
                                 return Quoted(n);
                               }()));
        continue;
      }
      if (e.kind == ast::ExpectKind::kHeldOut && seg && seg->holdout_bp == 0) {
        diags.Emit(DiagKind::InvalidTest, e.segment.range,
                   fmt::format("segment `{}` has no `holdout`, so no record is ever held out of it", seg->name));
        continue;
      }
      bool needs_channel = e.kind == ast::ExpectKind::kChannel ||
                           (e.kind == ast::ExpectKind::kClause && e.clause == ast::ClauseRef::kChannel);
      if (needs_channel && seg) {
        std::vector<std::string> names;
        for (size_t c = 0; c < seg->channels.size(); ++c) {
          names.push_back(seg->channels[c].name);
          if (seg->channels[c].name == e.channel.name) x.channel = static_cast<int32_t>(c);
        }
        if (x.channel < 0) {
          std::string hint = DidYouMean(e.channel.name, names);
          if (hint.empty()) hint = fmt::format("; segment `{}` has channels {}", seg->name, names.empty() ? "none" : Quoted(names));
          diags.Emit(DiagKind::UnknownChannel, e.channel.range, e.channel.name, hint);
          continue;
        }
      }
      if (e.on) {
        auto d = ParseDate(e.on->name);
        if (!d) {
          diags.Emit(DiagKind::InvalidDateLiteral, e.on->range, e.on->name);
          continue;
        }
        x.send_on = d;
      }
      if (e.kind == ast::ExpectKind::kClause && seg) {
        x.clause = static_cast<test::ClauseKind>(e.clause);
        x.truth = e.truth.name == "true" ? Truth::kTrue : e.truth.name == "false" ? Truth::kFalse : Truth::kUnknown;
        if (e.clause == ast::ClauseRef::kWhere) {
          x.clause_expr = seg->where;
        } else if (e.clause == ast::ClauseRef::kExclude) {
          if (e.exclude_number < 1 || static_cast<size_t>(e.exclude_number) > seg->excludes.size()) {
            diags.Emit(DiagKind::InvalidTest, e.range,
                       fmt::format("segment `{}` has {} `exclude` clause{}; `exclude {}` does not exist (they are numbered from 1)",
                                   seg->name, seg->excludes.size(), seg->excludes.size() == 1 ? "" : "s",
                                   e.exclude_number));
            continue;
          }
          x.exclude = static_cast<uint32_t>(e.exclude_number - 1);
          x.clause_expr = seg->excludes[x.exclude];
        } else {
          x.clause_expr = seg->channels[x.channel].condition;
        }
      }
      tc.expects.push_back(std::move(x));
    }
    if (t.expects.empty()) {
      diags.Emit(DiagKind::InvalidTest, t.name_range, fmt::format("test \"{}\" has no `expect` line", t.name));
    }
    if (diags.error_count() == errors_before) out.push_back(std::move(tc));
  }
  return out;
}

}  // namespace cohort
