// Source text -> ast::Module. The only file that sees ANTLR: it lexes, checks
// nesting on the token stream (so ANTLR's recursion stays bounded), parses
// with our own error strategy (diagnostics, not console output), and turns the
// parse tree into ast::Module at once, converting code point positions to
// byte-offset SourceRanges.
#include "compiler/parse/parser.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>
#include <set>
#include <shared_mutex>
#include <string_view>

#include "CohortLexer.h"
#include "CohortParser.h"
#include "antlr4-runtime.h"
#include "compiler/parse/text_map.h"

namespace cohort {
namespace {

using cohort_antlr::CohortLexer;
using cohort_antlr::CohortParser;
using antlr4::Token;
using P = CohortParser;

/// Parses share ANTLR's static DFA caches; clearing them must not overlap a parse.
std::shared_mutex& CacheMutex() {
  static std::shared_mutex mu;
  return mu;
}

/// A char stream over already-decoded code points (ANTLR's own UTF-8 decoding
/// throws on invalid input; ours maps bad bytes to U+FFFD).
class CodePointStream : public antlr4::ANTLRInputStream {
 public:
  explicit CodePointStream(std::u32string cps) {
    _data = std::move(cps);
    p = 0;
  }
};

/// Units accepted after an integer in a duration literal.
const std::vector<std::string>& DurationUnits() {
  // Plurals first: on a tie, "did you mean" suggests the more common spelling.
  static const std::vector<std::string> units = {"days", "weeks", "months", "years", "hours", "minutes",
                                                 "day",  "week",  "month",  "year",  "hour",  "minute"};
  return units;
}

bool IsKeyword(size_t type) { return type >= P::USE && type <= P::FALSE; }

/// State shared by the lexical pre-pass, the error strategy and the builder.
struct ParseState {
  FileId file;
  std::string_view text;
  parse::TextMap map;
  DiagnosticBag& diags;
  const ParseLimits& limits;
  uint32_t reported = 0;
  bool stopped = false;
  /// Begin offsets of reported E0002s, so that one spot is not reported twice.
  std::set<uint32_t> error_offsets;

  ParseState(FileId f, std::string_view t, DiagnosticBag& d, const ParseLimits& l)
      : file(f), text(t), map(parse::DecodeUtf8(t)), diags(d), limits(l) {}

  /// Counts a syntax diagnostic against max_errors; false once the limit is hit
  /// (the first refusal emits E0009 at `range`).
  bool CanReport(SourceRange range) {
    if (stopped) return false;
    if (reported >= limits.max_errors) {
      diags.Emit(DiagKind::TooManyErrors, range);
      stopped = true;
      return false;
    }
    ++reported;
    return true;
  }

  SourceRange Range(uint32_t begin, uint32_t end) const { return SourceRange{file, begin, std::max(begin, end)}; }

  /// Byte range of a token; conjured tokens (error recovery) get an empty range
  /// where ANTLR placed them.
  SourceRange TokRange(const Token* t) const {
    if (t == nullptr) return Range(0, 0);
    size_t start = t->getStartIndex();
    size_t stop = t->getStopIndex();
    if (start == INVALID_INDEX || t->getTokenIndex() == INVALID_INDEX) {
      uint32_t b = map.ByteAtLineCol(t->getLine(), t->getCharPositionInLine());
      return Range(b, b);
    }
    uint32_t b = map.Byte(start);
    uint32_t e = (stop == INVALID_INDEX || stop + 1 <= start) ? b : map.Byte(stop + 1);
    return Range(b, e);
  }

  std::string_view Slice(SourceRange r) const {
    if (r.begin >= text.size()) return {};
    return text.substr(r.begin, std::min<size_t>(r.end, text.size()) - r.begin);
  }

  std::string TokText(const Token* t) const { return std::string(Slice(TokRange(t))); }
};

SourceRange Join(SourceRange a, SourceRange b) {
  if (!a.valid()) return b;
  if (!b.valid()) return a;
  return SourceRange{a.file, std::min(a.begin, b.begin), std::max(a.end, b.end)};
}

bool IsConjured(const Token* t) { return t == nullptr || t->getTokenIndex() == INVALID_INDEX; }

/// `found` wording for a token: its text in backticks, or "end of file".
std::string FoundText(const ParseState& st, const Token* t) {
  if (t == nullptr) return "end of file";
  if (t->getType() == Token::EOF) {
    // A chunk's end (see SplitDeclarations) sits on the next declaration's keyword.
    size_t at = t->getStartIndex();
    if (at == INVALID_INDEX || at >= st.map.code_points.size()) return "end of file";
    uint32_t b = st.map.Byte(at);
    size_t n = 0;
    while (b + n < st.text.size() && (std::isalnum(static_cast<unsigned char>(st.text[b + n])) || st.text[b + n] == '_')) ++n;
    return fmt::format("the next declaration (`{}`)", st.text.substr(b, n));
  }
  std::string text(st.TokText(t));
  if (text.size() > 24) text = text.substr(0, 21) + "...";
  std::string shown;
  for (unsigned char c : text) {
    if (c == '\n') shown += "\\n";
    else if (c < 0x20 || c == 0x7F) shown += fmt::format("\\x{:02X}", c);
    else shown += static_cast<char>(c);
  }
  return fmt::format("`{}`", shown);
}

/// The nearest default-channel token after token index `idx`.
const Token* NextToken(antlr4::BufferedTokenStream& stream, size_t idx) {
  if (idx == INVALID_INDEX) return nullptr;
  for (size_t i = idx + 1; i < stream.size(); ++i) {
    Token* t = stream.get(i);
    if (t->getChannel() == Token::DEFAULT_CHANNEL) return t;
  }
  return nullptr;
}

/// The nearest default-channel token after index `idx` of a token list.
const Token* NextToken(const std::vector<Token*>& tokens, size_t idx) {
  for (size_t i = idx + 1; i < tokens.size(); ++i) {
    if (tokens[i]->getChannel() == Token::DEFAULT_CHANNEL) return tokens[i];
  }
  return nullptr;
}

/// Tokens that start a declaration or a segment clause: error recovery never
/// deletes them (they are where the user's next intent begins).
bool IsSyncKeyword(size_t type) {
  switch (type) {
    case P::USE: case P::CONST: case P::DEFINE: case P::SEGMENT: case P::CAMPAIGN: case P::EXCLUDE:
    case P::CHANNEL: case P::MESSAGE: case P::CTA: case P::PURPOSE: case P::HOLDOUT: case P::EXPORT:
    case P::PRIORITY: case P::IF: case P::TEST:
      return true;
    default:
      return false;
  }
}

// ---- Lexical pre-pass ------------------------------------------------------------

/// How a bad character is shown in E0004.
std::string ShowChar(const ParseState& st, const Token* t) {
  size_t idx = t->getStartIndex();
  if (idx < st.map.invalid.size() && st.map.invalid[idx]) {
    uint32_t b = st.map.Byte(idx);
    return fmt::format("\\x{:02X}", static_cast<unsigned char>(st.text[b]));
  }
  char32_t cp = idx < st.map.code_points.size() ? st.map.code_points[idx] : 0;
  if (cp < 0x20 || cp == 0x7F) return fmt::format("\\x{:02X}", static_cast<unsigned>(cp));
  if (cp >= 0x80 && cp < 0xA0) return fmt::format("\\u{{{:04X}}}", static_cast<unsigned>(cp));
  return st.TokText(t);
}

/// Reports lexical errors (runs of bad characters, unterminated strings) and
/// records comments. Sets st.stopped when too many errors stop everything.
void LexicalPass(ParseState& st, const std::vector<Token*>& tokens, ast::Module& m) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    Token* t = tokens[i];
    switch (t->getType()) {
      case P::COMMENT:
        m.comments.push_back(ast::Comment{st.TokRange(t)});
        break;
      case P::UNTERMINATED_STRING: {
        SourceRange r = st.TokRange(t);
        if (st.CanReport(r)) st.diags.Emit(DiagKind::UnterminatedString, r);
        break;
      }
      case P::ERROR_CHAR: {
        // One diagnostic per run of adjacent bad characters.
        SourceRange r = st.TokRange(t);
        size_t j = i;
        while (j + 1 < tokens.size() && tokens[j + 1]->getType() == P::ERROR_CHAR &&
               tokens[j + 1]->getStartIndex() == tokens[j]->getStopIndex() + 1) {
          ++j;
          r = Join(r, st.TokRange(tokens[j]));
        }
        if (st.CanReport(r)) st.diags.Emit(DiagKind::InvalidCharacter, r, ShowChar(st, t));
        i = j;
        break;
      }
      default:
        break;
    }
  }
}

/// Estimates expression depth on the token stream so that ANTLR (recursive
/// descent) and every later recursive pass stay within the stack. Structural
/// nesting (brackets, quantifier bodies, prefix `not`/`-` runs) is bounded by
/// max_nesting; adding operator chains, by 8 x max_nesting. Returns false
/// after reporting E0005.
bool CheckNesting(ParseState& st, const std::vector<Token*>& tokens) {
  struct Frame {
    uint32_t quants = 0;
    uint32_t ops = 0;
    uint32_t run_at_open = 0;
  };
  std::vector<Frame> frames(1);
  uint32_t structural = 0;  // sum over frames of (1 + quants + run_at_open), plus run
  uint32_t ops_total = 0;
  uint32_t run = 0;
  const uint32_t max_struct = st.limits.max_nesting;
  const uint32_t max_total = st.limits.max_nesting * 8;
  size_t prev = 0;  // previous default-channel token type (0 = none)
  auto ends_operand = [](size_t type) {
    return type == P::IDENT || type == P::INT || type == P::DECIMAL || type == P::STRING ||
           type == P::UNTERMINATED_STRING || type == P::DATE || type == P::TIMESTAMP || type == P::TODAY ||
           type == P::NOW || type == P::TRUE || type == P::FALSE || type == P::RPAREN || type == P::RBRACK ||
           type == P::PERCENT;
  };
  auto reset = [&] {
    frames.assign(1, Frame{});
    structural = 0;
    ops_total = 0;
    run = 0;
  };
  for (Token* t : tokens) {
    if (t->getChannel() != Token::DEFAULT_CHANNEL) continue;
    size_t type = t->getType();
    bool after_dot = prev == P::DOT;
    bool prefix_pos = !ends_operand(prev) && !after_dot;
    if (after_dot) {
      // A keyword after `.` is a field name: an operand.
      run = 0;
    } else if (type == P::USE || type == P::CONST || type == P::DEFINE || type == P::SEGMENT ||
               type == P::CAMPAIGN || type == P::EXCLUDE || type == P::CHANNEL || type == P::IF ||
               type == P::MESSAGE || type == P::CTA || type == P::PURPOSE || type == P::HOLDOUT ||
               type == P::EXPORT || type == P::PRIORITY) {
      if (!(type == P::SEGMENT && prev == P::IN)) reset();
    } else if (type == P::LPAREN || type == P::LBRACK) {
      frames.push_back(Frame{0, 0, run});
      structural += 1 + run;
      run = 0;
    } else if (type == P::RPAREN || type == P::RBRACK) {
      if (frames.size() > 1) {
        Frame f = frames.back();
        frames.pop_back();
        structural -= std::min(structural, 1 + f.run_at_open + f.quants);
        ops_total -= std::min(ops_total, f.ops);
      }
      run = 0;
    } else if ((type == P::NOT || type == P::MINUS) && prefix_pos) {
      ++run;
    } else if (type == P::ANY || type == P::ALL || type == P::NO) {
      ++frames.back().quants;
      structural += 1 + run;  // the prefix run stays below the quantifier
      frames.back().quants += run;
      run = 0;
    } else if (type == P::AND || type == P::OR || type == P::PLUS || type == P::MINUS || type == P::STAR ||
               type == P::SLASH || type == P::EQ || type == P::NE || type == P::LT || type == P::LE ||
               type == P::GT || type == P::GE || type == P::BEFORE || type == P::AFTER || type == P::IN ||
               type == P::WITHIN || type == P::DOT) {
      ++frames.back().ops;
      ++ops_total;
      run = 0;
    } else {
      run = 0;
    }
    uint32_t s = structural + run;
    if (s > max_struct || s + ops_total > max_total) {
      SourceRange r = st.TokRange(t);
      st.diags.Emit(DiagKind::NestingTooDeep, r, s > max_struct ? max_struct : max_total);
      return false;
    }
    prev = type;
  }
  return true;
}

// ---- Declaration chunks ----------------------------------------------------------

/// A half-open range of token indices [begin, end) holding whole declarations.
struct Chunk {
  size_t begin = 0;
  size_t end = 0;
};

/// Keywords that start a top-level declaration.
bool IsDeclKeyword(size_t type) {
  return type == P::USE || type == P::CONST || type == P::DEFINE || type == P::SEGMENT || type == P::CAMPAIGN ||
         type == P::TEST;
}

/// Splits the token stream before every declaration keyword that is the first
/// token of its line (docs/language.md: declarations start a line). The parser then
/// cannot read a following declaration as the tail of a broken one
/// (`if consent.` + `segment B` is not the field `consent.segment`; `== in` +
/// `segment B` is not `in segment B`). A keyword followed by `:` is a fixture
/// field name, not a declaration.
std::vector<Chunk> SplitDeclarations(const std::vector<Token*>& tokens) {
  std::vector<Chunk> chunks;
  size_t begin = 0;
  size_t prev_line = 0;  // line of the previous default-channel token (0 = none)
  for (size_t i = 0; i < tokens.size(); ++i) {
    const Token* t = tokens[i];
    if (t->getChannel() != Token::DEFAULT_CHANNEL || t->getType() == Token::EOF) continue;
    bool line_start = t->getLine() > prev_line;
    prev_line = t->getLine();
    if (!line_start || !IsDeclKeyword(t->getType())) continue;
    const Token* next = NextToken(tokens, i);
    if (next != nullptr && next->getType() == P::COLON) continue;
    if (i > begin) chunks.push_back(Chunk{begin, i});
    begin = i;
  }
  // The last chunk keeps the real EOF token.
  chunks.push_back(Chunk{begin, tokens.size()});
  return chunks;
}

/// The tokens of one chunk as a token source, ending with an EOF token placed
/// at the next declaration (so errors point to the end of this one). Copies
/// keep the character positions, so ranges map to the file as before.
struct ChunkTokens {
  antlr4::ListTokenSource source;

  ChunkTokens(const std::vector<Token*>& all, Chunk c) : source(Copy(all, c)) {}

  static std::vector<std::unique_ptr<Token>> Copy(const std::vector<Token*>& all, Chunk c) {
    std::vector<std::unique_ptr<Token>> out;
    for (size_t i = c.begin; i < c.end; ++i) {
      if (all[i]->getType() == Token::EOF) break;
      out.push_back(std::make_unique<antlr4::CommonToken>(all[i]));
    }
    Token* at = c.end < all.size() ? all[c.end] : all.back();
    auto eof = std::make_unique<antlr4::CommonToken>(
        std::make_pair(at->getTokenSource(), at->getInputStream()), Token::EOF, Token::DEFAULT_CHANNEL,
        at->getStartIndex(), at->getStartIndex() - 1);
    eof->setText("<EOF>");
    eof->setLine(at->getLine());
    eof->setCharPositionInLine(at->getCharPositionInLine());
    out.push_back(std::move(eof));
    return out;
  }
};

// ---- Syntax errors -------------------------------------------------------------

/// Describes what the parser expected in user terms ("`where` after segment
/// name", "an expression", "a segment clause or a declaration").
class ErrorPhraser {
 public:
  ErrorPhraser(const ParseState& st, P* parser) : st_(st), parser_(parser) {}

  std::string Describe(const antlr4::misc::IntervalSet& expected_in, const Token* offending,
                       const antlr4::ParserRuleContext* ctx) {
    std::vector<size_t> expected;
    for (const auto& iv : expected_in.getIntervals()) {
      for (ssize_t v = iv.a; v <= iv.b && v >= 0 && expected.size() < 256; ++v) expected.push_back(static_cast<size_t>(v));
    }
    auto has = [&](size_t t) { return std::find(expected.begin(), expected.end(), t) != expected.end(); };
    auto drop = [&](std::initializer_list<size_t> ts) {
      for (size_t t : ts) expected.erase(std::remove(expected.begin(), expected.end(), t), expected.end());
    };
    const Token* prev = PrevToken(offending);
    size_t prev_type = prev ? prev->getType() : 0;
    size_t rule = ctx ? ctx->getRuleIndex() : SIZE_MAX;

    // The segment header: name, optional description, then `where`.
    if (rule == P::RuleSegmentDecl && has(P::WHERE) && !has(P::EXCLUDE)) {
      return prev_type == P::STRING || prev_type == P::UNTERMINATED_STRING
                 ? "`where` after the segment description"
                 : "`where` after segment name";
    }
    if (prev_type == P::DOT) return "a field name after `.`";

    std::vector<std::string> parts;
    // `define x = a b`: the expression ended, but the user meant to go on.
    if (!has(P::PLUS) && EndsOperand(prev_type) && offending != nullptr && StartsOperand(offending->getType()) &&
        rule != P::RuleCampaignDecl) {
      const Token* before = PrevToken(prev);
      size_t bt = before ? before->getType() : 0;
      // Not after a declared name (`segment S x`, `use Patient x`).
      if (bt != P::USE && bt != P::SEGMENT && bt != P::CAMPAIGN && bt != P::CHANNEL && bt != P::DEFINE &&
          bt != P::CONST && bt != P::PURPOSE) {
        parts.push_back("an operator");
      }
    }
    if (has(P::IDENT) && has(P::LPAREN) && has(P::INT)) {
      parts.push_back("an expression");
      drop({P::NOT, P::ANY, P::ALL, P::NO, P::MINUS, P::TRUE, P::FALSE, P::INT, P::DECIMAL, P::STRING,
            P::UNTERMINATED_STRING, P::DATE, P::TIMESTAMP, P::TODAY, P::NOW, P::LPAREN, P::LBRACK, P::COUNT,
            P::MIN, P::MAX, P::IN, P::IDENT, P::CONTACTED});
    }
    if (has(P::PLUS) && has(P::STAR)) {
      parts.push_back("an operator");
      drop({P::OR, P::AND, P::EQ, P::NE, P::LT, P::LE, P::GT, P::GE, P::BEFORE, P::AFTER, P::IN, P::NOT, P::IS,
            P::WITHIN, P::PLUS, P::MINUS, P::STAR, P::SLASH, P::DOT});
    }
    int clauses = 0;
    for (size_t t : {P::EXCLUDE, P::CHANNEL, P::MESSAGE, P::CTA, P::PURPOSE, P::HOLDOUT, P::EXPORT}) clauses += has(t);
    if (clauses >= 4) {
      parts.push_back("a segment clause");
      drop({P::WHERE, P::EXCLUDE, P::CHANNEL, P::MESSAGE, P::CTA, P::PURPOSE, P::HOLDOUT, P::EXPORT});
    }
    int decls = 0;
    for (size_t t : {P::USE, P::CONST, P::DEFINE, P::SEGMENT, P::CAMPAIGN}) decls += has(t);
    if (decls >= 4) {
      parts.push_back("a declaration");
      drop({P::USE, P::CONST, P::DEFINE, P::SEGMENT, P::CAMPAIGN, P::TEST, Token::EOF});
    }
    // Strings are accepted unterminated (reported separately): one entry.
    if (has(P::STRING)) drop({P::UNTERMINATED_STRING});
    if (has(P::INT)) drop({P::DECIMAL});
    for (size_t t : expected) parts.push_back(Expected(t, prev_type, rule));
    if (parts.empty()) return "something else";
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
      if (i > 0) out += i + 1 == parts.size() ? " or " : ", ";
      out += parts[i];
    }
    if (prev != nullptr && IsKeyword(prev_type) && parts.size() <= 2 && out.find("operator") == std::string::npos) {
      out += fmt::format(" after `{}`", Literal(prev_type));
    }
    return out;
  }

  /// `found` wording for the offending token.
  std::string Found(const Token* t) const { return FoundText(st_, t); }

  static bool EndsOperand(size_t t) {
    return t == P::IDENT || t == P::INT || t == P::DECIMAL || t == P::STRING || t == P::DATE ||
           t == P::TIMESTAMP || t == P::TODAY || t == P::NOW || t == P::TRUE || t == P::FALSE ||
           t == P::RPAREN || t == P::RBRACK;
  }
  static bool StartsOperand(size_t t) {
    return t == P::IDENT || t == P::INT || t == P::DECIMAL || t == P::STRING || t == P::DATE ||
           t == P::TIMESTAMP || t == P::TODAY || t == P::NOW || t == P::TRUE || t == P::FALSE ||
           t == P::LPAREN || t == P::LBRACK || t == P::CONTACTED;
  }

  /// The nearest default-channel token before `t`.
  const Token* PrevToken(const Token* t) const {
    if (t == nullptr) return nullptr;
    auto* stream = dynamic_cast<antlr4::BufferedTokenStream*>(parser_->getTokenStream());
    size_t idx = t->getTokenIndex();
    if (stream == nullptr || idx == INVALID_INDEX) return nullptr;
    while (idx > 0) {
      --idx;
      Token* p = stream->get(idx);
      if (p->getChannel() == Token::DEFAULT_CHANNEL) return p;
    }
    return nullptr;
  }

 private:
  std::string Literal(size_t type) const {
    std::string lit = parser_->getVocabulary().getLiteralName(type);
    if (lit.size() >= 2 && lit.front() == '\'') lit = lit.substr(1, lit.size() - 2);
    return lit;
  }

  std::string Expected(size_t type, size_t prev_type, size_t rule) const {
    switch (type) {
      case Token::EOF: return "end of file";
      case P::IDENT:
        switch (prev_type) {
          case P::SEGMENT: return "a segment name";
          case P::CHANNEL: return "a channel name";
          case P::CAMPAIGN: return "a campaign name";
          case P::PURPOSE: return "a purpose (`marketing`, `operations` or `treatment`)";
          case P::PRIORITY: return "a segment name";
          case P::COMMA: return rule == P::RuleCampaignDecl ? "a segment name" : "a name";
          case P::ANY: case P::ALL: case P::NO: case P::FOR: return "a variable name";
          default: return "a name";
        }
      case P::INT: return "a number";
      case P::DECIMAL: return "a number";
      case P::STRING: case P::UNTERMINATED_STRING: return "a string";
      case P::DATE: return "a date";
      case P::TIMESTAMP: return "a timestamp";
      default: return fmt::format("`{}`", Literal(type));
    }
  }

  const ParseState& st_;
  P* parser_;
};

/// DefaultErrorStrategy's recovery, with our diagnostics instead of console
/// messages, and a hard stop after max_errors.
class CohortErrorStrategy : public antlr4::DefaultErrorStrategy {
 public:
  explicit CohortErrorStrategy(ParseState& st) : st_(st) {}

  void recover(antlr4::Parser* recognizer, std::exception_ptr e) override {
    if (st_.stopped) {
      SkipToEnd(recognizer);
      return;
    }
    DefaultErrorStrategy::recover(recognizer, e);
  }

  void sync(antlr4::Parser* recognizer) override {
    if (st_.stopped) return;
    DefaultErrorStrategy::sync(recognizer);
  }

  Token* recoverInline(antlr4::Parser* recognizer) override {
    if (st_.stopped) throw antlr4::InputMismatchException(recognizer);
    return DefaultErrorStrategy::recoverInline(recognizer);
  }

  Token* singleTokenDeletion(antlr4::Parser* recognizer) override {
    if (IsSyncKeyword(recognizer->getInputStream()->LA(1))) return nullptr;
    return DefaultErrorStrategy::singleTokenDeletion(recognizer);
  }

 protected:
  void reportNoViableAlternative(antlr4::Parser* recognizer, const antlr4::NoViableAltException& e) override {
    Report(recognizer, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportInputMismatch(antlr4::Parser* recognizer, const antlr4::InputMismatchException& e) override {
    Report(recognizer, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportFailedPredicate(antlr4::Parser* recognizer, const antlr4::FailedPredicateException& e) override {
    Report(recognizer, e.getOffendingToken(), e.getExpectedTokens());
  }
  void reportUnwantedToken(antlr4::Parser* recognizer) override {
    if (inErrorRecoveryMode(recognizer)) return;
    beginErrorCondition(recognizer);
    Report(recognizer, recognizer->getCurrentToken(), getExpectedTokens(recognizer));
  }
  void reportMissingToken(antlr4::Parser* recognizer) override {
    if (inErrorRecoveryMode(recognizer)) return;
    beginErrorCondition(recognizer);
    Report(recognizer, recognizer->getCurrentToken(), getExpectedTokens(recognizer));
  }

 private:
  void Report(antlr4::Parser* recognizer, Token* offending, const antlr4::misc::IntervalSet& expected) {
    auto* parser = static_cast<P*>(recognizer);
    ErrorPhraser phraser(st_, parser);
    SourceRange r = st_.TokRange(offending);
    // At end of file, point just after the last real token.
    if (offending != nullptr && offending->getType() == Token::EOF) {
      if (const Token* prev = phraser.PrevToken(offending)) {
        uint32_t e = st_.TokRange(prev).end;
        r = st_.Range(e, e);
      }
    }
    if (!st_.CanReport(r)) return;
    st_.error_offsets.insert(r.begin);
    const Token* prev = phraser.PrevToken(offending);
    if (prev != nullptr && prev->getType() == P::DECIMAL && offending->getType() == P::IDENT) {
      const auto& units = DurationUnits();
      if (std::find(units.begin(), units.end(), st_.TokText(offending)) != units.end()) {
        st_.diags.Emit(DiagKind::SyntaxError, Join(st_.TokRange(prev), r),
                       "a duration takes a whole number; use a smaller unit (`36 hours`, not `1.5 days`)");
        return;
      }
    }
    std::string want = phraser.Describe(expected, offending, recognizer->getContext());
    st_.diags.Emit(DiagKind::UnexpectedToken, r, want, phraser.Found(offending));
  }

  void SkipToEnd(antlr4::Parser* recognizer) {
    auto* stream = recognizer->getTokenStream();
    stream->seek(stream->size() - 1);  // the stream was filled: the last token is EOF
  }

  ParseState& st_;
};

/// Catches anything that reaches ANTLR's listener path (should not happen: our
/// strategy reports everything) so nothing is printed to the console.
class FallbackListener : public antlr4::BaseErrorListener {
 public:
  explicit FallbackListener(ParseState& st) : st_(st) {}
  void syntaxError(antlr4::Recognizer*, Token* offending, size_t line, size_t col, const std::string& msg,
                   std::exception_ptr) override {
    uint32_t b = offending ? st_.TokRange(offending).begin : st_.map.ByteAtLineCol(line, col);
    SourceRange r = offending ? st_.TokRange(offending) : st_.Range(b, b);
    if (st_.CanReport(r)) st_.diags.Emit(DiagKind::SyntaxError, r, msg);
  }

 private:
  ParseState& st_;
};

// ---- Parse tree -> AST -------------------------------------------------------------

class AstBuilder {
 public:
  AstBuilder(ParseState& st, antlr4::BufferedTokenStream& tokens) : st_(st), tokens_(tokens) {}

  void BuildFile(P::File_Context* ctx, ast::Module& m) {
    if (ctx == nullptr) return;
    for (P::DeclContext* d : ctx->decl()) {
      if (d == nullptr) continue;
      if (auto* u = d->useDecl()) BuildUse(u, m);
      else if (auto* c = d->constDecl()) BuildConst(c, m);
      else if (auto* df = d->defineDecl()) BuildDefine(df, m);
      else if (auto* s = d->segmentDecl()) BuildSegment(s, m);
      else if (auto* c2 = d->campaignDecl()) BuildCampaign(c2, m);
      else if (auto* t = d->testDecl()) BuildTest(t, m);
    }
  }

 private:
  using ExprPtr = ast::ExprPtr;

  // ---- helpers ----

  SourceRange Tok(antlr4::tree::TerminalNode* n) const { return n ? st_.TokRange(n->getSymbol()) : SourceRange{}; }
  SourceRange Tok(const Token* t) const { return st_.TokRange(t); }

  /// Range of a rule context: first token to last token actually consumed.
  SourceRange CtxRange(antlr4::ParserRuleContext* ctx) const {
    if (ctx == nullptr) return {};
    SourceRange b = st_.TokRange(ctx->getStart());
    const Token* stop = ctx->getStop();
    if (stop == nullptr || IsConjured(stop) || stop->getTokenIndex() < ctx->getStart()->getTokenIndex()) {
      return st_.Range(b.begin, b.begin);
    }
    return Join(b, st_.TokRange(stop));
  }

  /// Text of a name token; empty for tokens conjured by error recovery.
  std::string Name(antlr4::tree::TerminalNode* n) const {
    if (n == nullptr || IsConjured(n->getSymbol())) return {};
    return st_.TokText(n->getSymbol());
  }

  std::string StringValue(P::String_Context* ctx) {
    if (ctx == nullptr) return {};
    const Token* t = ctx->getStart();
    if (t == nullptr || IsConjured(t)) return {};
    std::string_view raw = st_.Slice(st_.TokRange(t));
    std::string_view body = raw.size() >= 1 ? raw.substr(1) : raw;
    if (ctx->STRING() != nullptr && !body.empty()) body.remove_suffix(1);
    parse::UnescapeResult u = parse::UnescapeString(body);
    // A trailing backslash of an unterminated string was already reported (E0003).
    if (u.bad_escape != std::string::npos && u.bad_escape + 1 < body.size()) {
      uint32_t at = st_.TokRange(t).begin + 1 + static_cast<uint32_t>(u.bad_escape);
      SourceRange r = st_.Range(at, at + 2);
      if (st_.CanReport(r)) {
        st_.diags.Emit(DiagKind::SyntaxError, r,
                       fmt::format("unknown escape `\\{}` in string; use `\\\"`, `\\\\`, `\\n` or `\\t`",
                                   body[u.bad_escape + 1]));
      }
    }
    return u.value;
  }

  ExprPtr Make(ast::ExprKind kind, SourceRange range) {
    auto e = std::make_unique<ast::Expr>();
    e->kind = kind;
    e->range = range;
    return e;
  }

  ExprPtr ErrorExpr(SourceRange range) { return Make(ast::ExprKind::kError, range); }

  /// An error placeholder positioned after `after` when a sub-expression is missing.
  ExprPtr Missing(SourceRange after) { return ErrorExpr(st_.Range(after.end, after.end)); }

  /// The first child of type T that comes after terminal `after` (or any, if null).
  template <typename T>
  T* ChildAfter(antlr4::ParserRuleContext* ctx, antlr4::tree::TerminalNode* after) {
    bool seen = after == nullptr;
    for (auto* c : ctx->children) {
      if (!seen) {
        seen = c == after;
        continue;
      }
      if (auto* t = dynamic_cast<T*>(c)) return t;
    }
    return nullptr;
  }

  // ---- declarations ----

  void BuildUse(P::UseDeclContext* ctx, ast::Module& m) {
    ast::Use u;
    u.range = CtxRange(ctx);
    if (ctx->string_() != nullptr) {
      u.name = StringValue(ctx->string_());
      u.is_path = true;
    } else {
      u.name = Name(ctx->IDENT());
    }
    m.order.emplace_back(ast::Module::DeclKind::kUse, m.uses.size());
    m.uses.push_back(std::move(u));
  }

  void BuildConst(P::ConstDeclContext* ctx, ast::Module& m) {
    ast::Const c;
    c.name = Name(ctx->IDENT());
    c.name_range = Tok(ctx->IDENT());
    c.range = CtxRange(ctx);
    c.value = ctx->expr() ? BuildExpr(ctx->expr()) : Missing(c.range);
    m.order.emplace_back(ast::Module::DeclKind::kConst, m.consts.size());
    m.consts.push_back(std::move(c));
  }

  void BuildDefine(P::DefineDeclContext* ctx, ast::Module& m) {
    ast::Define d;
    d.name = Name(ctx->IDENT());
    d.name_range = Tok(ctx->IDENT());
    d.range = CtxRange(ctx);
    d.body = ctx->expr() ? BuildExpr(ctx->expr()) : Missing(d.range);
    m.order.emplace_back(ast::Module::DeclKind::kDefine, m.defines.size());
    m.defines.push_back(std::move(d));
  }

  void BuildSegment(P::SegmentDeclContext* ctx, ast::Module& m) {
    ast::Segment s;
    s.name = Name(ctx->IDENT());
    s.name_range = Tok(ctx->IDENT());
    s.range = CtxRange(ctx);
    if (ctx->string_() != nullptr) s.description = StringValue(ctx->string_());
    auto duplicate = [&](const char* clause, antlr4::ParserRuleContext* c) {
      s.duplicate_clauses.push_back(ast::Named{clause, CtxRange(c)});
    };
    auto where = [&](P::WhereClauseContext* w) {
      if (s.where != nullptr) return duplicate("where", w);
      s.where = w->expr() ? BuildExpr(w->expr()) : Missing(CtxRange(w));
    };
    for (P::SegmentClauseContext* c : ctx->segmentClause()) {
      if (c == nullptr) continue;
      if (auto* w = c->whereClause()) {
        where(w);
      } else if (auto* ex = c->excludeClause()) {
        s.excludes.push_back(ex->expr() ? BuildExpr(ex->expr()) : Missing(CtxRange(ex)));
      } else if (auto* ch = c->channelClause()) {
        s.channels.push_back(BuildChannel(ch));
      } else if (auto* msg = c->messageClause()) {
        if (s.message) duplicate("message", msg);
        else s.message = ast::Named{StringValue(msg->string_()), CtxRange(msg->string_())};
      } else if (auto* cta = c->ctaClause()) {
        if (s.cta) duplicate("cta", cta);
        else s.cta = ast::Named{StringValue(cta->string_()), CtxRange(cta->string_())};
      } else if (auto* pur = c->purposeClause()) {
        if (s.purpose) duplicate("purpose", pur);
        else s.purpose = ast::Named{Name(pur->IDENT()), Tok(pur->IDENT())};
      } else if (auto* h = c->holdoutClause()) {
        if (s.holdout != nullptr) duplicate("holdout", h);
        else s.holdout = BuildHoldout(h);
      } else if (auto* exp = c->exportClause()) {
        if (!s.exports.empty()) {
          duplicate("export", exp);
        } else {
          for (P::PathContext* p : exp->path()) {
            if (p == nullptr || IsConjured(p->getStart())) continue;
            std::string path = Name(p->IDENT());
            for (P::FieldNameContext* f : p->fieldName()) {
              if (f == nullptr || IsConjured(f->getStart())) continue;
              path += "." + st_.TokText(f->getStart());
            }
            s.exports.push_back(ast::Named{std::move(path), CtxRange(p)});
          }
        }
      } else if (auto* v = c->variantClause()) {
        s.variants.push_back(BuildVariant(v));
      } else if (auto* g = c->goalClause()) {
        s.goals.push_back(BuildGoal(g));
      }
    }
    if (s.where == nullptr) ReportMissingWhere(ctx);
    m.order.emplace_back(ast::Module::DeclKind::kSegment, m.segments.size());
    m.segments.push_back(std::move(s));
  }

  /// The grammar lets clauses come in any order so that a segment without
  /// `where` still parses whole; the missing clause is reported here.
  void ReportMissingWhere(P::SegmentDeclContext* ctx) {
    const Token* header_end = ctx->string_() ? ctx->string_()->getStop()
                              : ctx->IDENT() ? ctx->IDENT()->getSymbol()
                                             : ctx->getStart();
    if (header_end == nullptr || IsConjured(header_end)) return;  // already reported
    const Token* next = NextToken(tokens_, header_end->getTokenIndex());
    SourceRange r = next ? st_.TokRange(next) : st_.TokRange(header_end);
    if (next != nullptr && next->getType() == Token::EOF) {
      uint32_t e = st_.TokRange(header_end).end;
      r = st_.Range(e, e);
    }
    const char* want = ctx->string_() ? "`where` after the segment description" : "`where` after segment name";
    if (st_.error_offsets.count(r.begin) != 0) {
      // The parser already complained here ("expected a declaration"): say
      // what is actually missing instead.
      for (Diagnostic& d : st_.diags.all()) {
        if (d.kind == DiagKind::UnexpectedToken && d.range.file == r.file && d.range.begin == r.begin) {
          d.message = fmt::format(fmt::runtime(GetDiagInfo(d.kind).format), want, FoundText(st_, next));
        }
      }
      return;
    }
    if (!st_.CanReport(r)) return;
    st_.error_offsets.insert(r.begin);
    st_.diags.Emit(DiagKind::UnexpectedToken, r, want, FoundText(st_, next));
  }

  ast::ChannelClause BuildChannel(P::ChannelClauseContext* ctx) {
    ast::ChannelClause c;
    c.name = Name(ctx->IDENT());
    c.name_range = Tok(ctx->IDENT());
    c.range = CtxRange(ctx);
    if (ctx->AFTER() != nullptr) c.after = ctx->additive() ? BuildAdditive(ctx->additive()) : Missing(Tok(ctx->AFTER()));
    if (ctx->IF() != nullptr) {
      c.if_range = Tok(ctx->IF());
      c.condition = ctx->expr() ? BuildExpr(ctx->expr()) : Missing(c.if_range);
    }
    return c;
  }

  ExprPtr BuildHoldout(P::HoldoutClauseContext* ctx) {
    antlr4::tree::TerminalNode* num = ctx->INT() ? ctx->INT() : ctx->DECIMAL();
    if (num == nullptr || IsConjured(num->getSymbol())) return Missing(CtxRange(ctx));
    SourceRange r = Tok(num);
    if (ctx->PERCENT() != nullptr && !IsConjured(ctx->PERCENT()->getSymbol())) r = Join(r, Tok(ctx->PERCENT()));
    auto e = Make(ast::ExprKind::kPercentLit, r);
    e->decimal_value = ParseDecimal(num);
    return e;
  }

  // ---- Outcomes: variants and goals (issue 12) ----

  ast::VariantClause BuildVariant(P::VariantClauseContext* ctx) {
    ast::VariantClause v;
    v.name = Name(ctx->IDENT());
    v.name_range = Tok(ctx->IDENT());
    v.range = CtxRange(ctx);
    antlr4::tree::TerminalNode* num = ctx->INT() ? ctx->INT() : ctx->DECIMAL();
    if (num == nullptr || IsConjured(num->getSymbol())) {
      v.share = Missing(v.name_range);
    } else {
      SourceRange r = Tok(num);
      if (ctx->PERCENT() != nullptr && !IsConjured(ctx->PERCENT()->getSymbol())) r = Join(r, Tok(ctx->PERCENT()));
      v.share = Make(ast::ExprKind::kPercentLit, r);
      v.share->decimal_value = ParseDecimal(num);
    }
    std::vector<P::String_Context*> strings = ctx->string_();
    size_t k = 0;
    if (ctx->MESSAGE() != nullptr && k < strings.size()) {
      v.message = ast::Named{StringValue(strings[k]), CtxRange(strings[k])};
      ++k;
    }
    if (ctx->CTA() != nullptr && k < strings.size()) v.cta = ast::Named{StringValue(strings[k]), CtxRange(strings[k])};
    return v;
  }

  ast::GoalClause BuildGoal(P::GoalClauseContext* ctx) {
    ast::GoalClause g;
    g.range = CtxRange(ctx);
    if (auto* k = dynamic_cast<P::GoalKindContext*>(ctx)) {
      g.kind = ast::Named{Name(k->IDENT()), Tok(k->IDENT())};
      g.within = k->additive() ? BuildAdditive(k->additive()) : Missing(g.range);
    } else if (auto* a = dynamic_cast<P::GoalAnyContext*>(ctx)) {
      auto q = Make(ast::ExprKind::kQuantifier, g.range);
      q->quant = ast::Quant::kAny;
      q->var = Name(a->IDENT());
      q->var_range = Tok(a->IDENT());
      std::vector<P::AdditiveContext*> adds = a->additive();
      q->args.push_back(!adds.empty() && adds[0] ? BuildAdditive(adds[0]) : Missing(q->var_range));
      q->args.push_back(a->expr() ? BuildExpr(a->expr()) : Missing(q->var_range));
      if (a->expr() != nullptr) q->range = Join(Tok(a->ANY()), CtxRange(a->expr()));
      g.quantifier = std::move(q);
      g.within = adds.size() > 1 && adds[1] ? BuildAdditive(adds[1]) : Missing(g.range);
    }
    return g;
  }

  // ---- end of outcomes ----

  void BuildCampaign(P::CampaignDeclContext* ctx, ast::Module& m) {
    ast::Campaign c;
    std::vector<antlr4::tree::TerminalNode*> idents = ctx->IDENT();
    c.range = CtxRange(ctx);
    if (ctx->string_() != nullptr) c.description = StringValue(ctx->string_());
    for (size_t i = 0; i < idents.size(); ++i) {
      if (i == 0) {
        c.name = Name(idents[0]);
        c.name_range = Tok(idents[0]);
      } else if (!IsConjured(idents[i]->getSymbol())) {
        c.priority.push_back(ast::Named{Name(idents[i]), Tok(idents[i])});
      }
    }
    if (ctx->capClause() != nullptr) BuildCap(ctx->capClause(), &c);
    m.order.emplace_back(ast::Module::DeclKind::kCampaign, m.campaigns.size());
    m.campaigns.push_back(std::move(c));
  }

  // ---- issue 12: contact history and frequency caps ----

  /// `cap N message(s) per D day(s)`: the words are identifiers checked here.
  void BuildCap(P::CapClauseContext* ctx, ast::Campaign* c) {
    std::vector<antlr4::tree::TerminalNode*> w = ctx->IDENT();
    std::vector<antlr4::tree::TerminalNode*> n = ctx->INT();
    // `message` is a keyword (the segment clause): then only 3 identifiers.
    if (ctx->MESSAGE() != nullptr && w.size() == 3) w.insert(w.begin() + 1, ctx->MESSAGE());
    if (w.size() != 4 || n.size() != 2) return;  // ANTLR already reported the syntax error
    for (auto* t : w)
      if (IsConjured(t->getSymbol())) return;
    for (auto* t : n)
      if (IsConjured(t->getSymbol())) return;
    auto one_of = [&](antlr4::tree::TerminalNode* t, std::string_view a, std::string_view b, std::string_view what) {
      return Name(t) == a || Word(t, b, what);
    };
    if (!Word(w[0], "cap", "or `,` after the segment names")) return;
    if (!one_of(w[1], "message", "messages", "after the number of messages of `cap`")) return;
    if (!Word(w[2], "per", "in `cap N messages per D days`")) return;
    if (!one_of(w[3], "day", "days", "after the window of `cap` (a number of days)")) return;
    c->cap = ast::Named{"cap", CtxRange(ctx)};
    c->cap_messages = ParseInt(n[0]);
    c->cap_days = ParseInt(n[1]);
    c->cap_messages_range = Tok(n[0]);
    c->cap_days_range = Tok(n[1]);
  }

  /// `contacted [by C] within last N days`.
  ExprPtr BuildContacted(P::ContactedContext* ctx, SourceRange r) {
    auto e = Make(ast::ExprKind::kContacted, r);
    std::vector<antlr4::tree::TerminalNode*> w = ctx->IDENT();
    if (w.size() == 2 && !IsConjured(w[1]->getSymbol())) {
      Word(w[0], "by", "or `within` after `contacted`");
      e->text = Name(w[1]);
      e->text_range = Tok(w[1]);
    }
    e->args.push_back(ctx->additive() ? BuildAdditive(ctx->additive()) : Missing(r));
    return e;
  }

  // ---- expressions ----

  ExprPtr Binary(ast::Op op, ExprPtr l, ExprPtr r) {
    auto e = Make(ast::ExprKind::kBinary, Join(l->range, r->range));
    e->op = op;
    e->args.push_back(std::move(l));
    e->args.push_back(std::move(r));
    return e;
  }

  ExprPtr BuildExpr(P::ExprContext* ctx) {
    if (ctx == nullptr) return ErrorExpr({});
    std::vector<P::AndExprContext*> terms = ctx->andExpr();
    if (terms.empty()) return ErrorExpr(CtxRange(ctx));
    ExprPtr acc = BuildAnd(terms[0]);
    for (size_t i = 1; i < terms.size(); ++i) acc = Binary(ast::Op::kOr, std::move(acc), BuildAnd(terms[i]));
    return acc;
  }

  ExprPtr BuildAnd(P::AndExprContext* ctx) {
    if (ctx == nullptr) return ErrorExpr({});
    std::vector<P::NotExprContext*> terms = ctx->notExpr();
    if (terms.empty()) return ErrorExpr(CtxRange(ctx));
    ExprPtr acc = BuildNot(terms[0]);
    for (size_t i = 1; i < terms.size(); ++i) acc = Binary(ast::Op::kAnd, std::move(acc), BuildNot(terms[i]));
    return acc;
  }

  ExprPtr BuildNot(P::NotExprContext* ctx) {
    if (auto* n = dynamic_cast<P::NotOpContext*>(ctx)) {
      SourceRange kw = Tok(n->NOT());
      ExprPtr operand = n->notExpr() ? BuildNot(n->notExpr()) : Missing(kw);
      auto e = Make(ast::ExprKind::kUnary, Join(kw, operand->range));
      e->op = ast::Op::kNot;
      e->args.push_back(std::move(operand));
      return e;
    }
    if (auto* q = dynamic_cast<P::QuantOpContext*>(ctx)) return BuildQuantifier(q->quantifier());
    if (auto* c = dynamic_cast<P::CompareOpContext*>(ctx)) return BuildComparison(c->comparison());
    return ErrorExpr(CtxRange(ctx));
  }

  ExprPtr BuildQuantifier(P::QuantifierContext* ctx) {
    if (ctx == nullptr || ctx->q == nullptr) return ErrorExpr(CtxRange(ctx));
    auto e = Make(ast::ExprKind::kQuantifier, CtxRange(ctx));
    switch (ctx->q->getType()) {
      case P::ALL: e->quant = ast::Quant::kAll; break;
      case P::NO: e->quant = ast::Quant::kNo; break;
      default: e->quant = ast::Quant::kAny; break;
    }
    e->var = Name(ctx->IDENT());
    e->var_range = Tok(ctx->IDENT());
    e->args.push_back(ctx->additive() ? BuildAdditive(ctx->additive()) : Missing(e->var_range));
    e->args.push_back(ctx->expr() ? BuildExpr(ctx->expr()) : Missing(e->args[0]->range));
    e->range = Join(Tok(ctx->q), e->args[1]->range);
    return e;
  }

  ExprPtr BuildComparison(P::ComparisonContext* ctx) {
    if (ctx == nullptr) return ErrorExpr({});
    ExprPtr left = ctx->additive() ? BuildAdditive(ctx->additive()) : ErrorExpr(CtxRange(ctx));
    P::CompTailContext* tail = ctx->compTail();
    if (tail == nullptr) return left;
    SourceRange whole = Join(left->range, CtxRange(tail));
    if (auto* b = dynamic_cast<P::BinaryTailContext*>(tail)) {
      if (b->op == nullptr) return left;
      ast::Op op = ast::Op::kEq;
      switch (b->op->getType()) {
        case P::EQ: op = ast::Op::kEq; break;
        case P::NE: op = ast::Op::kNe; break;
        case P::LT: op = ast::Op::kLt; break;
        case P::LE: op = ast::Op::kLe; break;
        case P::GT: op = ast::Op::kGt; break;
        case P::GE: op = ast::Op::kGe; break;
        case P::BEFORE: op = ast::Op::kBefore; break;
        case P::AFTER: op = ast::Op::kAfter; break;
        default: break;
      }
      ExprPtr right = b->additive() ? BuildAdditive(b->additive()) : Missing(Tok(b->op));
      return Binary(op, std::move(left), std::move(right));
    }
    if (auto* in = dynamic_cast<P::InTailContext*>(tail)) {
      auto e = Make(ast::ExprKind::kIn, whole);
      e->negated = in->NOT() != nullptr;
      ExprPtr right = in->additive() ? BuildAdditive(in->additive()) : Missing(Tok(in->IN()));
      e->range = Join(e->range, right->range);
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right));
      return e;
    }
    if (auto* is = dynamic_cast<P::IsTailContext*>(tail)) {
      auto e = Make(ast::ExprKind::kIsMissing, whole);
      e->negated = (is->PRESENT() != nullptr) != (is->NOT() != nullptr);
      e->args.push_back(std::move(left));
      return e;
    }
    if (auto* w = dynamic_cast<P::WithinTailContext*>(tail)) {
      auto e = Make(ast::ExprKind::kWithin, whole);
      e->within_next = w->NEXT() != nullptr;
      ExprPtr right = w->additive() ? BuildAdditive(w->additive()) : Missing(Tok(w->WITHIN()));
      e->range = Join(e->range, right->range);
      e->args.push_back(std::move(left));
      e->args.push_back(std::move(right));
      return e;
    }
    return ErrorExpr(whole);
  }

  ExprPtr BuildAdditive(P::AdditiveContext* ctx) {
    if (ctx == nullptr) return ErrorExpr({});
    std::vector<P::MultiplicativeContext*> terms = ctx->multiplicative();
    std::vector<P::AddOpContext*> ops = ctx->addOp();
    if (terms.empty()) return ErrorExpr(CtxRange(ctx));
    ExprPtr acc = BuildMultiplicative(terms[0]);
    for (size_t i = 1; i < terms.size(); ++i) {
      ast::Op op = (i - 1 < ops.size() && ops[i - 1]->MINUS() != nullptr) ? ast::Op::kSub : ast::Op::kAdd;
      acc = Binary(op, std::move(acc), BuildMultiplicative(terms[i]));
    }
    return acc;
  }

  ExprPtr BuildMultiplicative(P::MultiplicativeContext* ctx) {
    if (ctx == nullptr) return ErrorExpr({});
    std::vector<P::UnaryContext*> terms = ctx->unary();
    std::vector<P::MulOpContext*> ops = ctx->mulOp();
    if (terms.empty()) return ErrorExpr(CtxRange(ctx));
    ExprPtr acc = BuildUnary(terms[0]);
    for (size_t i = 1; i < terms.size(); ++i) {
      ast::Op op = (i - 1 < ops.size() && ops[i - 1]->SLASH() != nullptr) ? ast::Op::kDiv : ast::Op::kMul;
      acc = Binary(op, std::move(acc), BuildUnary(terms[i]));
    }
    return acc;
  }

  ExprPtr BuildUnary(P::UnaryContext* ctx) {
    if (auto* n = dynamic_cast<P::NegOpContext*>(ctx)) {
      SourceRange kw = Tok(n->MINUS());
      ExprPtr operand = n->unary() ? BuildUnary(n->unary()) : Missing(kw);
      auto e = Make(ast::ExprKind::kUnary, Join(kw, operand->range));
      e->op = ast::Op::kNeg;
      e->args.push_back(std::move(operand));
      return e;
    }
    if (auto* p = dynamic_cast<P::PostfixOpContext*>(ctx)) return BuildPostfix(p->postfix());
    return ErrorExpr(CtxRange(ctx));
  }

  ExprPtr BuildPostfix(P::PostfixContext* ctx) {
    if (ctx == nullptr) return ErrorExpr({});
    ExprPtr acc = ctx->primary() ? BuildPrimary(ctx->primary()) : ErrorExpr(CtxRange(ctx));
    for (P::FieldNameContext* f : ctx->fieldName()) {
      if (f == nullptr || IsConjured(f->getStart())) continue;
      SourceRange fr = Tok(f->getStart());
      auto e = Make(ast::ExprKind::kMember, Join(acc->range, fr));
      e->text = st_.TokText(f->getStart());
      e->text_range = fr;
      e->args.push_back(std::move(acc));
      acc = std::move(e);
    }
    return acc;
  }

  ExprPtr BuildPrimary(P::PrimaryContext* ctx) {
    SourceRange r = CtxRange(ctx);
    if (dynamic_cast<P::TrueLitContext*>(ctx) || dynamic_cast<P::FalseLitContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kBoolLit, r);
      e->bool_value = dynamic_cast<P::TrueLitContext*>(ctx) != nullptr;
      return e;
    }
    if (auto* d = dynamic_cast<P::DurationLitContext*>(ctx)) return BuildDuration(d);
    if (auto* i = dynamic_cast<P::IntLitContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kIntLit, r);
      e->int_value = ParseInt(i->INT());
      return e;
    }
    if (auto* d = dynamic_cast<P::DecimalLitContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kDecimalLit, r);
      e->decimal_value = ParseDecimal(d->DECIMAL());
      return e;
    }
    if (auto* s = dynamic_cast<P::StringLitContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kStringLit, r);
      e->text = StringValue(s->string_());
      return e;
    }
    if (dynamic_cast<P::DateLitContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kDateLit, r);
      e->text = std::string(st_.Slice(r));
      return e;
    }
    if (dynamic_cast<P::TimestampLitContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kTimestampLit, r);
      e->text = std::string(st_.Slice(r));
      return e;
    }
    if (dynamic_cast<P::TodayLitContext*>(ctx)) return Make(ast::ExprKind::kToday, r);
    if (dynamic_cast<P::NowLitContext*>(ctx)) return Make(ast::ExprKind::kNow, r);
    if (auto* p = dynamic_cast<P::ParenExprContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kParen, r);
      e->args.push_back(p->expr() ? BuildExpr(p->expr()) : Missing(Tok(p->LPAREN())));
      e->range = Join(e->range, e->args[0]->range);
      return e;
    }
    if (auto* l = dynamic_cast<P::ListLitContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kListLit, r);
      for (P::ExprContext* x : l->expr()) e->args.push_back(BuildExpr(x));
      return e;
    }
    if (auto* c = dynamic_cast<P::CountExprContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kCount, r);
      e->var = Name(c->IDENT());
      e->var_range = Tok(c->IDENT());
      e->args.push_back(c->additive() ? BuildAdditive(c->additive()) : Missing(e->var_range));
      if (c->WHERE() != nullptr) e->args.push_back(c->expr() ? BuildExpr(c->expr()) : Missing(Tok(c->WHERE())));
      return e;
    }
    if (auto* mm = dynamic_cast<P::MinMaxExprContext*>(ctx)) {
      // Layout (ast.h): args[0] = list, args[1] = filter or null, args[2] = value.
      auto e = Make(ast::ExprKind::kMinMax, r);
      e->quant = (mm->mm != nullptr && mm->mm->getType() == P::MAX) ? ast::Quant::kMax : ast::Quant::kMin;
      e->var = Name(mm->IDENT());
      e->var_range = Tok(mm->IDENT());
      P::ExprContext* value = ChildAfter<P::ExprContext>(mm, mm->LPAREN());
      if (value != nullptr && mm->FOR() != nullptr && value->getStart()->getTokenIndex() > mm->FOR()->getSymbol()->getTokenIndex()) {
        value = nullptr;  // the only expression is the filter
      }
      P::ExprContext* filter = mm->WHERE() ? ChildAfter<P::ExprContext>(mm, mm->WHERE()) : nullptr;
      e->args.push_back(mm->additive() ? BuildAdditive(mm->additive()) : Missing(e->var_range));
      e->args.push_back(mm->WHERE() ? (filter ? BuildExpr(filter) : Missing(Tok(mm->WHERE()))) : nullptr);
      e->args.push_back(value ? BuildExpr(value) : Missing(Tok(mm->LPAREN())));
      return e;
    }
    if (auto* s = dynamic_cast<P::InSegmentContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kInSegment, r);
      e->text = Name(s->IDENT());
      e->text_range = Tok(s->IDENT());
      return e;
    }
    if (auto* c = dynamic_cast<P::CallExprContext*>(ctx)) {
      auto e = Make(ast::ExprKind::kCall, r);
      e->text = Name(c->IDENT());
      e->text_range = Tok(c->IDENT());
      for (P::ExprContext* x : c->expr()) e->args.push_back(BuildExpr(x));
      return e;
    }
    if (auto* ce = dynamic_cast<P::ContactedExprContext*>(ctx)) {
      return ce->contacted() ? BuildContacted(ce->contacted(), r) : ErrorExpr(r);
    }
    if (auto* n = dynamic_cast<P::NameExprContext*>(ctx)) {
      if (IsConjured(n->IDENT() ? n->IDENT()->getSymbol() : nullptr)) return ErrorExpr(r);
      auto e = Make(ast::ExprKind::kName, Tok(n->IDENT()));
      e->text = Name(n->IDENT());
      return e;
    }
    return ErrorExpr(r);
  }

  ExprPtr BuildDuration(P::DurationLitContext* ctx) {
    auto e = Make(ast::ExprKind::kDurationLit, CtxRange(ctx));
    e->int_value = ParseInt(ctx->INT());
    e->text = Name(ctx->IDENT());
    e->text_range = Tok(ctx->IDENT());
    const auto& units = DurationUnits();
    if (!e->text.empty() && std::find(units.begin(), units.end(), e->text) == units.end()) {
      if (st_.CanReport(e->text_range)) {
        st_.diags.Emit(DiagKind::UnknownDurationUnit, e->text_range, e->text, DidYouMean(e->text, units));
      }
    }
    return e;
  }

  // ---- tests ----

  /// Reports a contextual word that is not the expected one (`expect`, `held`).
  bool Word(antlr4::tree::TerminalNode* n, std::string_view want, std::string_view what) {
    std::string got = Name(n);
    if (got == want || n == nullptr || IsConjured(n->getSymbol())) return true;
    SourceRange r = Tok(n);
    if (st_.CanReport(r)) st_.diags.Emit(DiagKind::UnexpectedToken, r, fmt::format("`{}` {}", want, what), fmt::format("`{}`", got));
    return false;
  }

  void BuildTest(P::TestDeclContext* ctx, ast::Module& m) {
    ast::Test t;
    t.range = CtxRange(ctx);
    if (ctx->string_() != nullptr) {
      t.name = StringValue(ctx->string_());
      t.name_range = CtxRange(ctx->string_());
    }
    for (P::TestItemContext* item : ctx->testItem()) {
      if (item == nullptr) continue;
      if (auto* td = dynamic_cast<P::TestTodayContext*>(item)) {
        if (td->DATE() == nullptr || IsConjured(td->DATE()->getSymbol())) continue;
        if (t.today) {
          SourceRange r = Tok(td->TODAY());
          if (st_.CanReport(r)) st_.diags.Emit(DiagKind::SyntaxError, r, "a test has at most one `today`");
          continue;
        }
        t.today = ast::Named{Name(td->DATE()), Tok(td->DATE())};
      } else if (auto* fx = dynamic_cast<P::TestFixtureContext*>(item)) {
        auto ids = fx->IDENT();
        if (ids.empty() || fx->fixture() == nullptr) continue;
        ast::Fixture f = BuildFixture(fx->fixture());
        f.range = CtxRange(fx);
        if (ids.size() == 1) {
          if (!Word(ids[0], "given", "or `record NAME` before `{` in a test")) continue;
          if (t.given) {
            SourceRange r = Tok(ids[0]);
            if (st_.CanReport(r)) st_.diags.Emit(DiagKind::SyntaxError, r, "a test has at most one `given` block");
            continue;
          }
          t.given = std::move(f);
        } else {
          if (!Word(ids[0], "record", "before a fixture name")) continue;
          f.name = Name(ids[1]);
          f.name_range = Tok(ids[1]);
          t.records.push_back(std::move(f));
        }
      } else if (auto* ex = dynamic_cast<P::TestExpectContext*>(item)) {
        if (!Word(ex->IDENT(), "expect", "(`given`, `record`, `expect` or `today`) in a test")) continue;
        if (ex->expectation() == nullptr) continue;
        ast::Expectation e;
        e.range = CtxRange(ex);
        if (BuildExpectation(ex->expectation(), e)) t.expects.push_back(std::move(e));
      }
    }
    m.order.emplace_back(ast::Module::DeclKind::kTest, m.tests.size());
    m.tests.push_back(std::move(t));
  }

  ast::Named NamedOf(antlr4::tree::TerminalNode* n) { return ast::Named{Name(n), Tok(n)}; }

  bool BuildExpectation(P::ExpectationContext* ctx, ast::Expectation& e) {
    if (auto* in = dynamic_cast<P::ExpectInContext*>(ctx)) {
      auto ids = in->IDENT();
      if (ids.size() < 2) return false;
      e.negated = in->NOT() != nullptr;
      e.record = NamedOf(ids[0]);
      e.segment = NamedOf(ids[1]);
      e.kind = ast::ExpectKind::kMember;
      if (in->CHANNEL() != nullptr && ids.size() >= 3) {
        e.kind = ast::ExpectKind::kChannel;
        e.channel = NamedOf(ids[2]);
        if (ids.size() >= 4 && in->DATE() != nullptr) {
          if (!Word(ids[3], "on", "before the send date")) return false;
          e.on = NamedOf(in->DATE());
        }
      }
      return true;
    }
    if (auto* w = dynamic_cast<P::ExpectWordsContext*>(ctx)) {
      auto ids = w->IDENT();
      if (ids.size() < 5) return false;
      e.negated = w->NOT() != nullptr;
      if (Name(ids[1]) == "assigns" && !e.negated) {
        if (!Word(ids[3], "to", "after `assigns RECORD`")) return false;
        e.kind = ast::ExpectKind::kAssigned;
        e.campaign = NamedOf(ids[0]);
        e.record = NamedOf(ids[2]);
        e.segment = NamedOf(ids[4]);
        return true;
      }
      if (!Word(ids[1], "held", "(`in`, `held out of`, or `assigns`)") || !Word(ids[2], "out", "after `held`") ||
          !Word(ids[3], "of", "after `held out`")) {
        return false;
      }
      e.kind = ast::ExpectKind::kHeldOut;
      e.record = NamedOf(ids[0]);
      e.segment = NamedOf(ids[4]);
      return true;
    }
    if (auto* c = dynamic_cast<P::ExpectClauseContext*>(ctx)) {
      auto ids = c->IDENT();
      if (ids.size() < 2 || c->clauseRef() == nullptr) return false;
      e.kind = ast::ExpectKind::kClause;
      e.segment = NamedOf(ids[0]);
      e.record = NamedOf(ids[1]);
      P::ClauseRefContext* cr = c->clauseRef();
      if (cr->EXCLUDE() != nullptr) {
        e.clause = ast::ClauseRef::kExclude;
        e.exclude_number = ParseInt(cr->INT());
      } else if (cr->CHANNEL() != nullptr) {
        e.clause = ast::ClauseRef::kChannel;
        e.channel = NamedOf(cr->IDENT());
      }
      if (c->TRUE() != nullptr) e.truth = NamedOf(c->TRUE());
      else if (c->FALSE() != nullptr) e.truth = NamedOf(c->FALSE());
      else if (ids.size() >= 3) {
        if (!Word(ids[2], "unknown", "(`true`, `false` or `unknown`) after `is`")) return false;
        e.truth = NamedOf(ids[2]);
      }
      return !e.truth.name.empty();
    }
    return false;
  }

  ast::Fixture BuildFixture(P::FixtureContext* ctx) {
    ast::Fixture f;
    f.range = CtxRange(ctx);
    for (P::FixtureFieldContext* fc : ctx->fixtureField()) {
      if (fc == nullptr || fc->fieldName().empty() || IsConjured(fc->getStart())) continue;
      ast::FixtureField field;
      SourceRange pr = Tok(fc->fieldName(0)->getStart());
      for (P::FieldNameContext* n : fc->fieldName()) {
        if (n == nullptr || IsConjured(n->getStart())) continue;
        if (!field.path.empty()) field.path += ".";
        field.path += st_.TokText(n->getStart());
        pr = Join(pr, Tok(n->getStart()));
      }
      field.path_range = pr;
      if (fc->fixtureValue() == nullptr) continue;
      field.value = BuildFixtureValue(fc->fixtureValue());
      f.fields.push_back(std::move(field));
    }
    return f;
  }

  ast::FixtureValue BuildFixtureValue(P::FixtureValueContext* ctx) {
    using K = ast::FixtureValue::Kind;
    ast::FixtureValue v;
    v.range = CtxRange(ctx);
    if (ctx->fixture() != nullptr) {
      v.kind = K::kRecord;
      v.fields = BuildFixture(ctx->fixture()).fields;
    } else if (ctx->LBRACK() != nullptr) {
      v.kind = K::kList;
      for (P::FixtureValueContext* x : ctx->fixtureValue()) {
        if (x != nullptr) v.items.push_back(BuildFixtureValue(x));
      }
    } else if (ctx->INT() != nullptr) {
      v.kind = K::kInt;
      v.int_value = ParseInt(ctx->INT());
      if (ctx->MINUS() != nullptr) v.int_value = -v.int_value;
    } else if (ctx->DECIMAL() != nullptr) {
      v.kind = K::kDecimal;
      v.decimal_value = ParseDecimal(ctx->DECIMAL());
      if (ctx->MINUS() != nullptr) v.decimal_value = -v.decimal_value;
    } else if (ctx->string_() != nullptr) {
      v.kind = K::kString;
      v.text = StringValue(ctx->string_());
    } else if (ctx->DATE() != nullptr) {
      v.kind = K::kDate;
      v.text = Name(ctx->DATE());
    } else if (ctx->TIMESTAMP() != nullptr) {
      v.kind = K::kTimestamp;
      v.text = Name(ctx->TIMESTAMP());
    } else if (ctx->TRUE() != nullptr || ctx->FALSE() != nullptr) {
      v.kind = K::kBool;
      v.bool_value = ctx->TRUE() != nullptr;
    } else if (ctx->MISSING() != nullptr) {
      v.kind = K::kMissing;
    } else if (ctx->IDENT() != nullptr) {
      v.kind = K::kLabel;
      v.text = Name(ctx->IDENT());
    }
    return v;
  }

  int64_t ParseInt(antlr4::tree::TerminalNode* n) {
    if (n == nullptr || IsConjured(n->getSymbol())) return 0;
    SourceRange r = Tok(n);
    std::string_view s = st_.Slice(r);
    int64_t v = 0;
    auto res = std::from_chars(s.data(), s.data() + s.size(), v);
    if (res.ec != std::errc() || res.ptr != s.data() + s.size()) {
      if (st_.CanReport(r)) st_.diags.Emit(DiagKind::InvalidNumber, r, s);
      return 0;
    }
    return v;
  }

  double ParseDecimal(antlr4::tree::TerminalNode* n) {
    if (n == nullptr || IsConjured(n->getSymbol())) return 0;
    SourceRange r = Tok(n);
    std::string s(st_.Slice(r));
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (end != s.c_str() + s.size() || !std::isfinite(v)) {
      if (st_.CanReport(r)) st_.diags.Emit(DiagKind::InvalidNumber, r, s);
      return 0;
    }
    return v;
  }

  ParseState& st_;
  antlr4::BufferedTokenStream& tokens_;
};

}  // namespace

std::unique_ptr<ast::Module> Parse(const SourceManager& sm, FileId file, DiagnosticBag& diags,
                                   const ParseLimits& limits) {
  auto module = std::make_unique<ast::Module>();
  module->file = file;
  if (file == 0 || file > sm.size()) return module;
  const std::string& text = sm.Get(file).text();
  ParseState st(file, text, diags, limits);

  std::shared_lock lock(CacheMutex());
  try {
    CodePointStream input(st.map.code_points);
    CohortLexer lexer(&input);
    lexer.removeErrorListeners();
    FallbackListener listener(st);
    lexer.addErrorListener(&listener);
    antlr4::CommonTokenStream tokens(&lexer);
    tokens.fill();

    LexicalPass(st, tokens.getTokens(), *module);
    if (st.stopped) return module;
    if (!CheckNesting(st, tokens.getTokens())) return module;

    // Each declaration chunk is parsed on its own, so a syntax error cannot
    // swallow the declarations after it.
    for (const Chunk& c : SplitDeclarations(tokens.getTokens())) {
      if (st.stopped) break;
      ChunkTokens chunk(tokens.getTokens(), c);
      antlr4::CommonTokenStream chunk_stream(&chunk.source);
      chunk_stream.fill();
      CohortParser parser(&chunk_stream);
      parser.removeErrorListeners();
      parser.addErrorListener(&listener);
      parser.setErrorHandler(std::make_shared<CohortErrorStrategy>(st));
      P::File_Context* tree = parser.file_();
      AstBuilder builder(st, chunk_stream);
      builder.BuildFile(tree, *module);
    }
  } catch (const std::exception& e) {
    // ANTLR failed internally: report rather than crash on user input.
    diags.Emit(DiagKind::SyntaxError, SourceRange{file, 0, 0}, fmt::format("could not parse this file ({})", e.what()));
  }
  return module;
}

void ClearParserCaches() {
  std::unique_lock lock(CacheMutex());
  // The DFAs and context caches are static members of the generated classes;
  // any instance's simulator reaches them.
  CodePointStream input(U"");
  CohortLexer lexer(&input);
  antlr4::CommonTokenStream tokens(&lexer);
  CohortParser parser(&tokens);
  lexer.getInterpreter<antlr4::atn::LexerATNSimulator>()->clearDFA();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->clearDFA();
  parser.getInterpreter<antlr4::atn::ParserATNSimulator>()->getSharedContextCache().clear();
  lexer.getInterpreter<antlr4::atn::LexerATNSimulator>()->getSharedContextCache().clear();
}

}  // namespace cohort
