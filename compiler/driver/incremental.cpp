#include "compiler/driver/incremental.h"

#include <string_view>
#include <vector>

#include "compiler/parse/parser.h"

namespace cohort {

namespace {

/// Moves ranges by `delta` into `file` while copying a tree.
class Shifter {
 public:
  Shifter(uint32_t delta, FileId file) : delta_(delta), file_(file) {}

  SourceRange R(SourceRange r) const { return r.valid() ? SourceRange{file_, r.begin + delta_, r.end + delta_} : r; }

  void Shift(ast::Named& n) const { n.range = R(n.range); }
  void Shift(std::optional<ast::Named>& n) const {
    if (n) Shift(*n);
  }
  void Shift(ast::FixtureValue& v) const {
    v.range = R(v.range);
    for (auto& i : v.items) Shift(i);
    for (auto& f : v.fields) Shift(f);
  }
  void Shift(ast::FixtureField& f) const {
    f.path_range = R(f.path_range);
    Shift(f.value);
  }
  void Shift(ast::Fixture& f) const {
    f.name_range = R(f.name_range);
    f.range = R(f.range);
    for (auto& x : f.fields) Shift(x);
  }

  ast::ExprPtr Clone(const ast::ExprPtr& e) const {
    if (!e) return nullptr;
    auto c = std::make_unique<ast::Expr>();
    c->kind = e->kind;
    c->range = R(e->range);
    c->op = e->op;
    c->quant = e->quant;
    c->negated = e->negated;
    c->within_next = e->within_next;
    c->bool_value = e->bool_value;
    c->int_value = e->int_value;
    c->decimal_value = e->decimal_value;
    c->text = e->text;
    c->text_range = R(e->text_range);
    c->var = e->var;
    c->var_range = R(e->var_range);
    c->args.reserve(e->args.size());
    for (const auto& a : e->args) c->args.push_back(Clone(a));
    return c;
  }

  ast::Use Clone(const ast::Use& u) const { return ast::Use{u.name, u.is_path, R(u.range)}; }
  ast::Const Clone(const ast::Const& c) const { return ast::Const{c.name, R(c.name_range), R(c.range), Clone(c.value)}; }
  ast::Define Clone(const ast::Define& d) const {
    return ast::Define{d.name, R(d.name_range), R(d.range), Clone(d.body)};
  }
  ast::Campaign Clone(const ast::Campaign& c) const {
    ast::Campaign out{c.name, R(c.name_range), R(c.range), c.description, c.priority};
    for (auto& p : out.priority) Shift(p);
    out.cap = c.cap;  // issue 12: the frequency cap
    Shift(out.cap);
    out.cap_messages = c.cap_messages;
    out.cap_days = c.cap_days;
    out.cap_messages_range = R(c.cap_messages_range);
    out.cap_days_range = R(c.cap_days_range);
    return out;
  }
  ast::Segment Clone(const ast::Segment& s) const {
    ast::Segment o;
    o.name = s.name;
    o.name_range = R(s.name_range);
    o.range = R(s.range);
    o.description = s.description;
    o.where = Clone(s.where);
    for (const auto& x : s.excludes) o.excludes.push_back(Clone(x));
    for (const auto& ch : s.channels)
      o.channels.push_back(ast::ChannelClause{ch.name, R(ch.name_range), R(ch.range), Clone(ch.after),
                                              Clone(ch.condition), R(ch.if_range)});
    o.message = s.message;
    o.cta = s.cta;
    o.purpose = s.purpose;
    Shift(o.message);
    Shift(o.cta);
    Shift(o.purpose);
    o.holdout = Clone(s.holdout);
    o.exports = s.exports;
    for (auto& n : o.exports) Shift(n);
    o.duplicate_clauses = s.duplicate_clauses;
    for (auto& n : o.duplicate_clauses) Shift(n);
    // Outcomes (issue 12).
    for (const auto& v : s.variants) {
      ast::VariantClause c{v.name, R(v.name_range), R(v.range), Clone(v.share), v.message, v.cta};
      Shift(c.message);
      Shift(c.cta);
      o.variants.push_back(std::move(c));
    }
    for (const auto& g : s.goals) {
      ast::GoalClause c{R(g.range), g.kind, Clone(g.quantifier), Clone(g.within)};
      Shift(c.kind);
      o.goals.push_back(std::move(c));
    }
    return o;
  }
  ast::Test Clone(const ast::Test& t) const {
    ast::Test o = t;
    o.name_range = R(o.name_range);
    o.range = R(o.range);
    Shift(o.today);
    if (o.given) Shift(*o.given);
    for (auto& f : o.records) Shift(f);
    for (auto& e : o.expects) {
      e.range = R(e.range);
      Shift(e.record);
      Shift(e.segment);
      Shift(e.campaign);
      Shift(e.channel);
      Shift(e.on);
      Shift(e.truth);
    }
    return o;
  }

  /// Appends declaration `kind`/`i` of `m` (cloned) to `out`.
  void Append(const ast::Module& m, ast::Module::DeclKind kind, size_t i, ast::Module& out) const {
    using DK = ast::Module::DeclKind;
    switch (kind) {
      case DK::kUse: out.uses.push_back(Clone(m.uses[i])); out.order.emplace_back(kind, out.uses.size() - 1); break;
      case DK::kConst: out.consts.push_back(Clone(m.consts[i])); out.order.emplace_back(kind, out.consts.size() - 1); break;
      case DK::kDefine: out.defines.push_back(Clone(m.defines[i])); out.order.emplace_back(kind, out.defines.size() - 1); break;
      case DK::kSegment: out.segments.push_back(Clone(m.segments[i])); out.order.emplace_back(kind, out.segments.size() - 1); break;
      case DK::kCampaign: out.campaigns.push_back(Clone(m.campaigns[i])); out.order.emplace_back(kind, out.campaigns.size() - 1); break;
      case DK::kTest: out.tests.push_back(Clone(m.tests[i])); out.order.emplace_back(kind, out.tests.size() - 1); break;
    }
  }

 private:
  uint32_t delta_;
  FileId file_;
};

bool IsIdent(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

/// Does the line starting at `text[i]` begin a declaration?
bool StartsDeclaration(std::string_view text, size_t i) {
  static const std::string_view kKeywords[] = {"use", "const", "define", "segment", "campaign", "test"};
  for (std::string_view kw : kKeywords) {
    if (text.compare(i, kw.size(), kw) != 0) continue;
    size_t j = i + kw.size();
    if (j >= text.size() || !IsIdent(text[j])) return true;
  }
  return false;
}

}  // namespace

std::unique_ptr<ast::Module> CloneShifted(const ast::Module& m, uint32_t delta, FileId file) {
  Shifter sh(delta, file);
  auto out = std::make_unique<ast::Module>();
  out->file = file;
  for (const auto& c : m.comments) out->comments.push_back(ast::Comment{sh.R(c.range)});
  for (const auto& [kind, i] : m.order) sh.Append(m, kind, i, *out);
  return out;
}

std::unique_ptr<ast::Module> CompileCache::ParseDeclarations(const SourceManager& sm, FileId file) {
  reused_ = parsed_ = 0;
  std::string_view text = sm.Get(file).text();
  // Declaration starts: offsets of lines that begin with a declaration keyword.
  std::vector<size_t> starts;
  for (size_t i = 0; i < text.size();) {
    if (StartsDeclaration(text, i)) starts.push_back(i);
    size_t nl = text.find('\n', i);
    if (nl == std::string_view::npos) break;
    i = nl + 1;
  }
  auto out = std::make_unique<ast::Module>();
  out->file = file;
  std::unordered_map<std::string, std::shared_ptr<const ast::Module>> next;
  size_t chunk_begin = 0;
  for (size_t k = 0; k <= starts.size(); ++k) {
    size_t chunk_end = k < starts.size() ? starts[k] : text.size();
    if (chunk_end == chunk_begin && k < starts.size()) continue;  // the file starts with a declaration
    bool prelude = k == 0;  // text before the first declaration: comments and blank lines only
    std::string chunk(text.substr(chunk_begin, chunk_end - chunk_begin));
    std::shared_ptr<const ast::Module> m;
    if (auto it = decls_.find(chunk); it != decls_.end()) {
      m = it->second;
      ++reused_;
    } else {
      SourceManager one;
      FileId id = one.Add(sm.Get(file).name(), chunk);
      DiagnosticBag diags;
      auto parsed = cohort::Parse(one, id, diags);
      ++parsed_;
      if (!diags.all().empty()) return nullptr;
      m = std::move(parsed);
    }
    if (m->order.size() != (prelude ? 0u : 1u)) return nullptr;
    Shifter sh(static_cast<uint32_t>(chunk_begin), file);
    for (const auto& c : m->comments) out->comments.push_back(ast::Comment{sh.R(c.range)});
    for (const auto& [kind, i] : m->order) sh.Append(*m, kind, i, *out);
    next.emplace(std::move(chunk), std::move(m));
    chunk_begin = chunk_end;
  }
  decls_ = std::move(next);  // only what the current text uses: memory stays bounded
  return out;
}

}  // namespace cohort
