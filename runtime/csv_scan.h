// The fast path of CSV ingest: a memory-mapped file, a record tokenizer that
// classifies 64 bytes at a time (AVX2 + PCLMUL, SSE2 or portable SWAR, chosen
// at run time) into quote, delimiter and line-end bitmaps, marks the bytes
// inside quotes by a prefix XOR of the quote bits and emits fields by
// iterating the remaining structural bits, and the chunk-boundary rule that
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

/// How the tokenizer classifies a 64-byte block (all give the same result).
enum class CsvScanPath : uint8_t { kPortable, kSse2, kAvx2 };

/// `portable`, `sse2`, `avx2`.
const char* CsvScanPathName(CsvScanPath path);
/// Whether this build and CPU can run `path`.
bool CsvScanPathSupported(CsvScanPath path);
/// The path new tokenizers use: the fastest supported one, unless the
/// environment variable COHORT_CSV_SCAN (portable|sse2|avx2) names another
/// supported one or ForceCsvScanPath set one.
CsvScanPath DefaultCsvScanPath();
/// Test hook: makes DefaultCsvScanPath() return `path` (when supported) for
/// tokenizers built from now on; `reset` = true goes back to the automatic choice.
void ForceCsvScanPath(CsvScanPath path, bool reset = false);

/// The quote, delimiter and line-end bits of 64 bytes (bit i: byte i), and
/// the prefix XOR of the quote bits (bit i: an odd number of quotes at or
/// before byte i).
struct CsvBlockBits {
  uint64_t quote = 0, delim = 0, nl = 0, parity = 0;
};

/// Classifies the 64 bytes at `p` with `path` (must be supported): what the
/// tokenizer runs per block, exposed so the tests compare the paths.
void ScanCsvBlock(CsvScanPath path, const char* p, char delim, char quote, CsvBlockBits* out);

/// Many records tokenized by one call (CsvTokenizer::NextRecords): a grid
/// of `width` fields per well-formed record (row r's field c at r * width +
/// c; views into the file, or into `scratch` for fields with doubled
/// quotes), each row's line, the grid cells whose field was quoted, and the
/// records left out of the grid (malformed, or another field count), so a
/// caller converts column by column without a call per record. Valid until
/// the next NextRecords on the batch.
class CsvRecordBatch {
 public:
  /// A record not in the grid.
  struct Bad {
    size_t before_row = 0;     ///< grid rows before it (its place in file order)
    int64_t line = 0;          ///< relative to the tokenizer's begin, as CsvTokenizer::line()
    const char* error = nullptr;  ///< malformed: what (CsvTokenizer::error()); null: a well-formed record of another width
    size_t error_field = 0;    ///< malformed: 1-based field of the error
    size_t num_fields = 0;     ///< another width: its field count
  };

  size_t width() const { return width_; }
  size_t rows() const { return rows_; }
  std::string_view field(size_t row, size_t col) const { return fields_[row * width_ + col]; }
  /// The grid (rows() * width() fields, row-major).
  const std::string_view* fields() const { return fields_.get(); }
  /// Per row: its line relative to the tokenizer's begin (0 = the first line).
  const std::vector<int64_t>& lines() const { return lines_; }
  /// Grid indices (row * width + col) of the fields that were quoted, ascending.
  const std::vector<size_t>& quoted() const { return quoted_; }
  bool was_quoted(size_t row, size_t col) const;
  const std::vector<Bad>& bad() const { return bad_; }

 private:
  friend class CsvTokenizer;
  size_t width_ = 0;
  size_t rows_ = 0;
  std::unique_ptr<std::string_view[]> fields_;
  size_t capacity_ = 0;
  std::vector<int64_t> lines_;
  std::vector<size_t> quoted_;
  std::vector<Bad> bad_;
  std::string scratch_;
  std::vector<std::pair<size_t, size_t>> scratch_fields_;
};

/// Splits the records of [begin, stop) (see the file comment) into fields.
/// Fields are views into the file, except fields with doubled quotes, which
/// are unescaped into scratch space; both stay valid until the next Next().
class CsvTokenizer {
 public:
  enum class Status { kRecord, kEnd, kError, kAbort };

  explicit CsvTokenizer(const CsvDialect& dialect);
  /// With a given block classifier (`path` must be supported).
  CsvTokenizer(const CsvDialect& dialect, CsvScanPath path);
  CsvScanPath path() const { return path_; }

  /// Starts at record start `begin` of `data[0, size)`; stops after the
  /// record ending at or past `stop`. `speculative` parses give up (kAbort)
  /// when a record runs more than `abort_after` bytes past `stop`: the start
  /// was probably inside a quoted field.
  void Reset(const char* data, size_t size, size_t begin, size_t stop, bool speculative, size_t abort_after);
  /// The next non-empty record. kError: this record is malformed (error(),
  /// error_field()); the next call continues after it.
  Status Next();
  /// Tokenizes the next records into `out` (replacing its content) until it
  /// holds `max_records` records (grid rows plus bad ones) or the chunk
  /// ends: the records Next() would return, in the same order, with the same
  /// lines and errors. kRecord: more may follow; kEnd or kAbort as Next().
  Status NextRecords(CsvRecordBatch* out, size_t width, size_t max_records);

  size_t num_fields() const { return num_fields_; }
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
  using ScanFn = void (*)(const char* p, char delim, char quote, CsvBlockBits* out);

  void ClearRecord();
  /// The record at the current position, appended to the fields from
  /// rec_base_ on (the body of Next and NextRecords; done_ is false).
  Status Record();
  /// Points the scratch-backed fields at scratch_ (it may have moved).
  void FixScratch();
  /// The bits of the block at `p` (the last one through a padded copy; no
  /// quote bits without quoting).
  void ScanAt(const char* p, CsvBlockBits* b) const;
  /// A quoted field followed by other bytes: the record's error, an empty field.
  void QuoteError();
  /// Appends [begin, close) with doubled quotes undone, via scratch space.
  void PushUnescaped(const char* begin, const char* close);
  /// Classifies the block at `p` (a record start when `record_start`) into
  /// the structural state below; the last block is copied into padding.
  void LoadBlock(const char* p, bool record_start);
  /// Appends field [begin, at) (`at`: its delimiter or line end); false when
  /// a quoted field is malformed (error_ set).
  bool EmitField(const char* begin, const char* at, bool at_line_end);
  bool EmitQuotedField(const char* begin, const char* at, bool at_line_end);
  /// The end of the data: the last record without a line end, or an error.
  Status EndOfData();
  /// The data ended inside a quoted field (an error; parsing is done).
  Status Unterminated();
  /// The reference state machine for the record at record_start_: used when
  /// a quote is a plain byte (inside an unquoted field, or after a closing
  /// quote), where the quote parity of the fast path would be wrong.
  Status ScalarRecord();
  void Finish(size_t end);

  CsvScanPath path_;
  ScanFn scan_;
  char delim_;
  char quote_;
  bool quoting_;
  const char* data_ = nullptr;
  size_t size_ = 0;
  size_t stop_ = 0;
  bool speculative_ = false;
  size_t abort_at_ = 0;
  bool done_ = true;

  // The fast path: the block at block_ with the bits not consumed yet.
  const char* block_ = nullptr;
  uint64_t structural_ = 0;  ///< delimiters and line ends outside quotes
  uint64_t line_ends_ = 0;   ///< the line ends among them
  uint64_t quotes_ = 0;      ///< every quote of the block (none: no field starting in it is quoted)
  uint64_t nl_inside_ = 0;   ///< line ends inside quotes
  uint64_t anomaly_ = 0;     ///< quotes that open a quoted region away from a field start
  uint64_t carry_ = 0;       ///< all ones when the block ended inside quotes
  uint64_t prev_sep_ = 0;    ///< 1 when the block's last byte was a delimiter, line end or quote
  const char* record_start_ = nullptr;
  const char* field_start_ = nullptr;
  int64_t inner_lines_ = 0;

  /// Fields a block may add (64 delimiters and a line end), plus 3 the
  /// fast path writes past the last in steps of four.
  static constexpr size_t kBlockFields = 68;
  /// Room for `extra` more fields (a block adds at most 65), so the fast
  /// path stores fields without a capacity check.
  void ReserveFields(size_t extra) {
    if (num_fields_ + extra > fields_capacity_) GrowFields(num_fields_ + extra);
  }
  void GrowFields(size_t need);
  void PushField(std::string_view f) { fields_[num_fields_++] = f; }

  std::unique_ptr<std::string_view[]> fields_;
  size_t num_fields_ = 0;
  size_t fields_capacity_ = 0;
  std::string scratch_;
  std::vector<std::pair<size_t, size_t>> scratch_fields_;  ///< (field index, scratch offset)
  std::vector<size_t> quoted_;  ///< indices of the fields that were quoted
  size_t rec_base_ = 0;     ///< index of the current record's first field (0 but in NextRecords)
  size_t rec_scratch_ = 0;  ///< scratch_ bytes before the current record
  bool batching_ = false;   ///< in NextRecords: scratch views are fixed at its end
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

/// The default bytes per chunk (chunk_bytes 0: about this, evened out so
/// each round's chunks are about the same size).
inline constexpr size_t kDefaultChunkBytes = size_t{8} << 20;

/// Where the chunk nominally starting at `nominal` really starts if it was not
/// in a quoted field: just after the first line end at or past `nominal - 1`
/// (or `size` when there is none).
size_t CandidateChunkStart(const char* data, size_t size, size_t nominal);

/// Bytes to skip at the start of a file (a UTF-8 byte-order mark).
size_t BomLength(const char* data, size_t size);

}  // namespace cohort
