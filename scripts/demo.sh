#!/usr/bin/env bash
# Command 1: install what is missing, build, and run the bundled examples on
# the bundled sample data. Outputs go to out/<example>/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DCOHORT_BUILD_TESTS=OFF > /dev/null
cmake --build build -j2 --target cohort
TODAY=2026-11-23
# The examples pass the CI gate the README recommends.
echo "== cohort check --strict examples/*.cohort"
./build/cohort check --strict examples/*.cohort
echo "== cohort fmt --check examples/*.cohort"
./build/cohort fmt --check examples/*.cohort
echo "== cohort test examples --coverage --min-coverage 80"
./build/cohort test examples --coverage --min-coverage 80
for f in examples/telehealth.cohort examples/primary_care.cohort; do
  name=$(basename "$f" .cohort)
  echo
  echo "== cohort run $f --data examples/data --out out/$name --today $TODAY"
  ./build/cohort run "$f" --data examples/data --out "out/$name" --today "$TODAY"
done
echo
echo "== cohort run examples/referrals.cohort --data examples/data-providers --out out/referrals --today $TODAY"
./build/cohort run examples/referrals.cohort --data examples/data-providers --out out/referrals --today "$TODAY"
