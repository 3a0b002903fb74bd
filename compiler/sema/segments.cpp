// References between segments: dependencies (directly or through defines),
// cycles (reported with the full path), a deterministic topological order,
// and campaigns (priority lists, one campaign per segment).
#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <set>

#include "compiler/sema/checker_impl.h"

namespace cohort::sema {

void Checker::ComputeDependencies() {
  // Segments each define references, transitively through other defines.
  std::vector<std::set<uint32_t>> define_segs(defines_.size());
  std::vector<uint8_t> state(defines_.size(), 0);
  std::function<const std::set<uint32_t>&(uint32_t)> segs_of = [&](uint32_t d) -> const std::set<uint32_t>& {
    if (state[d] != 0) return define_segs[d];  // done, or a cycle (already reported)
    state[d] = 1;
    for (const auto& [s, r] : defines_[d].reads.segments) define_segs[d].insert(s);
    for (const auto& [sub, r] : defines_[d].reads.defines) {
      const auto& more = segs_of(sub);
      define_segs[d].insert(more.begin(), more.end());
    }
    state[d] = 2;
    return define_segs[d];
  };
  for (uint32_t i = 0; i < segments_.size(); ++i) {
    SegmentInfo& info = segments_[i];
    auto add = [&](const Reads& r) {
      for (const auto& [s, range] : r.segments) info.deps.emplace(s, range);
      for (const auto& [d, range] : r.defines)
        for (uint32_t s : segs_of(d)) info.deps.emplace(s, range);
    };
    add(info.where);
    for (const Reads& r : info.excludes) add(r);
    for (const Reads& r : info.channels) add(r);
    ir::Segment& seg = p_->segments[i];
    seg.depends_on.clear();
    for (const auto& [s, range] : info.deps) seg.depends_on.push_back(s);  // std::map: sorted
  }
}

void Checker::ReportSegmentCycles() {
  size_t n = segments_.size();
  std::vector<uint8_t> color(n, 0);
  std::vector<uint32_t> stack;
  std::function<void(uint32_t)> visit = [&](uint32_t s) {
    color[s] = 1;
    stack.push_back(s);
    for (const auto& [t, range] : segments_[s].deps) {
      if (color[t] == 1) {
        auto it = std::find(stack.begin(), stack.end(), t);
        std::vector<std::string> names;
        for (auto j = it; j != stack.end(); ++j) names.push_back(segments_[*j].decl->name);
        std::vector<std::string> key = names;
        std::sort(key.begin(), key.end());
        names.push_back(segments_[t].decl->name);
        if (reported_cycles_.insert("segment:" + fmt::format("{}", fmt::join(key, ","))).second) {
          auto& d = diags_.Emit(DiagKind::SegmentCycle, range, fmt::format("{}", fmt::join(names, " -> ")));
          for (auto j = it; j != stack.end(); ++j) {
            uint32_t from = *j;
            uint32_t to = (j + 1 == stack.end()) ? t : *(j + 1);
            if (from == s) continue;  // the diagnostic itself points there
            auto dep = segments_[from].deps.find(to);
            if (dep != segments_[from].deps.end())
              d.notes.push_back(DiagNote{dep->second, fmt::format("`{}` references `{}` here",
                                                                  segments_[from].decl->name, segments_[to].decl->name)});
          }
        }
      } else if (color[t] == 0) {
        visit(t);
      }
    }
    stack.pop_back();
    color[s] = 2;
  };
  for (uint32_t s = 0; s < n; ++s)
    if (color[s] == 0) visit(s);
}

void Checker::OrderSegments() {
  // Kahn's algorithm, always taking the lowest declaration index available,
  // so independent segments keep their source order.
  size_t n = p_->segments.size();
  std::vector<uint32_t> pending(n, 0);
  std::vector<std::vector<uint32_t>> users(n);
  for (uint32_t s = 0; s < n; ++s)
    for (uint32_t d : p_->segments[s].depends_on) {
      ++pending[s];
      users[d].push_back(s);
    }
  std::set<uint32_t> ready;
  for (uint32_t s = 0; s < n; ++s)
    if (pending[s] == 0) ready.insert(s);
  p_->segment_order.clear();
  while (!ready.empty()) {
    uint32_t s = *ready.begin();
    ready.erase(ready.begin());
    p_->segment_order.push_back(s);
    for (uint32_t u : users[s])
      if (--pending[u] == 0) ready.insert(u);
  }
}

void Checker::CheckCampaigns() {
  std::set<std::string> seen_names;
  std::vector<std::string> seg_names;
  for (const auto& [name, i] : segment_index_) seg_names.push_back(name);
  for (const ast::Campaign& c : m_.campaigns) {
    if (!seen_names.insert(c.name).second) continue;  // duplicate name, reported already
    uint32_t ci = static_cast<uint32_t>(p_->campaigns.size());
    ir::Campaign out;
    out.name = c.name;
    out.description = c.description;
    out.range = c.name_range;
    if (c.priority.empty()) diags_.Emit(DiagKind::CampaignEmpty, c.name_range, c.name);
    std::map<uint32_t, SourceRange> listed;
    for (const ast::Named& n : c.priority) {
      auto it = segment_index_.find(n.name);
      if (it == segment_index_.end()) {
        diags_.Emit(DiagKind::UnknownSegment, n.range, n.name, DidYouMean(n.name, seg_names));
        continue;
      }
      uint32_t s = it->second;
      if (auto prev = listed.find(s); prev != listed.end()) {
        auto& d = diags_.Emit(DiagKind::DuplicateInPriority, n.range, n.name, c.name);
        d.notes.push_back(DiagNote{prev->second, "first listed here"});
        continue;
      }
      listed.emplace(s, n.range);
      ir::Segment& seg = p_->segments[s];
      if (seg.campaign >= 0) {
        const ir::Campaign& other = p_->campaigns[static_cast<size_t>(seg.campaign)];
        auto& d = diags_.Emit(DiagKind::SegmentInTwoCampaigns, n.range, n.name, other.name);
        d.notes.push_back(DiagNote{other.range, fmt::format("campaign `{}` is declared here", other.name)});
        continue;
      }
      seg.campaign = static_cast<int32_t>(ci);
      out.segments.push_back(s);
    }
    if (c.cap) CheckCap(c, out);
    p_->campaigns.push_back(std::move(out));
  }
}

}  // namespace cohort::sema
