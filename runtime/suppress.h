// Small-cell suppression for every count shown to people (reports, the
// REPL): a count from 1 to N-1 is shown as `<N` (N = 11 by default, the CMS
// cell-size rule), and a further cell is suppressed wherever a shown total
// and the other shown cells would reveal a suppressed one (complementary
// suppression). Lists and summary.json are not affected: they are outputs
// for systems, not views for people.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace cohort {

inline bool IsSmallCell(int64_t v, int64_t min_cell);

/// The default minimum cell size (CMS: counts of 1 to 10 are not shown).
inline constexpr int64_t kDefaultMinCell = 11;

/// Cells that add up: `parts` sum to `total` (indices into the table).
struct SumGroup {
  std::vector<size_t> parts;
  size_t total = 0;
};

/// A table of counts to be shown, with the additive relations a reader could
/// use to recompute a hidden cell. Add cells, add groups, then Suppress().
class SuppressionTable {
 public:
  explicit SuppressionTable(int64_t min_cell) : min_cell_(min_cell) {}
  /// Adds a cell; returns its index.
  size_t Add(int64_t value);
  /// Declares that `parts` add up to `total`.
  void AddGroup(std::vector<size_t> parts, size_t total);
  /// Primary suppression (1 <= v < N), then complementary suppression until
  /// no group has exactly one hidden cell. A no-op when min_cell <= 0.
  void Suppress();
  bool hidden(size_t i) const { return hidden_[i]; }
  /// Hidden only so that a small cell cannot be recomputed (shown as `*`).
  bool complementary(size_t i) const { return hidden_[i] && !IsSmallCell(values_[i], min_cell_); }
  int64_t value(size_t i) const { return values_[i]; }
  /// The cell as text: `1,234`; `<11` when small; `*` when hidden to protect a small cell.
  std::string Show(size_t i) const;
  int64_t min_cell() const { return min_cell_; }
  size_t size() const { return values_.size(); }
  /// Is any cell hidden?
  bool any_hidden() const;

 private:
  int64_t min_cell_;
  std::vector<int64_t> values_;
  std::vector<bool> hidden_;
  std::vector<SumGroup> groups_;
};

/// A count with thousands separators (`12,345`).
std::string FormatCount(int64_t v);
/// A single count as shown to people: `<N` when 1 <= v < N (N > 0), else FormatCount.
std::string ShowCount(int64_t v, int64_t min_cell);
/// Is a single count hidden by primary suppression?
inline bool IsSmallCell(int64_t v, int64_t min_cell) { return min_cell > 0 && v >= 1 && v < min_cell; }

}  // namespace cohort
