// Who is contacted, for one batch: the rules every engine shares, decided in
// one place (used by `cohort run`, `cohort test` and the REPL). Engines only
// compute clause masks; this applies campaign priority, holdout and consent.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/ir.h"
#include "runtime/engine.h"

namespace cohort {

/// The decisions for every row of one batch. Masks are 0/1 bytes per row.
struct Decisions {
  /// [campaign][row]: index of the first segment of the campaign the row is a
  /// member of (the campaign "assigns" the row to it), or -1.
  std::vector<std::vector<int32_t>> owner;
  /// [segment][row]: a member removed because an earlier segment of its
  /// campaign took it (from every list, the holdout list included).
  std::vector<std::vector<uint8_t>> taken;
  /// [segment][row]: a member (not taken) held out by the MD5 rule.
  std::vector<std::vector<uint8_t>> held;
  /// [segment][channel][row]: eligible (member, not taken, not held out) but
  /// the channel's consent flag is not TRUE.
  std::vector<std::vector<std::vector<uint8_t>>> no_consent;
  /// [segment][channel][row]: on the channel's list: eligible, consent TRUE
  /// (checked here again, whatever the engine said) and the condition TRUE.
  std::vector<std::vector<std::vector<uint8_t>>> listed;
  /// [segment][row] (issue 12): the variant (index into Segment::variants) of
  /// a member neither taken nor held out, else -1; empty rows when the
  /// segment has no variants.
  std::vector<std::vector<int16_t>> variant;
  // ---- issue 12: frequency caps ----
  /// [segment][channel][row]: would be listed (consent and condition TRUE)
  /// but its campaign's `cap` refused it; never also `listed`. Empty when no
  /// campaign has a cap.
  std::vector<std::vector<std::vector<uint8_t>>> capped;
};

/// Calls fn(r) for every row r < n whose byte in `mask` is nonzero, in
/// order; 8 rows at a time: a word of zeros is skipped, and in the others
/// the nonzero bytes are found from one bit each (no branch per row, which
/// mispredicts on masks of middling density).
template <class Fn>
inline void ForEachSet(const uint8_t* mask, int64_t n, Fn&& fn) {
  int64_t r = 0;
  for (; r + 8 <= n; r += 8) {
    uint64_t word;
    std::memcpy(&word, mask + r, 8);
    if (word == 0) continue;
    if constexpr (std::endian::native == std::endian::little) {
      // The high bit of each byte that is nonzero (its low 7 bits carry
      // into the high bit unless all are zero; or the high bit itself).
      constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7full, kHigh = 0x8080808080808080ull;
      for (uint64_t bits = (((word & kLow7) + kLow7) | word) & kHigh; bits != 0; bits &= bits - 1)
        fn(r + (std::countr_zero(bits) >> 3));
    } else {
      for (int64_t k = r; k < r + 8; ++k)
        if (mask[k]) fn(k);
    }
  }
  for (; r < n; ++r)
    if (mask[r]) fn(r);
}

/// The variant of `key` in `segment` (issue 12): the first variant whose
/// cumulative share exceeds VariantBucket(key, segment); -1 without variants.
int VariantIndex(const ir::Segment& segment, std::string_view key);

/// Is the channel consent flag of `row` TRUE (present and true)?
bool ConsentTrue(const CohortColumn& consent, int64_t row);

/// Decides every row of `view` from the engine's masks in `result`. Keys are
/// read from the schema's key column of `view`; earlier contacts (caps) from
/// the program's contacts column; `today` dates this run's sends.
void Decide(const ir::Program& program, const CohortBatchView& view, const BatchResult& result, Decisions* out,
            int32_t today);

/// The frequency-cap rule (docs/language.md "Frequency caps"): may a message
/// on day `day` be added to the messages on `days` (any order) without any
/// window of `window` consecutive days containing `day` holding more than
/// `limit` messages?
bool CapAdmits(const std::vector<int32_t>& days, int32_t day, uint32_t limit, uint32_t window);

}  // namespace cohort
