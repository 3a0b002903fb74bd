#include "runtime/run/decide.h"

#include "core/md5.h"

namespace cohort {

int VariantIndex(const ir::Segment& seg, std::string_view key) {
  if (seg.variants.empty()) return -1;
  const uint32_t bucket = VariantBucket(key, seg.name);
  uint32_t upper = 0;
  for (size_t v = 0; v < seg.variants.size(); ++v) {
    upper += seg.variants[v].share_bp;
    if (bucket < upper) return static_cast<int>(v);
  }
  return static_cast<int>(seg.variants.size()) - 1;  // unreachable: shares add up to 10000
}

bool ConsentTrue(const CohortColumn& c, int64_t row) {
  return IsValid(c, row) && GetBit(static_cast<const uint8_t*>(c.values), row);
}

void Decide(const ir::Program& p, const CohortBatchView& view, const BatchResult& res, Decisions* o) {
  const int64_t n = view.num_rows;
  const size_t segments = p.segments.size();
  o->owner.assign(p.campaigns.size(), std::vector<int32_t>(n, -1));
  o->taken.assign(segments, std::vector<uint8_t>(n, 0));
  o->held.assign(segments, std::vector<uint8_t>(n, 0));
  o->no_consent.resize(segments);
  o->listed.resize(segments);
  o->variant.resize(segments);
  // Campaign priority: first listed segment the row is a member of wins.
  for (size_t c = 0; c < p.campaigns.size(); ++c) {
    std::vector<int32_t>& owner = o->owner[c];
    for (uint32_t s : p.campaigns[c].segments) {
      const std::vector<uint8_t>& member = res.segments[s].member;
      for (int64_t r = 0; r < n; ++r) {
        if (!member[r]) continue;
        if (owner[r] < 0) owner[r] = static_cast<int32_t>(s);
        else o->taken[s][r] = 1;
      }
    }
  }
  const CohortColumn& keys = view.columns[p.schema->key_column()];
  for (size_t s = 0; s < segments; ++s) {
    const ir::Segment& seg = p.segments[s];
    const SegmentResult& sr = res.segments[s];
    o->no_consent[s].assign(seg.channels.size(), std::vector<uint8_t>(n, 0));
    o->listed[s].assign(seg.channels.size(), std::vector<uint8_t>(n, 0));
    o->variant[s].assign(seg.variants.empty() ? 0 : n, -1);
    for (int64_t r = 0; r < n; ++r) {
      if (!sr.member[r] || o->taken[s][r]) continue;
      if (seg.holdout_bp && IsHeldOut(StringAt(keys, r), seg.name, seg.holdout_bp)) {
        o->held[s][r] = 1;
        continue;
      }
      if (!seg.variants.empty()) o->variant[s][r] = static_cast<int16_t>(VariantIndex(seg, StringAt(keys, r)));
      for (size_t c = 0; c < seg.channels.size(); ++c) {
        // Defense in depth: no consent, no list, whatever the engine said.
        if (!ConsentTrue(view.columns[seg.channels[c].consent_column], r)) {
          o->no_consent[s][c][r] = 1;
          continue;
        }
        o->listed[s][c][r] = sr.channels[c][r] ? 1 : 0;
      }
    }
  }
}

}  // namespace cohort
