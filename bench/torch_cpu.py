#!/usr/bin/python3
"""torch_cpu.py: train a Strata preset in PyTorch on the CPU, the way strata-cli does it.

The PyTorch side of bench/compare-cpu.py. Same model (tools/strata_torch.build_model), same
batch size, optimizer, loss, initialiser and normalisation as the preset's "training" section;
the data sits in memory as one float tensor, already normalised, and each epoch indexes it
with a fresh permutation (no DataLoader, no workers) — as Strata's trainer hands its backend a
shuffled index list over a dataset held in memory.

    /usr/bin/python3 bench/torch_cpu.py --model lenet5 --epochs 1 --threads 2 --json

With --json it prints one JSON object per epoch with the keys of `strata-cli train --json`
(epoch, train_loss, train_acc, test_loss, test_acc, examples_per_sec, seconds) and a few more:
train_seconds, eval_seconds, eval_examples_per_sec, threads.

Timing, as in core/engine/trainer.c:
  examples_per_sec       training examples / training time; training time is the sum over
                         steps of gather + forward + loss + backward + optimizer step + the
                         metrics of the step; the per-epoch shuffle is outside it;
  eval_examples_per_sec  the 10,000 test images / the time of one pass over them under
                         torch.no_grad() in eval mode, at the training batch size;
  seconds                the whole epoch: shuffle + training + evaluation.

Threads: torch.set_num_threads(--threads) sizes the OpenMP team that runs oneDNN's
convolutions and ATen's element-wise ops. Debian's torch sends the Linear layers' GEMMs to the
pthread build of OpenBLAS, which keeps a thread pool of its own; with both at 2 on a 2-core
machine the two pools oversubscribe the cores (OpenMP workers spin while OpenBLAS threads
wait), and on this machine that made PyTorch 1.5-4x slower on lenet5 and ~1.5x slower on
deep-cnn. So --blas-threads defaults to 1: one OpenMP team does the parallel work, as in
Strata, whose CPU backend also sets OpenBLAS to 1 thread inside its own team of workers.
(PyTorch's pip wheels use MKL, which follows the OpenMP count and has no such problem.)

--info prints the thread and BLAS settings PyTorch runs with and exits.
Use Debian's /usr/bin/python3 (torch 1.13); the `python3` on PATH may lack torch.
"""

import argparse
import gzip
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PRESET_DIR = os.path.join(ROOT, "resources", "presets")
FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


def parse_args(argv):
    p = argparse.ArgumentParser(description="Train a Strata preset in PyTorch on the CPU.")
    p.add_argument("--model", default="lenet5",
                   help="preset name (resources/presets/NAME.strata.json) or a model file")
    p.add_argument("--epochs", type=int, default=0, help="epochs (default: the preset's)")
    p.add_argument("--batch-size", type=int, default=0, help="default: the preset's")
    p.add_argument("--limit", type=int, default=0, help="train on the first N examples only")
    p.add_argument("--threads", type=int, default=2, help="torch.set_num_threads (default 2)")
    p.add_argument("--blas-threads", type=int, default=1,
                   help="OpenBLAS threads for the Linear layers' GEMMs (default 1; see above)")
    p.add_argument("--seed", type=int, default=None, help="default: the preset's seed")
    p.add_argument("--dataset", default=None,
                   help="mnist, fashion-mnist or a folder of IDX files (default: the preset's)")
    p.add_argument("--json", action="store_true", help="one JSON object per epoch")
    p.add_argument("--info", action="store_true", help="print thread/BLAS settings and exit")
    args = p.parse_args(argv)
    for name in ("epochs", "batch_size", "limit", "threads", "blas_threads"):
        if getattr(args, name) < 0:
            p.error("--%s must not be negative" % name.replace("_", "-"))
    if args.threads == 0 or args.blas_threads == 0:
        p.error("--threads and --blas-threads must be at least 1")
    return args


# ---- data ----------------------------------------------------------------------------------

def dataset_dir(name):
    """The folder Strata looks in for a named dataset (core/data/dataset.c st_dataset_named_dir)."""
    lower = name.lower()
    if lower not in ("mnist", "fashion-mnist"):
        return name                                   # a folder given by path
    root = os.environ.get("STRATA_DATA_DIR")
    if root:
        return os.path.join(root, lower)
    if lower == "mnist":
        data_home = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
        return os.path.join(data_home, "strata", "datasets", "mnist")
    return FASHION_MNIST_SYSTEM_DIR


def find_idx(folder, stem):
    for name in (stem, stem + ".gz"):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            return path
    raise FileNotFoundError("%s: no %s or %s.gz" % (folder, stem, stem))


def read_idx(path):
    """An IDX file (raw or gzip) as (dims, bytes) of unsigned bytes."""
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype != 0x08:
        raise ValueError("%s: not an IDX file of unsigned bytes" % path)
    dims = struct.unpack(">" + "I" * ndim, data[4:4 + 4 * ndim])
    body = data[4 + 4 * ndim:]
    count = 1
    for d in dims:
        count *= d
    if len(body) != count:
        raise ValueError("%s: %d bytes of data, expected %d" % (path, len(body), count))
    return dims, body


def load_split(folder, images_stem, labels_stem, mean, std, torch):
    """(images (N, 1, H, W) float32 normalised, labels (N,) int64)."""
    dims, body = read_idx(find_idx(folder, images_stem))
    n, h, w = dims
    x = torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(n, 1, h, w)
    x = x.to(torch.float32).div_(255.0)                 # in place: one float copy in memory
    x.sub_(torch.tensor(mean, dtype=torch.float32).reshape(1, -1, 1, 1))
    x.div_(torch.tensor(std, dtype=torch.float32).reshape(1, -1, 1, 1))
    ldims, lbody = read_idx(find_idx(folder, labels_stem))
    if ldims[0] != n:
        raise ValueError("%s: %d labels for %d images" % (folder, ldims[0], n))
    y = torch.frombuffer(bytearray(lbody), dtype=torch.uint8).to(torch.int64)
    return x, y


# ---- model ---------------------------------------------------------------------------------

def apply_init(model, init, torch):
    """Strata's "init" on Conv2d/Linear weights; biases keep PyTorch's default (core/engine/net.c)."""
    if init in (None, "default"):
        return
    from torch import nn
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if init == "xavier_uniform":
                nn.init.xavier_uniform_(m.weight)
            elif init == "xavier_normal":
                nn.init.xavier_normal_(m.weight)
            elif init == "kaiming_uniform":
                nn.init.kaiming_uniform_(m.weight, nonlinearity="relu")
            elif init == "kaiming_normal":
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            else:
                raise ValueError("'%s' is not an initialiser Strata has" % init)


def load_spec(model):
    path = model if os.path.exists(model) else os.path.join(PRESET_DIR, model + ".strata.json")
    with open(path, encoding="utf-8") as f:
        return json.load(f)


# ---- info ----------------------------------------------------------------------------------

def loaded_openblas():
    """Path of the libopenblas this process loaded, from /proc/self/maps (None if none)."""
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if "libopenblas" in path:
                    return path
    except OSError:
        pass
    return None


def info(torch, threads):
    import ctypes
    out = {"torch": torch.__version__, "threads": torch.get_num_threads(),
           "interop_threads": torch.get_num_interop_threads(),
           "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
           "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE")}
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))       # make sure BLAS is loaded
    path = loaded_openblas()
    out["openblas"] = path
    if path:
        lib = ctypes.CDLL(path)
        lib.openblas_get_corename.restype = ctypes.c_char_p
        lib.openblas_get_config.restype = ctypes.c_char_p
        out["openblas_corename"] = lib.openblas_get_corename().decode()
        out["openblas_config"] = lib.openblas_get_config().decode()
        out["openblas_threads"] = lib.openblas_get_num_threads()
    out["mkldnn"] = torch.backends.mkldnn.is_available()
    print(json.dumps(out))


# ---- training ------------------------------------------------------------------------------

def evaluate(model, loss, x, y, batch, torch):
    model.eval()
    loss_sum, correct = 0.0, 0
    t0 = time.perf_counter()
    with torch.no_grad():
        for start in range(0, x.shape[0], batch):
            xb, yb = x[start:start + batch], y[start:start + batch]
            out = model(xb)
            loss_sum += loss(out, yb).item() * xb.shape[0]
            correct += (out.argmax(1) == yb).sum().item()
    seconds = time.perf_counter() - t0
    return loss_sum, correct, seconds


def main(argv):
    args = parse_args(argv)
    # OpenBLAS reads its thread count when it loads, so it is set before torch is imported.
    # The convolutions go to oneDNN and the element-wise ops to ATen, both on the OpenMP team
    # of --threads; the Linear layers' GEMMs go to Debian's pthread OpenBLAS, whose own
    # threads would come on top of that team (see the module docstring).
    os.environ["OPENBLAS_NUM_THREADS"] = str(args.blas_threads)
    os.environ["OMP_NUM_THREADS"] = str(args.threads)
    sys.path.insert(0, os.path.join(ROOT, "tools"))
    import torch
    import strata_torch

    torch.set_num_threads(args.threads)
    if args.info:
        info(torch, args.threads)
        return 0

    spec = load_spec(args.model)
    training = spec.get("training", {})
    epochs = args.epochs or training.get("epochs", 1)
    batch = args.batch_size or training.get("batch_size", 64)
    seed = args.seed if args.seed is not None else training.get("seed", 0)
    norm = training.get("normalize") or {"mean": [0.0], "std": [1.0]}
    dataset = args.dataset or training.get("dataset", "fashion-mnist")

    folder = dataset_dir(dataset)
    x_train, y_train = load_split(folder, IDX_STEMS[0], IDX_STEMS[1], norm["mean"], norm["std"],
                                  torch)
    x_test, y_test = load_split(folder, IDX_STEMS[2], IDX_STEMS[3], norm["mean"], norm["std"],
                                torch)
    n = x_train.shape[0] if args.limit == 0 else min(args.limit, x_train.shape[0])
    x_train, y_train = x_train[:n].contiguous(), y_train[:n].contiguous()

    torch.manual_seed(seed)
    model = strata_torch.build_model(spec)
    apply_init(model, training.get("init"), torch)
    optimizer = strata_torch.build_optimizer(model, training)
    loss = strata_torch.loss_fn(training.get("loss", "CrossEntropyLoss"))
    gen = torch.Generator().manual_seed(seed)

    for epoch in range(1, epochs + 1):
        t_epoch = time.perf_counter()
        order = torch.randperm(n, generator=gen)
        model.train()
        train_s, loss_sum, correct = 0.0, 0.0, 0
        for start in range(0, n, batch):
            t0 = time.perf_counter()
            idx = order[start:start + batch]
            xb, yb = x_train[idx], y_train[idx]
            optimizer.zero_grad()
            out = model(xb)
            step_loss = loss(out, yb)
            step_loss.backward()
            optimizer.step()
            loss_sum += step_loss.item() * xb.shape[0]
            correct += (out.argmax(1) == yb).sum().item()
            train_s += time.perf_counter() - t0
        test_loss, test_correct, eval_s = evaluate(model, loss, x_test, y_test, batch, torch)
        seconds = time.perf_counter() - t_epoch
        n_test = x_test.shape[0]
        row = {
            "epoch": epoch,
            "train_loss": loss_sum / n, "train_acc": correct / n,
            "test_loss": test_loss / n_test, "test_acc": test_correct / n_test,
            "examples_per_sec": round(n / max(train_s, 1e-9), 1),
            "seconds": round(seconds, 3),
            "train_seconds": round(train_s, 3), "eval_seconds": round(eval_s, 3),
            "eval_examples_per_sec": round(n_test / max(eval_s, 1e-9), 1),
            "threads": torch.get_num_threads(), "blas_threads": args.blas_threads,
        }
        if args.json:
            print(json.dumps(row), flush=True)
        else:
            print("epoch %d/%d  loss %.4f  acc %.4f  test loss %.4f  test acc %.4f  "
                  "%.1f train ex/s  %.1f eval ex/s  %.2f s"
                  % (epoch, epochs, row["train_loss"], row["train_acc"], row["test_loss"],
                     row["test_acc"], row["examples_per_sec"], row["eval_examples_per_sec"],
                     seconds), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except (OSError, ValueError) as e:
        print("torch_cpu.py: %s" % e, file=sys.stderr)
        sys.exit(1)
