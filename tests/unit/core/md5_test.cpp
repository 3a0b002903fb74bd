// MD5 against RFC 1321 and md5sum, and the holdout bucket rule.
#include <doctest/doctest.h>

#include <string>

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
