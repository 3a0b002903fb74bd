// The fast path of CSV ingest: a memory-mapped file, a record tokenizer that
// finds delimiters, quotes and line ends 64 bytes at a time (SSE2 where the
// CPU has it, a portable loop otherwise), and the chunk-boundary rule that
// lets several threads parse one file: a chunk starts after the first line
// end at or past its nominal start and runs until the first record starting
// at or past the next chunk's nominal start. A chunk that started inside a
// quoted field is detected (its start differs from where the previous chunk
// really ended) and parsed again from the right place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/schema.h"

namespace cohort {

/// A read-only view of a whole file: mmap when possible, else read into memory.
class MappedFile {
 public:
  MappedFile() = default;
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  /// Opens `path`; on failure returns false with error() set (no file content).
  bool Open(const std::string& path);
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  /// Tells the kernel bytes [0, offset) will not be read again, so a large
  /// file does not stay resident (peak memory stays bounded).
  void Release(size_t offset);
  const std::string& error() const { return error_; }

 private:
  const char* data_ = nullptr;
  size_t size_ = 0;
  bool mapped_ = false;
  size_t released_ = 0;
  std::string owned_;  ///< fallback when mmap is not possible
  std::string error_;
};

/// Splits the records of [begin, stop) (see the file comment) into fields.
/// Fields are views into the file, except fields with doubled quotes, which
/// are unescaped into scratch space; both stay valid until the next Next().
class CsvTokenizer {
 public:
  enum class Status { kRecord, kEnd, kError, kAbort };

  explicit CsvTokenizer(const CsvDialect& dialect);

  /// Starts at record start `begin` of `data[0, size)`; stops after the
  /// record ending at or past `stop`. `speculative` parses give up (kAbort)
  /// when a record runs more than `abort_after` bytes past `stop`: the start
  /// was probably inside a quoted field.
  void Reset(const char* data, size_t size, size_t begin, size_t stop, bool speculative, size_t abort_after);
  /// The next non-empty record. kError: this record is malformed (error(),
  /// error_field()); the next call continues after it.
  Status Next();

  size_t num_fields() const { return fields_.size(); }
  std::string_view field(size_t i) const { return fields_[i]; }
  /// Line of the current record relative to `begin` (0 = the first line).
  int64_t line() const { return record_line_; }
  /// Where parsing stopped: the start of the first record not returned.
  size_t end() const { return end_; }
  /// Line ends consumed so far (inside quoted fields too).
  int64_t lines() const { return lines_; }
  const char* error() const { return error_; }
  size_t error_field() const { return error_field_; }

 private:
  uint64_t Mask(const char* p) const;
  uint64_t MaskTail(const char* p, size_t n) const;
  bool EndField(const char* at, bool at_line_end);
  void Finish(size_t end);

  char delim_;
  char quote_;
  bool quoting_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  size_t stop_ = 0;
  bool speculative_ = false;
  size_t abort_at_ = 0;
  bool done_ = true;

  const char* block_ = nullptr;  ///< current 64-byte block
  uint64_t mask_ = 0;            ///< interesting bytes of the block not yet handled
  const char* record_start_ = nullptr;
  const char* field_start_ = nullptr;
  const char* close_quote_ = nullptr;
  bool in_quotes_ = false;
  bool quoted_field_ = false;
  bool escaped_ = false;  ///< the quoted field holds doubled quotes
  int64_t inner_lines_ = 0;

  std::vector<std::string_view> fields_;
  std::string scratch_;
  std::vector<std::pair<size_t, size_t>> scratch_fields_;  ///< (field index, scratch offset)
  int64_t record_line_ = 0;
  int64_t lines_ = 0;
  size_t end_ = 0;
  const char* error_ = nullptr;
  size_t error_field_ = 0;
};

/// Parses a file in rounds of up to `threads` chunks: chunk 0 of a round
/// starts where the previous round ended (known exactly); the others start
/// at their candidate boundary and are parsed speculatively on worker
/// threads. Chunks are then accepted in file order; a chunk whose start is
/// not where its predecessor really ended (a quoted field spanned the
/// boundary) or that gave up is parsed again on the calling thread. So the
/// records, their lines and their errors are exactly those of one thread.
class ChunkPipeline {
 public:
  /// `parse(tokenizer, slot)` reads every record of a chunk into the
  /// caller's per-slot output (resetting it first); it runs on worker
  /// threads, so it may only touch slot `slot`'s state.
  using Parse = std::function<void(CsvTokenizer& tokenizer, size_t slot)>;
  /// `accept(slot, first_line)` takes a parsed chunk in file order on the
  /// calling thread; `first_line` is the 1-based line of the chunk's first
  /// byte. Returning false stops the pipeline.
  using Accept = std::function<bool(size_t slot, int64_t first_line)>;

  /// `begin`: first byte of data (after the header); `first_line`: its line.
  ChunkPipeline(const MappedFile& file, const CsvDialect& dialect, size_t begin, int64_t first_line, int threads,
                size_t chunk_bytes);
  ~ChunkPipeline();

  /// Runs one round; false once the whole file has been accepted or stopped.
  /// `accept_early`: chunk 0 (never speculative) is accepted while the other
  /// chunks are still being parsed, so accepting overlaps parsing; only for
  /// an `accept` that touches no state `parse` reads.
  bool Round(const Parse& parse, const Accept& accept, bool accept_early = false);
  bool done() const { return done_; }
  /// Every byte before this has been accepted.
  size_t position() const { return pos_; }
  size_t slots() const { return tokenizers_.size(); }
  /// Chunks parsed again because a speculative start was wrong (for tests).
  int64_t reparsed() const { return reparsed_; }

 private:
  const MappedFile& file_;
  size_t pos_;
  int64_t line_;
  size_t chunk_bytes_;
  bool done_ = false;
  int64_t reparsed_ = 0;
  std::vector<std::unique_ptr<CsvTokenizer>> tokenizers_;
};

/// The default bytes per chunk.
inline constexpr size_t kDefaultChunkBytes = size_t{8} << 20;

/// Where the chunk nominally starting at `nominal` really starts if it was not
/// in a quoted field: just after the first line end at or past `nominal - 1`
/// (or `size` when there is none).
size_t CandidateChunkStart(const char* data, size_t size, size_t nominal);

/// Bytes to skip at the start of a file (a UTF-8 byte-order mark).
size_t BomLength(const char* data, size_t size);

}  // namespace cohort
