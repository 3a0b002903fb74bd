// Fork-join on a few threads: the one helper every parallel phase uses.
#pragma once

#include <cstddef>
#include <thread>
#include <vector>

namespace cohort {

/// Calls fn(0) .. fn(n - 1), each on its own thread (fn(0) on this one),
/// and returns when all have returned.
template <class Fn>
void ParallelFor(size_t n, Fn&& fn) {
  std::vector<std::thread> pool;
  for (size_t i = 1; i < n; ++i) pool.emplace_back([&fn, i] { fn(i); });
  if (n > 0) fn(0);
  for (auto& t : pool) t.join();
}

}  // namespace cohort
