// A streaming RFC 4180 CSV reader: buffered reads (the file is never loaded
// whole), fields handed out as string_views into the buffer, quotes unescaped
// in place. The loader now reads through runtime/csv_scan.h (parallel chunks);
// this one-record-at-a-time reader is the sequential reference the chunked
// reader is tested against. CheckText validates text cells for both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"

namespace cohort {

/// Checks that a text cell or header name is valid UTF-8 without NUL bytes.
/// Returns nullptr, or what is wrong ("NUL byte", "invalid UTF-8"; never the text).
const char* CheckText(std::string_view s);

/// Reads records from one CSV file. Accepts LF and CRLF line ends, `""` as a
/// quote inside quoted fields, newlines inside quotes, and skips a UTF-8 BOM.
/// Empty physical lines are skipped. Error messages never quote file content.
class CsvReader {
 public:
  /// What Next() found.
  enum class Status { kRecord, kEnd, kError };

  /// `buffer_size` is the initial read size; it grows only for longer records.
  explicit CsvReader(size_t buffer_size = size_t{1} << 20, const CsvDialect& dialect = {});
  ~CsvReader();
  CsvReader(const CsvReader&) = delete;
  CsvReader& operator=(const CsvReader&) = delete;

  /// Opens `path`; on failure returns false and sets error().
  bool Open(const std::string& path);
  /// Reads the next record. Fields stay valid until the next call.
  Status Next();

  size_t num_fields() const { return fields_.size(); }
  std::string_view field(size_t i) const { return fields_[i]; }
  const std::vector<std::string_view>& fields() const { return fields_; }
  /// 1-based physical line where the current record (or the error) starts.
  int64_t line() const { return record_line_; }
  /// After kError: what went wrong (never containing file content).
  const std::string& error() const { return error_; }
  /// After kError: 1-based field index the error is in, 0 if none.
  size_t error_field() const { return error_field_; }

 private:
  /// Moves the unfinished record to the buffer front and reads more.
  /// Returns the number of bytes added (0 at EOF or on a read error).
  size_t Refill();
  /// Splits [begin, end) (one complete record, line end stripped) into fields.
  bool SplitFields(char* begin, char* end);

  int fd_ = -1;
  bool eof_ = false;
  bool read_failed_ = false;
  bool first_read_ = true;
  std::vector<char> buf_;
  size_t pos_ = 0;  ///< start of the unread part
  size_t end_ = 0;  ///< end of valid bytes
  size_t chunk_;
  char delim_;
  char quote_;
  bool quoting_;  ///< false: `quote none`, quote characters are plain bytes
  int64_t next_line_ = 1;
  int64_t record_line_ = 0;
  std::vector<std::string_view> fields_;
  std::string error_;
  size_t error_field_ = 0;
};

}  // namespace cohort
