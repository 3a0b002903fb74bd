// The CSV data loader (docs/language.md §6). Files are parsed in chunks on
// LoadOptions::threads threads (runtime/csv_scan.h), results accepted in file
// order. List files (events.csv) are read first into compact columnar staging
// storage, stored grouped by parent key; the records file (patients.csv) is
// then streamed batch by batch, each record picking up its group. Error messages name file, line and column but never
// the offending cell's value: the data is protected health information.
#include "runtime/loader.h"

#include <fast_float/fast_float.h>
#include <fmt/format.h>

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdlib>
#include <new>
#include <utility>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <deque>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "core/dates.h"
#include "core/hash.h"
#include "core/parallel.h"
#include "core/diagnostic.h"
#include "runtime/csv.h"
#include "runtime/csv_scan.h"

namespace cohort {

std::string DataError::ToString() const {
  std::string out = file;
  if (line > 0) out += fmt::format(":{}", line);
  out += ": ";
  if (!column.empty()) {
    out += fmt::format("column `{}`", column);
    if (column_index > 0) out += fmt::format(" ({})", column_index);
    out += ": ";
  }
  return out + message;
}

namespace {

constexpr size_t kMaxErrors = 20;
constexpr int64_t kMaxReserveRows = 1 << 16;

/// Interns keys to dense ids with open addressing; keys live in one byte
/// arena, so millions of keys cost a few dozen bytes each. A slot also holds
/// the key's first 8 bytes, its length and 16 hash bits: keys of up to 8
/// bytes (`P0000001`) are compared without touching the arena, which keeps a
/// lookup to about one cache miss (list rows arrive in random key order).
class KeyTable {
 public:
  /// The first 8 bytes of `key`, zero padded (a slot's prefix).
  static uint64_t Prefix(std::string_view key) {
    uint64_t p = 0;
    if (key.size() >= 8) {
      std::memcpy(&p, key.data(), 8);  // constant size: no libc call
    } else {
      for (size_t i = 0; i < key.size(); ++i) p |= uint64_t{static_cast<uint8_t>(key[i])} << (8 * i);
    }
    return p;
  }
  /// The ids of `keys[0, n)` (hashed with HashBytes into `hashes`, Prefix in
  /// `prefixes`), inserting new ones in order. Lookups in a table of millions
  /// of keys are cache misses, so slots are prefetched a few keys ahead (they
  /// are independent); keys of up to 8 bytes are never read again (the
  /// callers' key bytes may be far away by now).
  void FindOrInsertAll(const std::string_view* keys, const uint64_t* hashes, const uint64_t* prefixes, size_t n,
                       uint32_t* ids) {
    while ((count_ + n) * 10 > slots_.size() * 7) Grow();  // no growth while prefetched slots are pending
    constexpr size_t kAhead = 16;
    const size_t mask = slots_.size() - 1;
    for (size_t r = 0; r < std::min(n, kAhead); ++r) __builtin_prefetch(&slots_[hashes[r] & mask]);
    for (size_t r = 0; r < n; ++r) {
      if (r + kAhead < n) __builtin_prefetch(&slots_[hashes[r + kAhead] & mask]);
      ids[r] = FindOrInsert(keys[r], hashes[r], prefixes[r]);
    }
  }
  /// Makes room for `n` keys in all (growing is a rehash of every key).
  void Reserve(size_t n) {
    while (n * 10 > slots_.size() * 7) Grow();
  }
  /// Asks for the slot where a key of hash `h` is looked up first.
  void Prefetch(uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
  }
  /// The id of `key` (hash `h`, Prefix `prefix`), or UINT32_MAX; read-only,
  /// so chunk workers may call it while nothing inserts.
  uint32_t Find(std::string_view key, uint64_t h, uint64_t prefix) const {
    if (slots_.empty()) return UINT32_MAX;
    Slot probe = MakeSlot(key.size(), h, prefix, 0);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& s = slots_[i];
      if (s.id_plus_one == 0) return UINT32_MAX;
      if (s.tag == probe.tag && s.len == probe.len && s.prefix == probe.prefix &&
          (key.size() <= 8 || Key(s.id_plus_one - 1) == key))
        return s.id_plus_one - 1;
    }
  }
  size_t size() const { return count_; }

 private:
  /// The id of `key` (hash `h`, Prefix `prefix`), inserting it if new;
  /// there is room for one more key.
  uint32_t FindOrInsert(std::string_view key, uint64_t h, uint64_t prefix) {
    Slot probe = MakeSlot(key.size(), h, prefix, 0);
    size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& s = slots_[i];
      if (s.id_plus_one == 0) {
        uint32_t id = static_cast<uint32_t>(count_++);
        probe.id_plus_one = id + 1;
        s = probe;
        // A short key is its prefix's first bytes (little-endian).
        if (key.size() <= 8) bytes_.append(reinterpret_cast<const char*>(&prefix), key.size());
        else bytes_.append(key);
        offsets_.push_back(bytes_.size());
        return id;
      }
      if (s.tag == probe.tag && s.len == probe.len && s.prefix == probe.prefix &&
          (key.size() <= 8 || Key(s.id_plus_one - 1) == key))
        return s.id_plus_one - 1;
    }
  }

  struct Slot {
    uint64_t prefix = 0;       // first 8 bytes, zero padded
    uint32_t id_plus_one = 0;  // 0 = empty
    uint16_t tag = 0;          // high hash bits
    uint16_t len = 0;          // length, saturated
  };
  static Slot MakeSlot(size_t len, uint64_t h, uint64_t prefix, uint32_t id_plus_one) {
    Slot s;
    s.prefix = prefix;
    s.id_plus_one = id_plus_one;
    s.tag = static_cast<uint16_t>(h >> 48);
    s.len = static_cast<uint16_t>(std::min<size_t>(len, 0xFFFF));
    return s;
  }
  static Slot MakeSlot(std::string_view key, uint64_t h, uint32_t id_plus_one) {
    return MakeSlot(key.size(), h, Prefix(key), id_plus_one);
  }
  std::string_view Key(uint32_t id) const {
    return std::string_view(bytes_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  void Grow() {
    size_t n = slots_.empty() ? 64 : slots_.size() * 2;
    slots_ = SlotArray(n);
    size_t mask = n - 1;
    // Ids in order read the arena sequentially.
    for (uint32_t id = 0; id < count_; ++id) {
      std::string_view key = Key(id);
      uint64_t h = HashBytes(key);
      size_t i = h & mask;
      while (slots_[i].id_plus_one != 0) i = (i + 1) & mask;
      slots_[i] = MakeSlot(key, h, id + 1);
    }
  }

  /// Zeroed slots; large tables ask for huge pages, since every lookup is a
  /// random access and TLB misses would otherwise double its cost.
  class SlotArray {
   public:
    SlotArray() = default;
    explicit SlotArray(size_t n) : size_(n) {
      constexpr size_t kHuge = size_t{2} << 20;
      size_t bytes = n * sizeof(Slot);
      size_t align = bytes >= kHuge ? kHuge : alignof(Slot);
      bytes = (bytes + align - 1) / align * align;
      data_ = static_cast<Slot*>(std::aligned_alloc(align, bytes));
      if (!data_) throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
      if (align == kHuge) ::madvise(data_, bytes, MADV_HUGEPAGE);
#endif
      std::memset(static_cast<void*>(data_), 0, bytes);
    }
    SlotArray(SlotArray&& o) noexcept : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)) {}
    SlotArray& operator=(SlotArray&& o) noexcept {
      std::swap(data_, o.data_);
      std::swap(size_, o.size_);
      return *this;
    }
    ~SlotArray() { std::free(data_); }
    Slot& operator[](size_t i) { return data_[i]; }
    const Slot& operator[](size_t i) const { return data_[i]; }
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }

   private:
    Slot* data_ = nullptr;
    size_t size_ = 0;
  };

  SlotArray slots_;
  std::vector<uint64_t> offsets_{0};
  std::string bytes_;
  size_t count_ = 0;
};

/// Keys made of a fixed prefix and a decimal number (`P0000042`, `MRN-7`,
/// `12345`), the usual shape of record numbers: such a key's id is its
/// number, so interning it is a bit set in a bitmap instead of a hash table
/// lookup (one cache miss per list row in a table of millions of keys). The
/// shape comes from one sample key: the bytes before its trailing digits are
/// the prefix; digits starting with `0` (and more than one) mean a fixed
/// width (the key's length), else canonical numbers (no leading zero). Under
/// either rule the number gives back the key, so two keys that differ never
/// share an id. Keys of another shape, or numbers past `limit`, are not
/// dense (the caller hashes them).
class DenseKeys {
 public:
  /// No dense keys unless `sample` has the shape (at most 9 digits).
  void Configure(std::string_view sample, uint32_t limit) {
    size_t digits = 0;
    while (digits < sample.size() && IsDigit(sample[sample.size() - 1 - digits])) ++digits;
    if (digits == 0 || digits > 9 || limit == 0) return;
    prefix_ = std::string(sample.substr(0, sample.size() - digits));
    if (prefix_.size() <= 8) {
      // The word's first bytes, in memory order (either endianness).
      std::memcpy(&prefix_word_, prefix_.data(), prefix_.size());
      const char ones[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
      std::memcpy(&prefix_mask_, ones, prefix_.size());
    }
    fixed_ = digits > 1 && sample[prefix_.size()] == '0';
    key_len_ = sample.size();
    limit_ = limit;
    bits_ = std::vector<std::atomic<uint64_t>>((limit + 63) / 64);
    on_ = true;
  }
  bool on() const { return on_; }
  /// Ids of dense keys are below this.
  uint32_t limit() const { return on_ ? limit_ : 0; }
  /// The id (number) of `key` if it is dense.
  bool Id(std::string_view key, uint32_t* id) const {
    if (!on_) return false;
    const size_t n = key.size(), p = prefix_.size();
    if (fixed_ ? n != key_len_ : (n <= p || n > p + 9)) return false;
    if (n >= 8 && p <= 8) {  // the usual case: one masked word compare
      uint64_t w;
      std::memcpy(&w, key.data(), 8);
      if ((w & prefix_mask_) != prefix_word_) return false;
    } else if (p != 0 && !EqualBytes(key.substr(0, p), prefix_)) {
      return false;
    }
    const char* d = key.data() + p;
    if (!fixed_ && n - p > 1 && d[0] == '0') return false;  // canonical: no leading zero
    uint64_t v = 0;
    for (size_t i = 0; i < n - p; ++i) {
      const uint32_t c = static_cast<uint32_t>(static_cast<unsigned char>(d[i])) - '0';
      if (c > 9) return false;
      v = v * 10 + c;
    }
    if (v >= limit_) return false;
    *id = static_cast<uint32_t>(v);
    return true;
  }
  /// Marks dense id `id` present (thread-safe; most keys repeat, so the
  /// atomic write is skipped when the bit is already set).
  void Add(uint32_t id) {
    std::atomic<uint64_t>& w = bits_[id >> 6];
    const uint64_t bit = uint64_t{1} << (id & 63);
    if (!(w.load(std::memory_order_relaxed) & bit)) w.fetch_or(bit, std::memory_order_relaxed);
  }
  bool Has(uint32_t id) const { return bits_[id >> 6].load(std::memory_order_relaxed) >> (id & 63) & 1; }
  /// One past the largest present id (only while nothing adds).
  size_t end() const {
    for (size_t w = bits_.size(); w > 0; --w)
      if (const uint64_t b = bits_[w - 1].load(std::memory_order_relaxed)) return (w - 1) * 64 + 64 - __builtin_clzll(b);
    return 0;
  }
  /// Prefetches the bitmap word of a dense id.
  void Prefetch(uint32_t id) const { __builtin_prefetch(&bits_[id >> 6]); }

 private:
  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }
  bool on_ = false;
  bool fixed_ = false;
  std::string prefix_;
  uint64_t prefix_word_ = 0, prefix_mask_ = 0;  ///< a prefix of <= 8 bytes as a masked word
  size_t key_len_ = 0;
  uint32_t limit_ = 0;
  std::vector<std::atomic<uint64_t>> bits_;
};

/// Scratch space of ShardedKeyTable::InternAll, kept per chunk slot so a
/// chunk allocates nothing once the buffers have grown.
struct InternScratch {
  std::vector<uint32_t> order;  ///< row indices grouped by shard
  std::vector<std::string_view> keys;
  std::vector<uint64_t> hashes;
  std::vector<uint64_t> prefixes;  ///< KeyTable::Prefix of each key
  std::vector<uint32_t> ids;
  std::vector<uint64_t> key_hashes, key_prefixes;  ///< per key, when the caller has none
};

/// KeyTable split into shards by hash bits, each behind its own mutex, so
/// chunk workers intern keys in parallel (a chunk locks each shard once);
/// dense keys (DenseKeys, once configured) bypass it. A hashed key's id
/// packs its shard-local id and its shard, above every dense id: ids are
/// unique and below id_limit() (dense enough to index arrays), but with
/// several threads hashed ids depend on timing, so nothing may depend on
/// their order.
class ShardedKeyTable {
 public:
  static constexpr uint32_t kShardBits = 6;
  static constexpr uint32_t kShards = 1u << kShardBits;
  /// Hashed ids are below 2^30 + dense limit (<= 2^30), so all ids are below
  /// 2^31 (callers may use the top bit as a flag).
  static constexpr uint32_t kMaxLocal = (1u << (30 - kShardBits)) - 1;
  static constexpr uint32_t kMaxDense = 1u << 30;

  /// Gives keys shaped like `sample` their number as id (DenseKeys), for
  /// numbers below `limit`; only before anything is interned, and only once.
  void ConfigureDense(std::string_view sample, size_t limit) {
    if (!dense_.on()) dense_.Configure(sample, static_cast<uint32_t>(std::min<size_t>(limit, kMaxDense)));
  }
  bool dense_configured() const { return dense_.on(); }

  /// The ids of `keys[0, n)` (hashed with HashBytes into `hashes`, their
  /// KeyTable::Prefix in `prefixes`, computed while the key bytes were at
  /// hand; both null: computed here for keys that are not dense), inserting
  /// new ones (per shard in order). Thread-safe. False when a shard is full.
  bool InternAll(const std::string_view* keys, const uint64_t* hashes, const uint64_t* prefixes, size_t n,
                 uint32_t* ids, InternScratch* scratch) {
    // Dense keys first: their id is their number (UINT32_MAX marks the rest).
    size_t hashed = n;
    if (dense_.on()) {
      hashed = 0;
      for (size_t r = 0; r < n; ++r) {
        uint32_t id;
        if (dense_.Id(keys[r], &id)) {
          dense_.Add(id);
          ids[r] = id;
        } else {
          ids[r] = UINT32_MAX;
          ++hashed;
        }
      }
      if (hashed == 0) return true;
    }
    if (!hashes) {
      scratch->key_hashes.resize(n);
      scratch->key_prefixes.resize(n);
      for (size_t r = 0; r < n; ++r) {
        if (hashed != n && ids[r] != UINT32_MAX) continue;
        scratch->key_hashes[r] = HashBytes(keys[r]);
        scratch->key_prefixes[r] = KeyTable::Prefix(keys[r]);
      }
      hashes = scratch->key_hashes.data();
      prefixes = scratch->key_prefixes.data();
    }
    std::array<uint32_t, kShards + 1> start{};
    for (size_t r = 0; r < n; ++r)
      if (hashed == n || ids[r] == UINT32_MAX) ++start[ShardOf(hashes[r]) + 1];
    for (uint32_t s = 0; s < kShards; ++s) start[s + 1] += start[s];
    scratch->order.resize(hashed);
    scratch->keys.resize(hashed);
    scratch->hashes.resize(hashed);
    scratch->prefixes.resize(hashed);
    scratch->ids.resize(hashed);
    {
      std::array<uint32_t, kShards> fill;
      std::copy(start.begin(), start.end() - 1, fill.begin());
      for (size_t r = 0; r < n; ++r) {
        if (hashed != n && ids[r] != UINT32_MAX) continue;
        const uint32_t k = fill[ShardOf(hashes[r])]++;
        scratch->order[k] = static_cast<uint32_t>(r);
        scratch->keys[k] = keys[r];
        scratch->hashes[k] = hashes[r];
        scratch->prefixes[k] = prefixes[r];
      }
    }
    // Most keys hashed: the tables are sized for the expected count at once
    // (growing rehashes every key); a few odd keys next to dense ones only
    // grow the shards they land in.
    const bool reserve = hashed * 2 > n;
    bool ok = true;
    for (uint32_t s = 0; s < kShards; ++s) {
      const size_t b = start[s], e = start[s + 1];
      if (b == e) continue;
      Shard& shard = shards_[s];
      std::lock_guard<std::mutex> lock(shard.mu);
      if (shard.table.size() + (e - b) > kMaxLocal) {
        ok = false;
        continue;
      }
      if (reserve && reserve_ != 0) shard.table.Reserve(reserve_);
      shard.table.FindOrInsertAll(&scratch->keys[b], &scratch->hashes[b], &scratch->prefixes[b], e - b,
                                  &scratch->ids[b]);
    }
    if (!ok) return false;
    const uint32_t base = dense_.limit();
    for (uint32_t s = 0; s < kShards; ++s)
      for (size_t k = start[s]; k < start[s + 1]; ++k)
        ids[scratch->order[k]] = base + ((scratch->ids[k] << kShardBits) | s);
    return true;
  }
  /// The ids of `keys[0, n)` (hashes, prefixes as for InternAll), UINT32_MAX
  /// for keys not in the table; only while nothing interns. Slots are
  /// prefetched a few keys ahead.
  void FindAll(const std::string_view* keys, const uint64_t* hashes, const uint64_t* prefixes, size_t n,
               uint32_t* ids) const {
    constexpr size_t kAhead = 16;
    const uint32_t base = dense_.limit();
    if (dense_.on()) {
      // Dense ids (their bitmap is small) and the rest, marked for the tables.
      for (size_t r = 0; r < n; ++r) {
        uint32_t id;
        ids[r] = dense_.Id(keys[r], &id) ? id : UINT32_MAX - 1;
      }
      for (size_t r = 0; r < n; ++r)
        if (ids[r] != UINT32_MAX - 1 && !dense_.Has(ids[r])) ids[r] = UINT32_MAX;
    }
    auto hashed = [&](size_t r) { return !dense_.on() || ids[r] == UINT32_MAX - 1; };
    for (size_t r = 0; r < std::min(n, kAhead); ++r)
      if (hashed(r)) shards_[ShardOf(hashes[r])].table.Prefetch(hashes[r]);
    for (size_t r = 0; r < n; ++r) {
      if (r + kAhead < n && hashed(r + kAhead)) shards_[ShardOf(hashes[r + kAhead])].table.Prefetch(hashes[r + kAhead]);
      if (!hashed(r)) continue;
      const uint32_t s = ShardOf(hashes[r]);
      const uint32_t id = shards_[s].table.Find(keys[r], hashes[r], prefixes[r]);
      ids[r] = id == UINT32_MAX ? id : base + ((id << kShardBits) | s);
    }
  }
  /// Makes room for about `n` keys (spread evenly over the shards): at once
  /// without dense keys, else when a chunk's keys are mostly hashed. The
  /// shards are zeroed on `threads` threads (a shard each in turn), so a
  /// large table is not all cleared on the calling thread.
  void Reserve(size_t n, int threads = 1) {
    reserve_ = n / kShards + n / kShards / 8 + 16;
    if (dense_.on()) return;
    const auto step = static_cast<size_t>(std::clamp(threads, 1, static_cast<int>(kShards)));
    ParallelFor(step, [&](size_t first) {
      for (size_t s = first; s < kShards; s += step) shards_[s].table.Reserve(reserve_);
    });
  }
  /// One past the largest id (only while nothing interns).
  size_t id_limit() const {
    size_t most = 0;
    for (const Shard& s : shards_) most = std::max(most, s.table.size());
    return most == 0 ? dense_.end() : dense_.limit() + (most << kShardBits);
  }

 private:
  /// Bits 32..37: the table's slot index uses the low bits and its tag the top 16.
  static uint32_t ShardOf(uint64_t h) { return static_cast<uint32_t>(h >> 32) & (kShards - 1); }
  struct Shard {
    std::mutex mu;
    KeyTable table;
  };
  DenseKeys dense_;
  size_t reserve_ = 0;  ///< keys per shard expected
  std::array<Shard, kShards> shards_;
};

/// EnumDef::Find for CSV cells without string compares: a label is keyed by
/// its length and two words that hold all its bytes when it has at most 16
/// (overlapping loads; its first and last 8 bytes when longer), a perfect
/// hash of the key picks the one table entry it can be, and the entry holds
/// the same key (labels over 16 bytes are then compared whole). Enums whose
/// labels collide under every seed tried (or repeat, or are empty) use
/// EnumDef::Find itself.
class EnumLookup {
 public:
  EnumLookup() = default;
  explicit EnumLookup(const EnumDef* def) : def_(def) {
    if (!def || def->labels.empty() || def->labels.size() > 255) return;
    for (const std::string& label : def->labels)
      if (label.empty() || label.size() > 0xFFFF) return;
    int bits = 4;
    while ((size_t{1} << bits) < 4 * def->labels.size()) ++bits;
    for (; bits <= 10 && !perfect_; ++bits) {
      for (uint64_t seed = 1; seed < 64 && !perfect_; ++seed) {
        table_.assign(size_t{1} << bits, Entry{});
        perfect_ = true;
        for (size_t i = 0; i < def->labels.size() && perfect_; ++i) {
          const std::string& label = def->labels[i];
          const Key k = KeyOf(label);
          Entry& e = table_[Slot(k, label.size(), seed, bits)];
          if (e.len != 0) perfect_ = false;  // a collision, or a repeated label: try another seed
          e = Entry{k.lo, k.hi, static_cast<uint16_t>(label.size()), static_cast<uint8_t>(i)};
        }
        seed_ = seed;
        bits_ = bits;
      }
    }
    if (!perfect_) table_.clear();
  }
  /// The label index of `s`, or -1.
  int Find(std::string_view s) const {
    if (!perfect_) return def_ ? def_->Find(s) : -1;
    if (s.empty()) return -1;
    const Key k = KeyOf(s);
    const Entry& e = table_[Slot(k, s.size(), seed_, bits_)];
    if (e.lo != k.lo || e.hi != k.hi || e.len != s.size()) return -1;
    if (s.size() > 16 && !EqualBytes(def_->labels[e.code], s)) return -1;
    return e.code;
  }

 private:
  struct Key {
    uint64_t lo = 0, hi = 0;
  };
  struct Entry {
    uint64_t lo = 0, hi = 0;
    uint16_t len = 0;  ///< 0: empty
    uint8_t code = 0;
  };
  /// Bytes of `s` (not empty), read only inside it; for up to 16 bytes,
  /// with the length, different strings give different keys.
  static Key KeyOf(std::string_view s) {
    const char* p = s.data();
    const size_t n = s.size();
    Key k;
    if (n >= 8) {
      std::memcpy(&k.lo, p, 8);
      std::memcpy(&k.hi, p + n - 8, 8);
    } else if (n >= 4) {
      uint32_t a, b;
      std::memcpy(&a, p, 4);
      std::memcpy(&b, p + n - 4, 4);
      k.lo = uint64_t{a} | uint64_t{b} << 32;
    } else {
      const auto byte = [p](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
      k.lo = byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;
    }
    return k;
  }
  static size_t Slot(const Key& k, size_t len, uint64_t seed, int bits) {
    const uint64_t x = (k.lo ^ (k.hi * 0x9E3779B97F4A7C15ULL) ^ (uint64_t{len} << 48)) * (0xD6E8FEB86659FD93ULL + 2 * seed);
    return static_cast<size_t>(x >> (64 - bits));
  }

  const EnumDef* def_ = nullptr;
  bool perfect_ = false;
  uint64_t seed_ = 0;
  int bits_ = 0;
  std::vector<Entry> table_;
};

struct FieldSpec;
class CellParser;
/// Converts one present cell (not empty, not the null token; sets: possibly
/// empty) of a column's kind and appends it; on failure appends a null and
/// sets `*message`. Chosen once per column (CellParseFor), so a row does not
/// switch on each field's type.
using CellParseFn = bool (*)(CellParser& parser, const FieldSpec& spec, std::string_view cell, ColumnData* col,
                             std::string* message);
CellParseFn CellParseFor(TypeKind kind);

/// How to read one field from a CSV column.
struct FieldSpec {
  std::string name;        ///< header name (the source column)
  TypeKind kind = TypeKind::kError;
  bool optional = false;
  bool may_be_absent = false;   ///< `if present`: the header may lack the column
  const EnumDef* enum_def = nullptr;
  EnumLookup enum_lookup;  ///< built from enum_def once
  ColumnId column = kNoColumn;  ///< batch column (records) or element index (lists)
  int header_index = -1;        ///< 0-based index in the header, -1 if absent
  bool projected = true;        ///< the program reads it: convert and validate its cells (else only tokenized)
  CellParseFn parse = nullptr;  ///< CellParseFor(kind)
};

/// Sets the kind and enum of `spec`, choosing its cell parser and building
/// its label lookup.
void SetKind(FieldSpec* spec, TypeKind kind, const EnumDef* def) {
  spec->kind = kind;
  spec->parse = CellParseFor(kind);
  spec->enum_def = def;
  spec->enum_lookup = EnumLookup(def);
}

/// Parses CSV cells into columns. Keeps scratch space so a row allocates nothing.
class CellParser {
 public:
  /// A cell equal to this (besides the empty cell) is missing (`null "NULL"`).
  std::string_view null_token;

  /// Appends `cell` to `col`; on failure appends a null and sets `*message`.
  bool Append(const FieldSpec& spec, std::string_view cell, ColumnData* col, std::string* message) {
    const bool is_null = cell.empty() || (!null_token.empty() && cell == null_token);
    if (is_null) {
      if (spec.kind == TypeKind::kStringSet) return spec.parse(*this, spec, {}, col, message);  // the empty set
      col->AppendNull();
      if (spec.optional) return true;
      *message = "missing value for a required field";
      return false;
    }
    return spec.parse(*this, spec, cell, col, message);
  }

  /// ParseTimestamp20, remembering the last date it read: list files are
  /// often in time order, so a cell mostly repeats the previous cell's day
  /// and only its time of day is left to check.
  bool Timestamp20(std::string_view cell, int64_t* micros) {
    if (cell.size() != 20) return false;
    uint64_t lo;
    uint16_t hi;
    std::memcpy(&lo, cell.data(), 8);
    std::memcpy(&hi, cell.data() + 8, 2);
    if (lo == day_lo_ && hi == day_hi_) {
      uint32_t seconds;
      if (cell[10] != 'T' || cell[19] != 'Z' || !ParseTimeOfDay8(cell.data() + 11, &seconds)) return false;
      *micros = day_micros_ + int64_t{seconds} * 1'000'000;
      return true;
    }
    if (!ParseTimestamp20(cell, micros)) return false;
    day_lo_ = lo;
    day_hi_ = hi;
    day_micros_ = int64_t{DayOfTimestamp(*micros)} * kMicrosPerDay;
    return true;
  }

  static bool Fail(ColumnData* col, std::string* message, const char* what) {
    col->AppendNull();
    *message = what;
    return false;
  }

  /// `a;b;;a` -> {a, b}: split on `;`, untrimmed, empties dropped, duplicates
  /// collapsed; items are stored sorted so equal sets have equal layouts.
  void AppendSet(std::string_view cell, ColumnData* col) {
    items_.clear();
    size_t start = 0;
    while (start <= cell.size()) {
      size_t semi = cell.find(';', start);
      if (semi == std::string_view::npos) semi = cell.size();
      if (semi > start) items_.push_back(cell.substr(start, semi - start));
      start = semi + 1;
    }
    if (items_.size() > 1) {
      std::sort(items_.begin(), items_.end());
      items_.erase(std::unique(items_.begin(), items_.end()), items_.end());
    }
    ColumnData& child = col->children[0];
    for (std::string_view item : items_) child.AppendString(item);
    col->AppendListEnd(child.length);
  }

 private:
  std::vector<std::string_view> items_;
  // The date bytes of the last timestamp ParseTimestamp20 accepted and the
  // micros of its midnight; at first 1970-01-01 (always a true pair).
  uint64_t day_lo_ = Bytes<uint64_t>("1970-01-");
  uint16_t day_hi_ = Bytes<uint16_t>("01");
  int64_t day_micros_ = 0;
  template <typename T>
  static T Bytes(const char* s) {
    T v;
    std::memcpy(&v, s, sizeof v);
    return v;
  }
};

bool ParseBoolCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  // By length first: one or two word compares instead of six string compares.
  if (cell.size() == 4 && (cell == "true" || cell == "TRUE" || cell == "True")) {
    col->AppendBool(true);
    return true;
  }
  if (cell.size() == 5 && (cell == "false" || cell == "FALSE" || cell == "False")) {
    col->AppendBool(false);
    return true;
  }
  return CellParser::Fail(col, message, "invalid boolean; expected `true` or `false`");
}

/// The common form of an integer cell (not empty): up to 18 digits with an
/// optional `-`, which cannot overflow.
inline bool FastInt(std::string_view cell, int64_t* out) {
  const char* p = cell.data();
  const size_t neg = p[0] == '-' ? 1 : 0;
  const size_t digits = cell.size() - neg;
  if (digits - 1 >= 18) return false;
  uint64_t v = 0;
  bool ok = true;
  for (size_t i = neg; i < cell.size(); ++i) {
    const uint32_t d = static_cast<uint32_t>(static_cast<unsigned char>(p[i])) - '0';
    ok &= d <= 9;
    v = v * 10 + d;
  }
  *out = neg ? -static_cast<int64_t>(v) : static_cast<int64_t>(v);
  return ok;
}

bool ParseIntCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  // Up to 18 digits (with an optional `-`) cannot overflow: accumulated
  // directly; anything else (and every error) goes through from_chars.
  if (int64_t v; FastInt(cell, &v)) {
    col->AppendInt(v);
    return true;
  }
  int64_t v = 0;
  const char* first = cell.data();
  const char* last = first + cell.size();
  auto [end, ec] = std::from_chars(first, last, v);
  if (ec == std::errc::result_out_of_range) return CellParser::Fail(col, message, "integer out of range");
  if (ec != std::errc() || end != last) return CellParser::Fail(col, message, "invalid integer");
  col->AppendInt(v);
  return true;
}

bool ParseDecimalCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  double v = 0;
  const char* first = cell.data();
  const char* last = first + cell.size();
  auto [p, ec] = fast_float::from_chars(first, last, v);
  if (ec != std::errc() || p != last || !std::isfinite(v)) return CellParser::Fail(col, message, "invalid decimal number");
  col->AppendDecimal(v);
  return true;
}

bool ParseStringCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  if (const char* bad = CheckText(cell)) {
    col->AppendNull();
    *message = fmt::format("{} in a text cell", bad);
    return false;
  }
  col->AppendString(cell);
  return true;
}

bool ParseDateCell(CellParser&, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  int32_t days;
  if (!ParseDate10(cell, &days))
    return CellParser::Fail(col, message, "invalid date; expected YYYY-MM-DD");
  col->AppendDate(days);
  return true;
}

bool ParseTimestampCell(CellParser& parser, const FieldSpec&, std::string_view cell, ColumnData* col,
                        std::string* message) {
  int64_t micros;
  if (!parser.Timestamp20(cell, &micros)) {
    auto t = ParseTimestampGeneral(cell);  // other forms, and every error
    if (!t) return CellParser::Fail(col, message, "invalid timestamp; expected ISO 8601 in UTC such as 2026-11-20T14:03:00Z");
    micros = *t;
  }
  col->AppendInt(micros);
  return true;
}

bool ParseEnumCell(CellParser&, const FieldSpec& spec, std::string_view cell, ColumnData* col, std::string* message) {
  int code = spec.enum_lookup.Find(cell);
  if (code >= 0 && code <= 255) {
    col->AppendEnum(static_cast<uint8_t>(code));
    return true;
  }
  col->AppendNull();
  // The message lists the valid labels only: the cell may be PHI.
  std::string labels;
  if (spec.enum_def) {
    for (size_t i = 0; i < spec.enum_def->labels.size(); ++i) {
      if (i) labels += ", ";
      labels += spec.enum_def->labels[i];
    }
  }
  *message = fmt::format("unknown label; expected one of: {}", labels);
  return false;
}

bool ParseSetCell(CellParser& parser, const FieldSpec&, std::string_view cell, ColumnData* col, std::string* message) {
  if (const char* bad = CheckText(cell)) {
    col->AppendListEnd(col->children[0].length);
    *message = fmt::format("{} in a text cell", bad);
    return false;
  }
  parser.AppendSet(cell, col);
  return true;
}

bool ParseUnreadableCell(CellParser&, const FieldSpec& spec, std::string_view, ColumnData* col, std::string* message) {
  col->AppendNull();
  *message = fmt::format("fields of type `{}` cannot be read from a CSV cell", Type{spec.kind}.ToString());
  return false;
}

CellParseFn CellParseFor(TypeKind kind) {
  switch (kind) {
    case TypeKind::kBool: return ParseBoolCell;
    case TypeKind::kInt: return ParseIntCell;
    case TypeKind::kDecimal: return ParseDecimalCell;
    case TypeKind::kString: return ParseStringCell;
    case TypeKind::kDate: return ParseDateCell;
    case TypeKind::kTimestamp: return ParseTimestampCell;
    case TypeKind::kEnum: return ParseEnumCell;
    case TypeKind::kStringSet: return ParseSetCell;
    default: return ParseUnreadableCell;
  }
}

/// Translates the dictionary codes of one source string column (or set
/// elements) to those of a destination column: entry -1 until the code is
/// first copied, so each distinct value is hashed once per destination
/// dictionary instead of once per element. Reset it whenever the destination
/// dictionary changes (a new batch).
struct CodeMap {
  std::vector<int32_t> to;
  void Reset() { std::fill(to.begin(), to.end(), -1); }
};

/// Appends present string element `i` of `src` onto `dst`: code to code
/// through `map` when both are dictionary-encoded, else by bytes.
inline __attribute__((always_inline)) void AppendStringElement(const ColumnData& src, int64_t i, ColumnData* dst,
                                                              CodeMap* map) {
  if (src.encoding != StringEncoding::kDictionary || dst->encoding != StringEncoding::kDictionary) {
    dst->AppendString(src.StringAt(i));
    return;
  }
  int32_t code;
  std::memcpy(&code, src.values.data() + i * 4, 4);
  if (static_cast<size_t>(code) >= map->to.size()) map->to.resize(static_cast<size_t>(src.dictionary.size()), -1);
  int32_t& mapped = map->to[static_cast<size_t>(code)];
  if (mapped >= 0) {
    dst->AppendCode(mapped);
    return;
  }
  dst->AppendString(src.dictionary.at(code));
  // Still a dictionary (it may have just turned plain): remember the code.
  if (dst->encoding == StringEncoding::kDictionary) std::memcpy(&mapped, dst->values.data() + dst->values.size() - 4, 4);
}

/// Appends elements `row(0)..row(n-1)` of staging column `src` onto `dst`:
/// one type dispatch per call, not per element. `map` translates string codes
/// (of set elements for sets).
template <typename RowOf>
void CopyRows(const ColumnData& src, RowOf row, size_t n, ColumnData* dst, CodeMap* map) {
  const bool nulls = src.has_nulls;
  const uint8_t* valid = src.validity.data();
  const uint8_t* values = src.values.data();
  auto present = [&](int64_t i) {
    if (nulls && !GetBit(valid, i)) {
      dst->AppendNull();
      return false;
    }
    return true;
  };
  switch (src.kind) {
    case TypeKind::kBool:
      for (size_t k = 0; k < n; ++k)
        if (int64_t i = row(k); present(i)) dst->AppendBool(GetBit(values, i));
      return;
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
      for (size_t k = 0; k < n; ++k) {
        if (int64_t i = row(k); present(i)) {
          int64_t v;
          std::memcpy(&v, values + i * 8, 8);
          dst->AppendInt(v);
        }
      }
      return;
    case TypeKind::kDecimal:
      for (size_t k = 0; k < n; ++k) {
        if (int64_t i = row(k); present(i)) {
          double v;
          std::memcpy(&v, values + i * 8, 8);
          dst->AppendDecimal(v);
        }
      }
      return;
    case TypeKind::kDate:
      for (size_t k = 0; k < n; ++k) {
        if (int64_t i = row(k); present(i)) {
          int32_t v;
          std::memcpy(&v, values + i * 4, 4);
          dst->AppendDate(v);
        }
      }
      return;
    case TypeKind::kEnum:
      for (size_t k = 0; k < n; ++k)
        if (int64_t i = row(k); present(i)) dst->AppendEnum(values[i]);
      return;
    case TypeKind::kString:
      for (size_t k = 0; k < n; ++k)
        if (int64_t i = row(k); present(i)) AppendStringElement(src, i, dst, map);
      return;
    case TypeKind::kStringSet: {
      const ColumnData& sc = src.children[0];
      ColumnData& dc = dst->children[0];
      for (size_t k = 0; k < n; ++k) {
        const int64_t i = row(k);
        if (!present(i)) continue;
        for (int32_t j = src.offsets[i]; j < src.offsets[i + 1]; ++j) {
          if (sc.has_nulls && !GetBit(sc.validity.data(), j)) dc.AppendNull();
          else AppendStringElement(sc, j, &dc, map);
        }
        dst->AppendListEnd(dc.length);
      }
      return;
    }
    default:
      for (size_t k = 0; k < n; ++k) dst->AppendNull();
      return;
  }
}

/// Copies elements `rows[0..n)` of `src` onto `dst`.
void CopyElements(const ColumnData& src, const uint32_t* rows, size_t n, ColumnData* dst, CodeMap* map) {
  CopyRows(src, [rows](size_t k) { return static_cast<int64_t>(rows[k]); }, n, dst, map);
}

/// Appends elements [begin, end) of staging column `src` onto `dst`.
/// Byte width of the fixed-width kinds a range copies with one memcpy (0 for others).
size_t FixedWidth(TypeKind kind) {
  switch (kind) {
    case TypeKind::kInt:
    case TypeKind::kTimestamp:
    case TypeKind::kDecimal: return 8;
    case TypeKind::kDate: return 4;
    case TypeKind::kEnum: return 1;
    default: return 0;
  }
}

/// Appends validity bits [begin, begin + n) of `src` to `dst` and grows its
/// length (values are the caller's).
void AppendValidityRange(const ColumnData& src, int64_t begin, int64_t n, ColumnData* dst) {
  const int64_t at = dst->length;
  dst->validity.resize(static_cast<size_t>((at + n + 7) / 8), 0);
  uint8_t* bits = dst->validity.data();
  if (!src.has_nulls) {
    // All present: the bits up to a byte boundary, then whole bytes.
    int64_t k = 0;
    for (; k < n && ((at + k) & 7) != 0; ++k) bits[(at + k) >> 3] |= uint8_t(1u << ((at + k) & 7));
    const int64_t bytes = (n - k) / 8;
    std::memset(bits + ((at + k) >> 3), 0xFF, static_cast<size_t>(bytes));
    for (k += bytes * 8; k < n; ++k) bits[(at + k) >> 3] |= uint8_t(1u << ((at + k) & 7));
    dst->length = at + n;
    return;
  }
  const uint8_t* from = src.validity.data();
  for (int64_t k = 0; k < n; ++k) {
    if (!GetBit(from, begin + k)) {
      dst->has_nulls = true;
      continue;
    }
    bits[(at + k) >> 3] |= uint8_t(1u << ((at + k) & 7));
  }
  dst->length = at + n;
}

void CopyRange(const ColumnData& src, int64_t begin, int64_t end, ColumnData* dst, CodeMap* map) {
  if (begin >= end) return;
  const int64_t n = end - begin;
  if (const size_t w = FixedWidth(src.kind); w != 0) {
    // A null's value bytes are zero in both columns, so one copy is exact.
    // Ranges are a few elements: fixed-size copies, not a memmove call.
    const size_t at = dst->values.size();
    dst->values.resize(at + static_cast<size_t>(n) * w);
    uint8_t* to = dst->values.data() + at;
    const uint8_t* from = src.values.data() + static_cast<size_t>(begin) * w;
    switch (w) {
      case 8: for (int64_t k = 0; k < n; ++k) std::memcpy(to + k * 8, from + k * 8, 8); break;
      case 4: for (int64_t k = 0; k < n; ++k) std::memcpy(to + k * 4, from + k * 4, 4); break;
      default: for (int64_t k = 0; k < n; ++k) to[k] = from[k]; break;
    }
    AppendValidityRange(src, begin, n, dst);
    return;
  }
  CopyRows(src, [begin](size_t k) { return begin + static_cast<int64_t>(k); }, static_cast<size_t>(n), dst, map);
}

/// Bytes of string data a column holds (its own, its dictionary's, its
/// children's): int32 offsets address them.
size_t StringBytes(const ColumnData& c) {
  size_t n = c.data.size() + c.dictionary.data.size();
  for (const ColumnData& child : c.children) n = std::max(n, StringBytes(child));
  return n;
}

/// An empty staging column for an element field of type `t`; strings (and set
/// elements) dictionary-encoded like batch columns, so rows move as codes.
ColumnData MakeStagingColumn(TypeKind kind) {
  ColumnData c;
  c.kind = kind;
  if (kind == TypeKind::kString) c.UseDictionary();
  if (kind == TypeKind::kStringSet) {
    ColumnData child;
    child.kind = TypeKind::kString;
    child.UseDictionary();
    c.children.push_back(std::move(child));
  }
  return c;
}

/// Staging column `src` reordered: row k is `src`'s row `rows[k]`.
/// Fixed-width values and dictionary codes (the dictionary moves along
/// unchanged) are gathered straight into the new buffers.
ColumnData Gather(ColumnData src, const uint32_t* rows, size_t n) {
  const bool codes = src.kind == TypeKind::kString && src.encoding == StringEncoding::kDictionary;
  const size_t w = codes ? 4 : FixedWidth(src.kind);
  ColumnData out = MakeStagingColumn(src.kind);
  if (w == 0) {
    out.Reserve(static_cast<int64_t>(n));
    CodeMap map;
    CopyElements(src, rows, n, &out, &map);
    return out;
  }
  out.values.resize(n * w);
  uint8_t* to = out.values.data();
  const uint8_t* from = src.values.data();
  switch (w) {
    case 8: for (size_t k = 0; k < n; ++k) std::memcpy(to + k * 8, from + size_t{rows[k]} * 8, 8); break;
    case 4: for (size_t k = 0; k < n; ++k) std::memcpy(to + k * 4, from + size_t{rows[k]} * 4, 4); break;
    default: for (size_t k = 0; k < n; ++k) to[k] = from[rows[k]]; break;
  }
  out.validity.assign((n + 7) / 8, 0);
  for (size_t k = 0; k < n; ++k) {
    if (src.has_nulls && !GetBit(src.validity.data(), rows[k])) out.has_nulls = true;
    else SetBit(out.validity.data(), static_cast<int64_t>(k), true);
  }
  out.length = static_cast<int64_t>(n);
  if (codes) out.dictionary = std::move(src.dictionary);
  return out;
}

/// About how many rows `file` has from byte `begin` on (line ends in the
/// first 64 KB, scaled): for sizing tables and arrays up front.
size_t EstimateRows(const MappedFile& file, size_t begin) {
  if (begin >= file.size()) return 0;
  const size_t sample = std::min<size_t>(file.size() - begin, size_t{64} << 10);
  const size_t lines = static_cast<size_t>(std::count(file.data() + begin, file.data() + begin + sample, '\n'));
  return lines == 0 ? 1 : (file.size() - begin) / (sample / lines);
}

/// Field `index` of the first record of `file` from byte `begin` on (empty
/// when there is none, or it does not tokenize): a sample key.
std::string FirstCell(const MappedFile& file, const CsvDialect& dialect, size_t begin, int index) {
  if (index < 0 || begin >= file.size()) return {};
  CsvTokenizer t(dialect);
  t.Reset(file.data(), file.size(), begin, file.size(), /*speculative=*/false, 0);
  if (t.Next() != CsvTokenizer::Status::kRecord || t.num_fields() <= static_cast<size_t>(index)) return {};
  return std::string(t.field(static_cast<size_t>(index)));
}

/// Is this kind readable from one CSV cell?
bool IsCellKind(TypeKind k) {
  switch (k) {
    case TypeKind::kBool:
    case TypeKind::kInt:
    case TypeKind::kDecimal:
    case TypeKind::kString:
    case TypeKind::kDate:
    case TypeKind::kTimestamp:
    case TypeKind::kEnum:
    case TypeKind::kStringSet: return true;
    default: return false;
  }
}

/// Rows of one list field, stored column-wise grouped by owner key id: the
/// rows of key id `g` are [group_start[g], group_start[g + 1]) of every
/// staging column, so attaching them to a record is one sequential copy.
struct ListData {
  ColumnId column = kNoColumn;
  std::string path;                     ///< file as opened
  std::vector<FieldSpec> fields;        ///< element fields, in RecordDef order
  std::vector<ColumnData> staging;      ///< one per element field (grouped once the file is read)
  /// While loading: each accepted chunk's staging columns (the workers'
  /// storage, moved, not copied) and the 1-based line it starts at.
  std::vector<std::vector<ColumnData>> chunks;
  std::vector<int64_t> chunk_lines;
  std::vector<uint32_t> row_key;        ///< owner key id per row (file order, while loading)
  std::vector<uint32_t> group_start;    ///< per key id: first row of its group
  size_t num_groups = 0;                ///< key ids below this may own rows
  bool projected = true;                ///< the program reads the list column (else it is absent from batches)
};

/// A located problem found by a chunk worker; the line is relative to the
/// chunk until the chunk is accepted.
struct ChunkError {
  int64_t line = 0;
  std::string column;
  int64_t column_index = 0;
  std::string message;
};

// ---- Column-at-a-time conversion of a record grid ----------------------------
// A grid of tokenized records (CsvRecordBatch) is converted one column at a
// time: fixed-width values are written straight into the column's buffer
// (sized once per grid, no per-cell append or capacity check) and validity
// bits a 64-row word at a time. Cells the fast parsers do not take go
// through the column's cell parser (the same values and messages).

/// ORs the low `n` bits of `word` into bitmap `bits` at bit `at` (the bitmap
/// holds `at` bits, the unused ones zero), growing it.
void PutBits(std::vector<uint8_t>& bits, int64_t at, uint64_t word, size_t n) {
  if (n < 64) word &= (uint64_t{1} << n) - 1;
  const auto start = static_cast<size_t>(at);
  bits.resize((start + n + 7) / 8, 0);
  uint8_t* p = bits.data() + start / 8;
  const unsigned shift = start & 7;
  const size_t bytes = (shift + n + 7) / 8;
  const unsigned __int128 w = static_cast<unsigned __int128>(word) << shift;
  for (size_t i = 0; i < bytes; ++i) p[i] |= static_cast<uint8_t>(w >> (8 * i));
}

/// One column of a grid: where its cells are and where errors go.
struct GridColumn {
  const CsvRecordBatch& grid;
  size_t rows;
  size_t index;          ///< field index in each row (the header index)
  const int64_t* lines;  ///< per row: line relative to the chunk
  const FieldSpec& spec;
  CellParser& parser;
  std::vector<ChunkError>* errors;
  std::string* message;  ///< scratch for the cell parser's messages
  std::string_view cell(size_t r) const { return grid.fields()[r * grid.width() + index]; }
  void Error(size_t r, std::string what) const {
    errors->push_back({lines[r], spec.name, spec.header_index + 1, std::move(what)});
  }
  /// Whether the cell of row r is missing (empty or the null token); an
  /// error when the field is required.
  bool Missing(size_t r, std::string_view cell) const {
    if (!cell.empty() && (parser.null_token.empty() || cell != parser.null_token)) return false;
    if (!spec.optional) Error(r, "missing value for a required field");
    return true;
  }
};

/// Runs `present(r, k)` for each row r of `g` (k: its bit in the current
/// 64-row word; true: the cell is a value, false: null) and writes `col`'s
/// validity a word at a time; `word_done(r0, n)` after each word.
template <typename Present, typename WordDone>
void ConvertRows(const GridColumn& g, ColumnData* col, Present present, WordDone word_done) {
  const int64_t base = col->length;
  bool nulls = false;
  for (size_t r0 = 0; r0 < g.rows; r0 += 64) {
    const size_t n = std::min<size_t>(64, g.rows - r0);
    uint64_t valid = 0;
    for (size_t k = 0; k < n; ++k) valid |= uint64_t{present(r0 + k, k)} << k;
    nulls |= valid != (n == 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1);
    PutBits(col->validity, base + static_cast<int64_t>(r0), valid, n);
    word_done(r0, n);
  }
  col->length += static_cast<int64_t>(g.rows);
  col->has_nulls |= nulls;
}

/// A cell the fast converters do not take, through the column's cell parser
/// into `scratch` (cleared): true with its value there, or false with the
/// error recorded.
bool ParseSlow(const GridColumn& g, size_t r, std::string_view cell, ColumnData* scratch) {
  scratch->Clear();
  if (g.spec.parse(g.parser, g.spec, cell, scratch, g.message)) return true;
  g.Error(r, *g.message);
  return false;
}

/// Converts a grid column of fixed-width values of type T: `fast(cell, &v)`
/// takes the common form; every other present cell goes through the cell
/// parser (its value, or its error).
template <typename T, typename Fast>
void ConvertFixed(const GridColumn& g, ColumnData* col, ColumnData* scratch, Fast fast) {
  const auto base = static_cast<size_t>(col->length);
  col->values.resize((base + g.rows) * sizeof(T));
  uint8_t* out = col->values.data() + base * sizeof(T);
  auto present = [&](size_t r, size_t) {
    const std::string_view cell = g.cell(r);
    T v{};
    bool ok = false;
    if (g.Missing(r, cell)) [[unlikely]] {
      // null
    } else if (fast(cell, &v)) [[likely]] {
      ok = true;
    } else if (ParseSlow(g, r, cell, scratch)) {
      std::memcpy(&v, scratch->values.data(), sizeof(T));
      ok = true;
    }
    std::memcpy(out + r * sizeof(T), &v, sizeof(T));
    return ok;
  };
  ConvertRows(g, col, present, [](size_t, size_t) {});
}

/// The first 4 bytes of `s` as a little-endian word (as memcpy loads them).
constexpr uint32_t Word4(const char* s) {
  return static_cast<uint32_t>(static_cast<uint8_t>(s[0])) | static_cast<uint32_t>(static_cast<uint8_t>(s[1])) << 8 |
         static_cast<uint32_t>(static_cast<uint8_t>(s[2])) << 16 | static_cast<uint32_t>(static_cast<uint8_t>(s[3])) << 24;
}

/// Booleans: value bits and validity bits a 64-row word at a time.
void ConvertBools(const GridColumn& g, ColumnData* col, ColumnData* scratch) {
  const int64_t base = col->length;
  uint64_t value = 0;
  auto present = [&](size_t r, size_t k) {
    const std::string_view cell = g.cell(r);
    uint32_t w = 0;
    if (cell.size() == 4 || cell.size() == 5) std::memcpy(&w, cell.data(), 4);
    if (cell.size() == 4 && (w == Word4("true") || w == Word4("TRUE") || w == Word4("True"))) {
      value |= uint64_t{1} << k;
      return true;
    }
    if (cell.size() == 5 && ((w == Word4("fals") && cell[4] == 'e') || (w == Word4("FALS") && cell[4] == 'E') ||
                             (w == Word4("Fals") && cell[4] == 'e')))
      return true;
    if (g.Missing(r, cell) || !ParseSlow(g, r, cell, scratch)) return false;  // (every accepted form is above)
    value |= uint64_t{GetBit(scratch->values.data(), 0)} << k;
    return true;
  };
  auto word_done = [&](size_t r0, size_t n) {
    PutBits(col->values, base + static_cast<int64_t>(r0), value, n);
    value = 0;
  };
  ConvertRows(g, col, present, word_done);
}


/// Dictionary codes of short strings (up to 8 bytes: language, state, zip
/// codes) already interned into one column's dictionary, direct-mapped by
/// their bytes, so a repeated value costs one compare instead of a hash and
/// a probe. Valid for one dictionary: Reset with every new batch.
class ShortCodeCache {
 public:
  void Reset() { entries_.assign(kSize, Entry{}); }
  /// Interns `s` into `dict` (through the cache when it is short).
  int32_t Intern(std::string_view s, StringDictionary* dict) {
    if (s.size() > 8 || entries_.empty()) return dict->Intern(s);
    uint64_t w = 0;
    std::memcpy(&w, s.data(), s.size());
    const auto tag = static_cast<uint32_t>(s.size()) + 1;
    Entry& e = entries_[((w ^ tag) * 0x9E3779B97F4A7C15ULL) >> (64 - kBits)];
    if (e.word == w && e.tag == tag) return e.code;
    e = Entry{w, tag, dict->Intern(s)};
    return e.code;
  }

 private:
  static constexpr int kBits = 10;
  static constexpr size_t kSize = size_t{1} << kBits;
  struct Entry {
    uint64_t word = 0;
    uint32_t tag = 0;  ///< length + 1; 0: empty
    int32_t code = 0;
  };
  std::vector<Entry> entries_;
};

/// Text cells of a string column, plain or dictionary-encoded (views into
/// the file until interned or copied): codes or bytes written per grid,
/// validity a word at a time. A dictionary that could reach
/// kMaxDictionaryEntries in this grid goes cell by cell (AppendString turns
/// it plain at the limit).
bool ConvertStrings(const GridColumn& g, ColumnData* col, ShortCodeCache* cache) {
  const bool dict = col->encoding == StringEncoding::kDictionary;
  if (dict && static_cast<size_t>(col->dictionary.size()) + g.rows > static_cast<size_t>(kMaxDictionaryEntries))
    return false;
  const auto base = static_cast<size_t>(col->length);
  size_t at = col->data.size();
  if (dict) {
    col->values.resize((base + g.rows) * sizeof(int32_t));
  } else {
    size_t bytes = 0;
    for (size_t r = 0; r < g.rows; ++r) bytes += g.cell(r).size();
    col->data.resize(at + bytes);
    col->offsets.resize(base + 1 + g.rows);
  }
  auto present = [&](size_t r, size_t) {
    const std::string_view cell = g.cell(r);
    bool ok = false;
    if (g.Missing(r, cell)) {
      // null
    } else if (const char* bad = CheckText(cell)) {
      g.Error(r, fmt::format("{} in a text cell", bad));
    } else {
      ok = true;
    }
    if (dict) {
      const int32_t code = ok ? cache->Intern(cell, &col->dictionary) : 0;
      std::memcpy(col->values.data() + (base + r) * sizeof(int32_t), &code, sizeof code);
    } else {
      if (ok && !cell.empty()) std::memcpy(col->data.data() + at, cell.data(), cell.size());
      at += ok ? cell.size() : 0;
      col->offsets[base + 1 + r] = static_cast<int32_t>(at);
    }
    return ok;
  };
  ConvertRows(g, col, present, [](size_t, size_t) {});
  if (!dict) col->data.resize(at);  // null cells' bytes were counted
  return true;
}

/// Set cells: an empty (or null) cell is the empty set, a cell without `;`
/// one element (its code through `cache`, the element dictionary's); others
/// through the cell parser (split, sorted, unique).
void ConvertSets(const GridColumn& g, ColumnData* col, ShortCodeCache* cache) {
  const std::string_view null_token = g.parser.null_token;
  ColumnData& child = col->children[0];
  for (size_t r = 0; r < g.rows; ++r) {
    const std::string_view cell = g.cell(r);
    if (cell.empty() || (!null_token.empty() && cell == null_token)) {
      col->AppendListEnd(child.length);
    } else if (cell.find(';') == std::string_view::npos && !CheckText(cell)) {
      // As AppendString: interned while the dictionary has room.
      if (child.encoding == StringEncoding::kDictionary && child.dictionary.size() < kMaxDictionaryEntries)
        child.AppendCode(cache->Intern(cell, &child.dictionary));
      else
        child.AppendString(cell);
      col->AppendListEnd(child.length);
    } else if (!g.spec.parse(g.parser, g.spec, cell, col, g.message)) {
      g.Error(r, *g.message);
    }
  }
}

/// Converts grid column `g` into `col` (a projected record column); `cache`:
/// the column's, reset with each new batch.
void ConvertColumn(const GridColumn& g, ColumnData* col, ColumnData* scratch, ShortCodeCache* cache) {
  const FieldSpec& spec = g.spec;
  scratch->kind = spec.kind;
  switch (spec.kind) {
    case TypeKind::kInt: return ConvertFixed<int64_t>(g, col, scratch, FastInt);
    case TypeKind::kDate:
      return ConvertFixed<int32_t>(g, col, scratch, [](std::string_view c, int32_t* v) { return ParseDate10(c, v); });
    case TypeKind::kTimestamp:
      return ConvertFixed<int64_t>(g, col, scratch, [](std::string_view c, int64_t* v) { return ParseTimestamp20(c, v); });
    case TypeKind::kEnum:
      return ConvertFixed<uint8_t>(g, col, scratch, [&spec](std::string_view c, uint8_t* v) {
        const int code = spec.enum_lookup.Find(c);
        *v = static_cast<uint8_t>(code);
        return code >= 0 && code <= 255;
      });
    case TypeKind::kBool: return ConvertBools(g, col, scratch);
    case TypeKind::kString:
      if (ConvertStrings(g, col, cache)) return;
      break;
    case TypeKind::kStringSet: return ConvertSets(g, col, cache);
    default: break;
  }
  // Every other kind (decimals), and a dictionary near its limit: cell by cell.
  for (size_t r = 0; r < g.rows; ++r)
    if (!g.parser.Append(spec, g.cell(r), col, g.message)) g.Error(r, *g.message);
}

/// What a worker produced from one chunk of a list file: its rows' values
/// and their owners' key ids (interned by the worker).
struct ListSlot {
  std::vector<ColumnData> staging;
  std::vector<std::string_view> parents;  ///< views into the mapped file
  std::vector<uint32_t> parent_ids;       ///< key id of each parent
  bool keys_full = false;                 ///< the key table had no room (an error on accept)
  InternScratch scratch;
  std::vector<ChunkError> errors;
  CellParser parser;
  std::string message;
};

/// Record key ids: ids of keys a list file named (lists_keys_), or, with
/// this bit set, ids of keys only records have (record_keys_).
constexpr uint32_t kRecordOnlyKey = 1u << 31;

/// What a worker produced from one chunk of the records file.
struct RecordSlot {
  std::vector<Batch> batches;
  std::vector<uint32_t> key_ids;        ///< per row: its key id (UINT32_MAX: the key is missing)
  std::vector<int64_t> lines;           ///< per row: line relative to the chunk
  // The present keys (views into the file, or into unescaped_keys), their
  // hashes, KeyTable prefixes and rows; then those no list names, and their ids.
  std::vector<std::string_view> keys;
  /// Keys whose quotes were unescaped: the grid's scratch they were read
  /// from is reused by the next grid, so they are copied (deque: stable).
  std::deque<std::string> unescaped_keys;
  std::vector<uint64_t> hashes;
  std::vector<uint64_t> prefixes;
  std::vector<uint32_t> key_rows;
  std::vector<uint32_t> found;
  std::vector<std::string_view> new_keys;
  std::vector<uint64_t> new_hashes;
  std::vector<uint64_t> new_prefixes;
  std::vector<uint32_t> new_rows;
  std::vector<uint32_t> new_ids;
  std::vector<std::pair<int64_t, int64_t>> ranges;  ///< per row of a batch: its list group
  bool keys_full = false;
  InternScratch scratch;
  std::vector<ChunkError> errors;
  int64_t rows = 0;
  CellParser parser;
  std::string message;
  CsvRecordBatch grid;  ///< the records being converted
  ColumnData cell_scratch;  ///< a cell the fast converters leave to the cell parser
  std::vector<ShortCodeCache> code_caches;  ///< per record field (fields_): codes in the current batch
  std::vector<std::vector<CodeMap>> list_maps;  ///< per list, per element field: staging codes -> batch codes
};

class CsvRecordReader final : public RecordReader {
 public:
  CsvRecordReader(std::shared_ptr<const Schema> schema, const LoadOptions& options)
      : schema_(std::move(schema)), options_(options) {}

  /// Reads list files and the records header; false with errors() on failure.
  bool Open(const std::string& dir);

  bool Next(Batch* out, int64_t max_rows) override;
  const std::vector<DataError>& errors() const override { return errors_; }
  const std::vector<DataError>& warnings() const override { return warnings_; }
  const LoadStats& stats() const override { return stats_; }

 private:
  bool AddError(const std::string& file, int64_t line, std::string column, int64_t column_index, std::string message) {
    if (errors_.size() < kMaxErrors)
      errors_.push_back(DataError{file, line, std::move(column), column_index, std::move(message)});
    return errors_.size() < kMaxErrors;
  }
  bool full() const { return errors_.size() >= kMaxErrors; }
  /// The header name of 1-based field `index` of `header`, for CSV errors.
  static std::string HeaderName(const std::vector<std::string>& header, size_t index) {
    return index >= 1 && index <= header.size() ? header[index - 1] : std::string();
  }
  /// Reads (or, without a header line, assumes) the header of `file` and maps
  /// `specs` and the `parent` key column to it; errors for missing or
  /// duplicate columns, warnings (errors when strict) for columns the schema
  /// lacks. `*data_begin`/`*data_line`: where the rows start.
  bool BindHeader(const std::string& path, const CsvDialect& dialect, const MappedFile& file,
                  std::vector<std::string>* header, std::vector<FieldSpec>* specs, const std::string* parent,
                  int* parent_index, size_t* data_begin, int64_t* data_line);
  bool LoadList(const std::string& dir, const ColumnDef& def, ListData* list);
  void ParseListChunk(CsvTokenizer& t, const ListData& list, const std::vector<std::string>& header, int parent_index,
                      ListSlot* s);
  /// Groups a loaded list's rows by owner key id (list->chunks -> staging).
  bool GroupList(ListData* list);
  void ParseRecordChunk(CsvTokenizer& t, RecordSlot* s);
  /// Appends each record's list rows to the chunk's batches (key ids known).
  void AttachLists(RecordSlot* s) const;
  bool AcceptRecordChunk(RecordSlot* s, int64_t first_line);
  /// Adds a chunk's errors to errors_ in file order; false when full.
  bool AddChunkErrors(const std::string& path, std::vector<ChunkError>& errors, int64_t first_line);
  void Finish();

  std::shared_ptr<const Schema> schema_;
  LoadOptions options_;
  std::vector<DataError> errors_;
  std::vector<DataError> warnings_;
  LoadStats stats_;
  ShardedKeyTable list_keys_;    ///< parent keys of list rows (read-only once the lists are loaded)
  ShardedKeyTable record_keys_;  ///< record keys no list row names (interned by record chunk workers)
  std::vector<uint8_t> seen_;         ///< per list_keys_ id: already read as a record
  std::vector<uint8_t> seen_record_;  ///< per record_keys_ id: the same
  std::vector<ListData> lists_;
  std::vector<FieldSpec> fields_;  ///< record columns (not lists)
  FieldSpec key_spec_;
  std::vector<std::string> header_;
  std::string records_path_;
  MappedFile records_file_;
  std::unique_ptr<ChunkPipeline> pipeline_;
  std::vector<RecordSlot> slots_;
  std::deque<Batch> ready_;
  int64_t max_rows_ = 0;
  std::string null_token_;  ///< of the records file
  bool done_ = false;
};

std::string ClosestColumn(const std::string& name, const std::vector<std::string>& candidates) {
  std::string best = ClosestMatch(name, candidates);
  if (!best.empty()) return best;
  size_t best_prefix = 0;
  for (const std::string& c : candidates) {
    const std::string& s = name.size() <= c.size() ? name : c;  // the shorter abbreviates the longer
    const std::string& l = name.size() <= c.size() ? c : name;
    size_t j = 0;
    for (size_t i = 0; i < l.size() && j < s.size(); ++i)
      if (l[i] == s[j]) ++j;
    if (j != s.size()) continue;
    size_t prefix = 0;
    while (prefix < s.size() && s[prefix] == l[prefix]) ++prefix;
    if (prefix >= 3 && prefix > best_prefix) {
      best_prefix = prefix;
      best = c;
    }
  }
  return best;
}

/// Index of `name` in `header`; -2 if it appears more than once, -1 if absent.
int FindHeader(const std::vector<std::string>& header, std::string_view name, int* second) {
  int found = -1;
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] != name) continue;
    if (found >= 0) {
      *second = static_cast<int>(i);
      return -2;
    }
    found = static_cast<int>(i);
  }
  return found;
}

bool CsvRecordReader::BindHeader(const std::string& path, const CsvDialect& dialect, const MappedFile& file,
                                 std::vector<std::string>* header, std::vector<FieldSpec>* specs,
                                 const std::string* parent, int* parent_index, size_t* data_begin,
                                 int64_t* data_line) {
  // The names the schema expects, in declaration order (the order of a file
  // without a header line).
  std::vector<std::string> expected;
  if (parent) expected.push_back(*parent);
  for (const FieldSpec& spec : *specs) expected.push_back(spec.name);
  const size_t bom = BomLength(file.data(), file.size());
  *data_begin = bom;
  *data_line = 1;
  if (dialect.header) {
    CsvTokenizer t(dialect);
    t.Reset(file.data(), file.size(), bom, file.size(), /*speculative=*/false, 0);
    auto st = t.Next();
    if (st == CsvTokenizer::Status::kError) {
      AddError(path, 1 + t.line(), "", static_cast<int64_t>(t.error_field()), t.error());
      return false;
    }
    if (st != CsvTokenizer::Status::kRecord) {
      AddError(path, 0, "", 0, "empty file; expected a header row naming the columns");
      return false;
    }
    header->clear();
    bool ok = true;
    for (size_t i = 0; i < t.num_fields(); ++i) {
      header->emplace_back(t.field(i));
      if (const char* bad = CheckText(t.field(i))) {
        // The name itself cannot be shown safely: locate it by position.
        AddError(path, 1 + t.line(), "", static_cast<int64_t>(i + 1), fmt::format("{} in a header name", bad));
        ok = false;
      }
    }
    if (!ok) return false;
    *data_begin = t.end();
    *data_line = 1 + t.lines();
  } else {
    *header = expected;
  }
  const std::vector<std::string>& h = *header;
  // Header columns no field reads: a typo, or a column the schema forgot.
  std::vector<std::string> unknown;
  for (size_t i = 0; i < h.size(); ++i) {
    if (std::find(expected.begin(), expected.end(), h[i]) != expected.end()) continue;
    unknown.push_back(h[i]);
    std::string closest = ClosestColumn(h[i], expected);
    std::string hint = closest.empty() ? std::string() : fmt::format("; did you mean `{}`?", closest);
    DataError e{path, 1, h[i], static_cast<int64_t>(i + 1),
                fmt::format("column is not in the schema{}", hint.empty() ? "; it is ignored" : hint)};
    if (options_.strict_data) {
      e.message += " (an error with --strict-data)";
      AddError(e.file, e.line, e.column, e.column_index, e.message);
    } else {
      warnings_.push_back(std::move(e));
    }
  }
  auto missing_hint = [&](const std::string& name) {
    std::string m = ClosestColumn(name, unknown);
    return m.empty() ? std::string() : fmt::format(" (did you mean the header's `{}`?)", m);
  };
  bool ok = errors_.empty();
  int second = -1;
  if (parent) {
    *parent_index = FindHeader(h, *parent, &second);
    if (*parent_index == -1) {
      AddError(path, 1, *parent, 0, "parent key column is missing from the header" + missing_hint(*parent));
      ok = false;
    } else if (*parent_index == -2) {
      AddError(path, 1, *parent, second + 1, "column appears more than once in the header");
      ok = false;
    }
  }
  const ColumnId key_col = parent ? kNoColumn : schema_->key_column();
  for (FieldSpec& spec : *specs) {
    spec.header_index = FindHeader(h, spec.name, &second);
    if (spec.header_index == -2) {
      AddError(path, 1, spec.name, second + 1, "column appears more than once in the header");
      ok = false;
    } else if (spec.header_index == -1 && !spec.may_be_absent) {
      // Even an optional field's column must be there: a misspelled header
      // would otherwise leave every value silently missing.
      std::string what = spec.column == key_col && !parent ? "key column is missing from the header"
                         : !spec.optional && spec.kind != TypeKind::kStringSet
                             ? "required column is missing from the header"
                             : "column is missing from the header; mark the field `if present` in the schema if "
                               "files may lack it";
      AddError(path, 1, spec.name, 0, what + missing_hint(spec.name));
      ok = false;
    }
  }
  return ok;
}

bool CsvRecordReader::AddChunkErrors(const std::string& path, std::vector<ChunkError>& errors, int64_t first_line) {
  // Stable: errors of one record keep their order (key first, then columns).
  std::stable_sort(errors.begin(), errors.end(), [](const ChunkError& a, const ChunkError& b) { return a.line < b.line; });
  for (ChunkError& e : errors)
    if (!AddError(path, first_line + e.line, std::move(e.column), e.column_index, std::move(e.message))) return false;
  return true;
}

void CsvRecordReader::ParseListChunk(CsvTokenizer& t, const ListData& list, const std::vector<std::string>& header,
                                     int parent_index, ListSlot* s) {
  // The chunk's columns are kept until the file is read: reserved for about
  // as many rows as this slot's previous chunk had, so they are not grown
  // by copying into ever larger fresh buffers.
  const int64_t expect = static_cast<int64_t>(s->parents.size() + s->parents.size() / 8);
  s->staging.clear();
  for (const FieldSpec& spec : list.fields) {
    ColumnData& c = s->staging.emplace_back(MakeStagingColumn(spec.kind));
    if (spec.projected) c.Reserve(expect);
  }
  s->parents.clear();
  s->keys_full = false;
  s->errors.clear();
  const size_t width = header.size();
  for (;;) {
    auto st = t.Next();
    if (st == CsvTokenizer::Status::kEnd || st == CsvTokenizer::Status::kAbort) break;
    if (s->errors.size() >= kMaxErrors) continue;  // this chunk alone fills the report: only find its end
    if (st == CsvTokenizer::Status::kError) {
      s->errors.push_back({t.line(), HeaderName(header, t.error_field()), static_cast<int64_t>(t.error_field()), t.error()});
      continue;
    }
    if (t.num_fields() != width) {
      s->errors.push_back({t.line(), "", 0, fmt::format("expected {} fields as in the header, found {}", width, t.num_fields())});
      continue;
    }
    std::string_view parent = t.field(static_cast<size_t>(parent_index));
    if (parent.empty() || parent == s->parser.null_token) {
      s->errors.push_back({t.line(), header[parent_index], parent_index + 1, "missing parent key"});
      continue;
    }
    for (size_t i = 0; i < list.fields.size(); ++i) {
      const FieldSpec& spec = list.fields[i];
      if (!spec.projected) continue;
      std::string_view cell = spec.header_index >= 0 ? t.field(static_cast<size_t>(spec.header_index)) : "";
      if (!s->parser.Append(spec, cell, &s->staging[i], &s->message))
        s->errors.push_back({t.line(), spec.name, spec.header_index + 1, s->message});
    }
    s->parents.push_back(parent);
  }
  // The owners' key ids, on this worker: the calling thread only splices.
  // (After an error the rows are not used; they are still interned, harmlessly.)
  // Keys are hashed there, unless dense.
  s->parent_ids.resize(s->parents.size());
  s->keys_full = !list_keys_.InternAll(s->parents.data(), nullptr, nullptr, s->parents.size(), s->parent_ids.data(),
                                       &s->scratch);
}

bool CsvRecordReader::LoadList(const std::string& dir, const ColumnDef& def, ListData* list) {
  const ListSource* src = nullptr;
  for (const ListSource& ls : schema_->list_sources)
    if (ls.field == def.path) src = &ls;
  list->path = (std::filesystem::path(dir) / (src ? src->file : def.path + ".csv")).string();
  if (!src) {
    AddError(list->path, 0, def.path, 0, "the schema names no source file and parent column for this list field");
    return false;
  }
  const RecordDef* elem = def.type.record_def.get();
  if (!elem) {
    AddError(list->path, 0, def.path, 0, "list field without an element record type");
    return false;
  }
  for (size_t i = 0; i < elem->fields.size(); ++i) {
    const FieldDef& f = elem->fields[i];
    FieldSpec spec;
    spec.name = f.source.empty() ? f.name : f.source;
    SetKind(&spec, f.type.kind, f.type.enum_def.get());
    spec.optional = f.optional;
    spec.may_be_absent = f.may_be_absent;
    spec.column = static_cast<ColumnId>(i);
    spec.projected = options_.ConvertsElement(list->column, i);
    if (!IsCellKind(spec.kind)) {
      AddError(list->path, 0, spec.name, 0,
               fmt::format("element fields of type `{}` cannot be read from CSV", f.type.ToString()));
      return false;
    }
    list->fields.push_back(std::move(spec));
    list->staging.push_back(MakeStagingColumn(f.type.kind));
  }
  std::error_code ec;
  if (def.synthetic || !std::filesystem::exists(list->path, ec)) {  // synthetic: filled by the run pipeline
    list->num_groups = 0;
    list->group_start.assign(1, 0);
    return true;  // no file: every list is empty
  }

  MappedFile file;
  if (!file.Open(list->path)) {
    AddError(list->path, 0, "", 0, file.error());
    return false;
  }
  std::vector<std::string> header;
  int parent_index = -1;
  size_t begin = 0;
  int64_t first_line = 1;
  if (!BindHeader(list->path, src->dialect, file, &header, &list->fields, &src->parent_column, &parent_index, &begin,
                  &first_line))
    return false;

  if (options_.projection && !list->projected) {
    // The program reads no field of this list (and `--validate all` is
    // off): its header is checked, its rows are neither tokenized nor
    // converted, and every record's list is empty (the column is absent).
    list->num_groups = 0;
    list->group_start.assign(1, 0);
    stats_.lists_not_read += 1;
    return true;
  }

  // Sized up front (growing rehashes every key and copies every row id):
  // about one owner per record, the rows as the file's lines.
  // Keys shaped like the first row's (a prefix and a number) take their
  // number as id (DenseKeys); numbers up to twice the records are dense.
  if (MappedFile records; records.Open((std::filesystem::path(dir) / schema_->records_file).string())) {
    const size_t expect = EstimateRows(records, BomLength(records.data(), records.size()));
    list_keys_.ConfigureDense(FirstCell(file, src->dialect, begin, parent_index), 2 * expect + 4096);
    list_keys_.Reserve(expect, options_.threads);
  }
  list->row_key.reserve(EstimateRows(file, begin) / 8 * 9);
  ChunkPipeline pipeline(file, src->dialect, begin, first_line, options_.threads, options_.chunk_bytes);
  std::vector<ListSlot> slots(pipeline.slots());
  for (ListSlot& s : slots) s.parser.null_token = src->dialect.null_token;
  auto parse = [&](CsvTokenizer& t, size_t slot) { ParseListChunk(t, *list, header, parent_index, &slots[slot]); };
  // Accepting a chunk only splices what its worker built (key ids and
  // staging columns, moved): it touches no state parsing reads, so it
  // overlaps the parse of the next chunks.
  auto accept = [&](size_t slot, int64_t line) {
    ListSlot& s = slots[slot];
    if (!AddChunkErrors(list->path, s.errors, line)) return false;
    if (!errors_.empty()) return true;  // keep scanning for more errors; the data is not used
    if (s.keys_full || list->row_key.size() + s.parents.size() >= UINT32_MAX - 1) {
      AddError(list->path, line, "", 0, s.keys_full ? "too many distinct keys in list file" : "too many rows in list file");
      return false;
    }
    list->row_key.insert(list->row_key.end(), s.parent_ids.begin(), s.parent_ids.end());
    if (!s.parents.empty()) {
      list->chunks.push_back(std::move(s.staging));
      list->chunk_lines.push_back(line);
    }
    s.staging.clear();
    return true;
  };
  while (pipeline.Round(parse, accept, /*accept_early=*/true)) file.Release(pipeline.position());
  if (!errors_.empty()) return false;
  stats_.list_rows += static_cast<int64_t>(list->row_key.size());
  return GroupList(list);
}

/// Column `f` of a list's chunks reordered by owner: row r of the
/// concatenation (chunk by chunk) goes to position `dest[r]`. Fixed-width
/// values and dictionary codes (mapped into one dictionary) are scattered
/// straight from the chunks, by row ranges on several threads when no chunk
/// has nulls (each position is written once, and the validity is all set up
/// front); other kinds (booleans, sets, strings that no longer fit a
/// dictionary) are concatenated, then reordered.
class FieldScatter {
 public:
  FieldScatter(std::vector<std::vector<ColumnData>>& chunks, size_t f, TypeKind kind, size_t n)
      : chunks_(chunks), f_(f), n_(n), out_(MakeStagingColumn(kind)) {
    const bool fixed = FixedWidth(kind) != 0;
    bool codes = kind == TypeKind::kString;
    maps_.resize(chunks.size());
    if (codes) {
      for (size_t c = 0; c < chunks.size() && codes; ++c) {
        const ColumnData& src = chunks[c][f];
        if (src.encoding != StringEncoding::kDictionary) {
          codes = false;
          break;
        }
        maps_[c].resize(static_cast<size_t>(src.dictionary.size()));
        for (int32_t k = 0; k < src.dictionary.size(); ++k) maps_[c][k] = out_.dictionary.Intern(src.dictionary.at(k));
        if (out_.dictionary.size() > kMaxDictionaryEntries) codes = false;
      }
    }
    direct_ = fixed || codes;
    if (!direct_) return;
    width_ = codes ? 4 : FixedWidth(kind);
    codes_ = codes;
    nulls_ = false;
    for (size_t c = 0; c < chunks.size(); ++c) nulls_ |= chunks[c][f].has_nulls;
    out_.values.resize(n * width_);
    out_.validity.assign((n + 7) / 8, nulls_ ? 0 : 0xFF);
    if (!nulls_ && n % 8 != 0) out_.validity.back() = static_cast<uint8_t>((1u << (n % 8)) - 1);
    out_.length = static_cast<int64_t>(n);
    // Where each chunk starts in the concatenation.
    first_.push_back(0);
    for (size_t c = 0; c < chunks.size(); ++c) first_.push_back(first_.back() + static_cast<size_t>(chunks[c][f].length));
  }
  /// How many row ranges the rows may be split into (1: one task only).
  size_t parts(size_t threads) const { return direct_ && !nulls_ ? std::max<size_t>(threads, 1) : 1; }
  /// Does part `part` of `parts`; false when the column is too large
  /// (`*bad_chunk`: the chunk where it overflowed).
  bool Run(const uint32_t* dest, size_t part, size_t parts, size_t* bad_chunk) {
    if (!direct_) return Concatenated(dest, bad_chunk);
    const size_t begin = n_ * part / parts, end = n_ * (part + 1) / parts;
    size_t c = static_cast<size_t>(std::upper_bound(first_.begin(), first_.end(), begin) - first_.begin()) - 1;
    uint8_t* to = out_.values.data();
    uint8_t* valid = out_.validity.data();
    for (size_t r = begin; r < end && c < chunks_.size(); ++c) {
      const ColumnData& src = chunks_[c][f_];
      const uint8_t* from = src.values.data();
      const uint8_t* src_valid = nulls_ && src.has_nulls ? src.validity.data() : nullptr;
      const size_t stop = std::min(end, first_[c + 1]);
      const int32_t* map = maps_[c].data();
      for (size_t k = r - first_[c]; r < stop; ++k, ++r) {
        const size_t d = dest[r];
        if (src_valid && !GetBit(src_valid, static_cast<int64_t>(k))) {
          out_.has_nulls = true;
          continue;  // a null's value bytes stay zero (code 0)
        }
        if (nulls_) valid[d >> 3] |= uint8_t(1u << (d & 7));
        if (codes_) {
          int32_t code;
          std::memcpy(&code, from + k * 4, 4);
          std::memcpy(to + d * 4, &map[code], 4);
        } else if (width_ == 8) {
          std::memcpy(to + d * 8, from + k * 8, 8);
        } else if (width_ == 4) {
          std::memcpy(to + d * 4, from + k * 4, 4);
        } else {
          to[d] = from[k];
        }
      }
    }
    return true;
  }
  /// The reordered column (once every part has run); releases the chunks' copies.
  ColumnData Take() {
    for (std::vector<ColumnData>& chunk : chunks_) chunk[f_] = ColumnData();
    return std::move(out_);
  }

 private:
  bool Concatenated(const uint32_t* dest, size_t* bad_chunk) {
    ColumnData all = MakeStagingColumn(out_.kind);
    for (size_t c = 0; c < chunks_.size(); ++c) {
      CodeMap map;
      CopyRange(chunks_[c][f_], 0, chunks_[c][f_].length, &all, &map);
      chunks_[c][f_] = ColumnData();
      if (StringBytes(all) > size_t{INT32_MAX} / 2) {
        *bad_chunk = c;
        return false;
      }
    }
    std::vector<uint32_t> order(n_);
    for (uint32_t r = 0; r < n_; ++r) order[dest[r]] = r;
    out_ = Gather(std::move(all), order.data(), n_);
    return true;
  }

  std::vector<std::vector<ColumnData>>& chunks_;
  size_t f_, n_;
  ColumnData out_;
  std::vector<std::vector<int32_t>> maps_;  ///< per chunk: its dictionary codes -> out_'s
  std::vector<size_t> first_;               ///< per chunk (+ end): its first row
  bool direct_ = false, codes_ = false, nulls_ = true;
  size_t width_ = 0;
};

bool CsvRecordReader::GroupList(ListData* list) {
  // Group rows by owner key id (a counting sort): row r of the file goes to
  // position dest[r], so a record's rows are one contiguous range.
  // In place, so no more memory is touched: group_start[g + 1] first counts
  // group g's rows; summed, group_start[g] is where group g starts and
  // serves as its fill position, so once every row is placed it is where g
  // ends: shifted up by one, where g + 1 starts. row_key[r] becomes row r's
  // position.
  const size_t n = list->row_key.size();
  list->num_groups = list_keys_.id_limit();
  std::vector<uint32_t>& start = list->group_start;
  start.assign(list->num_groups + 1, 0);
  for (uint32_t k : list->row_key) ++start[k + 1];
  for (size_t g = 0; g < list->num_groups; ++g) start[g + 1] += start[g];
  for (uint32_t& k : list->row_key) k = start[k]++;
  for (size_t g = list->num_groups; g > 0; --g) start[g] = start[g - 1];
  start[0] = 0;
  std::vector<uint32_t> dest = std::move(list->row_key);
  list->row_key = {};
  // Columns are built independently, null-free fixed-width ones also by
  // row ranges: on up to `threads` threads.
  const size_t threads = static_cast<size_t>(std::max(options_.threads, 1));
  std::deque<FieldScatter> fields;
  std::vector<std::pair<size_t, size_t>> tasks;  // (field, part)
  std::vector<size_t> field_of;
  for (size_t f = 0; f < list->staging.size(); ++f) {
    if (!list->fields[f].projected) continue;
    fields.emplace_back(list->chunks, f, list->fields[f].kind, n);
    field_of.push_back(f);
    for (size_t p = 0; p < fields.back().parts(threads); ++p) tasks.emplace_back(fields.size() - 1, p);
  }
  std::atomic<size_t> next{0};
  std::vector<size_t> bad(list->staging.size(), SIZE_MAX);
  ParallelFor(std::min<size_t>(threads, tasks.size()), [&](size_t) {
    for (size_t t; (t = next.fetch_add(1)) < tasks.size();) {
      const auto [i, part] = tasks[t];
      fields[i].Run(dest.data(), part, fields[i].parts(threads), &bad[field_of[i]]);
    }
  });
  for (size_t i = 0; i < fields.size(); ++i) list->staging[field_of[i]] = fields[i].Take();
  list->chunks.clear();
  for (size_t f = 0; f < bad.size(); ++f) {
    if (bad[f] == SIZE_MAX) continue;
    const FieldSpec& spec = list->fields[f];
    AddError(list->path, list->chunk_lines[bad[f]], spec.name, spec.header_index + 1, "list file too large to load");
    return false;
  }
  return true;
}

bool CsvRecordReader::Open(const std::string& dir) {
  const Schema& schema = *schema_;
  // Lists first: their groups must exist before records stream by.
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (def.type.kind != TypeKind::kList) continue;
    ListData list;
    list.column = id;
    list.projected = options_.Converts(id, schema.key_column());
    if (!LoadList(dir, def, &list)) return false;
    lists_.push_back(std::move(list));
  }

  records_path_ = (std::filesystem::path(dir) / schema.records_file).string();
  if (!records_file_.Open(records_path_)) {
    AddError(records_path_, 0, "", 0, records_file_.error());
    return false;
  }
  ColumnId key_col = schema.key_column();
  if (key_col == kNoColumn) {
    AddError(records_path_, 0, schema.key_field, 0, "the schema's key field is not a column");
    return false;
  }
  bool ok = true;
  for (ColumnId id = 0; id < schema.columns.size(); ++id) {
    const ColumnDef& def = schema.columns[id];
    if (def.type.kind == TypeKind::kList) continue;
    FieldSpec spec;
    spec.name = def.source.empty() ? def.path : def.source;
    SetKind(&spec, def.type.kind, def.type.enum_def.get());
    spec.optional = def.optional && id != key_col;
    spec.may_be_absent = def.may_be_absent && id != key_col;
    spec.column = id;
    spec.projected = options_.Converts(id, key_col);
    if (!IsCellKind(spec.kind)) {
      AddError(records_path_, 0, spec.name, 0,
               fmt::format("fields of type `{}` cannot be read from CSV", def.type.ToString()));
      ok = false;
      continue;
    }
    fields_.push_back(std::move(spec));
  }
  if (!ok) return false;
  size_t begin = 0;
  int64_t first_line = 1;
  if (!BindHeader(records_path_, schema.records_dialect, records_file_, &header_, &fields_, nullptr, nullptr, &begin,
                  &first_line))
    return false;
  for (const FieldSpec& spec : fields_)
    if (spec.column == key_col) key_spec_ = spec;
  null_token_ = schema.records_dialect.null_token;
  // The key tables grow by rehashing every key: size the one for record
  // keys no list row names up front.
  {
    const size_t records = EstimateRows(records_file_, begin);
    size_t listed = 0;
    for (const ListData& list : lists_) listed = std::max(listed, list.num_groups);
    record_keys_.ConfigureDense(FirstCell(records_file_, schema.records_dialect, begin, key_spec_.header_index),
                                2 * records + 4096);
    if (records > listed) record_keys_.Reserve(records - listed, options_.threads);
  }
  pipeline_ = std::make_unique<ChunkPipeline>(records_file_, schema.records_dialect, begin, first_line,
                                              options_.threads, options_.chunk_bytes);
  slots_ = std::vector<RecordSlot>(pipeline_->slots());
  for (RecordSlot& s : slots_) {
    s.parser.null_token = null_token_;
    for (const ListData& list : lists_) s.list_maps.emplace_back(list.staging.size());
  }
  return true;
}

void CsvRecordReader::ParseRecordChunk(CsvTokenizer& t, RecordSlot* s) {
  s->batches.clear();
  s->key_ids.clear();
  s->lines.clear();
  s->keys.clear();
  s->unescaped_keys.clear();
  s->hashes.clear();
  s->prefixes.clear();
  s->key_rows.clear();
  s->keys_full = false;
  s->errors.clear();
  s->rows = 0;
  const size_t width = header_.size();
  const size_t key_index = static_cast<size_t>(key_spec_.header_index);
  // Records are tokenized a grid at a time (rows small enough that a grid
  // stays in cache) and converted column by column.
  constexpr size_t kGridRows = 1024;
  CsvRecordBatch& grid = s->grid;
  Batch* out = nullptr;
  for (auto st = CsvTokenizer::Status::kRecord; st == CsvTokenizer::Status::kRecord;) {
    const int64_t room = out && out->num_rows() < max_rows_ ? max_rows_ - out->num_rows() : max_rows_;
    const size_t want = std::min(kGridRows, static_cast<size_t>(room));
    st = t.NextRecords(&grid, width, want);
    // This chunk alone fills the report: only find its end. (A grid's
    // errors are all kept; sorted by line, the first kMaxErrors are those
    // of record-at-a-time conversion.)
    if (s->errors.size() >= kMaxErrors) continue;
    for (const CsvRecordBatch::Bad& bad : grid.bad()) {
      if (bad.error) s->errors.push_back({bad.line, HeaderName(header_, bad.error_field), static_cast<int64_t>(bad.error_field), bad.error});
      else s->errors.push_back({bad.line, "", 0, fmt::format("expected {} fields as in the header, found {}", width, bad.num_fields)});
    }
    const size_t rows = grid.rows();
    if (rows == 0) continue;
    if (out == nullptr || out->num_rows() >= max_rows_) {
      out = &s->batches.emplace_back(*schema_);
      for (const FieldSpec& spec : fields_) out->column(spec.column).absent = !spec.projected;
      for (const ListData& list : lists_) {
        ColumnData& col = out->column(list.column);
        col.absent = !list.projected;
        for (size_t f = 0; f < list.fields.size() && f < col.children.size(); ++f)
          col.children[f].absent = !list.fields[f].projected;
      }
      for (size_t i = 0; i < out->num_columns(); ++i)
        if (!out->absent(static_cast<ColumnId>(i)))
          out->column(static_cast<ColumnId>(i)).Reserve(std::min(max_rows_, kMaxReserveRows));
      s->code_caches.resize(fields_.size());
      for (size_t f = 0; f < fields_.size(); ++f)
        if (fields_[f].projected && (fields_[f].kind == TypeKind::kString || fields_[f].kind == TypeKind::kStringSet))
          s->code_caches[f].Reset();  // the batch's dictionaries are new
    }
    // The key first: duplicates and list groups depend on it. Its id is
    // looked up once the chunk is read (AttachLists); whether it is a
    // duplicate is decided in file order when the chunk is accepted.
    const size_t first_row = s->lines.size();
    const int64_t* lines = grid.lines().data();
    const auto file_begin = reinterpret_cast<uintptr_t>(records_file_.data());
    const uintptr_t file_size = records_file_.size();
    s->lines.insert(s->lines.end(), grid.lines().begin(), grid.lines().end());
    bool missing_key = false;
    for (size_t r = 0; r < rows; ++r) {
      std::string_view key = grid.field(r, key_index);
      if (key.empty() || key == s->parser.null_token) {
        s->errors.push_back({lines[r], key_spec_.name, key_spec_.header_index + 1, "missing record key"});
        missing_key = true;
        continue;
      }
      if (reinterpret_cast<uintptr_t>(key.data()) - file_begin >= file_size) key = s->unescaped_keys.emplace_back(key);
      s->keys.push_back(key);
      s->hashes.push_back(HashBytes(key));
      s->prefixes.push_back(KeyTable::Prefix(key));
      s->key_rows.push_back(static_cast<uint32_t>(first_row + r));
    }
    for (size_t f = 0; f < fields_.size(); ++f) {
      const FieldSpec& spec = fields_[f];
      if (!spec.projected) continue;
      ColumnData& col = out->column(spec.column);
      if (spec.header_index < 0) {  // `if present` column the header lacks: every cell empty
        for (size_t r = 0; r < rows; ++r)
          if (!s->parser.Append(spec, "", &col, &s->message))
            s->errors.push_back({lines[r], spec.name, spec.header_index + 1, s->message});
        continue;
      }
      const GridColumn g{grid, rows, static_cast<size_t>(spec.header_index), lines, spec, s->parser, &s->errors, &s->message};
      if (spec.column == key_spec_.column && missing_key) {
        for (size_t r = 0; r < rows; ++r) {
          const std::string_view key = g.cell(r);
          if (key.empty() || key == s->parser.null_token) col.AppendNull();  // already reported
          else if (!s->parser.Append(spec, key, &col, &s->message))
            s->errors.push_back({lines[r], spec.name, spec.header_index + 1, s->message});
        }
        continue;
      }
      ConvertColumn(g, &col, &s->cell_scratch, &s->code_caches[f]);
    }
    out->set_num_rows(out->num_rows() + static_cast<int64_t>(rows));
    s->rows += static_cast<int64_t>(rows);
  }
  // Key ids: of the keys list rows named (the list key table is read-only
  // by now), else interned into record_keys_.
  s->key_ids.assign(s->lines.size(), UINT32_MAX);
  s->found.resize(s->keys.size());
  list_keys_.FindAll(s->keys.data(), s->hashes.data(), s->prefixes.data(), s->keys.size(), s->found.data());
  s->new_keys.clear();
  s->new_hashes.clear();
  s->new_prefixes.clear();
  s->new_rows.clear();
  for (size_t k = 0; k < s->keys.size(); ++k) {
    if (s->found[k] != UINT32_MAX) {
      s->key_ids[s->key_rows[k]] = s->found[k];
      continue;
    }
    s->new_keys.push_back(s->keys[k]);
    s->new_hashes.push_back(s->hashes[k]);
    s->new_prefixes.push_back(s->prefixes[k]);
    s->new_rows.push_back(s->key_rows[k]);
  }
  s->new_ids.resize(s->new_keys.size());
  s->keys_full = !record_keys_.InternAll(s->new_keys.data(), s->new_hashes.data(), s->new_prefixes.data(),
                                         s->new_keys.size(), s->new_ids.data(), &s->scratch);
  for (size_t k = 0; k < s->new_rows.size(); ++k) s->key_ids[s->new_rows[k]] = s->new_ids[k] | kRecordOnlyKey;
  AttachLists(s);
}

void CsvRecordReader::AttachLists(RecordSlot* s) const {
  constexpr size_t kAhead = 8;
  size_t first = 0;  // the chunk row of the batch's first row
  for (Batch& b : s->batches) {
    const size_t n = static_cast<size_t>(b.num_rows());
    const uint32_t* ids = s->key_ids.data() + first;
    for (size_t l = 0; l < lists_.size(); ++l) {
      const ListData& list = lists_[l];
      if (!list.projected) continue;
      // Each record's group, looked up ahead (random reads), then its
      // elements copied with one exact reservation per child column.
      s->ranges.resize(n);
      int64_t total = 0;
      for (size_t r = 0; r < n; ++r) {
        if (r + kAhead < n && ids[r + kAhead] < list.num_groups) __builtin_prefetch(&list.group_start[ids[r + kAhead]]);
        const uint32_t id = ids[r];
        if (id < list.num_groups) s->ranges[r] = {list.group_start[id], list.group_start[id + 1]};
        else s->ranges[r] = {0, 0};  // no rows, or a key only records have (kRecordOnlyKey), or missing
        total += s->ranges[r].second - s->ranges[r].first;
      }
      ColumnData& col = b.column(list.column);
      std::vector<CodeMap>& maps = s->list_maps[l];
      for (CodeMap& m : maps) m.Reset();  // the batch's dictionaries are new
      for (size_t f = 0; f < list.staging.size(); ++f)
        if (list.fields[f].projected) col.children[f].Reserve(total);
      // Records whose groups are adjacent in staging form one run, copied
      // with one CopyRange per field: with records in key order and keys
      // numbered (DenseKeys), a whole batch is one run. Elsewhere groups are
      // random reads, so the start of a run is prefetched ahead.
      int64_t run_begin = 0, run_end = 0;
      auto flush = [&] {
        if (run_end > run_begin)
          for (size_t f = 0; f < list.staging.size(); ++f)
            if (list.fields[f].projected) CopyRange(list.staging[f], run_begin, run_end, &col.children[f], &maps[f]);
      };
      for (size_t r = 0; r < n; ++r) {
        const auto [begin, end] = s->ranges[r];
        if (r + kAhead < n) {
          const auto [ahead, ahead_end] = s->ranges[r + kAhead];
          if (ahead_end > ahead && ahead != s->ranges[r + kAhead - 1].second) {
            for (size_t f = 0; f < list.staging.size(); ++f) {
              const ColumnData& st = list.staging[f];
              const size_t w = st.encoding == StringEncoding::kDictionary ? 4 : FixedWidth(st.kind);
              if (w != 0 && list.fields[f].projected) __builtin_prefetch(st.values.data() + static_cast<size_t>(ahead) * w);
            }
          }
        }
        if (end > begin) {
          if (begin != run_end) {
            flush();
            run_begin = begin;
          }
          run_end = end;
        }
        col.AppendListEnd(col.offsets.back() + (end - begin));
      }
      flush();
    }
    first += n;
  }
}

bool CsvRecordReader::AcceptRecordChunk(RecordSlot* s, int64_t first_line) {
  if (s->keys_full) {
    AddError(records_path_, first_line, key_spec_.name, key_spec_.header_index + 1, "too many distinct record keys");
    return false;
  }
  // Duplicate keys, in file order (the workers interned every key). The
  // flags are sized up front and read a few rows ahead: ids are random.
  for (uint32_t id : s->key_ids) {
    if (id == UINT32_MAX) continue;  // missing: already reported
    std::vector<uint8_t>& seen = id & kRecordOnlyKey ? seen_record_ : seen_;
    id &= ~kRecordOnlyKey;
    if (id >= seen.size()) seen.resize(std::max<size_t>(id + 1, seen.size() * 2), 0);
  }
  constexpr size_t kAhead = 16;
  for (size_t r = 0; r < s->key_ids.size(); ++r) {
    if (r + kAhead < s->key_ids.size() && s->key_ids[r + kAhead] != UINT32_MAX) {
      const uint32_t ahead = s->key_ids[r + kAhead];
      const std::vector<uint8_t>& seen = ahead & kRecordOnlyKey ? seen_record_ : seen_;
      __builtin_prefetch(seen.data() + (ahead & ~kRecordOnlyKey));
    }
    uint32_t id = s->key_ids[r];
    if (id == UINT32_MAX) continue;  // missing: already reported
    std::vector<uint8_t>& seen = id & kRecordOnlyKey ? seen_record_ : seen_;
    id &= ~kRecordOnlyKey;
    if (seen[id]) {
      s->errors.push_back({s->lines[r], key_spec_.name, key_spec_.header_index + 1,
                           "duplicate record key; each record's key must be unique"});
    }
    seen[id] = 1;
  }
  // A record's key error comes before its cell errors: sort keeps the order
  // of equal lines, so put key errors first among equals.
  std::stable_sort(s->errors.begin(), s->errors.end(), [&](const ChunkError& a, const ChunkError& b) {
    if (a.line != b.line) return a.line < b.line;
    return a.column_index == key_spec_.header_index + 1 && b.column_index != key_spec_.header_index + 1;
  });
  if (!AddChunkErrors(records_path_, s->errors, first_line)) return false;
  if (!errors_.empty()) return true;  // keep scanning for more errors; no batch is handed out
  for (Batch& b : s->batches) ready_.push_back(std::move(b));
  s->batches.clear();
  stats_.records += s->rows;
  return true;
}

void CsvRecordReader::Finish() {
  done_ = true;
  if (!errors_.empty()) return;
  int64_t unmatched = 0;
  for (const ListData& list : lists_) {
    for (size_t g = 0; g < list.num_groups; ++g) {
      if (g < seen_.size() && seen_[g]) continue;
      unmatched += list.group_start[g + 1] - list.group_start[g];
    }
  }
  stats_.list_rows_unmatched = unmatched;
}

bool CsvRecordReader::Next(Batch* out, int64_t max_rows) {
  if (done_ || !errors_.empty() || max_rows <= 0) return false;
  if (max_rows_ == 0) max_rows_ = max_rows;
  auto parse = [&](CsvTokenizer& t, size_t slot) { ParseRecordChunk(t, &slots_[slot]); };
  auto accept = [&](size_t slot, int64_t line) { return AcceptRecordChunk(&slots_[slot], line); };
  // After an error keep reading (up to kMaxErrors are reported at once), but
  // hand out nothing. Chunk 0 is accepted while the workers still parse
  // (accepting writes seen_, errors_ and ready_, which parsing never reads).
  while ((ready_.empty() || !errors_.empty()) && !pipeline_->done() && !full()) {
    pipeline_->Round(parse, accept, /*accept_early=*/true);
    records_file_.Release(pipeline_->position());
  }
  if (!errors_.empty()) {
    done_ = true;
    ready_.clear();
    return false;
  }
  if (ready_.empty()) {
    Finish();
    return false;
  }
  *out = std::move(ready_.front());
  ready_.pop_front();
  return out->num_rows() > 0;
}

}  // namespace

std::unique_ptr<RecordReader> OpenRecordReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                               const LoadOptions& options, std::vector<DataError>* errors,
                                               std::vector<DataError>* warnings) {
  auto reader = std::make_unique<CsvRecordReader>(std::move(schema), options);
  const bool ok = reader->Open(dir);
  if (warnings) *warnings = reader->warnings();
  if (!ok) {
    if (errors) *errors = reader->errors();
    return nullptr;
  }
  return reader;
}

std::unique_ptr<RecordReader> OpenRecordReader(std::shared_ptr<const Schema> schema, const std::string& dir,
                                               std::vector<DataError>* errors) {
  return OpenRecordReader(std::move(schema), dir, LoadOptions{}, errors);
}

}  // namespace cohort
