#include "core/md5.h"

#include <algorithm>
#include <cstring>

namespace cohort {
namespace {

inline uint32_t LoadLe32(const uint8_t* p) {
  return uint32_t{p[0]} | uint32_t{p[1]} << 8 | uint32_t{p[2]} << 16 | uint32_t{p[3]} << 24;
}

// The four round functions and one step of RFC 1321 §3.4, unrolled below so
// every message index, constant and shift is a compile-time constant.
#define COHORT_MD5_F(x, y, z) (((x) & (y)) | (~(x) & (z)))
#define COHORT_MD5_G(x, y, z) (((x) & (z)) | ((y) & ~(z)))
#define COHORT_MD5_H(x, y, z) ((x) ^ (y) ^ (z))
#define COHORT_MD5_I(x, y, z) ((y) ^ ((x) | ~(z)))
#define COHORT_MD5_STEP(f, a, b, c, d, x, k, s)  \
  do {                                              \
    const W t = (a) + f((b), (c), (d)) + (x) + (k); \
    (a) = (b) + ((t << (s)) | (t >> (32 - (s))));   \
  } while (0)

/// The 64 steps of one block on message words `m`, added into `state`. W is
/// uint32_t (one digest) or a vector of them (one digest per lane).
template <class W>
[[gnu::always_inline]] inline void Rounds(W state[4], const W m[16]) {
  W a = state[0], b = state[1], c = state[2], d = state[3];
  COHORT_MD5_STEP(COHORT_MD5_F, a, b, c, d, m[0], 0xd76aa478, 7);
  COHORT_MD5_STEP(COHORT_MD5_F, d, a, b, c, m[1], 0xe8c7b756, 12);
  COHORT_MD5_STEP(COHORT_MD5_F, c, d, a, b, m[2], 0x242070db, 17);
  COHORT_MD5_STEP(COHORT_MD5_F, b, c, d, a, m[3], 0xc1bdceee, 22);
  COHORT_MD5_STEP(COHORT_MD5_F, a, b, c, d, m[4], 0xf57c0faf, 7);
  COHORT_MD5_STEP(COHORT_MD5_F, d, a, b, c, m[5], 0x4787c62a, 12);
  COHORT_MD5_STEP(COHORT_MD5_F, c, d, a, b, m[6], 0xa8304613, 17);
  COHORT_MD5_STEP(COHORT_MD5_F, b, c, d, a, m[7], 0xfd469501, 22);
  COHORT_MD5_STEP(COHORT_MD5_F, a, b, c, d, m[8], 0x698098d8, 7);
  COHORT_MD5_STEP(COHORT_MD5_F, d, a, b, c, m[9], 0x8b44f7af, 12);
  COHORT_MD5_STEP(COHORT_MD5_F, c, d, a, b, m[10], 0xffff5bb1, 17);
  COHORT_MD5_STEP(COHORT_MD5_F, b, c, d, a, m[11], 0x895cd7be, 22);
  COHORT_MD5_STEP(COHORT_MD5_F, a, b, c, d, m[12], 0x6b901122, 7);
  COHORT_MD5_STEP(COHORT_MD5_F, d, a, b, c, m[13], 0xfd987193, 12);
  COHORT_MD5_STEP(COHORT_MD5_F, c, d, a, b, m[14], 0xa679438e, 17);
  COHORT_MD5_STEP(COHORT_MD5_F, b, c, d, a, m[15], 0x49b40821, 22);
  COHORT_MD5_STEP(COHORT_MD5_G, a, b, c, d, m[1], 0xf61e2562, 5);
  COHORT_MD5_STEP(COHORT_MD5_G, d, a, b, c, m[6], 0xc040b340, 9);
  COHORT_MD5_STEP(COHORT_MD5_G, c, d, a, b, m[11], 0x265e5a51, 14);
  COHORT_MD5_STEP(COHORT_MD5_G, b, c, d, a, m[0], 0xe9b6c7aa, 20);
  COHORT_MD5_STEP(COHORT_MD5_G, a, b, c, d, m[5], 0xd62f105d, 5);
  COHORT_MD5_STEP(COHORT_MD5_G, d, a, b, c, m[10], 0x02441453, 9);
  COHORT_MD5_STEP(COHORT_MD5_G, c, d, a, b, m[15], 0xd8a1e681, 14);
  COHORT_MD5_STEP(COHORT_MD5_G, b, c, d, a, m[4], 0xe7d3fbc8, 20);
  COHORT_MD5_STEP(COHORT_MD5_G, a, b, c, d, m[9], 0x21e1cde6, 5);
  COHORT_MD5_STEP(COHORT_MD5_G, d, a, b, c, m[14], 0xc33707d6, 9);
  COHORT_MD5_STEP(COHORT_MD5_G, c, d, a, b, m[3], 0xf4d50d87, 14);
  COHORT_MD5_STEP(COHORT_MD5_G, b, c, d, a, m[8], 0x455a14ed, 20);
  COHORT_MD5_STEP(COHORT_MD5_G, a, b, c, d, m[13], 0xa9e3e905, 5);
  COHORT_MD5_STEP(COHORT_MD5_G, d, a, b, c, m[2], 0xfcefa3f8, 9);
  COHORT_MD5_STEP(COHORT_MD5_G, c, d, a, b, m[7], 0x676f02d9, 14);
  COHORT_MD5_STEP(COHORT_MD5_G, b, c, d, a, m[12], 0x8d2a4c8a, 20);
  COHORT_MD5_STEP(COHORT_MD5_H, a, b, c, d, m[5], 0xfffa3942, 4);
  COHORT_MD5_STEP(COHORT_MD5_H, d, a, b, c, m[8], 0x8771f681, 11);
  COHORT_MD5_STEP(COHORT_MD5_H, c, d, a, b, m[11], 0x6d9d6122, 16);
  COHORT_MD5_STEP(COHORT_MD5_H, b, c, d, a, m[14], 0xfde5380c, 23);
  COHORT_MD5_STEP(COHORT_MD5_H, a, b, c, d, m[1], 0xa4beea44, 4);
  COHORT_MD5_STEP(COHORT_MD5_H, d, a, b, c, m[4], 0x4bdecfa9, 11);
  COHORT_MD5_STEP(COHORT_MD5_H, c, d, a, b, m[7], 0xf6bb4b60, 16);
  COHORT_MD5_STEP(COHORT_MD5_H, b, c, d, a, m[10], 0xbebfbc70, 23);
  COHORT_MD5_STEP(COHORT_MD5_H, a, b, c, d, m[13], 0x289b7ec6, 4);
  COHORT_MD5_STEP(COHORT_MD5_H, d, a, b, c, m[0], 0xeaa127fa, 11);
  COHORT_MD5_STEP(COHORT_MD5_H, c, d, a, b, m[3], 0xd4ef3085, 16);
  COHORT_MD5_STEP(COHORT_MD5_H, b, c, d, a, m[6], 0x04881d05, 23);
  COHORT_MD5_STEP(COHORT_MD5_H, a, b, c, d, m[9], 0xd9d4d039, 4);
  COHORT_MD5_STEP(COHORT_MD5_H, d, a, b, c, m[12], 0xe6db99e5, 11);
  COHORT_MD5_STEP(COHORT_MD5_H, c, d, a, b, m[15], 0x1fa27cf8, 16);
  COHORT_MD5_STEP(COHORT_MD5_H, b, c, d, a, m[2], 0xc4ac5665, 23);
  COHORT_MD5_STEP(COHORT_MD5_I, a, b, c, d, m[0], 0xf4292244, 6);
  COHORT_MD5_STEP(COHORT_MD5_I, d, a, b, c, m[7], 0x432aff97, 10);
  COHORT_MD5_STEP(COHORT_MD5_I, c, d, a, b, m[14], 0xab9423a7, 15);
  COHORT_MD5_STEP(COHORT_MD5_I, b, c, d, a, m[5], 0xfc93a039, 21);
  COHORT_MD5_STEP(COHORT_MD5_I, a, b, c, d, m[12], 0x655b59c3, 6);
  COHORT_MD5_STEP(COHORT_MD5_I, d, a, b, c, m[3], 0x8f0ccc92, 10);
  COHORT_MD5_STEP(COHORT_MD5_I, c, d, a, b, m[10], 0xffeff47d, 15);
  COHORT_MD5_STEP(COHORT_MD5_I, b, c, d, a, m[1], 0x85845dd1, 21);
  COHORT_MD5_STEP(COHORT_MD5_I, a, b, c, d, m[8], 0x6fa87e4f, 6);
  COHORT_MD5_STEP(COHORT_MD5_I, d, a, b, c, m[15], 0xfe2ce6e0, 10);
  COHORT_MD5_STEP(COHORT_MD5_I, c, d, a, b, m[6], 0xa3014314, 15);
  COHORT_MD5_STEP(COHORT_MD5_I, b, c, d, a, m[13], 0x4e0811a1, 21);
  COHORT_MD5_STEP(COHORT_MD5_I, a, b, c, d, m[4], 0xf7537e82, 6);
  COHORT_MD5_STEP(COHORT_MD5_I, d, a, b, c, m[11], 0xbd3af235, 10);
  COHORT_MD5_STEP(COHORT_MD5_I, c, d, a, b, m[2], 0x2ad7d2bb, 15);
  COHORT_MD5_STEP(COHORT_MD5_I, b, c, d, a, m[9], 0xeb86d391, 21);
  state[0] += a;
  state[1] += b;
  state[2] += c;
  state[3] += d;
}

/// One 64-byte block (RFC 1321 §3.4); words are little-endian.
void Block(uint32_t state[4], const uint8_t* p) {
  uint32_t m[16];
  for (int i = 0; i < 16; ++i) m[i] = LoadLe32(p + 4 * i);
  Rounds(state, m);
}

#undef COHORT_MD5_F
#undef COHORT_MD5_G
#undef COHORT_MD5_H
#undef COHORT_MD5_I
#undef COHORT_MD5_STEP

/// MD5 over the concatenation of pieces, without allocating: bytes are
/// gathered into one 64-byte block at a time.
class Md5Stream {
 public:
  void Add(std::string_view s) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    size_t n = s.size();
    total_ += n;
    if (used_) {
      const size_t take = std::min(n, size_t{64} - used_);
      std::memcpy(block_ + used_, p, take);
      used_ += take;
      p += take;
      n -= take;
      if (used_ < 64) return;
      Block(state_, block_);
      used_ = 0;
    }
    for (; n >= 64; p += 64, n -= 64) Block(state_, p);
    if (n) std::memcpy(block_, p, n);
    used_ = n;
  }
  /// Pads (0x80, zeros, the bit length as a little-endian uint64) and
  /// returns the state words; the digest is their little-endian bytes.
  const uint32_t* Finish() {
    block_[used_++] = 0x80;
    if (used_ > 56) {
      std::memset(block_ + used_, 0, 64 - used_);
      Block(state_, block_);
      used_ = 0;
    }
    std::memset(block_ + used_, 0, 56 - used_);
    const uint64_t bits = total_ * 8;
    for (int i = 0; i < 8; ++i) block_[56 + i] = static_cast<uint8_t>(bits >> (8 * i));
    Block(state_, block_);
    return state_;
  }

 private:
  uint32_t state_[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  uint8_t block_[64];
  size_t used_ = 0;
  uint64_t total_ = 0;
};

}  // namespace

std::array<uint8_t, 16> Md5(std::string_view data) {
  Md5Stream md5;
  md5.Add(data);
  const uint32_t* state = md5.Finish();
  std::array<uint8_t, 16> out{};
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<uint8_t>(state[i] >> (8 * j));
  return out;
}

std::string Md5Hex(std::string_view data) {
  static const char kHex[] = "0123456789abcdef";
  auto d = Md5(data);
  std::string s;
  s.reserve(32);
  for (uint8_t b : d) {
    s += kHex[b >> 4];
    s += kHex[b & 15];
  }
  return s;
}

namespace {

/// The first 4 digest bytes of MD5(key ":" segment suffix), big-endian, mod
/// 10000. The digest's first 4 bytes are state word 0, little-endian, so the
/// big-endian reading of them is that word byte-swapped.
uint32_t Bucket(std::string_view key, std::string_view segment, std::string_view suffix) {
  Md5Stream md5;
  md5.Add(key);
  md5.Add(":");
  md5.Add(segment);
  md5.Add(suffix);
  return __builtin_bswap32(md5.Finish()[0]) % 10000;
}

/// 8 digests at once: one per vector lane (GCC/Clang vector extensions;
/// SSE2 or NEON registers hold half of it, AVX2 all of it).
constexpr int kLanes = 8;
using Lanes = uint32_t __attribute__((vector_size(4 * kLanes)));

/// Word 0 of the digest of each of `lanes` one-block messages (`blocks`;
/// the other lanes hash block 0 again), into `first`.
[[gnu::always_inline]] inline void FirstWords(const uint8_t (*blocks)[64], int lanes, uint32_t* first) {
  Lanes m[16];
  for (int w = 0; w < 16; ++w)
    for (int l = 0; l < kLanes; ++l) m[w][l] = LoadLe32(blocks[l < lanes ? l : 0] + 4 * w);
  Lanes state[4];
  const uint32_t init[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  for (int w = 0; w < 4; ++w)
    for (int l = 0; l < kLanes; ++l) state[w][l] = init[w];
  Rounds(state, m);
  std::memcpy(first, &state[0], sizeof(uint32_t) * kLanes);
}

// FirstWords compiled twice: for any CPU, and for AVX2 (the 8 lanes in one
// register), picked once by what the CPU has.
using FirstWordsFn = void (*)(const uint8_t (*)[64], int, uint32_t*);
void FirstWordsPortable(const uint8_t (*blocks)[64], int lanes, uint32_t* first) { FirstWords(blocks, lanes, first); }
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) void FirstWordsAvx2(const uint8_t (*blocks)[64], int lanes, uint32_t* first) {
  FirstWords(blocks, lanes, first);
}
#endif
FirstWordsFn PickFirstWords() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (__builtin_cpu_supports("avx2")) return FirstWordsAvx2;
#endif
  return FirstWordsPortable;
}

/// Bucket() of every key, 8 keys per pass where key ":" segment suffix fits
/// one block (55 bytes: room for the 0x80 and the length).
void Buckets(const std::string_view* keys, size_t n, std::string_view segment, std::string_view suffix,
             uint32_t* out) {
  static const FirstWordsFn first_words = PickFirstWords();
  const size_t tail = 1 + segment.size() + suffix.size();
  uint8_t blocks[kLanes][64];
  size_t lane_row[kLanes];
  int lanes = 0;
  auto run = [&] {
    uint32_t first[kLanes];  // word 0 of every lane's digest
    first_words(blocks, lanes, first);
    for (int l = 0; l < lanes; ++l) out[lane_row[l]] = __builtin_bswap32(first[l]) % 10000;
    lanes = 0;
  };
  for (size_t i = 0; i < n; ++i) {
    const std::string_view key = keys[i];
    const size_t len = key.size() + tail;
    if (len > 55) {
      out[i] = Bucket(key, segment, suffix);
      continue;
    }
    uint8_t* b = blocks[lanes];
    std::memcpy(b, key.data(), key.size());
    b[key.size()] = ':';
    std::memcpy(b + key.size() + 1, segment.data(), segment.size());
    std::memcpy(b + key.size() + 1 + segment.size(), suffix.data(), suffix.size());
    b[len] = 0x80;
    std::memset(b + len + 1, 0, 56 - (len + 1));
    const uint64_t bits = uint64_t{len} * 8;
    for (int k = 0; k < 8; ++k) b[56 + k] = static_cast<uint8_t>(bits >> (8 * k));
    lane_row[lanes++] = i;
    if (lanes == kLanes) run();
  }
  if (lanes > 0) run();
}

}  // namespace

uint32_t HoldoutBucket(std::string_view key, std::string_view segment) { return Bucket(key, segment, ""); }

uint32_t VariantBucket(std::string_view key, std::string_view segment) { return Bucket(key, segment, ":variant"); }

void HoldoutBuckets(const std::string_view* keys, size_t n, std::string_view segment, uint32_t* out) {
  Buckets(keys, n, segment, "", out);
}

void VariantBuckets(const std::string_view* keys, size_t n, std::string_view segment, uint32_t* out) {
  Buckets(keys, n, segment, ":variant", out);
}

bool IsHeldOut(std::string_view key, std::string_view segment, uint32_t holdout_bp) {
  return HoldoutBucket(key, segment) < holdout_bp;
}

}  // namespace cohort
