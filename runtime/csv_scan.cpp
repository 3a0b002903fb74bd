// The tokenizer: each 64-byte block becomes quote, delimiter and line-end
// bitmaps; a prefix XOR of the quote bits marks the bytes inside quotes, so
// the delimiters and line ends left are the fields' ends and a field costs
// one bit scan. Where a quote would be a plain byte (inside an unquoted
// field, or after a closing quote) the quote parity is wrong: that record is
// parsed by the reference state machine instead.
#include "runtime/csv_scan.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#include "core/strings.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace cohort {

MappedFile::~MappedFile() {
  if (mapped_) ::munmap(const_cast<char*>(data_), size_);
}

bool MappedFile::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    error_ = fmt::format("cannot open file: {}", std::strerror(errno));
    return false;
  }
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    void* p = ::mmap(nullptr, static_cast<size_t>(st.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (p != MAP_FAILED) {
      ::madvise(p, static_cast<size_t>(st.st_size), MADV_SEQUENTIAL);
      data_ = static_cast<const char*>(p);
      size_ = static_cast<size_t>(st.st_size);
      mapped_ = true;
      ::close(fd);
      return true;
    }
  }
  // Not mappable (empty, a pipe, ...): read it whole.
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = fmt::format("read error: {}", std::strerror(errno));
      ::close(fd);
      return false;
    }
    if (n == 0) break;
    owned_.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  data_ = owned_.data();
  size_ = owned_.size();
  return true;
}

void MappedFile::Release(size_t offset) {
  if (!mapped_) return;
  const size_t page = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
  size_t end = offset / page * page;
  if (end <= released_) return;
  ::madvise(const_cast<char*>(data_) + released_, end - released_, MADV_DONTNEED);
  released_ = end;
}

size_t BomLength(const char* data, size_t size) {
  return size >= 3 && static_cast<unsigned char>(data[0]) == 0xEF && static_cast<unsigned char>(data[1]) == 0xBB &&
                 static_cast<unsigned char>(data[2]) == 0xBF
             ? 3
             : 0;
}

size_t CandidateChunkStart(const char* data, size_t size, size_t nominal) {
  if (nominal == 0) return 0;
  if (nominal > size) return size;
  const void* nl = std::memchr(data + nominal - 1, '\n', size - (nominal - 1));
  return nl ? static_cast<size_t>(static_cast<const char*>(nl) - data) + 1 : size;
}

// ---- Block classifiers -----------------------------------------------------
// Each sets the quote, delimiter and line-end bits of 64 bytes and the prefix
// XOR of the quote bits; the tests run every supported one against the others.

namespace {

/// Bit i of the result: the XOR of bits 0..i of `x` (the portable form of a
/// carry-less multiply by all ones).
inline uint64_t PrefixXor(uint64_t x) {
  x ^= x << 1;
  x ^= x << 2;
  x ^= x << 4;
  x ^= x << 8;
  x ^= x << 16;
  x ^= x << 32;
  return x;
}

void ScanPortable(const char* p, char delim, char quote, CsvBlockBits* out) {
  uint64_t q = 0, d = 0, n = 0;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  // SWAR, 8 bytes at a time (core BytesEqual, exact per byte), then the 8
  // high bits are gathered by one multiply.
  auto equal = [](uint64_t w, uint8_t c) { return ((BytesEqual(w, c) >> 7) * 0x0102040810204080ULL) >> 56; };
  for (int k = 0; k < 8; ++k) {
    uint64_t w;
    std::memcpy(&w, p + 8 * k, 8);
    q |= equal(w, static_cast<uint8_t>(quote)) << (8 * k);
    d |= equal(w, static_cast<uint8_t>(delim)) << (8 * k);
    n |= equal(w, '\n') << (8 * k);
  }
#else
  for (int i = 0; i < 64; ++i) {
    q |= uint64_t{p[i] == quote} << i;
    d |= uint64_t{p[i] == delim} << i;
    n |= uint64_t{p[i] == '\n'} << i;
  }
#endif
  *out = CsvBlockBits{q, d, n, PrefixXor(q)};
}

#if defined(__SSE2__)
void ScanSse2(const char* p, char delim, char quote, CsvBlockBits* out) {
  const __m128i vq = _mm_set1_epi8(quote), vd = _mm_set1_epi8(delim), vn = _mm_set1_epi8('\n');
  uint64_t q = 0, d = 0, n = 0;
  for (int k = 0; k < 4; ++k) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    q |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, vq)))} << (16 * k);
    d |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, vd)))} << (16 * k);
    n |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, vn)))} << (16 * k);
  }
  *out = CsvBlockBits{q, d, n, PrefixXor(q)};
}
#endif

#if defined(__x86_64__)
#define COHORT_CSV_AVX2 1
__attribute__((target("avx2"))) inline uint64_t EqualBits(__m256i lo, __m256i hi, __m256i c) {
  const auto a = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(lo, c)));
  const auto b = static_cast<uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(hi, c)));
  return uint64_t{a} | uint64_t{b} << 32;
}

__attribute__((target("avx2,pclmul"))) void ScanAvx2(const char* p, char delim, char quote, CsvBlockBits* out) {
  const __m256i lo = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i hi = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
  const uint64_t q = EqualBits(lo, hi, _mm256_set1_epi8(quote));
  const uint64_t d = EqualBits(lo, hi, _mm256_set1_epi8(delim));
  const uint64_t n = EqualBits(lo, hi, _mm256_set1_epi8('\n'));
  // Carry-less multiply by all ones: bit i = XOR of quote bits 0..i.
  const __m128i x = _mm_clmulepi64_si128(_mm_set_epi64x(0, static_cast<int64_t>(q)), _mm_set1_epi8(-1), 0);
  *out = CsvBlockBits{q, d, n, static_cast<uint64_t>(_mm_cvtsi128_si64(x))};
}
#endif

/// Set bits of `x` (line ends inside quotes: rare, so no popcnt instruction needed).
inline int64_t Popcount(uint64_t x) {
  int64_t n = 0;
  for (; x; x &= x - 1) ++n;
  return n;
}

/// Set bits of `x` without a popcnt instruction or a libgcc call (the
/// build targets baseline x86-64): SWAR sums, gathered by one multiply.
inline size_t BitCount(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ULL;
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<size_t>((x * 0x0101010101010101ULL) >> 56);
}

using ScanFn = void (*)(const char* p, char delim, char quote, CsvBlockBits* out);

ScanFn ScanFor(CsvScanPath path) {
  switch (path) {
#if defined(COHORT_CSV_AVX2)
    case CsvScanPath::kAvx2: return ScanAvx2;
#endif
#if defined(__SSE2__)
    case CsvScanPath::kSse2: return ScanSse2;
#endif
    default: return ScanPortable;
  }
}

std::atomic<int> g_forced_path{-1};

CsvScanPath AutomaticPath() {
  static const CsvScanPath path = [] {
    if (const char* env = std::getenv("COHORT_CSV_SCAN")) {
      for (CsvScanPath p : {CsvScanPath::kPortable, CsvScanPath::kSse2, CsvScanPath::kAvx2})
        if (std::strcmp(env, CsvScanPathName(p)) == 0 && CsvScanPathSupported(p)) return p;
    }
    for (CsvScanPath p : {CsvScanPath::kAvx2, CsvScanPath::kSse2})
      if (CsvScanPathSupported(p)) return p;
    return CsvScanPath::kPortable;
  }();
  return path;
}

}  // namespace

const char* CsvScanPathName(CsvScanPath path) {
  switch (path) {
    case CsvScanPath::kAvx2: return "avx2";
    case CsvScanPath::kSse2: return "sse2";
    case CsvScanPath::kPortable: break;
  }
  return "portable";
}

bool CsvScanPathSupported(CsvScanPath path) {
  switch (path) {
    case CsvScanPath::kPortable: return true;
    case CsvScanPath::kSse2:
#if defined(__SSE2__)
      return true;
#else
      return false;
#endif
    case CsvScanPath::kAvx2:
#if defined(COHORT_CSV_AVX2)
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("pclmul");
#else
      return false;
#endif
  }
  return false;
}

CsvScanPath DefaultCsvScanPath() {
  const int forced = g_forced_path.load(std::memory_order_relaxed);
  return forced >= 0 ? static_cast<CsvScanPath>(forced) : AutomaticPath();
}

void ForceCsvScanPath(CsvScanPath path, bool reset) {
  g_forced_path.store(reset || !CsvScanPathSupported(path) ? -1 : static_cast<int>(path), std::memory_order_relaxed);
}

void ScanCsvBlock(CsvScanPath path, const char* p, char delim, char quote, CsvBlockBits* out) {
  ScanFor(path)(p, delim, quote, out);
}

// ---- Tokenizer ---------------------------------------------------------------

CsvTokenizer::CsvTokenizer(const CsvDialect& dialect) : CsvTokenizer(dialect, DefaultCsvScanPath()) {}

CsvTokenizer::CsvTokenizer(const CsvDialect& dialect, CsvScanPath path)
    : path_(path), scan_(ScanFor(path)), delim_(dialect.delimiter), quote_(dialect.quote),
      quoting_(dialect.quote != '\0') {
  GrowFields(128);
}

void CsvTokenizer::GrowFields(size_t need) {
  const size_t cap = std::max(need, 2 * fields_capacity_);
  auto grown = std::make_unique<std::string_view[]>(cap);
  std::copy(fields_.get(), fields_.get() + num_fields_, grown.get());
  fields_ = std::move(grown);
  fields_capacity_ = cap;
}

void CsvTokenizer::Reset(const char* data, size_t size, size_t begin, size_t stop, bool speculative,
                         size_t abort_after) {
  data_ = data;
  size_ = size;
  stop_ = stop;
  speculative_ = speculative;
  abort_at_ = stop + abort_after;
  done_ = begin >= size;
  end_ = begin;
  lines_ = 0;
  record_line_ = 0;
  record_start_ = field_start_ = data + begin;
  inner_lines_ = 0;
  num_fields_ = rec_base_ = rec_scratch_ = 0;
  scratch_.clear();
  scratch_fields_.clear();
  quoted_.clear();
  if (!done_) LoadBlock(data + begin, true);
}

void CsvTokenizer::ClearRecord() {
  // Drops the fields of the current record (all of them but in NextRecords).
  num_fields_ = rec_base_;
  scratch_.resize(rec_scratch_);
  while (!scratch_fields_.empty() && scratch_fields_.back().first >= rec_base_) scratch_fields_.pop_back();
  while (!quoted_.empty() && quoted_.back() >= rec_base_) quoted_.pop_back();
  error_ = nullptr;
  error_field_ = 0;
}

void CsvTokenizer::FixScratch() {
  for (auto [index, off] : scratch_fields_) fields_[index] = std::string_view(scratch_.data() + off, fields_[index].size());
}

void CsvTokenizer::ScanAt(const char* p, CsvBlockBits* b) const {
  const size_t n = static_cast<size_t>(data_ + size_ - p);
  if (n >= 64) {
    scan_(p, delim_, quote_, b);
  } else {
    // The last block: classify a padded copy, keep the bits of real bytes.
    char pad[64];
    std::memset(pad, 0, sizeof pad);
    std::memcpy(pad, p, n);
    scan_(pad, delim_, quote_, b);
    const uint64_t valid = n == 0 ? 0 : ~uint64_t{0} >> (64 - n);
    b->quote &= valid;
    b->delim &= valid;
    b->nl &= valid;
    b->parity = PrefixXor(b->quote);
  }
  if (!quoting_) b->quote = b->parity = 0;
}

void CsvTokenizer::QuoteError() {
  if (!error_) {
    error_ = "unexpected character after a closing quote; quote the whole field and double inner quotes";
    error_field_ = num_fields_ - rec_base_ + 1;
  }
  ReserveFields(1);
  PushField({});
}

void CsvTokenizer::PushUnescaped(const char* begin, const char* close) {
  const size_t off = scratch_.size();
  for (const char* p = begin; p < close; ++p) {
    scratch_.push_back(*p);
    if (*p == quote_) ++p;  // the first of a doubled pair
  }
  scratch_fields_.emplace_back(num_fields_, off);
  ReserveFields(1);
  PushField(std::string_view(nullptr, scratch_.size() - off));
}

void CsvTokenizer::LoadBlock(const char* p, bool record_start) {
  block_ = p;
  CsvBlockBits b;
  ScanAt(p, &b);
  ReserveFields(kBlockFields);
  if (record_start) carry_ = prev_sep_ = 0;
  const uint64_t inside = b.parity ^ carry_;
  const uint64_t sep = b.delim | b.nl;
  structural_ = sep & ~inside;
  quotes_ = b.quote;
  line_ends_ = b.nl & ~inside;
  nl_inside_ = b.nl & inside;
  // A quote that opens a quoted region is right: at a field start (after a
  // delimiter or line end) or doubling the quote that just closed one.
  // Anywhere else the reference machine takes it as a plain byte.
  const uint64_t allowed = (sep | b.quote) << 1 | (record_start ? 1 : prev_sep_);
  anomaly_ = b.quote & inside & ~allowed;
  carry_ = static_cast<uint64_t>(static_cast<int64_t>(inside) >> 63);
  prev_sep_ = (sep | b.quote) >> 63;
}

inline bool CsvTokenizer::EmitField(const char* begin, const char* at, bool at_line_end) {
  if (quoting_ && at != begin && *begin == quote_) [[unlikely]]
    return EmitQuotedField(begin, at, at_line_end);
  const char* e = at;
  if (at_line_end && e > begin && e[-1] == '\r') --e;
  PushField(std::string_view(begin, static_cast<size_t>(e - begin)));
  return true;
}

bool CsvTokenizer::EmitQuotedField(const char* begin, const char* at, bool at_line_end) {
  // The last quote of the field closes it (no anomaly: every quote after the
  // opening one toggles); only a CR before a line end may follow it.
  const char* close = nullptr;
  if (at - begin >= 2 && at[-1] == quote_) close = at - 1;
  else if (at_line_end && at - begin >= 3 && at[-1] == '\r' && at[-2] == quote_) close = at - 2;
  if (!close) {
    QuoteError();
    return false;
  }
  const char* b = begin + 1;
  const size_t len = static_cast<size_t>(close - b);
  quoted_.push_back(num_fields_);
  if (len == 0 || !std::memchr(b, quote_, len)) PushField(std::string_view(b, len));
  else PushUnescaped(b, close);
  return true;
}

void CsvTokenizer::Finish(size_t end) {
  end_ = end;
  if (!batching_) FixScratch();
}

CsvTokenizer::Status CsvTokenizer::Unterminated() {
  record_line_ = lines_;
  error_ = "unterminated quoted field at end of file";
  error_field_ = num_fields_ - rec_base_ + 1;
  end_ = size_;
  return Status::kError;
}

CsvTokenizer::Status CsvTokenizer::EndOfData() {
  // The rest is the last record (no line end).
  const char* const file_end = data_ + size_;
  done_ = true;
  if (carry_) return Unterminated();
  if (record_start_ >= file_end) {
    end_ = size_;
    return Status::kEnd;
  }
  record_line_ = lines_;
  const bool ok = EmitField(field_start_, file_end, true);
  lines_ += 1 + inner_lines_;
  Finish(size_);
  if (num_fields_ - rec_base_ == 1 && fields_[rec_base_].empty() && ok &&
      (file_end - record_start_ == 0 || (file_end - record_start_ == 1 && *record_start_ == '\r')))
    return Status::kEnd;
  return ok && !error_ ? Status::kRecord : Status::kError;
}

inline __attribute__((always_inline)) CsvTokenizer::Status CsvTokenizer::Record() {
  const char* const file_end = data_ + size_;
  const char* fs = field_start_;
  for (;;) {
    while (structural_ == 0) {
      if (anomaly_) return ScalarRecord();
      if (nl_inside_) inner_lines_ += Popcount(nl_inside_);
      const char* next = block_ + 64;
      if (next >= file_end) {
        field_start_ = fs;
        return EndOfData();
      }
      if (speculative_ && static_cast<size_t>(next - data_) > abort_at_) return Status::kAbort;
      LoadBlock(next, false);
    }
    // The delimiters before the block's next line end (all of them when it
    // has none) end fields: locals only, no per-field line-end test.
    const uint64_t line_end = line_ends_ & (0 - line_ends_);  // lowest, or 0
    uint64_t delims = structural_ & (line_end - 1);           // all bits when line_end == 0
    structural_ ^= delims;
    {
      std::string_view* const out = fields_.get();
      size_t n = num_fields_;
      const char* const block = block_;
      const char q = quote_;
      if (quoting_ && delims) {
        // Fields that may start with a quote: every one when the block has
        // quotes, else only the first (it may have started in an earlier block).
        uint64_t general = quotes_ ? delims : delims & (0 - delims);
        delims ^= general;
        while (general) {
          const char* p = block + __builtin_ctzll(general);
          general &= general - 1;
          if (p != fs && *fs == q) [[unlikely]] {
            num_fields_ = n;
            EmitQuotedField(fs, p, false);
            n = num_fields_;
          } else {
            out[n++] = std::string_view(fs, static_cast<size_t>(p - fs));
          }
          fs = p + 1;
        }
      }
      // The rest start in this block, which has no quote: plain fields,
      // four per step (up to three past the last are written and then
      // overwritten: LoadBlock reserved the room), so the loop runs a
      // quarter as often and mispredicts its exit less.
      if (delims) {
        const size_t count = BitCount(delims);
        const char* const last = block + (63 - __builtin_clzll(delims));
        constexpr uint64_t kTop = uint64_t{1} << 63;  // a position for the steps past the last bit
        std::string_view* o = out + n;
        for (size_t i = 0; i < count; i += 4, o += 4) {
          for (size_t k = 0; k < 4; ++k) {
            const char* p = block + __builtin_ctzll(delims | kTop);
            delims &= delims - 1;
            o[k] = std::string_view(fs, static_cast<size_t>(p - fs));
            fs = p + 1;
          }
        }
        n += count;
        fs = last + 1;
      }
      num_fields_ = n;
    }
    if (line_end == 0) continue;  // the block is done
    structural_ ^= line_end;
    line_ends_ ^= line_end;
    const unsigned bit = static_cast<unsigned>(__builtin_ctzll(line_end));
    const char* p = block_ + bit;
    // A line end outside quotes ends the record.
    const uint64_t below = (uint64_t{1} << bit) - 1;
    if (anomaly_ & below) return ScalarRecord();
    if (nl_inside_ & below) {
      inner_lines_ += Popcount(nl_inside_ & below);
      nl_inside_ &= ~below;
    }
    const bool empty_line =
        num_fields_ == rec_base_ && (p == record_start_ || (p == record_start_ + 1 && *record_start_ == '\r'));
    record_line_ = lines_;
    lines_ += 1 + inner_lines_;
    inner_lines_ = 0;
    const size_t next = static_cast<size_t>(p + 1 - data_);
    if (next >= stop_) done_ = true;
    if (empty_line) {
      record_start_ = fs = field_start_ = p + 1;
      end_ = next;
      if (done_) return Status::kEnd;
      continue;
    }
    EmitField(fs, p, true);
    record_start_ = field_start_ = p + 1;
    Finish(next);
    return error_ ? Status::kError : Status::kRecord;
  }
}

CsvTokenizer::Status CsvTokenizer::Next() {
  rec_base_ = rec_scratch_ = 0;
  ClearRecord();
  if (done_) return Status::kEnd;
  return Record();
}

bool CsvRecordBatch::was_quoted(size_t row, size_t col) const {
  return std::binary_search(quoted_.begin(), quoted_.end(), row * width_ + col);
}

CsvTokenizer::Status CsvTokenizer::NextRecords(CsvRecordBatch* out, size_t width, size_t max_records) {
  // The batch's buffers become the tokenizer's for the call: records are
  // appended one after the other, a record that does not go in the grid is
  // dropped again (ClearRecord), scratch views are fixed once at the end.
  out->width_ = width;
  out->lines_.clear();
  out->bad_.clear();
  std::swap(fields_, out->fields_);
  std::swap(fields_capacity_, out->capacity_);
  std::swap(scratch_, out->scratch_);
  std::swap(scratch_fields_, out->scratch_fields_);
  std::swap(quoted_, out->quoted_);
  num_fields_ = rec_base_ = rec_scratch_ = 0;
  scratch_.clear();
  scratch_fields_.clear();
  quoted_.clear();
  if (fields_capacity_ < 128) GrowFields(128);
  ReserveFields(kBlockFields);  // the room LoadBlock reserved was in the other buffer
  batching_ = true;
  Status st = Status::kRecord;
  for (size_t count = 0; count < max_records; ++count) {
    rec_base_ = num_fields_;
    rec_scratch_ = scratch_.size();
    error_ = nullptr;
    error_field_ = 0;
    if (done_) {
      st = Status::kEnd;
      break;
    }
    const Status r = Record();
    if (r == Status::kEnd || r == Status::kAbort) {
      ClearRecord();
      st = r;
      break;
    }
    const size_t n = num_fields_ - rec_base_;
    if (r == Status::kRecord && n == width) {
      out->lines_.push_back(record_line_);
      continue;
    }
    out->bad_.push_back({out->lines_.size(), record_line_, r == Status::kError ? error_ : nullptr, error_field_, n});
    ClearRecord();
  }
  if (st == Status::kRecord && done_) st = Status::kEnd;
  batching_ = false;
  out->rows_ = out->lines_.size();
  std::swap(fields_, out->fields_);
  std::swap(fields_capacity_, out->capacity_);
  std::swap(scratch_, out->scratch_);
  std::swap(scratch_fields_, out->scratch_fields_);
  std::swap(quoted_, out->quoted_);
  // After the swap: a short string's bytes move with it.
  for (auto [index, off] : out->scratch_fields_)
    out->fields_[index] = std::string_view(out->scratch_.data() + off, out->fields_[index].size());
  num_fields_ = rec_base_ = rec_scratch_ = 0;
  error_ = nullptr;
  error_field_ = 0;
  return st;
}

CsvTokenizer::Status CsvTokenizer::ScalarRecord() {
  // The per-byte reference machine over the quote, delimiter and line-end
  // bits, from the start of the current record to its end.
  ClearRecord();
  const char* const file_end = data_ + size_;
  int64_t inner_lines = 0;
  const char* field_start = record_start_;
  const char* close_quote = nullptr;
  bool in_quotes = false, quoted_field = false, escaped = false;
  auto push = [this](std::string_view f) {
    ReserveFields(1);
    PushField(f);
  };
  auto end_field = [&](const char* at, bool at_line_end) {
    if (quoted_field) {
      const char* after = close_quote + 1;
      if (after != at && !(at_line_end && after + 1 == at && *after == '\r')) {
        QuoteError();
        field_start = at + 1;
        quoted_field = escaped = false;
        return false;
      }
      const char* b = field_start + 1;
      quoted_.push_back(num_fields_);
      if (escaped) PushUnescaped(b, close_quote);
      else push(std::string_view(b, static_cast<size_t>(close_quote - b)));
    } else {
      const char* e = at;
      if (at_line_end && e > field_start && e[-1] == '\r') --e;
      push(std::string_view(field_start, static_cast<size_t>(e - field_start)));
    }
    field_start = at + 1;
    quoted_field = escaped = false;
    return true;
  };
  auto interesting = [&](const char* p) {
    CsvBlockBits b;
    ScanAt(p, &b);
    return b.quote | b.delim | b.nl;
  };
  const char* block = record_start_;
  uint64_t mask = interesting(block);
  for (;;) {
    while (mask == 0) {
      block += 64;
      if (block >= file_end) {
        done_ = true;
        if (in_quotes) return Unterminated();
        record_line_ = lines_;
        const bool ok = end_field(file_end, true);
        lines_ += 1 + inner_lines;
        Finish(size_);
        return ok && !error_ ? Status::kRecord : Status::kError;
      }
      if (speculative_ && static_cast<size_t>(block - data_) > abort_at_) return Status::kAbort;
      mask = interesting(block);
    }
    const char* p = block + __builtin_ctzll(mask);
    mask &= mask - 1;
    const char c = *p;
    if (in_quotes) {
      if (c == quote_ && quoting_) {
        in_quotes = false;
        close_quote = p;
      } else if (c == '\n') {
        ++inner_lines;
      }
      continue;
    }
    if (c == quote_ && quoting_) {
      if (p == field_start) {
        in_quotes = quoted_field = true;
      } else if (quoted_field && p == close_quote + 1) {
        in_quotes = escaped = true;  // a doubled quote inside the field
      }
      continue;  // otherwise a quote inside an unquoted field is a plain byte
    }
    if (c != '\n') {
      end_field(p, false);
      continue;
    }
    // The record holds a quote, so it is not an empty line.
    record_line_ = lines_;
    lines_ += 1 + inner_lines;
    inner_lines_ = 0;
    const size_t next = static_cast<size_t>(p + 1 - data_);
    if (next >= stop_) done_ = true;
    const bool ok = end_field(p, true);
    record_start_ = field_start_ = p + 1;
    if (!done_) LoadBlock(p + 1, true);
    Finish(next);
    return ok && !error_ ? Status::kRecord : Status::kError;
  }
}

ChunkPipeline::ChunkPipeline(const MappedFile& file, const CsvDialect& dialect, size_t begin, int64_t first_line,
                             int threads, size_t chunk_bytes)
    : file_(file), pos_(begin), line_(first_line), chunk_bytes_(chunk_bytes) {
  const int n = std::clamp(threads, 1, 256);
  if (chunk_bytes_ == 0) {
    // About kDefaultChunkBytes, evened out so every round has `n` chunks of
    // about the same size (the last round is not one chunk on one thread).
    const size_t bytes = file.size() > begin ? file.size() - begin : 0;
    const size_t per_round = kDefaultChunkBytes * static_cast<size_t>(n);
    const size_t rounds = std::max<size_t>(1, (bytes + per_round - 1) / per_round);
    const size_t chunks = rounds * static_cast<size_t>(n);
    chunk_bytes_ = std::max<size_t>((bytes + chunks - 1) / chunks, 4096);
  }
  for (int i = 0; i < n; ++i) tokenizers_.push_back(std::make_unique<CsvTokenizer>(dialect));
  done_ = pos_ >= file_.size();
}

ChunkPipeline::~ChunkPipeline() = default;

bool ChunkPipeline::Round(const Parse& parse, const Accept& accept, bool accept_early) {
  if (done_) return false;
  const char* data = file_.data();
  const size_t size = file_.size();
  const size_t n = tokenizers_.size();
  std::vector<size_t> begin(n), stop(n);
  for (size_t i = 0; i < n; ++i) {
    const size_t nominal = pos_ + i * chunk_bytes_;
    stop[i] = std::min(size, nominal + chunk_bytes_);
    begin[i] = i == 0 ? pos_ : std::min(CandidateChunkStart(data, size, nominal), stop[i]);
  }
  // A speculative chunk gives up when a record runs a whole chunk past its
  // end: its start was then most likely inside a quoted field.
  auto run = [&](size_t i, bool speculative) {
    tokenizers_[i]->Reset(data, size, begin[i], stop[i], speculative, chunk_bytes_);
    parse(*tokenizers_[i], i);
  };
  std::vector<std::thread> workers;
  for (size_t i = 1; i < n; ++i)
    if (begin[i] < stop[i]) workers.emplace_back(run, i, true);
  run(0, false);
  size_t cur = pos_;
  size_t first = 0;  // the first chunk not accepted yet
  if (accept_early && !workers.empty()) {
    const CsvTokenizer& t = *tokenizers_[0];
    if (!accept(0, line_)) done_ = true;
    line_ += t.lines();
    cur = t.end();
    first = 1;
  }
  for (auto& w : workers) w.join();

  for (size_t i = first; i < n && !done_; ++i) {
    if (cur >= stop[i]) continue;  // the previous chunk's last record covered this one
    CsvTokenizer& t = *tokenizers_[i];
    const bool aborted = i > 0 && t.end() < stop[i] && t.end() < size;
    if (i > 0 && (begin[i] != cur || aborted)) {
      ++reparsed_;
      begin[i] = cur;
      run(i, false);
    }
    if (!accept(i, line_)) done_ = true;
    line_ += t.lines();
    cur = t.end();
  }
  pos_ = cur;
  if (pos_ >= size) done_ = true;
  return !done_;
}

}  // namespace cohort
