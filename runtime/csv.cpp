// Streaming RFC 4180 reader. A record is located first (fast path: memchr for
// the line end and no quote on the line; otherwise a small state machine that
// may span refills), then split into fields in place.
#include "runtime/csv.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace cohort {

CsvReader::CsvReader(size_t buffer_size, const CsvDialect& dialect)
    : chunk_(buffer_size < 64 ? 64 : buffer_size), delim_(dialect.delimiter), quote_(dialect.quote), quoting_(dialect.quote != '\0') {}

CsvReader::~CsvReader() {
  if (fd_ >= 0) ::close(fd_);
}

bool CsvReader::Open(const std::string& path) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) {
    error_ = fmt::format("cannot open file: {}", std::strerror(errno));
    return false;
  }
  buf_.assign(chunk_, 0);
  pos_ = end_ = 0;
  eof_ = false;
  read_failed_ = false;
  first_read_ = true;
  next_line_ = 1;
  record_line_ = 0;
  error_.clear();
  return true;
}

size_t CsvReader::Refill() {
  if (eof_ || fd_ < 0) return 0;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, end_ - pos_);
    end_ -= pos_;
    pos_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(buf_.size() * 2);  // one record longer than the buffer
  size_t added = 0;
  // Read until something arrives (and, on the first read, enough to see a BOM).
  while (!eof_ && end_ < buf_.size() && (added == 0 || (first_read_ && end_ < 3))) {
    ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n < 0) {
      if (errno == EINTR) continue;
      error_ = fmt::format("read error: {}", std::strerror(errno));
      read_failed_ = true;
      eof_ = true;
      break;
    }
    if (n == 0) {
      eof_ = true;
      break;
    }
    end_ += static_cast<size_t>(n);
    added += static_cast<size_t>(n);
  }
  if (first_read_) {
    first_read_ = false;
    if (end_ >= 3 && static_cast<unsigned char>(buf_[0]) == 0xEF && static_cast<unsigned char>(buf_[1]) == 0xBB &&
        static_cast<unsigned char>(buf_[2]) == 0xBF) {
      pos_ = 3;
    }
  }
  return added;
}

namespace {
enum class ScanState : uint8_t { kFieldStart, kUnquoted, kQuoted, kQuoteSeen };
}  // namespace

CsvReader::Status CsvReader::Next() {
  fields_.clear();
  error_field_ = 0;
  error_.clear();
  if (fd_ < 0) return Status::kEnd;
  for (;;) {
    if (pos_ == end_) {
      Refill();
      if (read_failed_) {
        record_line_ = next_line_;
        return Status::kError;
      }
      if (pos_ == end_) return Status::kEnd;
    }
    record_line_ = next_line_;
    char* base = buf_.data();
    size_t rec_end = 0;    // end of record content (exclusive), relative to buffer
    size_t consumed = 0;   // where the next record starts
    bool has_quote = true;
    // Fast path: a whole line in the buffer without any quote.
    const void* nl = std::memchr(base + pos_, '\n', end_ - pos_);
    if (nl != nullptr) {
      size_t nl_at = static_cast<const char*>(nl) - base;
      if (!quoting_ || std::memchr(base + pos_, quote_, nl_at - pos_) == nullptr) {
        has_quote = false;
        rec_end = nl_at;
        consumed = nl_at + 1;
        next_line_ += 1;
      }
    }
    if (has_quote) {
      // Slow path: a quote-aware scan, refilling as needed. Offsets are kept
      // relative to the record start because Refill moves the record.
      ScanState state = ScanState::kFieldStart;
      size_t rel = 0;
      int64_t inner_newlines = 0;
      bool found = false;
      for (;;) {
        base = buf_.data();
        size_t avail = end_ - pos_;
        const char* p = base + pos_;
        while (rel < avail) {
          char c = p[rel];
          switch (state) {
            case ScanState::kFieldStart:
              if (quoting_ && c == quote_) state = ScanState::kQuoted;
              else if (c == '\n') found = true;
              else if (c != delim_) state = ScanState::kUnquoted;
              break;
            case ScanState::kUnquoted:
              if (c == delim_) state = ScanState::kFieldStart;
              else if (c == '\n') found = true;
              break;
            case ScanState::kQuoted:
              if (quoting_ && c == quote_) state = ScanState::kQuoteSeen;
              else if (c == '\n') ++inner_newlines;
              break;
            case ScanState::kQuoteSeen:
              if (quoting_ && c == quote_) state = ScanState::kQuoted;
              else if (c == delim_) state = ScanState::kFieldStart;
              else if (c == '\n') found = true;
              else state = ScanState::kUnquoted;  // malformed; reported when splitting
              break;
          }
          if (found) break;
          ++rel;
        }
        if (found) {
          rec_end = pos_ + rel;
          consumed = rec_end + 1;
          next_line_ += 1 + inner_newlines;
          break;
        }
        size_t added = Refill();
        if (read_failed_) return Status::kError;
        if (added == 0) {  // EOF: the rest is the last record
          if (state == ScanState::kQuoted) {
            error_ = "unterminated quoted field at end of file";
            return Status::kError;
          }
          rec_end = end_;
          consumed = end_;
          next_line_ += 1 + inner_newlines;
          break;
        }
      }
    }
    base = buf_.data();
    size_t start = pos_;
    pos_ = consumed;
    if (rec_end > start && base[rec_end - 1] == '\r') --rec_end;
    if (rec_end == start) continue;  // empty line
    if (!has_quote) {
      // Plain split on commas.
      char* p = base + start;
      char* e = base + rec_end;
      for (;;) {
        char* c = static_cast<char*>(std::memchr(p, delim_, e - p));
        if (c == nullptr) {
          fields_.emplace_back(p, e - p);
          break;
        }
        fields_.emplace_back(p, c - p);
        p = c + 1;
      }
      return Status::kRecord;
    }
    if (!SplitFields(base + start, base + rec_end)) return Status::kError;
    return Status::kRecord;
  }
}

bool CsvReader::SplitFields(char* begin, char* end) {
  char* p = begin;
  for (;;) {
    if (p < end && quoting_ && *p == quote_) {
      char* out = p;  // unescaped bytes are written over the field itself
      char* r = p + 1;
      for (;;) {
        if (r >= end) {
          error_ = "unterminated quoted field";
          error_field_ = fields_.size() + 1;
          return false;
        }
        char c = *r;
        if (quoting_ && c == quote_) {
          if (r + 1 < end && r[1] == quote_) {
            *out++ = quote_;
            r += 2;
            continue;
          }
          ++r;
          break;
        }
        *out++ = c;
        ++r;
      }
      fields_.emplace_back(p, out - p);
      if (r == end) return true;
      if (*r != delim_) {
        error_ = "unexpected character after a closing quote; quote the whole field and double inner quotes";
        error_field_ = fields_.size();
        return false;
      }
      p = r + 1;
      continue;
    }
    char* c = static_cast<char*>(std::memchr(p, delim_, end - p));
    if (c == nullptr) {
      fields_.emplace_back(p, end - p);
      return true;
    }
    fields_.emplace_back(p, c - p);
    p = c + 1;
  }
}

}  // namespace cohort

namespace cohort {

const char* CheckText(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  // Fast path: 8 bytes at a time while they are ASCII and not NUL.
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    const uint64_t zero = (w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL;
    if (((w & 0x8080808080808080ULL) | zero) != 0) break;
  }
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      if (c == 0) return "NUL byte";
      ++i;
      continue;
    }
    // RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF.
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;
      if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;
    } else {
      return "invalid UTF-8";
    }
    if (i + len > n) return "invalid UTF-8";
    if (p[i + 1] < lo || p[i + 1] > hi) return "invalid UTF-8";
    for (size_t k = 2; k < len; ++k)
      if ((p[i + k] & 0xC0) != 0x80) return "invalid UTF-8";
    i += len;
  }
  return nullptr;
}

}  // namespace cohort
