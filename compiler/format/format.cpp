// The canonical layout. The tree is printed token by token in source order
// (parentheses come from kParen nodes), so the output re-parses to the same
// tree; only whitespace, clause order and comment placement change.
//
// Layout: one blank line between declarations (two adjacent one-line
// use/const/define declarations keep the source's choice), clauses indented by
// 2 in a fixed order (where, exclude, channel, message/cta, purpose, holdout,
// export), long conditions broken before `and`/`or`. Comments attach to the
// output line nearest to them in the source: a comment after code on its line
// trails that line, an own-line comment leads the next line.
#include "compiler/format/format.h"

#include <fmt/format.h>

#include <algorithm>

#include "compiler/parse/parser.h"
#include "core/strings.h"

namespace cohort::format {
namespace {

using ast::Expr;
using ast::ExprKind;

/// One output line with the source span it came from (for comments).
struct Line {
  std::string text;  ///< including indentation
  uint32_t b = 0;    ///< source offset where the line's content starts
  uint32_t e = 0;    ///< source offset where its last token ends
  std::vector<size_t> leading;   ///< comment indices, emitted before the line
  std::vector<size_t> trailing;  ///< comment indices, emitted after it
  bool verbatim = false;         ///< copied from the source, comments included
};

/// The lines of one declaration.
struct Decl {
  ast::Module::DeclKind kind;
  std::vector<Line> lines;
};

std::string Indent(size_t n) { return std::string(n, ' '); }


const char* QuantSpelling(ast::Quant q) {
  switch (q) {
    case ast::Quant::kAny: return "any";
    case ast::Quant::kAll: return "all";
    case ast::Quant::kNo: return "no";
    case ast::Quant::kMin: return "min";
    case ast::Quant::kMax: return "max";
  }
  return "any";
}

class Formatter {
 public:
  Formatter(const ast::Module& m, std::string_view text, const FormatOptions& o) : m_(m), text_(text), opt_(o) {}

  std::string Run() {
    for (const auto& [kind, index] : m_.order) decls_.push_back(Build(kind, index));
    AttachComments();
    return Emit();
  }

 private:
  // ---- source helpers ----

  std::string_view Src(SourceRange r) const {
    if (r.begin >= text_.size() || r.end < r.begin) return {};
    return text_.substr(r.begin, std::min<size_t>(r.end, text_.size()) - r.begin);
  }

  std::string CommentText(size_t i) const {
    std::string s(Src(m_.comments[i].range));
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.pop_back();
    return s;
  }

  /// True when code precedes offset `at` on its source line.
  bool CodeBefore(uint32_t at) const {
    size_t i = at;
    while (i > 0 && text_[i - 1] != '\n') {
      char c = text_[i - 1];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\f') return true;
      --i;
    }
    return false;
  }

  /// True when a whitespace-only line lies between offsets a and b.
  bool BlankLineBetween(uint32_t a, uint32_t b) const {
    size_t i = text_.find('\n', a);
    while (i != std::string_view::npos && i < b) {
      size_t j = i + 1;
      bool blank = true;
      while (j < text_.size() && text_[j] != '\n') {
        if (text_[j] != ' ' && text_[j] != '\t' && text_[j] != '\r' && text_[j] != '\f') {
          blank = false;
          break;
        }
        ++j;
      }
      if (j >= b) return false;  // the line holding `b` is not between them
      if (blank && j < text_.size()) return true;
      i = text_.find('\n', i + 1);
    }
    return false;
  }

  // ---- flat expressions ----

  std::string Flat(const Expr* e) const {
    if (e == nullptr) return "";
    auto arg = [&](size_t i) { return i < e->args.size() ? Flat(e->args[i].get()) : std::string(); };
    switch (e->kind) {
      case ExprKind::kBoolLit: return e->bool_value ? "true" : "false";
      case ExprKind::kIntLit:
      case ExprKind::kDecimalLit:
      case ExprKind::kStringLit:
      case ExprKind::kDateLit:
      case ExprKind::kTimestampLit:
      case ExprKind::kError: return std::string(Src(e->range));
      case ExprKind::kDurationLit: {
        std::string_view s = Src(e->range);
        size_t n = 0;
        while (n < s.size() && s[n] >= '0' && s[n] <= '9') ++n;
        return std::string(s.substr(0, n)) + " " + e->text;
      }
      case ExprKind::kPercentLit: {
        std::string s(Src(e->range));
        while (!s.empty() && (s.back() == '%' || s.back() == ' ')) s.pop_back();
        return s + "%";
      }
      case ExprKind::kListLit: {
        std::string out = "[";
        for (size_t i = 0; i < e->args.size(); ++i) out += (i ? ", " : "") + arg(i);
        return out + "]";
      }
      case ExprKind::kName: return e->text;
      case ExprKind::kMember: return arg(0) + "." + e->text;
      case ExprKind::kToday: return "today";
      case ExprKind::kNow: return "now";
      case ExprKind::kUnary: return (e->op == ast::Op::kNeg ? "-" : "not ") + arg(0);
      case ExprKind::kBinary: return arg(0) + " " + ast::OpSpelling(e->op) + " " + arg(1);
      case ExprKind::kIn: return arg(0) + (e->negated ? " not in " : " in ") + arg(1);
      case ExprKind::kIsMissing: return arg(0) + (e->negated ? " is present" : " is missing");
      case ExprKind::kWithin: return arg(0) + (e->within_next ? " within next " : " within last ") + arg(1);
      case ExprKind::kCall: {
        std::string out = e->text + "(";
        for (size_t i = 0; i < e->args.size(); ++i) out += (i ? ", " : "") + arg(i);
        return out + ")";
      }
      case ExprKind::kQuantifier:
        return std::string(QuantSpelling(e->quant)) + " " + e->var + " in " + arg(0) + " where " + arg(1);
      case ExprKind::kCount: {
        std::string out = "count(" + e->var + " in " + arg(0);
        if (e->args.size() > 1 && e->args[1]) out += " where " + arg(1);
        return out + ")";
      }
      case ExprKind::kMinMax: {
        std::string out = std::string(QuantSpelling(e->quant)) + "(" + arg(2) + " for " + e->var + " in " + arg(0);
        if (e->args.size() > 1 && e->args[1]) out += " where " + arg(1);
        return out + ")";
      }
      case ExprKind::kInSegment: return "in segment " + e->text;
      case ExprKind::kParen: return "(" + arg(0) + ")";
      case ExprKind::kContacted:
        return std::string("contacted ") + (e->text.empty() ? "" : "by " + e->text + " ") + "within last " + arg(0);
    }
    return std::string(Src(e->range));
  }

  // ---- breaking long expressions ----

  bool IsChain(const Expr* e) const {
    return e && e->kind == ExprKind::kBinary && (e->op == ast::Op::kAnd || e->op == ast::Op::kOr) && e->args.size() == 2;
  }

  /// Operands of a left-nested chain of one operator (`a and b and c`).
  void Chain(const Expr* e, ast::Op op, std::vector<const Expr*>& out) const {
    if (IsChain(e) && e->op == op) {
      Chain(e->args[0].get(), op, out);
      out.push_back(e->args[1].get());
    } else {
      out.push_back(e);
    }
  }

  bool CommentIn(uint32_t a, uint32_t b) const {
    for (const auto& c : m_.comments)
      if (c.range.begin >= a && c.range.begin < b) return true;
    return false;
  }

  /// A comment sits between the parts of a breakable expression, so it must
  /// break there (a comment inside an unbreakable part trails its line).
  bool NeedsBreak(const Expr* e) const {
    if (e == nullptr) return false;
    if (IsChain(e)) {
      std::vector<const Expr*> ops;
      Chain(e, e->op, ops);
      for (size_t i = 0; i < ops.size(); ++i) {
        if (NeedsBreak(ops[i])) return true;
        if (i + 1 < ops.size() && ops[i] && ops[i + 1] && CommentIn(ops[i]->range.end, ops[i + 1]->range.begin))
          return true;
      }
      return false;
    }
    if (e->kind == ExprKind::kParen || (e->kind == ExprKind::kUnary && e->op == ast::Op::kNot))
      return !e->args.empty() && NeedsBreak(e->args[0].get());
    if (e->kind == ExprKind::kQuantifier) return e->args.size() > 1 && NeedsBreak(e->args[1].get());
    return false;
  }

  /// Lays `e` out after `prefix` (which starts at source offset `b`);
  /// continuation lines are indented by `cont`.
  void Layout(std::string prefix, uint32_t b, size_t cont, const Expr* e, std::vector<Line>& out) const {
    if (e == nullptr) {
      out.push_back(Line{prefix, b, b, {}, {}});
      return;
    }
    std::string flat = Flat(e);
    if ((prefix.size() + flat.size() <= opt_.width && !NeedsBreak(e)) || e->args.empty()) {
      out.push_back(Line{prefix + flat, b, e->range.end, {}, {}});
      return;
    }
    if (IsChain(e)) {
      std::vector<const Expr*> ops;
      Chain(e, e->op, ops);
      Layout(prefix, b, cont + 2, ops[0], out);
      std::string op = ast::OpSpelling(e->op);
      for (size_t i = 1; i < ops.size(); ++i)
        Layout(Indent(cont) + op + " ", ops[i] ? ops[i]->range.begin : b, cont + 2, ops[i], out);
      return;
    }
    switch (e->kind) {
      case ExprKind::kParen:
        Layout(prefix + "(", b, cont, e->args[0].get(), out);
        out.back().text += ")";
        out.back().e = std::max(out.back().e, e->range.end);
        return;
      case ExprKind::kUnary:
        if (e->op == ast::Op::kNot) {
          Layout(prefix + "not ", b, cont, e->args[0].get(), out);
          return;
        }
        break;
      case ExprKind::kQuantifier:
        if (e->args.size() == 2) {
          std::string head =
              std::string(QuantSpelling(e->quant)) + " " + e->var + " in " + Flat(e->args[0].get()) + " where ";
          Layout(prefix + head, b, cont + 2, e->args[1].get(), out);
          return;
        }
        break;
      default:
        break;
    }
    out.push_back(Line{prefix + flat, b, e->range.end, {}, {}});
  }

  // ---- declarations ----

  Decl Build(ast::Module::DeclKind kind, size_t index) const {
    using K = ast::Module::DeclKind;
    Decl d{kind, {}};
    switch (kind) {
      case K::kUse: {
        const auto& u = m_.uses[index];
        std::string text = "use " + u.name;
        if (u.is_path) {
          std::string_view s = Src(u.range);
          size_t q = s.find('"');
          text = "use " + (q == std::string_view::npos ? QuoteLiteral(u.name) : std::string(s.substr(q)));
        }
        d.lines.push_back(Line{text, u.range.begin, u.range.end, {}, {}});
        break;
      }
      case K::kConst: {
        const auto& c = m_.consts[index];
        d.lines.push_back(Line{"const " + c.name + " = " + Flat(c.value.get()), c.range.begin, c.range.end, {}, {}});
        break;
      }
      case K::kDefine: {
        const auto& df = m_.defines[index];
        std::string head = "define " + df.name + " =";
        std::string flat = Flat(df.body.get());
        if (head.size() + 1 + flat.size() <= opt_.width && !NeedsBreak(df.body.get())) {
          d.lines.push_back(Line{head + " " + flat, df.range.begin, df.range.end, {}, {}});
        } else {
          d.lines.push_back(Line{head, df.range.begin, df.name_range.end, {}, {}});
          uint32_t b = df.body ? df.body->range.begin : df.name_range.end;
          Layout("  ", b, 4, df.body.get(), d.lines);
        }
        break;
      }
      case K::kSegment: BuildSegment(m_.segments[index], d.lines); break;
      case K::kCampaign: BuildCampaign(m_.campaigns[index], d.lines); break;
      case K::kTest: {
        // Test blocks (fixtures and expectations) are kept as written: their
        // layout carries meaning for readers (tables of records).
        const auto& t = m_.tests[index];
        Line l{std::string(Src(t.range)), t.range.begin, t.range.end, {}, {}};
        l.verbatim = true;
        d.lines.push_back(std::move(l));
        break;
      }
    }
    return d;
  }

  void BuildSegment(const ast::Segment& s, std::vector<Line>& out) const {
    std::string head = "segment " + s.name;
    if (!s.description.empty()) head += " " + QuoteLiteral(s.description);
    out.push_back(Line{head, s.range.begin, s.name_range.end, {}, {}});
    auto clause = [&](const std::string& kw, const Expr* e) {
      Layout("  " + kw + " ", e ? e->range.begin : s.name_range.end, 4, e, out);
    };
    if (s.where) clause("where", s.where.get());
    for (const auto& ex : s.excludes) clause("exclude", ex.get());
    for (const auto& ch : s.channels) {
      std::string p = "  channel " + ch.name;
      if (ch.after) p += " after " + Flat(ch.after.get());
      if (ch.condition) {
        Layout(p + " if ", ch.range.begin, 4, ch.condition.get(), out);
      } else {
        out.push_back(Line{p, ch.range.begin, ch.range.end, {}, {}});
      }
    }
    if (s.message || s.cta) {
      std::string text = " ";
      uint32_t b = UINT32_MAX, e = 0;
      if (s.message) {
        text += " message " + std::string(Src(s.message->range));
        b = std::min(b, s.message->range.begin);
        e = std::max(e, s.message->range.end);
      }
      if (s.cta) {
        text += " cta " + std::string(Src(s.cta->range));
        b = std::min(b, s.cta->range.begin);
        e = std::max(e, s.cta->range.end);
      }
      out.push_back(Line{text, b, e, {}, {}});
    }
    if (s.purpose) out.push_back(Line{"  purpose " + s.purpose->name, s.purpose->range.begin, s.purpose->range.end, {}, {}});
    if (s.holdout) {
      out.push_back(Line{"  holdout " + Flat(s.holdout.get()), s.holdout->range.begin, s.holdout->range.end, {}, {}});
    }
    if (!s.exports.empty()) {
      std::string text = "  export";
      for (size_t i = 0; i < s.exports.size(); ++i) text += (i ? ", " : " ") + s.exports[i].name;
      out.push_back(Line{text, s.exports.front().range.begin, s.exports.back().range.end, {}, {}});
    }
    // Outcomes (issue 12): variants, then goals, in source order.
    for (const auto& v : s.variants) {
      std::string text = "  variant " + v.name + (v.share ? " " + Flat(v.share.get()) : std::string());
      if (v.message) text += " message " + std::string(Src(v.message->range));
      if (v.cta) text += " cta " + std::string(Src(v.cta->range));
      out.push_back(Line{text, v.range.begin, v.range.end, {}, {}});
    }
    for (const auto& g : s.goals) {
      std::string within = g.within ? " within " + Flat(g.within.get()) : std::string();
      if (g.quantifier) {
        Layout("  goal ", g.range.begin, 4, g.quantifier.get(), out);
        out.back().text += within;
        out.back().e = g.range.end;
      } else {
        out.push_back(Line{"  goal " + g.kind.name + within, g.range.begin, g.range.end, {}, {}});
      }
    }
  }

  void BuildCampaign(const ast::Campaign& c, std::vector<Line>& out) const {
    std::string head = "campaign " + c.name;
    if (!c.description.empty()) head += " " + QuoteLiteral(c.description);
    out.push_back(Line{head, c.range.begin, c.name_range.end, {}, {}});
    if (c.priority.empty()) return;
    Line line{"  priority", c.priority.front().range.begin, c.priority.front().range.begin, {}, {}};
    for (size_t i = 0; i < c.priority.size(); ++i) {
      const auto& p = c.priority[i];
      std::string item = (i ? ", " : " ") + p.name;
      if (i > 0 && line.text.size() + item.size() + 1 > opt_.width) {
        line.text += ",";
        out.push_back(std::move(line));
        line = Line{Indent(4) + p.name, p.range.begin, p.range.end, {}, {}};
        continue;
      }
      line.text += item;
      line.e = p.range.end;
    }
    out.push_back(std::move(line));
    if (c.cap)  // issue 12: the frequency cap, on its own line
      out.push_back(Line{fmt::format("  cap {} message{} per {} day{}", c.cap_messages, c.cap_messages == 1 ? "" : "s",
                                     c.cap_days, c.cap_days == 1 ? "" : "s"), c.cap->range.begin,
                         c.cap->range.end, {}, {}});
  }

  // ---- comments ----

  void AttachComments() {
    std::vector<Line*> lines;
    for (auto& d : decls_)
      for (auto& l : d.lines) lines.push_back(&l);
    for (size_t i = 0; i < m_.comments.size(); ++i) {
      uint32_t c = m_.comments[i].range.begin;
      Line* target = nullptr;
      for (Line* l : lines)
        if (l->b < c && c < l->e) target = l;  // inside an unbreakable line
      if (target && target->verbatim) continue;  // already part of its text
      if (target) {
        target->trailing.push_back(i);
        continue;
      }
      if (CodeBefore(c)) {
        for (Line* l : lines)
          if (l->e <= c && (!target || l->e >= target->e)) target = l;
        if (target) {
          target->trailing.push_back(i);
          continue;
        }
      }
      for (Line* l : lines)
        if (l->b >= c && (!target || l->b < target->b)) target = l;
      if (target) {
        target->leading.push_back(i);
      } else {
        eof_comments_.push_back(i);
      }
    }
  }

  /// Emits leading comments at `indent`; at top level, blank lines that
  /// followed a comment in the source are kept (file headers, sections).
  void EmitLeading(const Line& l, size_t indent, bool top, std::string& out) const {
    for (size_t k = 0; k < l.leading.size(); ++k) {
      size_t i = l.leading[k];
      out += Indent(indent) + CommentText(i) + "\n";
      uint32_t next = k + 1 < l.leading.size() ? m_.comments[l.leading[k + 1]].range.begin : l.b;
      if (top && next > m_.comments[i].range.end && BlankLineBetween(m_.comments[i].range.end, next)) out += "\n";
    }
  }

  void EmitLine(const Line& l, std::string& out) const {
    std::string text = l.text;
    for (size_t k = 0; k < l.trailing.size(); ++k) {
      if (k == 0) {
        text += "  " + CommentText(l.trailing[k]);
      } else {
        // A line holds one trailing comment; later ones follow on their own lines.
        size_t indent = l.text.find_first_not_of(' ');
        text += "\n" + Indent(indent == std::string::npos ? 0 : indent) + CommentText(l.trailing[k]);
      }
    }
    out += text + "\n";
  }

  /// Start of a declaration including its leading comments.
  uint32_t DeclStart(const Decl& d) const {
    const Line& l = d.lines.front();
    return l.leading.empty() ? l.b : m_.comments[l.leading.front()].range.begin;
  }

  uint32_t DeclEnd(const Decl& d) const {
    const Line& l = d.lines.back();
    return l.trailing.empty() ? l.e : m_.comments[l.trailing.back()].range.end;
  }

  std::string Emit() const {
    using K = ast::Module::DeclKind;
    std::string out;
    for (size_t i = 0; i < decls_.size(); ++i) {
      const Decl& d = decls_[i];
      if (i > 0) {
        const Decl& p = decls_[i - 1];
        bool compact = p.kind == d.kind && p.lines.size() == 1 && d.lines.size() == 1 &&
                       (d.kind == K::kUse || d.kind == K::kConst || d.kind == K::kDefine);
        if (!compact || BlankLineBetween(DeclEnd(p), DeclStart(d))) out += "\n";
      }
      for (size_t k = 0; k < d.lines.size(); ++k) {
        const Line& l = d.lines[k];
        size_t indent = l.text.find_first_not_of(' ');
        EmitLeading(l, indent == std::string::npos ? 0 : indent, k == 0, out);
        EmitLine(l, out);
      }
    }
    for (size_t k = 0; k < eof_comments_.size(); ++k) {
      size_t i = eof_comments_[k];
      uint32_t prev = k == 0 ? (decls_.empty() ? 0 : DeclEnd(decls_.back())) : m_.comments[eof_comments_[k - 1]].range.end;
      if (!out.empty() && (k == 0 ? !decls_.empty() : BlankLineBetween(prev, m_.comments[i].range.begin))) out += "\n";
      out += CommentText(i) + "\n";
    }
    return out;
  }

  const ast::Module& m_;
  std::string_view text_;
  const FormatOptions& opt_;
  std::vector<Decl> decls_;
  std::vector<size_t> eof_comments_;
};

}  // namespace

std::string FormatModule(const ast::Module& m, std::string_view text, const FormatOptions& options) {
  return Formatter(m, text, options).Run();
}

FormatResult FormatSource(std::string name, std::string text, const FormatOptions& options) {
  FormatResult r;
  r.sources = std::make_shared<SourceManager>();
  FileId id = r.sources->Add(name, std::move(text));
  auto module = Parse(*r.sources, id, r.diags);
  if (module != nullptr) {
    // The tree keeps one of each repeated clause, so printing it would drop
    // the others: report them (as `cohort check` does) and leave the file alone.
    for (const auto& s : module->segments)
      for (const ast::Named& d : s.duplicate_clauses) r.diags.Emit(DiagKind::DuplicateClause, d.range, d.name, s.name);
  }
  if (r.diags.has_errors() || module == nullptr) return r;
  r.text = FormatModule(*module, r.sources->Get(id).text(), options);
  // Guard: the layout must not change the tree (meaning) of the file.
  SourceManager check_sm;
  DiagnosticBag check_diags;
  auto again = Parse(check_sm, check_sm.Add(name, r.text), check_diags);
  if (check_diags.has_errors() || again == nullptr || ast::Dump(*again) != ast::Dump(*module)) {
    r.internal_error = "the formatted text does not parse to the same tree; the file was left unchanged";
    return r;
  }
  r.ok = true;
  return r;
}

}  // namespace cohort::format
