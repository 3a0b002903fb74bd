#include "compiler/driver/incremental.h"

#include <string_view>
#include <type_traits>
#include <vector>

#include "compiler/parse/parser.h"

namespace cohort {

namespace {

/// Deep copies of declarations (ranges unchanged; Shifter moves them).
ast::ExprPtr Copy(const ast::ExprPtr& e) {
  if (!e) return nullptr;
  auto c = std::make_unique<ast::Expr>();
  c->kind = e->kind;
  c->range = e->range;
  c->op = e->op;
  c->quant = e->quant;
  c->negated = e->negated;
  c->within_next = e->within_next;
  c->bool_value = e->bool_value;
  c->int_value = e->int_value;
  c->decimal_value = e->decimal_value;
  c->text = e->text;
  c->text_range = e->text_range;
  c->var = e->var;
  c->var_range = e->var_range;
  c->args.reserve(e->args.size());
  for (const auto& a : e->args) c->args.push_back(Copy(a));
  return c;
}
ast::Use Copy(const ast::Use& u) { return u; }
ast::Campaign Copy(const ast::Campaign& c) { return c; }
ast::Test Copy(const ast::Test& t) { return t; }
ast::Const Copy(const ast::Const& c) { return ast::Const{c.name, c.name_range, c.range, Copy(c.value)}; }
ast::Define Copy(const ast::Define& d) { return ast::Define{d.name, d.name_range, d.range, Copy(d.body)}; }
ast::Segment Copy(const ast::Segment& s) {
  ast::Segment o;
  o.name = s.name;
  o.name_range = s.name_range;
  o.range = s.range;
  o.description = s.description;
  o.where = Copy(s.where);
  for (const auto& x : s.excludes) o.excludes.push_back(Copy(x));
  for (const auto& ch : s.channels)
    o.channels.push_back(ast::ChannelClause{ch.name, ch.name_range, ch.range, Copy(ch.after), Copy(ch.condition),
                                            ch.if_range});
  o.message = s.message;
  o.cta = s.cta;
  o.purpose = s.purpose;
  o.holdout = Copy(s.holdout);
  o.exports = s.exports;
  o.duplicate_clauses = s.duplicate_clauses;
  for (const auto& v : s.variants)
    o.variants.push_back(ast::VariantClause{v.name, v.name_range, v.range, Copy(v.share), v.message, v.cta});
  for (const auto& g : s.goals) o.goals.push_back(ast::GoalClause{g.range, g.kind, Copy(g.quantifier), Copy(g.within)});
  return o;
}

/// Moves every range of a declaration by `delta` bytes (modulo 2^32, so a
/// declaration can move either way) into `file`, in place.
class Shifter {
 public:
  Shifter(uint32_t delta, FileId file) : delta_(delta), file_(file) {}

  SourceRange R(SourceRange r) const { return r.valid() ? SourceRange{file_, r.begin + delta_, r.end + delta_} : r; }
  void Shift(SourceRange& r) const { r = R(r); }

  void Shift(ast::Expr* e) const {
    if (!e) return;
    Shift(e->range);
    Shift(e->text_range);
    Shift(e->var_range);
    for (auto& a : e->args) Shift(a.get());
  }
  void Shift(ast::Named& n) const { Shift(n.range); }
  void Shift(std::optional<ast::Named>& n) const {
    if (n) Shift(*n);
  }
  void Shift(ast::FixtureValue& v) const {
    Shift(v.range);
    for (auto& i : v.items) Shift(i);
    for (auto& f : v.fields) Shift(f);
  }
  void Shift(ast::FixtureField& f) const {
    Shift(f.path_range);
    Shift(f.value);
  }
  void Shift(ast::Fixture& f) const {
    Shift(f.name_range);
    Shift(f.range);
    for (auto& x : f.fields) Shift(x);
  }
  void Shift(ast::Use& u) const { Shift(u.range); }
  void Shift(ast::Const& c) const {
    Shift(c.name_range);
    Shift(c.range);
    Shift(c.value.get());
  }
  void Shift(ast::Define& d) const {
    Shift(d.name_range);
    Shift(d.range);
    Shift(d.body.get());
  }
  void Shift(ast::Campaign& c) const {
    Shift(c.name_range);
    Shift(c.range);
    for (auto& p : c.priority) Shift(p);
    Shift(c.cap);  // issue 12: the frequency cap
    Shift(c.cap_messages_range);
    Shift(c.cap_days_range);
  }
  void Shift(ast::Segment& s) const {
    Shift(s.name_range);
    Shift(s.range);
    Shift(s.where.get());
    for (auto& x : s.excludes) Shift(x.get());
    for (auto& ch : s.channels) {
      Shift(ch.name_range);
      Shift(ch.range);
      Shift(ch.after.get());
      Shift(ch.condition.get());
      Shift(ch.if_range);
    }
    Shift(s.message);
    Shift(s.cta);
    Shift(s.purpose);
    Shift(s.holdout.get());
    for (auto& n : s.exports) Shift(n);
    for (auto& n : s.duplicate_clauses) Shift(n);
    // Outcomes (issue 12).
    for (auto& v : s.variants) {
      Shift(v.name_range);
      Shift(v.range);
      Shift(v.share.get());
      Shift(v.message);
      Shift(v.cta);
    }
    for (auto& g : s.goals) {
      Shift(g.range);
      Shift(g.kind);
      Shift(g.quantifier.get());
      Shift(g.within.get());
    }
  }
  void Shift(ast::Test& t) const {
    Shift(t.name_range);
    Shift(t.range);
    Shift(t.today);
    if (t.given) Shift(*t.given);
    for (auto& f : t.records) Shift(f);
    for (auto& e : t.expects) {
      Shift(e.range);
      Shift(e.record);
      Shift(e.segment);
      Shift(e.campaign);
      Shift(e.channel);
      Shift(e.on);
      Shift(e.truth);
    }
  }

  /// Appends declaration `kind`/`i` of `m` to `out`, shifted: copied from a
  /// const module, moved out of a mutable one (which keeps a hollow declaration).
  template <class M>
  void Append(M& m, ast::Module::DeclKind kind, size_t i, ast::Module& out) const {
    using DK = ast::Module::DeclKind;
    auto add = [&](auto& from, auto& to) {
      if constexpr (std::is_const_v<M>) to.push_back(Copy(from[i]));
      else to.push_back(std::move(from[i]));
      if (delta_ != 0 || to.back().range.file != file_) Shift(to.back());
      out.order.emplace_back(kind, to.size() - 1);
    };
    switch (kind) {
      case DK::kUse: add(m.uses, out.uses); break;
      case DK::kConst: add(m.consts, out.consts); break;
      case DK::kDefine: add(m.defines, out.defines); break;
      case DK::kSegment: add(m.segments, out.segments); break;
      case DK::kCampaign: add(m.campaigns, out.campaigns); break;
      case DK::kTest: add(m.tests, out.tests); break;
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

void CompileCache::Recycle(std::unique_ptr<ast::Module> previous) {
  // Only the module the last ParseDeclarations() returned matches decls_.
  if (previous && previous.get() == last_output_) recycled_ = std::move(previous);
}

std::unique_ptr<ast::Module> CompileCache::ParseDeclarations(const SourceManager& sm, FileId file) {
  reused_ = parsed_ = moved_ = 0;
  last_output_ = nullptr;
  std::unique_ptr<ast::Module> recycled = std::move(recycled_);  // freed on return (what was not moved out)
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
  Map next;
  // A declaration that does not parse alone: the caller parses the whole file.
  auto fail = [&] {
    decls_.merge(next);  // keep what was taken over
    return nullptr;
  };
  size_t chunk_begin = 0;
  for (size_t k = 0; k <= starts.size(); ++k) {
    size_t chunk_end = k < starts.size() ? starts[k] : text.size();
    if (chunk_end == chunk_begin && k < starts.size()) continue;  // the file starts with a declaration
    bool prelude = k == 0;  // text before the first declaration: comments and blank lines only
    std::string_view chunk = text.substr(chunk_begin, chunk_end - chunk_begin);
    const auto begin = static_cast<uint32_t>(chunk_begin);
    chunk_begin = chunk_end;
    // A known text is taken over with its key (no copy of the text); a text
    // seen earlier in this file shares that parse.
    Map::node_type node;
    Entry entry;
    if (auto it = decls_.find(chunk); it != decls_.end()) {
      node = decls_.extract(it);
      entry = node.mapped();
      ++reused_;
    } else if (auto jt = next.find(chunk); jt != next.end()) {
      entry.parsed = jt->second.parsed;
      ++reused_;
    } else {
      SourceManager one;
      FileId id = one.Add(sm.Get(file).name(), std::string(chunk));
      DiagnosticBag diags;
      auto parsed = cohort::Parse(one, id, diags);
      ++parsed_;
      if (!diags.all().empty()) return fail();
      entry.parsed = std::move(parsed);
    }
    const ast::Module& m = *entry.parsed;
    if (m.order.size() != (prelude ? 0u : 1u)) return fail();
    Shifter sh(begin, file);
    for (const auto& c : m.comments) out->comments.push_back(ast::Comment{sh.R(c.range)});
    if (recycled && node && entry.index != kNone && !prelude) {
      // The same declaration in the last output: moved, not copied, and shifted in place.
      const auto& [kind, i] = recycled->order[entry.index];
      Shifter(begin - entry.begin, file).Append(*recycled, kind, i, *out);
      ++moved_;
    } else {
      for (const auto& [kind, i] : m.order) sh.Append(m, kind, i, *out);
    }
    entry.begin = begin;
    entry.index = prelude ? kNone : out->order.size() - 1;
    if (node) {
      node.mapped() = std::move(entry);
      next.insert(std::move(node));
    } else {
      next.emplace(std::string(chunk), std::move(entry));
    }
  }
  decls_ = std::move(next);  // only what the current text uses: memory stays bounded
  last_output_ = out.get();
  return out;
}

}  // namespace cohort
