#!/usr/bin/env python3
"""gpu-compare.py: Strata's CUDA backend against PyTorch on the same GPU, three ways.

Runs on a GPU machine from the repository root, with a pack made by tools/device-pack.sh
(the layout bench/gpu-check.sh reads) and a CUDA build of PyTorch:

    bench/gpu-compare.py [--pack DIR] [--out DIR] [--epochs 2] [--quick]

Workloads, on Fashion-MNIST (60,000 training and 10,000 test images, pixel/255, then the
preset's normalisation):

    A  lenet5    batch 256  the preset's recipe: SGD lr 0.9, xavier_uniform, Sigmoid/AvgPool
    B  deep-cnn  batch 32   Adam lr 1e-3
    C  deep-cnn  batch 256  Adam lr 1e-3

PyTorch builds each model with tools/strata_torch.py and trains it three ways, float32 with
TF32 off (cudnn.benchmark on), the same number of epochs as Strata:

    dataloader  CPU tensors in a TensorDataset, DataLoader(shuffle=True, num_workers=0,
                pin_memory=True), .cuda(non_blocking=True) per batch: the notebook way;
    resident    the training set as one float CUDA tensor, a torch.randperm on the device
                each epoch, batches gathered by index, eager forward/backward/step;
    graph       resident data, the whole step (gather from a static index buffer, forward,
                loss, backward, optimizer step) captured once in a torch.cuda.CUDAGraph and
                replayed; the final partial batch of each epoch is dropped.

Every way also sums the step's loss and correct answers on the device, without a sync, as
Strata's trainer does for its per-epoch train_loss and train_acc. The rate reported is the
last epoch's training examples per second, timed between two torch.cuda.synchronize()
calls around that epoch's training loop: the shuffle is inside, the test pass is not.
Evaluation speed: the 10,000 test images, eager, data resident, model.eval() under
torch.no_grad(), loss and accuracy summed, at the training batch size and at 1000: the
median of 5 passes after a warm-up pass.

Strata: `strata-cli train MODEL --device cuda --epochs E --batch-size B --json --dataset
fashion-mnist` (the last epoch's examples_per_sec and test_acc) and `strata-cli bench MODEL
--device cuda --batch-size B --json --profile` (eval_examples_per_sec on synthetic data, and
the per-kernel time of one step when the CLI has --profile). Each command has a 120 s limit;
its stdout and stderr are kept under OUT.

Output: OUT/gpu-compare.jsonl (one object per measurement), OUT/torch-errors.log (the
traceback of any PyTorch failure), the Strata logs, and the tables on stdout (also in
OUT/summary.txt). Progress goes to stderr.

    --quick        half the training set (30,000) and 3 timed evaluation passes: a smoke test
    --workloads    some of A,B,C (default all)
    --skip-strata  the PyTorch side only
    --strata-timeout S  each strata-cli command's limit (default 120 s)
    --cpu-smoke    no GPU needed: the dataloader and resident ways on the CPU with 1024
                   examples, no graph, no Strata; checks the data, models and tables
    --self-test    no torch needed: the Strata side against a fake strata-cli and canned
                   JSON lines (option fallbacks, timeouts, parsing, the tables)

Exit status: 0 when every measurement was made, 1 when some failed, 2 without a CUDA device
(or without torch).
"""

import argparse
import gzip
import json
import os
import statistics
import struct
import subprocess
import sys
import tarfile
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_cpu  # noqa: E402  (bench/torch_cpu.py: the IDX reader; imports no torch)
import time
import traceback
import warnings

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PRESET_DIR = os.path.join(ROOT, "resources", "presets")
FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")

# letter, preset, batch size
WORKLOADS = (("A", "lenet5", 256), ("B", "deep-cnn", 32), ("C", "deep-cnn", 256))
WAYS = ("dataloader", "resident", "graph")
EVAL_BATCH_EXTRA = 1000
STRATA_TIMEOUT_S = 120
STRATA_DEVICE = "cuda"
SANITY_ACC = {"lenet5": 0.5, "deep-cnn": 0.85}

T_START = time.monotonic()


def log(msg):
    print("[%6.1f s] %s" % (time.monotonic() - T_START, msg), file=sys.stderr, flush=True)


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Strata's CUDA backend against PyTorch (DataLoader, resident data, CUDA "
                    "graphs) on Fashion-MNIST.")
    p.add_argument("--pack", default=os.path.join(ROOT, ".device-pack"),
                   help="the pack of tools/device-pack.sh (default .device-pack)")
    p.add_argument("--out", default=os.environ.get("OUT")
                   or os.path.join(ROOT, "bench", "out", "gpu-compare"),
                   help="where the logs and JSON go (default $OUT or bench/out/gpu-compare)")
    p.add_argument("--epochs", type=int, default=2, help="epochs on every side (default 2)")
    p.add_argument("--quick", action="store_true",
                   help="half the training set and 3 timed evaluation passes")
    p.add_argument("--workloads", default="A,B,C", help="some of A,B,C (default all)")
    p.add_argument("--skip-strata", action="store_true", help="PyTorch only")
    p.add_argument("--strata-timeout", type=int, default=STRATA_TIMEOUT_S,
                   help="seconds each strata-cli command may run (default %d)"
                   % STRATA_TIMEOUT_S)
    p.add_argument("--cpu-smoke", action="store_true",
                   help="CPU, 1024 examples, no graph, no Strata: checks the Python side")
    p.add_argument("--self-test", action="store_true",
                   help="the Strata side against a fake strata-cli; no torch needed")
    args = p.parse_args(argv)
    if args.epochs < 1 or args.strata_timeout < 1:
        p.error("--epochs and --strata-timeout must be at least 1")
    letters = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    known = {w[0] for w in WORKLOADS}
    for w in letters:
        if w not in known:
            p.error("--workloads: no workload '%s' (A, B or C)" % w)
    args.workloads = [w for w in WORKLOADS if w[0] in letters]
    return args


# ---- formatting ------------------------------------------------------------------------------

def label(model, batch):
    return "%s b%d" % (model, batch)


def fmt_rate(x):
    return "n/a" if x is None else "{:,.0f}".format(x)


def fmt_ratio(a, b):
    return "n/a" if a is None or b is None or b <= 0 else "%.2f" % (a / b)


def fmt_acc(x):
    return "n/a" if x is None else "%.4f" % x


def render_table(header, rows, right=None):
    """Columns padded to their widest cell; `right` names the right-aligned columns."""
    right = set(range(1, len(header))) if right is None else set(right)
    cells = [list(map(str, header))] + [list(map(str, r)) for r in rows]
    w = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = []
    for k, r in enumerate(cells):
        lines.append("  ".join(c.rjust(w[i]) if i in right else c.ljust(w[i])
                               for i, c in enumerate(r)).rstrip())
        if k == 0:
            lines.append("  ".join("-" * x for x in w))
    return "\n".join(lines)


class Recorder:
    """gpu-compare.jsonl, one object per measurement, written as each one is made."""

    def __init__(self, path):
        self.path = path
        self.records = []
        self.failures = 0
        with open(path, "w"):
            pass

    def add(self, kind, **fields):
        rec = dict(kind=kind, **fields)
        rec["t"] = round(time.monotonic() - T_START, 2)
        self.records.append(rec)
        if kind == "error":
            self.failures += 1
        with open(self.path, "a") as f:
            f.write(json.dumps(rec) + "\n")
        return rec

    def find(self, kind, **match):
        for r in self.records:
            if r["kind"] == kind and all(r.get(k) == v for k, v in match.items()):
                return r
        return None


# ---- Strata ----------------------------------------------------------------------------------

def prepare_pack(pack):
    """(strata-cli path, environment for it); unpacks lib.tar.xz as gpu-check.sh does."""
    pack = os.path.abspath(pack)
    lib = os.path.join(pack, "lib")
    tarball = os.path.join(pack, "lib.tar.xz")
    if not os.path.isdir(lib) and os.path.isfile(tarball):
        with tarfile.open(tarball) as t:
            if hasattr(tarfile, "data_filter"):
                t.extractall(pack, filter="data")
            else:
                t.extractall(pack)
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = lib + (":" + env["LD_LIBRARY_PATH"]
                                    if env.get("LD_LIBRARY_PATH") else "")
    env["STRATA_GPU_MODULE_DIR"] = os.path.join(pack, "bin")
    env["STRATA_DATA_DIR"] = os.path.join(pack, "data")
    env.setdefault("OPENBLAS_CORETYPE", "Haswell")
    # strata-cli calls setlocale(): keep its printf'd JSON numbers in C form.
    env.pop("LC_ALL", None)
    env["LC_NUMERIC"] = "C"
    return os.path.join(pack, "bin", "strata-cli"), env


def json_lines(text):
    """The JSON objects among the lines of text; anything else is skipped."""
    objs = []
    for line in text.splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            objs.append(obj)
    return objs


def tail(text, n=8):
    lines = [l for l in text.splitlines() if l.strip()]
    return "\n".join("    " + l for l in lines[-n:])


def run_cli(cmd, env, stem, timeout=None):
    """Runs cmd with stdout and stderr in STEM.out and STEM.err: (rc, out, err, s, timed_out).
    rc is None when the command timed out (it is killed) or could not start."""
    t0 = time.monotonic()
    timeout = STRATA_TIMEOUT_S if timeout is None else timeout
    rc, timed_out = None, False
    with open(stem + ".out", "w") as fo, open(stem + ".err", "w") as fe:
        fe.write("$ %s\n" % " ".join(cmd))
        fe.flush()
        try:
            rc = subprocess.run(cmd, env=env, stdout=fo, stderr=fe, stdin=subprocess.DEVNULL,
                                timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            timed_out = True
        except OSError as e:
            fe.write("could not run %s: %s\n" % (cmd[0], e))
    seconds = time.monotonic() - t0
    with open(stem + ".out", errors="replace") as f:
        out = f.read()
    with open(stem + ".err", errors="replace") as f:
        err = f.read().split("\n", 1)[-1]
    return rc, out, err, seconds, timed_out


def failure_text(what, rc, err, timed_out, timeout=None):
    if timed_out:
        why = "timed out after %d s" % (STRATA_TIMEOUT_S if timeout is None else timeout)
    else:
        why = "did not start" if rc is None else "exit %d" % rc
    return "%s %s; stderr ends:\n%s" % (what, why, tail(err) or "    (empty)")


def cli_has_option(cli, env, command, option, out_dir):
    """Whether `strata-cli COMMAND --help` lists OPTION (None: the help could not be read)."""
    rc, out, err, _, _ = run_cli([cli, command, "--help"], env,
                                 os.path.join(out_dir, "strata-%s-help" % command), timeout=30)
    if rc is None:
        return None
    return option in out + err


def strata_train(cli, env, model, batch, epochs, limit, out_dir):
    """{"examples_per_sec", "test_acc", "epochs", "seconds"} of `strata-cli train`, or
    {"error": text}."""
    stem = os.path.join(out_dir, "strata-train-%s-b%d" % (model, batch))
    cmd = [cli, "train", model, "--device", STRATA_DEVICE, "--epochs", str(epochs),
           "--batch-size", str(batch), "--json", "--dataset", "fashion-mnist"]
    if limit:
        cmd += ["--limit", str(limit)]
    rc, out, err, seconds, timed_out = run_cli(cmd, env, stem)
    epochs_seen = [e for e in json_lines(out) if "epoch" in e]
    if rc != 0 or not epochs_seen:
        return {"error": failure_text("strata-cli train", rc, err, timed_out)
                + ("" if rc != 0 else "\n    (no epoch line on stdout)"),
                "cmd": cmd}
    last = epochs_seen[-1]
    res = {"examples_per_sec": last.get("examples_per_sec"), "test_acc": last.get("test_acc"),
           "train_acc": last.get("train_acc"), "epoch": last.get("epoch"),
           "epochs": len(epochs_seen), "seconds": round(seconds, 2), "cmd": cmd}
    if last.get("epoch") != epochs:
        res["note"] = "the last epoch reported is %s, not %d" % (last.get("epoch"), epochs)
    return res


def parse_profile(obj):
    """[(us, what)] of a bench object's "profile", longest first; None when it has none."""
    prof = obj.get("profile")
    if not isinstance(prof, list):
        return None
    rows = []
    for item in prof:
        if not isinstance(item, dict):
            continue
        us, what = item.get("us"), item.get("what")
        if isinstance(us, (int, float)) and not isinstance(us, bool) and us == us:
            rows.append((float(us), str(what)))
    rows.sort(key=lambda r: -r[0])
    return rows


def _unknown_option(err, option):
    return ("unknown option " + option) in err.lower()


def strata_bench(cli, env, model, batch, preset_batch, out_dir, profile=True):
    """{"eval_examples_per_sec", "train_examples_per_sec", "batch_size", "profile", "notes"}
    of `strata-cli bench`, or {"error": text}. Without --profile in this CLI it runs without
    it; without --batch-size it runs without it only where the preset's batch is the one
    wanted."""
    opts = {"--batch-size": str(batch), "--profile": None} if profile else \
           {"--batch-size": str(batch)}
    notes = []
    for attempt in range(3):
        cmd = [cli, "bench", model, "--device", STRATA_DEVICE, "--json"]
        for k, v in opts.items():
            cmd += [k] + ([v] if v is not None else [])
        stem = os.path.join(out_dir, "strata-bench-%s-b%d" % (model, batch))
        if attempt:
            stem += "-retry%d" % attempt
        rc, out, err, seconds, timed_out = run_cli(cmd, env, stem)
        if rc == 2 and "--profile" in opts and _unknown_option(err, "--profile"):
            notes.append("no profile: this strata-cli bench has no --profile")
            del opts["--profile"]
            continue
        if rc == 2 and "--batch-size" in opts and _unknown_option(err, "--batch-size"):
            if batch != preset_batch:
                return {"error": "strata-cli bench has no --batch-size, and the preset's batch "
                                 "is %d, not %d" % (preset_batch, batch), "cmd": cmd}
            notes.append("bench has no --batch-size; the preset's batch %d is the one wanted"
                         % batch)
            del opts["--batch-size"]
            continue
        break
    objs = [o for o in json_lines(out) if "eval_examples_per_sec" in o]
    if rc != 0 or not objs:
        return {"error": failure_text("strata-cli bench", rc, err, timed_out)
                + ("" if rc != 0 else "\n    (no JSON object on stdout)"), "cmd": cmd}
    obj = next((o for o in objs if o.get("model") == model), objs[0])
    got_batch = obj.get("batch_size")
    if got_batch is not None and got_batch != batch:
        return {"error": "strata-cli bench ran batch %s, not %d" % (got_batch, batch),
                "cmd": cmd}
    prof = parse_profile(obj)
    if "--profile" in opts and prof is None:
        notes.append("no profile: --profile was accepted but the JSON has no \"profile\"")
    return {"eval_examples_per_sec": obj.get("eval_examples_per_sec"),
            "train_examples_per_sec": obj.get("train_examples_per_sec"),
            "batch_size": got_batch, "device": obj.get("device"), "profile": prof,
            "notes": notes, "seconds": round(seconds, 2), "cmd": cmd}


def run_strata(args, rec, cli, env, model, batch, preset_batch, limit, has_batch_size):
    name = label(model, batch)
    if not os.path.isfile(cli):
        msg = "%s: no strata-cli at %s (make the pack with tools/device-pack.sh)" % (name, cli)
        for what in ("train", "bench"):
            rec.add("error", side="strata", what=what, workload=name, message=msg)
        log("ERROR " + msg)
        return
    if has_batch_size is False:
        msg = "strata-cli train has no --batch-size option: cannot run %s" % name
        rec.add("error", side="strata", what="train", workload=name, message=msg)
        log("ERROR " + msg)
    else:
        r = strata_train(cli, env, model, batch, args.epochs, limit, args.out)
        if "error" in r:
            rec.add("error", side="strata", what="train", workload=name, message=r["error"],
                    cmd=r["cmd"])
            log("ERROR %s Strata train: %s" % (name, r["error"]))
        else:
            rec.add("train", side="strata", way="strata", workload=name, model=model,
                    batch=batch, **r)
            log("%s strata: %s ex/s (epoch %s), test acc %s"
                % (name, fmt_rate(r["examples_per_sec"]), r["epoch"], fmt_acc(r["test_acc"])))
    r = strata_bench(cli, env, model, batch, preset_batch, args.out)
    for n in r.get("notes", []):
        log("%s bench: %s" % (name, n))
    if "error" in r:
        rec.add("error", side="strata", what="bench", workload=name, message=r["error"],
                cmd=r["cmd"])
        log("ERROR %s Strata bench: %s" % (name, r["error"]))
        return
    rec.add("eval", side="strata", model=model, batch=batch, workload=name,
            examples_per_sec=r["eval_examples_per_sec"],
            bench_train_examples_per_sec=r["train_examples_per_sec"], device=r["device"],
            notes=r["notes"], cmd=r["cmd"])
    if r["profile"] is not None:
        rec.add("profile", side="strata", model=model, batch=batch, workload=name,
                total_us=round(sum(u for u, _ in r["profile"]), 3),
                kernels=[{"what": w, "us": u} for u, w in r["profile"]])
    log("%s strata bench: eval %s ex/s%s" % (name, fmt_rate(r["eval_examples_per_sec"]),
                                             "" if r["profile"] is not None else ", no profile"))


# ---- data ------------------------------------------------------------------------------------

def data_dir(pack):
    for d in (os.path.join(pack, "data", "fashion-mnist"),
              os.path.join(os.environ.get("STRATA_DATA_DIR", ""), "fashion-mnist")
              if os.environ.get("STRATA_DATA_DIR") else None,
              FASHION_MNIST_SYSTEM_DIR):
        if d and any(os.path.exists(os.path.join(d, s + ext)) for s in IDX_STEMS[:1]
                     for ext in ("", ".gz")):
            return d
    raise FileNotFoundError("no Fashion-MNIST IDX files in %s/data/fashion-mnist, "
                            "$STRATA_DATA_DIR/fashion-mnist or %s"
                            % (pack, FASHION_MNIST_SYSTEM_DIR))


def read_idx(folder, stem):
    """(dims, bytes) of an IDX file of unsigned bytes, raw or gzip: torch_cpu.read_idx on
    whichever of STEM.gz and STEM the folder holds."""
    for path in (os.path.join(folder, stem + ".gz"), os.path.join(folder, stem)):
        if os.path.exists(path):
            return torch_cpu.read_idx(path)
    raise FileNotFoundError("%s: no %s or %s.gz" % (folder, stem, stem))


def load_fashion(folder, torch):
    """{"train": (uint8 (N, 1, 28, 28), int64 (N,)), "test": ...} on the CPU."""
    out = {}
    for split, (img, lab) in (("train", IDX_STEMS[:2]), ("test", IDX_STEMS[2:])):
        dims, body = read_idx(folder, img)
        n, h, w = dims
        x = torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(n, 1, h, w)
        ldims, lbody = read_idx(folder, lab)
        if ldims[0] != n:
            raise ValueError("%s: %d labels for %d images" % (folder, ldims[0], n))
        y = torch.frombuffer(bytearray(lbody), dtype=torch.uint8).to(torch.int64)
        out[split] = (x, y)
    return out


def normalised(x_u8, norm, torch):
    """uint8 images as float32: pixel/255, then (x - mean)/std per channel."""
    x = x_u8.to(torch.float32).div_(255.0)
    mean = torch.tensor(norm.get("mean", [0.0]), dtype=torch.float32).reshape(1, -1, 1, 1)
    std = torch.tensor(norm.get("std", [1.0]), dtype=torch.float32).reshape(1, -1, 1, 1)
    return x.sub_(mean).div_(std)


# ---- PyTorch ---------------------------------------------------------------------------------

def load_spec(model):
    with open(os.path.join(PRESET_DIR, model + ".strata.json"), encoding="utf-8") as f:
        return json.load(f)


def apply_init(model, init, torch):
    """The preset's "init" on Conv2d and Linear weights; biases keep PyTorch's default."""
    if init in (None, "default"):
        return
    nn = torch.nn
    fns = {"xavier_uniform": nn.init.xavier_uniform_, "xavier_normal": nn.init.xavier_normal_,
           "kaiming_uniform": lambda w: nn.init.kaiming_uniform_(w, nonlinearity="relu"),
           "kaiming_normal": lambda w: nn.init.kaiming_normal_(w, nonlinearity="relu")}
    if init not in fns:
        raise ValueError("'%s' is not an initialiser Strata has" % init)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            fns[init](m.weight)


class Torch:
    """The PyTorch side of one run: device, data, the model and optimizer makers."""

    def __init__(self, torch, st, device, data, limit, eval_passes):
        self.torch, self.st, self.device = torch, st, device
        self.cuda = device.type == "cuda"
        self.eval_passes = eval_passes
        self.u8 = data
        self.limit = limit
        self.cache = {}

    def sync(self):
        if self.cuda:
            self.torch.cuda.synchronize()

    def tensors(self, norm):
        """Normalised (train x, train y, test x, test y) on the CPU and on the device."""
        key = json.dumps(norm, sort_keys=True)
        if key not in self.cache:
            torch = self.torch
            xtr, ytr = self.u8["train"]
            xte, yte = self.u8["test"]
            if self.limit:
                xtr, ytr = xtr[:self.limit], ytr[:self.limit]
            cpu = (normalised(xtr, norm, torch).contiguous(), ytr.contiguous(),
                   normalised(xte, norm, torch).contiguous(), yte.contiguous())
            dev = tuple(t.to(self.device) for t in cpu)
            self.cache.clear()
            self.cache[key] = (cpu, dev)
        return self.cache[key]

    def make(self, spec, capturable=False):
        torch, training = self.torch, spec["training"]
        torch.manual_seed(training.get("seed", 0))
        model = self.st.build_model(spec)
        apply_init(model, training.get("init"), torch)
        model.to(self.device)
        opt = self.st.build_optimizer(model, training)
        if capturable and any("capturable" in g for g in opt.param_groups):
            for g in opt.param_groups:
                g["capturable"] = True
            opt.defaults["capturable"] = True
        lossf = self.st.loss_fn(training.get("loss", "CrossEntropyLoss"))
        return model, opt, lossf

    def counters(self):
        return (self.torch.zeros((), dtype=self.torch.float32, device=self.device),
                self.torch.zeros((), dtype=self.torch.int64, device=self.device))

    # -- the three ways; each returns [(examples, seconds)] per epoch
    def _eager_step(self, model, opt, lossf, xb, yb, loss_sum, correct):
        out = model(xb)
        loss = lossf(out, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_sum.add_(loss.detach() * yb.shape[0])
        correct.add_((out.argmax(1) == yb).sum())

    def train_dataloader(self, model, opt, lossf, tensors, batch, epochs):
        torch = self.torch
        (xtr, ytr, _, _), _ = tensors
        loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(xtr, ytr),
                                             batch_size=batch, shuffle=True, num_workers=0,
                                             pin_memory=self.cuda)
        loss_sum, correct = self.counters()
        model.train()
        times = []
        for _ in range(epochs):
            self.sync()
            t0 = time.perf_counter()
            n = 0
            for xb, yb in loader:
                xb = xb.to(self.device, non_blocking=True)
                yb = yb.to(self.device, non_blocking=True)
                self._eager_step(model, opt, lossf, xb, yb, loss_sum, correct)
                n += yb.shape[0]
            self.sync()
            times.append((n, time.perf_counter() - t0))
        return times

    def train_resident(self, model, opt, lossf, tensors, batch, epochs):
        torch = self.torch
        _, (xtr, ytr, _, _) = tensors
        n = xtr.shape[0]
        loss_sum, correct = self.counters()
        model.train()
        times = []
        for _ in range(epochs):
            self.sync()
            t0 = time.perf_counter()
            perm = torch.randperm(n, device=self.device)
            for s in range(0, n, batch):
                idx = perm[s:s + batch]
                self._eager_step(model, opt, lossf, xtr[idx], ytr[idx], loss_sum, correct)
            self.sync()
            times.append((n, time.perf_counter() - t0))
        return times

    def train_graph(self, model, opt, lossf, tensors, batch, epochs):
        """The whole step in one CUDA graph, captured as in the PyTorch docs' "whole network
        capture": warm-up on a side stream, grads set to None before the capture so that
        backward allocates them from the graph's pool and every replay overwrites them."""
        torch = self.torch
        _, (xtr, ytr, _, _) = tensors
        n = xtr.shape[0]
        steps = n // batch
        if steps == 0:
            raise ValueError("fewer examples (%d) than one batch (%d)" % (n, batch))
        static_idx = torch.zeros(batch, dtype=torch.int64, device=self.device)
        loss_sum, correct = self.counters()
        model.train()

        def step():
            xb = xtr.index_select(0, static_idx)
            yb = ytr.index_select(0, static_idx)
            out = model(xb)
            loss = lossf(out, yb)
            loss.backward()
            opt.step()
            loss_sum.add_(loss.detach() * batch)
            correct.add_((out.argmax(1) == yb).sum())

        # Warm-up: three real steps on real batches (cuDNN picks its algorithms, the
        # optimizer makes its state) on a side stream.
        warm = torch.randperm(n, device=self.device)
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for i in range(min(3, steps)):
                static_idx.copy_(warm[i * batch:(i + 1) * batch])
                opt.zero_grad(set_to_none=True)
                step()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        opt.zero_grad(set_to_none=True)
        with torch.cuda.graph(graph):
            step()
        times = []
        for _ in range(epochs):
            self.sync()
            t0 = time.perf_counter()
            perm = torch.randperm(n, device=self.device)
            for s in range(steps):
                static_idx.copy_(perm[s * batch:(s + 1) * batch])
                graph.replay()
            self.sync()
            times.append((steps * batch, time.perf_counter() - t0))
        del graph
        return times

    # -- evaluation
    def eval_pass(self, model, lossf, x, y, batch):
        torch = self.torch
        loss_sum, correct = self.counters()
        with torch.no_grad():
            for s in range(0, x.shape[0], batch):
                xb, yb = x[s:s + batch], y[s:s + batch]
                out = model(xb)
                loss_sum.add_(lossf(out, yb) * yb.shape[0])
                correct.add_((out.argmax(1) == yb).sum())
        return loss_sum, correct

    def test_acc(self, model, lossf, tensors):
        _, (_, _, xte, yte) = tensors
        model.eval()
        _, correct = self.eval_pass(model, lossf, xte, yte, 1000)
        model.train()
        return correct.item() / xte.shape[0]

    def eval_rate(self, model, lossf, tensors, batch):
        """Examples/s of a pass over the test set: the median of eval_passes after a warm-up."""
        _, (_, _, xte, yte) = tensors
        model.eval()
        self.eval_pass(model, lossf, xte, yte, batch)
        times = []
        for _ in range(self.eval_passes):
            self.sync()
            t0 = time.perf_counter()
            self.eval_pass(model, lossf, xte, yte, batch)
            self.sync()
            times.append(time.perf_counter() - t0)
        model.train()
        return xte.shape[0] / statistics.median(times)


def torch_workload(args, rec, tw, model_name, batch, ways, eval_batches, err_log):
    name = label(model_name, batch)
    spec = load_spec(model_name)
    tensors = tw.tensors(spec["training"].get("normalize") or {"mean": [0.0], "std": [1.0]})
    resident_model = None
    for way in ways:
        try:
            model, opt, lossf = tw.make(spec, capturable=(way == "graph"))
            times = getattr(tw, "train_" + way)(model, opt, lossf, tensors, batch, args.epochs)
            n, s = times[-1]
            acc = tw.test_acc(model, lossf, tensors)
            rec.add("train", side="torch", way=way, workload=name, model=model_name,
                    batch=batch, examples_per_sec=n / s, epoch=len(times), examples=n,
                    seconds=round(s, 4),
                    epochs_examples_per_sec=[round(a / b, 1) for a, b in times],
                    test_acc=acc, dropped=(len(tensors[1][0]) - n) if way == "graph" else 0)
            low = acc < SANITY_ACC.get(model_name, 0.0) and not args.cpu_smoke
            log("%s %s: %s ex/s (epoch %d), test acc %.4f%s"
                % (name, way, fmt_rate(n / s), len(times), acc,
                   "  LOW (sanity wants > %.2f)" % SANITY_ACC[model_name] if low else ""))
            if way == "resident":
                resident_model = (model, lossf)
            else:
                del model, opt
        except Exception as e:          # one way failing must not stop the others
            msg = "%s: %s" % (type(e).__name__, e)
            rec.add("error", side="torch", what=way, workload=name, message=msg)
            with open(err_log, "a") as f:
                f.write("== %s %s\n%s\n" % (name, way, traceback.format_exc()))
            log("ERROR %s %s: %s (traceback in %s)" % (name, way, msg, err_log))
        if tw.cuda:
            tw.torch.cuda.empty_cache()
    for eb in eval_batches:
        try:
            if resident_model is None:
                model, _, lossf = tw.make(spec)
            else:
                model, lossf = resident_model
            rate = tw.eval_rate(model, lossf, tensors, eb)
            rec.add("eval", side="torch", model=model_name, batch=eb, workload=name,
                    examples_per_sec=rate, passes=tw.eval_passes,
                    examples=len(tensors[1][2]))
            log("%s eval at batch %d: %s ex/s" % (model_name, eb, fmt_rate(rate)))
        except Exception as e:
            msg = "%s: %s" % (type(e).__name__, e)
            rec.add("error", side="torch", what="eval b%d" % eb, workload=name, message=msg)
            with open(err_log, "a") as f:
                f.write("== %s eval b%d\n%s\n" % (name, eb, traceback.format_exc()))
            log("ERROR %s eval at batch %d: %s" % (name, eb, msg))


# ---- the report ------------------------------------------------------------------------------

def report(rec, workloads, header_lines, ways, judge=True):
    out = list(header_lines)
    train_of = {}
    for r in rec.records:
        if r["kind"] == "train":
            train_of[(r["workload"], r["way"])] = r

    def rate(wl, way):
        r = train_of.get((wl, way))
        return None if r is None else r.get("examples_per_sec")

    last_epoch = {r.get("epoch") for r in train_of.values()}
    ep = "epoch %s" % "/".join(str(e) for e in sorted(x for x in last_epoch if x)) \
        if last_epoch else "last epoch"
    rows = []
    for _, model, batch in workloads:
        wl = label(model, batch)
        s = rate(wl, "strata")
        rows.append([wl] + [fmt_rate(rate(wl, w)) if w in ways else "-" for w in WAYS]
                    + [fmt_rate(s), fmt_ratio(s, rate(wl, "graph")),
                       fmt_ratio(s, rate(wl, "resident"))])
    out += ["", "Training, examples/s (%s; n/a: failed or not run)" % ep,
            render_table(["workload"] + list(WAYS) + ["Strata", "Strata/graph",
                                                      "Strata/resident"], rows)]

    models = [m for _, m, _ in workloads]
    pairs = sorted({(m, eb) for _, m, b in workloads for eb in (b, EVAL_BATCH_EXTRA)},
                   key=lambda mb: (models.index(mb[0]), mb[1]))
    rows = []
    for model, eb in pairs:
        t = rec.find("eval", side="torch", model=model, batch=eb)
        s = rec.find("eval", side="strata", model=model, batch=eb)
        tv = t and t.get("examples_per_sec")
        sv = s and s.get("examples_per_sec")
        rows.append([model, eb, fmt_rate(tv), fmt_rate(sv), fmt_ratio(sv, tv)])
    out += ["", "Evaluation, examples/s (PyTorch: the test set, median of the timed passes; "
                "Strata: strata-cli bench, synthetic data)",
            render_table(["model", "batch", "PyTorch eager resident", "Strata",
                          "Strata/PyTorch"], rows, right=(1, 2, 3, 4))]

    out += ["", "Test accuracy after training"]
    rows = []
    for _, model, batch in workloads:
        wl = label(model, batch)
        cells = [wl]
        for way in ways + ("strata",):
            r = train_of.get((wl, way))
            cells.append(fmt_acc(r and r.get("test_acc")))
        want = SANITY_ACC.get(model)
        accs = [train_of[(wl, w)]["test_acc"] for w in ways + ("strata",)
                if (wl, w) in train_of and train_of[(wl, w)].get("test_acc") is not None]
        cells.append("not judged (tiny data)" if not judge else
                     "" if want is None or not accs else
                     "ok (> %.2f)" % want if min(accs) > want else "LOW (want > %.2f)" % want)
        rows.append(cells)
    out.append(render_table(["workload"] + ["PyTorch " + w for w in ways] + ["Strata",
                                                                             "sanity"],
                            rows, right=range(1, len(ways) + 2)))

    for r in rec.records:
        if r["kind"] != "profile":
            continue
        total = r["total_us"]
        rows = [["%.1f" % k["us"], "%.1f%%" % (100.0 * k["us"] / total) if total else "n/a",
                 k["what"]] for k in r["kernels"]]
        rows.append(["%.1f" % total, "100.0%" if total else "n/a", "step total"])
        out += ["", "Strata step, %s: time per kernel (strata-cli bench --profile)"
                % r["workload"], render_table(["us", "share", "what"], rows, right=(0, 1))]

    notes = ["%s: %s" % (r["workload"], n) for r in rec.records
             if r["kind"] == "eval" and r.get("notes") for n in r["notes"]]
    if notes:
        out += [""] + notes
    errors = [r for r in rec.records if r["kind"] == "error"]
    if errors:
        out += ["", "%d failure(s):" % len(errors)]
        for r in errors:
            out.append("  %s %s %s: %s" % (r["side"], r["what"], r["workload"],
                                           r["message"].replace("\n", "\n  ")))
    return "\n".join(out)


# ---- main ------------------------------------------------------------------------------------

def setup_torch(cpu):
    import torch
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import strata_torch
    if cpu:
        return torch, strata_torch, torch.device("cpu"), []
    if not torch.cuda.is_available():
        return torch, strata_torch, None, []
    # The graph way's warm-up runs a capturable Adam outside a capture, as the docs do.
    warnings.filterwarnings("ignore", message=".*capturable=True.*")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")         # PyTorch 2.9+ calls these flags legacy
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = True
        # Read back what is in force, including the fp32_precision of PyTorch 2.9+.
        state = []
        for what, get in (
                ("matmul.allow_tf32", lambda: torch.backends.cuda.matmul.allow_tf32),
                ("cudnn.allow_tf32", lambda: torch.backends.cudnn.allow_tf32),
                ("cudnn.benchmark", lambda: torch.backends.cudnn.benchmark),
                ("matmul.fp32_precision",
                 lambda: getattr(torch.backends.cuda.matmul, "fp32_precision", None)),
                ("cudnn.conv.fp32_precision",
                 lambda: getattr(getattr(torch.backends.cudnn, "conv", None),
                                 "fp32_precision", None))):
            try:
                value = get()
            except Exception as e:
                # PyTorch < 2.9 has no fp32_precision (1.13's cuBLAS module raises an
                # AssertionError for it); 2.9+ may refuse a read on mixed old and new flags.
                value = None if "nknown attribute" in str(e) else \
                    "unreadable (%s)" % str(e).split("\n")[0][:80]
            if value is not None:
                state.append("%s=%s" % (what, value))
    return torch, strata_torch, torch.device("cuda"), state


def main(argv):
    global STRATA_TIMEOUT_S
    args = parse_args(argv)
    STRATA_TIMEOUT_S = args.strata_timeout
    if args.self_test:
        return self_test()
    args.out = os.path.abspath(args.out)
    os.makedirs(args.out, exist_ok=True)
    try:
        torch, st, device, tf32 = setup_torch(args.cpu_smoke)
    except ImportError as e:
        print("gpu-compare.py: cannot import torch: %s" % e, file=sys.stderr)
        return 2
    if device is None:
        print("no CUDA device")
        return 2

    rec = Recorder(os.path.join(args.out, "gpu-compare.jsonl"))
    err_log = os.path.join(args.out, "torch-errors.log")
    if os.path.exists(err_log):
        os.remove(err_log)
    if args.cpu_smoke:
        limit, passes, ways = 1024, 2, ("dataloader", "resident")
        torch.set_num_threads(min(4, os.cpu_count() or 1))
        gpu = "CPU (--cpu-smoke)"
    else:
        (limit, passes), ways = ((30000, 3) if args.quick else (0, 5)), WAYS
        gpu = torch.cuda.get_device_name(0)

    header = ["gpu-compare: %s, torch %s, %s" % (gpu, torch.__version__,
                                                time.strftime("%Y-%m-%d %H:%M:%S")),
              "float32; TF32 off (%s)" % ", ".join(tf32) if tf32 else "float32"]
    rec.add("machine", gpu=gpu, torch=torch.__version__, settings=tf32, epochs=args.epochs,
            quick=args.quick, cpu_smoke=args.cpu_smoke, limit=limit, eval_passes=passes)

    try:
        folder = data_dir(os.path.abspath(args.pack))
        u8 = load_fashion(folder, torch)
        if args.cpu_smoke:
            u8 = {k: (x[:1024].clone(), y[:1024].clone()) for k, (x, y) in u8.items()}
    except (OSError, ValueError) as e:
        print("gpu-compare.py: %s" % e, file=sys.stderr)
        return 1
    n_train = min(limit, len(u8["train"][1])) if limit else len(u8["train"][1])
    header.append("Fashion-MNIST from %s: %d training examples, %d test; %d epoch(s) each"
                  % (folder, n_train, len(u8["test"][1]), args.epochs))
    if "graph" in ways:
        dropped = ["b%d drops %d" % (b, n_train % b) for _, _, b in args.workloads
                   if n_train % b]
        header.append("graph: the whole step in one CUDA graph, replayed; 3 warm-up steps before "
                      "the capture, untimed; the final partial batch of each epoch is dropped "
                      "(%s)" % (", ".join(dropped) or "none here"))
    header.append("PyTorch's rates: the last epoch's training loop, shuffle included, test pass "
                  "not%s" % ("" if args.cpu_smoke else "; epoch 1 carries cuDNN's autotuning"))
    log("data from %s; out %s" % (folder, args.out))
    tw = Torch(torch, st, device, u8, limit, passes)

    strata = not (args.skip_strata or args.cpu_smoke)
    if strata:
        try:
            cli, env = prepare_pack(args.pack)
        except (OSError, tarfile.TarError, EOFError) as e:
            rec.add("error", side="strata", what="pack", workload="all",
                    message="%s/lib.tar.xz: %s" % (args.pack, e))
            log("ERROR cannot unpack %s/lib.tar.xz: %s" % (args.pack, e))
            cli, env = os.path.join(args.pack, "bin", "strata-cli"), dict(os.environ)
        has_bs = cli_has_option(cli, env, "train", "--batch-size", args.out) \
            if os.path.isfile(cli) else None
        header.append("Strata: %s; training rate: the last epoch's examples_per_sec of train "
                      "--json; eval and profile: bench; %d s limit a command"
                      % (cli, STRATA_TIMEOUT_S))
    else:
        header.append("Strata: not run (%s)" % ("--cpu-smoke" if args.cpu_smoke
                                                else "--skip-strata"))

    done_eval = set()
    for _, model, batch in args.workloads:
        eval_batches = [b for b in (batch, EVAL_BATCH_EXTRA) if (model, b) not in done_eval]
        done_eval.update((model, b) for b in eval_batches)
        try:
            torch_workload(args, rec, tw, model, batch, ways, eval_batches, err_log)
        except Exception as e:
            rec.add("error", side="torch", what="workload", workload=label(model, batch),
                    message="%s: %s" % (type(e).__name__, e))
            log("ERROR %s PyTorch: %s" % (label(model, batch), traceback.format_exc()))
        if strata:
            preset_batch = load_spec(model)["training"].get("batch_size")
            try:
                run_strata(args, rec, cli, env, model, batch, preset_batch, limit, has_bs)
            except Exception as e:
                rec.add("error", side="strata", what="run", workload=label(model, batch),
                        message="%s: %s" % (type(e).__name__, e))
                log("ERROR %s Strata: %s" % (label(model, batch), traceback.format_exc()))

    text = report(rec, args.workloads, header, ways, judge=not args.cpu_smoke)
    with open(os.path.join(args.out, "summary.txt"), "w") as f:
        f.write(text + "\n")
    print(text)
    print("\nlogs and JSON: %s (%.0f s in all)" % (args.out, time.monotonic() - T_START))
    return 1 if rec.failures else 0


# ---- self-test -------------------------------------------------------------------------------

FAKE_CLI = r'''#!/usr/bin/env python3
# A stand-in for strata-cli: FAKE_MODE picks how it behaves.
import os, sys, time
mode = os.environ.get("FAKE_MODE", "full")
a = sys.argv[1:]
if "--help" in a:
    print("Usage:\n  strata-cli train [OPTION...] MODEL\n  --batch-size=N   Examples per step")
    sys.exit(0)
for need in ("LD_LIBRARY_PATH", "STRATA_GPU_MODULE_DIR", "STRATA_DATA_DIR", "OPENBLAS_CORETYPE"):
    if need not in os.environ:
        print("no " + need, file=sys.stderr); sys.exit(3)
def val(opt, default=None):
    return a[a.index(opt) + 1] if opt in a else default
if a[0] == "train":
    if mode == "slow":
        time.sleep(30)
    if mode == "crash":
        print("strata-cli: cuda: out of memory\nmore detail", file=sys.stderr); sys.exit(1)
    for e in range(1, int(val("--epochs")) + 1):
        print('{"epoch": %d, "train_loss": 0.5, "train_acc": 0.8, "test_loss": 0.6, '
              '"test_acc": 0.8%d, "examples_per_sec": %d.5, "seconds": 1.0}' % (e, e, 1000 * e))
    sys.exit(0)
if a[0] == "bench":
    if mode in ("old", "noprofile") and "--profile" in a:
        print("strata-cli: Unknown option --profile\n\nUsage: ...", file=sys.stderr); sys.exit(2)
    if mode == "old" and "--batch-size" in a:
        print("strata-cli: Unknown option --batch-size\n\nUsage: ...", file=sys.stderr); sys.exit(2)
    b = int(val("--batch-size", "32" if a[1] == "deep-cnn" else "256"))
    prof = ""
    if "--profile" in a:
        prof = (', "profile": [{"what": "forward 0 conv2d", "us": 12.5}, {"what": "adam", '
                '"us": 30}, {"what": "backward 0 conv2d", "us": 57.5}, "junk", {"us": "x"}]')
    print("not json")
    print('{"model": "%s", "batch_size": %d, "train_examples_per_sec": 5000.0, '
          '"eval_examples_per_sec": 20000.0, "device": "fake GPU"%s}' % (a[1], b, prof))
    sys.exit(0)
sys.exit(9)
'''


def self_test():
    failures, passed = [], [0]

    def check(cond, what):
        print("%s %s" % ("ok  " if cond else "FAIL", what))
        if cond:
            passed[0] += 1
        else:
            failures.append(what)

    # Parsing, without any program.
    text = ('Loading…\n{"epoch": 1, "test_acc": 0.5, "examples_per_sec": 10.0}\n'
            '{"epoch": 2, "test_acc": 0.6, "examples_per_sec": 20.0}\n{broken\n[1, 2]\n')
    objs = json_lines(text)
    check([o["epoch"] for o in objs] == [1, 2], "json_lines keeps the two objects only")
    prof = parse_profile({"profile": [{"what": "a", "us": 1}, {"what": "b", "us": 3.5},
                                      {"what": "c", "us": float("nan")}, {"what": "d"},
                                      {"what": "e", "us": True}, "x"]})
    check(prof == [(3.5, "b"), (1.0, "a")], "parse_profile sorts and drops bad entries")
    check(parse_profile({"model": "m"}) is None, "parse_profile: None without a profile")
    check(fmt_rate(1234567.8) == "1,234,568" and fmt_rate(None) == "n/a", "fmt_rate")
    check(fmt_ratio(1.0, 3.0) == "0.33" and fmt_ratio(1.0, None) == "n/a"
          and fmt_ratio(1.0, 0.0) == "n/a", "fmt_ratio")
    check(_unknown_option("strata-cli: Unknown option --profile\n", "--profile"),
          "GLib's unknown-option message is recognised")

    with tempfile.TemporaryDirectory() as tmp:
        pack = os.path.join(tmp, "pack")
        os.makedirs(os.path.join(pack, "bin"))
        os.makedirs(os.path.join(tmp, "lib"))
        with open(os.path.join(tmp, "lib", "libfake.so.1"), "w") as f:
            f.write("x")
        with tarfile.open(os.path.join(pack, "lib.tar.xz"), "w:xz") as t:
            t.add(os.path.join(tmp, "lib"), arcname="lib")
        cli_path = os.path.join(pack, "bin", "strata-cli")
        with open(cli_path, "w") as f:
            f.write(FAKE_CLI)
        os.chmod(cli_path, 0o755)
        out = os.path.join(tmp, "out")
        os.makedirs(out)
        saved = os.environ.pop("OPENBLAS_CORETYPE", None)
        cli, env = prepare_pack(pack)
        if saved is not None:
            os.environ["OPENBLAS_CORETYPE"] = saved
        check(os.path.isfile(os.path.join(pack, "lib", "libfake.so.1")),
              "prepare_pack unpacks lib.tar.xz into PACK/lib")
        check(env["LD_LIBRARY_PATH"].split(":")[0] == os.path.join(pack, "lib")
              and env["STRATA_GPU_MODULE_DIR"] == os.path.join(pack, "bin")
              and env["STRATA_DATA_DIR"] == os.path.join(pack, "data")
              and env["OPENBLAS_CORETYPE"] == "Haswell", "prepare_pack's environment")
        check(cli_has_option(cli, env, "train", "--batch-size", out) is True,
              "train --help lists --batch-size")

        env["FAKE_MODE"] = "full"
        r = strata_train(cli, env, "lenet5", 256, 2, 0, out)
        check(r.get("examples_per_sec") == 2000.5 and r.get("test_acc") == 0.82
              and r.get("epoch") == 2 and "note" not in r, "train: epoch 2's rate and accuracy")
        check(os.path.exists(os.path.join(out, "strata-train-lenet5-b256.out")),
              "train: stdout kept under OUT")
        r = strata_bench(cli, env, "deep-cnn", 32, 32, out)
        check(r.get("eval_examples_per_sec") == 20000.0 and r.get("batch_size") == 32
              and r["profile"] == [(57.5, "backward 0 conv2d"), (30.0, "adam"),
                                   (12.5, "forward 0 conv2d")] and not r["notes"],
              "bench: eval rate and profile")

        env["FAKE_MODE"] = "noprofile"
        r = strata_bench(cli, env, "deep-cnn", 256, 32, out)
        check(r.get("eval_examples_per_sec") == 20000.0 and r["profile"] is None
              and any("no profile" in n for n in r["notes"]),
              "bench without --profile: runs again without it, says no profile")

        env["FAKE_MODE"] = "old"
        r = strata_bench(cli, env, "deep-cnn", 256, 32, out)
        check("error" in r and "no --batch-size" in r["error"],
              "bench without --batch-size, another batch than the preset's: an error")
        r = strata_bench(cli, env, "deep-cnn", 32, 32, out)
        check(r.get("eval_examples_per_sec") == 20000.0 and len(r["notes"]) == 2,
              "bench without --batch-size at the preset's batch: runs without it")

        env["FAKE_MODE"] = "crash"
        r = strata_train(cli, env, "lenet5", 256, 2, 0, out)
        check("error" in r and "exit 1" in r["error"] and "out of memory" in r["error"],
              "train failing: exit status and stderr's tail")

        env["FAKE_MODE"] = "slow"
        t0 = time.monotonic()
        rc, _, err, _, timed_out = run_cli([cli, "train", "x", "--epochs", "1"], env,
                                           os.path.join(out, "slow"), timeout=1)
        check(timed_out and rc is None and time.monotonic() - t0 < 10,
              "a command past its limit is killed and reported")
        check("timed out after 1 s" in failure_text("x", rc, err, timed_out, 1),
              "the timeout is said")

        # The whole Strata path of one workload, and the report built from it.
        class A:
            epochs = 2
        A.out = out
        rec = Recorder(os.path.join(out, "gpu-compare.jsonl"))
        env["FAKE_MODE"] = "full"
        run_strata(A, rec, cli, env, "deep-cnn", 32, 32, 0, True)
        env["FAKE_MODE"] = "crash"
        run_strata(A, rec, cli, env, "lenet5", 256, 256, 0, True)
        run_strata(A, rec, os.path.join(tmp, "nothing"), env, "deep-cnn", 256, 32, 0, True)
        rec.add("train", side="torch", way="graph", workload="deep-cnn b32", model="deep-cnn",
                batch=32, examples_per_sec=4000.0, epoch=2, test_acc=0.9)
        rec.add("train", side="torch", way="resident", workload="deep-cnn b32",
                model="deep-cnn", batch=32, examples_per_sec=1000.0, epoch=2, test_acc=0.89)
        rec.add("eval", side="torch", model="deep-cnn", batch=32, workload="deep-cnn b32",
                examples_per_sec=40000.0)
        text = report(rec, WORKLOADS, ["header"], WAYS)
        print(text)
        squeezed = [" ".join(l.split()) for l in text.splitlines()]
        check("Strata step, deep-cnn b32: time per kernel (strata-cli bench --profile)"
              in squeezed and "100.0 100.0% step total" in squeezed
              and "57.5 57.5% backward 0 conv2d" in squeezed, "report: the profile table")
        row = [l for l in text.splitlines() if l.startswith("deep-cnn b32 ")][0].split()
        check(row[-3:] == ["2,000", "0.50", "2.00"], "report: Strata/graph and Strata/resident")
        check("0.50" in [l for l in text.splitlines() if l.startswith("deep-cnn ")
                         and " 32 " in l][0], "report: the evaluation ratio")
        check(rec.failures == 3 and "3 failure(s)" in text, "report: the failures listed")
        lines = open(os.path.join(out, "gpu-compare.jsonl")).read().splitlines()
        check(len(lines) == len(rec.records) and all(json.loads(l) for l in lines),
              "gpu-compare.jsonl: one object a line")

    print("self-test: %d passed, %d failed" % (passed[0], len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
