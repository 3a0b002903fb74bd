// Helpers for runtime tests: temporary directories, files, small schemas.
#pragma once

#include <doctest/doctest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "core/schema.h"
#include "core/source.h"

namespace cohort::testing {

/// A fresh directory under the system temp dir, removed on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "cohort_rt_XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    REQUIRE(p != nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  /// Writes `name` with exactly `bytes`.
  void Write(const std::string& name, const std::string& bytes) const {
    std::ofstream out(File(name), std::ios::binary);
    out << bytes;
  }

 private:
  std::string path_;
};

/// Reads a whole file (binary).
inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// Parses a schema from text; fails the test on diagnostics.
inline std::shared_ptr<Schema> SchemaFrom(const std::string& text) {
  SourceManager sm;
  DiagnosticBag diags;
  FileId f = sm.Add("test.schema", text);
  auto s = ParseSchema(sm, f, diags);
  std::string messages;
  for (const auto& d : diags.all()) messages += d.message + "\n";
  INFO(messages);
  REQUIRE(s != nullptr);
  REQUIRE_FALSE(diags.has_errors());
  return s;
}

}  // namespace cohort::testing
