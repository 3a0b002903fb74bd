#include "runtime/run/run.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/dates.h"
#include "core/parallel.h"
#include "runtime/arrow/arrow_data.h"
#include "runtime/run/decide.h"
#include "runtime/suppress.h"

namespace cohort {

namespace fs = std::filesystem;

namespace {

using Clock = std::chrono::steady_clock;
double Seconds(Clock::time_point a, Clock::time_point b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

namespace {

/// A file written in large blocks and flushed to disk on Close. Blocks go
/// to the disk directly (O_DIRECT: no copy into the page cache and no
/// writeback of it at fsync, which is most of writing a large list) where
/// the filesystem allows it, else through the page cache; the bytes written
/// are the same either way. Callers format straight into its block-aligned
/// buffer (Reserve, then Commit), which is written from where it is.
class FileOut {
 public:
  FileOut(const fs::path& path, std::string* error) : path_(path), error_(error) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_DIRECT, 0644);
    direct_ = fd_ >= 0;
    if (fd_ < 0 && errno == EINVAL)  // the filesystem has no direct I/O (e.g. tmpfs)
      fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) *error_ = fmt::format("cannot create `{}`: {}", path.string(), std::strerror(errno));
  }
  FileOut(const FileOut&) = delete;
  FileOut& operator=(const FileOut&) = delete;
  ~FileOut() {
    if (fd_ >= 0) ::close(fd_);
  }
  /// Room for `n` more bytes at the end of the buffer; Commit(k) keeps the
  /// first k <= n of them.
  char* Reserve(size_t n) {
    if (capacity_ - size_ < n) Grow(n);
    return buf_.get() + size_;
  }
  /// Keeps `n` bytes written at Reserve's pointer (a full block goes out).
  void Commit(size_t n) {
    size_ += n;
    if (size_ >= kBlock) Flush(false);
  }
  void Append(std::string_view s) {
    std::memcpy(Reserve(s.size()), s.data(), s.size());
    Commit(s.size());
  }
  /// Appends `row`'s line of `rows`, formatted straight into the buffer.
  void AppendRow(const ListRows& rows, const ListRows::RowView& row) {
    const size_t n = rows.LineSize(row);
    rows.WriteLine(row, Reserve(n));
    Commit(n);
  }
  /// Writes the rest, fsyncs and closes: false (error set) on failure.
  bool Close() {
    Flush(true);
    if (fd_ < 0) return false;
    const int fd = fd_;
    fd_ = -1;
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
      *error_ = fmt::format("cannot flush `{}`: {}", path_.string(), std::strerror(errno));
      return false;
    }
    return true;
  }

 private:
  static constexpr size_t kBlock = size_t{1} << 20;
  static constexpr size_t kAlign = 4096;  ///< O_DIRECT: addresses, sizes and offsets in multiples of this
  static constexpr size_t kSlack = size_t{1} << 16;  ///< room past a block (most lines fit)

  /// A buffer of at least size_ + n bytes (a multiple of kAlign), the
  /// buffered bytes kept.
  void Grow(size_t n) {
    const size_t capacity = std::max(kBlock + kSlack, (size_ + n + kAlign - 1) / kAlign * kAlign);
    std::unique_ptr<char, Free> bigger(static_cast<char*>(std::aligned_alloc(kAlign, capacity)));
    if (!bigger) throw std::bad_alloc();
    if (size_ > 0) std::memcpy(bigger.get(), buf_.get(), size_);
    buf_ = std::move(bigger);
    capacity_ = capacity;
  }

  void Fail(const char* what) {
    *error_ = fmt::format("cannot {} `{}`: {}", what, path_.string(), std::strerror(errno));
    ::close(fd_);
    fd_ = -1;
  }

  /// Goes on through the page cache (a filesystem that refused a direct write).
  bool StopDirect() {
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags < 0 || ::fcntl(fd_, F_SETFL, flags & ~O_DIRECT) != 0) return false;
    direct_ = false;
    return true;
  }

  /// Writes `n` bytes of `p` at the end of the file; false on error.
  bool WriteAll(const char* p, size_t n) {
    size_t done = 0;
    while (done < n) {
      ssize_t k = ::write(fd_, p + done, n - done);
      if (k < 0 && errno == EINTR) continue;
      if (k < 0 && errno == EINVAL && direct_ && StopDirect()) continue;
      if (k < 0) return false;
      done += static_cast<size_t>(k);
      written_ += static_cast<uint64_t>(k);
      if (direct_ && (done < n) && (static_cast<size_t>(k) % kAlign != 0) && !StopDirect()) return false;
    }
    return true;
  }

  /// Writes the buffer's whole aligned blocks (every byte when `last`; a
  /// direct write then pads the final block with zeros and cuts the file
  /// back), keeping the rest at the buffer's start.
  void Flush(bool last) {
    if (fd_ < 0) {
      size_ = 0;
      return;
    }
    if (!direct_) {
      if (!WriteAll(buf_.get(), size_)) return Fail("write");
      size_ = 0;
      return;
    }
    const uint64_t size = written_ + size_;
    size_t n = size_ / kAlign * kAlign;
    if (last && n < size_) {  // capacity_ is a multiple of kAlign: the padding fits
      n += kAlign;
      std::memset(buf_.get() + size_, 0, n - size_);
    }
    if (n > 0 && !WriteAll(buf_.get(), n)) return Fail("write");
    if (last) {
      size_ = 0;
      if (written_ != size && ::ftruncate(fd_, static_cast<off_t>(size)) != 0) return Fail("write");
      return;
    }
    std::memmove(buf_.get(), buf_.get() + n, size_ - n);
    size_ -= n;
  }

  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  fs::path path_;
  std::string* error_;
  int fd_ = -1;
  bool direct_ = false;
  uint64_t written_ = 0;  ///< bytes written to the file (with a direct write's padding)
  std::unique_ptr<char, Free> buf_;  ///< kAlign-aligned
  size_t size_ = 0, capacity_ = 0;
};

/// Writes `content` to `path` and flushes it to disk.
bool WriteFileDurable(const fs::path& path, const std::string& content, std::string* error) {
  FileOut out(path, error);
  out.Append(content);
  return out.Close();
}

/// Appends one scalar cell as FormatCell shows it, as one CSV field.
void AppendCellCsv(std::string& out, const CohortColumn& c, const ColumnDef& def, int64_t row) {
  if (!IsValid(c, row)) return;
  switch (def.type.kind) {
    case TypeKind::kBool: out += GetBit(static_cast<const uint8_t*>(c.values), row) ? "true" : "false"; return;
    case TypeKind::kInt: fmt::format_to(std::back_inserter(out), "{}", static_cast<const int64_t*>(c.values)[row]); return;
    case TypeKind::kString: AppendCsvField(out, StringAt(c, row)); return;
    case TypeKind::kEnum: {
      uint8_t code = static_cast<const uint8_t*>(c.values)[row];
      const auto& labels = def.type.enum_def->labels;
      if (code < labels.size()) AppendCsvField(out, labels[code]);
      return;
    }
    default: AppendCsvField(out, FormatCell(c, def, row)); return;
  }
}

/// Accumulates the lists over batches. Each worker slot fills its own copy
/// of every list (a segment's holdout list or one of its channel lists)
/// from the batches it decides, right after deciding them; the slots' rows
/// are gathered in batch order at the end (ListRows::Gather), moving arena
/// chunks, never bytes.
class Assembler {
 public:
  Assembler(const ir::Program& p, RunReport* report, size_t slots) : p_(p), report_(report) {
    key_column_ = p.schema->key_column();
    lists_.channels.resize(p.segments.size());
    lists_.holdouts.resize(p.segments.size());
    for (size_t s = 0; s < p.segments.size(); ++s) {
      const ir::Segment& seg = p.segments[s];
      lists_.channels[s].resize(seg.channels.size());
      units_.push_back({s, -1});
      // The fields every row of a channel list shares: send_on, message, cta
      // (send_on only when the segment has variants).
      for (size_t c = 0; c < seg.channels.size(); ++c) {
        units_.push_back({s, static_cast<int>(c)});
        std::string f(1, ',');
        f += report_->segments[s].channels[c].send_on;
        if (seg.variants.empty()) {  // with variants, message and cta are per row
          f.push_back(',');
          AppendCsvField(f, seg.message);
          f.push_back(',');
          AppendCsvField(f, seg.cta);
        }
        lists_.channels[s][c].set_shared(std::move(f));
      }
    }
    slots_.resize(slots);
    for (std::vector<ListRows>& lists : slots_) lists.resize(units_.size());
    scratch_.resize(slots);
    runs_.resize(units_.size());
  }

  /// Adds the rows of one batch, decided by Decide into `d`, to slot
  /// `slot`'s lists and sets `added` to how many rows each list got. Safe
  /// for different slots on different threads at once.
  /// `spans` (when not null) gets, per list, the spans of the rows added.
  void AddBatch(size_t slot, const CohortBatchView& view, const Decisions& d, std::vector<uint32_t>* added,
                std::vector<std::vector<ListRows::Span>>* spans = nullptr) {
    added->assign(units_.size(), 0);
    if (spans) spans->resize(units_.size());
    // Which keys need CSV quoting: none when no byte of the batch's keys
    // does (one pass over the key bytes instead of one per key and list).
    const CohortColumn& keys = view.columns[key_column_];
    const bool check_keys = keys.dictionary || view.num_rows == 0 ||
                            CsvFieldNeedsQuotes({reinterpret_cast<const char*>(keys.data) + keys.offsets[0],
                                                 static_cast<size_t>(keys.offsets[view.num_rows] - keys.offsets[0])});
    for (size_t u = 0; u < units_.size(); ++u) {
      ListRows& rows = slots_[slot][u];
      const size_t before = rows.size(), spans_before = rows.spans().size();
      AddUnit(u, view, d, check_keys, scratch_[slot], rows);
      rows.Cut();  // the batch's rows are one span (Gather takes it whole)
      (*added)[u] = static_cast<uint32_t>(rows.size() - before);
      if (spans) (*spans)[u].assign(rows.spans().begin() + static_cast<std::ptrdiff_t>(spans_before), rows.spans().end());
    }
  }
  /// Records that the batch AddBatch gave `added` for (on slot `slot`) comes
  /// next in every list: one thread calls this for every batch, in order.
  void EndBatch(size_t slot, const std::vector<uint32_t>& added) {
    for (size_t u = 0; u < units_.size(); ++u)
      if (added[u] > 0) runs_[u].push_back({static_cast<uint32_t>(slot), added[u]});
  }

  /// Gathers the slots' rows into the lists, each in batch order (lists on
  /// `threads` threads at once).
  void Gather(int threads) {
    std::atomic<size_t> next{0};
    ParallelFor(std::min<size_t>(static_cast<size_t>(std::max(1, threads)), units_.size()), [&](size_t) {
      std::vector<ListRows*> parts;
      for (size_t u = next++; u < units_.size(); u = next++) {
        parts.clear();
        for (std::vector<ListRows>& lists : slots_) parts.push_back(&lists[u]);
        ListRows::Gather(parts, runs_[u], &List(u));
      }
    });
  }

  RunLists* lists() { return &lists_; }
  size_t units() const { return units_.size(); }
  /// The list unit `u` fills (after Gather).
  ListRows* list(size_t u) { return &List(u); }

 private:
  ListRows& List(size_t u) {
    const Unit& unit = units_[u];
    return unit.channel < 0 ? lists_.holdouts[unit.segment]
                            : lists_.channels[unit.segment][static_cast<size_t>(unit.channel)];
  }

  /// Adds the rows of one batch to list `unit` (rows: a slot's copy of it;
  /// `check_keys`: some key may need quoting; `tail`: scratch).
  void AddUnit(size_t unit, const CohortBatchView& view, const Decisions& d, bool check_keys, std::string& tail,
               ListRows& rows) {
    const size_t s = units_[unit].segment;
    const ir::Segment& seg = p_.segments[s];
    const CohortColumn& keys = view.columns[key_column_];
    auto add_keys = [&](const uint8_t* mask) {
      if (check_keys)
        ForEachSet(mask, view.num_rows, [&](int64_t r) { rows.Add(StringAt(keys, r)); });
      else
        ForEachSet(mask, view.num_rows, [&](int64_t r) { rows.Add(PlainStringAt(keys, r), {}, false); });
    };
    if (units_[unit].channel < 0) {
      if (seg.holdout_bp == 0) return;  // nobody is held out
      add_keys(d.held[s].data());
      return;
    }
    const size_t c = static_cast<size_t>(units_[unit].channel);
    const uint8_t* listed = d.listed[s][c].data();
    if (seg.variants.empty() && seg.exports.empty()) {  // the key is the whole row
      add_keys(listed);
      return;
    }
    ForEachSet(listed, view.num_rows, [&](int64_t r) {
      tail.clear();
      // With variants (issue 12) the message and cta are the row's
      // variant's, and a `variant` column follows them.
      if (!seg.variants.empty()) AppendVariantFields(seg, VariantOf(d, s, r), tail);
      for (ColumnId col : seg.exports) {
        tail.push_back(',');
        AppendCellCsv(tail, view.columns[col], p_.schema->columns[col], r);
      }
      const std::string_view key = StringAt(keys, r);
      rows.Add(key, tail, check_keys && CsvFieldNeedsQuotes(key));
    });
  }

  static int VariantOf(const Decisions& d, size_t s, int64_t r) {
    return d.variant[s].empty() ? -1 : d.variant[s][static_cast<size_t>(r)];
  }

  /// `,message,cta,variant` of variant `v` of `seg` (the segment's own
  /// message and cta, and no name, if the row has none).
  static void AppendVariantFields(const ir::Segment& seg, int v, std::string& out) {
    const ir::Variant* var = v >= 0 ? &seg.variants[static_cast<size_t>(v)] : nullptr;
    out.push_back(',');
    AppendCsvField(out, var ? var->message : seg.message);
    out.push_back(',');
    AppendCsvField(out, var ? var->cta : seg.cta);
    out.push_back(',');
    if (var) AppendCsvField(out, var->name);
  }

  struct Unit {
    size_t segment;
    int channel;  ///< -1: the holdout list
  };
  const ir::Program& p_;
  RunReport* report_;
  ColumnId key_column_;
  RunLists lists_;
  std::vector<Unit> units_;
  std::vector<std::vector<ListRows>> slots_;  ///< [slot][unit]
  std::vector<std::string> scratch_;          ///< [slot]: a row's tail while it is built
  std::vector<std::vector<ListRows::Run>> runs_;  ///< [unit]: the batches' rows in batch order
};

/// Adds the counters of `from` (a ReportTally's report over some batches) to
/// `to` (prepared by a ReportTally for the same program).
void AddCounts(const RunReport& from, RunReport* to) {
  for (size_t s = 0; s < from.segments.size(); ++s) {
    const SegmentStats& f = from.segments[s];
    SegmentStats& t = to->segments[s];
    t.records += f.records;
    t.where_matched += f.where_matched;
    for (size_t k = 0; k < f.exclude_removed.size(); ++k) t.exclude_removed[k] += f.exclude_removed[k];
    t.members += f.members;
    t.taken_by_campaign += f.taken_by_campaign;
    t.held_out += f.held_out;
    for (size_t c = 0; c < f.channels.size(); ++c) {
      t.channels[c].eligible += f.channels[c].eligible;
      t.channels[c].listed += f.channels[c].listed;
      t.channels[c].lacked_consent += f.channels[c].lacked_consent;
      t.channels[c].condition_false += f.channels[c].condition_false;
      t.channels[c].capped += f.channels[c].capped;
    }
  }
  for (size_t c = 0; c < from.campaigns.size(); ++c)
    for (const auto& [pair, n] : from.campaigns[c].taken) to->campaigns[c].taken[pair] += n;
}

}  // namespace

namespace {

/// The 8 bytes of `s` at `at` (at + 8 <= size) as a big-endian number
/// (compares like the bytes).
inline uint64_t Load8BigEndian(std::string_view s, size_t at) {
  uint64_t w;
  std::memcpy(&w, s.data() + at, 8);
  if constexpr (std::endian::native == std::endian::little) w = __builtin_bswap64(w);
  return w;
}

/// Copies `n` bytes (keys, a list's shared fields: mostly under 64) with a
/// few overlapping fixed-size moves instead of a call to memcpy per piece.
inline void CopyShort(char* dst, const char* src, size_t n) {
  if (n >= 16 && n <= 32) {
    std::memcpy(dst, src, 16);
    std::memcpy(dst + n - 16, src + n - 16, 16);
  } else if (n >= 8 && n < 16) {
    std::memcpy(dst, src, 8);
    std::memcpy(dst + n - 8, src + n - 8, 8);
  } else if (n >= 4 && n < 8) {
    std::memcpy(dst, src, 4);
    std::memcpy(dst + n - 4, src + n - 4, 4);
  } else if (n > 32 && n <= 64) {
    std::memcpy(dst, src, 32);
    std::memcpy(dst + n - 32, src + n - 32, 32);
  } else if (n < 4) {
    for (size_t i = 0; i < n; ++i) dst[i] = src[i];
  } else {
    std::memcpy(dst, src, n);
  }
}

/// a < b by bytes, as string_view compares them; inline, 8 bytes at a time
/// (keys are short: a call to memcmp per row costs more than the compare).
inline bool KeyLess(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t x = Load8BigEndian(a, i), y = Load8BigEndian(b, i);
    if (x != y) return x < y;
  }
  for (; i < n; ++i)
    if (a[i] != b[i]) return static_cast<unsigned char>(a[i]) < static_cast<unsigned char>(b[i]);
  return a.size() < b.size();
}

}  // namespace

void ListRows::Add(std::string_view key, std::string_view tail, bool quote) {
  const bool long_key = key.size() >= kLongKey;
  const size_t need = (long_key ? 5 : 1) + key.size() + (tail.empty() ? 0 : 4 + tail.size());
  if (chunks_.empty() || chunks_.back().capacity - chunks_.back().size < need) {
    const size_t last = chunks_.empty() ? 0 : chunks_.back().capacity;
    const size_t capacity =
        std::max(need, std::min<size_t>(std::max<size_t>(last * 2, size_t{1} << 16), size_t{1} << 22));
    chunks_.push_back({std::unique_ptr<char[]>(new char[capacity]), 0, capacity});  // not zeroed: filled as rows come
  }
  Chunk& chunk = chunks_.back();
  char* const row = chunk.bytes.get() + chunk.size;
  char* p = row;
  const unsigned length = long_key ? kLongKey : static_cast<unsigned>(key.size());
  *p++ = static_cast<char>((quote ? 1u : 0u) | (tail.empty() ? 0u : 2u) | length << 2);
  if (long_key) {
    const auto n = static_cast<uint32_t>(key.size());
    std::memcpy(p, &n, 4);
    p += 4;
  }
  CopyShort(p, key.data(), key.size());
  const std::string_view stored(p, key.size());
  p += key.size();
  if (!tail.empty()) {
    const auto n = static_cast<uint32_t>(tail.size());
    std::memcpy(p, &n, 4);
    std::memcpy(p + 4, tail.data(), tail.size());
    p += 4 + tail.size();
  }
  chunk.size = static_cast<size_t>(p - chunk.bytes.get());
  if (open_ && spans_.back().end == row) {  // the next row of the current span
    Span& span = spans_.back();
    span.sorted &= !KeyLess(stored, last_key_);
    span.end = p;
    span.last = row;
    ++span.rows;
  } else {
    spans_.push_back({row, p, row, 1, true});
    open_ = true;
  }
  last_key_ = stored;
  ++rows_;
  sorted_order_.clear();  // rows added after a Sort: it must be sorted again
}

ListRows::RowView ListRows::Parse(const char* p, const char** next) {
  const auto flags = static_cast<uint8_t>(*p++);
  size_t length = flags >> 2;
  if (length == kLongKey) {
    uint32_t n;
    std::memcpy(&n, p, 4);
    p += 4;
    length = n;
  }
  RowView row{{p, length}, {}, (flags & 1) != 0};
  p += length;
  if (flags & 2) {
    uint32_t n;
    std::memcpy(&n, p, 4);
    row.tail = {p + 4, n};
    p += 4 + n;
  }
  if (next) *next = p;
  return row;
}

size_t ListRows::LineSize(const RowView& row) const {
  size_t key = row.key.size();
  if (row.quote) key += 2 + static_cast<size_t>(std::count(row.key.begin(), row.key.end(), '"'));
  return key + shared_.size() + row.tail.size() + 1;
}

void ListRows::WriteLine(const RowView& row, char* out) const {
  if (row.quote) {  // as AppendCsvField writes a field that needs quotes
    *out++ = '"';
    for (char c : row.key) {
      if (c == '"') *out++ = '"';
      *out++ = c;
    }
    *out++ = '"';
  } else {
    CopyShort(out, row.key.data(), row.key.size());
    out += row.key.size();
  }
  CopyShort(out, shared_.data(), shared_.size());
  out += shared_.size();
  CopyShort(out, row.tail.data(), row.tail.size());
  out[row.tail.size()] = '\n';
}

void ListRows::AppendLines(std::string& out) const {
  ForEach([&](const RowView& row) {
    const size_t at = out.size();
    out.resize(at + LineSize(row));
    WriteLine(row, out.data() + at);
  });
}

void ListRows::Sort() {
  open_ = false;
  sorted_order_.clear();
  // Rows usually arrive in key order (data sorted by key): each span knows
  // whether its rows are; then only the spans' ends are compared.
  bool sorted = true;
  for (size_t i = 0; i < spans_.size() && sorted; ++i) sorted = InOrder(i == 0 ? nullptr : &spans_[i - 1], spans_[i]);
  if (sorted) return;
  sorted_order_.reserve(rows_);
  for (const Span& span : spans_) {
    for (const char* p = span.begin; p != span.end;) {
      const char* row = p;
      const std::string_view key = Parse(p, &p).key;
      uint64_t prefix = 0;
      if (key.size() >= 8) {
        prefix = Load8BigEndian(key, 0);
      } else {
        for (size_t i = 0; i < 8; ++i) prefix = (prefix << 8) | (i < key.size() ? static_cast<uint8_t>(key[i]) : 0);
      }
      sorted_order_.push_back({prefix, row});
    }
  }
  std::stable_sort(sorted_order_.begin(), sorted_order_.end(), [](const SortRef& a, const SortRef& b) {
    if (a.prefix != b.prefix) return a.prefix < b.prefix;
    return KeyLess(Parse(a.row, nullptr).key, Parse(b.row, nullptr).key);
  });
}

bool ListRows::InOrder(const Span* prev, const Span& next) {
  return next.sorted && (!prev || !KeyLess(Parse(next.begin, nullptr).key, Parse(prev->last, nullptr).key));
}

void ListRows::Gather(const std::vector<ListRows*>& parts, const std::vector<Run>& runs, ListRows* out) {
  out->open_ = false;
  out->sorted_order_.clear();
  // Per part: the span taken next and how many of its rows were taken (a
  // run may end inside a span when the part's rows were not Cut per run).
  struct Cursor {
    size_t span = 0;
    uint32_t taken = 0;
    const char* at = nullptr;  ///< the first row not taken when taken > 0
  };
  std::vector<Cursor> cursors(parts.size());
  for (const Run& run : runs) {
    const std::vector<Span>& spans = parts[run.part]->spans_;
    Cursor& c = cursors[run.part];
    uint32_t need = run.rows;
    while (need > 0 && c.span < spans.size()) {
      const Span& span = spans[c.span];
      const char* begin = c.taken == 0 ? span.begin : c.at;
      const uint32_t left = span.rows - c.taken;
      if (left <= need) {
        out->spans_.push_back({begin, span.end, span.last, left, span.sorted});
        need -= left;
        ++c.span;
        c.taken = 0;
        continue;
      }
      const char* p = begin;
      const char* last = begin;
      for (uint32_t k = 0; k < need; ++k) {
        last = p;
        Parse(p, &p);
      }
      out->spans_.push_back({begin, p, last, need, span.sorted});
      c.taken += need;
      c.at = p;
      need = 0;
    }
    out->rows_ += run.rows - need;
  }
  for (ListRows* part : parts) {
    for (Chunk& chunk : part->chunks_) out->chunks_.push_back(std::move(chunk));
    part->Clear();
  }
}

void ListRows::Clear() {
  std::vector<Chunk>().swap(chunks_);
  std::vector<Span>().swap(spans_);
  std::vector<SortRef>().swap(sorted_order_);
  rows_ = 0;
  open_ = false;
  last_key_ = {};
}

std::string FormatCell(const CohortColumn& c, const ColumnDef& def, int64_t row) {
  if (!IsValid(c, row)) return {};
  switch (def.type.kind) {
    case TypeKind::kBool: return GetBit(static_cast<const uint8_t*>(c.values), row) ? "true" : "false";
    case TypeKind::kInt: return std::to_string(static_cast<const int64_t*>(c.values)[row]);
    case TypeKind::kDecimal: return fmt::format("{}", static_cast<const double*>(c.values)[row]);
    case TypeKind::kString: return std::string(StringAt(c, row));
    case TypeKind::kDate: return FormatDate(static_cast<const int32_t*>(c.values)[row]);
    case TypeKind::kTimestamp: return FormatTimestamp(static_cast<const int64_t*>(c.values)[row]);
    case TypeKind::kEnum: {
      uint8_t code = static_cast<const uint8_t*>(c.values)[row];
      const auto& labels = def.type.enum_def->labels;
      return code < labels.size() ? labels[code] : std::string();
    }
    default: return {};
  }
}

namespace {

// Lists of channels that no longer exist in a segment are removed so the
// directory describes this run only.
void RemoveStaleLists(const ir::Program& p, const fs::path& out) {
  std::error_code ec;
  for (const ir::Segment& seg : p.segments) {
    fs::path dir = out / seg.name;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".csv" || name == "holdout.csv") continue;
      std::string channel = entry.path().stem().string();
      bool keep = std::any_of(seg.channels.begin(), seg.channels.end(),
                              [&](const ir::Channel& c) { return c.name == channel; });
      if (!keep) fs::remove(entry.path(), ec);
    }
  }
}

/// Writes a new file at `path`, first unlinking a hard link to the previous
/// run's file (writing through it would change the previous outputs).
bool WriteNew(const fs::path& path, const std::string& content, std::string* error) {
  std::error_code ec;
  fs::remove(path, ec);
  return WriteFileDurable(path, content, error);
}

/// Recreates the tree `from` in `to`: directories made, files hard-linked
/// (copied where the filesystem refuses links).
bool LinkTree(const fs::path& from, const fs::path& to, std::string* error) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(from, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    fs::path rel = it->path().lexically_relative(from);
    fs::path dst = to / rel;
    if (it->is_directory(ec) && !it->is_symlink(ec)) {
      fs::create_directories(dst, ec);
    } else {
      fs::create_hard_link(it->path(), dst, ec);
      if (ec) {
        ec.clear();
        fs::copy(it->path(), dst, fs::copy_options::copy_symlinks, ec);
      }
    }
    if (ec) break;
  }
  if (ec) *error = fmt::format("cannot stage the previous contents of `{}`: {}", from.string(), ec.message());
  return !ec;
}

/// Puts `staging` in place of `out` atomically.
bool Swap(const fs::path& staging, const fs::path& out, bool had_out, std::string* error) {
  if (!had_out) {
    if (std::rename(staging.c_str(), out.c_str()) == 0) return true;
    // ENOTEMPTY/EEXIST: another run created it meanwhile; exchange below.
  }
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, out.c_str(), RENAME_EXCHANGE) == 0) return true;
  *error = fmt::format("cannot move the new outputs into `{}`: {}", out.string(), std::strerror(errno));
  return false;
}

void SyncDir(const fs::path& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

/// Flushes every directory of a staged tree (the files already are).
void SyncDirs(const fs::path& root) {
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_directory(ec)) SyncDir(it->path());
  }
  SyncDir(root);
}

/// Removes staging directories of runs that were killed (their process is
/// gone), and staging directories the previous layout left inside `out`.
void RemoveLeftovers(const fs::path& parent, const std::string& prefix, const fs::path& out) {
  std::error_code ec;
  std::vector<fs::path> dead;
  for (const auto& e : fs::directory_iterator(parent, ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(prefix, 0) != 0) continue;
    long pid = std::strtol(name.c_str() + prefix.size(), nullptr, 10);
    if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) {
      dead.push_back(e.path());
    }
  }
  for (const auto& e : fs::directory_iterator(out, ec)) {
    if (e.path().filename().string().rfind(".cohort-staging-", 0) == 0) dead.push_back(e.path());
  }
  for (const auto& d : dead) fs::remove_all(d, ec);
}

/// The staging tree of one run's outputs: Begin makes it beside out_dir
/// (files of the previous run that this run does not rewrite hard-linked
/// in, a directory per segment) and names every list's file (jobs());
/// the lists are written into it (WriteLists, or streamed while the run
/// goes on: ListStreamer); Commit adds summary.json, flushes it and
/// exchanges it with out_dir in one renameat2(RENAME_EXCHANGE): a reader,
/// or a run killed at any moment, sees either the previous outputs or the
/// complete new ones. Staging directories are hidden siblings
/// (`.OUT.cohort-staging-PID-N`), never inside out_dir; one left by a killed
/// run is removed by the next run, one not committed by its destructor.
class OutputStage {
 public:
  /// One list's file.
  struct Job {
    fs::path path;
    const std::string* header;
    ListRows* rows;
    std::string error;
  };

  OutputStage(const ir::Program& p, RunLists* lists) : p_(p), lists_(lists) {}
  OutputStage(const OutputStage&) = delete;
  OutputStage& operator=(const OutputStage&) = delete;
  ~OutputStage() { Cleanup(); }

  /// Makes the staging tree; false (error set) when it cannot.
  bool Begin(const std::string& out_dir, std::string* error) {
    static const std::string kHoldoutHeader = "key\n";
    std::error_code ec;
    out_ = fs::absolute(fs::path(out_dir), ec).lexically_normal();
    if (!out_.has_filename()) out_ = out_.parent_path();  // a trailing `/`
    if (fs::is_symlink(out_, ec)) out_ = fs::canonical(out_, ec);  // swap the directory, not the link
    parent_ = out_.parent_path();
    const std::string prefix = fmt::format(".{}.cohort-staging-", out_.filename().string());
    fs::create_directories(parent_, ec);
    RemoveLeftovers(parent_, prefix, out_);
    std::random_device rd;
    staging_ = parent_ / fmt::format("{}{}-{:08x}", prefix, ::getpid(), rd());
    fs::create_directories(staging_, ec);
    if (ec) {
      *error = fmt::format("cannot create `{}`: {}", staging_.string(), ec.message());
      staging_.clear();
      return false;
    }
    had_out_ = fs::is_directory(out_, ec);
    if (had_out_ && !LinkTree(out_, staging_, error)) return false;
    headers_.resize(p_.segments.size());
    for (size_t s = 0; s < p_.segments.size(); ++s) {
      const ir::Segment& seg = p_.segments[s];
      fs::create_directories(staging_ / seg.name, ec);
      std::string& header = headers_[s];
      header = "key,send_on,message,cta";
      if (!seg.variants.empty()) header += ",variant";  // issue 12
      for (ColumnId col : seg.exports) header += "," + p_.schema->columns[col].path;
      header += "\n";
      for (size_t c = 0; c < seg.channels.size(); ++c)
        jobs_.push_back({staging_ / seg.name / (seg.channels[c].name + ".csv"), &header, &lists_->channels[s][c], {}});
      jobs_.push_back({staging_ / seg.name / "holdout.csv", &kHoldoutHeader, &lists_->holdouts[s], {}});
    }
    return true;
  }
  std::vector<Job>& jobs() { return jobs_; }

  /// A new file for `job`'s list with its header (first unlinking a hard
  /// link to the previous run's file: writing through it would change the
  /// previous outputs); errors go to `*error`.
  static std::unique_ptr<FileOut> Open(const Job& job, std::string* error) {
    std::error_code rm;
    fs::remove(job.path, rm);
    auto out = std::make_unique<FileOut>(job.path, error);
    out->Append(*job.header);
    return out;
  }

  /// Sorts, writes and frees each list but those `skip` marks (written
  /// already), `threads` at a time, longest first so that the threads
  /// finish together: each list's memory goes as it is written.
  void WriteLists(int threads, const std::vector<bool>& skip) {
    auto write_list = [](Job& job) {
      job.rows->Sort();
      std::unique_ptr<FileOut> out = Open(job, &job.error);
      const ListRows& rows = *job.rows;
      rows.ForEach([&](const ListRows::RowView& row) { out->AppendRow(rows, row); });
      job.rows->Clear();
      if (!out->Close() && job.error.empty()) job.error = fmt::format("cannot write `{}`", job.path.string());
    };
    std::vector<size_t> by_size;
    for (size_t j = 0; j < jobs_.size(); ++j) {
      if (j < skip.size() && skip[j]) {
        jobs_[j].rows->Clear();
        continue;
      }
      by_size.push_back(j);
    }
    std::stable_sort(by_size.begin(), by_size.end(),
                     [&](size_t a, size_t b) { return jobs_[a].rows->size() > jobs_[b].rows->size(); });
    std::atomic<size_t> next{0};
    ParallelFor(std::min<size_t>(std::max(1, threads), by_size.size()), [&](size_t) {
      for (size_t j = next++; j < by_size.size(); j = next++) write_list(jobs_[by_size[j]]);
    });
  }

  /// Reports the first list's error (in jobs() order), else writes
  /// summary.json and puts the tree in place of out_dir.
  bool Commit(const RunReport& report, std::string* error) {
    for (const Job& job : jobs_) {
      if (!job.error.empty()) {
        *error = job.error;
        return false;
      }
    }
    if (!WriteNew(staging_ / "summary.json", ReportToJson(report), error)) return false;
    RemoveStaleLists(p_, staging_);
    SyncDirs(staging_);
    if (!Swap(staging_, out_, had_out_, error)) return false;
    Cleanup();  // after the swap the staging path holds the previous outputs
    return true;
  }

 private:
  void Cleanup() {
    if (staging_.empty()) return;
    std::error_code ec;
    fs::remove_all(staging_, ec);
    SyncDir(parent_);
    staging_.clear();
  }

  const ir::Program& p_;
  RunLists* lists_;
  fs::path out_, parent_, staging_;
  bool had_out_ = false;
  std::vector<std::string> headers_;  ///< per segment (jobs point here)
  std::vector<Job> jobs_;
};

/// Writes the lists while a run goes on (Run without on_batch, brief: the
/// 10M run's lists took 0.3-0.45 s of disk after evaluating). Workers hand
/// it each batch's new rows (ListRows spans, per job of an OutputStage) as
/// soon as that batch is decided, in any order; `writers` threads write
/// each list's rows into its file in batch order once every batch before
/// them is done, a list at a time per thread. The files are the ones
/// WriteLists would write, as long as a list's rows come in key order
/// (data sorted by key); a list whose rows turn out not to be (or whose file
/// fails) is dropped here and written after the run, sorted, by
/// WriteLists (Complete(job) false).
class ListStreamer {
 public:
  using Spans = std::vector<ListRows::Span>;

  ListStreamer(std::vector<OutputStage::Job>* jobs, int writers, int64_t min_rows)
      : jobs_(*jobs), min_rows_(static_cast<uint64_t>(std::max<int64_t>(1, min_rows))), lists_(jobs->size()) {
    for (int w = 0; w < std::max(1, writers); ++w) threads_.emplace_back([this] { Write(); });
  }
  ListStreamer(const ListStreamer&) = delete;
  ListStreamer& operator=(const ListStreamer&) = delete;
  /// Unfinished (a run that failed): stops; the files are left incomplete.
  ~ListStreamer() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    work_.notify_all();
    Join();
  }

  /// The rows batch `seq` (0, 1, 2, ... each once) added to each job's list.
  void Add(size_t seq, std::vector<Spans> spans) {
    std::lock_guard<std::mutex> lock(mu_);
    pending_.emplace(seq, std::move(spans));
    bool more = false;
    for (auto it = pending_.find(ready_.size()); it != pending_.end(); it = pending_.find(ready_.size())) {
      for (size_t j = 0; j < lists_.size(); ++j)
        for (const ListRows::Span& s : it->second[j]) lists_[j].ready_rows += s.rows;
      ready_.push_back(std::move(it->second));
      pending_.erase(it);
      more = true;
    }
    if (more) work_.notify_all();
  }

  /// Every batch was added: writes the rest and closes the files.
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      finished_ = true;
    }
    work_.notify_all();
    Join();
  }
  /// After Finish: job `j`'s file is complete.
  bool Complete(size_t j) const { return lists_[j].closed && !lists_[j].off; }

 private:
  struct List {
    std::unique_ptr<FileOut> out;
    std::string error;       ///< of `out` (a failed list is written again after the run)
    ListRows::Span last{};   ///< the last span written
    bool any = false;        ///< `last` is set
    size_t next = 0;         ///< the first batch (in ready_) not written
    uint64_t ready_rows = 0, written_rows = 0;
    bool busy = false, off = false, closed = false;
  };

  void Join() {
    for (std::thread& t : threads_)
      if (t.joinable()) t.join();
  }

  /// The list a writer takes next (the one with the most rows waiting), or
  /// lists_.size(). Under mu_.
  size_t Pick() const {
    size_t best = lists_.size();
    uint64_t most = 0;
    for (size_t j = 0; j < lists_.size(); ++j) {
      const List& l = lists_[j];
      if (l.busy || l.off || l.closed) continue;
      const uint64_t waiting = l.ready_rows - l.written_rows;
      if ((finished_ || waiting >= min_rows_) && (best == lists_.size() || waiting > most)) {
        best = j;
        most = waiting;
      }
    }
    return best;
  }

  void Write() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      size_t j = lists_.size();
      work_.wait(lock, [&] {
        j = Pick();
        return stop_ || j < lists_.size() || finished_;
      });
      if (stop_ || j == lists_.size()) return;
      List& l = lists_[j];
      l.busy = true;
      const bool last = finished_;  // no batch comes after these: close the file after them
      Spans spans;
      for (size_t b = l.next; b < ready_.size(); ++b) {
        spans.insert(spans.end(), ready_[b][j].begin(), ready_[b][j].end());
        Spans().swap(ready_[b][j]);
      }
      l.next = ready_.size();
      const uint64_t rows = l.ready_rows;
      lock.unlock();
      const bool ok = WriteSpans(j, spans, last);
      lock.lock();
      l.written_rows = rows;
      l.busy = false;
      l.off |= !ok;
      l.closed |= last;
      work_.notify_all();
    }
  }

  /// Appends `spans` to job `j`'s file (opened on first use), then closes it
  /// when `last`; false when the rows are out of key order or the file
  /// failed (the file is dropped). Without mu_: only this thread uses list j.
  bool WriteSpans(size_t j, const Spans& spans, bool last) {
    List& l = lists_[j];
    const ListRows& rows = *jobs_[j].rows;  // its shared fields (its rows are still in the workers' lists)
    if (!l.out) l.out = OutputStage::Open(jobs_[j], &l.error);
    FileOut& out = *l.out;
    for (const ListRows::Span& span : spans) {
      if (!ListRows::InOrder(l.any ? &l.last : nullptr, span)) {
        l.out.reset();
        return false;
      }
      ListRows::ForEachRow(span, [&](const ListRows::RowView& row) { out.AppendRow(rows, row); });
      l.last = span;
      l.any = true;
    }
    const bool ok = last ? out.Close() && l.error.empty() : l.error.empty();
    if (!ok) l.out.reset();
    return ok;
  }

  std::vector<OutputStage::Job>& jobs_;
  /// Rows waiting before a list is written while batches still come
  /// (RunOptions::stream_rows; about a write block of lines by default).
  const uint64_t min_rows_;
  std::mutex mu_;
  std::condition_variable work_;
  std::map<size_t, std::vector<Spans>> pending_;  ///< batches done while an earlier one is not
  std::vector<std::vector<Spans>> ready_;          ///< [batch][job], batches 0.. in order
  std::vector<List> lists_;                        ///< per job
  bool finished_ = false, stop_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace

bool WriteRunOutputs(const ir::Program& p, RunLists* lists, const RunReport& report, const std::string& out_dir,
                     std::string* error, int threads) {
  OutputStage stage(p, lists);
  if (!stage.Begin(out_dir, error)) return false;
  stage.WriteLists(threads, {});
  return stage.Commit(report, error);
}

ReportTally::ReportTally(const ir::Program& p, int32_t today, RunReport* report) : p_(p), report_(report) {
  report_->segments.resize(p.segments.size());
  for (size_t s = 0; s < p.segments.size(); ++s) {
    const ir::Segment& seg = p.segments[s];
    SegmentStats& st = report_->segments[s];
    st.name = seg.name;
    st.exclude_removed.assign(seg.excludes.size(), 0);
    st.channels.clear();
    for (const ir::Channel& ch : seg.channels) {
      ChannelStats cs;
      cs.name = ch.name;
      cs.step = ch.step;
      cs.send_on = FormatDate(AddDuration(today, ch.after, +1));
      st.channels.push_back(cs);
    }
  }
  report_->campaigns.clear();
  for (const ir::Campaign& c : p.campaigns) {
    CampaignStats cs;
    cs.name = c.name;
    for (uint32_t s : c.segments) cs.priority.push_back(p.segments[s].name);
    report_->campaigns.push_back(std::move(cs));
    report_->caps |= c.cap_messages > 0;
  }
}

void ReportTally::Add(const CohortBatchView& view, const BatchResult& res, const Decisions& d) {
  const int64_t n = view.num_rows;
  const size_t segments = p_.segments.size();
  std::vector<int64_t> taken;  // [owner segment][segment], counted per batch
  for (size_t c = 0; c < p_.campaigns.size(); ++c) {
    taken.assign(segments * segments, 0);
    for (uint32_t s : p_.campaigns[c].segments) {
      const int32_t* owner = d.owner[c].data();
      ForEachSet(d.taken[s].data(), n, [&](int64_t r) { ++taken[static_cast<size_t>(owner[r]) * segments + s]; });
    }
    for (size_t o = 0; o < segments; ++o)
      for (size_t s = 0; s < segments; ++s)
        if (taken[o * segments + s] > 0)
          report_->campaigns[c].taken[{p_.segments[o].name, p_.segments[s].name}] += taken[o * segments + s];
  }
  // Counters are local while rows are scanned (increments through the
  // report would alias the masks and reload them every row).
  std::vector<const uint8_t*> excludes;
  std::vector<int64_t> removed;
  struct Chan {
    const uint8_t* no_consent;
    const uint8_t* listed;
    const uint8_t* capped;  ///< null when no campaign has a cap
    int64_t eligible = 0, lacked = 0, listed_n = 0, capped_n = 0, cond_false = 0;
  };
  std::vector<Chan> chans;
  for (size_t s = 0; s < p_.segments.size(); ++s) {
    const ir::Segment& seg = p_.segments[s];
    const SegmentResult& sr = res.segments[s];
    SegmentStats& st = report_->segments[s];
    st.records += n;
    const uint8_t* where = sr.where.data();
    const uint8_t* taken = d.taken[s].data();
    const uint8_t* held = d.held[s].data();
    excludes.clear();
    for (const auto& e : sr.excludes) excludes.push_back(e.data());
    removed.assign(excludes.size(), 0);
    chans.clear();
    for (size_t c = 0; c < seg.channels.size(); ++c)
      chans.push_back({d.no_consent[s][c].data(), d.listed[s][c].data(), d.capped.empty() ? nullptr : d.capped[s][c].data()});
    // Branch-free passes over 0/1 bytes (masks are read as "nonzero"), each
    // a simple loop the compiler vectorizes. `alive`: matched `where` and
    // not yet removed; each row is counted by the first exclude removing it.
    alive_.resize(static_cast<size_t>(n));
    uint8_t* alive = alive_.data();
    // Per-batch counters are 32-bit (a batch has < 2^32 rows): the widening
    // sums vectorize in fewer steps than into 64 bits.
    uint32_t where_matched = 0, members = 0, taken_n = 0, held_n = 0;
    for (int64_t r = 0; r < n; ++r) {
      alive[r] = where[r] != 0;
      where_matched += alive[r];
    }
    for (size_t k = 0; k < excludes.size(); ++k) {
      const uint8_t* e = excludes[k];
      uint32_t count = 0;
      for (int64_t r = 0; r < n; ++r) {
        const uint8_t hit = alive[r] & (e[r] != 0);
        count += hit;
        alive[r] ^= hit;
      }
      removed[k] = count;
    }
    // Members (alive now) not taken by an earlier campaign segment and not
    // held out are eligible for the channels; `alive` becomes that.
    for (int64_t r = 0; r < n; ++r) {
      const uint8_t member = alive[r];
      const uint8_t took = member & (taken[r] != 0);
      const uint8_t held_out = (member ^ took) & (held[r] != 0);
      members += member;
      taken_n += took;
      held_n += held_out;
      alive[r] = member ^ took ^ held_out;
    }
    for (Chan& ch : chans) {
      uint32_t elig = 0, lacked = 0, listed = 0, capped = 0;
      for (int64_t r = 0; r < n; ++r) {
        const uint8_t e = alive[r];
        const uint8_t no = e & (ch.no_consent[r] != 0);
        const uint8_t li = (e ^ no) & (ch.listed[r] != 0);
        elig += e;
        lacked += no;
        listed += li;
      }
      if (ch.capped)
        for (int64_t r = 0; r < n; ++r) capped += alive[r] & (ch.no_consent[r] == 0) & (ch.listed[r] == 0) & (ch.capped[r] != 0);
      ch.eligible += elig;
      ch.lacked += lacked;
      ch.listed_n += listed;
      ch.capped_n += capped;
      ch.cond_false += elig - lacked - listed - capped;
    }
    st.where_matched += where_matched;
    for (size_t k = 0; k < removed.size(); ++k) st.exclude_removed[k] += removed[k];
    st.members += members;
    st.taken_by_campaign += taken_n;
    st.held_out += held_n;
    for (size_t c = 0; c < chans.size(); ++c) {
      ChannelStats& cs = st.channels[c];
      cs.eligible += chans[c].eligible;
      cs.lacked_consent += chans[c].lacked;
      cs.listed += chans[c].listed_n;
      cs.capped += chans[c].capped_n;
      cs.condition_false += chans[c].cond_false;
    }
  }
}

namespace {

/// COHORT_RUN_TIMING=1: `cohort run` prints the wall and CPU time of each
/// phase of the pipeline to stderr (for profiling; outputs are unchanged).
bool RunTimingEnabled() {
  static const bool on = [] {
    const char* v = std::getenv("COHORT_RUN_TIMING");
    return v && *v && *v != '0';
  }();
  return on;
}

/// CPU seconds of the whole process (every thread) so far.
double ProcessCpuSeconds() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

/// Wall and CPU time per pipeline phase, summed over batches.
class PhaseTimer {
 public:
  enum Phase { kOpen, kRead, kEvaluate, kAssemble, kWrite, kCount };
  PhaseTimer() : on_(RunTimingEnabled()) { Mark(); }
  /// Charges the time since the last call to `phase`.
  void Charge(Phase phase) {
    if (!on_) return;
    const auto wall = Clock::now();
    const double cpu = ProcessCpuSeconds();
    wall_[phase] += Seconds(last_wall_, wall);
    cpu_[phase] += cpu - last_cpu_;
    last_wall_ = wall;
    last_cpu_ = cpu;
  }
  void Mark() {
    if (!on_) return;
    last_wall_ = Clock::now();
    last_cpu_ = ProcessCpuSeconds();
  }
  void Print() const {
    if (!on_) return;
    static const char* const kNames[kCount] = {"open + check data", "read batches", "evaluate+decide+count+lists",
                                               "on_batch + gather lists", "sort + write lists"};
    for (int i = 0; i < kCount; ++i)
      std::fprintf(stderr, "cohort run timing: %-24s %7.3f s wall %7.3f s CPU\n", kNames[i], wall_[i], cpu_[i]);
  }

 private:
  bool on_;
  Clock::time_point last_wall_;
  double last_cpu_ = 0;
  double wall_[kCount] = {};
  double cpu_[kCount] = {};
};

}  // namespace

/// Reads batches on a thread of its own, up to `depth` ahead of the caller,
/// so that reading (Arrow slices and conversions, CSV parsing) overlaps
/// evaluation. Only that thread uses the reader until Finish(); it stops at
/// the reader's end or first error (the batch with the error is dropped, as
/// Run always did).
class BatchPrefetcher {
 public:
  BatchPrefetcher(RecordReader& reader, const Schema& schema, int64_t rows, size_t depth)
      : reader_(reader), schema_(schema), rows_(rows), depth_(std::max<size_t>(1, depth)) {
    thread_ = std::thread([this] { Read(); });
  }
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;
  ~BatchPrefetcher() { Finish(); }

  /// The next batch, in order; false at the end (or after an error).
  bool Next(Batch* out) {
    std::unique_lock<std::mutex> lock(mu_);
    ready_.wait(lock, [&] { return !queue_.empty() || done_; });
    if (queue_.empty()) return false;
    *out = std::move(queue_.front());
    queue_.pop_front();
    room_.notify_one();
    return true;
  }
  /// Stops reading and waits for the thread: the reader is the caller's again.
  void Finish() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    room_.notify_one();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Read() {
    for (;;) {
      {
        std::unique_lock<std::mutex> lock(mu_);
        room_.wait(lock, [&] { return queue_.size() < depth_ || stop_; });
        if (stop_) break;
      }
      Batch b(schema_);
      const bool ok = reader_.Next(&b, rows_) && reader_.errors().empty();
      std::lock_guard<std::mutex> lock(mu_);
      if (!ok) break;
      queue_.push_back(std::move(b));
      ready_.notify_one();
    }
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    ready_.notify_one();
  }

  RecordReader& reader_;
  const Schema& schema_;
  const int64_t rows_;
  const size_t depth_;
  std::mutex mu_;
  std::condition_variable ready_, room_;
  std::deque<Batch> queue_;
  bool done_ = false, stop_ = false;
  std::thread thread_;
};


/// An internal error when a column the program reads was not loaded (a
/// projection that missed it): engines would read a column without rows.
static std::string MissingColumn(const ir::Program& program, const ir::UsedColumns& used, const Batch& b) {
  for (ColumnId c = 0; c < b.num_columns(); ++c)
    if (used.column(c) && b.absent(c))
      return fmt::format("internal error: column `{}` is read by the program but was not loaded",
                         program.schema->columns[c].path);
  return "";
}

RunStatus Run(const ir::Program& program, const Engine& engine, const RunOptions& options, RunReport* report) {
  RunStatus status;
  auto t0 = Clock::now();
  PhaseTimer timer;
  *report = RunReport{};
  report->engine = std::string(engine.name());
  report->today = FormatDate(options.today);
  LoadOptions load;
  load.threads = std::max(1, options.threads);
  load.strict_data = options.strict_data;
  load.chunk_bytes = options.load_chunk_bytes;
  const auto used = std::make_shared<const ir::UsedColumns>(ir::FindUsedColumns(program));
  if (options.project_columns) load.projection = used;
  auto reader = OpenDataReader(program.schema, options.data_dir, load, &status.data_errors, &status.data_warnings);
  if (!reader) {
    status.code = 3;
    return status;
  }
  auto t1 = Clock::now();
  timer.Charge(PhaseTimer::kOpen);
  ReportTally prepare(program, options.today, report);  // segments, channels, send dates: counted below
  const int threads = std::max(1, options.threads);
  Assembler assembler(program, report, static_cast<size_t>(threads));
  ExecContext ctx;
  ctx.today = options.today;
  ctx.now = int64_t{options.today} * kMicrosPerDay;
  // Per worker slot, reused across its batches: masks and decisions keep
  // their capacity. Slot i counts into partial report i (added up at the
  // end) and fills slot i's copy of every list.
  struct Slot {
    BatchResult result;
    Decisions decisions;
    std::vector<uint32_t> added;  ///< rows the slot's last batch added to each list
    std::vector<std::vector<ListRows::Span>> spans;  ///< and their spans (when streamed)
    const CohortBatchView* view = nullptr;  ///< of the slot's last batch (Batch::View, built once)
    double eval_seconds = 0;
  };
  std::vector<Slot> slots(static_cast<size_t>(threads));
  std::vector<RunReport> partials(static_cast<size_t>(threads));
  std::vector<ReportTally> tallies;
  for (RunReport& r : partials) tallies.emplace_back(program, options.today, &r);
  std::mutex status_mu;  // guards `status` and `failed` while workers run
  bool failed = false;
  // The outputs' staging tree, and (without on_batch) the lists streamed
  // into it while batches are evaluated; `streamer` is destroyed (stopped)
  // before `stage` (removed unless committed).
  OutputStage stage(program, assembler.lists());
  std::string stage_error;
  const bool staged = options.write_outputs && stage.Begin(options.out_dir, &stage_error);
  std::vector<size_t> job_of_unit;  // the stage's job for each Assembler unit
  std::unique_ptr<ListStreamer> streamer;
  if (staged && !options.on_batch) {
    for (size_t u = 0; u < assembler.units(); ++u)
      for (size_t j = 0; j < stage.jobs().size(); ++j)
        if (stage.jobs()[j].rows == assembler.list(u)) job_of_unit.push_back(j);
    if (job_of_unit.size() == assembler.units())
      streamer = std::make_unique<ListStreamer>(&stage.jobs(), threads, options.stream_rows);
  }
  // One batch on slot `slot`: evaluate, decide, count and add its list rows
  // (the masks still in cache); false (status set) when it cannot be run.
  auto process = [&](size_t slot, Batch& b) {
    if (std::string bad = MissingColumn(program, *used, b); !bad.empty()) {
      std::lock_guard<std::mutex> lock(status_mu);
      status.code = 4;
      status.message = bad;
      failed = true;
      return false;
    }
    if (program.contacts_column != kNoColumn && options.contacts)  // issue 12: the ledger's contacts
      options.contacts->Fill(&b, program.contacts_column, program.schema->key_column());
    Slot& sl = slots[slot];
    sl.view = &b.View();
    const CohortBatchView& view = *sl.view;
    const auto e0 = Clock::now();
    engine.Evaluate(view, ctx, &sl.result);
    sl.eval_seconds += Seconds(e0, Clock::now());
    Decide(program, view, sl.result, &sl.decisions, options.today);
    tallies[slot].Add(view, sl.result, sl.decisions);
    if (options.write_outputs) assembler.AddBatch(slot, view, sl.decisions, &sl.added, streamer ? &sl.spans : nullptr);
    return true;
  };
  BatchPrefetcher prefetch(*reader, *program.schema, options.batch_rows, static_cast<size_t>(threads));
  if (!options.on_batch) {
    // A persistent worker per slot takes the next batch as soon as it is
    // done with its last (no round of batches waits for its slowest). Each
    // worker takes batches in input order, so its copy of a list holds its
    // batches' rows in that order; the batches' order across workers is
    // recorded and given to the lists after.
    std::mutex take_mu;
    size_t next_seq = 0;
    bool stop = false;
    struct Done {
      size_t seq;
      size_t slot;
      std::vector<uint32_t> added;
    };
    std::vector<std::vector<Done>> done(slots.size());
    ParallelFor(slots.size(), [&](size_t slot) {
      for (;;) {
        Batch b;
        size_t seq;
        {
          std::lock_guard<std::mutex> lock(take_mu);
          if (stop) return;
          if (!prefetch.Next(&b)) {
            stop = true;
            return;
          }
          seq = next_seq++;
        }
        if (!process(slot, b)) {
          std::lock_guard<std::mutex> lock(take_mu);
          stop = true;
          return;
        }
        if (options.write_outputs) done[slot].push_back({seq, slot, slots[slot].added});
        if (streamer) {
          std::vector<ListStreamer::Spans> by_job(stage.jobs().size());
          for (size_t u = 0; u < job_of_unit.size(); ++u) by_job[job_of_unit[u]] = std::move(slots[slot].spans[u]);
          streamer->Add(seq, std::move(by_job));
        }
      }
    });
    if (failed) return status;
    std::vector<Done> order;
    for (std::vector<Done>& d : done)
      for (Done& x : d) order.push_back(std::move(x));
    std::sort(order.begin(), order.end(), [](const Done& a, const Done& b) { return a.seq < b.seq; });
    for (const Done& x : order) assembler.EndBatch(x.slot, x.added);
    timer.Charge(PhaseTimer::kEvaluate);
  }
  bool more = static_cast<bool>(options.on_batch);
  while (more) {
    // With on_batch (called in input order with every batch's masks):
    // rounds of up to `threads` batches (read ahead by `prefetch`),
    // evaluated, decided, counted and added to the lists in parallel (each
    // slot reads only its own batch and fills only its own lists).
    std::vector<Batch> batches;
    for (int i = 0; i < threads; ++i) {
      Batch b;
      if (!prefetch.Next(&b)) {
        more = false;
        break;
      }
      batches.push_back(std::move(b));
    }
    timer.Charge(PhaseTimer::kRead);
    ParallelFor(batches.size(), [&](size_t i) { process(i, batches[i]); });
    if (failed) return status;
    if (options.write_outputs)
      for (size_t i = 0; i < batches.size(); ++i) assembler.EndBatch(i, slots[i].added);
    timer.Charge(PhaseTimer::kEvaluate);
    for (size_t i = 0; i < batches.size(); ++i)
      options.on_batch(*slots[i].view, slots[i].result, slots[i].decisions);
    timer.Charge(PhaseTimer::kAssemble);
  }
  double eval_seconds = 0;
  for (const Slot& sl : slots) eval_seconds = std::max(eval_seconds, sl.eval_seconds);
  prefetch.Finish();
  for (const RunReport& r : partials) AddCounts(r, report);
  if (!reader->errors().empty()) {
    status.code = 3;
    status.data_errors = reader->errors();
    return status;
  }
  report->records = reader->stats().records;
  report->list_rows = reader->stats().list_rows;
  report->list_rows_unmatched = reader->stats().list_rows_unmatched;
  report->lists_read = reader->stats().lists_not_read == 0;
  report->eval_seconds = eval_seconds;
  report->load_seconds = Seconds(t1, Clock::now()) - eval_seconds + Seconds(t0, t1);
  report->total_seconds = Seconds(t0, Clock::now());
  timer.Mark();
  std::vector<bool> streamed;  // per job: its file is written
  if (streamer) {
    streamer->Finish();
    for (size_t j = 0; j < stage.jobs().size(); ++j) streamed.push_back(streamer->Complete(j));
  }
  timer.Charge(PhaseTimer::kWrite);
  if (options.write_outputs) assembler.Gather(threads);
  timer.Charge(PhaseTimer::kAssemble);
  if (options.write_outputs) {
    std::string error = stage_error;
    if (staged) stage.WriteLists(threads, streamed);
    if (!staged || !stage.Commit(*report, &error)) {
      status.code = 4;
      status.message = error;
    }
  }
  timer.Charge(PhaseTimer::kWrite);
  timer.Print();
  return status;
}

std::string ReportToJson(const RunReport& r) {
  nlohmann::ordered_json j;
  j["today"] = r.today;
  j["engine"] = r.engine;
  j["records"] = r.records;
  if (r.lists_read)
    j["events"] = {{"rows", r.list_rows}, {"unmatched", r.list_rows_unmatched}};
  else
    j["events"] = {{"read", false}};
  j["segments"] = nlohmann::ordered_json::array();
  for (const SegmentStats& s : r.segments) {
    nlohmann::ordered_json sj;
    sj["name"] = s.name;
    sj["records"] = s.records;
    sj["where_matched"] = s.where_matched;
    sj["exclude_removed"] = s.exclude_removed;
    sj["members"] = s.members;
    sj["taken_by_campaign"] = s.taken_by_campaign;
    sj["held_out"] = s.held_out;
    sj["channels"] = nlohmann::ordered_json::array();
    for (const ChannelStats& c : s.channels) {
      sj["channels"].push_back({{"channel", c.name},
                                {"step", c.step},
                                {"send_on", c.send_on},
                                {"eligible", c.eligible},
                                {"listed", c.listed},
                                {"lacked_consent", c.lacked_consent},
                                {"condition_false", c.condition_false},
                                {"capped", c.capped}});
    }
    j["segments"].push_back(std::move(sj));
  }
  j["campaigns"] = nlohmann::ordered_json::array();
  for (const CampaignStats& c : r.campaigns) {
    nlohmann::ordered_json cj;
    cj["name"] = c.name;
    cj["priority"] = c.priority;
    cj["taken"] = nlohmann::ordered_json::array();
    for (const auto& [pair, count] : c.taken) cj["taken"].push_back({{"by", pair.first}, {"from", pair.second}, {"records", count}});
    j["campaigns"].push_back(std::move(cj));
  }
  return j.dump(2) + "\n";
}

std::string FormatReportTable(const RunReport& r, int64_t min_cell) {
  // Small-cell suppression (runtime/suppress.h) when min_cell > 0: one table
  // of every count shown; `where` = excluded + members is the one sum a
  // reader could use to recompute a hidden count.
  SuppressionTable t(min_cell);
  struct Cells {
    size_t where, excluded, members, campaign, holdout;
    std::vector<std::pair<size_t, size_t>> channels;  // listed, no consent
    std::vector<size_t> capped;                       // issue 12, when r.caps
  };
  std::vector<Cells> cells;
  for (const SegmentStats& s : r.segments) {
    int64_t excluded = 0;
    for (int64_t e : s.exclude_removed) excluded += e;
    Cells c{t.Add(s.where_matched), t.Add(excluded), t.Add(s.members), t.Add(s.taken_by_campaign), t.Add(s.held_out), {}};
    t.AddGroup({c.excluded, c.members}, c.where);
    for (const ChannelStats& ch : s.channels) {
      c.channels.push_back({t.Add(ch.listed), t.Add(ch.lacked_consent)});
      if (r.caps) c.capped.push_back(t.Add(ch.capped));
    }
    cells.push_back(std::move(c));
  }
  std::vector<std::vector<size_t>> takes;
  for (const CampaignStats& c : r.campaigns) {
    takes.emplace_back();
    for (const auto& [pair, count] : c.taken) takes.back().push_back(t.Add(count));
  }
  t.Suppress();
  std::string events = r.lists_read ? fmt::format("{} events ({} unmatched)", r.list_rows, r.list_rows_unmatched)
                                    : std::string("events not read (the program reads no list field)");
  std::string out = fmt::format("{} records, {}, today {}, engine {}\n\n", r.records, events, r.today, r.engine);
  out += fmt::format("{:<26} {:>9} {:>9} {:>9} {:>9} {:>9}  {}\n", "segment", "where", "excluded", "members", "campaign", "holdout",
                     r.caps ? "channels (listed / no consent / capped)" : "channels (listed / no consent)");
  auto show = [&](size_t i) { return min_cell > 0 ? t.Show(i) : std::to_string(t.value(i)); };
  for (size_t k = 0; k < r.segments.size(); ++k) {
    const SegmentStats& s = r.segments[k];
    const Cells& c = cells[k];
    std::string chans;
    for (size_t j = 0; j < s.channels.size(); ++j) {
      if (!chans.empty()) chans += "  ";
      chans += fmt::format("{}#{} {}/{}", s.channels[j].name, s.channels[j].step, show(c.channels[j].first),
                           show(c.channels[j].second));
      if (r.caps) chans += "/" + show(c.capped[j]);
    }
    out += fmt::format("{:<26} {:>9} {:>9} {:>9} {:>9} {:>9}  {}\n", s.name, show(c.where), show(c.excluded),
                       show(c.members), show(c.campaign), show(c.holdout), chans);
  }
  for (size_t k = 0; k < r.campaigns.size(); ++k) {
    const CampaignStats& c = r.campaigns[k];
    out += fmt::format("\ncampaign {}: {}\n", c.name, fmt::join(c.priority, " > "));
    size_t i = 0;
    for (const auto& [pair, count] : c.taken) out += fmt::format("  {} took {} from {}\n", pair.first, show(takes[k][i++]), pair.second);
  }
  if (min_cell > 0)
    out += fmt::format("\ncounts from 1 to {} are shown as <{}; * hides a count that would reveal one\n", min_cell - 1,
                       min_cell);
  out += fmt::format("\n{:.2f}s total ({:.2f}s evaluating)\n", r.total_seconds, r.eval_seconds);
  return out;
}

}  // namespace cohort
