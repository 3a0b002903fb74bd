#!/usr/bin/env bash
# Command 1: install what is missing, build, and run the bundled examples on
# the bundled sample data. Outputs go to out/<example>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCOHORT_BUILD_TESTS=OFF > /dev/null
cmake --build build -j2 --target cohort
TODAY=2026-11-23
echo "== cohort check examples/*.cohort"
./build/cohort check examples/*.cohort
for f in examples/telehealth.cohort examples/primary_care.cohort; do
  name=$(basename "$f" .cohort)
  echo
  echo "== cohort run $f --data examples/data --out out/$name --today $TODAY"
  ./build/cohort run "$f" --data examples/data --out "out/$name" --today "$TODAY"
done
echo
echo "== cohort run examples/referrals.cohort --data examples/data-providers --out out/referrals --today $TODAY"
./build/cohort run examples/referrals.cohort --data examples/data-providers --out out/referrals --today "$TODAY"
