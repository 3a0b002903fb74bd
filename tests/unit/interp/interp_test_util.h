// Helpers for the interpreter's unit tests: hand-built batches of the
// standard Patient schema (rows as field -> text maps, parsed here so tests
// read like CSV), and a small builder for checked IR when a test needs a node
// shape the language cannot spell directly.
#pragma once

#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/dates.h"
#include "core/diagnostic.h"
#include "core/ir.h"
#include "core/schema.h"
#include "core/source.h"
#include "runtime/batch.h"
#include "runtime/engine.h"

/// Truth/mask vectors print as e.g. `{T, F, U}` (masks as `{1, 0}`) in failures.
namespace doctest {
template <>
struct StringMaker<std::vector<uint8_t>> {
  static String convert(const std::vector<uint8_t>& v) {
    std::string s = "{";
    for (size_t i = 0; i < v.size(); ++i) {
      if (i) s += ", ";
      s += v[i] == 0 ? "F/0" : v[i] == 1 ? "T/1" : v[i] == 2 ? "U" : std::to_string(v[i]);
    }
    return String((s + "}").c_str());
  }
};
}  // namespace doctest

namespace cohort::interp_test {

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

/// One event of a row: kind label, timestamp text, channel ("" = missing).
struct Ev {
  std::string kind;
  std::string at;
  std::string channel;
};

/// One record: field path -> text. An absent field gets a neutral default
/// (missing when optional); the text "" means missing. `conditions` is
/// `;`-separated (empty items dropped, duplicates collapsed).
struct Row {
  std::map<std::string, std::string> f;
  std::vector<Ev> events;
};

inline void AppendScalar(ColumnData& c, const Type& type, const std::string& text) {
  switch (type.kind) {
    case TypeKind::kBool:
      REQUIRE_MESSAGE((text == "true" || text == "false"), "bad bool " << text);
      c.AppendBool(text == "true");
      break;
    case TypeKind::kInt: c.AppendInt(std::stoll(text)); break;
    case TypeKind::kDecimal: c.AppendDecimal(std::stod(text)); break;
    case TypeKind::kString: c.AppendString(text); break;
    case TypeKind::kDate: {
      auto d = ParseDate(text);
      REQUIRE_MESSAGE(d.has_value(), "bad date " << text);
      c.AppendDate(*d);
      break;
    }
    case TypeKind::kTimestamp: {
      auto t = ParseTimestamp(text);
      REQUIRE_MESSAGE(t.has_value(), "bad timestamp " << text);
      c.AppendInt(*t);
      break;
    }
    case TypeKind::kEnum: {
      int code = type.enum_def->Find(text);
      REQUIRE_MESSAGE(code >= 0, "bad enum label " << text);
      c.AppendEnum(static_cast<uint8_t>(code));
      break;
    }
    default: FAIL("not a scalar type");
  }
}

inline std::string DefaultText(const Type& type, size_t row) {
  switch (type.kind) {
    case TypeKind::kBool: return "false";
    case TypeKind::kInt: return "0";
    case TypeKind::kDecimal: return "0";
    case TypeKind::kString: return "r" + std::to_string(row);
    case TypeKind::kDate: return "2000-01-01";
    case TypeKind::kTimestamp: return "2000-01-01T00:00:00Z";
    case TypeKind::kEnum: return type.enum_def->labels.at(0);
    default: return "";
  }
}

/// How MakeBatch encodes row-level string columns.
enum class Strings { kSchema, kPlain, kDictionary };

/// A batch of `rows` laid out per the Patient schema; row-level string
/// columns encoded as the schema's policy says, or all plain, or all
/// dictionary-encoded.
inline std::unique_ptr<Batch> MakeBatch(const std::vector<Row>& rows, Strings strings = Strings::kSchema) {
  const Schema& schema = *PatientSchema();
  auto batch = std::make_unique<Batch>(schema);
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    ColumnData& col = batch->column(id);
    if (def.type.kind == TypeKind::kString && strings == Strings::kDictionary) col.UseDictionary();
    if (def.type.kind == TypeKind::kString && strings == Strings::kPlain) col.MakePlain();
    for (size_t r = 0; r < rows.size(); ++r) {
      const Row& row = rows[r];
      if (def.type.kind == TypeKind::kList) {
        const RecordDef& rec = *def.type.record_def;
        for (const Ev& e : row.events) {
          for (size_t k = 0; k < rec.fields.size(); ++k) {
            const FieldDef& fd = rec.fields[k];
            std::string text = fd.name == "kind" ? e.kind : fd.name == "at" ? e.at : e.channel;
            if (text.empty()) col.children[k].AppendNull();
            else AppendScalar(col.children[k], fd.type, text);
          }
        }
        col.AppendListEnd(col.children[0].length);
        continue;
      }
      auto it = row.f.find(def.path);
      if (def.type.kind == TypeKind::kStringSet) {
        std::set<std::string> items;
        std::string text = it == row.f.end() ? "" : it->second;
        size_t start = 0;
        while (start <= text.size()) {
          size_t end = text.find(';', start);
          if (end == std::string::npos) end = text.size();
          std::string item = text.substr(start, end - start);
          if (!item.empty() && items.insert(item).second) col.children[0].AppendString(item);
          start = end + 1;
        }
        col.AppendListEnd(col.children[0].length);
        continue;
      }
      std::string text = it == row.f.end() ? (def.optional ? "" : DefaultText(def.type, r)) : it->second;
      if (text.empty()) col.AppendNull();
      else AppendScalar(col, def.type, text);
    }
  }
  batch->set_num_rows(static_cast<int64_t>(rows.size()));
  return batch;
}

/// A run context for `today` (`now` = today 00:00Z).
inline ExecContext Ctx(const char* today) {
  ExecContext ctx;
  ctx.today = *ParseDate(today);
  ctx.now = int64_t{ctx.today} * kMicrosPerDay;
  return ctx;
}

/// Builds checked IR over the Patient schema by hand.
class IrBuilder {
 public:
  IrBuilder() : p_(std::make_shared<ir::Program>()) { p_->schema = PatientSchema(); }
  std::shared_ptr<ir::Program> program() const { return p_; }
  ir::Program& p() { return *p_; }

  ir::ExprId Add(ir::Expr e) { return p_->Add(std::move(e)); }
  ir::ExprId Col(const std::string& path) {
    ColumnId c = p_->schema->FindColumn(path);
    REQUIRE_MESSAGE(c != kNoColumn, "no column " << path);
    const ColumnDef& def = p_->schema->columns[c];
    ir::Expr e;
    e.kind = ir::ExprKind::kColumn;
    e.type = def.type;
    e.nullable = def.optional;
    e.column = c;
    return Add(e);
  }
  ir::ExprId Lit(ir::Value v, Type t) {
    ir::Expr e;
    e.kind = ir::ExprKind::kLiteral;
    e.type = std::move(t);
    e.nullable = v.is_null;
    e.literal = std::move(v);
    return Add(e);
  }
  ir::ExprId Int(int64_t i) {
    ir::Value v;
    v.kind = TypeKind::kInt;
    v.i = i;
    return Lit(v, Type::Int());
  }
  ir::ExprId Dec(double d) {
    ir::Value v;
    v.kind = TypeKind::kDecimal;
    v.d = d;
    return Lit(v, Type::Decimal());
  }
  ir::ExprId Str(std::string s) {
    ir::Value v;
    v.kind = TypeKind::kString;
    v.s = std::move(s);
    return Lit(v, Type::String());
  }
  ir::ExprId Null(Type t) {
    ir::Value v;
    v.kind = t.kind;
    v.is_null = true;
    return Lit(v, std::move(t));
  }
  /// Generic node over `args`; nullable if any operand is.
  ir::ExprId Node(ir::ExprKind kind, Type type, std::vector<ir::ExprId> args) {
    ir::Expr e;
    e.kind = kind;
    e.type = std::move(type);
    for (ir::ExprId a : args) {
      e.nullable |= p_->exprs[a].nullable;
      e.level = std::max(e.level, p_->exprs[a].level);
    }
    e.args = std::move(args);
    return Add(e);
  }
  ir::ExprId Arith(ir::ArithOp op, ir::ExprId a, ir::ExprId b) {
    Type t = op == ir::ArithOp::kDiv ? Type::Decimal() : p_->exprs[a].type;
    ir::ExprId id = Node(ir::ExprKind::kArith, t, {a, b});
    p_->exprs[id].arith = op;
    p_->exprs[id].nullable = true;
    return id;
  }
  ir::ExprId Cmp(ir::CmpOp op, ir::ExprId a, ir::ExprId b) {
    ir::ExprId id = Node(ir::ExprKind::kCompare, Type::Bool(), {a, b});
    p_->exprs[id].cmp = op;
    return id;
  }
  ir::ExprId Define(const std::string& name, ir::ExprId body) {
    p_->defines.push_back(ir::Define{name, {}, body});
    ir::Expr e;
    e.kind = ir::ExprKind::kDefineRef;
    e.type = p_->exprs[body].type;
    e.nullable = p_->exprs[body].nullable;
    e.index = static_cast<uint32_t>(p_->defines.size() - 1);
    return Add(e);
  }

 private:
  std::shared_ptr<ir::Program> p_;
};

}  // namespace cohort::interp_test
