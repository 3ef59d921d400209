#!/bin/sh
# record-cost.sh: what recording a run (the history of runs, core/engine/run-record.h) costs
# training: lenet5 on the CPU with and without --no-record, alternated ROUNDS times, the
# median examples/s of each and their ratio, measured in the same run.
#   bench/record-cost.sh [STRATA_CLI] [ROUNDS]
set -eu
CLI=${1:-build/app/strata-cli}
ROUNDS=${2:-5}
RUNS=$(mktemp -d)
trap 'rm -rf "$RUNS"' EXIT
export STRATA_RUNS_DIR="$RUNS"

speed () {
  # the epochs' examples/s, averaged over the run's epochs
  "$CLI" train lenet5 --limit 20000 --epochs 2 --device cpu --json "$@" \
    | python3 -c 'import json,sys; v=[json.loads(l)["examples_per_sec"] for l in sys.stdin]; print(sum(v)/len(v))'
}

rec=""; norec=""
i=0
while [ "$i" -lt "$ROUNDS" ]; do
  rec="$rec $(speed)"
  norec="$norec $(speed --no-record)"
  i=$((i + 1))
done
python3 - "$rec" "$norec" <<'PY'
import statistics, sys
rec = [float(x) for x in sys.argv[1].split()]
norec = [float(x) for x in sys.argv[2].split()]
r, n = statistics.median(rec), statistics.median(norec)
print(f"lenet5, CPU, 20,000 examples x 2 epochs, {len(rec)} rounds alternated")
print(f"recorded:     {r:,.0f} examples/s (median)")
print(f"not recorded: {n:,.0f} examples/s (median)")
print(f"cost of recording: {100 * (1 - r / n):+.1f} %")
PY
