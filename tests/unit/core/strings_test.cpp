// CSV field quoting (core/strings.h): the word-at-a-time CsvFieldNeedsQuotes
// against the byte rule, at every length and position.
#include <doctest/doctest.h>

#include <string>

#include "core/strings.h"

using namespace cohort;

TEST_CASE("CsvFieldNeedsQuotes: a comma, quote, CR or LF at any position of any length; nothing else") {
  // Bytes next to the special ones (and 0x80+, whose borrow the word test
  // must not mistake for a match) never need quotes.
  const std::string harmless = std::string("+-!#\x09\x0b\x0c\x0e\x80\xff\x01\x00 a", 14);
  size_t wrong = 0;
  for (size_t n = 0; n <= 40; ++n) {
    for (size_t fill = 0; fill < harmless.size(); ++fill) {
      const std::string plain(n, harmless[fill]);
      wrong += CsvFieldNeedsQuotes(plain);
      for (size_t at = 0; at < n; ++at)
        for (char special : {',', '"', '\r', '\n'}) {
          std::string v = plain;
          v[at] = special;
          wrong += !CsvFieldNeedsQuotes(v);
        }
    }
  }
  CHECK(wrong == 0);
  std::string quoted;
  AppendCsvField(quoted, "a\"b,c");
  CHECK(quoted == "\"a\"\"b,c\"");
  quoted.clear();
  AppendCsvField(quoted, "P0001-abcdefghij");
  CHECK(quoted == "P0001-abcdefghij");
}
