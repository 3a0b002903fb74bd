// Parts of the CSV loader against plain forms: the short-string code cache
// (runtime/load_cells.h) against dictionary interning (it outlives batches,
// so each batch's codes must be that batch's own, and a value it reports as
// known must have gone through Intern before: the loader skips checking
// such text again); numbered key ids (runtime/load_keys.h) against the rule
// spelled out digit by digit.
#include <doctest/doctest.h>

#include "runtime/load_cells.h"
#include "runtime/load_keys.h"

#include <cctype>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace cohort;
using cohort::load::DenseKeys;
using cohort::load::ShortCodeCache;

TEST_CASE("string dictionaries: the short-string cache gives each batch its own codes across batches") {
  std::mt19937 rng(99);
  // Values of 1 to 20 bytes (some past the cached 16), sharing first and
  // last bytes so overlapping word loads must not confuse them; more
  // distinct short values than the cache has entries, drawn skewed.
  std::vector<std::string> values;
  for (int i = 0; i < 6000; ++i) {
    const size_t len = 1 + rng() % 20;
    std::string v(len, 'a');
    for (size_t k = 0; k < len; ++k) v[k] = static_cast<char>('0' + rng() % (i % 3 == 0 ? 2 : 40));
    values.push_back(v);
  }
  values.push_back("abcdefghi");          // 9 bytes: overlapping loads
  values.push_back("abcdefgXi");
  values.push_back("abcdefgh12345678");   // 16: the longest cached
  values.push_back("abcdefgh1234567");    // its prefix, one shorter
  values.push_back("abcdefgh12345678X");  // 17: not cached
  ShortCodeCache cache;
  std::set<std::string> interned;  // every value that went through cache.Intern
  for (int batch = 0; batch < 25; ++batch) {
    CAPTURE(batch);
    cache.Reset();  // a new batch: a new dictionary
    StringDictionary dict, want;
    const size_t draws = 500 + rng() % 3000;
    for (size_t d = 0; d < draws; ++d) {
      const size_t i = rng() % 4 == 0 ? rng() % values.size() : rng() % 64;
      const std::string& v = values[i];
      const int32_t expect = want.Intern(v);
      int32_t code = -1;
      if (rng() % 2 && cache.Find(v, &dict, &code)) {
        CHECK(interned.count(v) == 1);  // known only after Intern
      } else {
        code = cache.Intern(v, &dict);
        interned.insert(v);
      }
      REQUIRE(code == expect);
    }
    REQUIRE(dict.size() == want.size());
    for (int32_t c = 0; c < dict.size(); ++c) CHECK(dict.at(c) == want.at(c));
  }
  // Never interned: never found.
  StringDictionary dict;
  int32_t code = 0;
  CHECK_FALSE(cache.Find("never-seen", &dict, &code));
  CHECK_FALSE(cache.Find("zz", &dict, &code));
  CHECK(dict.size() == 0);
}

namespace {

/// DenseKeys' rule, plainly: `sample`'s trailing digits give the shape.
bool ReferenceId(const std::string& sample, uint32_t limit, const std::string& key, uint32_t* id) {
  size_t digits = 0;
  while (digits < sample.size() && std::isdigit(static_cast<unsigned char>(sample[sample.size() - 1 - digits]))) ++digits;
  const std::string prefix = sample.substr(0, sample.size() - digits);
  const bool fixed = digits > 1 && sample[prefix.size()] == '0';
  if (key.compare(0, prefix.size(), prefix) != 0 || key.size() <= prefix.size()) return false;
  const std::string num = key.substr(prefix.size());
  for (char c : num)
    if (c < '0' || c > '9') return false;
  if (fixed ? key.size() != sample.size() : (num.size() > 9 || (num.size() > 1 && num[0] == '0'))) return false;
  const uint64_t v = std::stoull(num);
  if (v >= limit) return false;
  *id = static_cast<uint32_t>(v);
  return true;
}

}  // namespace

TEST_CASE("dense keys: numbered key ids follow the sample's shape for every length") {
  std::mt19937 rng(5);
  const std::vector<std::string> samples = {"P0000001", "P1", "MRN-7", "12345", "0000123", "ABCDEFGHIJ00042",
                                            "X000000001", "k123456789", "ab0"};
  const char alphabet[] = "0123456789PMRN-AXkab/:";
  for (const std::string& sample : samples) {
    for (uint32_t limit : {1000u, 1u << 24}) {
      CAPTURE(sample);
      CAPTURE(limit);
      DenseKeys dense;
      dense.Configure(sample, limit);
      REQUIRE(dense.on());
      for (int i = 0; i < 20000; ++i) {
        // Mostly keys of the sample's shape (digits changed, some bytes
        // mutated), some of other lengths.
        std::string key = sample;
        size_t digits = 0;
        while (digits < key.size() && std::isdigit(static_cast<unsigned char>(key[key.size() - 1 - digits]))) ++digits;
        for (size_t k = key.size() - digits; k < key.size(); ++k) key[k] = static_cast<char>('0' + rng() % 10);
        if (rng() % 4 == 0) key[rng() % key.size()] = alphabet[rng() % (sizeof alphabet - 1)];
        if (rng() % 5 == 0) key.resize(1 + rng() % (key.size() + 3), static_cast<char>('0' + rng() % 10));
        if (rng() % 7 == 0) key.insert(key.begin() + static_cast<std::ptrdiff_t>(key.size() - digits), '0');
        CAPTURE(key);
        uint32_t want = 0, got = 0;
        const bool ok = ReferenceId(sample, limit, key, &want);
        REQUIRE(dense.Id(key, &got) == ok);
        if (ok) REQUIRE(got == want);
      }
    }
  }
}
