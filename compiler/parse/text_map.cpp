#include "compiler/parse/text_map.h"

#include <fmt/format.h>

#include <algorithm>

namespace cohort::parse {

uint32_t TextMap::Byte(size_t cp_index) const {
  if (byte_of.empty()) return 0;
  return byte_of[std::min(cp_index, byte_of.size() - 1)];
}

uint32_t TextMap::ByteAtLineCol(size_t line, size_t col) const {
  if (line == 0 || line_starts.empty()) return 0;
  size_t l = std::min(line, line_starts.size());
  return Byte(static_cast<size_t>(line_starts[l - 1]) + col);
}

TextMap DecodeUtf8(std::string_view text) {
  TextMap m;
  m.code_points.reserve(text.size());
  m.byte_of.reserve(text.size() + 1);
  m.invalid.reserve(text.size());
  m.line_starts.push_back(0);
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    char32_t cp = 0;
    size_t len = 0;
    if (c < 0x80) {
      cp = c;
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      cp = c & 0x1F;
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      cp = c & 0x0F;
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      cp = c & 0x07;
      len = 4;
    }
    bool ok = len > 0 && i + len <= n;
    for (size_t k = 1; ok && k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) ok = false;
      else cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    if (ok) {
      // Overlongs, surrogates and out-of-range values are invalid.
      if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
          (cp >= 0xD800 && cp <= 0xDFFF)) {
        ok = false;
      }
    }
    m.byte_of.push_back(static_cast<uint32_t>(i));
    if (ok) {
      m.code_points.push_back(cp);
      m.invalid.push_back(false);
      i += len;
    } else {
      m.code_points.push_back(U'\uFFFD');
      m.invalid.push_back(true);
      i += 1;
    }
    if (cp == U'\n' && ok) m.line_starts.push_back(static_cast<uint32_t>(m.code_points.size()));
  }
  m.byte_of.push_back(static_cast<uint32_t>(n));
  return m;
}

UnescapeResult UnescapeString(std::string_view body) {
  UnescapeResult r;
  r.value.reserve(body.size());
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      r.value += c;
      continue;
    }
    if (i + 1 >= body.size()) {  // a trailing backslash (unterminated string)
      if (r.bad_escape == std::string::npos) r.bad_escape = i;
      break;
    }
    char e = body[++i];
    switch (e) {
      case '"': r.value += '"'; break;
      case '\\': r.value += '\\'; break;
      case 'n': r.value += '\n'; break;
      case 't': r.value += '\t'; break;
      default:
        if (r.bad_escape == std::string::npos) r.bad_escape = i - 1;
        r.value += e;
        break;
    }
  }
  return r;
}


}  // namespace cohort::parse
