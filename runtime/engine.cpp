// Engine-independent parts of runtime/engine.h.
#include "runtime/engine.h"

namespace cohort {

namespace {

/// Sizes every mask of `r` for `program` and `rows`, zero-filled or not.
/// (assign()/resize() keep capacity, so a result reused across batches does
/// not reallocate once it has seen the largest batch.)
void SizeMasks(BatchResult* r, const ir::Program& program, int64_t rows, bool zero) {
  r->num_rows = rows < 0 ? 0 : rows;
  const size_t n = static_cast<size_t>(r->num_rows);
  auto fit = [&](std::vector<uint8_t>& m) {
    if (zero) m.assign(n, 0);
    else m.resize(n);
  };
  r->segments.resize(program.segments.size());
  for (size_t s = 0; s < program.segments.size(); ++s) {
    const ir::Segment& seg = program.segments[s];
    SegmentResult& sr = r->segments[s];
    fit(sr.where);
    fit(sr.member);
    sr.excludes.resize(seg.excludes.size());
    for (auto& m : sr.excludes) fit(m);
    sr.channels.resize(seg.channels.size());
    for (auto& m : sr.channels) fit(m);
  }
}

}  // namespace

void BatchResult::Reset(const ir::Program& program, int64_t rows) { SizeMasks(this, program, rows, true); }

void BatchResult::Resize(const ir::Program& program, int64_t rows) { SizeMasks(this, program, rows, false); }

}  // namespace cohort
