// Statistics for measuring outreach against its holdout: proportions with
// Wilson score intervals, the difference of two proportions with Newcombe's
// hybrid score interval (Newcombe 1998, method 10), a two-sided p-value
// (pooled two-proportion z test) and the minimum detectable effect at 80 %
// power. Pure functions, no I/O.
#pragma once

#include <cstdint>

namespace cohort::measure {

/// A closed interval.
struct Interval {
  double low = 0;
  double high = 0;
};

/// z for a two-sided 95 % interval (the 0.975 quantile of N(0, 1)).
inline constexpr double kZ95 = 1.959963984540054;
/// z for 80 % power (the 0.80 quantile of N(0, 1)).
inline constexpr double kZPower80 = 0.8416212335729143;

/// Wilson's score interval for `x` successes out of `n` (n > 0).
Interval Wilson(int64_t x, int64_t n, double z = kZ95);

/// The comparison of a treated and a control proportion.
struct Comparison {
  double p_treated = 0, p_control = 0;
  double lift = 0;                 ///< p_treated - p_control
  Interval ci;                     ///< Newcombe's hybrid score interval for the lift
  double relative_lift = 0;        ///< lift / p_control (NaN when p_control is 0)
  double p_value = 1;              ///< two-sided, pooled z test (1 when undefined)
  double mde = 0;                  ///< minimum detectable absolute lift, 80 % power, 5 % two-sided
};

/// Compares x1/n1 (treated) with x2/n2 (control); both n must be positive.
Comparison Compare(int64_t x1, int64_t n1, int64_t x2, int64_t n2);

/// P(|Z| >= |z|) for a standard normal Z.
double TwoSidedP(double z);

}  // namespace cohort::measure
