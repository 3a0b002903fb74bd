// A small hand-written recursive-descent parser for `.schema` files (the
// format is documented in stdlib/README.md). It never throws and never
// asserts on input: every problem is a diagnostic with a byte range, and
// recovery resumes at the next line so one typo reports one error.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "core/schema.h"
#include "core/schema_internal.h"

namespace cohort {
namespace {

enum class Tok { kIdent, kString, kPunct, kNewline, kEof };

/// One token; `value` holds the unescaped contents of a string literal.
struct Token {
  Tok kind = Tok::kEof;
  std::string_view text;
  std::string value;
  uint32_t begin = 0;
  uint32_t end = 0;
};

constexpr int kMaxRecordDepth = 16;
constexpr size_t kMaxErrors = 50;

/// Built-in type names, for "did you mean".
const std::vector<std::string>& BuiltinTypeNames() {
  static const std::vector<std::string> names = {"bool", "int",  "decimal", "string", "date",
                                                 "timestamp", "enum", "set", "list", "record"};
  return names;
}

/// Spellings from other languages, mapped to ours (edit distance misses them).
std::string_view TypeAlias(std::string_view n) {
  static const std::map<std::string_view, std::string_view> aliases = {
      {"integer", "int"},        {"long", "int"},         {"int64", "int"},      {"boolean", "bool"},
      {"float", "decimal"},      {"double", "decimal"},   {"number", "decimal"}, {"numeric", "decimal"},
      {"real", "decimal"},       {"str", "string"},       {"text", "string"},    {"varchar", "string"},
      {"datetime", "timestamp"}, {"instant", "timestamp"}, {"time", "timestamp"}};
  auto it = aliases.find(n);
  return it == aliases.end() ? std::string_view() : it->second;
}

bool IsIdentStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsIdentChar(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9'); }

/// A named type used before it could be resolved (records may be declared
/// after their first use).
struct PendingRef {
  std::shared_ptr<RecordDef> owner;
  size_t field_index;
  std::string name;
  SourceRange range;
  bool is_list;
};

class SchemaParser {
 public:
  SchemaParser(const SourceFile& src, FileId file, DiagnosticBag& diags)
      : src_(src), text_(src.text()), file_(file), diags_(diags) {
    schema_ = std::make_shared<Schema>();
    schema_->file_path = src.name();
    schema_->root = std::make_shared<RecordDef>();
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;  // a UTF-8 byte-order mark from Windows editors
    Advance();
  }

  std::shared_ptr<Schema> Parse();

 private:
  // ---- Lexing ----
  void Advance();
  bool LexOne();
  SourceRange Range(uint32_t b, uint32_t e) const { return SourceRange{file_, b, e}; }
  SourceRange TokRange() const { return Range(tok_.begin, tok_.end); }
  bool IsPunct(char c) const { return tok_.kind == Tok::kPunct && tok_.text.size() == 1 && tok_.text[0] == c; }
  bool IsIdent(std::string_view word) const { return tok_.kind == Tok::kIdent && tok_.text == word; }
  bool AtLineEnd() const {
    return tok_.kind == Tok::kNewline || tok_.kind == Tok::kEof || IsPunct(';') || IsPunct('}');
  }
  std::string Describe(const Token& t) const;

  // ---- Errors and recovery ----
  template <typename... Args>
  void Error(DiagKind kind, SourceRange r, Args&&... args) {
    if (stopped_ || quiet_) return;
    if (diags_.error_count() - errors_before_ >= kMaxErrors) {
      diags_.Emit(DiagKind::SchemaSyntax, r, "too many errors in schema file; stopping");
      stopped_ = true;
      return;
    }
    diags_.Emit(kind, r, std::forward<Args>(args)...);
  }
  void Expected(std::string_view what) {
    Error(DiagKind::SchemaSyntax, TokRange(), fmt::format("expected {}, found {}", what, Describe(tok_)));
  }
  void SkipLine();
  bool ExpectLineEnd();

  // ---- Grammar ----
  void ParseTopLevel();
  void ParseSchemaHeader();
  void ParseKey();
  void ParseFile();
  bool ParseDialect(CsvDialect* d);
  void ParseChannel();
  void ParseRecordDecl();
  bool ParseRecordBody(const std::shared_ptr<RecordDef>& rec, int depth);
  void ParseField(const std::shared_ptr<RecordDef>& owner, int depth, bool top_level);
  bool ParseEnum(Type* out);
  void ResolvePending();

  const SourceFile& src_;
  std::string_view text_;
  FileId file_;
  DiagnosticBag& diags_;
  size_t errors_before_ = diags_.error_count();
  bool stopped_ = false;
  bool quiet_ = false;  ///< lexing ahead: errors are reported when the token is lexed for real
  uint32_t pos_ = 0;
  Token tok_;

  std::shared_ptr<Schema> schema_;
  detail::SchemaRanges ranges_;
  bool have_header_ = false;
  bool have_key_ = false;
  bool have_file_ = false;
  std::map<std::string, std::shared_ptr<RecordDef>> named_;
  std::vector<PendingRef> pending_;
};

// Lexes one token into tok_; false when it skipped an invalid character
// (the caller loops, so a long run of junk cannot recurse deeply).
bool SchemaParser::LexOne() {
  tok_ = Token{};
  const uint32_t n = static_cast<uint32_t>(text_.size());
  for (;;) {
    while (pos_ < n && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\r' || text_[pos_] == '\f' ||
                        text_[pos_] == '\v'))
      ++pos_;
    if (pos_ < n && text_[pos_] == '#') {
      while (pos_ < n && text_[pos_] != '\n') ++pos_;
      continue;
    }
    break;
  }
  tok_.begin = pos_;
  if (pos_ >= n) {
    tok_.kind = Tok::kEof;
    tok_.end = pos_;
    return true;
  }
  const char c = text_[pos_];
  if (c == '\n') {
    tok_.kind = Tok::kNewline;
    tok_.end = ++pos_;
    tok_.text = text_.substr(tok_.begin, 1);
    return true;
  }
  if (IsIdentStart(c)) {
    while (pos_ < n && IsIdentChar(text_[pos_])) ++pos_;
    tok_.kind = Tok::kIdent;
    tok_.end = pos_;
    tok_.text = text_.substr(tok_.begin, pos_ - tok_.begin);
    return true;
  }
  if (c == '"') {
    ++pos_;
    std::string value;
    bool closed = false;
    while (pos_ < n && text_[pos_] != '\n') {
      char ch = text_[pos_];
      if (ch == '"') {
        ++pos_;
        closed = true;
        break;
      }
      if (ch == '\\' && pos_ + 1 < n && text_[pos_ + 1] != '\n') {
        char e = text_[pos_ + 1];
        if (e == '"' || e == '\\') {
          value += e;
        } else if (e == 'n') {
          value += '\n';
        } else if (e == 't') {
          value += '\t';
        } else {
          Error(DiagKind::SchemaSyntax, Range(pos_, pos_ + 2),
                fmt::format("unknown escape `\\{}`; use `\\\"`, `\\\\`, `\\n` or `\\t`", e));
          value += e;
        }
        pos_ += 2;
        continue;
      }
      value += ch;
      ++pos_;
    }
    if (!closed) Error(DiagKind::SchemaSyntax, Range(tok_.begin, pos_), "unterminated string; close it with `\"` on the same line");
    tok_.kind = Tok::kString;
    tok_.end = pos_;
    tok_.text = text_.substr(tok_.begin, pos_ - tok_.begin);
    tok_.value = std::move(value);
    return true;
  }
  if (std::string_view(":,()<>{}?.;").find(c) != std::string_view::npos) {
    tok_.kind = Tok::kPunct;
    tok_.end = ++pos_;
    tok_.text = text_.substr(tok_.begin, 1);
    return true;
  }
  // Anything else: report and skip the character (a whole UTF-8 sequence).
  uint32_t e = pos_ + 1;
  if (static_cast<unsigned char>(c) >= 0x80)
    while (e < n && (static_cast<unsigned char>(text_[e]) & 0xC0) == 0x80 && e - pos_ < 4) ++e;
  std::string shown = static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7f
                          ? std::string(1, c)
                          : (static_cast<unsigned char>(c) >= 0x80 ? std::string(text_.substr(pos_, e - pos_))
                                                                   : fmt::format("\\x{:02x}", static_cast<unsigned char>(c)));
  Error(DiagKind::SchemaSyntax, Range(pos_, e), fmt::format("invalid character `{}`", shown));
  pos_ = e;
  return false;
}

void SchemaParser::Advance() {
  while (!LexOne()) {
  }
}

std::string SchemaParser::Describe(const Token& t) const {
  switch (t.kind) {
    case Tok::kEof: return "end of file";
    case Tok::kNewline: return "end of line";
    case Tok::kString: return "a string";
    case Tok::kIdent:
    case Tok::kPunct: return fmt::format("`{}`", t.text);
  }
  return "?";
}

void SchemaParser::SkipLine() {
  int depth = 0;
  while (tok_.kind != Tok::kEof) {
    if (tok_.kind == Tok::kNewline && depth == 0) return;
    if (IsPunct('{')) ++depth;
    if (IsPunct('}')) {
      if (depth == 0) return;  // closes an enclosing record body: leave it
      --depth;
    }
    Advance();
  }
}

bool SchemaParser::ExpectLineEnd() {
  if (AtLineEnd()) {
    if (IsPunct(';')) Advance();
    return true;
  }
  Expected("end of line");
  SkipLine();
  return false;
}

std::shared_ptr<Schema> SchemaParser::Parse() {
  while (tok_.kind != Tok::kEof && !stopped_) {
    if (tok_.kind == Tok::kNewline || IsPunct(';')) {
      Advance();
      continue;
    }
    ParseTopLevel();
  }
  if (!have_header_ && !stopped_)
    Error(DiagKind::SchemaSyntax, Range(0, 0), "missing `schema` header; a schema file starts with `schema Name \"description\"`");
  ResolvePending();
  bool ok = diags_.error_count() == errors_before_;
  if (ok && !have_key_) {
    diags_.Emit(DiagKind::SchemaSyntax, ranges_.fallback,
                "missing `key` declaration; name the field that identifies a record, e.g. `key id`");
    ok = false;
  }
  ok = ok && detail::FinalizeSchema(*schema_, diags_, ranges_);
  if (!ok) {
    // A recursive record (`record R { a: R }`) owns itself through a
    // shared_ptr; clearing the fields of every named record breaks the cycle.
    for (auto& [name, rec] : named_) rec->fields.clear();
    return nullptr;
  }
  return schema_;
}

void SchemaParser::ParseTopLevel() {
  if (tok_.kind != Tok::kIdent) {
    Expected("a declaration (`schema`, `key`, `file`, `record`, `channel` or a field)");
    SkipLine();
    if (IsPunct('}')) Advance();  // a stray `}` at top level
    return;
  }
  // A field starts `name:` or `name,`; anything else is a keyword.
  size_t save_pos = pos_;
  Token save_tok = tok_;
  quiet_ = true;
  Advance();
  quiet_ = false;
  const bool is_field = IsPunct(':') || IsPunct(',');
  pos_ = static_cast<uint32_t>(save_pos);
  tok_ = std::move(save_tok);
  if (is_field) {
    ParseField(schema_->root, 0, true);
    return;
  }
  if (tok_.text == "schema") return ParseSchemaHeader();
  if (tok_.text == "key") return ParseKey();
  if (tok_.text == "file") return ParseFile();
  if (tok_.text == "channel") return ParseChannel();
  if (tok_.text == "record") return ParseRecordDecl();
  std::string hint = DidYouMean(tok_.text, {"schema", "key", "file", "channel", "record"});
  if (hint.empty()) hint = "; a field is declared as `name: type`";
  Error(DiagKind::SchemaSyntax, TokRange(), fmt::format("unknown declaration `{}`{}", tok_.text, hint));
  SkipLine();
}

void SchemaParser::ParseSchemaHeader() {
  SourceRange kw = TokRange();
  Advance();
  if (tok_.kind != Tok::kIdent) {
    Expected("a schema name after `schema`");
    return SkipLine();
  }
  if (have_header_) {
    Error(DiagKind::SchemaSyntax, Range(kw.begin, tok_.end), "only one `schema` header is allowed per file");
    return SkipLine();
  }
  have_header_ = true;
  schema_->name = std::string(tok_.text);
  schema_->root->name = schema_->name;
  ranges_.fallback = Range(tok_.begin, tok_.end);
  Advance();
  if (tok_.kind == Tok::kString) {
    schema_->description = tok_.value;
    Advance();
  }
  ExpectLineEnd();
}

void SchemaParser::ParseKey() {
  SourceRange kw = TokRange();
  Advance();
  if (tok_.kind != Tok::kIdent) {
    Expected("a field name after `key`");
    return SkipLine();
  }
  if (have_key_) {
    Error(DiagKind::SchemaSyntax, Range(kw.begin, tok_.end), "only one `key` declaration is allowed");
    return SkipLine();
  }
  have_key_ = true;
  schema_->key_field = std::string(tok_.text);
  ranges_.key = TokRange();
  Advance();
  ExpectLineEnd();
}

void SchemaParser::ParseFile() {
  SourceRange kw = TokRange();
  Advance();
  if (tok_.kind != Tok::kString) {
    Expected("a file name in quotes after `file` (e.g. `file \"patients.csv\"`)");
    return SkipLine();
  }
  if (have_file_) {
    Error(DiagKind::SchemaSyntax, Range(kw.begin, tok_.end), "only one `file` declaration is allowed");
    return SkipLine();
  }
  if (tok_.value.empty() || tok_.value.find('/') != std::string::npos || tok_.value.find('\\') != std::string::npos) {
    Error(DiagKind::SchemaSyntax, TokRange(), "a data file is a plain file name inside the data directory, e.g. `patients.csv`");
    return SkipLine();
  }
  have_file_ = true;
  schema_->records_file = tok_.value;
  Advance();
  if (!ParseDialect(&schema_->records_dialect)) return SkipLine();
  ExpectLineEnd();
}

// `delimiter "|"`, `quote "'"` / `quote none`, `null "NULL"`, `no header`, in
// any order after a file name. Every option is checked here, so the loader
// never sees a dialect it cannot read.
bool SchemaParser::ParseDialect(CsvDialect* d) {
  std::set<std::string> seen;
  while (tok_.kind == Tok::kIdent) {
    const std::string opt(tok_.text);
    SourceRange opt_range = TokRange();
    if (opt != "delimiter" && opt != "quote" && opt != "null" && opt != "no") {
      std::string hint = DidYouMean(opt, {"delimiter", "quote", "null", "no"});
      Error(DiagKind::SchemaSyntax, opt_range,
            fmt::format("unknown file option `{}`{}", opt,
                        hint.empty() ? "; options are `delimiter \",\"`, `quote \"'\"`, `null \"NULL\"` and `no header`"
                                     : hint));
      return false;
    }
    if (!seen.insert(opt).second) {
      Error(DiagKind::SchemaSyntax, opt_range, fmt::format("file option `{}` is given twice", opt));
      return false;
    }
    Advance();
    if (opt == "no") {
      if (!IsIdent("header")) {
        Expected("`header` after `no`");
        return false;
      }
      d->header = false;
      Advance();
      continue;
    }
    if (opt == "quote" && IsIdent("none")) {
      d->quote = '\0';
      Advance();
      continue;
    }
    if (tok_.kind != Tok::kString) {
      Expected(opt == "delimiter" ? "a delimiter in quotes: `\",\"`, `\"|\"`, `\";\"` or `\"\\t\"`"
               : opt == "quote"   ? "a quote character in quotes (`\"'\"`) or `none`"
                                  : "a null marker in quotes, e.g. `\"NULL\"` or `\"\\\\N\"`");
      return false;
    }
    const std::string& v = tok_.value;
    if (opt == "delimiter") {
      if (v != "," && v != "|" && v != ";" && v != "\t") {
        Error(DiagKind::SchemaSyntax, TokRange(), "a delimiter is one of `\",\"`, `\"|\"`, `\";\"` or `\"\\t\"` (tab)");
        return false;
      }
      d->delimiter = v[0];
    } else if (opt == "quote") {
      if (v != "\"" && v != "'") {
        Error(DiagKind::SchemaSyntax, TokRange(), "a quote character is `\"\\\"\"` or `\"'\"` (or `quote none`)");
        return false;
      }
      d->quote = v[0];
    } else {
      bool printable = !v.empty() && v.size() <= 16;
      for (char c : v) printable = printable && static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
      if (!printable) {
        Error(DiagKind::SchemaSyntax, TokRange(), "a null marker is 1 to 16 printable ASCII characters without spaces");
        return false;
      }
      d->null_token = v;
    }
    Advance();
  }
  if (!d->null_token.empty()) {
    for (char c : d->null_token) {
      if (c == d->delimiter || (d->quote != '\0' && c == d->quote)) {
        Error(DiagKind::SchemaSyntax, TokRange(), "the null marker cannot contain the delimiter or the quote character");
        return false;
      }
    }
  }
  return true;
}

void SchemaParser::ParseChannel() {
  Advance();
  if (tok_.kind != Tok::kIdent) {
    Expected("a channel name after `channel`");
    return SkipLine();
  }
  ChannelDef ch;
  ch.name = std::string(tok_.text);
  SourceRange name_range = TokRange();
  Advance();
  if (!IsIdent("consent")) {
    Expected(fmt::format("`consent` and the channel's consent field (e.g. `channel {0} consent consent.{0}`)", ch.name));
    return SkipLine();
  }
  SourceRange consent_kw = TokRange();
  Advance();
  if (IsPunct('.')) {  // `channel sms consent.sms`: the keyword is missing
    Error(DiagKind::SchemaSyntax, consent_kw,
          fmt::format("expected `consent` and the channel's consent field, e.g. `channel {0} consent consent.{0}`",
                      ch.name));
    return SkipLine();
  }
  if (tok_.kind != Tok::kIdent) {
    Expected("a field path after `consent`");
    return SkipLine();
  }
  uint32_t path_begin = tok_.begin;
  uint32_t path_end = tok_.end;
  std::string path(tok_.text);
  Advance();
  while (IsPunct('.')) {
    Advance();
    if (tok_.kind != Tok::kIdent) {
      Expected("a field name after `.`");
      return SkipLine();
    }
    path += '.';
    path += tok_.text;
    path_end = tok_.end;
    Advance();
  }
  ch.consent_path = std::move(path);
  for (const auto& other : schema_->channels) {
    if (other.name == ch.name) {
      Error(DiagKind::SchemaBadChannel, name_range, ch.name, "is declared twice");
      return SkipLine();
    }
  }
  ranges_.channels[ch.name] = Range(path_begin, path_end);
  schema_->channels.push_back(std::move(ch));
  ExpectLineEnd();
}

void SchemaParser::ParseRecordDecl() {
  Advance();
  if (tok_.kind != Tok::kIdent) {
    Expected("a record name after `record`");
    return SkipLine();
  }
  std::string name(tok_.text);
  SourceRange name_range = TokRange();
  Advance();
  auto rec = std::make_shared<RecordDef>();
  rec->name = name;
  bool ok = true;
  const auto& builtins = BuiltinTypeNames();
  if (std::find(builtins.begin(), builtins.end(), name) != builtins.end()) {
    Error(DiagKind::SchemaSyntax, name_range, fmt::format("`{}` is a built-in type; choose another record name", name));
    ok = false;
  } else if (named_.count(name) || name == schema_->name) {
    Error(DiagKind::SchemaSyntax, name_range, fmt::format("record `{}` is declared twice", name));
    ok = false;
  }
  if (!IsPunct('{')) {
    Expected(fmt::format("`{{` to start the fields of record `{}`", name));
    return SkipLine();
  }
  if (!ParseRecordBody(rec, 1)) return;
  if (ok) {
    named_[name] = rec;
    schema_->records.push_back(rec);
    ranges_.records[rec.get()] = name_range;
  }
  ExpectLineEnd();
}

// At `{`: parses fields up to the matching `}` (consumed). False at EOF.
bool SchemaParser::ParseRecordBody(const std::shared_ptr<RecordDef>& rec, int depth) {
  SourceRange open = TokRange();
  Advance();
  for (;;) {
    if (stopped_) return false;
    if (tok_.kind == Tok::kNewline || IsPunct(';')) {
      Advance();
      continue;
    }
    if (IsPunct('}')) {
      Advance();
      if (rec->fields.empty())
        Error(DiagKind::SchemaSyntax, open, fmt::format("record `{}` has no fields", rec->name));
      return true;
    }
    if (tok_.kind == Tok::kEof) {
      Error(DiagKind::SchemaSyntax, open, fmt::format("record `{}` is not closed; add `}}`", rec->name));
      return false;
    }
    if (tok_.kind != Tok::kIdent) {
      Expected(fmt::format("a field or `}}` in record `{}`", rec->name));
      SkipLine();
      continue;
    }
    ParseField(rec, depth, false);
  }
}

bool SchemaParser::ParseEnum(Type* out) {
  uint32_t begin = tok_.begin;
  Advance();  // `enum`
  if (!IsPunct('(')) {
    Expected("`(` and the labels after `enum`, e.g. `enum(a, b)`");
    return false;
  }
  Advance();
  auto def = std::make_shared<EnumDef>();
  std::set<std::string, std::less<>> seen;
  for (;;) {
    while (tok_.kind == Tok::kNewline) Advance();  // long label lists may wrap
    if (tok_.kind != Tok::kIdent) {
      Expected(def->labels.empty() ? "an enum label" : "an enum label after `,`");
      return false;
    }
    if (seen.count(tok_.text)) {
      Error(DiagKind::SchemaSyntax, TokRange(), fmt::format("enum label `{}` is listed twice", tok_.text));
      return false;
    }
    seen.insert(std::string(tok_.text));
    def->labels.emplace_back(tok_.text);
    Advance();
    while (tok_.kind == Tok::kNewline) Advance();
    if (IsPunct(',')) {
      Advance();
      continue;
    }
    if (IsPunct(')')) {
      uint32_t end = tok_.end;
      Advance();
      if (def->labels.size() > 255) {
        Error(DiagKind::SchemaSyntax, Range(begin, end),
              fmt::format("an enum has at most 255 labels, found {}", def->labels.size()));
        return false;
      }
      *out = Type::Enum(std::move(def));
      return true;
    }
    Expected("`,` or `)` in the enum labels");
    return false;
  }
}

void SchemaParser::ParseField(const std::shared_ptr<RecordDef>& owner, int depth, bool top_level) {
  // names
  std::vector<std::pair<std::string, SourceRange>> names;
  for (;;) {
    if (tok_.kind != Tok::kIdent) {
      Expected("a field name");
      return SkipLine();
    }
    names.emplace_back(std::string(tok_.text), TokRange());
    Advance();
    if (IsPunct(',')) {
      Advance();
      continue;
    }
    break;
  }
  if (!IsPunct(':')) {
    Expected(fmt::format("`:` and a type after field `{}`", names.back().first));
    return SkipLine();
  }
  Advance();

  FieldDef proto;
  if (IsIdent("sensitive")) {
    proto.sensitive = true;
    Advance();
  }
  if (tok_.kind != Tok::kIdent) {
    Expected("a type");
    return SkipLine();
  }
  SourceRange type_range = TokRange();
  std::string named_ref;  // a record name to resolve later
  bool is_list = false;
  bool is_inline_record = false;
  const std::string t(tok_.text);
  if (t == "bool") proto.type = Type::Bool();
  else if (t == "int") proto.type = Type::Int();
  else if (t == "decimal") proto.type = Type::Decimal();
  else if (t == "string") proto.type = Type::String();
  else if (t == "date") proto.type = Type::Date();
  else if (t == "timestamp") proto.type = Type::Timestamp();
  else if (t == "record") is_inline_record = true;
  else if (t != "enum" && t != "set" && t != "list") named_ref = t;
  // Each branch below consumes the whole type.
  if (t == "enum") {
    if (!ParseEnum(&proto.type)) return SkipLine();
  } else if (t == "set" || t == "list") {
    const bool set = t == "set";
    Advance();
    if (!IsPunct('<')) {
      Expected(set ? "`<string>` after `set`" : "`<Record>` after `list`");
      return SkipLine();
    }
    Advance();
    if (tok_.kind != Tok::kIdent) {
      Expected(set ? "`string` in `set<...>`" : "a record name in `list<...>`");
      return SkipLine();
    }
    SourceRange inner = TokRange();
    std::string inner_name(tok_.text);
    Advance();
    if (!IsPunct('>')) {
      Expected("`>`");
      return SkipLine();
    }
    type_range.end = tok_.end;
    Advance();
    if (set) {
      if (inner_name != "string") {
        Error(DiagKind::SchemaSyntax, inner,
              fmt::format("only `set<string>` is supported, found `set<{}>`", inner_name));
        return SkipLine();
      }
      proto.type = Type::StringSet();
    } else {
      is_list = true;
      named_ref = inner_name;
      type_range = inner;
    }
  } else {
    Advance();
  }

  auto parse_if_present = [&]() {
    if (!IsIdent("if")) return true;
    SourceRange r = TokRange();
    Advance();
    if (!IsIdent("present")) {
      Expected("`present` after `if` (`if present`: the column may be absent from the file)");
      return false;
    }
    r.end = tok_.end;
    Advance();
    if (is_list) {
      Error(DiagKind::SchemaSyntax, r, "`if present` is for columns; a list's file may already be absent (no rows)");
      return false;
    }
    proto.may_be_absent = true;
    return true;
  };

  if (IsPunct('?')) {
    if (proto.type.kind == TypeKind::kStringSet || is_list) {
      Error(DiagKind::SchemaSyntax, TokRange(),
            fmt::format("`{}` cannot be optional: an empty cell or no rows is the empty {}",
                        is_list ? "list" : "set<string>", is_list ? "list" : "set"));
      return SkipLine();
    }
    proto.optional = true;
    Advance();
  }

  std::string list_file;
  std::string list_parent;
  CsvDialect list_dialect;
  SourceRange from_range;
  if (IsIdent("from")) {
    from_range = TokRange();
    Advance();
    if (tok_.kind != Tok::kString || tok_.value.empty()) {
      Expected(is_list ? "a file name in quotes after `from` (e.g. `from \"events.csv\" by patient_id`)"
                       : "a source column name in quotes after `from`");
      return SkipLine();
    }
    from_range.end = tok_.end;
    if (is_inline_record) {
      Error(DiagKind::SchemaSyntax, from_range, "a record has no column of its own; put `from` on its fields");
      return SkipLine();
    }
    if (names.size() > 1) {
      Error(DiagKind::SchemaSyntax, from_range,
            "`from` maps one field to one column; declare these fields on separate lines");
      return SkipLine();
    }
    if (is_list) {
      if (tok_.value.find('/') != std::string::npos || tok_.value.find('\\') != std::string::npos) {
        Error(DiagKind::SchemaSyntax, TokRange(), "a data file is a plain file name inside the data directory, e.g. `events.csv`");
        return SkipLine();
      }
      list_file = tok_.value;
    } else {
      proto.source = tok_.value;
    }
    Advance();
    if (IsIdent("by")) {
      if (!is_list) {
        Error(DiagKind::SchemaSyntax, TokRange(), "`by` names the parent-key column of a list's file; only `list<...>` fields have it");
        return SkipLine();
      }
      Advance();
      if (tok_.kind == Tok::kIdent) {
        list_parent = std::string(tok_.text);
      } else if (tok_.kind == Tok::kString && !tok_.value.empty()) {
        list_parent = tok_.value;
      } else {
        Expected("the parent-key column after `by`");
        return SkipLine();
      }
      Advance();
    }
    if (is_list && !ParseDialect(&list_dialect)) return SkipLine();
  }
  if (!parse_if_present()) return SkipLine();
  if (tok_.kind == Tok::kString) {
    proto.description = tok_.value;
    Advance();
  }

  std::shared_ptr<RecordDef> inline_rec;
  if (is_inline_record) {
    if (!IsPunct('{')) {
      Expected("`{` to start the record's fields");
      return SkipLine();
    }
    if (depth + 1 > kMaxRecordDepth) {
      Error(DiagKind::SchemaSyntax, TokRange(), fmt::format("records nested more than {} levels deep", kMaxRecordDepth));
      stopped_ = true;  // nothing sensible to recover to
      return;
    }
    inline_rec = std::make_shared<RecordDef>();
    // Inline records are named after their field (`consent` -> `Consent`).
    std::string rname = names.front().first;
    rname[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(rname[0])));
    inline_rec->name = rname;
    if (!ParseRecordBody(inline_rec, depth + 1)) return;
    proto.type = Type::Record(inline_rec);
  }

  if (!AtLineEnd()) {
    Expected(proto.description.empty() ? "`?`, `from \"column\"`, `if present`, a description in quotes, or end of line"
                                       : "end of line after the description");
    return SkipLine();
  }
  if (IsPunct(';')) Advance();

  if (is_list && !top_level) {
    Error(DiagKind::SchemaSyntax, type_range,
          "a `list<...>` field must be declared at the top level of the schema, not inside a record");
    return;
  }

  for (auto& [name, range] : names) {
    if (owner->Find(name) >= 0) {
      Error(DiagKind::SchemaDuplicateField, range, name);
      continue;
    }
    FieldDef f = proto;
    f.name = name;
    f.line = src_.Position(range.begin).line;
    owner->fields.push_back(std::move(f));
    const size_t idx = owner->fields.size() - 1;
    ranges_.field_ranges.push_back({owner, idx, range});
    if (!named_ref.empty()) pending_.push_back(PendingRef{owner, idx, named_ref, type_range, is_list});
    if (is_list) {
      ListSource ls;
      ls.field = name;
      ls.file = list_file.empty() ? name + ".csv" : list_file;
      ls.parent_column = list_parent;  // defaulted in FinalizeSchema
      ls.dialect = list_dialect;
      schema_->list_sources.push_back(std::move(ls));
    }
  }
}

void SchemaParser::ResolvePending() {
  for (auto& p : pending_) {
    auto it = named_.find(p.name);
    if (it == named_.end()) {
      std::vector<std::string> candidates;
      for (const auto& [n, r] : named_) candidates.push_back(n);
      std::string hint;
      if (!p.is_list) {
        std::string_view alias = TypeAlias(p.name);
        if (!alias.empty()) hint = fmt::format("; did you mean `{}`?", alias);
        for (const auto& b : BuiltinTypeNames()) candidates.push_back(b);
      }
      if (hint.empty()) hint = DidYouMean(p.name, candidates);
      if (hint.empty() && p.is_list && named_.empty()) hint = "; declare it with `record " + p.name + " { ... }`";
      Error(DiagKind::SchemaUnknownType, p.range, p.name, hint);
      continue;
    }
    p.owner->fields[p.field_index].type = p.is_list ? Type::List(it->second) : Type::Record(it->second);
  }
  pending_.clear();
}

}  // namespace

std::shared_ptr<Schema> ParseSchema(const SourceManager& sm, FileId file, DiagnosticBag& diags) {
  if (file == 0 || file > sm.size()) {
    diags.Emit(DiagKind::SchemaNotFound, SourceRange{}, "<unknown>", "no such source file");
    return nullptr;
  }
  const SourceFile& src = sm.Get(file);
  SchemaParser parser(src, file, diags);
  auto schema = parser.Parse();
  if (!schema) return nullptr;
  return schema;
}

}  // namespace cohort
