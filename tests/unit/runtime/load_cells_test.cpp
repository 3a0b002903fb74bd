// The loader's short-string code cache (runtime/load_cells.h) against plain
// dictionary interning: it outlives batches, so each batch's codes must be
// that batch's own, and a value it reports as known must have gone through
// Intern before (the loader skips checking such text again).
#include "runtime/load_cells.h"

#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>
#include <vector>

using namespace cohort;
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
