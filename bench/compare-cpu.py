#!/usr/bin/python3
"""compare-cpu.py: Strata's CPU engine against PyTorch, as ratios measured in the same run.

    bench/compare-cpu.py                       # lenet5 and deep-cnn, 5 repetitions, 2 threads
    bench/compare-cpu.py --mnist-cnn --reps 3  # add mnist-cnn, 3 repetitions

For each model both sides do the same fixed amount of work with the preset's own settings
(batch size, optimizer, loss, normalisation), one epoch each:
    lenet5     Fashion-MNIST, 60,000 training examples (batch 256, SGD)
    deep-cnn   Fashion-MNIST, first 6,400 training examples (--limit 6400; batch 32, Adam)
    mnist-cnn  MNIST, first 12,800 training examples (--limit 12800; batch 64, SGD+momentum)
and then evaluate on all 10,000 test images.

    Strata:  build/app/strata-cli train MODEL --epochs 1 [--limit N] --threads T --json --device cpu
    PyTorch: /usr/bin/python3 bench/torch_cpu.py --model MODEL --epochs 1 [--limit N] --threads T --json

The two are run alternately on the same machine in the same invocation (repetition r runs
Strata first when r is odd, PyTorch first when r is even, so that drift in the machine's speed
falls on both), --reps times (default 5: on a shared 2-core machine single runs vary by up to
2x); each figure is the median over the repetitions, and a ratio is
median(Strata) / median(PyTorch); the details give the min-max range of the training speeds.
A second table gives the best of the repetitions (fastest run per side), which is less
disturbed by other processes on a shared machine.

PyTorch runs with --threads OpenMP threads and 1 OpenBLAS thread (--torch-blas-threads):
Debian's torch puts its Linear GEMMs on the pthread OpenBLAS, whose own pool would
oversubscribe the cores on top of the OpenMP team (see bench/torch_cpu.py). Strata's backend
likewise runs OpenBLAS at 1 thread inside its own team of workers. Every run goes through `/usr/bin/time -v`, which gives its
peak resident set size ("Maximum resident set size"); the lenet5 Strata runs are exactly
`strata-cli train lenet5 --epochs 1` (plus --json --threads --device cpu).

What is measured:
  train ex/s   training examples / training time, as both print it ("examples_per_sec"):
               forward, loss, backward and optimizer step of every batch; the shuffle and the
               evaluation are outside it.
  eval ex/s    10,000 test images / evaluation time.
               PyTorch: timed directly around the no_grad pass (torch_cpu.py's
               "eval_examples_per_sec").
               Strata: strata-cli has no evaluation-speed output, so it is derived from its
               epoch figures:  eval_seconds = seconds - n_train / examples_per_sec,
               i.e. the epoch's wall time less its training time. That remainder also holds
               the epoch's shuffle and progress bookkeeping, so it overstates Strata's
               evaluation time a little: the Strata eval ex/s is a lower bound. The same
               derivation applied to PyTorch's own figures is shown in the details
               ("torch eval ex/s, derived") as a check on the method.
  peak RSS     kilobytes, from /usr/bin/time -v, per process (dataset loading included).

The script reports; it asserts nothing. Numbers depend on the machine: compare ratios, and
only between runs on the same machine. OPENBLAS_CORETYPE and the OpenBLAS core in use are
printed in the header, because they change the GEMM kernels (docs: PLATFORM.md §6).
"""

import argparse
import ctypes
import datetime
import json
import os
import platform
import re
import shlex
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TORCH_PY = "/usr/bin/python3"
N_TEST = 10000          # MNIST and Fashion-MNIST both have 10,000 test images
N_TRAIN = 60000

# model -> training examples for the one timed epoch (0: the whole training set)
WORK = {"lenet5": 0, "deep-cnn": 6400, "mnist-cnn": 12800}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--reps", type=int, default=5, help="repetitions (default 5; median taken)")
    p.add_argument("--threads", type=int, default=2, help="threads for both sides (default 2)")
    p.add_argument("--models", default="lenet5,deep-cnn",
                   help="comma-separated, from %s (default lenet5,deep-cnn)" % ", ".join(WORK))
    p.add_argument("--mnist-cnn", action="store_true", help="add mnist-cnn to --models")
    p.add_argument("--torch-blas-threads", type=int, default=1,
                   help="torch_cpu.py --blas-threads (default 1: no oversubscription, see "
                        "torch_cpu.py)")
    p.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "strata-cli"),
                   help="the strata-cli to run (default build/app/strata-cli)")
    p.add_argument("--timeout", type=int, default=900, help="seconds allowed per run")
    args = p.parse_args(argv)
    args.models = [m for m in args.models.split(",") if m]
    if args.mnist_cnn and "mnist-cnn" not in args.models:
        args.models.append("mnist-cnn")
    for m in args.models:
        if m not in WORK:
            p.error("unknown model '%s' (known: %s)" % (m, ", ".join(WORK)))
    if args.reps < 1 or args.threads < 1 or args.torch_blas_threads < 1:
        p.error("--reps, --threads and --torch-blas-threads must be at least 1")
    return args


# ---- the machine ---------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                              cwd=ROOT).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def strata_openblas(cli):
    """(path, corename, config) of the libopenblas strata-cli links, loaded here with the same
    environment, so OpenBLAS picks the same core as it does inside strata-cli."""
    m = re.search(r"libopenblas\S*\s+=>\s+(\S+)", sh(["ldd", cli]))
    if not m:
        return None, "?", "?"
    try:
        lib = ctypes.CDLL(m.group(1))
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        return m.group(1), lib.openblas_get_corename().decode(), lib.openblas_get_config().decode()
    except (OSError, AttributeError):
        return m.group(1), "?", "?"


def header(args):
    path, core, config = strata_openblas(args.cli)
    torch_info = sh([TORCH_PY, os.path.join(HERE, "torch_cpu.py"), "--info",
                     "--threads", str(args.threads),
                     "--blas-threads", str(args.torch_blas_threads)])
    try:
        ti = json.loads(torch_info.splitlines()[-1])
    except (ValueError, IndexError):
        ti = {}
    commit = sh(["git", "rev-parse", "--short", "HEAD"]) or "?"
    dirty = " (working tree modified)" if sh(["git", "status", "--porcelain"]) else ""
    try:
        load = open("/proc/loadavg").read().split()[:3]
    except OSError:
        load = ["?"]
    lines = [
        "Strata vs PyTorch on the CPU — %s" % datetime.datetime.now().astimezone().isoformat(
            timespec="seconds"),
        "CPU            %s, %d logical CPUs; load average at start %s" % (
            cpu_model(), os.cpu_count() or 0, " ".join(load)),
        "system         %s %s" % (platform.system(), platform.release()),
        "strata         %s at %s%s" % (os.path.relpath(args.cli, ROOT), commit, dirty),
        "env            OPENBLAS_CORETYPE=%s OPENBLAS_L2_SIZE=%s OPENBLAS_NUM_THREADS=%s "
        "OMP_NUM_THREADS=%s" % tuple(os.environ.get(k, "(unset)") for k in (
            "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")),
        "strata BLAS    %s: core %s; %s" % (path, core, config),
        "strata threads --threads %d: a team of %d workers splitting each batch, OpenBLAS set "
        "to 1 thread inside them" % (args.threads, args.threads),
        "torch          %s; torch.get_num_threads()=%s (OpenMP team: oneDNN convolutions, "
        "ATen), interop %s; OpenBLAS (Linear GEMMs) %s core %s, %s thread(s); oneDNN %s" % (
            ti.get("torch", "?"), ti.get("threads", "?"), ti.get("interop_threads", "?"),
            ti.get("openblas", "?"), ti.get("openblas_corename", "?"),
            ti.get("openblas_threads", "?"), "on" if ti.get("mkldnn") else "off"),
        "method         1 epoch per run, Strata and PyTorch alternating, %d repetitions, "
        "median; ratio = Strata / PyTorch" % args.reps,
    ]
    return "\n".join(lines)


# ---- one run -------------------------------------------------------------------------------

def timed(cmd, timeout):
    """Runs cmd under /usr/bin/time -v: (last JSON object on stdout, peak RSS kB, error)."""
    full = ["/usr/bin/time", "-v"] + cmd
    try:
        r = subprocess.run(full, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, None, "timed out after %d s" % timeout
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr)
    rss = int(m.group(1)) if m else None
    rows = []
    for line in r.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                rows.append(json.loads(line))
            except ValueError:
                pass
    if r.returncode != 0 or not rows:
        tail = [l for l in r.stderr.splitlines() if not l.startswith("\t")][-5:]
        return None, rss, "exit %d: %s" % (r.returncode, " | ".join(tail) or "no JSON output")
    return rows[-1], rss, None


def strata_cmd(args, model):
    cmd = [args.cli, "train", model, "--epochs", "1", "--threads", str(args.threads),
           "--json", "--device", "cpu"]
    if WORK[model]:
        cmd += ["--limit", str(WORK[model])]
    return cmd


def torch_cmd(args, model):
    cmd = [TORCH_PY, os.path.join(HERE, "torch_cpu.py"), "--model", model, "--epochs", "1",
           "--threads", str(args.threads), "--blas-threads", str(args.torch_blas_threads),
           "--json"]
    if WORK[model]:
        cmd += ["--limit", str(WORK[model])]
    return cmd


def derived_eval(row, n_train):
    """10,000 / (epoch seconds - training seconds): Strata's evaluation speed (see header)."""
    train_s = n_train / row["examples_per_sec"]
    rest = row["seconds"] - train_s
    return N_TEST / rest if rest > 0 else float("nan")


def measure(args, side, model):
    cmd = strata_cmd(args, model) if side == "strata" else torch_cmd(args, model)
    row, rss, err = timed(cmd, args.timeout)
    if err:
        print("  %-6s %-9s FAILED (%s)\n         %s" % (side, model, err, shlex.join(cmd)),
              file=sys.stderr, flush=True)
        return None
    n_train = WORK[model] or N_TRAIN
    res = {"train": row["examples_per_sec"], "eval_derived": derived_eval(row, n_train),
           "rss": rss, "seconds": row["seconds"], "test_acc": row["test_acc"]}
    res["eval"] = row.get("eval_examples_per_sec", res["eval_derived"])
    print("  %-6s %-9s train %9.1f ex/s  eval %9.1f ex/s (derived %9.1f)  epoch %7.3f s  "
          "test acc %.4f  peak RSS %s kB" % (side, model, res["train"], res["eval"],
                                             res["eval_derived"], res["seconds"],
                                             res["test_acc"], rss), file=sys.stderr, flush=True)
    return res


# ---- the table -----------------------------------------------------------------------------

def med(results, key):
    vals = [r[key] for r in results if r is not None and r.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def best(results, key):
    vals = [r[key] for r in results if r is not None and r.get(key) == r.get(key)]
    return max(vals) if vals else float("nan")


def spread(results, key):
    vals = [r[key] for r in results if r is not None]
    return "%s-%s" % (fmt(min(vals), 0), fmt(max(vals), 0)) if vals else "n/a"


def ratio(a, b):
    return a / b if b and b == b and a == a else float("nan")


def fmt(x, digits=1):
    return "n/a" if x != x else "%.*f" % (digits, x)


def table(rows):
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    out = []
    for k, r in enumerate(rows):
        cells = [str(c).ljust(w) if i == 0 else str(c).rjust(w)
                 for i, (c, w) in enumerate(zip(r, widths))]
        out.append("  ".join(cells))
        if k == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def main(argv):
    args = parse_args(argv)
    if not os.access(args.cli, os.X_OK):
        print("compare-cpu: %s is missing; build it with `ninja -C build`" % args.cli,
              file=sys.stderr)
        return 1
    print(header(args), flush=True)
    print("", flush=True)
    results = {m: {"strata": [], "torch": []} for m in args.models}
    for rep in range(1, args.reps + 1):
        print("repetition %d/%d" % (rep, args.reps), file=sys.stderr, flush=True)
        order = ("strata", "torch") if rep % 2 == 1 else ("torch", "strata")
        for model in args.models:
            for side in order:
                results[model][side].append(measure(args, side, model))

    main_rows = [("model", "work (examples)", "Strata train ex/s", "PyTorch train ex/s",
                  "ratio", "Strata eval ex/s", "PyTorch eval ex/s", "ratio")]
    detail_rows = [("model", "Strata train ex/s min-max", "PyTorch train ex/s min-max",
                    "Strata epoch s", "PyTorch epoch s", "torch eval ex/s, derived",
                    "Strata test acc", "PyTorch test acc", "Strata peak RSS kB",
                    "PyTorch peak RSS kB", "runs ok")]
    best_rows = [main_rows[0]]
    for model in args.models:
        s, t = results[model]["strata"], results[model]["torch"]
        bst, btt = best(s, "train"), best(t, "train")
        bse, bte = best(s, "eval_derived"), best(t, "eval")
        best_rows.append((model, "%d train + %d test" % (WORK[model] or N_TRAIN, N_TEST),
                          fmt(bst), fmt(btt), fmt(ratio(bst, btt), 2) + "x",
                          fmt(bse), fmt(bte), fmt(ratio(bse, bte), 2) + "x"))
        st, tt = med(s, "train"), med(t, "train")
        se, te = med(s, "eval_derived"), med(t, "eval")
        main_rows.append((model, "%d train + %d test" % (WORK[model] or N_TRAIN, N_TEST),
                          fmt(st), fmt(tt), fmt(ratio(st, tt), 2) + "x",
                          fmt(se), fmt(te), fmt(ratio(se, te), 2) + "x"))
        rss_s = [r["rss"] for r in s if r and r["rss"]]
        rss_t = [r["rss"] for r in t if r and r["rss"]]
        detail_rows.append((model, spread(s, "train"), spread(t, "train"),
                            fmt(med(s, "seconds"), 3), fmt(med(t, "seconds"), 3),
                            fmt(med(t, "eval_derived")), fmt(med(s, "test_acc"), 4),
                            fmt(med(t, "test_acc"), 4),
                            "%d (max %d)" % (statistics.median(rss_s), max(rss_s)) if rss_s
                            else "n/a",
                            "%d (max %d)" % (statistics.median(rss_t), max(rss_t)) if rss_t
                            else "n/a",
                            "%d+%d of %d+%d" % (sum(r is not None for r in s),
                                                sum(r is not None for r in t), len(s), len(t))))
    print("Medians of %d repetitions, %d threads each side:" % (args.reps, args.threads))
    print(table(main_rows))
    print("")
    print("Best of %d (the fastest run of each side; less sensitive to other processes):"
          % args.reps)
    print(table(best_rows))
    print("")
    print("Details (medians):")
    print(table(detail_rows))
    if "lenet5" in results:
        rss = [r["rss"] for r in results["lenet5"]["strata"] if r and r["rss"]]
        if rss:
            print("")
            print("Peak RSS, strata-cli train lenet5 --epochs 1 (/usr/bin/time -v, Maximum "
                  "resident set size): %d kB = %.1f MiB (median of %d; max %d kB)"
                  % (statistics.median(rss), statistics.median(rss) / 1024, len(rss), max(rss)))
    print("")
    print("Strata eval ex/s = 10000 / (epoch seconds - n_train / train ex/s): a lower bound "
          "(see the header of bench/compare-cpu.py).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
