#!/usr/bin/env bash
# gpu-check.sh: on a GPU machine, runs what tools/device-pack.sh packed — the CUDA tests, the
# accuracy runs on the GPU (and on that machine's CPU, to compare), and the speed of every
# preset on both — writing logs under $OUT (or bench/out/gpu-check) and ending with a table.
# Run it from the repository root; each stage fits in a few minutes.
#
#   bench/gpu-check.sh tests [PACK]              test-cuda-ops, -train, -device: every case
#   bench/gpu-check.sh accuracy [PACK] [NAMES]   bench/accuracy.sh on cuda, then on cpu, and
#                                                the final test accuracies side by side
#   bench/gpu-check.sh bench [PACK]              strata-cli bench, cuda and cpu; on cuda with
#                                                --profile -v for lenet5 (batch 256) and deep-cnn
#                                                (batch 32 and 256): each part of a step, and
#                                                each convolution's way and its timings; then
#                                                those runs without the fusions, with one
#                                                convolution way forced, without graphs; and
#                                                the main loop's worst gap while lenet5 trains
#   bench/gpu-check.sh compare [PACK]            bench/gpu-compare.py: PyTorch three ways beside
#                                                Strata, training and evaluation
#   bench/gpu-check.sh all [PACK] [NAMES]        tests, bench, compare and accuracy in one go
#                                                (about 5 minutes on an H200): one device call
#
# PACK defaults to .device-pack; NAMES (comma-separated) to lenet5,mnist-cnn,resnet.
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
stage=${1:?"usage: bench/gpu-check.sh tests|accuracy|bench|compare|all [PACK] [NAMES]"}
pack=$(cd "${2:-$root/.device-pack}" && pwd)
names=${3:-lenet5,mnist-cnn,resnet}
out=${OUT:-$root/bench/out/gpu-check}
mkdir -p "$out" || exit 1

if [ ! -d "$pack/lib" ]; then
  tar -C "$pack" -xJf "$pack/lib.tar.xz"
fi
export LD_LIBRARY_PATH="$pack/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export STRATA_GPU_MODULE_DIR="$pack/bin"
export STRATA_DATA_DIR="$pack/data"
export STRATA_FIXTURE_DIR="$root/tests/fixtures"
export STRATA_CLI="$pack/bin/strata-cli"
export G_TEST_SRCDIR="$root/tests"
# Debian's OpenBLAS picks its kernels by CPU model and does not know every newer one.
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-Haswell}
# The convolutions' measured ways (gpu/cuda-conv-plan.c) are remembered here, and come back
# with the logs.
export XDG_CACHE_HOME="$out/cache"
cli="$pack/bin/strata-cli"

{
  date -Is
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
  grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'
  echo "$(nproc) CPUs"
} > "$out/machine.txt"
cat "$out/machine.txt"

case "$stage" in
  tests)
    printf '%-18s %5s %7s %5s %8s\n' program ok "not ok" skip seconds > "$out/tests.txt"
    status=0
    for t in "$pack"/bin/test-cuda-*; do
      name=$(basename "$t")
      start=$(date +%s)
      "$t" --tap > "$out/$name.tap" 2>&1
      rc=$?
      ok=$(grep -cE '^ok ' "$out/$name.tap")
      skip=$(grep -cE '^ok .*# SKIP' "$out/$name.tap")
      bad=$(grep -cE '^not ok ' "$out/$name.tap")
      [ "$rc" = 0 ] && [ "$bad" = 0 ] || status=1
      printf '%-18s %5d %7d %5d %8d\n' "$name" "$((ok - skip))" "$bad" "$skip" \
        "$(( $(date +%s) - start ))" >> "$out/tests.txt"
      grep -E '^not ok ' "$out/$name.tap" | head -n 20
    done
    cat "$out/tests.txt"
    exit $status
    ;;
  accuracy)
    for device in cuda cpu; do
      "$root/bench/accuracy.sh" "$out/accuracy-$device" --device "$device" --cli "$cli" \
        --only "$names" > "$out/accuracy-$device.txt" 2>&1
      tail -n 8 "$out/accuracy-$device.txt"
    done
    # The GPU's final test accuracy against the CPU's, run by run: within half a point.
    python3 - "$out" "$names" <<'EOF' | tee "$out/accuracy.txt"
import json, os, sys

out, names = sys.argv[1], sys.argv[2].split(",")

def final(device, name):
    try:
        lines = [l for l in open(os.path.join(out, "accuracy-" + device, name + ".jsonl"))
                 if l.startswith("{")]
        return json.loads(lines[-1])["test_acc"] if lines else None
    except (OSError, ValueError, KeyError):
        return None

print("%-10s %8s %8s %8s  %s" % ("run", "cuda", "cpu", "points", "within 0.5"))
status = 0
for name in names:
    gpu, cpu = final("cuda", name), final("cpu", name)
    if gpu is None or cpu is None:
        print("%-10s %8s %8s %8s  %s" % (name, gpu, cpu, "", "ERROR (a run did not finish)"))
        status = 1
        continue
    diff = 100.0 * (gpu - cpu)
    ok = abs(diff) <= 0.5
    status |= not ok
    print("%-10s %8.4f %8.4f %+8.2f  %s" % (name, gpu, cpu, diff, "PASS" if ok else "FAIL"))
sys.exit(status)
EOF
    ;;
  bench)
    for device in cuda cpu; do
      "$cli" bench --device "$device" --json > "$out/bench-$device.jsonl" 2> "$out/bench-$device.log"
      echo "== $device (exit $?)"
      cat "$out/bench-$device.jsonl"
    done
    # Each part of one step, on the GPU: the table that chooses the next optimisation.
    for run in "lenet5 256" "deep-cnn 32" "deep-cnn 256"; do
      set -- $run
      "$cli" bench "$1" --device cuda --batch-size "$2" --profile -v \
        > "$out/profile-$1-b$2.txt" 2>&1
      echo "== profile $1, batch $2 (exit $?)"
      cat "$out/profile-$1-b$2.txt"
    done
    # What each choice is worth: the same runs with one of them undone (the fusions, the
    # measured convolution ways, the graphs), examples per second side by side.
    printf '%-14s %-22s %12s %12s\n' run variant "train ex/s" "eval ex/s" > "$out/variants.txt"
    for run in "lenet5 256" "deep-cnn 32" "deep-cnn 256"; do
      set -- $run
      for variant in default STRATA_CUDA_FUSE=0 STRATA_CUDA_CONV=im2col STRATA_CUDA_CONV=direct \
                     STRATA_CUDA_GRAPHS=0; do
        if [ "$variant" = default ]; then set_env=(); else set_env=("$variant"); fi
        env "${set_env[@]}" "$cli" bench "$1" --device cuda --batch-size "$2" --steps 100 \
          --json > "$out/variant.json" 2>> "$out/variants.log"
        python3 - "$1 b$2" "$variant" "$out/variant.json" >> "$out/variants.txt" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[3]))
    print("%-14s %-22s %12.0f %12.0f" % (sys.argv[1], sys.argv[2], r["train_examples_per_sec"],
                                          r["eval_examples_per_sec"]))
except Exception as e:
    print("%-14s %-22s failed: %s" % (sys.argv[1], sys.argv[2], e))
PY
      done
    done
    rm -f "$out/variant.json"
    cat "$out/variants.txt"
    # The window's event path without a window: lenet5 on Fashion-MNIST trained on the GPU
    # with the trainer's events taken on the main loop as the window takes them.
    "$cli" train lenet5 --device cuda --epochs 2 --no-record --loop-gaps \
      > "$out/loop-gaps.txt" 2>&1
    echo "== main loop during a lenet5 run on the GPU (exit $?)"
    cat "$out/loop-gaps.txt"
    ;;
  compare)
    python3 "$root/bench/gpu-compare.py" --pack "$pack" --out "$out/compare"
    ;;
  all)
    # Every stage's logs in one folder, packed at the end into $out/gpu-check.tar.gz (the
    # device tool brings back a few files, not a tree), and the tables again last.
    status=0
    work="$out/all"
    rm -rf "$work"
    mkdir -p "$work"
    for s in tests bench compare accuracy; do
      echo "==== $s"
      OUT="$work" timeout 300 "$0" "$s" "$pack" "$names" > "$work/$s.log" 2>&1 || status=1
      tail -n 4 "$work/$s.log"
    done
    tar -C "$work" -czf "$out/gpu-check.tar.gz" .
    {
      echo "==== summary ($(cat "$work/machine.txt" 2>/dev/null | head -n 2 | tr '\n' ' '))"
      cat "$work/tests.txt" 2>/dev/null
      cat "$work/variants.txt" 2>/dev/null
      tail -n 3 "$work/loop-gaps.txt" 2>/dev/null
      for f in "$work"/profile-*.txt; do
        [ -f "$f" ] || continue
        echo "== $(basename "$f" .txt)"
        sort -rn -k1 "$f" | grep 'µs' | head -n 14
      done
      cat "$work/compare/summary.txt" 2>/dev/null
      cat "$work/accuracy.txt" 2>/dev/null
    } | tee "$out/summary.txt"
    rm -rf "$work"
    exit $status
    ;;
  *)
    echo "gpu-check.sh: unknown stage '$stage' (tests, accuracy, bench, compare or all)" >&2
    exit 2
    ;;
esac
