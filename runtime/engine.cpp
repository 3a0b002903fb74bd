// Engine-independent parts of runtime/engine.h.
#include "runtime/engine.h"

namespace cohort {

void BatchResult::Reset(const ir::Program& program, int64_t rows) {
  num_rows = rows < 0 ? 0 : rows;
  const size_t n = static_cast<size_t>(num_rows);
  // assign() keeps capacity, so a result reused across batches does not
  // reallocate once it has seen the largest batch.
  segments.resize(program.segments.size());
  for (size_t s = 0; s < program.segments.size(); ++s) {
    const ir::Segment& seg = program.segments[s];
    SegmentResult& r = segments[s];
    r.where.assign(n, 0);
    r.member.assign(n, 0);
    r.excludes.resize(seg.excludes.size());
    for (auto& m : r.excludes) m.assign(n, 0);
    r.channels.resize(seg.channels.size());
    for (auto& m : r.channels) m.assign(n, 0);
  }
}

void BatchResult::Resize(const ir::Program& program, int64_t rows) {
  num_rows = rows < 0 ? 0 : rows;
  const size_t n = static_cast<size_t>(num_rows);
  segments.resize(program.segments.size());
  for (size_t s = 0; s < program.segments.size(); ++s) {
    const ir::Segment& seg = program.segments[s];
    SegmentResult& r = segments[s];
    r.where.resize(n);
    r.member.resize(n);
    r.excludes.resize(seg.excludes.size());
    for (auto& m : r.excludes) m.resize(n);
    r.channels.resize(seg.channels.size());
    for (auto& m : r.channels) m.resize(n);
  }
}

}  // namespace cohort
