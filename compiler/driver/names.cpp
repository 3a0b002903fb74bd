// The name-resolution side table (see names.h). Resolution follows the
// checker's lookup order in compiler/sema/names.cpp; it works on the unchecked
// tree so half-typed files still get hover, definition and completion.
#include "compiler/driver/names.h"

#include <algorithm>
#include <unordered_map>

namespace cohort {

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

/// Walks one module and records every occurrence.
class Builder {
 public:
  Builder(const ast::Module& m, const ast::Module* subject, const Schema* schema, std::vector<Symbol>& out,
          std::vector<VarScope>& vars)
      : m_(m), subject_(subject ? *subject : m), schema_(schema), out_(out), vars_(vars) {
    // First declaration wins, as in the checker (a duplicate is an error there).
    for (const auto& d : m_.defines) defines_.emplace(d.name, &d);
    for (const auto& c : m_.consts) consts_.emplace(c.name, &c);
    for (const auto& seg : subject_.segments) segments_.emplace(seg.name, &seg);
    for (const auto& c : subject_.campaigns) campaigns_.emplace(c.name, &c);
  }

  void Run() {
    using DK = ast::Module::DeclKind;
    for (const auto& [kind, i] : m_.order) {
      scope_.clear();
      switch (kind) {
        case DK::kUse:
          break;
        case DK::kTest:
          Test(m_.tests[i]);
          break;
        case DK::kConst:
          Decl(SymKind::kConst, m_.consts[i].name, m_.consts[i].name_range);
          Walk(m_.consts[i].value.get());
          break;
        case DK::kDefine:
          Decl(SymKind::kDefine, m_.defines[i].name, m_.defines[i].name_range);
          Walk(m_.defines[i].body.get());
          break;
        case DK::kSegment: {
          const ast::Segment& s = m_.segments[i];
          Decl(SymKind::kSegment, s.name, s.name_range);
          Walk(s.where.get());
          for (const auto& ex : s.excludes) Walk(ex.get());
          for (const auto& ch : s.channels) {
            Symbol c;
            c.kind = SymKind::kChannel;
            c.name = ch.name;
            c.range = ch.name_range;
            out_.push_back(c);
            Walk(ch.after.get());
            Walk(ch.condition.get());
          }
          for (const auto& ex : s.exports) {
            Symbol f;
            f.kind = SymKind::kField;
            f.name = ex.name;
            f.range = ex.range;
            f.field = FieldOfPath(ex.name);
            if (f.field) out_.push_back(f);
          }
          break;
        }
        case DK::kCampaign: {
          const ast::Campaign& c = m_.campaigns[i];
          Decl(SymKind::kCampaign, c.name, c.name_range);
          for (const auto& p : c.priority) SegmentRef(p);
          break;
        }
      }
    }
  }

 private:
  struct Var {
    std::string name;
    SourceRange decl;
    std::shared_ptr<const RecordDef> record;
  };

  void Decl(SymKind k, const std::string& name, SourceRange r) {
    Symbol s;
    s.kind = k;
    s.name = name;
    s.range = r;
    s.decl = r;
    s.is_decl = true;
    out_.push_back(s);
  }

  void SegmentRef(const ast::Named& n) {
    if (n.name.empty() || n.name == "nothing") return;
    Symbol s;
    s.kind = SymKind::kSegment;
    s.name = n.name;
    s.range = n.range;
    if (auto it = segments_.find(n.name); it != segments_.end()) s.decl = it->second->name_range;
    out_.push_back(s);
  }

  void Test(const ast::Test& t) {
    for (const auto& e : t.expects) {
      SegmentRef(e.segment);
      if (!e.campaign.name.empty()) {
        Symbol s;
        s.kind = SymKind::kCampaign;
        s.name = e.campaign.name;
        s.range = e.campaign.range;
        if (auto it = campaigns_.find(e.campaign.name); it != campaigns_.end()) s.decl = it->second->name_range;
        out_.push_back(s);
      }
      if (!e.channel.name.empty()) {
        Symbol s;
        s.kind = SymKind::kChannel;
        s.name = e.channel.name;
        s.range = e.channel.range;
        out_.push_back(s);
      }
    }
  }

  const Var* FindVar(const std::string& n) const {
    for (auto it = scope_.rbegin(); it != scope_.rend(); ++it)
      if (it->name == n) return &*it;
    return nullptr;
  }

  bool IsDefineOrConst(const std::string& n) const { return defines_.count(n) || consts_.count(n); }

  const FieldDef* FieldOfPath(const std::string& path) const {
    if (schema_ == nullptr || schema_->root == nullptr) return nullptr;
    std::vector<std::string> parts = Split(path);
    const RecordDef* rec = schema_->root.get();
    const FieldDef* f = nullptr;
    for (const auto& p : parts) {
      if (rec == nullptr) return nullptr;
      int i = rec->Find(p);
      if (i < 0) return nullptr;
      f = &rec->fields[i];
      rec = f->type.kind == TypeKind::kRecord ? f->type.record_def.get() : nullptr;
    }
    return f;
  }

  const FieldDef* ResolveField(const ast::Expr* e, std::shared_ptr<const RecordDef>* record) const {
    if (e == nullptr || schema_ == nullptr || schema_->root == nullptr) return nullptr;
    if (e->kind == ast::ExprKind::kName) {
      if (const Var* v = FindVar(e->text)) {
        if (record) *record = v->record;
        return nullptr;
      }
      if (IsDefineOrConst(e->text)) return nullptr;
      int i = schema_->root->Find(e->text);
      if (i < 0) return nullptr;
      const FieldDef* f = &schema_->root->fields[i];
      if (record && f->type.kind == TypeKind::kRecord) *record = f->type.record_def;
      return f;
    }
    if (e->kind == ast::ExprKind::kMember && !e->args.empty()) {
      std::shared_ptr<const RecordDef> parent;
      ResolveField(e->args[0].get(), &parent);
      if (!parent) return nullptr;
      int i = parent->Find(e->text);
      if (i < 0) return nullptr;
      const FieldDef* f = &parent->fields[i];
      if (record && f->type.kind == TypeKind::kRecord) *record = f->type.record_def;
      return f;
    }
    return nullptr;
  }

  Symbol ResolveName(const ast::Expr& e) const {
    Symbol s;
    s.name = e.text;
    s.range = e.range;
    if (const Var* v = FindVar(e.text)) {
      s.kind = SymKind::kVar;
      s.decl = v->decl;
      s.record = v->record;
      return s;
    }
    if (auto it = defines_.find(e.text); it != defines_.end()) {
      s.kind = SymKind::kDefine;
      s.decl = it->second->name_range;
      return s;
    }
    if (auto it = consts_.find(e.text); it != consts_.end()) {
      s.kind = SymKind::kConst;
      s.decl = it->second->name_range;
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

  void Walk(const ast::Expr* e) {
    if (e == nullptr) return;
    using K = ast::ExprKind;
    switch (e->kind) {
      case K::kName:
        out_.push_back(ResolveName(*e));
        return;
      case K::kMember: {
        Walk(e->args.empty() ? nullptr : e->args[0].get());
        Symbol s;
        s.kind = SymKind::kField;
        s.name = ChainText(e);
        if (s.name.empty()) s.name = e->text;
        s.range = e->text_range;
        s.field = ResolveField(e, nullptr);
        if (s.field == nullptr) s.kind = SymKind::kNone;
        out_.push_back(s);
        return;
      }
      case K::kCall: {
        Symbol s;
        s.kind = SymKind::kFunction;
        s.name = e->text;
        s.range = SourceRange{e->range.file, e->range.begin, e->range.begin + static_cast<uint32_t>(e->text.size())};
        s.fn = FindFunction(e->text);
        out_.push_back(s);
        for (const auto& a : e->args) Walk(a.get());
        return;
      }
      case K::kInSegment:
        SegmentRef(ast::Named{e->text, e->text_range});
        return;
      case K::kQuantifier:
      case K::kCount:
      case K::kMinMax: {
        const ast::Expr* list = e->args.empty() ? nullptr : e->args[0].get();
        Walk(list);
        Var v{e->var, e->var_range, nullptr};
        if (list) {
          std::shared_ptr<const RecordDef> rec;
          const FieldDef* f = ResolveField(list, &rec);
          if (f && f->type.kind == TypeKind::kList) v.record = f->type.record_def;
        }
        if (!e->var.empty()) vars_.push_back(VarScope{e->var, e->var_range, e->range, v.record});
        Symbol decl;
        decl.kind = SymKind::kVar;
        decl.name = e->var;
        decl.range = e->var_range;
        decl.decl = e->var_range;
        decl.record = v.record;
        decl.is_decl = true;
        // For min/max the value (args[2]) comes before the variable in the source.
        if (e->kind == K::kMinMax && e->args.size() > 2) {
          scope_.push_back(v);
          Walk(e->args[2].get());
          scope_.pop_back();
        }
        out_.push_back(decl);
        scope_.push_back(v);
        if (e->args.size() > 1) Walk(e->args[1].get());
        scope_.pop_back();
        return;
      }
      default:
        for (const auto& a : e->args) Walk(a.get());
    }
  }

  const ast::Module& m_;
  const ast::Module& subject_;
  const Schema* schema_;
  std::vector<Symbol>& out_;
  std::vector<VarScope>& vars_;
  std::vector<Var> scope_;
  std::unordered_map<std::string, const ast::Define*> defines_;
  std::unordered_map<std::string, const ast::Const*> consts_;
  std::unordered_map<std::string, const ast::Segment*> segments_;
  std::unordered_map<std::string, const ast::Campaign*> campaigns_;
};

}  // namespace

NameTable::NameTable(const ast::Module& m, std::shared_ptr<const Schema> schema, const ast::Module* subject)
    : schema_(std::move(schema)) {
  Builder(m, subject, schema_.get(), symbols_, vars_).Run();
}

Symbol NameTable::At(uint32_t offset) const {
  Symbol best;
  for (const Symbol& s : symbols_) {
    if (!Contains(s.range, offset)) continue;
    if (best.kind == SymKind::kNone || s.range.end - s.range.begin <= best.range.end - best.range.begin) best = s;
  }
  return best;
}

std::vector<VarScope> NameTable::VarsAt(uint32_t offset) const {
  std::vector<VarScope> out;
  for (const auto& v : vars_)
    if (Contains(v.scope, offset)) out.push_back(v);
  return out;
}

std::shared_ptr<const RecordDef> NameTable::RecordOfChain(const std::string& chain, uint32_t offset) const {
  if (!schema_ || !schema_->root) return nullptr;
  std::vector<std::string> parts = Split(chain);
  std::shared_ptr<const RecordDef> rec;
  // The first part: a quantifier variable declared before `offset` (one whose
  // scope contains it first; a half-typed quantifier may have no scope yet), else a field.
  bool found_var = false, in_scope = false;
  for (const auto& v : vars_) {
    if (v.name != parts[0] || v.decl.begin > offset || !v.record) continue;
    bool contains = Contains(v.scope, offset);
    if (in_scope && !contains) continue;
    rec = v.record;
    found_var = true;
    in_scope = in_scope || contains;
  }
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

const FieldDef* NameTable::FieldOfChain(const std::string& chain, uint32_t offset) const {
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

}  // namespace cohort
