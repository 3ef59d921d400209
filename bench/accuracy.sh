#!/usr/bin/env bash
# accuracy.sh: the accuracy runs — full trainings of the presets with seed 0, each checked
# against a test-accuracy target, on the CPU or the GPU. Not part of CI: they take minutes.
#
#   bench/accuracy.sh [OUTDIR] [--only NAME[,NAME…]] [--epochs N] [--threads N] [--cli PATH]
#                     [--device cpu|cuda]
#
#   OUTDIR        where the curves (NAME.png), metrics (NAME.csv), the per-epoch JSON
#                 (NAME.jsonl), the log (NAME.log) and plan.txt (the runs made) go;
#                 default bench/out/ (git-ignored).
#   --only        run only these: lenet-relu, mnist-cnn, deep-cnn, resnet, lenet5.
#   --epochs N    override every run's epoch count: a quick check of the code path. A target
#                 set for a later epoch is then checked at the last epoch run and its verdict
#                 starred (PASS*/FAIL*): indicative only, it does not count in the exit status.
#   --threads N   strata-cli --threads (default: all cores).
#   --cli PATH    the strata-cli to run (default build/app/strata-cli).
#   --device D    strata-cli --device (default cpu).
#
# Every run is  strata-cli train MODEL --dataset D --epochs E --seed 0 --device D --json
#                 --plot OUTDIR/NAME.png --metrics OUTDIR/NAME.csv
# and the summary reads the test accuracy at each target's epoch from the JSON lines. A
# strata-cli built without Cairo (-Dui=disabled) cannot draw and rejects --plot: it is then
# left out, and the output says "no plot".
# Exit status: 0 when every run finished and every unstarred target passed, else 1.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cli="$root/build/app/strata-cli"
out="$here/out"
only=""
epochs_override=""
threads=""
device=cpu

# name  model       dataset        epochs  targets (epoch:min test accuracy, comma-separated)
runs=(
  "lenet-relu lenet-relu mnist         10 10:0.97"
  "mnist-cnn  mnist-cnn  mnist         10 1:0.95,10:0.985"
  "deep-cnn   deep-cnn   fashion-mnist  5 5:0.90"
  "resnet     resnet     mnist          5 5:0.985"
  "lenet5     lenet5     fashion-mnist 10 10:0.75"
)

usage() {
  sed -n '5,18p' "$0" | sed 's/^# \{0,1\}//'
  exit "${1:-2}"
}

while [ $# -gt 0 ]; do
  case "$1" in
    --only) only="${2:?--only needs names}"; shift 2 ;;
    --only=*) only="${1#*=}"; shift ;;
    --epochs) epochs_override="${2:?--epochs needs a number}"; shift 2 ;;
    --epochs=*) epochs_override="${1#*=}"; shift ;;
    --threads) threads="${2:?--threads needs a number}"; shift 2 ;;
    --threads=*) threads="${1#*=}"; shift ;;
    --cli) cli="${2:?--cli needs a path}"; shift 2 ;;
    --cli=*) cli="${1#*=}"; shift ;;
    --device) device="${2:?--device needs cpu or cuda}"; shift 2 ;;
    --device=*) device="${1#*=}"; shift ;;
    -h|--help) usage 0 ;;
    -*) echo "accuracy.sh: unknown option $1" >&2; usage ;;
    *) out="$1"; shift ;;
  esac
done

for n in "$epochs_override" "$threads"; do
  case "$n" in
    ''|*[!0-9]*|0) [ -z "$n" ] || { echo "accuracy.sh: '$n' is not a positive number" >&2; exit 2; } ;;
  esac
done
if [ ! -x "$cli" ]; then
  echo "accuracy.sh: $cli is missing; build it with 'ninja -C build'" >&2
  exit 1
fi
if [ -n "$only" ]; then
  for want in ${only//,/ }; do
    found=0
    for r in "${runs[@]}"; do
      read -r name _ <<< "$r"
      [ "$name" = "$want" ] && found=1
    done
    [ $found = 1 ] || { echo "accuracy.sh: no run called '$want'" >&2; exit 2; }
  done
fi
mkdir -p "$out" || exit 1

# Whether this strata-cli can draw. A build without Cairo still lists --plot in its --help
# but refuses it before training, with "strata-cli: --plot needs a build of Strata with
# Cairo" (app/cli-train.c), before anything else. So ask it for a run on a dataset that does
# not exist, with a chart in a folder that does not exist: a build that can draw fails at once
# on one of those, writing nothing.
can_plot () {
  local first
  first=$(timeout 60 "$cli" train lenet5 --epochs 1 --device cpu --json \
            --dataset "$out/no-such-dataset" --plot "$out/no-such-folder/probe.png" \
            2>&1 >/dev/null | head -n 1)
  case "$first" in
    *"--plot needs a build of Strata with Cairo"*) return 1 ;;
  esac
  return 0
}
plot=1
can_plot || plot=0

plan="$out/plan.txt"
: > "$plan"
echo "accuracy runs on $device — $(date -Is) — $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')," \
     "$(nproc) CPUs, OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-(unset)}"
echo "output: $out"
[ $plot = 1 ] || echo "no plot: this strata-cli cannot draw (built without Cairo); no NAME.png"
for r in "${runs[@]}"; do
  read -r name model dataset epochs targets <<< "$r"
  case ",$only," in ",,"|*",$name,"*) ;; *) continue ;; esac
  [ -n "$epochs_override" ] && epochs=$epochs_override
  cmd=("$cli" train "$model" --dataset "$dataset" --epochs "$epochs" --seed 0 --device "$device"
       --json)
  [ $plot = 1 ] && cmd+=(--plot "$out/$name.png")
  cmd+=(--metrics "$out/$name.csv")
  [ -n "$threads" ] && cmd+=(--threads "$threads")
  echo "== $name: ${cmd[*]}"
  start=$(date +%s)
  "${cmd[@]}" > "$out/$name.jsonl" 2> "$out/$name.log"
  rc=$?
  echo "   exit $rc after $(( $(date +%s) - start )) s; $(tail -n 1 "$out/$name.jsonl")"
  [ $rc = 0 ] || tail -n 5 "$out/$name.log" | sed 's/^/   /'
  echo "$name $model $dataset $epochs $targets $rc" >> "$plan"
done

# The summary: one row per target.
# Debian's interpreter where there is one (bench/README.md); any python3 does for this.
py=/usr/bin/python3
[ -x "$py" ] || py=python3
"$py" - "$out" "$plan" <<'EOF'
import json, os, sys

out, plan = sys.argv[1], sys.argv[2]
rows = [("run", "dataset", "epochs", "target", "test acc", "result")]
bad = starred = 0
for line in open(plan):
    name, model, dataset, epochs, targets, rc = line.split()
    epochs, rc = int(epochs), int(rc)
    acc = {}
    try:
        for l in open(os.path.join(out, name + ".jsonl")):
            if l.startswith("{"):
                e = json.loads(l)
                acc[e["epoch"]] = e["test_acc"]
    except (OSError, ValueError):
        pass
    for t in targets.split(","):
        want_epoch, want = t.split(":")
        want_epoch, want = int(want_epoch), float(want)
        star = ""
        at = want_epoch
        if want_epoch > epochs:              # a shortened run (--epochs): check the last epoch
            at, star = epochs, "*"
        got = acc.get(at)
        if rc != 0 or got is None:
            verdict = "ERROR (exit %d)" % rc if rc != 0 else "ERROR (no epoch %d)" % at
            bad += 1
        else:
            verdict = ("PASS" if got >= want else "FAIL") + star
            if star:
                starred += 1
            elif got < want:
                bad += 1
        rows.append((name, dataset, str(epochs), ">= %.3f after epoch %d%s" % (want, at, star),
                     "n/a" if got is None else "%.4f" % got, verdict))

w = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
print()
for k, r in enumerate(rows):
    print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)))
    if k == 0:
        print("  ".join("-" * x for x in w))
if starred:
    print("* shortened run (--epochs): the target belongs to a later epoch and was checked at "
          "the last epoch run; indicative only.")
print("curves and metrics: %s/NAME.png, NAME.csv, NAME.jsonl, NAME.log" % out)
sys.exit(1 if bad else 0)
EOF
