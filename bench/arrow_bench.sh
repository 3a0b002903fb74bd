#!/usr/bin/env bash
# Arrow load vs CSV load (issue 9): generate patients with `cohort gen`,
# import them once with `cohort import`, then time `cohort run` over the CSV
# and over the Arrow directory (best of REPS), with peak RSS. Load time is the
# run's total minus its evaluation time, as `cohort run` reports them.
#
#   bench/arrow_bench.sh COHORT_BINARY [PATIENTS...]   (default 1000000 10000000)
#
# Environment: DATA_ROOT (default /tmp/cohort_arrow_bench), REPS (default 3),
# THREADS (default 2), SEGMENT (default examples/telehealth.cohort).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cohort="$1"
shift
sizes=("${@:-1000000 10000000}")
[[ $# -eq 0 ]] && sizes=(1000000 10000000)
data_root="${DATA_ROOT:-/tmp/cohort_arrow_bench}"
reps="${REPS:-3}"
threads="${THREADS:-2}"
segment="${SEGMENT:-$root/examples/telehealth.cohort}"

# One timed run: prints "total eval rss_mb cpu_s" (cpu = user + sys: the
# machine is shared, so wall time alone says little).
timed_run() {
  local data=$1 out
  out=$( { /usr/bin/time -f 'RSS %M CPU %U %S' "$cohort" run "$segment" --data "$data" --out "$data_root/out" --today 2026-11-23 --threads "$threads"; } 2>&1 )
  local total eval rss cpu
  total=$(sed -n 's/^\([0-9.]*\)s total (\([0-9.]*\)s evaluating)$/\1/p' <<< "$out")
  eval=$(sed -n 's/^\([0-9.]*\)s total (\([0-9.]*\)s evaluating)$/\2/p' <<< "$out")
  rss=$(sed -n 's/^RSS \([0-9]*\) .*$/\1/p' <<< "$out")
  cpu=$(sed -n 's/^RSS [0-9]* CPU \([0-9.]*\) \([0-9.]*\)$/\1 \2/p' <<< "$out" | awk '{printf "%.2f", $1 + $2}')
  echo "$total $eval $((rss / 1024)) $cpu"
}
best() {  # data dir -> best "total eval rss" of REPS runs (by total)
  local b="" r
  for ((i = 0; i < reps; ++i)); do
    r=$(timed_run "$1")
    if [[ -z "$b" ]] || awk -v a="${r%% *}" -v c="${b%% *}" 'BEGIN{exit !(a < c)}'; then b=$r; fi
  done
  echo "$b"
}

printf '%-10s %-6s %9s %9s %9s %9s %9s\n' patients from total_s eval_s load_s cpu_s peak_MB
for n in "${sizes[@]}"; do
  csv="$data_root/$n/csv"
  arrow="$data_root/$n/arrow"
  [[ -f "$csv/patients.csv" ]] || "$cohort" gen --patients "$n" --seed 42 --today 2026-11-23 --out "$csv" 2>/dev/null
  if [[ ! -f "$arrow/patients.arrow" ]]; then
    start=$(date +%s.%N)
    "$cohort" import --data "$csv" --out "$arrow" 2>/dev/null
    echo "import of $n patients: $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.2f", e - s}') s" >&2
  fi
  for kind in csv arrow; do
    read -r total eval rss cpu <<< "$(best "$data_root/$n/$kind")"
    load=$(awk -v t="$total" -v e="$eval" 'BEGIN{printf "%.2f", t - e}')
    printf '%-10s %-6s %9s %9s %9s %9s %9s\n' "$n" "$kind" "$total" "$eval" "$load" "$cpu" "$rss"
  done
done
