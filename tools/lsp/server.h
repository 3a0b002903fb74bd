// `cohort lsp`: a Language Server Protocol 3.17 server on the same driver as
// the CLI (Compile() -> diagnostics, AST, checked program). Messages are
// JSON-RPC 2.0 text; the transport (Content-Length framing over stdio, or the
// unframed `--lit-test` mode for golden tests) lives in RunStdio/RunLitTest.
#pragma once

#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>

namespace cohort::lsp {

/// Tunables of a server instance (tests shorten or disable them).
struct ServerOptions {
  uint32_t clear_caches_every = 200;  ///< ClearCompilerCaches() after this many compiles
  bool incremental = true;            ///< re-parse only changed declarations (CompileCache)
  int fixed_debounce_ms = -1;         ///< >= 0: a fixed debounce instead of the adaptive one
};

/// The protocol state machine. Feed it messages with Handle(); it sends
/// responses and notifications (JSON text) through `send`. Diagnostics are
/// debounced: edits only mark a document dirty, and FlushDiagnostics()
/// (called by the transport when input is idle) compiles and publishes.
class Server {
 public:
  using Sender = std::function<void(const std::string& json)>;
  explicit Server(Sender send, ServerOptions options = {});
  ~Server();

  /// Handles one JSON-RPC message (a request, notification or response).
  void Handle(std::string_view message);
  /// Marks the request `id` (JSON text of the id) cancelled if not yet handled.
  void Cancel(const std::string& id_json);
  /// Compiles dirty documents and publishes their diagnostics.
  void FlushDiagnostics();
  /// True when documents wait for FlushDiagnostics().
  bool HasPendingDiagnostics() const;
  /// True after the `exit` notification.
  bool exited() const;
  /// Process exit code after `exit` (0 if `shutdown` came first, else 1).
  int exit_code() const;
  /// Number of compilations so far (tests, cache bounding).
  uint64_t compile_count() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Serves over `in`/`out` with Content-Length framing until `exit` or EOF.
/// `in_fd` is polled to debounce diagnostics (publish when input is idle).
int RunStdio(int in_fd, std::ostream& out, ServerOptions options = {});

/// Reads unframed JSON messages (one per line or separated by blank lines;
/// lines starting with `//` are comments), handles them in order, and prints
/// each outgoing message as one line of JSON. Cancellations apply to any
/// request in the input. Pending diagnostics are published before every
/// message that is not a `didChange`, and at the end.
int RunLitTest(std::istream& in, std::ostream& out, ServerOptions options = {});

}  // namespace cohort::lsp
