// Key tables of the CSV loader (runtime/loader.cpp): record and list-owner
// keys interned to dense ids, hashed (KeyTable, sharded for the load's
// threads) or, for keys made of a prefix and a decimal number, numbered
// (DenseKeys). Internal to the loader's files (runtime/load_*.cpp).
#pragma once

#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdlib>
#include <new>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash.h"
#include "core/parallel.h"

namespace cohort::load {

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
    if (n >= 8 && std::endian::native == std::endian::little) {  // the usual case: the last 8 bytes hold all (or 8 of 9) digits
      if (!EightDigits(key.data() + n - 8, n - p, &v)) return false;
    } else {
      for (size_t i = 0; i < n - p; ++i) {
        const uint32_t c = static_cast<uint32_t>(static_cast<unsigned char>(d[i])) - '0';
        if (c > 9) return false;
        v = v * 10 + c;
      }
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
  /// The number of the last `digits` (1 to 9) bytes of a key whose last 8
  /// bytes start at `last8`, false unless they are all digits: the bytes
  /// before the digits in the word count as `0`, then a SWAR check and
  /// three multiplies (a 9th digit, before the word, is added on its own).
  static bool EightDigits(const char* last8, size_t digits, uint64_t* v) {
    constexpr uint64_t kZeros = 0x3030303030303030ULL, kHigh = 0xF0F0F0F0F0F0F0F0ULL;
    uint64_t w;
    std::memcpy(&w, last8, 8);
    // Memory order: the first byte is the lowest; the digits are the top bytes.
    const size_t in_word = std::min<size_t>(digits, 8);
    const uint64_t keep = in_word == 8 ? ~uint64_t{0} : ~uint64_t{0} << (8 * (8 - in_word));
    w = (w & keep) | (kZeros & ~keep);
    if ((w & kHigh) != kZeros || ((w + 0x0606060606060606ULL) & kHigh) != kZeros) return false;
    uint64_t x = w - kZeros;                                           // 8 digit values, most significant first
    x = (x * 10 + (x >> 8)) & 0x00FF00FF00FF00FFULL;                   // pairs
    x = (x * 100 + (x >> 16)) & 0x0000FFFF0000FFFFULL;                 // quads
    x = (x * 10000 + (x >> 32)) & 0xFFFFFFFFULL;                       // all eight
    if (digits == 9) {
      const uint32_t c = static_cast<uint32_t>(static_cast<unsigned char>(last8[-1])) - '0';
      if (c > 9) return false;
      x += uint64_t{c} * 100000000;
    }
    *v = x;
    return true;
  }
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

  /// Interns `key` if it is dense (DenseKeys: its number is its id, a bit
  /// set); false for a key InternAll hashes. Thread-safe.
  bool InternDense(std::string_view key, uint32_t* id) {
    if (!dense_.Id(key, id)) return false;
    dense_.Add(*id);
    return true;
  }

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


}  // namespace cohort::load
