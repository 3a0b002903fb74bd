#include "tools/repl/repl.h"

#include <histedit.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

#include <fmt/format.h>

#include "core/dates.h"
#include "tools/repl/complete.h"
#include "tools/repl/input.h"
#include "tools/repl/session.h"

namespace cohort::repl {

namespace {

void OnSigint(int) { g_interrupted = true; }

/// libedit around one terminal: prompt, history file, completion.
class LineEditor {
 public:
  enum class Status { kLine, kEof, kInterrupted };

  LineEditor(Session* session, std::string history_path) : session_(session), history_path_(std::move(history_path)) {
    el_ = el_init("cohort", stdin, stdout, stderr);
    hist_ = history_init();
    HistEvent ev;
    history(hist_, &ev, H_SETSIZE, 2000);
    history(hist_, &ev, H_SETUNIQUE, 1);
    if (!history_path_.empty()) history(hist_, &ev, H_LOAD, history_path_.c_str());
    el_set(el_, EL_CLIENTDATA, this);
    el_set(el_, EL_EDITOR, "emacs");
    el_set(el_, EL_PROMPT, &LineEditor::PromptFn);
    el_set(el_, EL_HIST, history, hist_);
    el_set(el_, EL_ADDFN, "cohort-complete", "complete a name", &LineEditor::CompleteFn);
    el_set(el_, EL_BIND, "^I", "cohort-complete", nullptr);
    el_source(el_, nullptr);  // ~/.editrc
  }
  ~LineEditor() {
    history_end(hist_);
    el_end(el_);
  }

  Status Read(const std::string& prompt, const std::string& pending, std::string* line) {
    prompt_ = prompt;
    pending_ = pending;
    int count = 0;
    errno = 0;
    const char* s = el_gets(el_, &count);
    if (g_interrupted) {
      el_reset(el_);
      std::fputs("^C\n", stdout);
      std::fflush(stdout);
      return Status::kInterrupted;
    }
    if (!s || count <= 0) return Status::kEof;
    *line = s;
    while (!line->empty() && (line->back() == '\n' || line->back() == '\r')) line->pop_back();
    return Status::kLine;
  }

  void Remember(const std::string& line) {
    if (IsBlank(line)) return;
    HistEvent ev;
    history(hist_, &ev, H_ENTER, line.c_str());
    if (history_path_.empty()) return;
    // Typed lines may hold record keys: the file is private to the user.
    history(hist_, &ev, H_SAVE, history_path_.c_str());
    ::chmod(history_path_.c_str(), 0600);
  }

 private:
  static LineEditor* Self(EditLine* el) {
    void* p = nullptr;
    el_get(el, EL_CLIENTDATA, &p);
    return static_cast<LineEditor*>(p);
  }
  static char* PromptFn(EditLine* el) { return const_cast<char*>(Self(el)->prompt_.c_str()); }

  static unsigned char CompleteFn(EditLine* el, int) {
    LineEditor* self = Self(el);
    const LineInfo* li = el_line(el);
    std::string before(li->buffer, static_cast<size_t>(li->cursor - li->buffer));
    Completion c = Complete(self->pending_, before, self->session_->schema(), self->session_->Names());
    if (c.candidates.empty()) return CC_ERROR;
    std::string typed = before.substr(c.start);
    std::string common = CommonPrefix(c.candidates);
    if (c.candidates.size() == 1) {
      std::string add = common.substr(typed.size());
      if (!add.empty() && add.back() != '/' && add.back() != '.') add += " ";
      if (!add.empty()) el_insertstr(el, add.c_str());
      return CC_REFRESH;
    }
    if (common.size() > typed.size()) {
      el_insertstr(el, common.substr(typed.size()).c_str());
      return CC_REFRESH;
    }
    // Ambiguous: list the candidates in columns under the line.
    size_t width = 0;
    for (const auto& s : c.candidates) width = std::max(width, s.size());
    width += 2;
    size_t cols = std::max<size_t>(1, 80 / width);
    std::string out = "\n";
    for (size_t i = 0; i < c.candidates.size(); ++i) {
      out += fmt::format("{:<{}}", c.candidates[i], width);
      if ((i + 1) % cols == 0 || i + 1 == c.candidates.size()) out += "\n";
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    return CC_REDISPLAY;
  }

  Session* session_;
  std::string history_path_;
  EditLine* el_ = nullptr;
  History* hist_ = nullptr;
  std::string prompt_;
  std::string pending_;
};

std::string HistoryPath() {
  if (const char* h = std::getenv("COHORT_HISTORY")) return h;
  if (const char* home = std::getenv("HOME")) return std::string(home) + "/.cohort_history";
  return "";
}

}  // namespace

int RunRepl(const ReplOptions& options) {
  const bool interactive = ::isatty(0) && ::isatty(1);
  SessionOptions so;
  so.min_cell = options.min_cell;
  so.ledger_dir = options.ledger_dir;
  so.color = interactive && ::isatty(2) && !std::getenv("NO_COLOR");
  so.progress = ::isatty(2);
  so.interactive = interactive;
  so.today = options.today ? *options.today : TodayUtc();
  Session session(so);

  // Ctrl-C sets a flag (no SA_RESTART, so a blocked read returns) that the
  // evaluation loops poll between batches; it never ends the session.
  // A script keeps the default: Ctrl-C stops it.
  if (interactive) {
    struct sigaction sa {};
    sa.sa_handler = OnSigint;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGINT, &sa, nullptr);
  }

  if (!session.InitSchema(options.files.empty() ? "" : options.files[0])) return 1;
  if (!options.data_dir.empty() && !session.LoadData(options.data_dir)) return 3;
  for (const auto& f : options.files)
    if (!session.LoadFile(f)) return session.ledger_missing() ? 2 : 1;

  std::unique_ptr<LineEditor> editor;
  if (interactive) {
    editor = std::make_unique<LineEditor>(&session, HistoryPath());
    std::printf("cohort repl: %s records%s, today %s. Type .help for help, Ctrl-D to exit.\n",
                session.records() ? fmt::format("{}", Thousands(session.records())).c_str() : "no",
                options.data_dir.empty() ? "" : fmt::format(" from {}", options.data_dir).c_str(),
                FormatDate(so.today).c_str());
    std::fflush(stdout);
  }

  bool had_error = false;
  std::string pending;
  UnitKind kind = UnitKind::kEmpty;
  auto flush = [&] {
    std::string text;
    text.swap(pending);
    if (IsBlank(text)) return;
    g_interrupted = false;
    bool ok = (kind == UnitKind::kExpression) ? session.Evaluate(text) : session.Declare(text);
    had_error = had_error || !ok;
  };

  while (!session.quit_requested()) {
    std::string line;
    if (editor) {
      g_interrupted = false;
      auto st = editor->Read(pending.empty() ? "cohort> " : "   ...> ", pending, &line);
      if (st == LineEditor::Status::kEof) {
        std::fputs("\n", stdout);
        break;
      }
      if (st == LineEditor::Status::kInterrupted) {
        pending.clear();
        continue;
      }
      editor->Remember(line);
    } else {
      if (!std::getline(std::cin, line)) break;
      if (!line.empty() && line.back() == '\r') line.pop_back();
    }
    if (!pending.empty()) {
      if (IsBlank(line)) {
        flush();
        continue;
      }
      if (kind == UnitKind::kSegment && StartsNewUnit(line)) {
        flush();
      } else {
        pending += "\n" + line;
        if (!NeedsMoreInput(pending, kind)) flush();
        continue;
      }
    }
    kind = ClassifyUnit(line);
    switch (kind) {
      case UnitKind::kEmpty:
      case UnitKind::kComment:
        break;
      case UnitKind::kCommand: {
        g_interrupted = false;
        size_t i = line.find('.');
        if (!session.Command(line.substr(i))) had_error = true;
        break;
      }
      default:
        pending = line;
        if (!NeedsMoreInput(pending, kind)) flush();
        break;
    }
  }
  if (!pending.empty()) flush();
  return had_error && !interactive ? 1 : 0;
}

}  // namespace cohort::repl
