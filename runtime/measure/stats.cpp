#include "runtime/measure/stats.h"

#include <cmath>

namespace cohort::measure {

Interval Wilson(int64_t x, int64_t n, double z) {
  const double nn = static_cast<double>(n), p = static_cast<double>(x) / nn, z2 = z * z;
  const double center = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  const double half = z / (1 + z2 / nn) * std::sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn));
  return {std::max(0.0, center - half), std::min(1.0, center + half)};
}

double TwoSidedP(double z) { return std::erfc(std::fabs(z) / std::sqrt(2.0)); }

Comparison Compare(int64_t x1, int64_t n1, int64_t x2, int64_t n2) {
  Comparison c;
  c.p_treated = static_cast<double>(x1) / static_cast<double>(n1);
  c.p_control = static_cast<double>(x2) / static_cast<double>(n2);
  c.lift = c.p_treated - c.p_control;
  // Newcombe (1998), method 10: combine the two Wilson intervals.
  Interval w1 = Wilson(x1, n1), w2 = Wilson(x2, n2);
  const double delta = std::sqrt((c.p_treated - w1.low) * (c.p_treated - w1.low) +
                                 (w2.high - c.p_control) * (w2.high - c.p_control));
  const double eps = std::sqrt((w1.high - c.p_treated) * (w1.high - c.p_treated) +
                               (c.p_control - w2.low) * (c.p_control - w2.low));
  c.ci = {c.lift - delta, c.lift + eps};
  c.relative_lift = c.p_control > 0 ? c.lift / c.p_control : NAN;
  const double pooled = static_cast<double>(x1 + x2) / static_cast<double>(n1 + n2);
  const double inv = 1.0 / static_cast<double>(n1) + 1.0 / static_cast<double>(n2);
  const double se = std::sqrt(pooled * (1 - pooled) * inv);
  c.p_value = se > 0 ? TwoSidedP(c.lift / se) : 1.0;
  // MDE: the smallest true lift this design detects with 80 % power at a 5 %
  // two-sided level, with the control rate as the baseline variance.
  const double base = c.p_control > 0 && c.p_control < 1 ? c.p_control : pooled;
  c.mde = (kZ95 + kZPower80) * std::sqrt(base * (1 - base) * inv);
  return c;
}

}  // namespace cohort::measure
