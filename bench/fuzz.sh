#!/bin/sh
# bench/fuzz.sh — runs every libFuzzer target of tests/fuzz/ for N executions, one after the
# other, and prints a table: executions, exec/s, coverage, and what went wrong.
#
#   bench/fuzz.sh [RUNS] [TARGET...]       RUNS defaults to 10000000, TARGET to all of them
#
# Builds build-fuzz (clang, ASan + UBSan) when it is missing. Each target's log, the inputs
# it found and any crash, leak, timeout or out-of-memory artifact go to
# bench/out/fuzz-DATE/; the checked-in corpus is read, never written. Not run by CI.
#
# Environment: NICE (default 10), RSS_LIMIT_MB (2048), TIMEOUT_S (per input, 300),
# MAX_TIME_S (per target, 0 = until RUNS), TMPDIR (scratch files; /dev/shm when unset).
#
# libFuzzer's timeout is wall-clock time. At nice 19 on a busy shared machine a process can
# stall for a minute on an input that takes milliseconds (seen here: 34 to 73 s), which
# would end the target with a false timeout; hence the generous default. Replay a timeout
# artifact with build-fuzz/tests/fuzz/fuzz-replay-TARGET to tell a stall from a hang.

set -eu

cd "$(dirname "$0")/.."

runs=${1:-10000000}
if [ $# -gt 0 ]; then
    shift
fi
targets=${*:-model idx csv safetensors cifar image-folder lesson}
nice_level=${NICE:-10}
build=build-fuzz

if [ ! -f "$build/build.ninja" ]; then
    CC=clang meson setup "$build" -Dfuzz=true -Dui=disabled -Dcuda=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false
fi
nice -n "$nice_level" ninja -C "$build" -j2

out=bench/out/fuzz-$(date +%Y%m%d-%H%M%S)
mkdir -p "$out"
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ]; then
    export TMPDIR=/dev/shm
fi
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1

echo "fuzzing $targets, $runs executions each; logs in $out"
table="$out/table.txt"
printf '%-14s %12s %9s %7s %8s %9s  %s\n' target executions exec/s cov ft seconds problems \
    > "$table"

for target in $targets; do
    flags=
    case $target in
        model) flags=-dict=tests/fuzz/json.dict ;;
        safetensors) flags=-dict=tests/fuzz/safetensors.dict ;;
    esac
    mkdir -p "$out/corpus-$target"
    log="$out/$target.log"
    start=$(date +%s)
    # The new inputs go to the first folder; the checked-in corpus only seeds the run.
    # shellcheck disable=SC2086
    nice -n "$nice_level" "$build/tests/fuzz/fuzz-$target" $flags \
        -runs="$runs" -max_total_time="${MAX_TIME_S:-0}" \
        -rss_limit_mb="${RSS_LIMIT_MB:-2048}" -timeout="${TIMEOUT_S:-300}" \
        -print_final_stats=1 -artifact_prefix="$out/$target-" \
        "$out/corpus-$target" "tests/fuzz/corpus/$target" > "$log" 2>&1 || true
    seconds=$(( $(date +%s) - start ))

    # The last status line: "#10000000 DONE cov: 1234 ft: 5678 corp: ... exec/s: 9876 ...".
    last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
    executions=$(grep -E '^stat::number_of_executed_units:' "$log" | awk '{print $2}')
    [ -n "$executions" ] || executions=$(echo "$last" | sed -E 's/^#([0-9]+).*/\1/')
    field() { echo "$last" | sed -nE "s|.* $1: ([0-9]+).*|\1|p"; }
    speed=$(grep -E '^stat::average_exec_per_sec:' "$log" | awk '{print $2}')
    [ -n "$speed" ] || speed=$(field 'exec/s')
    # libFuzzer counts whole seconds: a run shorter than one reports 0.
    if [ "${speed:-0}" = 0 ] && [ "$seconds" -gt 0 ] && [ -n "$executions" ]; then
        speed=$(( executions / seconds ))
    fi
    # Slow units (over 10 s) are reported by libFuzzer but are no failure.
    artifacts=$(find "$out" -maxdepth 1 -type f \( -name "$target-crash-*" \
        -o -name "$target-leak-*" -o -name "$target-timeout-*" -o -name "$target-oom-*" \) |
        sort | tr '\n' ' ')
    printf '%-14s %12s %9s %7s %8s %9s  %s\n' "$target" "${executions:-?}" "${speed:-?}" \
        "$(field cov)" "$(field ft)" "$seconds" "${artifacts:-0}" >> "$table"
    tail -n 1 "$table"
done

echo
cat "$table"
