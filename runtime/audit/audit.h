// The audit log: one JSON line per `cohort run`, `cohort report` or SQL
// pushdown, appended to a file that forms a hash chain, so that an edited,
// removed or reordered line is found by `cohort audit verify`. A line never
// holds a record key or a field value (PHI): only hashes, names and counts.
//
// Each line is a JSON object with, besides the caller's fields:
//   "seq"  : 1, 2, 3, ... in file order;
//   "prev" : SHA-256 (hex) of the previous line's exact bytes (without the
//            newline), 64 zeros for the first line;
//   "hash" : SHA-256 (hex) of this object serialized without "hash"
//            (nlohmann::json::dump(), keys sorted).
// Appends take an exclusive flock on the file, read the last line, and write
// the new line with one write() + fsync, so concurrent runs never interleave.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cohort::audit {

/// SHA-256 of `bytes` as 64 lowercase hex digits (OpenSSL libcrypto).
std::string Sha256Hex(std::string_view bytes);
/// SHA-256 of a file's contents; "" with `error` set when it cannot be read.
std::string Sha256File(const std::string& path, std::string* error);

/// Who and where: UTC time (ISO 8601), OS user, host name, Cohort version.
nlohmann::json Provenance();

/// The command line with secrets removed: a password in a connection URI
/// (`postgresql://u:secret@h` -> `postgresql://u:***@h`) or a
/// `password=...` keyword becomes `***`.
std::string RedactCommandLine(const std::vector<std::string>& argv);

/// Appends `entry` (an object; "seq", "prev" and "hash" are set here) to the
/// log at `path`, creating it. Returns "" or an error message.
std::string Append(const std::string& path, nlohmann::json entry);

/// The result of verifying a log.
struct VerifyResult {
  bool ok = true;
  int64_t lines = 0;        ///< lines read
  int64_t bad_line = 0;     ///< 1-based line of the first problem (0 when ok)
  std::string problem;      ///< what is wrong there
};

/// Checks every line's "hash", "seq" and "prev" link.
VerifyResult Verify(const std::string& path);

}  // namespace cohort::audit
