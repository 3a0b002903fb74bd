// Session state, declarations and compilation (diagnostic mapping), data
// loading and bare expressions. The reporting commands are in commands.cpp.
#include "tools/repl/session.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <cstdlib>

#include <fmt/format.h>

#include "compiler/driver/driver.h"
#include "core/contacts.h"
#include "core/dates.h"
#include "runtime/measure/contacts.h"
#include "runtime/suppress.h"
#include "runtime/arrow/arrow_data.h"
#include "runtime/interp/interpreter.h"
#include "tools/repl/session_internal.h"

namespace cohort::repl {

namespace fs = std::filesystem;

std::atomic<bool> g_interrupted{false};

std::string Thousands(int64_t n) { return FormatCount(n); }  // runtime/suppress.h

std::string CountOf(int64_t n, int64_t total, int64_t min_cell) {
  if (IsSmallCell(n, min_cell)) return fmt::format("{} of {}", ShowCount(n, min_cell), Thousands(total));
  double pct = total ? 100.0 * static_cast<double>(n) / static_cast<double>(total) : 0.0;
  return fmt::format("{} of {} ({:.1f}%)", Thousands(n), Thousands(total), pct);
}

double SecondsSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// ---- Diagnostics mapped back to their origin ---------------------------------------

/// Rebuilds a SourceManager holding the origins (typed lines, loaded files,
/// schema files) and re-points every range of a diagnostic at them.
class DiagMapper {
 public:
  explicit DiagMapper(const Compiled& c) : c_(c) {}

  SourceRange Map(SourceRange r) {
    if (!r.valid() || r.file > c_.result.sources->size()) return r;
    if (r.file != c_.result.file) return {Copy(r.file), r.begin, r.end};
    const auto& pieces = c_.pieces;
    if (pieces.empty()) return {};
    // The piece holding r.begin; text between pieces belongs to the next one.
    const Compiled::Piece* p = &pieces.back();
    for (const auto& piece : pieces) {
      if (r.begin <= piece.end) {
        p = &piece;
        break;
      }
    }
    uint32_t b = std::clamp(r.begin, p->begin, p->end);
    uint32_t e = std::clamp(std::max(r.end, r.begin), p->begin, p->end);
    return {Origin(*p), p->origin_offset + (b - p->begin), p->origin_offset + (e - p->begin)};
  }

  Diagnostic Map(const Diagnostic& d) {
    Diagnostic out = d;
    out.range = Map(d.range);
    for (auto& n : out.notes) n.range = Map(n.range);
    for (auto& f : out.fixits) f.range = Map(f.range);
    return out;
  }

  const SourceManager& sources() const { return sm_; }

 private:
  FileId Origin(const Compiled::Piece& p) {
    auto key = std::make_pair(p.origin, p.origin_text.get());
    auto it = origins_.find(key);
    if (it != origins_.end()) return it->second;
    FileId id = sm_.Add(p.origin, *p.origin_text);
    origins_[key] = id;
    return id;
  }
  FileId Copy(FileId f) {
    auto it = copies_.find(f);
    if (it != copies_.end()) return it->second;
    const SourceFile& src = c_.result.sources->Get(f);
    FileId id = sm_.Add(src.name(), src.text());
    copies_[f] = id;
    return id;
  }

  const Compiled& c_;
  SourceManager sm_;
  std::map<std::pair<std::string, const std::string*>, FileId> origins_;
  std::map<FileId, FileId> copies_;
};

// ---- Session --------------------------------------------------------------------------

Session::Session(SessionOptions options) : options_(options) {
  if (const char* d = std::getenv("COHORT_REPL_TEST_BATCH_DELAY_MS")) test_delay_ms_ = std::atoi(d);
}

bool Session::Cancelled() {
  if (test_delay_ms_ > 0 && !g_interrupted) std::this_thread::sleep_for(std::chrono::milliseconds(test_delay_ms_));
  if (!g_interrupted) return false;
  if (options_.interactive) std::fputs("\n", options_.err);
  Error("cancelled");
  return true;
}
Session::~Session() = default;

void Session::Out(const std::string& text) {
  std::fflush(options_.err);
  std::fputs(text.c_str(), options_.out);
  std::fflush(options_.out);
}

void Session::Error(const std::string& message) {
  std::fflush(options_.out);
  if (options_.color)
    std::fprintf(options_.err, "\x1b[1;31merror\x1b[0m: %s\n", message.c_str());
  else
    std::fprintf(options_.err, "error: %s\n", message.c_str());
  std::fflush(options_.err);
}

void Session::Note(const std::string& message) {
  std::fflush(options_.out);
  std::fprintf(options_.err, "note: %s\n", message.c_str());
  std::fflush(options_.err);
}

void Session::Timer(double seconds) {
  if (timer_) Out(fmt::format("time: {:.3f}s\n", seconds));
}

ExecContext Session::Context() const {
  ExecContext ctx;
  ctx.today = options_.today;
  ctx.now = int64_t{options_.today} * kMicrosPerDay;
  return ctx;
}

bool Session::InitSchema(const std::string& first_file) {
  CompileOptions co;
  co.warn_unused = false;
  CompileResult r = first_file.empty() ? Compile("", co) : CompileFile(first_file, co);
  if (!r.schema) {
    bool any = false;
    for (const auto& d : r.diags.all()) {
      if (d.severity != Severity::Error) continue;
      std::fflush(options_.out);
      std::fputs(RenderText(d, *r.sources, options_.color).c_str(), options_.err);
      any = true;
    }
    if (!any) Error(fmt::format("cannot resolve the schema of `{}`", first_file));
    return false;
  }
  schema_ = r.schema;
  use_is_path_ = false;
  use_line_ = schema_->name.empty() ? "Patient" : schema_->name;
  if (r.ast && !r.ast->uses.empty() && r.ast->uses.front().is_path) {
    use_is_path_ = true;
    std::error_code ec;
    fs::path p = schema_->file_path;
    use_line_ = fs::absolute(p, ec).lexically_normal().string();
  }
  return Recompile();
}

bool Session::LoadData(const std::string& dir) {
  auto t0 = std::chrono::steady_clock::now();
  std::vector<DataError> errors;
  // Issue 12: with a ledger, records carry the contacts column (core/contacts.h),
  // filled once here, so programs that read contact history can run on them.
  std::shared_ptr<const Schema> load_schema = schema_;
  measure::ContactIndex contacts;
  if (!options_.ledger_dir.empty()) {
    std::string error = measure::ReadContacts(options_.ledger_dir, "", &contacts);
    if (!error.empty()) {
      Error(error);
      return false;
    }
    load_schema = WithContactsColumn(*schema_);
  }
  auto reader = OpenDataReader(load_schema, dir, &errors);
  auto print_errors = [&](const std::vector<DataError>& errs) {
    for (const auto& e : errs) Error(e.ToString());
  };
  if (!reader) {
    print_errors(errors);
    Error(fmt::format("cannot load records from `{}`", dir));
    return false;
  }
  auto data = std::make_unique<LoadedData>();
  data->dir = dir;
  bool shown = false;
  while (true) {
    if (g_interrupted) {
      if (shown) std::fputs("\r\x1b[K", options_.err);
      Error("loading cancelled; no records are loaded");
      return false;
    }
    auto b = std::make_unique<Batch>(*load_schema);
    if (!reader->Next(b.get(), kBatchRows)) break;
    if (load_schema != schema_)
      contacts.Fill(b.get(), static_cast<ColumnId>(schema_->columns.size()), schema_->key_column());
    data->records += b->num_rows();
    data->batches.push_back(std::move(b));
    if (options_.progress && (data->records >= 100000 || shown)) {
      std::fprintf(options_.err, "\rloading %s: %s records", dir.c_str(), Thousands(data->records).c_str());
      std::fflush(options_.err);
      shown = true;
    }
  }
  if (shown) {
    std::fputs("\r\x1b[K", options_.err);
    std::fflush(options_.err);
  }
  if (!reader->errors().empty()) {
    print_errors(reader->errors());
    Error(fmt::format("data errors in `{}`; no records are loaded", dir));
    return false;
  }
  data->stats = reader->stats();
  for (auto& b : data->batches) data->views.push_back(b->View());
  data_ = std::move(data);
  key_index_.clear();
  engine_.reset();
  if (options_.progress) {
    std::fprintf(options_.err, "loaded %s records from %s in %.2fs\n", Thousands(data_->records).c_str(), dir.c_str(),
                 SecondsSince(t0));
    std::fflush(options_.err);
  }
  return true;
}

bool Session::NeedData() {
  if (data_) return true;
  Error("no records are loaded; start the REPL with `--data DIR`");
  return false;
}

// Builds the synthetic source (every declaration, then the optional tail
// wrapped as `define __repl_expr = <tail>`), compiles it against the
// session's schema and prints the diagnostics mapped back to their origins.
bool Session::CompileChunks(const std::vector<Chunk>& chunks, const std::string* tail, std::unique_ptr<Compiled>* out,
                            const std::string& tail_origin) {
  auto c = std::make_unique<Compiled>();
  for (const Chunk& ch : chunks) {
    Compiled::Piece p;
    p.begin = static_cast<uint32_t>(c->text.size());
    c->text += ch.text;
    p.end = static_cast<uint32_t>(c->text.size());
    p.origin = ch.origin;
    p.origin_text = ch.origin_text;
    p.origin_offset = ch.origin_offset;
    c->pieces.push_back(std::move(p));
    c->text += "\n\n";
  }
  if (tail) {
    c->text += fmt::format("define {} =\n", kExprName);
    Compiled::Piece p;
    p.begin = static_cast<uint32_t>(c->text.size());
    c->text += *tail;
    p.end = static_cast<uint32_t>(c->text.size());
    p.origin = tail_origin;
    p.origin_text = std::make_shared<const std::string>(*tail);
    c->pieces.push_back(std::move(p));
    c->text += "\n";
  }
  CompileOptions co;
  co.file_name = "<session>";
  co.schema = schema_;
  co.today = options_.today;
  co.warn_unused = false;
  c->result = Compile(c->text, co);
  DiagMapper mapper(*c);
  for (const auto& d : c->result.diags.all()) {
    std::fflush(options_.out);
    std::fputs(RenderText(mapper.Map(d), mapper.sources(), options_.color).c_str(), options_.err);
  }
  std::fflush(options_.err);
  if (!c->result.internal_error.empty()) {
    Error("internal error: " + c->result.internal_error);
    return false;
  }
  if (!c->result.ok()) return false;
  if (auto d = LedgerDiagnostic(c->result, !options_.ledger_dir.empty(), false)) {  // issue 12: E0702
    std::fflush(options_.out);
    std::fputs(RenderText(mapper.Map(*d), mapper.sources(), options_.color).c_str(), options_.err);
    std::fflush(options_.err);
    ledger_missing_ = true;
    return false;
  }
  c->interp = std::make_shared<interp::Interpreter>(c->result.program);
  *out = std::move(c);
  return true;
}

bool Session::Recompile() {
  std::unique_ptr<Compiled> c;
  if (!CompileChunks(chunks_, nullptr, &c, "")) return false;
  compiled_ = std::move(c);
  engine_.reset();
  return true;
}

// Splits a unit or a file into one chunk per declaration (each with the
// comments just above it), using the project's parser.
bool Session::SplitDeclarations(const std::string& text, const std::string& origin, std::vector<Chunk>* out,
                                std::string* use_name) {
  CompileResult parsed = ParseOnly(text, origin);
  const auto& m = parsed.ast;
  if (parsed.diags.has_errors() || !m) {
    for (const auto& d : parsed.diags.all()) {
      std::fflush(options_.out);
      std::fputs(RenderText(d, *parsed.sources, options_.color).c_str(), options_.err);
    }
    std::fflush(options_.err);
    return false;
  }
  auto origin_text = std::make_shared<const std::string>(text);
  uint32_t prev_end = 0;
  for (const auto& [kind, idx] : m->order) {
    Chunk ch;
    SourceRange range;
    switch (kind) {
      case ast::Module::DeclKind::kUse:
        *use_name = m->uses[idx].name;
        prev_end = m->uses[idx].range.end;
        continue;
      case ast::Module::DeclKind::kConst:
        ch.kind = Chunk::Kind::kConst, ch.name = m->consts[idx].name, range = m->consts[idx].range;
        break;
      case ast::Module::DeclKind::kDefine:
        ch.kind = Chunk::Kind::kDefine, ch.name = m->defines[idx].name, range = m->defines[idx].range;
        break;
      case ast::Module::DeclKind::kSegment:
        ch.kind = Chunk::Kind::kSegment, ch.name = m->segments[idx].name, range = m->segments[idx].range;
        break;
      case ast::Module::DeclKind::kCampaign:
        ch.kind = Chunk::Kind::kCampaign, ch.name = m->campaigns[idx].name, range = m->campaigns[idx].range;
        break;
      default:  // `test` blocks belong to `cohort test`; the REPL keeps declarations only
        continue;
    }
    // Start after the previous declaration, skipping its line end and blank
    // lines, so comments directly above a declaration travel with it.
    uint32_t begin = std::min<uint32_t>(prev_end, range.begin);
    while (begin < range.begin) {
      size_t nl = text.find('\n', begin);
      if (nl == std::string::npos || nl >= range.begin) break;
      bool blank = true;
      for (size_t i = begin; i < nl; ++i)
        if (!std::isspace(static_cast<unsigned char>(text[i]))) blank = false;
      if (!blank) break;
      begin = static_cast<uint32_t>(nl + 1);
    }
    uint32_t end = std::max(range.end, begin);
    ch.text = text.substr(begin, end - begin);
    ch.origin = origin;
    ch.origin_text = origin_text;
    ch.origin_offset = begin;
    prev_end = end;
    out->push_back(std::move(ch));
  }
  return true;
}

const char* ChunkKindName(Chunk::Kind k) {
  switch (k) {
    case Chunk::Kind::kConst: return "const";
    case Chunk::Kind::kDefine: return "define";
    case Chunk::Kind::kSegment: return "segment";
    case Chunk::Kind::kCampaign: return "campaign";
  }
  return "declaration";
}

bool Session::AddChunks(std::vector<Chunk> fresh, const std::string& what) {
  std::vector<Chunk> candidate = chunks_;
  const size_t existing = candidate.size();
  std::vector<std::string> notes;
  std::vector<std::string> new_segments;
  for (Chunk& ch : fresh) {
    if (ch.kind == Chunk::Kind::kSegment) new_segments.push_back(ch.name);
    bool replaced = false;
    for (size_t i = 0; i < existing; ++i) {
      if (candidate[i].kind == ch.kind && candidate[i].name == ch.name) {
        notes.push_back(fmt::format("replaced {} `{}`", ChunkKindName(ch.kind), ch.name));
        candidate[i] = std::move(ch);
        replaced = true;
        break;
      }
    }
    if (!replaced) candidate.push_back(std::move(ch));
  }
  std::unique_ptr<Compiled> c;
  if (!CompileChunks(candidate, nullptr, &c, "")) {
    Error(fmt::format("{} not added; the session is unchanged", what));
    return false;
  }
  chunks_ = std::move(candidate);
  compiled_ = std::move(c);
  engine_.reset();
  for (const auto& n : notes) Note(n);
  // A new segment shows its size at once: the first thing an analyst asks.
  if (data_) {
    for (const auto& name : new_segments) {
      int k = compiled_->program().FindSegment(name);
      if (k < 0) continue;
      int64_t members = 0;
      for (const auto& view : data_->views) {
        if (Cancelled()) return true;
        interp::Session s(*compiled_->interp, view, Context());
        for (uint8_t m : s.Member(static_cast<uint32_t>(k))) members += m;
      }
      double pct = data_->records ? 100.0 * static_cast<double>(members) / static_cast<double>(data_->records) : 0.0;
      if (IsSmallCell(members, options_.min_cell))
        Out(fmt::format("{}: {} members of {} records\n", name, ShowCount(members, options_.min_cell),
                        Thousands(data_->records)));
      else
        Out(fmt::format("{}: {} member{} of {} records ({:.1f}%)\n", name, Thousands(members), members == 1 ? "" : "s",
                        Thousands(data_->records), pct));
    }
  }
  return true;
}

bool Session::CheckUse(const std::string& text, const std::string& base_dir, const std::string& origin) {
  CompileOptions co;
  co.file_name = origin;
  co.base_dir = base_dir;
  co.warn_unused = false;
  CompileResult r = Compile(text, co);
  if (!r.schema) {
    for (const auto& d : r.diags.all()) {
      if (d.severity != Severity::Error) continue;
      std::fflush(options_.out);
      std::fputs(RenderText(d, *r.sources, options_.color).c_str(), options_.err);
    }
    std::fflush(options_.err);
    return false;
  }
  if (r.schema->Fingerprint() != schema_->Fingerprint()) {
    Error(fmt::format("`{}` uses schema `{}` but this session uses `{}`; start another `cohort repl` for it", origin,
                      r.schema->name, schema_->name));
    return false;
  }
  return true;
}

bool Session::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  if (!in || fs::is_directory(path, ec)) {
    Error(fmt::format("cannot read `{}`", path));
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  std::vector<Chunk> fresh;
  std::string use_name;
  if (!SplitDeclarations(text, path, &fresh, &use_name)) return false;
  fs::path parent = fs::path(path).parent_path();
  if (!use_name.empty() && !CheckUse(text, parent.empty() ? "." : parent.string(), path)) return false;
  return AddChunks(std::move(fresh), fmt::format("`{}` was", path));
}

bool Session::Declare(const std::string& text) {
  std::vector<Chunk> fresh;
  std::string use_name;
  if (!SplitDeclarations(text, "<input>", &fresh, &use_name)) return false;
  if (!use_name.empty() && !CheckUse(text, ".", "<input>")) return false;
  if (fresh.empty()) return true;
  std::string what = fresh.size() == 1 ? fmt::format("{} `{}` was", ChunkKindName(fresh[0].kind), fresh[0].name)
                                       : std::string("the declarations were");
  if (!AddChunks(std::move(fresh), what)) return false;
  // Once accepted, typed text is named after what it declares, so a later
  // error in it (after a redefinition) is not confused with the line just typed.
  for (Chunk& ch : chunks_)
    if (ch.origin == "<input>") ch.origin = fmt::format("<{} {}>", ChunkKindName(ch.kind), ch.name);
  return true;
}

// ---- Bare expressions ----------------------------------------------------------------

namespace {

bool ReadsSensitive(const ir::Program& p, ir::ExprId id, std::vector<uint8_t>& seen) {
  if (id == ir::kNoExpr || id >= p.exprs.size() || seen[id]) return false;
  seen[id] = 1;
  const ir::Expr& e = p.exprs[id];
  if ((e.kind == ir::ExprKind::kColumn || e.kind == ir::ExprKind::kQuantifier || e.kind == ir::ExprKind::kAggregate) &&
      e.column < p.schema->columns.size() && p.schema->columns[e.column].sensitive)
    return true;
  if (e.kind == ir::ExprKind::kColumn && p.schema->columns[e.column].path == p.schema->key_field) return true;
  if (e.kind == ir::ExprKind::kDefineRef && e.index < p.defines.size() && ReadsSensitive(p, p.defines[e.index].body, seen))
    return true;
  for (ir::ExprId a : e.args)
    if (ReadsSensitive(p, a, seen)) return true;
  return false;
}

std::string FormatNumber(double v) {
  if (std::isfinite(v) && std::fabs(v - std::round(v)) < 1e-9 && std::fabs(v) < 1e15) return Thousands(static_cast<int64_t>(std::llround(v)));
  return fmt::format("{:.2f}", v);
}

}  // namespace

bool Session::Evaluate(const std::string& text) {
  std::unique_ptr<Compiled> c;
  if (!CompileChunks(chunks_, &text, &c, "<input>")) {
    // A bare segment name is a common slip: say how to count its members.
    std::string name = text;
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.back()))) name.pop_back();
    while (!name.empty() && std::isspace(static_cast<unsigned char>(name.front()))) name.erase(0, 1);
    if (compiled_ && compiled_->program().FindSegment(name) >= 0)
      Note(fmt::format("`{0}` is a segment; count its members with `in segment {0}` (or see `.explain {0}`)", name));
    return false;
  }
  const ir::Program& p = c->program();
  if (c->result.ast->order.size() != chunks_.size() + 1) {
    Error("expected one expression; declarations start with `const`, `define`, `segment` or `campaign`");
    return false;
  }
  int d = -1;
  for (size_t i = 0; i < p.defines.size(); ++i)
    if (p.defines[i].name == kExprName) d = static_cast<int>(i);
  if (d < 0) {
    Error("internal error: the expression was not compiled");
    return false;
  }
  if (!NeedData()) return false;
  const ir::ExprId body = p.defines[d].body;
  const ir::Expr& e = p.expr(body);
  auto t0 = std::chrono::steady_clock::now();
  const int64_t total = data_->records;
  if (e.type.kind == TypeKind::kBool) {
    int64_t yes = 0, unknown = 0;
    for (const auto& view : data_->views) {
      if (Cancelled()) return false;
      interp::Session s(*c->interp, view, Context());
      for (Truth t : s.Truth(body)) {
        if (t == Truth::kTrue) ++yes;
        if (t == Truth::kUnknown) ++unknown;
      }
    }
    std::string line = CountOf(yes, total, options_.min_cell);
    if (unknown) line += fmt::format(", {} unknown", ShowCount(unknown, options_.min_cell));
    Out(line + "\n");
    Timer(SecondsSince(t0));
    return true;
  }
  // Other types: a summary over every record (values only for small domains
  // of non-sensitive data, never a key).
  int64_t missing = 0, present = 0;
  double sum = 0, mn = 0, mx = 0;
  int64_t imn = 0, imx = 0;
  std::map<std::string, int64_t> counts;
  bool first = true;
  const TypeKind kind = e.type.kind;
  for (const auto& view : data_->views) {
    if (Cancelled()) return false;
    interp::Session s(*c->interp, view, Context());
    for (const ir::Value& v : s.Values(body)) {
      if (v.is_null) {
        ++missing;
        continue;
      }
      ++present;
      switch (kind) {
        case TypeKind::kInt:
        case TypeKind::kList:
        case TypeKind::kDecimal: {
          double x = kind == TypeKind::kDecimal ? v.d : static_cast<double>(v.i);
          sum += x;
          if (first || x < mn) mn = x;
          if (first || x > mx) mx = x;
          break;
        }
        case TypeKind::kDate:
        case TypeKind::kTimestamp:
          if (first || v.i < imn) imn = v.i;
          if (first || v.i > imx) imx = v.i;
          break;
        case TypeKind::kEnum: {
          const auto& labels = e.type.enum_def->labels;
          ++counts[v.i >= 0 && static_cast<size_t>(v.i) < labels.size() ? labels[v.i] : "?"];
          break;
        }
        default:
          if (counts.size() <= 1000 || counts.count(v.s)) ++counts[v.s];
          break;
      }
      first = false;
    }
  }
  std::string out = fmt::format("{}: ", e.type.ToString());
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kDecimal:
    case TypeKind::kList:
      if (present)
        out += fmt::format("{}min {}, mean {}, max {}", kind == TypeKind::kList ? "elements per record: " : "", FormatNumber(mn),
                           fmt::format("{:.2f}", sum / static_cast<double>(present)), FormatNumber(mx));
      else
        out += "no values";
      break;
    case TypeKind::kDate:
      out += present ? fmt::format("min {}, max {}", FormatDate(static_cast<int32_t>(imn)), FormatDate(static_cast<int32_t>(imx)))
                     : "no values";
      break;
    case TypeKind::kTimestamp:
      out += present ? fmt::format("min {}, max {}", FormatTimestamp(imn), FormatTimestamp(imx)) : "no values";
      break;
    default: {
      std::vector<uint8_t> seen(p.exprs.size(), 0);
      bool sensitive = ReadsSensitive(p, body, seen);
      constexpr size_t kMaxShown = 30;
      if (sensitive || counts.size() > kMaxShown) {
        out += counts.size() > 1000 ? "more than 1,000 distinct values" : fmt::format("{} distinct values", Thousands(counts.size()));
        if (sensitive) out += " (values of sensitive fields and keys are not shown)";
      } else {
        std::vector<std::pair<std::string, int64_t>> sorted(counts.begin(), counts.end());
        std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        out += fmt::format("{} distinct values", sorted.size());
        // The values and `missing` add up to the total: complementary suppression.
        SuppressionTable t(options_.min_cell);
        std::vector<size_t> parts;
        for (const auto& v : sorted) parts.push_back(t.Add(v.second));
        const size_t missing_cell = t.Add(missing);
        parts.push_back(missing_cell);
        t.AddGroup(parts, t.Add(total));
        t.Suppress();
        auto shown = [&](size_t i, int64_t n) { return t.hidden(i) ? fmt::format("{} of {}", t.Show(i), Thousands(total)) : CountOf(n, total); };
        for (size_t i = 0; i < sorted.size(); ++i)
          out += fmt::format("\n  {:<24} {}", kind == TypeKind::kString ? "\"" + sorted[i].first + "\"" : sorted[i].first,
                             shown(parts[i], sorted[i].second));
        if (missing) out += fmt::format("\n  missing: {}", shown(missing_cell, missing));
        missing = 0;  // shown above
      }
      break;
    }
  }
  if (missing) out += fmt::format("\n  missing: {}", CountOf(missing, total, options_.min_cell));
  Out(out + "\n");
  Timer(SecondsSince(t0));
  return true;
}

SessionNames Session::Names() const {
  SessionNames n;
  for (const Chunk& ch : chunks_) {
    if (ch.kind == Chunk::Kind::kConst) n.consts.push_back(ch.name);
    if (ch.kind == Chunk::Kind::kDefine) n.defines.push_back(ch.name);
    if (ch.kind == Chunk::Kind::kSegment) n.segments.push_back(ch.name);
  }
  return n;
}

std::string Session::SaveText(const std::string& save_path) const {
  std::string out = "# Saved by `cohort repl`.\n";
  if (use_is_path_) {
    std::error_code ec;
    fs::path dir = fs::absolute(fs::path(save_path), ec).parent_path();
    fs::path rel = fs::proximate(fs::path(use_line_), dir, ec);
    out += fmt::format("use \"{}\"\n", ec ? use_line_ : rel.string());
  } else {
    out += fmt::format("use {}\n", use_line_);
  }
  for (const Chunk& ch : chunks_) out += "\n" + ch.text + "\n";
  return out;
}

}  // namespace cohort::repl
