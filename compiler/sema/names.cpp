// Name resolution: quantifier variables, consts, defines (any order, cycles
// reported), top-level fields and record paths, zero-argument functions with
// an implicit field (`age`), enum labels and the bare `consent` of a channel.
#include <fmt/format.h>

#include <algorithm>

#include "compiler/sema/checker_impl.h"

namespace cohort::sema {

namespace {

std::string Backticked(const std::vector<std::string>& names) {
  std::vector<std::string> q;
  for (const auto& n : names) q.push_back(fmt::format("`{}`", n));
  return fmt::format("{}", fmt::join(q, ", "));
}

/// The record prefix of channel consent paths (`consent` of `consent.sms`).
bool IsConsentRecord(const Schema& s, const std::string& name) {
  for (const ChannelDef& c : s.channels)
    if (c.consent_path.rfind(name + ".", 0) == 0) return true;
  return false;
}

}  // namespace

std::string Checker::PathOf(const ast::Expr& e) {
  if (e.kind == ast::ExprKind::kName) return e.text;
  if (e.kind == ast::ExprKind::kMember && !e.args.empty() && e.args[0]) {
    std::string base = PathOf(*e.args[0]);
    if (base.empty()) return "";
    return base + "." + e.text;
  }
  return "";
}

void Checker::NoteRead(ColumnId col, SourceRange range, const Ctx& ctx) {
  if (!ctx.reads || col >= schema_->columns.size()) return;
  const ColumnDef& c = schema_->columns[col];
  if (c.sensitive) ctx.reads->sensitive.push_back(SensitiveRead{c.path, range});
}

// ---------------------------------------------------------------------------
// Consts
// ---------------------------------------------------------------------------

void Checker::CheckConsts() {
  for (ConstInfo& c : consts_) CheckConst(c);
}

void Checker::CheckConst(ConstInfo& c) {
  const ast::Const& d = *c.decl;
  c.type = Type::Error();
  if (!d.value) return;
  // One literal item: its value, or a bare label.
  auto item = [&](const ast::Expr& raw, std::string* label) -> std::optional<std::pair<ir::Value, Type>> {
    const ast::Expr& x = Unparen(raw);
    if (x.kind == ast::ExprKind::kName) {
      *label = x.text;
      return std::nullopt;
    }
    bool neg = false;
    const ast::Expr* lit = &x;
    if (x.kind == ast::ExprKind::kUnary && x.op == ast::Op::kNeg && !x.args.empty() && x.args[0]) {
      neg = true;
      lit = &Unparen(*x.args[0]);
    }
    switch (lit->kind) {
      case ast::ExprKind::kBoolLit:
      case ast::ExprKind::kIntLit:
      case ast::ExprKind::kDecimalLit:
      case ast::ExprKind::kStringLit:
      case ast::ExprKind::kDateLit:
      case ast::ExprKind::kTimestampLit:
      case ast::ExprKind::kDurationLit: break;
      default:
        diags_.Emit(DiagKind::ConstNotLiteral, raw.range);
        return std::pair<ir::Value, Type>{ir::Value{}, Type::Error()};
    }
    if (neg && lit->kind != ast::ExprKind::kIntLit && lit->kind != ast::ExprKind::kDecimalLit) {
      diags_.Emit(DiagKind::ConstNotLiteral, raw.range);
      return std::pair<ir::Value, Type>{ir::Value{}, Type::Error()};
    }
    Checked k = CheckLiteral(*lit);
    if (!k.ok()) return std::pair<ir::Value, Type>{ir::Value{}, Type::Error()};
    ir::Value v = p_->exprs[k.id].literal;
    if (neg) {
      if (v.kind == TypeKind::kInt) v.i = -v.i;
      else v.d = -v.d;
    }
    return std::pair<ir::Value, Type>{v, k.type};
  };

  std::vector<const ast::Expr*> items;
  const ast::Expr& value = Unparen(*d.value);
  if (value.kind == ast::ExprKind::kListLit) {
    c.is_list = true;
    for (const auto& a : value.args)
      if (a) items.push_back(a.get());
  } else {
    items.push_back(d.value.get());
  }
  bool any_label = false, any_value = false, failed = false;
  Type type;
  for (const ast::Expr* x : items) {
    std::string label;
    auto v = item(*x, &label);
    if (!v) {
      any_label = true;
      c.labels.push_back(label);
      continue;
    }
    if (v->second.is_error()) {
      failed = true;
      continue;
    }
    any_value = true;
    if (c.values.empty()) {
      type = v->second;
    } else if (type != v->second) {
      if (type.is_numeric() && v->second.is_numeric()) {
        // Mixed int/decimal lists become decimal.
        if (type.kind == TypeKind::kInt) {
          for (auto& old : c.values) {
            old.d = static_cast<double>(old.i);
            old.kind = TypeKind::kDecimal;
          }
          type = Type::Decimal();
        }
        if (v->first.kind == TypeKind::kInt) {
          v->first.d = static_cast<double>(v->first.i);
          v->first.kind = TypeKind::kDecimal;
        }
      } else {
        diags_.Emit(DiagKind::MixedListLiteral, x->range, type.ToString(), v->second.ToString());
        failed = true;
        continue;
      }
    }
    c.values.push_back(v->first);
  }
  if (any_label && any_value) {
    diags_.Emit(DiagKind::ConstNotLiteral, d.value->range).message +=
        "; enum labels and other literals cannot be mixed";
    failed = true;
  }
  if (c.is_list && type.kind == TypeKind::kDuration) {
    diags_.Emit(DiagKind::ConstNotLiteral, d.value->range).message += "; a list cannot hold durations";
    failed = true;
  }
  if (failed) return;
  c.is_labels = any_label;
  ir::Const out;
  out.name = d.name;
  out.range = d.name_range;
  out.is_list = c.is_list;
  if (c.is_labels) {
    // Labels are typed where they are used; record them as their spelling.
    out.type = Type::String();
    for (const auto& l : c.labels) {
      ir::Value v;
      v.kind = TypeKind::kString;
      v.s = l;
      out.values.push_back(v);
    }
    c.type = Type::String();
  } else {
    c.type = c.values.empty() ? Type::Error() : type;  // an empty list takes its operand's type
    out.type = c.values.empty() ? Type::String() : type;
    out.values = c.values;
  }
  c.ir_index = static_cast<uint32_t>(p_->consts.size());
  p_->consts.push_back(std::move(out));
}

// ---------------------------------------------------------------------------
// Defines
// ---------------------------------------------------------------------------

Checked Checker::CheckDefine(uint32_t index, SourceRange use) {
  DefineInfo& d = defines_[index];
  if (d.state == DefineInfo::State::kDone) return d.result;
  if (d.state == DefineInfo::State::kChecking) {
    auto it = std::find(define_stack_.begin(), define_stack_.end(), index);
    std::vector<std::string> names;
    for (auto i = it; i != define_stack_.end(); ++i) names.push_back(defines_[*i].decl->name);
    std::vector<std::string> key = names;
    std::sort(key.begin(), key.end());
    names.push_back(d.decl->name);
    if (reported_cycles_.insert("define:" + fmt::format("{}", fmt::join(key, ","))).second) {
      auto& diag = diags_.Emit(DiagKind::DefineCycle, use.valid() ? use : d.decl->name_range,
                               fmt::format("{}", fmt::join(names, " -> ")));
      for (auto i = it; i != define_stack_.end(); ++i)
        diag.notes.push_back(DiagNote{defines_[*i].decl->name_range,
                                      fmt::format("define `{}` is declared here", defines_[*i].decl->name)});
    }
    return Error();
  }
  d.state = DefineInfo::State::kChecking;
  define_stack_.push_back(index);
  Ctx ctx;
  ctx.reads = &d.reads;
  Checked r = d.decl->body ? CheckExpr(*d.decl->body, ctx) : Error();
  if (r.ok()) {
    if (r.type.kind == TypeKind::kDuration) {
      diags_.Emit(DiagKind::TypeMismatch, d.decl->body->range,
                  fmt::format("define `{}` cannot hold a duration; declare it with `const`", d.decl->name));
      r = Error();
    } else if (r.type.kind == TypeKind::kList || r.type.kind == TypeKind::kRecord) {
      diags_.Emit(DiagKind::TypeMismatch, d.decl->body->range,
                  fmt::format("define `{}` cannot hold a `{}`; quantify over the field where it is used",
                              d.decl->name, r.type.ToString()));
      r = Error();
    }
  }
  define_stack_.pop_back();
  d.state = DefineInfo::State::kDone;
  d.result = r;
  p_->defines[index].body = r.id;
  return r;
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

bool Checker::IsVisibleName(const std::string& name, const Ctx& ctx) const {
  for (const VarScope& v : ctx.vars)
    if (v.name == name) return true;
  if (const_index_.count(name) || define_index_.count(name)) return true;
  if (schema_->root && schema_->root->Find(name) >= 0) return true;
  if (const FunctionInfo* f = FindFunction(name); f && !f->implicit_field.empty()) return true;
  return false;
}

std::vector<std::string> Checker::VisibleNames(const Ctx& ctx) const {
  std::vector<std::string> out;
  for (const VarScope& v : ctx.vars) out.push_back(v.name);
  for (const auto& [n, i] : const_index_) out.push_back(n);
  for (const auto& [n, i] : define_index_) out.push_back(n);
  if (schema_->root)
    for (const FieldDef& f : schema_->root->fields) out.push_back(f.name);
  for (const FunctionInfo& f : AllFunctions())
    if (!f.implicit_field.empty()) out.push_back(std::string(f.name));
  return out;
}

bool Checker::IsPureLabel(const ast::Expr& e, const Ctx& ctx) const {
  const ast::Expr& u = Unparen(e);
  if (u.kind != ast::ExprKind::kName) return false;
  auto it = const_index_.find(u.text);
  if (it != const_index_.end()) {
    const ConstInfo& c = consts_[it->second];
    return c.is_labels && !c.is_list && c.labels.size() == 1;
  }
  return !IsVisibleName(u.text, ctx);
}

std::optional<std::string> Checker::LabelCandidate(const ast::Expr& e, const Ctx& ctx) const {
  if (!IsPureLabel(e, ctx)) return std::nullopt;
  const ast::Expr& u = Unparen(e);
  auto it = const_index_.find(u.text);
  if (it != const_index_.end()) return consts_[it->second].labels[0];
  return u.text;
}

Checked Checker::ResolveLabel(const std::string& label, SourceRange range, const Type& enum_type,
                              const std::string& what) {
  if (!enum_type.enum_def) return Error();
  int code = enum_type.enum_def->Find(label);
  if (code < 0) {
    auto& d = diags_.Emit(DiagKind::UnknownEnumLabel, range, label, what, Backticked(enum_type.enum_def->labels));
    std::string near = ClosestMatch(label, enum_type.enum_def->labels);
    if (!near.empty()) {
      d.message += fmt::format("; did you mean `{}`?", near);
      d.fixits.push_back(FixIt{range, near, fmt::format("replace with `{}`", near)});
    }
    return Error();
  }
  ir::Value v;
  v.i = code;
  return Literal(v, enum_type, range);
}

Checked Checker::ColumnRef(ColumnId col, SourceRange range, const Ctx& ctx) {
  const ColumnDef& c = schema_->columns[col];
  NoteRead(col, range, ctx);
  ir::Expr e;
  e.kind = ir::ExprKind::kColumn;
  e.column = col;
  e.type = c.type;
  e.nullable = c.optional && c.type.kind != TypeKind::kStringSet && c.type.kind != TypeKind::kList;
  e.range = range;
  Checked r;
  r.type = c.type;
  r.nullable = e.nullable;
  r.id = Add(std::move(e));
  return r;
}

Checked Checker::ImplicitCall(const FunctionInfo& fn, SourceRange range, const Ctx& ctx) {
  ColumnId col = schema_->FindColumn(fn.implicit_field);
  if (col == kNoColumn) {
    diags_.Emit(DiagKind::UnknownName, range, fn.name,
                fmt::format("; `{}` needs the field `{}`, which schema `{}` does not have", fn.name,
                            fn.implicit_field, schema_->name));
    return Error();
  }
  Checked arg = ColumnRef(col, range, ctx);
  if (fn.params.size() != 1 || arg.type.kind != fn.params[0]) {
    diags_.Emit(DiagKind::WrongArgumentType, range, 1, fn.name, Type{fn.params.empty() ? TypeKind::kError : fn.params[0]}.ToString(),
                arg.type.ToString());
    return Error();
  }
  Checked r = Make(ir::ExprKind::kCall, Type{fn.result}, arg.nullable, {arg}, range);
  p_->exprs[r.id].index = static_cast<uint32_t>(fn.id);
  return r;
}

Checked Checker::CheckName(const ast::Expr& e, const Ctx& ctx) {
  const std::string& name = e.text;
  // Quantifier variables, innermost first.
  for (size_t i = ctx.vars.size(); i-- > 0;) {
    const VarScope& v = ctx.vars[i];
    if (v.name != name) continue;
    if (i + 1 != ctx.vars.size()) {
      diags_.Emit(DiagKind::NestedQuantifier, e.range, ctx.vars.back().list_name, name);
      return Error();
    }
    if (!v.over_set) {
      auto& d = diags_.Emit(DiagKind::NotAValue, e.range, name, fmt::format("record (an element of `{}`)", v.list_name));
      if (v.record && !v.record->fields.empty())
        d.message += fmt::format("; use one of its fields, e.g. `{}.{}`", name, v.record->fields[0].name);
      return Error();
    }
    ir::Expr x;
    x.kind = ir::ExprKind::kVarItem;
    x.type = Type::String();
    x.level = 1;
    x.range = e.range;
    Checked r;
    r.type = x.type;
    r.level = 1;
    r.id = Add(std::move(x));
    return r;
  }
  if (auto it = const_index_.find(name); it != const_index_.end()) {
    ConstInfo& c = consts_[it->second];
    c.used = true;
    if (c.type.is_error() && !c.is_labels && !(c.is_list && c.values.empty())) return Error();
    if (c.is_list) {
      diags_.Emit(DiagKind::ListNotAllowed, e.range).message +=
          fmt::format("; `{}` is a list const", name);
      return Error();
    }
    if (c.is_labels) {
      diags_.Emit(DiagKind::BareEnumLabel, e.range, c.labels.empty() ? name : c.labels[0]);
      return Error();
    }
    return Literal(c.values[0], c.type, e.range);
  }
  if (auto it = define_index_.find(name); it != define_index_.end()) {
    DefineInfo& d = defines_[it->second];
    d.used = true;
    Checked body = CheckDefine(it->second, e.range);
    if (ctx.reads) ctx.reads->defines.push_back({it->second, e.range});
    if (!body.ok()) return Error();
    Checked r = Make(ir::ExprKind::kDefineRef, body.type, body.nullable, {}, e.range);
    p_->exprs[r.id].index = it->second;
    return r;
  }
  if (schema_->root) {
    int f = schema_->root->Find(name);
    if (f >= 0) {
      const FieldDef& fd = schema_->root->fields[static_cast<size_t>(f)];
      if (fd.type.kind == TypeKind::kRecord) {
        if (ctx.channel && ctx.channel->consent_path.rfind(name + ".", 0) == 0 &&
            ctx.channel->consent_column != kNoColumn)
          return ColumnRef(ctx.channel->consent_column, e.range, ctx);
        if (IsConsentRecord(*schema_, name)) {
          std::string example = schema_->channels.empty() ? name + ".sms" : schema_->channels[0].consent_path;
          diags_.Emit(DiagKind::ConsentOutsideChannel, e.range, fmt::format("use a field such as `{}`", example));
          return Error();
        }
        diags_.Emit(DiagKind::NotAValue, e.range, name, fmt::format("record (`{}`)", fd.type.ToString()));
        return Error();
      }
      ColumnId col = schema_->FindColumn(name);
      if (col == kNoColumn) {
        diags_.Emit(DiagKind::UnknownName, e.range, name, "");
        return Error();
      }
      return ColumnRef(col, e.range, ctx);
    }
  }
  if (const FunctionInfo* fn = FindFunction(name)) {
    if (!fn->implicit_field.empty()) return ImplicitCall(*fn, e.range, ctx);
    diags_.Emit(DiagKind::NotAValue, e.range, name, "function").message +=
        fmt::format("; call it: `{}`", fn->Signature());
    return Error();
  }
  diags_.Emit(DiagKind::UnknownName, e.range, name, DidYouMean(name, VisibleNames(ctx)));
  return Error();
}

Checked Checker::CheckMember(const ast::Expr& e, const Ctx& ctx) {
  if (e.args.empty() || !e.args[0]) return Error();
  const ast::Expr& base = *e.args[0];
  SourceRange name_range = e.text_range.valid() ? e.text_range : e.range;
  // A quantifier variable's field.
  if (base.kind == ast::ExprKind::kName) {
    for (size_t i = ctx.vars.size(); i-- > 0;) {
      const VarScope& v = ctx.vars[i];
      if (v.name != base.text) continue;
      if (i + 1 != ctx.vars.size()) {
        diags_.Emit(DiagKind::NestedQuantifier, base.range, ctx.vars.back().list_name, v.name);
        return Error();
      }
      if (v.over_set || !v.record) {
        diags_.Emit(DiagKind::NotARecord, base.range, v.name, "string");
        return Error();
      }
      int f = v.record->Find(e.text);
      if (f < 0) {
        std::vector<std::string> names;
        for (const FieldDef& fd : v.record->fields) names.push_back(fd.name);
        diags_.Emit(DiagKind::UnknownField, name_range, e.text, v.record->name, DidYouMean(e.text, names));
        return Error();
      }
      const FieldDef& fd = v.record->fields[static_cast<size_t>(f)];
      if (!fd.type.is_scalar()) {
        diags_.Emit(DiagKind::TypeMismatch, name_range,
                    fmt::format("field `{}` of `{}` is a `{}`; only scalar fields of list elements can be used",
                                fd.name, v.record->name, fd.type.ToString()));
        return Error();
      }
      if (fd.sensitive && ctx.reads) {
        ColumnId col = schema_->FindColumn(v.list_name);
        (void)col;
        ctx.reads->sensitive.push_back(SensitiveRead{v.list_name + "." + fd.name, e.range});
      }
      ir::Expr x;
      x.kind = ir::ExprKind::kVarField;
      x.index = static_cast<uint32_t>(f);
      x.type = fd.type;
      x.nullable = fd.optional;
      x.level = 1;
      x.range = e.range;
      Checked r;
      r.type = fd.type;
      r.nullable = fd.optional;
      r.level = 1;
      r.id = Add(std::move(x));
      return r;
    }
  }
  std::string path = PathOf(e);
  const ast::Expr& root = [&]() -> const ast::Expr& {
    const ast::Expr* x = &e;
    while (x->kind == ast::ExprKind::kMember && !x->args.empty() && x->args[0]) x = x->args[0].get();
    return *x;
  }();
  if (path.empty() || root.kind != ast::ExprKind::kName || !schema_->root || schema_->root->Find(root.text) < 0) {
    // Not a field path: check the base to explain why it has no fields.
    if (root.kind == ast::ExprKind::kName && !IsVisibleName(root.text, ctx)) {
      diags_.Emit(DiagKind::UnknownName, root.range, root.text, DidYouMean(root.text, VisibleNames(ctx)));
      return Error();
    }
    Checked b = CheckExpr(base, ctx);
    if (!b.ok()) return Error();
    diags_.Emit(DiagKind::NotARecord, base.range, Text(base.range), b.type.ToString());
    return Error();
  }
  // Walk the record path part by part, so the error names the failing part.
  std::vector<const ast::Expr*> chain;
  for (const ast::Expr* x = &e; x->kind == ast::ExprKind::kMember; x = x->args[0].get()) chain.push_back(x);
  std::reverse(chain.begin(), chain.end());
  const FieldDef* field = &schema_->root->fields[static_cast<size_t>(schema_->root->Find(root.text))];
  std::string prefix = root.text;
  for (const ast::Expr* m : chain) {
    SourceRange r = m->text_range.valid() ? m->text_range : m->range;
    if (field->type.kind != TypeKind::kRecord || !field->type.record_def) {
      diags_.Emit(DiagKind::NotARecord, SourceRange{e.range.file, root.range.begin, r.begin > 0 ? r.begin - 1 : r.begin},
                  prefix, field->type.ToString());
      return Error();
    }
    const RecordDef& rec = *field->type.record_def;
    int f = rec.Find(m->text);
    if (f < 0) {
      std::vector<std::string> names;
      for (const FieldDef& fd : rec.fields) names.push_back(fd.name);
      diags_.Emit(DiagKind::UnknownField, r, m->text, prefix, DidYouMean(m->text, names));
      return Error();
    }
    field = &rec.fields[static_cast<size_t>(f)];
    prefix += "." + m->text;
  }
  if (field->type.kind == TypeKind::kRecord) {
    diags_.Emit(DiagKind::NotAValue, e.range, path, fmt::format("record (`{}`)", field->type.ToString()));
    return Error();
  }
  ColumnId col = schema_->FindColumn(path);
  if (col == kNoColumn) {
    diags_.Emit(DiagKind::UnknownField, name_range, e.text, PathOf(base), "");
    return Error();
  }
  return ColumnRef(col, e.range, ctx);
}

}  // namespace cohort::sema
