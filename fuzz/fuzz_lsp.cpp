// Fuzz target: the language server's byte stream, as an editor sends it on
// stdin: Content-Length framing, JSON-RPC parsing and dispatch to every
// handler (documents are compiled by the requests that need them).
#include <sys/mman.h>
#include <unistd.h>

#include <ostream>
#include <streambuf>

#include "fuzz/fuzz_util.h"
#include "tools/lsp/server.h"

namespace {

/// Discards the server's output (its content is not checked here).
class NullBuf : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
  std::streamsize xsputn(const char*, std::streamsize n) override { return n; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return -1;
  int fd = memfd_create("cohort-lsp-fuzz", 0);
  if (fd < 0) cohort::fuzz::Fail("memfd_create failed");
  size_t off = 0;
  while (off < size) {
    ssize_t n = ::write(fd, data + off, size - off);
    if (n <= 0) cohort::fuzz::Fail("write failed");
    off += static_cast<size_t>(n);
  }
  ::lseek(fd, 0, SEEK_SET);
  NullBuf buf;
  std::ostream out(&buf);
  cohort::lsp::ServerOptions options;
  options.clear_caches_every = 1000000;  // clearing ANTLR's caches per input would dominate the time
  cohort::lsp::RunStdio(fd, out, options);
  ::close(fd);
  return 0;
}
