// Tokenizer state machine: only delimiters, quotes and line ends are looked
// at, found 64 bytes at a time as a bitmask, so a plain field costs one bit
// scan instead of a loop over its bytes.
#include "runtime/csv_scan.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
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

CsvTokenizer::CsvTokenizer(const CsvDialect& dialect)
    : delim_(dialect.delimiter), quote_(dialect.quote), quoting_(dialect.quote != '\0') {
  if (!quoting_) quote_ = delim_;  // the masks then only look for delimiters and line ends
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
  block_ = data + begin;
  mask_ = done_ ? 0 : (begin + 64 <= size ? Mask(block_) : MaskTail(block_, size - begin));
  record_start_ = field_start_ = data + begin;
  close_quote_ = nullptr;
  in_quotes_ = quoted_field_ = escaped_ = false;
  inner_lines_ = 0;
  fields_.clear();
  scratch_.clear();
  scratch_fields_.clear();
}

uint64_t CsvTokenizer::Mask(const char* p) const {
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8(delim_);
  const __m128i q = _mm_set1_epi8(quote_);
  const __m128i n = _mm_set1_epi8('\n');
  uint64_t m = 0;
  for (int k = 0; k < 4; ++k) {
    __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, q)), _mm_cmpeq_epi8(x, n));
    m |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(hit))} << (16 * k);
  }
  return m;
#else
  return MaskTail(p, 64);
#endif
}

uint64_t CsvTokenizer::MaskTail(const char* p, size_t n) const {
  uint64_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = p[i];
    if (c == delim_ || c == quote_ || c == '\n') m |= uint64_t{1} << i;
  }
  return m;
}

bool CsvTokenizer::EndField(const char* at, bool at_line_end) {
  if (quoted_field_) {
    // The closing quote must end the field (a CR may precede the line end).
    const char* after = close_quote_ + 1;
    if (after != at && !(at_line_end && after + 1 == at && *after == '\r')) {
      if (!error_) {
        error_ = "unexpected character after a closing quote; quote the whole field and double inner quotes";
        error_field_ = fields_.size() + 1;
      }
      fields_.emplace_back();
      field_start_ = at + 1;
      quoted_field_ = escaped_ = false;
      return false;
    }
    const char* b = field_start_ + 1;
    if (escaped_) {
      const size_t off = scratch_.size();
      for (const char* p = b; p < close_quote_; ++p) {
        scratch_.push_back(*p);
        if (*p == quote_) ++p;  // the first of a doubled pair
      }
      scratch_fields_.emplace_back(fields_.size(), off);
      fields_.emplace_back(nullptr, scratch_.size() - off);
    } else {
      fields_.emplace_back(b, static_cast<size_t>(close_quote_ - b));
    }
  } else {
    const char* e = at;
    if (at_line_end && e > field_start_ && e[-1] == '\r') --e;
    fields_.emplace_back(field_start_, static_cast<size_t>(e - field_start_));
  }
  field_start_ = at + 1;
  quoted_field_ = escaped_ = false;
  return true;
}

void CsvTokenizer::Finish(size_t end) {
  end_ = end;
  for (auto [index, off] : scratch_fields_) fields_[index] = std::string_view(scratch_.data() + off, fields_[index].size());
}

CsvTokenizer::Status CsvTokenizer::Next() {
  fields_.clear();
  scratch_.clear();
  scratch_fields_.clear();
  error_ = nullptr;
  error_field_ = 0;
  const char* const file_end = data_ + size_;
  for (;;) {
    if (done_) return Status::kEnd;
    while (mask_ == 0) {
      block_ += 64;
      if (block_ >= file_end) {
        // End of the data: the rest is the last record (no line end).
        done_ = true;
        if (in_quotes_) {
          record_line_ = lines_;
          error_ = "unterminated quoted field at end of file";
          error_field_ = fields_.size() + 1;
          end_ = size_;
          return Status::kError;
        }
        if (record_start_ >= file_end) {
          end_ = size_;
          return Status::kEnd;
        }
        record_line_ = lines_;
        bool ok = EndField(file_end, true);
        lines_ += 1 + inner_lines_;
        Finish(size_);
        if (fields_.size() == 1 && fields_[0].empty() && !quoted_field_ && ok &&
            (file_end - record_start_ == 0 || (file_end - record_start_ == 1 && *record_start_ == '\r')))
          return Status::kEnd;
        return ok && !error_ ? Status::kRecord : Status::kError;
      }
      if (speculative_ && static_cast<size_t>(block_ - data_) > abort_at_) return Status::kAbort;
      const size_t at = static_cast<size_t>(block_ - data_);
      mask_ = at + 64 <= size_ ? Mask(block_) : MaskTail(block_, size_ - at);
    }
    const char* p = block_ + __builtin_ctzll(mask_);
    mask_ &= mask_ - 1;
    const char c = *p;
    if (in_quotes_) {
      if (c == quote_ && quoting_) {
        in_quotes_ = false;
        close_quote_ = p;
      } else if (c == '\n') {
        ++inner_lines_;
      }
      continue;
    }
    if (c == quote_ && quoting_) {
      if (p == field_start_) {
        in_quotes_ = quoted_field_ = true;
      } else if (quoted_field_ && p == close_quote_ + 1) {
        in_quotes_ = escaped_ = true;  // a doubled quote inside the field
      }
      continue;  // otherwise a quote inside an unquoted field is a plain byte
    }
    if (c != '\n') {
      EndField(p, false);
      continue;
    }
    // A line end outside quotes ends the record.
    const bool empty_line = fields_.empty() && !quoted_field_ &&
                            (p == record_start_ || (p == record_start_ + 1 && *record_start_ == '\r'));
    record_line_ = lines_;
    lines_ += 1 + inner_lines_;
    inner_lines_ = 0;
    const size_t next = static_cast<size_t>(p + 1 - data_);
    if (next >= stop_) done_ = true;
    if (empty_line) {
      record_start_ = field_start_ = p + 1;
      end_ = next;
      if (done_) return Status::kEnd;
      continue;
    }
    bool ok = EndField(p, true);
    record_start_ = field_start_ = p + 1;
    Finish(next);
    return ok && !error_ ? Status::kRecord : Status::kError;
  }
}

ChunkPipeline::ChunkPipeline(const MappedFile& file, const CsvDialect& dialect, size_t begin, int64_t first_line,
                             int threads, size_t chunk_bytes)
    : file_(file), pos_(begin), line_(first_line), chunk_bytes_(chunk_bytes ? chunk_bytes : kDefaultChunkBytes) {
  const int n = std::clamp(threads, 1, 256);
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
