// The state of one REPL session: the schema, the declarations typed or
// loaded so far (kept as source text, so every compilation goes through the
// one driver API and `.save` writes them back), the records loaded once into
// memory as batches, and the settings (today, engine, timer).
//
// Every change of declarations or of `today` recompiles the whole session as
// one synthetic source; diagnostics are mapped back to where each piece of
// text came from (the line just typed, or the file it was loaded from), so
// they print exactly like `cohort check`.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "compiler/driver/driver.h"
#include "runtime/batch.h"
#include "runtime/engine.h"
#include "runtime/loader.h"
#include "runtime/run/run.h"

namespace cohort::interp {
class Interpreter;
}

namespace cohort::report {
struct ReportData;
}

namespace cohort::repl {

/// Set by the SIGINT handler; long evaluations poll it between batches.
extern std::atomic<bool> g_interrupted;

/// One declaration of the session, with where its text came from.
struct Chunk {
  enum class Kind { kConst, kDefine, kSegment, kCampaign };
  Kind kind = Kind::kDefine;
  std::string name;
  std::string text;                          ///< the declaration (with its leading comments)
  std::string origin;                        ///< file name, or `<input>`
  std::shared_ptr<const std::string> origin_text;
  uint32_t origin_offset = 0;                ///< where `text` starts in origin_text
};

/// Names the completer offers (fields come from the schema).
struct SessionNames {
  std::vector<std::string> consts, defines, segments;
};

/// Records loaded into memory.
struct LoadedData {
  std::string dir;
  std::vector<std::unique_ptr<Batch>> batches;
  std::vector<CohortBatchView> views;
  int64_t records = 0;
  LoadStats stats;
};

/// A compiled snapshot of the session (program + the text it came from).
struct Compiled;

/// Options of a session.
struct SessionOptions {
  std::FILE* out = stdout;     ///< results
  std::FILE* err = stderr;     ///< diagnostics, notes, errors
  bool color = false;          ///< colored diagnostics
  bool progress = false;       ///< progress indicator on `err` while loading
  bool interactive = false;    ///< a terminal: Ctrl-C's echo needs a line break
  int32_t today = 0;           ///< days since epoch
  int64_t min_cell = 11;       ///< counts from 1 to min_cell-1 are shown as `<N` (0 = off)
  std::string ledger_dir;      ///< the contact ledger: `contacted`, caps and `.measure` ("" = none; issue 12)
};

/// The REPL's state and every command. Methods print their results and
/// return false when they reported an error.
class Session {
 public:
  explicit Session(SessionOptions options);
  ~Session();

  /// Resolves the schema from the first segment file (or `Patient`).
  bool InitSchema(const std::string& first_file);
  /// Loads every record of `dir` into memory.
  bool LoadData(const std::string& dir);
  /// `.load FILE`: adds (or replaces) the file's declarations.
  bool LoadFile(const std::string& path);
  /// A typed unit: declarations (const/define/segment/campaign/use).
  bool Declare(const std::string& text);
  /// A typed bare expression: its count and share of records.
  bool Evaluate(const std::string& text);
  /// A line starting with `.`.
  bool Command(const std::string& line);

  /// True after `.quit`.
  bool quit_requested() const { return quit_; }
  /// Issue 12: a declaration was refused because it reads contact history
  /// and the session has no ledger (`cohort repl` exits 2 for a start file).
  bool ledger_missing() const { return ledger_missing_; }
  const Schema& schema() const { return *schema_; }
  std::shared_ptr<const Schema> schema_ptr() const { return schema_; }
  SessionNames Names() const;
  const std::vector<Chunk>& chunks() const { return chunks_; }
  /// The text `.save` writes.
  std::string SaveText(const std::string& save_path) const;
  int64_t records() const { return data_ ? data_->records : 0; }
  /// Batch `b` as the engine evaluates it (issue 12): the loaded columns the
  /// compiled program's schema has. With a ledger, records carry the contacts
  /// column last; a program that does not read contact history has one
  /// column fewer, and the JIT runs only on batches of its own schema.
  CohortBatchView EngineView(size_t b) const;

 private:
  bool CompileChunks(const std::vector<Chunk>& chunks, const std::string* tail, std::unique_ptr<Compiled>* out,
                     const std::string& tail_origin);
  bool AddChunks(std::vector<Chunk> fresh, const std::string& what);
  bool SplitDeclarations(const std::string& text, const std::string& origin, std::vector<Chunk>* out,
                         std::string* use_name);
  bool CheckUse(const std::string& text, const std::string& base_dir, const std::string& origin);
  ExecContext Context() const;
  /// Polled between batches: true (after printing `cancelled`) once Ctrl-C
  /// was pressed. COHORT_REPL_TEST_BATCH_DELAY_MS slows each batch down so
  /// the terminal tests can interrupt an evaluation reliably.
  bool Cancelled();
  bool Recompile();
  const Engine& CurrentEngine();
  bool NeedData();
  int FindSegmentOrReport(const std::string& name);
  void Error(const std::string& message);
  void Note(const std::string& message);
  void Out(const std::string& text);
  void Timer(double seconds);

  bool CmdHelp();
  bool CmdSchema(const std::string& arg);
  bool CmdSegments();
  bool CmdRun(const std::string& arg);
  bool CmdExplain(const std::string& arg);
  bool CmdOverlap(const std::vector<std::string>& args);
  bool CmdEquity(const std::vector<std::string>& args);
  /// The data of `cohort report` over the loaded records (the engine of `.run`).
  bool BuildReport(const std::vector<std::string>& by, report::ReportData* out);
  bool CmdWhy(const std::vector<std::string>& args);
  bool CmdSample(const std::vector<std::string>& args);
  bool CmdEngine(const std::string& arg);
  bool CmdTimer(const std::string& arg);
  bool CmdToday(const std::string& arg);
  bool CmdSave(const std::string& arg);
  bool CmdMeasure(const std::string& arg);  ///< `.measure SEGMENT` (issue 12)
  bool ComputeReport(RunReport* report);

  SessionOptions options_;
  std::shared_ptr<const Schema> schema_;
  std::string use_line_;          ///< `use Patient` / the schema file path for `.save`
  bool use_is_path_ = false;
  std::vector<Chunk> chunks_;
  std::unique_ptr<Compiled> compiled_;
  std::unique_ptr<LoadedData> data_;
  std::unordered_map<std::string, std::pair<uint32_t, uint32_t>> key_index_;  ///< key -> (batch, row)
  std::string engine_name_ = "interp";
  std::unique_ptr<Engine> engine_;
  bool timer_ = false;
  bool quit_ = false;
  bool ledger_missing_ = false;  ///< issue 12
  int test_delay_ms_ = 0;
};

/// `12,345`.
std::string Thousands(int64_t n);
/// `12,345 of 100,000 (12.3%)`; `<11 of 100,000` when n is a small cell.
std::string CountOf(int64_t n, int64_t total, int64_t min_cell = 0);

}  // namespace cohort::repl
