#include "runtime/run/decide.h"

#include <algorithm>
#include <cstring>
#include <span>

#include "core/dates.h"
#include "core/md5.h"

namespace cohort {

namespace {

/// Writes to `out` every row r < n with member[r] set and taken[r] not, in
/// order; returns how many. Branch-free within 8-row words (members are
/// often dense), and words without a member are skipped.
size_t MembersNotTaken(const uint8_t* member, const uint8_t* taken, int64_t n, int64_t* out) {
  size_t k = 0;
  int64_t r = 0;
  for (; r + 8 <= n; r += 8) {
    uint64_t word;
    std::memcpy(&word, member + r, 8);
    if (word == 0) continue;
    for (int64_t j = r; j < r + 8; ++j) {
      out[k] = j;
      k += static_cast<size_t>((member[j] != 0) & (taken[j] == 0));
    }
  }
  for (; r < n; ++r) {
    out[k] = r;
    k += static_cast<size_t>((member[r] != 0) & (taken[r] == 0));
  }
  return k;
}

/// The variant of variant bucket `bucket` in `seg` (which has variants).
int VariantOfBucket(const ir::Segment& seg, uint32_t bucket) {
  uint32_t upper = 0;
  for (size_t v = 0; v < seg.variants.size(); ++v) {
    upper += seg.variants[v].share_bp;
    if (bucket < upper) return static_cast<int>(v);
  }
  return static_cast<int>(seg.variants.size()) - 1;  // unreachable: shares add up to 10000
}

}  // namespace

int VariantIndex(const ir::Segment& seg, std::string_view key) {
  if (seg.variants.empty()) return -1;
  return VariantOfBucket(seg, VariantBucket(key, seg.name));
}

bool ConsentTrue(const CohortColumn& c, int64_t row) {
  return IsValid(c, row) && GetBit(static_cast<const uint8_t*>(c.values), row);
}

namespace {

/// Applies every campaign `cap` to the rows `o->listed` holds (issue 12).
/// Per row, the messages already counted are the ledger's (the contacts
/// column) plus this run's rows of segments no cap governs; then capped
/// campaigns admit their rows in declaration order, each in priority order
/// then step order, every admitted row counting for the next.
void ApplyCaps(const ir::Program& p, const CohortBatchView& view, int32_t today, Decisions* o) {
  const size_t segments = p.segments.size();
  bool any_cap = false;
  for (const ir::Campaign& c : p.campaigns) any_cap |= c.cap_messages > 0;
  if (!any_cap || p.contacts_column == kNoColumn) {
    o->capped.clear();  // no masks to fill on every batch of an uncapped program
    return;
  }
  o->capped.resize(segments);
  for (size_t s = 0; s < segments; ++s) {
    o->capped[s].resize(p.segments[s].channels.size());
    for (std::vector<uint8_t>& v : o->capped[s]) v.assign(static_cast<size_t>(view.num_rows), 0);
  }
  auto capped_campaign = [&](size_t s) {
    int32_t c = p.segments[s].campaign;
    return c >= 0 && p.campaigns[static_cast<size_t>(c)].cap_messages > 0;
  };
  std::vector<std::vector<int32_t>> send_on(segments);
  for (size_t s = 0; s < segments; ++s)
    for (const ir::Channel& ch : p.segments[s].channels) send_on[s].push_back(AddDuration(today, ch.after, +1));
  const CohortColumn& contacts = view.columns[p.contacts_column];
  const int32_t* ledger_days =
      contacts.num_children > 1 ? static_cast<const int32_t*>(contacts.children[1].values) : nullptr;
  std::vector<int32_t> days;
  for (int64_t r = 0; r < view.num_rows; ++r) {
    days.clear();
    if (ledger_days)
      for (int32_t k = contacts.offsets[r]; k < contacts.offsets[r + 1]; ++k) days.push_back(ledger_days[k]);
    for (size_t s = 0; s < segments; ++s) {
      if (capped_campaign(s)) continue;
      for (size_t c = 0; c < send_on[s].size(); ++c)
        if (o->listed[s][c][r]) days.push_back(send_on[s][c]);
    }
    for (const ir::Campaign& camp : p.campaigns) {
      if (!camp.cap_messages) continue;
      for (uint32_t s : camp.segments) {
        for (size_t c = 0; c < send_on[s].size(); ++c) {
          if (!o->listed[s][c][r]) continue;
          if (CapAdmits(days, send_on[s][c], camp.cap_messages, camp.cap_days)) {
            days.push_back(send_on[s][c]);
          } else {
            o->listed[s][c][r] = 0;
            o->capped[s][c][r] = 1;
          }
        }
      }
    }
  }
}

}  // namespace

bool CapAdmits(const std::vector<int32_t>& days, int32_t day, uint32_t limit, uint32_t window) {
  // Windows [w, w + window - 1] containing `day` start at w in [first, day].
  // The count in a window only grows where a message enters at its right
  // edge (w = d - window + 1), so those starts and `first` are the only
  // candidates for the maximum: O(n^2) in the row's messages, not in days.
  const int64_t first = int64_t{day} - window + 1;
  auto count = [&](int64_t w) {
    uint32_t n = 1;  // the new message
    for (int32_t d : days)
      if (d >= w && d <= w + window - 1) ++n;
    return n;
  };
  if (count(first) > limit) return false;
  for (int32_t d : days) {
    int64_t w = int64_t{d} - window + 1;
    if (w > first && w <= day && count(w) > limit) return false;
  }
  return true;
}

void Decide(const ir::Program& p, const CohortBatchView& view, const BatchResult& res, Decisions* o, int32_t today) {
  const int64_t n = view.num_rows;
  const size_t segments = p.segments.size();
  // Every mask is refilled in place: `o` is reused across batches, so the
  // vectors keep their capacity and no batch allocates.
  o->owner.resize(p.campaigns.size());
  for (std::vector<int32_t>& v : o->owner) v.assign(static_cast<size_t>(n), -1);
  o->taken.resize(segments);
  for (std::vector<uint8_t>& v : o->taken) v.assign(static_cast<size_t>(n), 0);
  o->held.resize(segments);
  for (std::vector<uint8_t>& v : o->held) v.assign(static_cast<size_t>(n), 0);
  o->no_consent.resize(segments);
  o->listed.resize(segments);
  o->variant.resize(segments);
  // Campaign priority: first listed segment the row is a member of wins.
  for (size_t c = 0; c < p.campaigns.size(); ++c) {
    std::vector<int32_t>& owner = o->owner[c];
    for (uint32_t s : p.campaigns[c].segments) {
      uint8_t* taken = o->taken[s].data();
      ForEachSet(res.segments[s].member.data(), n, [&](int64_t r) {
        if (owner[r] < 0) owner[r] = static_cast<int32_t>(s);
        else taken[r] = 1;
      });
    }
  }
  const CohortColumn& keys = view.columns[p.schema->key_column()];
  // Per thread, reused: the rows a segment decides, their keys and buckets.
  thread_local std::vector<int64_t> rows_buf;  // sized to the batch; `rows` is its used part
  if (rows_buf.size() < static_cast<size_t>(n)) rows_buf.resize(static_cast<size_t>(n));
  std::span<int64_t> rows;
  thread_local std::vector<std::string_view> row_keys;
  thread_local std::vector<uint32_t> buckets;
  auto hash = [&](void (*buckets_of)(const std::string_view*, size_t, std::string_view, uint32_t*),
                  const std::string& segment) {
    row_keys.clear();
    for (int64_t r : rows) row_keys.push_back(StringAt(keys, r));
    buckets.resize(rows.size());
    buckets_of(row_keys.data(), row_keys.size(), segment, buckets.data());
  };
  for (size_t s = 0; s < segments; ++s) {
    const ir::Segment& seg = p.segments[s];
    const SegmentResult& sr = res.segments[s];
    o->no_consent[s].resize(seg.channels.size());
    for (std::vector<uint8_t>& v : o->no_consent[s]) v.assign(static_cast<size_t>(n), 0);
    o->listed[s].resize(seg.channels.size());
    for (std::vector<uint8_t>& v : o->listed[s]) v.assign(static_cast<size_t>(n), 0);
    o->variant[s].assign(seg.variants.empty() ? 0 : static_cast<size_t>(n), -1);
    // Members no earlier segment of the campaign took; MD5 only for them
    // (the holdout), then only for those not held out (the variant), in
    // 8-key passes (HoldoutBuckets): the buckets are the documented ones.
    rows = std::span<int64_t>(rows_buf.data(), MembersNotTaken(sr.member.data(), o->taken[s].data(), n, rows_buf.data()));
    if (seg.holdout_bp) {
      hash(HoldoutBuckets, seg.name);
      size_t kept = 0;
      uint8_t* held = o->held[s].data();
      for (size_t i = 0; i < rows.size(); ++i) {  // branch-free: about a tenth are held out
        const bool h = buckets[i] < seg.holdout_bp;
        held[rows[i]] = h;
        rows[kept] = rows[i];
        kept += !h;
      }
      rows = rows.first(kept);
    }
    if (!seg.variants.empty()) {
      hash(VariantBuckets, seg.name);
      for (size_t i = 0; i < rows.size(); ++i)
        o->variant[s][rows[i]] = static_cast<int16_t>(VariantOfBucket(seg, buckets[i]));
    }
    for (size_t c = 0; c < seg.channels.size(); ++c) {
      // Defense in depth: no consent, no list, whatever the engine said.
      const CohortColumn& consent = view.columns[seg.channels[c].consent_column];
      const uint8_t* condition = sr.channels[c].data();
      uint8_t* no_consent = o->no_consent[s][c].data();
      uint8_t* listed = o->listed[s][c].data();
      for (int64_t r : rows) {  // branch-free
        const bool ok = ConsentTrue(consent, r);
        no_consent[r] = !ok;
        listed[r] = ok & (condition[r] != 0);
      }
    }
  }
  ApplyCaps(p, view, today, o);
}

}  // namespace cohort
