#!/bin/sh
# record-cost.sh: what recording a run (the history of runs, core/engine/run-record.h, with
# the insight and the projection measured at each epoch's end) costs training: lenet5 on the
# CPU with and without --no-record, alternated ROUNDS times. Two figures, each the median of
# the rounds and compared in the same run: the epochs' examples/s (the steps alone), and the
# wall time of the whole command (the steps, the evaluations and every epoch's end).
#   bench/record-cost.sh [STRATA_CLI] [ROUNDS]
set -eu
CLI=${1:-build/app/strata-cli}
ROUNDS=${2:-5}
RUNS=$(mktemp -d)
trap 'rm -rf "$RUNS"' EXIT
export STRATA_RUNS_DIR="$RUNS"

speed () {
  # "examples/s seconds": the epochs' examples/s averaged, and the command's wall time
  python3 - "$CLI" "$@" <<'PY'
import json, subprocess, sys, time
start = time.monotonic()
out = subprocess.run([sys.argv[1], "train", "lenet5", "--limit", "20000", "--epochs", "2",
                      "--device", "cpu", "--json"] + sys.argv[2:],
                     check=True, capture_output=True, text=True).stdout
wall = time.monotonic() - start
v = [json.loads(l)["examples_per_sec"] for l in out.splitlines() if l.strip()]
print(f"{sum(v) / len(v)}:{wall}")
PY
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
rec = [tuple(map(float, x.split(":"))) for x in sys.argv[1].split()]
norec = [tuple(map(float, x.split(":"))) for x in sys.argv[2].split()]
r = statistics.median(x[0] for x in rec)
n = statistics.median(x[0] for x in norec)
rw = statistics.median(x[1] for x in rec)
nw = statistics.median(x[1] for x in norec)
print(f"lenet5, CPU, 20,000 examples x 2 epochs, {len(rec)} rounds alternated")
print(f"recorded:     {r:,.0f} examples/s, {rw:.2f} s in all (medians)")
print(f"not recorded: {n:,.0f} examples/s, {nw:.2f} s in all (medians)")
print(f"cost of recording: {100 * (1 - r / n):+.1f} % of examples/s, "
      f"{100 * (rw / nw - 1):+.1f} % of the wall time")
PY
