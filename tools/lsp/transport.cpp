// Transports: Content-Length framing over stdio (with idle-time debouncing of
// diagnostics) and the unframed `--lit-test` mode for golden tests.
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tools/lsp/server.h"

namespace cohort::lsp {
namespace {

/// Adaptive debounce: an edit that arrives when the diagnostics of the edits
/// before it are already published is compiled and published after kGraceMs
/// (so a completion request sent with the keystroke is answered first, from
/// the last side table). An edit that arrives while a publish is still
/// pending (typing faster than the server compiles and publishes, or edits
/// queued behind a compile) is part of a burst: each one in the burst waits
/// kDebounceStepMs more, up to kMaxDebounceMs, so fast typing on a large file
/// does not compile every keystroke. A cheap compile thus costs no delay and
/// an expensive one batches the keystrokes that arrive meanwhile.
constexpr int kGraceMs = 2;
constexpr int kDebounceStepMs = 25;
constexpr int kMaxDebounceMs = 150;

/// The debounce state of the stdio transport.
class Debounce {
 public:
  /// Called for every didChange; `pending`: diagnostics of earlier edits not yet published.
  void OnChange(bool pending) { level_ = pending ? std::min(level_ + 1, kMaxDebounceMs / kDebounceStepMs) : 0; }
  /// How long input must stay idle before diagnostics are published.
  int DelayMs() const { return std::max(kGraceMs, level_ * kDebounceStepMs); }

 private:
  int level_ = 0;
};

/// If `msg` is a `$/cancelRequest`, returns the JSON text of the id it cancels.
std::string CancelledId(const std::string& msg) {
  if (msg.find("$/cancelRequest") == std::string::npos) return "";
  try {
    auto j = nlohmann::json::parse(msg);
    if (j.value("method", "") == "$/cancelRequest" && j.contains("params") && j["params"].contains("id"))
      return j["params"]["id"].dump();
  } catch (const std::exception&) {
  }
  return "";
}

bool IsDidChange(const std::string& msg) {
  if (msg.find("didChange") == std::string::npos) return false;
  try {
    return nlohmann::json::parse(msg).value("method", "") == "textDocument/didChange";
  } catch (const std::exception&) {
    return false;
  }
}

/// Reads framed messages from a file descriptor.
class FramedReader {
 public:
  explicit FramedReader(int fd) : fd_(fd) {}

  /// Moves every complete message in the buffer to `out`. Returns false on a
  /// framing error (the stream cannot be resynchronised).
  bool Extract(std::deque<std::string>& out) {
    for (;;) {
      size_t end = buf_.find("\r\n\r\n");
      if (end == std::string::npos) return true;
      size_t length = SIZE_MAX;
      std::istringstream headers(buf_.substr(0, end));
      std::string line;
      while (std::getline(headers, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string kName = "content-length:";
        std::string lower;
        for (char c : line.substr(0, kName.size())) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (lower == kName) {
          try {
            length = std::stoul(line.substr(kName.size()));
          } catch (const std::exception&) {
            return false;
          }
        }
      }
      if (length == SIZE_MAX || length > (256u << 20)) return false;
      if (buf_.size() < end + 4 + length) return true;
      out.push_back(buf_.substr(end + 4, length));
      buf_.erase(0, end + 4 + length);
    }
  }

  /// Waits up to `timeout_ms` (-1: forever) for input and appends it.
  /// Returns 1 when data was read, 0 on timeout, -1 on EOF or error.
  int Read(int timeout_ms) {
    pollfd p{fd_, POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n == 0) return 0;
    if (n < 0) return errno == EINTR ? 0 : -1;
    char chunk[65536];
    ssize_t got = ::read(fd_, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) return 0;
    if (got <= 0) return -1;
    buf_.append(chunk, static_cast<size_t>(got));
    return 1;
  }

 private:
  int fd_;
  std::string buf_;
};

}  // namespace

int RunStdio(int in_fd, std::ostream& out, ServerOptions options) {
  Server server(
      [&out](const std::string& body) {
        out << "Content-Length: " << body.size() << "\r\n\r\n" << body;
        out.flush();
      },
      options);
  FramedReader reader(in_fd);
  Debounce debounce;
  std::deque<std::string> queue;
  bool eof = false;
  while (!server.exited()) {
    if (!reader.Extract(queue)) return 1;
    // Cancellations apply to requests still waiting in the queue.
    for (const auto& m : queue) {
      std::string id = CancelledId(m);
      if (!id.empty()) server.Cancel(id);
    }
    if (!queue.empty()) {
      std::string msg = std::move(queue.front());
      queue.pop_front();
      // A cheap test (no JSON parse of a whole document): only the delay depends on it.
      if (msg.find("\"textDocument/didChange\"") != std::string::npos) debounce.OnChange(server.HasPendingDiagnostics());
      server.Handle(msg);
      continue;
    }
    if (eof) break;
    int delay = options.fixed_debounce_ms >= 0 ? options.fixed_debounce_ms : debounce.DelayMs();
    int got = reader.Read(server.HasPendingDiagnostics() ? delay : -1);
    if (got == 0) server.FlushDiagnostics();  // input idle: publish
    if (got < 0) eof = true;
  }
  return server.exited() ? server.exit_code() : 1;
}

int RunLitTest(std::istream& in, std::ostream& out, ServerOptions options) {
  Server server([&out](const std::string& body) { out << body << "\n"; }, options);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Split into top-level JSON objects (strings and nesting respected).
  std::vector<std::string> messages;
  size_t i = 0;
  while (i < text.size()) {
    char c = text[i];
    if (c == '/' && i + 1 < text.size() && text[i + 1] == '/') {
      while (i < text.size() && text[i] != '\n') ++i;
      continue;
    }
    if (c != '{') {
      ++i;
      continue;
    }
    size_t b = i;
    int depth = 0;
    bool in_string = false;
    for (; i < text.size(); ++i) {
      char d = text[i];
      if (in_string) {
        if (d == '\\') ++i;
        else if (d == '"') in_string = false;
      } else if (d == '"') {
        in_string = true;
      } else if (d == '{') {
        ++depth;
      } else if (d == '}' && --depth == 0) {
        ++i;
        break;
      }
    }
    messages.push_back(text.substr(b, i - b));
  }
  for (const auto& m : messages) {
    std::string id = CancelledId(m);
    if (!id.empty()) server.Cancel(id);
  }
  for (const auto& m : messages) {
    if (server.exited()) break;
    if (!IsDidChange(m)) server.FlushDiagnostics();
    server.Handle(m);
  }
  server.FlushDiagnostics();
  out.flush();
  return server.exited() ? server.exit_code() : 0;
}

}  // namespace cohort::lsp
