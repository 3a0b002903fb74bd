// The checker's entry point: declarations, duplicates, `use` placement and
// unused-name warnings. The phases run in a fixed order so diagnostics and
// the IR are deterministic (see checker_impl.h for the other files).
#include "compiler/sema/checker.h"

#include <fmt/format.h>

#include "compiler/sema/checker_impl.h"

namespace cohort {

std::shared_ptr<ir::Program> Check(const ast::Module& module, std::shared_ptr<const Schema> schema,
                                   const SourceManager& sm, DiagnosticBag& diags, const CheckOptions& options) {
  if (!schema) return nullptr;
  sema::Checker checker(module, std::move(schema), sm, diags, options);
  return checker.Run();
}

namespace sema {

// Own spelling table: cohort_sema does not link the parser library.
std::string OpText(ast::Op op) {
  switch (op) {
    case ast::Op::kNot: return "not";
    case ast::Op::kNeg: return "-";
    case ast::Op::kAnd: return "and";
    case ast::Op::kOr: return "or";
    case ast::Op::kEq: return "==";
    case ast::Op::kNe: return "!=";
    case ast::Op::kLt: return "<";
    case ast::Op::kLe: return "<=";
    case ast::Op::kGt: return ">";
    case ast::Op::kGe: return ">=";
    case ast::Op::kAdd: return "+";
    case ast::Op::kSub: return "-";
    case ast::Op::kMul: return "*";
    case ast::Op::kDiv: return "/";
    case ast::Op::kBefore: return "before";
    case ast::Op::kAfter: return "after";
  }
  return "?";
}

const ast::Expr& Unparen(const ast::Expr& e) {
  const ast::Expr* x = &e;
  while (x->kind == ast::ExprKind::kParen && !x->args.empty() && x->args[0]) x = x->args[0].get();
  return *x;
}

Checker::Checker(const ast::Module& m, std::shared_ptr<const Schema> schema, const SourceManager& sm,
                 DiagnosticBag& diags, const CheckOptions& options)
    : m_(m), schema_(std::move(schema)), sm_(sm), diags_(diags), options_(options) {}

std::shared_ptr<ir::Program> Checker::Run() {
  size_t errors_before = diags_.error_count();
  p_ = std::make_shared<ir::Program>();
  p_->schema = schema_;
  CheckUses();
  CollectDeclarations();
  CheckConsts();
  for (uint32_t i = 0; i < defines_.size(); ++i) CheckDefine(i, SourceRange{});
  for (uint32_t i = 0; i < segments_.size(); ++i) CheckSegment(i);
  CheckCampaigns();
  ComputeDependencies();
  ReportSegmentCycles();
  CheckGovernance();
  ReportUnused();
  if (diags_.error_count() > errors_before) return nullptr;
  // Placeholders of a syntax error check silently; they must never leave
  // a hole in the program.
  for (const ir::Define& d : p_->defines)
    if (d.body == ir::kNoExpr) return nullptr;
  for (const ir::Segment& s : p_->segments) {
    if (s.where == ir::kNoExpr) return nullptr;
    for (ir::ExprId x : s.excludes)
      if (x == ir::kNoExpr) return nullptr;
    for (const ir::Channel& c : s.channels)
      if (c.condition == ir::kNoExpr) return nullptr;
  }
  OrderSegments();
  FinishContacts();
  return p_;
}

std::string Checker::Text(SourceRange r) const {
  if (!r.valid() || r.file > sm_.size()) return "";
  const std::string& t = sm_.Get(r.file).text();
  if (r.begin >= t.size() || r.end < r.begin) return "";
  return t.substr(r.begin, std::min<size_t>(r.end, t.size()) - r.begin);
}

SourceRange Checker::OpRange(const ast::Expr& e) const {
  if (e.args.size() < 2 || !e.args[0] || !e.args[1] || !e.range.valid()) return e.range;
  std::string word;
  switch (e.kind) {
    case ast::ExprKind::kBinary: word = OpText(e.op); break;
    case ast::ExprKind::kIn: word = e.negated ? "not" : "in"; break;
    case ast::ExprKind::kWithin: word = "within"; break;
    default: return e.range;
  }
  SourceRange gap{e.range.file, e.args[0]->range.end, e.args[1]->range.begin};
  std::string text = Text(gap);
  size_t pos = text.find(word);
  if (pos == std::string::npos) return e.range;
  uint32_t len = static_cast<uint32_t>(word.size());
  if (e.kind == ast::ExprKind::kIn && e.negated) {
    size_t in = text.find("in", pos + 3);
    if (in != std::string::npos) len = static_cast<uint32_t>(in + 2 - pos);
  }
  return SourceRange{e.range.file, gap.begin + static_cast<uint32_t>(pos), gap.begin + static_cast<uint32_t>(pos) + len};
}

ir::ExprId Checker::Add(ir::Expr e) { return p_->Add(std::move(e)); }

Checked Checker::Make(ir::ExprKind kind, Type type, bool nullable, std::vector<Checked> args, SourceRange range) {
  ir::Expr e;
  e.kind = kind;
  e.type = type;
  e.nullable = nullable;
  e.range = range;
  uint8_t level = 0;
  for (const Checked& a : args) {
    e.args.push_back(a.id);
    level = std::max(level, a.level);
  }
  e.level = level;
  Checked c;
  c.type = type;
  c.nullable = nullable;
  c.level = level;
  c.id = Add(std::move(e));
  return c;
}

Checked Checker::Literal(ir::Value v, Type type, SourceRange range) {
  ir::Expr e;
  e.kind = ir::ExprKind::kLiteral;
  v.kind = type.kind;
  e.nullable = v.is_null;
  e.literal = std::move(v);
  e.type = type;
  e.range = range;
  Checked c;
  c.type = type;
  c.nullable = e.nullable;
  c.id = Add(std::move(e));
  return c;
}

void Checker::CheckUses() {
  bool seen_decl = false;
  for (const auto& [kind, index] : m_.order) {
    if (kind != ast::Module::DeclKind::kUse) {
      seen_decl = true;
      continue;
    }
    if (seen_decl && index < m_.uses.size()) diags_.Emit(DiagKind::UseNotFirst, m_.uses[index].range);
  }
  for (size_t i = 1; i < m_.uses.size(); ++i) {
    auto& d = diags_.Emit(DiagKind::DuplicateUse, m_.uses[i].range);
    d.notes.push_back(DiagNote{m_.uses[0].range, "the first `use` is here"});
  }
}

/// Why a top-level name is taken by the schema or the standard library, or "".
static std::string ReservedBy(const Schema& schema, const std::string& name) {
  if (schema.root && schema.root->Find(name) >= 0) return fmt::format("`{}` is a field of `{}`", name, schema.name);
  if (const FunctionInfo* f = FindFunction(name)) return fmt::format("`{}` is a standard function", f->name);
  if (name == "today" || name == "now") return fmt::format("`{}` is a keyword", name);
  return "";
}

void Checker::CollectDeclarations() {
  // Consts and defines share one namespace, which must not hide fields.
  std::map<std::string, SourceRange> names;
  auto declare = [&](const std::string& kind, const std::string& name, SourceRange range) {
    std::string reserved = ReservedBy(*schema_, name);
    if (!reserved.empty()) {
      auto& d = diags_.Emit(DiagKind::DuplicateDeclaration, range, "name", name);
      d.message += "; " + reserved;
      return false;
    }
    auto [it, inserted] = names.emplace(name, range);
    if (!inserted) {
      auto& d = diags_.Emit(DiagKind::DuplicateDeclaration, range, kind, name);
      d.notes.push_back(DiagNote{it->second, fmt::format("`{}` was first declared here", name)});
      return false;
    }
    return true;
  };
  for (const ast::Const& c : m_.consts) {
    if (!declare("const", c.name, c.name_range)) continue;
    const_index_[c.name] = static_cast<uint32_t>(consts_.size());
    ConstInfo info;
    info.decl = &c;
    consts_.push_back(std::move(info));
  }
  for (const ast::Define& d : m_.defines) {
    if (!declare("define", d.name, d.name_range)) continue;
    define_index_[d.name] = static_cast<uint32_t>(defines_.size());
    DefineInfo info;
    info.decl = &d;
    defines_.push_back(std::move(info));
    ir::Define def;
    def.name = d.name;
    def.range = d.name_range;
    p_->defines.push_back(std::move(def));
  }
  std::map<std::string, SourceRange> segs;
  for (const ast::Segment& s : m_.segments) {
    auto [it, inserted] = segs.emplace(s.name, s.name_range);
    if (!inserted) {
      auto& d = diags_.Emit(DiagKind::DuplicateDeclaration, s.name_range, "segment", s.name);
      d.notes.push_back(DiagNote{it->second, fmt::format("`{}` was first declared here", s.name)});
      continue;
    }
    segment_index_[s.name] = static_cast<uint32_t>(segments_.size());
    SegmentInfo info;
    info.decl = &s;
    segments_.push_back(std::move(info));
    ir::Segment seg;
    seg.name = s.name;
    seg.description = s.description;
    seg.range = s.name_range;
    p_->segments.push_back(std::move(seg));
  }
  std::map<std::string, SourceRange> camps;
  for (const ast::Campaign& c : m_.campaigns) {
    auto [it, inserted] = camps.emplace(c.name, c.name_range);
    if (!inserted) {
      auto& d = diags_.Emit(DiagKind::DuplicateDeclaration, c.name_range, "campaign", c.name);
      d.notes.push_back(DiagNote{it->second, fmt::format("`{}` was first declared here", c.name)});
    }
  }
}

void Checker::ReportUnused() {
  if (!options_.warn_unused) return;
  // Declarations that failed to check already have an error; no more noise.
  for (const ConstInfo& c : consts_)
    if (!c.used && c.ir_index < p_->consts.size() && p_->consts[c.ir_index].name == c.decl->name)
      diags_.Emit(DiagKind::UnusedConst, c.decl->name_range, c.decl->name);
  for (const DefineInfo& d : defines_)
    if (!d.used && d.result.ok()) diags_.Emit(DiagKind::UnusedDefine, d.decl->name_range, d.decl->name);
}

}  // namespace sema
}  // namespace cohort
