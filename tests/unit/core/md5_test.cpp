// MD5 against RFC 1321 and md5sum, and the holdout bucket rule.
#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/md5.h"

using namespace cohort;

TEST_CASE("MD5 test suite of RFC 1321 (appendix A.5)") {
  CHECK(Md5Hex("") == "d41d8cd98f00b204e9800998ecf8427e");
  CHECK(Md5Hex("a") == "0cc175b9c0f1b6a831c399e269772661");
  CHECK(Md5Hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(Md5Hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
  CHECK(Md5Hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
  CHECK(Md5Hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
        "d174ab98d277d9f5a5611c2c9f419d9f");
  CHECK(Md5Hex("12345678901234567890123456789012345678901234567890123456789012345678901234567890") ==
        "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("MD5 at padding boundaries matches md5sum") {
  // head -c N /dev/zero | tr '\0' 'a' | md5sum
  struct V {
    size_t n;
    const char* hex;
  };
  const V vs[] = {{55, "ef1772b6dff9a122358552954ad0df65"},  {56, "3b0c8ac703f828b04c6c197006d17218"},
                  {63, "b06521f39153d618550606be297466d5"},  {64, "014842d480b571495a4a0363793f7367"},
                  {65, "c743a45e0d2e6a95cb859adae0248435"},  {119, "8a7bd0732ed6a28ce75f6dabc90e1613"},
                  {120, "5f61c0ccad4cac44c75ff505e1f1e537"}, {1000, "cabe45dcc9ae5b66ba86600cca6b8ba8"}};
  for (const V& v : vs) {
    INFO("length ", v.n);
    CHECK(Md5Hex(std::string(v.n, 'a')) == v.hex);
  }
  auto d = Md5("abc");
  CHECK(d[0] == 0x90);
  CHECK(d[15] == 0x72);
}

TEST_CASE("holdout buckets: first 8 hex digits of MD5(key:segment) mod 10000") {
  // printf '%s' 'P000123:FirstTimeSpanish' | md5sum  -> 88c4dc3f...; 0x88c4dc3f = 2294602815
  CHECK(HoldoutBucket("P000123", "FirstTimeSpanish") == 2815);
  // printf '%s' 'P000001:FirstTimeSpanish' | md5sum  -> 07d4a224...; 0x07d4a224 = 131375652
  CHECK(HoldoutBucket("P000001", "FirstTimeSpanish") == 5652);
  // printf '%s' 'P000042:LowEngagementDigital' | md5sum -> aa5d62f6...; 0xaa5d62f6 = 2858246902
  CHECK(HoldoutBucket("P000042", "LowEngagementDigital") == 6902);
  // printf '%s' 'ABC:X' | md5sum -> 1e396ee7...; 0x1e396ee7 = 507080423
  CHECK(HoldoutBucket("ABC", "X") == 423);
  // printf '%s' ':' | md5sum -> 853ae90f...; 0x853ae90f = 2235230479 (empty key and segment)
  CHECK(HoldoutBucket("", "") == 479);
  // printf '%s' 'P9:é' | md5sum -> bd15301e...; 0xbd15301e = 3172282398 (UTF-8 bytes hashed as-is)
  CHECK(HoldoutBucket("P9", "\xc3\xa9") == 2398);

  // held out iff bucket < basis points
  CHECK(IsHeldOut("ABC", "X", 424));       // 423 < 424
  CHECK_FALSE(IsHeldOut("ABC", "X", 423)); // 423 is not < 423
  CHECK(IsHeldOut("P000123", "FirstTimeSpanish", 5000));
  CHECK_FALSE(IsHeldOut("P000123", "FirstTimeSpanish", 1000));  // holdout 10%
  CHECK_FALSE(IsHeldOut("ABC", "X", 0));
  CHECK(IsHeldOut("P000042", "LowEngagementDigital", 10000));
}

TEST_CASE("holdout buckets are roughly uniform") {
  int held = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) held += IsHeldOut("P" + std::to_string(i), "Seg", 1000) ? 1 : 0;
  // 10% expected; 6 sigma is about 0.013 * n.
  CHECK(held > n / 10 - 260);
  CHECK(held < n / 10 + 260);
}

namespace {

/// The reference: RFC 1321's MD5 as written in the RFC (a table-driven loop
/// over the 64 steps, the message concatenated in a std::string), kept
/// independent of core/md5.cpp's unrolled, streaming and 8-lane versions.
std::array<uint8_t, 16> ReferenceMd5(const std::string& msg) {
  static const uint32_t k[64] = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613, 0xfd469501,
      0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193, 0xa679438e, 0x49b40821,
      0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d, 0x02441453, 0xd8a1e681, 0xe7d3fbc8,
      0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed, 0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a,
      0xfffa3942, 0x8771f681, 0x6d9d6122, 0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70,
      0x289b7ec6, 0xeaa127fa, 0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665,
      0xf4292244, 0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb, 0xeb86d391};
  static const uint32_t r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  std::string m = msg;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % 64 != 56) m.push_back('\0');
  const uint64_t bits = static_cast<uint64_t>(msg.size()) * 8;
  for (int i = 0; i < 8; ++i) m.push_back(static_cast<char>(bits >> (8 * i)));
  uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  for (size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[16];
    for (int i = 0; i < 16; ++i) {
      w[i] = 0;
      for (int j = 3; j >= 0; --j) w[i] = (w[i] << 8) | static_cast<uint8_t>(m[off + 4 * i + j]);
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (uint32_t i = 0; i < 64; ++i) {
      uint32_t f, g;
      if (i < 16) f = (b & c) | (~b & d), g = i;
      else if (i < 32) f = (d & b) | (~d & c), g = (5 * i + 1) % 16;
      else if (i < 48) f = b ^ c ^ d, g = (3 * i + 5) % 16;
      else f = c ^ (b | ~d), g = (7 * i) % 16;
      const uint32_t t = d;
      d = c;
      c = b;
      const uint32_t x = a + f + k[i] + w[g];
      b = b + ((x << r[i]) | (x >> (32 - r[i])));
      a = t;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d;
  }
  std::array<uint8_t, 16> out{};
  for (int i = 0; i < 16; ++i) out[i] = static_cast<uint8_t>(h[i / 4] >> (8 * (i % 4)));
  return out;
}

/// The documented bucket rule on the reference digest.
uint32_t ReferenceBucket(const std::string& input) {
  auto d = ReferenceMd5(input);
  return (uint32_t{d[0]} << 24 | uint32_t{d[1]} << 16 | uint32_t{d[2]} << 8 | uint32_t{d[3]}) % 10000;
}

}  // namespace

TEST_CASE("MD5 and the holdout and variant buckets agree with the reference on many keys") {
  // Keys of every length from 0 to 140 bytes (one block, two blocks, three),
  // any byte values, and generated patient keys; segment names short and long.
  std::mt19937_64 rng(20261130);
  std::vector<std::string> keys;
  for (size_t len = 0; len <= 140; ++len)
    for (int k = 0; k < 12; ++k) {
      std::string s(len, '\0');
      for (char& c : s) c = static_cast<char>(rng() & 0xff);
      keys.push_back(s);
    }
  for (int i = 0; i < 5000; ++i) keys.push_back("P" + std::to_string(1000000 + i * 7919));
  const std::vector<std::string> segments = {"", "X", "FirstTimeSpanish", std::string(40, 's'), "Sé\xff"};
  for (const std::string& k : keys) REQUIRE(Md5(k) == ReferenceMd5(k));
  for (const std::string& seg : segments) {
    INFO("segment of ", seg.size(), " bytes");
    std::vector<std::string_view> views(keys.begin(), keys.end());
    std::vector<uint32_t> holdout(keys.size(), 99999), variant(keys.size(), 99999);
    HoldoutBuckets(views.data(), views.size(), seg, holdout.data());
    VariantBuckets(views.data(), views.size(), seg, variant.data());
    size_t mismatches = 0;
    for (size_t i = 0; i < keys.size(); ++i) {
      const uint32_t h = ReferenceBucket(keys[i] + ":" + seg);
      const uint32_t v = ReferenceBucket(keys[i] + ":" + seg + ":variant");
      mismatches += HoldoutBucket(keys[i], seg) != h;
      mismatches += VariantBucket(keys[i], seg) != v;
      mismatches += holdout[i] != h;
      mismatches += variant[i] != v;
      mismatches += IsHeldOut(keys[i], seg, 1000) != (h < 1000);
    }
    CHECK(mismatches == 0);
  }
  // Any count of keys (the 8-lane passes leave a remainder) and none.
  for (size_t n : {0, 1, 7, 8, 9, 17}) {
    std::vector<std::string_view> views(keys.end() - static_cast<std::ptrdiff_t>(n), keys.end());
    std::vector<uint32_t> out(n + 1, 12345);
    HoldoutBuckets(views.data(), n, "Seg", out.data());
    for (size_t i = 0; i < n; ++i) CHECK(out[i] == ReferenceBucket(std::string(views[i]) + ":Seg"));
    CHECK(out[n] == 12345);  // nothing written past n
  }
}
