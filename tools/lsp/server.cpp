// The LSP state machine: lifecycle, document sync, debounced diagnostics and
// the request handlers. Every handler works on the driver's CompileResult;
// nothing here parses or checks on its own.
#include "tools/lsp/server.h"

#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <stdexcept>

#include "compiler/driver/incremental.h"
#include "compiler/format/format.h"
#include "tools/lsp/document.h"

namespace cohort::lsp {

using json = nlohmann::json;

namespace {

// JSON-RPC / LSP error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kServerNotInitialized = -32002;
constexpr int kRequestCancelled = -32800;

// Semantic token legend (indices are the protocol values).
const std::vector<std::string> kTokenTypes = {"keyword", "comment", "string",  "number",    "operator",
                                              "variable", "property", "function", "enumMember", "class",
                                              "namespace", "parameter"};
enum Tok { kTkKeyword, kTkComment, kTkString, kTkNumber, kTkOperator, kTkVariable, kTkProperty, kTkFunction,
           kTkEnumMember, kTkClass, kTkNamespace, kTkParameter };
const std::vector<std::string> kTokenModifiers = {"declaration", "readonly", "defaultLibrary"};

const std::vector<std::string> kKeywords = {
    "use", "const", "define", "segment", "where", "exclude", "channel", "after", "if", "message", "cta",
    "purpose", "holdout", "export", "campaign", "priority", "and", "or", "not", "any", "all", "no", "in",
    "is", "missing", "present", "within", "last", "next", "before", "count", "min", "max", "for", "today",
    "now", "true", "false", "variant", "goal"};

/// Thrown by the dispatcher for a method the server does not implement.
struct UnknownMethod {};

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string TypeText(const FieldDef& f) {
  return f.type.ToString() + (f.optional ? "?" : "");
}

}  // namespace

struct Server::Impl {
  Sender send;
  ServerOptions options;
  bool initialized = false;
  bool shutdown = false;
  bool exited = false;
  bool utf8 = false;
  uint64_t compiles = 0;
  std::map<std::string, std::unique_ptr<Document>> docs;
  std::set<std::string> cancelled;  // JSON text of cancelled request ids
  std::vector<std::shared_ptr<CompileResult>> retired;  // replaced compilations, freed after sending

  // ---- messaging ----

  // Replace invalid UTF-8 (echoed from client input) instead of throwing.
  void Send(const json& j) { send(j.dump(-1, ' ', false, json::error_handler_t::replace)); }
  void Reply(const json& id, const json& result) { Send(json{{"jsonrpc", "2.0"}, {"id", id}, {"result", result}}); }
  void Error(const json& id, int code, const std::string& message) {
    Send(json{{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", message}}}});
  }
  void Notify(const std::string& method, const json& params) {
    Send(json{{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
  }

  // ---- documents ----

  Document* Doc(const json& params) {
    if (!params.contains("textDocument") || !params["textDocument"].contains("uri")) return nullptr;
    auto it = docs.find(params["textDocument"]["uri"].get<std::string>());
    return it == docs.end() ? nullptr : it->second.get();
  }

  void SetText(Document& d, std::string text) {
    d.text = std::move(text);
    TextChanged(d);
  }
  void TextChanged(Document& d) {
    d.index = LineIndex(d.text, utf8);
    d.result.reset();
    d.dirty = true;
  }

  CompileOptions Options(const Document& d) const {
    CompileOptions o;
    o.file_name = d.path.empty() ? d.uri : d.path;
    std::filesystem::path p(d.path);
    o.base_dir = d.path.empty() || p.parent_path().empty() ? "." : p.parent_path().string();
    if (options.incremental) o.cache = d.cache;
    // The editor shows diagnostics, names and types: folding changes none of them.
    o.fold = !options.incremental;
    return o;
  }

  /// Builds the name table of `d.result` if Analyze() deferred it.
  void Names(Document& d) {
    if (!d.result || d.result->names) return;
    BuildNames(*d.result, Options(d));
    // The side table's schema also exists for files that stop at a syntax error.
    if (d.result->names && d.result->names->schema()) d.schema = d.result->names->schema();
  }

  /// Compiles `d` if its text changed since the last compilation. With
  /// `names_later` the name table is left for Names() (Publish sends the
  /// diagnostics first); otherwise the result is complete.
  const CompileResult& Analyze(Document& d, bool names_later = false) {
    if (!d.result) {
      CompileOptions o = Options(d);
      o.defer_names = true;
      // The last compilation is replaced: its unchanged declarations move
      // into the new tree instead of being copied (its name table, which
      // points into that tree, goes with it below).
      std::shared_ptr<CompileResult> last = std::move(d.last);
      if (options.incremental && last && last.use_count() == 1 && last->ast) {
        last->names.reset();
        d.cache->Recycle(std::move(last->ast));
      }
      d.result = std::make_shared<CompileResult>(Compile(d.text, o));
      d.last = d.result;
      retired.push_back(std::move(last));  // freed after the reply or notification
      if (++compiles % std::max<uint32_t>(1, options.clear_caches_every) == 0) ClearCompilerCaches();
    }
    if (!names_later) Names(d);
    return *d.result;
  }

  json Pos(const Document& d, uint32_t offset) const {
    Position p = d.index.ToPosition(offset);
    return json{{"line", p.line}, {"character", p.character}};
  }
  json Range(const Document& d, SourceRange r) const {
    return json{{"start", Pos(d, r.begin)}, {"end", Pos(d, std::max(r.begin, r.end))}};
  }
  /// `j[key]` without the assertion nlohmann's const operator[] makes on a
  /// missing key (a client's malformed request must be an error reply).
  static const json& Get(const json& j, const char* key) {
    static const json kNull;
    if (!j.is_object()) return kNull;
    auto it = j.find(key);
    return it == j.end() ? kNull : *it;
  }

  uint32_t Offset(const Document& d, const json& pos) const {
    if (!pos.is_object()) throw std::invalid_argument("expected a position {line, character}");
    Position p;
    p.line = pos.value("line", 0u);
    p.character = pos.value("character", 0u);
    return d.index.ToOffset(p);
  }

  /// A location in another file (schema): `uri` + range from a 1-based line.
  json FileLocation(const std::string& path, uint32_t line) const {
    json pos = {{"line", line > 0 ? line - 1 : 0}, {"character", 0}};
    return json{{"uri", PathToUri(std::filesystem::absolute(path).lexically_normal().string())},
                {"range", {{"start", pos}, {"end", pos}}}};
  }

  /// A location for a range of any file of a compilation.
  json AnyLocation(const Document& d, const CompileResult& r, SourceRange range) const {
    if (range.file == r.file || !range.valid() || range.file > r.sources->size())
      return json{{"uri", d.uri}, {"range", Range(d, range)}};
    const SourceFile& f = r.sources->Get(range.file);
    LineCol b = f.Position(range.begin), e = f.Position(range.end);
    // Other files (schemas) are not open: report byte columns on their lines.
    json start = {{"line", b.line - 1}, {"character", b.col - 1}};
    json end = {{"line", e.line - 1}, {"character", e.col - 1}};
    return json{{"uri", PathToUri(std::filesystem::absolute(f.name()).lexically_normal().string())},
                {"range", {{"start", start}, {"end", end}}}};
  }

  // ---- diagnostics ----

  json DiagnosticJson(const Document& d, const CompileResult& r, const Diagnostic& diag) const {
    json j;
    std::string message = diag.message;
    SourceRange range = diag.range;
    if (range.file != r.file) {
      // A problem in another file (the schema): shown at the `use`, naming the place.
      if (range.valid() && range.file <= r.sources->size()) {
        const SourceFile& f = r.sources->Get(range.file);
        LineCol lc = f.Position(range.begin);
        message = fmt::format("{}:{}:{}: {}", f.name(), lc.line, lc.col, message);
      }
      range = r.ast && !r.ast->uses.empty() ? r.ast->uses.front().range : SourceRange{r.file, 0, 0};
    }
    j["range"] = Range(d, range);
    j["severity"] = diag.severity == Severity::Error ? 1 : diag.severity == Severity::Warning ? 2 : 3;
    j["code"] = std::string(diag.code());
    j["source"] = "cohort";
    j["message"] = message;
    if (!diag.notes.empty()) {
      json rel = json::array();
      for (const auto& n : diag.notes) rel.push_back({{"location", AnyLocation(d, r, n.range)}, {"message", n.message}});
      j["relatedInformation"] = rel;
    }
    return j;
  }

  void Publish(Document& d) {
    // The previous compilation is freed after the notification is sent, and
    // the name table is built after it too: neither delays the diagnostics.
    const CompileResult& r = Analyze(d, /*names_later=*/true);
    json list = json::array();
    for (const auto& diag : r.diags.all()) list.push_back(DiagnosticJson(d, r, diag));
    if (!r.internal_error.empty())
      list.push_back({{"range", Range(d, SourceRange{r.file, 0, 0})}, {"severity", 1}, {"source", "cohort"},
                      {"message", "internal error: " + r.internal_error}});
    Notify("textDocument/publishDiagnostics", {{"uri", d.uri}, {"version", d.version}, {"diagnostics", list}});
    d.dirty = false;
    Names(d);
    retired.clear();
  }

  // ---- lifecycle ----

  json Initialize(const json& params) {
    utf8 = false;
    if (params.contains("capabilities") && params["capabilities"].contains("general")) {
      const json& g = params["capabilities"]["general"];
      if (g.contains("positionEncodings") && g["positionEncodings"].is_array())
        for (const auto& e : g["positionEncodings"])
          if (e.is_string() && e.get<std::string>() == "utf-8") utf8 = true;
    }
    json caps = {
        {"positionEncoding", utf8 ? "utf-8" : "utf-16"},
        {"textDocumentSync", {{"openClose", true}, {"change", 2}, {"save", {{"includeText", false}}}}},
        {"hoverProvider", true},
        {"completionProvider", {{"triggerCharacters", {".", "[", " "}}, {"resolveProvider", false}}},
        {"definitionProvider", true},
        {"referencesProvider", true},
        {"documentSymbolProvider", true},
        {"documentFormattingProvider", true},
        {"codeActionProvider", {{"codeActionKinds", {"quickfix"}}}},
        {"semanticTokensProvider",
         {{"legend", {{"tokenTypes", kTokenTypes}, {"tokenModifiers", kTokenModifiers}}}, {"full", true}}},
    };
    return json{{"capabilities", caps}, {"serverInfo", {{"name", "cohort-lsp"}, {"version", "0.1.0"}}}};
  }

  // ---- hover ----

  std::string SourceText(const Document& d, SourceRange r) const {
    if (r.end <= r.begin || r.end > d.text.size()) return "";
    return d.text.substr(r.begin, r.end - r.begin);
  }

  std::string FieldHover(const FieldDef& f, const std::string& path) const {
    std::string s = fmt::format("```cohort\n{}: {}\n```\n", path, TypeText(f));
    std::vector<std::string> facts;
    facts.push_back(f.optional ? "optional (may be missing)" : "required");
    if (f.sensitive) facts.push_back("**sensitive**: marketing segments may not read it");
    s += "\n" + fmt::format("{}", fmt::join(facts, " · ")) + "\n";
    if (!f.description.empty()) s += "\n" + f.description + "\n";
    return s;
  }

  json Hover(Document& d, const json& params) {
    const CompileResult& r = Analyze(d);
    if (!r.ast || !r.names) return nullptr;
    uint32_t off = Offset(d, Get(params, "position"));
    Symbol s = r.names->At(off);
    std::string md;
    switch (s.kind) {
      case SymKind::kField:
        if (s.field) md = FieldHover(*s.field, s.name);
        break;
      case SymKind::kVar:
        md = fmt::format("```cohort\n{}\n```\nquantifier variable{}", s.name,
                         s.record ? " over `" + s.record->name + "` elements" : std::string(" (a set item: `string`)"));
        break;
      case SymKind::kDefine:
        for (size_t i = 0; i < r.ast->defines.size(); ++i) {
          const auto& df = r.ast->defines[i];
          if (df.name != s.name) continue;
          std::string type = "?";
          if (r.program)
            for (const auto& pd : r.program->defines)
              if (pd.name == s.name && pd.body != ir::kNoExpr) {
                const ir::Expr& e = r.program->expr(pd.body);
                type = e.type.ToString() + (e.nullable ? "?" : "");
              }
          md = fmt::format("```cohort\ndefine {}: {}\n```\n```cohort\n{}\n```", s.name, type,
                           df.body ? SourceText(d, df.body->range) : "");
          break;
        }
        break;
      case SymKind::kConst:
        for (const auto& c : r.ast->consts) {
          if (c.name != s.name) continue;
          std::string type = "?";
          if (r.program)
            for (const auto& pc : r.program->consts)
              if (pc.name == s.name) type = pc.is_list ? "list<" + pc.type.ToString() + ">" : pc.type.ToString();
          md = fmt::format("```cohort\nconst {}: {} = {}\n```", s.name, type,
                           c.value ? SourceText(d, c.value->range) : "");
          break;
        }
        break;
      case SymKind::kSegment:
        for (const auto& seg : r.ast->segments) {
          if (seg.name != s.name) continue;
          md = fmt::format("```cohort\nsegment {}\n```\n", seg.name);
          if (!seg.description.empty()) md += "\n" + seg.description + "\n";
          md += "\npurpose: " + (seg.purpose ? seg.purpose->name : std::string("marketing (default)")) + "\n";
          if (seg.channels.empty()) {
            md += "\nchannels: none\n";
          } else {
            md += "\nchannels:\n";
            for (size_t k = 0; k < seg.channels.size(); ++k) {
              const auto& ch = seg.channels[k];
              md += fmt::format("- step {}: `{}`{}\n", k + 1, ch.name,
                                ch.after ? " after " + SourceText(d, ch.after->range) : "");
            }
          }
          if (seg.holdout) md += "\nholdout: " + SourceText(d, seg.holdout->range) + "%\n";
          break;
        }
        break;
      case SymKind::kCampaign:
        for (const auto& c : r.ast->campaigns)
          if (c.name == s.name) {
            md = fmt::format("```cohort\ncampaign {}\n```\n", c.name);
            if (!c.description.empty()) md += "\n" + c.description + "\n";
            md += "\npriority (first match wins): ";
            for (size_t k = 0; k < c.priority.size(); ++k) md += (k ? ", " : "") + c.priority[k].name;
            md += "\n";
          }
        break;
      case SymKind::kFunction:
        if (s.fn) md = fmt::format("```cohort\n{}\n```\n{}", s.fn->Signature(), s.fn->doc);
        break;
      case SymKind::kChannel:
        if (d.schema)
          if (const ChannelDef* ch = d.schema->FindChannel(s.name))
            md = fmt::format("```cohort\nchannel {}\n```\nconsent flag: `{}`", ch->name, ch->consent_path);
        break;
      case SymKind::kLabel:
        md = fmt::format("```cohort\n{}\n```\nenum label", s.name);
        break;
      case SymKind::kNone:
        break;
    }
    if (md.empty()) return nullptr;
    return json{{"contents", {{"kind", "markdown"}, {"value", md}}}, {"range", Range(d, s.range)}};
  }

  // ---- completion ----

  json Item(const std::string& label, int kind, const std::string& detail = "", const std::string& doc = "") const {
    json j = {{"label", label}, {"kind", kind}};
    if (!detail.empty()) j["detail"] = detail;
    if (!doc.empty()) j["documentation"] = {{"kind", "markdown"}, {"value", doc}};
    return j;
  }

  void FieldItems(const RecordDef& rec, json& items) const {
    for (const auto& f : rec.fields)
      items.push_back(Item(f.name, 5, TypeText(f) + (f.sensitive ? " (sensitive)" : ""), f.description));
  }

  /// The identifier chain (`e.kind`, `consent`) that ends right before `end`.
  static std::string ChainBefore(const std::string& line, size_t end) {
    size_t i = end;
    while (i > 0 && (IsIdentChar(line[i - 1]) || line[i - 1] == '.')) --i;
    return line.substr(i, end - i);
  }

  /// The list a quantifier variable ranges over, from the text before the
  /// cursor (the tree of a half-typed file may not hold the quantifier yet).
  static std::string VarListFromText(const std::string& before, const std::string& var) {
    std::regex re("(?:\\b(?:any|all|no)\\s+|\\(\\s*|\\bfor\\s+)" + var + "\\s+in\\s+([A-Za-z_][A-Za-z_0-9.]*)");
    std::string found;
    for (auto it = std::sregex_iterator(before.begin(), before.end(), re); it != std::sregex_iterator(); ++it)
      found = (*it)[1].str();
    return found;
  }

  json Completion(Document& d, const json& params) {
    // Completion contexts (compiled once: a std::regex is costly to build).
    static const std::regex kAfterChannel{"(^|\\s)channel$"};
    static const std::regex kAfterInSegment{"\\bin\\s+segment$"};
    static const std::regex kInPriority{"\\bpriority(\\s*[A-Za-z_][A-Za-z_0-9]*\\s*,)*\\s*$"};
    static const std::regex kAfterPurpose{"(^|\\s)purpose$"};
    static const std::regex kAfterUse{"^\\s*use$"};
    static const std::regex kAfterEquality{"([A-Za-z_][A-Za-z_0-9.]*)\\s*(==|!=)$"};
    static const std::regex kInList{"([A-Za-z_][A-Za-z_0-9.]*)\\s+(?:not\\s+)?in\\s*\\[[^\\]]*$"};
    // Right after a keystroke the text is newer than the last compilation:
    // answer from the last side table (names, schema) and the current text
    // rather than wait for a recompile; the published diagnostics follow.
    const CompileResult& r = !options.incremental ? Analyze(d) : d.result ? *d.result : d.last ? *d.last : Analyze(d);
    uint32_t off = Offset(d, Get(params, "position"));
    size_t line_start = d.text.rfind('\n', off == 0 ? 0 : off - 1);
    line_start = line_start == std::string::npos || off == 0 ? 0 : line_start + 1;
    std::string line = d.text.substr(line_start, off - line_start);
    size_t word_start = line.size();
    while (word_start > 0 && IsIdentChar(line[word_start - 1])) --word_start;
    std::string before = line.substr(0, word_start);
    std::string trimmed = before;
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.pop_back();
    // The text of the current declaration before the cursor (declarations
    // start in column 1; continuation lines are indented): quantifiers that
    // bind variables here are in it, and the scan stays short in long files.
    size_t decl_start = line_start;
    for (;;) {
      char c = decl_start < d.text.size() ? d.text[decl_start] : '\n';
      if ((c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '#') || decl_start == 0) break;
      size_t nl = decl_start < 2 ? std::string::npos : d.text.rfind('\n', decl_start - 2);
      decl_start = nl == std::string::npos ? 0 : nl + 1;
    }
    std::string text_before = d.text.substr(decl_start, line_start + word_start - decl_start);

    const NameTable* index = r.names.get();
    json items = json::array();
    std::smatch m;

    auto record_of = [&](const std::string& chain) -> std::shared_ptr<const RecordDef> {
      std::shared_ptr<const RecordDef> rec;
      if (index) rec = index->RecordOfChain(chain, off);
      if (!rec && d.schema && d.schema->root) {
        // A variable bound by a quantifier the tree does not hold yet.
        size_t dot = chain.find('.');
        std::string head = chain.substr(0, dot);
        std::string list = VarListFromText(text_before, head);
        if (!list.empty()) {
          NameTable empty_index(ast::Module{}, d.schema);
          const FieldDef* f = (index ? *index : empty_index).FieldOfChain(list, off);
          if (f && f->type.kind == TypeKind::kList) {
            rec = f->type.record_def;
            if (dot != std::string::npos) {
              std::string rest = chain.substr(dot + 1);
              size_t k = 0;
              while (rec && k <= rest.size()) {
                size_t j = rest.find('.', k);
                if (j == std::string::npos) j = rest.size();
                int fi = rec->Find(rest.substr(k, j - k));
                rec = fi >= 0 && rec->fields[fi].type.kind == TypeKind::kRecord ? rec->fields[fi].type.record_def : nullptr;
                k = j + 1;
              }
            }
          }
        }
      }
      return rec;
    };
    auto field_of = [&](const std::string& chain) -> const FieldDef* {
      size_t dot = chain.rfind('.');
      if (dot == std::string::npos) {
        if (!d.schema || !d.schema->root) return nullptr;
        int i = d.schema->root->Find(chain);
        return i < 0 ? nullptr : &d.schema->root->fields[i];
      }
      auto rec = record_of(chain.substr(0, dot));
      if (!rec) return nullptr;
      int i = rec->Find(chain.substr(dot + 1));
      return i < 0 ? nullptr : &rec->fields[i];
    };
    auto segment_items = [&]() {
      if (r.ast)
        for (const auto& s : r.ast->segments) items.push_back(Item(s.name, 7, "segment", s.description));
    };

    // Nested fields after `.`.
    if (!before.empty() && before.back() == '.') {
      std::string chain = ChainBefore(before, before.size() - 1);
      if (auto rec = record_of(chain)) FieldItems(*rec, items);
      return json{{"isIncomplete", false}, {"items", items}};
    }
    // Channel names after `channel`.
    if (std::regex_search(trimmed, kAfterChannel)) {
      if (d.schema)
        for (const auto& ch : d.schema->channels) items.push_back(Item(ch.name, 20, "consent: " + ch.consent_path));
      return json{{"isIncomplete", false}, {"items", items}};
    }
    // Segment names after `in segment` and in `priority` lists.
    if (std::regex_search(trimmed, kAfterInSegment) ||
        std::regex_search(text_before, kInPriority)) {
      segment_items();
      return json{{"isIncomplete", false}, {"items", items}};
    }
    if (std::regex_search(trimmed, kAfterPurpose)) {
      for (const char* p : {"marketing", "operations", "treatment"}) items.push_back(Item(p, 20, "purpose"));
      return json{{"isIncomplete", false}, {"items", items}};
    }
    if (std::regex_search(trimmed, kAfterUse)) {
      for (const auto& n : StdlibSchemaNames()) items.push_back(Item(n, 9, "standard schema"));
      return json{{"isIncomplete", false}, {"items", items}};
    }
    // Enum labels after `==`/`!=` or inside `in [` on an enum operand.
    if (std::regex_search(trimmed, m, kAfterEquality) ||
        std::regex_search(trimmed, m, kInList)) {
      const FieldDef* f = field_of(m[1].str());
      if (f && f->type.kind == TypeKind::kEnum && f->type.enum_def) {
        for (const auto& l : f->type.enum_def->labels) items.push_back(Item(l, 20, f->type.ToString()));
        return json{{"isIncomplete", false}, {"items", items}};
      }
    }
    // Anywhere else: names in scope, functions, keywords, snippets.
    if (index)
      for (const auto& v : index->VarsAt(off)) items.push_back(Item(v.name, 6, "quantifier variable"));
    if (d.schema && d.schema->root) FieldItems(*d.schema->root, items);
    if (r.ast) {
      for (const auto& c : r.ast->consts) items.push_back(Item(c.name, 21, "const"));
      for (const auto& df : r.ast->defines) items.push_back(Item(df.name, 6, "define"));
    }
    for (const auto& fn : AllFunctions()) {
      json it = Item(std::string(fn.name), 3, fn.Signature(), std::string(fn.doc));
      if (!fn.params.empty() || fn.implicit_field.empty()) {
        it["insertText"] = std::string(fn.name) + "($1)";
        it["insertTextFormat"] = 2;
      }
      items.push_back(it);
    }
    for (const auto& k : kKeywords) items.push_back(Item(k, 14));
    json seg = Item("segment", 15, "segment declaration");
    seg["insertText"] = "segment ${1:Name} \"${2:description}\"\n  where ${3:condition}\n  channel ${4:sms} if consent\n"
                        "  message \"${5:message-id}\" cta \"${6:cta}\"";
    seg["insertTextFormat"] = 2;
    items.push_back(seg);
    json camp = Item("campaign", 15, "campaign declaration");
    camp["insertText"] = "campaign ${1:Name}\n  priority ${2:First}, ${3:Second}";
    camp["insertTextFormat"] = 2;
    items.push_back(camp);
    return json{{"isIncomplete", false}, {"items", items}};
  }

  // ---- definition and references ----

  json Definition(Document& d, const json& params) {
    const CompileResult& r = Analyze(d);
    if (!r.names) return nullptr;
    Symbol s = r.names->At(Offset(d, Get(params, "position")));
    if (s.kind == SymKind::kField && s.field && d.schema && !d.schema->file_path.empty())
      return FileLocation(d.schema->file_path, s.field->line);
    // A test file's expectations name segments of the file beside it.
    if (s.decl.valid()) return AnyLocation(d, r, s.decl);
    return nullptr;
  }

  json References(Document& d, const json& params) {
    const CompileResult& r = Analyze(d);
    json out = json::array();
    if (!r.names) return out;
    bool include_decl = params.contains("context") ? params["context"].value("includeDeclaration", true) : true;
    Symbol target = r.names->At(Offset(d, Get(params, "position")));
    if (target.kind == SymKind::kNone || target.kind == SymKind::kLabel) return out;
    for (const Symbol& s : r.names->symbols()) {
      if (s.kind != target.kind || (s.is_decl && !include_decl) || s.range.file != r.file) continue;
      bool same = target.kind == SymKind::kField ? s.field != nullptr && s.field == target.field
                  : target.kind == SymKind::kVar ? s.decl.begin == target.decl.begin
                                                 : s.name == target.name;
      if (same) out.push_back({{"uri", d.uri}, {"range", Range(d, s.range)}});
    }
    if (target.kind == SymKind::kField && include_decl && target.field && d.schema && !d.schema->file_path.empty())
      out.push_back(FileLocation(d.schema->file_path, target.field->line));
    return out;
  }

  // ---- document symbols ----

  json Symbols(Document& d) {
    const CompileResult& r = Analyze(d);
    json out = json::array();
    if (!r.ast) return out;
    using DK = ast::Module::DeclKind;
    auto sym = [&](const std::string& name, int kind, SourceRange range, SourceRange sel, const std::string& detail) {
      if (sel.begin < range.begin || sel.end > range.end) range = sel;
      json j = {{"name", name.empty() ? "?" : name}, {"kind", kind}, {"range", Range(d, range)},
                {"selectionRange", Range(d, sel)}};
      if (!detail.empty()) j["detail"] = detail;
      return j;
    };
    for (const auto& [kind, i] : r.ast->order) {
      switch (kind) {
        case DK::kUse: break;
        case DK::kTest: {
          const auto& t = r.ast->tests[i];
          out.push_back(sym("test \"" + t.name + "\"", 6, t.range, t.name_range, "test"));
          break;
        }
        case DK::kConst: {
          const auto& c = r.ast->consts[i];
          out.push_back(sym(c.name, 14, c.range, c.name_range, "const"));
          break;
        }
        case DK::kDefine: {
          const auto& df = r.ast->defines[i];
          out.push_back(sym(df.name, 12, df.range, df.name_range, "define"));
          break;
        }
        case DK::kSegment: {
          const auto& s = r.ast->segments[i];
          json j = sym(s.name, 5, s.range, s.name_range, s.description);
          json children = json::array();
          for (const auto& ch : s.channels) children.push_back(sym(ch.name, 8, ch.range, ch.name_range, "channel"));
          j["children"] = children;
          out.push_back(j);
          break;
        }
        case DK::kCampaign: {
          const auto& c = r.ast->campaigns[i];
          out.push_back(sym(c.name, 3, c.range, c.name_range, "campaign"));
          break;
        }
      }
    }
    return out;
  }

  // ---- formatting and code actions ----

  json Formatting(Document& d) {
    format::FormatResult f = format::FormatSource(d.path.empty() ? d.uri : d.path, d.text);
    if (!f.ok) return nullptr;  // syntax errors: nothing to format (diagnostics say why)
    if (f.text == d.text) return json::array();
    SourceRange all{1, 0, static_cast<uint32_t>(d.text.size())};
    return json::array({{{"range", Range(d, all)}, {"newText", f.text}}});
  }

  json CodeActions(Document& d, const json& params) {
    const CompileResult& r = Analyze(d);
    json out = json::array();
    uint32_t b = Offset(d, Get(Get(params, "range"), "start")), e = Offset(d, Get(Get(params, "range"), "end"));
    for (const auto& diag : r.diags.all()) {
      if (diag.range.file != r.file || diag.fixits.empty()) continue;
      if (diag.range.end < b || diag.range.begin > e) continue;
      for (const auto& fix : diag.fixits) {
        if (fix.range.file != r.file) continue;
        json edit = {{"range", Range(d, fix.range)}, {"newText", fix.replacement}};
        out.push_back({{"title", fix.title.empty() ? "apply fix" : fix.title},
                       {"kind", "quickfix"},
                       {"diagnostics", json::array({DiagnosticJson(d, r, diag)})},
                       {"isPreferred", true},
                       {"edit", {{"changes", {{d.uri, json::array({edit})}}}}}});
      }
    }
    return out;
  }

  // ---- semantic tokens ----

  json SemanticTokens(Document& d) {
    const CompileResult& r = Analyze(d);
    struct T {
      uint32_t b, e;
      int type, mods;
    };
    std::vector<T> toks;
    auto add = [&](SourceRange rg, int type, int mods = 0) {
      if (rg.valid() && rg.end > rg.begin && rg.end <= d.text.size()) toks.push_back({rg.begin, rg.end, type, mods});
    };
    if (r.ast && r.names) {
      for (const auto& c : r.ast->comments) add(c.range, kTkComment);
      for (const Symbol& s : r.names->symbols()) {
        if (s.range.file != r.file) continue;
        int mods = s.is_decl ? 1 : 0;
        switch (s.kind) {
          case SymKind::kField: add(s.range, kTkProperty); break;
          case SymKind::kVar: add(s.range, kTkParameter, mods); break;
          case SymKind::kConst: add(s.range, kTkVariable, mods | 2); break;
          case SymKind::kDefine: add(s.range, kTkFunction, mods); break;
          case SymKind::kSegment: add(s.range, kTkClass, mods); break;
          case SymKind::kCampaign: add(s.range, kTkNamespace, mods); break;
          case SymKind::kFunction: add(s.range, kTkFunction, s.fn ? 4 : 0); break;
          case SymKind::kChannel: add(s.range, kTkEnumMember); break;
          case SymKind::kLabel: add(s.range, kTkEnumMember); break;
          case SymKind::kNone: break;
        }
      }
    }
    // Keywords, strings and numbers from a light scan (comments skipped).
    std::set<std::string> kw(kKeywords.begin(), kKeywords.end());
    for (uint32_t i = 0; i < d.text.size();) {
      char c = d.text[i];
      if (c == '#') {
        while (i < d.text.size() && d.text[i] != '\n') ++i;
      } else if (c == '"') {
        uint32_t b = i++;
        while (i < d.text.size() && d.text[i] != '"' && d.text[i] != '\n') i += d.text[i] == '\\' ? 2 : 1;
        if (i < d.text.size() && d.text[i] == '"') ++i;
        add(SourceRange{1, b, std::min<uint32_t>(i, static_cast<uint32_t>(d.text.size()))}, kTkString);
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        uint32_t b = i;
        while (i < d.text.size() && (IsIdentChar(d.text[i]) || d.text[i] == '-' || d.text[i] == ':' ||
                                     d.text[i] == '.' || d.text[i] == '%'))
          ++i;
        // `14 days`: the unit is part of the literal too.
        add(SourceRange{1, b, i}, kTkNumber);
      } else if (IsIdentChar(c)) {
        uint32_t b = i;
        while (i < d.text.size() && IsIdentChar(d.text[i])) ++i;
        bool after_dot = b > 0 && d.text[b - 1] == '.';
        if (!after_dot && kw.count(d.text.substr(b, i - b))) add(SourceRange{1, b, i}, kTkKeyword);
      } else {
        ++i;
      }
    }
    std::sort(toks.begin(), toks.end(), [](const T& a, const T& b) { return a.b < b.b || (a.b == b.b && a.e > b.e); });
    json data = json::array();
    uint32_t prev_line = 0, prev_char = 0, last_end = 0;
    for (const T& t : toks) {
      if (t.b < last_end) continue;  // overlapping: keep the first
      Position p = d.index.ToPosition(t.b), q = d.index.ToPosition(t.e);
      if (q.line != p.line) continue;  // tokens never span lines here
      uint32_t dl = p.line - prev_line, dc = dl == 0 ? p.character - prev_char : p.character;
      for (uint32_t v : {dl, dc, q.character - p.character, static_cast<uint32_t>(t.type), static_cast<uint32_t>(t.mods)})
        data.push_back(v);
      prev_line = p.line;
      prev_char = p.character;
      last_end = t.e;
    }
    return json{{"data", data}};
  }

  // ---- dispatch ----

  void HandleNotification(const std::string& method, json& params) {
    if (method == "exit") {
      exited = true;
      return;
    }
    if (method == "$/cancelRequest") {
      if (params.contains("id")) cancelled.insert(params["id"].dump(-1, ' ', false, json::error_handler_t::replace));
      return;
    }
    if (!initialized) return;
    if (method == "textDocument/didOpen") {
      if (!params.is_object() || !params.contains("textDocument")) return;
      json& td = params["textDocument"];
      if (!td.is_object()) return;
      auto doc = std::make_unique<Document>();
      doc->uri = td.value("uri", "");
      doc->path = UriToPath(doc->uri);
      doc->version = td.value("version", 0);
      Document& ref = *doc;
      docs[doc->uri] = std::move(doc);
      SetText(ref, td.contains("text") && td["text"].is_string() ? std::move(td["text"].get_ref<std::string&>()) : "");
    } else if (method == "textDocument/didChange") {
      Document* d = Doc(params);
      if (!d) return;
      d->version = params["textDocument"].value("version", d->version);
      json& changes = params["contentChanges"];
      if (!changes.is_array()) return;
      for (json& ch : changes) {
        if (!ch.is_object() || !ch.contains("text") || !ch["text"].is_string()) continue;
        std::string& text = ch["text"].get_ref<std::string&>();
        if (ch.contains("range")) {
          // Incremental sync: the range is replaced in place (no copy of the document).
          uint32_t b = Offset(*d, Get(Get(ch, "range"), "start")), e = Offset(*d, Get(Get(ch, "range"), "end"));
          d->text.replace(b, std::max(b, e) - b, text);
          TextChanged(*d);
        } else {
          SetText(*d, std::move(text));
        }
      }
    } else if (method == "textDocument/didClose") {
      Document* d = Doc(params);
      if (!d) return;
      std::string uri = d->uri;
      Notify("textDocument/publishDiagnostics", {{"uri", uri}, {"diagnostics", json::array()}});
      docs.erase(uri);
    }
  }

  json HandleRequest(const std::string& method, const json& params) {
    if (method == "shutdown") {
      shutdown = true;
      return nullptr;
    }
    Document* d = Doc(params);
    if (method == "textDocument/hover") return d ? Hover(*d, params) : json(nullptr);
    if (method == "textDocument/completion") return d ? Completion(*d, params) : json(nullptr);
    if (method == "textDocument/definition") return d ? Definition(*d, params) : json(nullptr);
    if (method == "textDocument/references") return d ? References(*d, params) : json(nullptr);
    if (method == "textDocument/documentSymbol") return d ? Symbols(*d) : json(nullptr);
    if (method == "textDocument/formatting") return d ? Formatting(*d) : json(nullptr);
    if (method == "textDocument/codeAction") return d ? CodeActions(*d, params) : json::array();
    if (method == "textDocument/semanticTokens/full") return d ? SemanticTokens(*d) : json(nullptr);
    throw UnknownMethod{};
  }

  void Handle(std::string_view text) {
    HandleMessage(text);
    retired.clear();
  }

  void HandleMessage(std::string_view text) {
    json msg;
    try {
      msg = json::parse(text);
    } catch (const std::exception& e) {
      Error(nullptr, kParseError, std::string("cannot parse the message: ") + e.what());
      return;
    }
    if (!msg.is_object()) {
      Error(nullptr, kInvalidRequest, "a message must be a JSON object");
      return;
    }
    if (!msg.contains("method")) return;  // a response to a server request: none are sent
    std::string method = msg["method"].is_string() ? msg["method"].get<std::string>() : "";
    json params = msg.contains("params") ? std::move(msg["params"]) : json::object();
    if (!msg.contains("id")) {
      try {
        HandleNotification(method, params);
      } catch (const std::exception&) {
        // A malformed notification cannot be answered; ignore it.
      }
      return;
    }
    json id = msg["id"];
    if (cancelled.erase(id.dump(-1, ' ', false, json::error_handler_t::replace))) return Error(id, kRequestCancelled, "the request was cancelled");
    if (method == "initialize") {
      initialized = true;
      return Reply(id, Initialize(params));
    }
    if (!initialized) return Error(id, kServerNotInitialized, "the server is not initialized");
    if (shutdown) return Error(id, kInvalidRequest, "the server is shutting down");
    try {
      Reply(id, HandleRequest(method, params));
    } catch (const UnknownMethod&) {
      Error(id, kMethodNotFound, "unknown method `" + method + "`");
    } catch (const std::exception& e) {
      Error(id, kInvalidParams, std::string("invalid parameters: ") + e.what());
    }
  }
};

Server::Server(Sender send, ServerOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->send = std::move(send);
  impl_->options = options;
}
Server::~Server() = default;

void Server::Handle(std::string_view message) { impl_->Handle(message); }
void Server::Cancel(const std::string& id_json) { impl_->cancelled.insert(id_json); }
void Server::FlushDiagnostics() {
  for (auto& [uri, d] : impl_->docs)
    if (d->dirty) impl_->Publish(*d);
}
bool Server::HasPendingDiagnostics() const {
  for (const auto& [uri, d] : impl_->docs)
    if (d->dirty) return true;
  return false;
}
bool Server::exited() const { return impl_->exited; }
int Server::exit_code() const { return impl_->shutdown ? 0 : 1; }
uint64_t Server::compile_count() const { return impl_->compiles; }

}  // namespace cohort::lsp
