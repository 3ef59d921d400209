#!/usr/bin/python3
"""pytorch-train.py: the same recipe trained by Strata and by the exported train.py.

For each model, three runs of its recipe over the same epochs:

  strata     strata-cli train MODEL --json --device cpu
  torch x1   train.py of `strata-cli export MODEL --pytorch-train`, one process
  torch x2   the same train.py as two gloo processes, started with the env:// variables
             (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT) as a launcher would; Debian's
             torchrun 1.13 fails in its elastic agent

and a table of each run's test accuracy after the last epoch and at its best epoch, with the
difference from Strata's in points. A run of train.py passes when its last-epoch accuracy is
within --tolerance points (default 1) of Strata's.

    /usr/bin/python3 bench/pytorch-train.py                      lenet5 and mnist-cnn, 10 epochs
    /usr/bin/python3 bench/pytorch-train.py --models mnist-cnn --epochs 3 --limit 20000

The per-epoch JSON of every run is kept in OUT/MODEL/{strata,torch-1,torch-2}.jsonl (default
OUT: bench/out/pytorch-train). Exit status 0 when every run passes.
"""

import argparse
import json
import os
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PYTHON = "/usr/bin/python3"     # Debian's, with python3-torch


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--models", default="lenet5,mnist-cnn", help="comma-separated presets")
    p.add_argument("--epochs", type=int, default=0, help="default: each recipe's")
    p.add_argument("--limit", type=int, default=0, help="train on the first N examples only")
    p.add_argument("--cli", default=os.path.join(ROOT, "build", "app", "strata-cli"))
    p.add_argument("--out", default=os.path.join(HERE, "out", "pytorch-train"))
    p.add_argument("--tolerance", type=float, default=1.0, help="points (default 1)")
    return p.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def read_jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def run_strata(args, model, out):
    cmd = [args.cli, "train", model, "--json", "--device", "cpu"]
    if args.epochs:
        cmd += ["--epochs", str(args.epochs)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    print("  $ " + " ".join(cmd), flush=True)
    done = subprocess.run(cmd, stdout=subprocess.PIPE, check=True, text=True)
    with open(os.path.join(out, "strata.jsonl"), "w") as f:
        f.write(done.stdout)
    return read_jsonl(done.stdout)


def run_torch(args, pkg, out, n):
    run_out = os.path.join(out, "torch-%d" % n)
    cmd = [PYTHON, "-B", "train.py", "--out", run_out]
    if args.epochs:
        cmd += ["--epochs", str(args.epochs)]
    if args.limit:
        cmd += ["--limit", str(args.limit)]
    port = str(free_port())
    procs = []
    for rank in range(n):
        env = dict(os.environ)
        for k in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE", "MASTER_ADDR",
                  "MASTER_PORT"):
            env.pop(k, None)
        if n > 1:
            env.update(RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(n),
                       LOCAL_WORLD_SIZE=str(n), MASTER_ADDR="127.0.0.1", MASTER_PORT=port,
                       GLOO_SOCKET_IFNAME="lo", OMP_NUM_THREADS=str(max(1, os.cpu_count() // n)))
        if rank == 0:
            shown = " ".join("%s=%s" % (k, env[k]) for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR",
                                                            "MASTER_PORT") if n > 1)
            print("  $ (cd %s && %s%s)%s" % (pkg, shown + " " if shown else "", " ".join(cmd),
                                            " x%d" % n if n > 1 else ""), flush=True)
        with open(os.path.join(out, "torch-%d.rank%d.log" % (n, rank)), "wb") as log:
            procs.append(subprocess.Popen(cmd, cwd=pkg, env=env, stdout=log,
                                          stderr=subprocess.STDOUT))
    # One process that fails leaves the others waiting for it: end them.
    while any(p.poll() is None for p in procs):
        if any(p.poll() not in (None, 0) for p in procs):
            for p in procs:
                if p.poll() is None:
                    p.terminate()
        time.sleep(0.5)
    for rank, p in enumerate(procs):
        if p.returncode != 0:
            sys.exit("train.py failed: process %d, exit status %d (see %s)"
                     % (rank, p.returncode, os.path.join(out, "torch-%d.rank%d.log" % (n, rank))))
    os.replace(os.path.join(run_out, "metrics.jsonl"), os.path.join(out, "torch-%d.jsonl" % n))
    with open(os.path.join(out, "torch-%d.jsonl" % n)) as f:
        return read_jsonl(f.read())


def main():
    args = parse_args()
    rows = []
    for model in args.models.split(","):
        out = os.path.join(args.out, model)
        pkg = os.path.join(out, "package")
        os.makedirs(out, exist_ok=True)
        print("%s:" % model, flush=True)
        subprocess.run([args.cli, "export", model, "--pytorch-train", pkg], check=True)
        runs = []
        for name, fn in (("strata", lambda: run_strata(args, model, out)),
                         ("torch x1", lambda: run_torch(args, pkg, out, 1)),
                         ("torch x2", lambda: run_torch(args, pkg, out, 2))):
            t0 = time.time()
            metrics = fn()
            runs.append((name, metrics, time.time() - t0))
        strata_last = runs[0][1][-1]["test_acc"]
        for name, metrics, seconds in runs:
            last = metrics[-1]["test_acc"]
            best = max(m["test_acc"] for m in metrics)
            diff = 100.0 * (last - strata_last)
            ok = name == "strata" or abs(diff) <= args.tolerance
            rows.append((model, name, len(metrics), last, best, diff, seconds, ok))

    print()
    print("%-10s %-9s %6s %9s %9s %14s %8s  %s" % ("model", "run", "epochs", "last acc",
                                                   "best acc", "last - strata", "seconds", ""))
    for model, name, epochs, last, best, diff, seconds, ok in rows:
        print("%-10s %-9s %6d %9.4f %9.4f %+11.2f pt %8.0f  %s"
              % (model, name, epochs, last, best, diff, seconds,
                 "" if name == "strata" else ("PASS" if ok else "FAIL")))
    return 0 if all(r[-1] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
