// Helpers shared by the libFuzzer targets (fuzz/*.cpp): a scratch directory,
// the stdlib Patient schema and one small fixed batch of generated patients.
// The same sources build with fuzz/replay_main.cpp into plain executables that
// replay the seed corpus and tests/fuzz/regressions/ in the normal ctest run.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>

#include "core/diagnostic.h"
#include "core/schema.h"
#include "core/source.h"

namespace cohort::fuzz {

/// Stops the process with a message: a bug the fuzzer must report as a crash.
[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "fuzz: %s\n", what.c_str());
  std::abort();
}

/// A private scratch directory for this process (removed at exit).
inline const std::filesystem::path& ScratchDir() {
  static const std::filesystem::path dir = [] {
    char tmpl[] = "/tmp/cohort-fuzz-XXXXXX";
    const char* d = mkdtemp(tmpl);
    if (d == nullptr) Fail("cannot create a scratch directory");
    std::filesystem::path p(d);
    static struct Cleanup {
      std::filesystem::path p;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove_all(p, ec);
      }
    } cleanup{p};
    return p;
  }();
  return dir;
}

/// Writes `data` to `path` (truncating).
inline void WriteBytes(const std::filesystem::path& path, std::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  if (!out) Fail("cannot write " + path.string());
}

/// The stdlib Patient schema (loaded once).
inline std::shared_ptr<const Schema> PatientSchema() {
  static std::shared_ptr<const Schema> schema = [] {
    SourceManager sm;
    DiagnosticBag diags;
    std::shared_ptr<Schema> s = LoadStdlibSchema("Patient", sm, diags);
    if (s == nullptr) Fail("the stdlib Patient schema must load (set COHORT_STDLIB)");
    return std::shared_ptr<const Schema>(s);
  }();
  return schema;
}

}  // namespace cohort::fuzz
