#include "runtime/suppress.h"

#include <algorithm>

namespace cohort {

size_t SuppressionTable::Add(int64_t value) {
  values_.push_back(value);
  hidden_.push_back(false);
  return values_.size() - 1;
}

void SuppressionTable::AddGroup(std::vector<size_t> parts, size_t total) {
  groups_.push_back(SumGroup{std::move(parts), total});
}

void SuppressionTable::Suppress() {
  if (min_cell_ <= 0) return;
  for (size_t i = 0; i < values_.size(); ++i) hidden_[i] = IsSmallCell(values_[i], min_cell_);
  // Complementary suppression: a group (parts + total) with exactly one
  // hidden cell lets a reader recompute it, so hide one more: the smallest
  // shown part that is not zero (a reader cannot tell a hidden zero either),
  // else any shown part, else the total. Hiding only ever grows, so this
  // terminates.
  bool changed = true;
  while (changed) {
    changed = false;
    for (const SumGroup& g : groups_) {
      size_t hidden_count = hidden_[g.total] ? 1 : 0;
      for (size_t p : g.parts) hidden_count += hidden_[p] ? 1 : 0;
      if (hidden_count != 1) continue;
      size_t pick = g.total;
      bool found = false;
      for (int pass = 0; pass < 2 && !found; ++pass) {
        for (size_t p : g.parts) {
          if (hidden_[p] || (pass == 0 && values_[p] == 0)) continue;
          if (!found || values_[p] < values_[pick]) {
            pick = p;
            found = true;
          }
        }
      }
      hidden_[pick] = true;
      changed = true;
    }
  }
}

bool SuppressionTable::any_hidden() const {
  for (bool h : hidden_)
    if (h) return true;
  return false;
}

std::string SuppressionTable::Show(size_t i) const {
  if (!hidden_[i]) return FormatCount(values_[i]);
  return complementary(i) ? std::string("*") : "<" + std::to_string(min_cell_);
}

std::string FormatCount(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return v < 0 ? "-" + out : out;
}

std::string ShowCount(int64_t v, int64_t min_cell) {
  return IsSmallCell(v, min_cell) ? "<" + std::to_string(min_cell) : FormatCount(v);
}

}  // namespace cohort
