// Position mapping (UTF-16 by default, UTF-8 when negotiated) and file URIs.
#include "tools/lsp/document.h"

#include <fmt/format.h>

#include <algorithm>

namespace cohort::lsp {
namespace {

/// Length in bytes of the UTF-8 sequence starting with `c` (1 for invalid bytes).
uint32_t SeqLen(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

}  // namespace

LineIndex::LineIndex(const std::string& text, bool utf8) : text_(&text), utf8_(utf8) {
  starts_.push_back(0);
  for (uint32_t i = 0; i < text.size(); ++i)
    if (text[i] == '\n') starts_.push_back(i + 1);
}

Position LineIndex::ToPosition(uint32_t offset) const {
  if (text_ == nullptr) return {};
  offset = std::min<uint32_t>(offset, static_cast<uint32_t>(text_->size()));
  auto it = std::upper_bound(starts_.begin(), starts_.end(), offset);
  uint32_t line = static_cast<uint32_t>(it - starts_.begin()) - 1;
  uint32_t start = starts_[line];
  if (utf8_) return {line, offset - start};
  uint32_t units = 0;
  for (uint32_t i = start; i < offset;) {
    uint32_t n = SeqLen(static_cast<unsigned char>((*text_)[i]));
    units += n == 4 ? 2 : 1;
    i += n;
  }
  return {line, units};
}

uint32_t LineIndex::ToOffset(Position p) const {
  if (text_ == nullptr) return 0;
  if (p.line >= starts_.size()) return static_cast<uint32_t>(text_->size());
  uint32_t start = starts_[p.line];
  uint32_t end = p.line + 1 < starts_.size() ? starts_[p.line + 1] - 1 : static_cast<uint32_t>(text_->size());
  if (utf8_) return std::min(start + p.character, end);
  uint32_t units = 0, i = start;
  while (i < end && units < p.character) {
    uint32_t n = SeqLen(static_cast<unsigned char>((*text_)[i]));
    units += n == 4 ? 2 : 1;
    i = std::min(i + n, end);
  }
  return i;
}

std::string UriToPath(const std::string& uri) {
  const std::string kScheme = "file://";
  if (uri.rfind(kScheme, 0) != 0) return "";
  std::string out;
  for (size_t i = kScheme.size(); i < uri.size(); ++i) {
    if (uri[i] == '%' && i + 2 < uri.size() && std::isxdigit(static_cast<unsigned char>(uri[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(uri[i + 2]))) {
      out += static_cast<char>(std::stoi(uri.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += uri[i];
    }
  }
  return out;
}

std::string PathToUri(const std::string& path) {
  std::string out = "file://";
  for (unsigned char c : path) {
    if (std::isalnum(c) || c == '/' || c == '-' || c == '_' || c == '.' || c == '~') out += static_cast<char>(c);
    else out += fmt::format("%{:02X}", c);
  }
  return out;
}

}  // namespace cohort::lsp
