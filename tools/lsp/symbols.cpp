// Name resolution for editor features. It mirrors the checker's lookup order
// (quantifier variable, define, const, schema field, function) on the
// unchecked tree, so it also works while the file does not check.
#include "tools/lsp/symbols.h"

#include <algorithm>

namespace cohort::lsp {

struct SymbolIndex::Scope {
  struct Var {
    std::string name;
    SourceRange decl;
    std::shared_ptr<const RecordDef> record;  ///< element of a list; null for a set item
  };
  std::vector<Var> vars;
  const Var* Find(const std::string& n) const {
    for (auto it = vars.rbegin(); it != vars.rend(); ++it)
      if (it->name == n) return &*it;
    return nullptr;
  }
};

namespace {

bool Contains(SourceRange r, uint32_t offset) { return r.valid() && r.begin <= offset && offset <= r.end; }

std::vector<std::string> Split(const std::string& chain) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= chain.size()) {
    size_t j = chain.find('.', i);
    if (j == std::string::npos) j = chain.size();
    parts.push_back(chain.substr(i, j - i));
    i = j + 1;
  }
  return parts;
}

/// `consent.sms` for a chain of names and members ("" for anything else).
std::string ChainText(const ast::Expr* e) {
  if (e == nullptr) return "";
  if (e->kind == ast::ExprKind::kName) return e->text;
  if (e->kind == ast::ExprKind::kMember && !e->args.empty()) {
    std::string head = ChainText(e->args[0].get());
    return head.empty() ? "" : head + "." + e->text;
  }
  return "";
}

}  // namespace

SymbolIndex::SymbolIndex(const ast::Module& m, std::shared_ptr<const Schema> schema) : m_(m), schema_(std::move(schema)) {}

const FieldDef* SymbolIndex::ResolveField(const ast::Expr* e, const Scope& scope,
                                          std::shared_ptr<const RecordDef>* record) const {
  if (e == nullptr || schema_ == nullptr || schema_->root == nullptr) return nullptr;
  if (e->kind == ast::ExprKind::kName) {
    if (const Scope::Var* v = scope.Find(e->text)) {
      if (record) *record = v->record;
      return nullptr;
    }
    for (const auto& d : m_.defines)
      if (d.name == e->text) return nullptr;
    for (const auto& c : m_.consts)
      if (c.name == e->text) return nullptr;
    int i = schema_->root->Find(e->text);
    if (i < 0) return nullptr;
    const FieldDef* f = &schema_->root->fields[i];
    if (record && f->type.kind == TypeKind::kRecord) *record = f->type.record_def;
    return f;
  }
  if (e->kind == ast::ExprKind::kMember && !e->args.empty()) {
    std::shared_ptr<const RecordDef> parent;
    ResolveField(e->args[0].get(), scope, &parent);
    if (!parent) return nullptr;
    int i = parent->Find(e->text);
    if (i < 0) return nullptr;
    const FieldDef* f = &parent->fields[i];
    if (record && f->type.kind == TypeKind::kRecord) *record = f->type.record_def;
    return f;
  }
  return nullptr;
}

Symbol SymbolIndex::ResolveName(const ast::Expr& e, const Scope& scope) const {
  Symbol s;
  s.name = e.text;
  s.range = e.range;
  if (const Scope::Var* v = scope.Find(e.text)) {
    s.kind = SymKind::kVar;
    s.decl = v->decl;
    s.record = v->record;
    return s;
  }
  for (const auto& d : m_.defines)
    if (d.name == e.text) {
      s.kind = SymKind::kDefine;
      s.decl = d.name_range;
      return s;
    }
  for (const auto& c : m_.consts)
    if (c.name == e.text) {
      s.kind = SymKind::kConst;
      s.decl = c.name_range;
      return s;
    }
  if (schema_ && schema_->root) {
    int i = schema_->root->Find(e.text);
    if (i >= 0) {
      s.kind = SymKind::kField;
      s.field = &schema_->root->fields[i];
      return s;
    }
  }
  if (const FunctionInfo* fn = FindFunction(e.text)) {
    s.kind = SymKind::kFunction;
    s.fn = fn;
    return s;
  }
  s.kind = SymKind::kLabel;  // an enum label (resolved against the other operand by the checker)
  return s;
}

void SymbolIndex::WalkExpr(const ast::Expr* e, Scope& scope, const std::function<void(const Symbol&)>& fn) const {
  if (e == nullptr) return;
  using K = ast::ExprKind;
  switch (e->kind) {
    case K::kName:
      fn(ResolveName(*e, scope));
      return;
    case K::kMember: {
      WalkExpr(e->args.empty() ? nullptr : e->args[0].get(), scope, fn);
      Symbol s;
      s.kind = SymKind::kField;
      s.name = ChainText(e);
      if (s.name.empty()) s.name = e->text;
      s.range = e->text_range;
      s.field = ResolveField(e, scope, nullptr);
      if (s.field == nullptr) s.kind = SymKind::kNone;
      fn(s);
      return;
    }
    case K::kCall: {
      Symbol s;
      s.kind = SymKind::kFunction;
      s.name = e->text;
      s.range = SourceRange{e->range.file, e->range.begin, e->range.begin + static_cast<uint32_t>(e->text.size())};
      s.fn = FindFunction(e->text);
      fn(s);
      for (const auto& a : e->args) WalkExpr(a.get(), scope, fn);
      return;
    }
    case K::kInSegment: {
      Symbol s;
      s.kind = SymKind::kSegment;
      s.name = e->text;
      s.range = e->text_range;
      for (const auto& seg : m_.segments)
        if (seg.name == e->text) s.decl = seg.name_range;
      fn(s);
      return;
    }
    case K::kQuantifier:
    case K::kCount:
    case K::kMinMax: {
      const ast::Expr* list = e->args.empty() ? nullptr : e->args[0].get();
      WalkExpr(list, scope, fn);
      Scope::Var v{e->var, e->var_range, nullptr};
      if (list) {
        std::shared_ptr<const RecordDef> rec;
        const FieldDef* f = ResolveField(list, scope, &rec);
        if (f && f->type.kind == TypeKind::kList) v.record = f->type.record_def;
      }
      Symbol decl;
      decl.kind = SymKind::kVar;
      decl.name = e->var;
      decl.range = e->var_range;
      decl.decl = e->var_range;
      decl.record = v.record;
      decl.is_decl = true;
      // For min/max the value (args[2]) comes before the variable in the source.
      if (e->kind == K::kMinMax && e->args.size() > 2) {
        scope.vars.push_back(v);
        WalkExpr(e->args[2].get(), scope, fn);
        scope.vars.pop_back();
      }
      fn(decl);
      scope.vars.push_back(v);
      if (e->args.size() > 1) WalkExpr(e->args[1].get(), scope, fn);
      scope.vars.pop_back();
      return;
    }
    default:
      for (const auto& a : e->args) WalkExpr(a.get(), scope, fn);
  }
}

void SymbolIndex::ForEach(const std::function<void(const Symbol&)>& fn) const {
  using DK = ast::Module::DeclKind;
  auto decl = [&](SymKind k, const std::string& name, SourceRange r) {
    Symbol s;
    s.kind = k;
    s.name = name;
    s.range = r;
    s.decl = r;
    s.is_decl = true;
    fn(s);
  };
  for (const auto& [kind, i] : m_.order) {
    Scope scope;
    switch (kind) {
      case DK::kUse:
      case DK::kTest:
        break;
      case DK::kConst:
        decl(SymKind::kConst, m_.consts[i].name, m_.consts[i].name_range);
        WalkExpr(m_.consts[i].value.get(), scope, fn);
        break;
      case DK::kDefine:
        decl(SymKind::kDefine, m_.defines[i].name, m_.defines[i].name_range);
        WalkExpr(m_.defines[i].body.get(), scope, fn);
        break;
      case DK::kSegment: {
        const ast::Segment& s = m_.segments[i];
        decl(SymKind::kSegment, s.name, s.name_range);
        WalkExpr(s.where.get(), scope, fn);
        for (const auto& ex : s.excludes) WalkExpr(ex.get(), scope, fn);
        for (const auto& ch : s.channels) {
          Symbol c;
          c.kind = SymKind::kChannel;
          c.name = ch.name;
          c.range = ch.name_range;
          fn(c);
          WalkExpr(ch.after.get(), scope, fn);
          WalkExpr(ch.condition.get(), scope, fn);
        }
        for (const auto& ex : s.exports) {
          Symbol f;
          f.kind = SymKind::kField;
          f.name = ex.name;
          f.range = ex.range;
          f.field = FieldOfChain(ex.name, ex.range.begin);
          if (f.field) fn(f);
        }
        break;
      }
      case DK::kCampaign: {
        const ast::Campaign& c = m_.campaigns[i];
        decl(SymKind::kCampaign, c.name, c.name_range);
        for (const auto& p : c.priority) {
          Symbol s;
          s.kind = SymKind::kSegment;
          s.name = p.name;
          s.range = p.range;
          for (const auto& seg : m_.segments)
            if (seg.name == p.name) s.decl = seg.name_range;
          fn(s);
        }
        break;
      }
    }
  }
}

Symbol SymbolIndex::At(uint32_t offset) const {
  Symbol best;
  ForEach([&](const Symbol& s) {
    if (!Contains(s.range, offset)) return;
    if (best.kind == SymKind::kNone || s.range.end - s.range.begin <= best.range.end - best.range.begin) best = s;
  });
  return best;
}

std::vector<Symbol> SymbolIndex::VarsAt(uint32_t offset) const {
  // A variable is in scope inside the quantifier expression that declares it.
  std::vector<Symbol> out;
  std::function<void(const ast::Expr*)> walk = [&](const ast::Expr* e) {
    if (e == nullptr) return;
    if ((e->kind == ast::ExprKind::kQuantifier || e->kind == ast::ExprKind::kCount ||
         e->kind == ast::ExprKind::kMinMax) &&
        Contains(e->range, offset) && !e->var.empty()) {
      Symbol s;
      s.kind = SymKind::kVar;
      s.name = e->var;
      s.decl = e->var_range;
      out.push_back(s);
    }
    for (const auto& a : e->args) walk(a.get());
  };
  for (const auto& d : m_.defines) walk(d.body.get());
  for (const auto& s : m_.segments) {
    walk(s.where.get());
    for (const auto& ex : s.excludes) walk(ex.get());
    for (const auto& ch : s.channels) walk(ch.condition.get());
  }
  return out;
}

std::shared_ptr<const RecordDef> SymbolIndex::RecordOfChain(const std::string& chain, uint32_t offset) const {
  if (!schema_ || !schema_->root) return nullptr;
  std::vector<std::string> parts = Split(chain);
  std::shared_ptr<const RecordDef> rec;
  // The first part: a quantifier variable in scope at `offset`, else a field.
  bool found_var = false;
  ForEach([&](const Symbol& s) {
    if (s.kind == SymKind::kVar && s.is_decl && s.name == parts[0] && s.decl.begin <= offset && s.record) {
      rec = s.record;
      found_var = true;
    }
  });
  if (!found_var) {
    int i = schema_->root->Find(parts[0]);
    if (i < 0) return nullptr;
    const FieldDef& f = schema_->root->fields[i];
    if (f.type.kind != TypeKind::kRecord) return nullptr;
    rec = f.type.record_def;
  }
  for (size_t k = 1; k < parts.size() && rec; ++k) {
    int i = rec->Find(parts[k]);
    if (i < 0) return nullptr;
    const FieldDef& f = rec->fields[i];
    rec = f.type.kind == TypeKind::kRecord ? f.type.record_def : nullptr;
  }
  return rec;
}

const FieldDef* SymbolIndex::FieldOfChain(const std::string& chain, uint32_t offset) const {
  if (!schema_ || !schema_->root) return nullptr;
  size_t dot = chain.rfind('.');
  if (dot == std::string::npos) {
    int i = schema_->root->Find(chain);
    return i < 0 ? nullptr : &schema_->root->fields[i];
  }
  auto rec = RecordOfChain(chain.substr(0, dot), offset);
  if (!rec) return nullptr;
  int i = rec->Find(chain.substr(dot + 1));
  return i < 0 ? nullptr : &rec->fields[i];
}

}  // namespace cohort::lsp
