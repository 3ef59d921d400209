#!/usr/bin/python3
"""make-fixtures.py: PyTorch reference values for Strata's parity tests.

    /usr/bin/python3 tools/make-fixtures.py [--out DIR] [--check]

writes tests/fixtures/<name>.stfx for every preset in resources/presets (lenet5, lenet-relu,
mnist-cnn, deep-cnn, inception, resnet, toy) and for "zoo", a small model defined below that
touches every leaf type and both block forms (BatchNorm2d, PReLU, LeakyReLU, Tanh, dilation,
padded pooling, AdaptiveAvgPool2d, a Residual with a shortcut, a Concat). The output is
deterministic: running the script twice gives identical bytes (float32, one CPU thread, no
random numbers anywhere, no time stamps). --check regenerates into memory and exits 1 when
a file on disk differs. The reader is tests/fixture.c; this header is the format's reference.

Weights and inputs are not random: both sides compute them from one integer formula, so
fixtures of big models stay small (only samples of their tensors are stored) and a C test
rebuilds the very same float32 weights bit for bit.

The formula
-----------
    x       = (i * 2654435761 + t * 40503 + 12345) mod 2^32      (exact integer arithmetic)
    h(i, t) = fmix32(x), MurmurHash3's finaliser, every step mod 2^32:
              x ^= x >> 16;  x *= 0x85ebca6b;  x ^= x >> 13;  x *= 0xc2b2ae35;  x ^= x >> 16
    u(i, t) = h(i, t) / 2^32                                       (a double in [0, 1), exact)
(Without the finaliser the values would be a Weyl sequence, and every tensor would start
with nearly the same values: 40503 / 2^32 is a tiny shift.)

Parameter tensor number t (its position in model.named_parameters(), i.e. state_dict order
with buffers left out), flat element i (row-major, PyTorch's memory order):

    base = float32((u(i, t) - 0.5) * 2.0 * bound)                  (double arithmetic, left to
                                                                    right, one final rounding)
    w    = base                          when offset == 0
    w    = float32(offset) + base        otherwise (a float32 addition)

    tensor                     bound                              offset
    Conv2d weight and bias     1 / sqrt(in_channels * kh * kw)    0
    Linear weight and bias     1 / sqrt(in_features)              0
    PReLU weight               0.1                                0.25
    BatchNorm2d weight         0.1                                1.0
    BatchNorm2d bias           0.1                                0
(bound = 1.0 / sqrt((double) fan_in), IEEE sqrt and division, both correctly rounded.)
BatchNorm2d buffers keep PyTorch's initial values (running_mean 0, running_var 1).

The input batch, N images of C×H×W, flat NCHW element i, channel c = (i / (H*W)) mod C:

    byte = h(i, 1000) >> 24                                         (0..255, an 8-bit pixel)
    x    = float32(byte) / 255.0f                                   (float32 division, as
                                                                     torchvision's ToTensor)
    x    = (x - float32(mean[c])) / float32(std[c])                 (float32, as Normalize;
                                                                     skipped when the preset
                                                                     has no "normalize")
mean/std come from the model's training.normalize (one value applies to every channel).
Labels: sample n has label n mod K, K = the number of outputs (CrossEntropyLoss); for
BCELoss (toy: one sigmoid output) K = 2 and the target is float(label), shape (N, 1).
Batch size N = 4, toy 2.

What is computed
----------------
The model (tools/strata_torch.build_model) in train mode (no preset has Dropout; zoo's
BatchNorm2d uses batch statistics), float32: output = model(input), loss =
loss_fn(training.loss)(output, target) with the mean over the batch, loss.backward().
Then, from the same starting weights and these gradients, ONE step of
    SGD  lr 0.1, momentum 0.9, dampening 0, weight_decay 1e-4 (first step: the momentum
         buffer is grad + 1e-4 * w, so w' = w - 0.1 * (grad + 1e-4 * w))
    Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0 (first step:
         w' = w - 1e-3 * g / (|g| + 1e-8) after bias correction; g == 0 leaves w alone)

The file (all integers little-endian)
-------------------------------------
    "STFX"  u32 version (1)  u32 record count  then each record:
    u16 name length, name (UTF-8, no NUL), u8 dtype, u8 rank (0..8), rank × i64 dims,
    data: product(dims) elements, raw little-endian (rank 0: one element)
    dtype 1 = f32, 2 = i64, 3 = u8 (UTF-8 text), 4 = f64
Nothing follows the last record. Record names, in file order:

    meta                u8    JSON: format "strata-fixture/1", preset, model_file,
                              torch_version, batch_size, loss, n_classes, mode "train",
                              input_shape, normalize, formula constants, sample rule, the
                              sgd and adam settings, and per parameter: name, index, shape,
                              numel, fan_in, bound, offset, sampled
    spec                u8    the model file (JSON) the fixture was made from
    param_names         u8    parameter names in index order, joined by "\n"
    normalize:mean      f64   (C or 1,)      training.normalize, only when the model has it
    normalize:std       f64   (C or 1,)
    input               f32   (N, C, H, W)   the input batch (the formula above)
    labels              i64   (N,)           n mod K
    target              f32   (N, 1)         BCELoss only: float(labels)
    output              f32   (N, outputs)   model output (toy: (2, 1), after its Sigmoid)
    loss                f32   ()             the loss
    input.grad          f32   (N, C, H, W)   d loss / d input
  and for each parameter P ("0.weight", "3.branches.1.0.bias", ...):
    P:rule              f64   (4,)   [t, fan_in, bound, offset]; fan_in 0 when the bound is
                                     a fixed constant (PReLU, BatchNorm2d)
    P:shape             i64   (rank,) the parameter's shape (PyTorch's)
    P:index             i64   (k,)   sampled flat indices: all when numel <= 64, otherwise
                                     floor(j * (numel - 1) / 63) for j = 0..63
    P:init              f32   (k,)   starting values at those indices (the formula)
    P:grad              f32   (k,)   d loss / d P at those indices
    P:grad_full         f32   shape  the whole gradient, only when numel <= 4096
    P:sgd               f32   (k,)   values after the SGD step, at those indices
    P:adam              f32   (k,)   values after the Adam step, at those indices
  and once, for the first parameter (t = 0), a full copy to cross-check the formula:
    P:init_full         f32   shape
"""

import hashlib
import io
import json
import math
import os
import struct
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import strata_torch  # noqa: E402

MAGIC = b"STFX"
VERSION = 1
DTYPE_F32, DTYPE_I64, DTYPE_U8, DTYPE_F64 = 1, 2, 3, 4
MAX_RANK = 8

MULTIPLIER = 2654435761
TENSOR_STRIDE = 40503
ADDEND = 12345
FMIX1 = 0x85EBCA6B
FMIX2 = 0xC2B2AE35
INPUT_STREAM = 1000
MAX_SAMPLES = 64
FULL_GRAD_MAX = 4096

PRESETS = ["lenet5", "lenet-relu", "mnist-cnn", "deep-cnn", "inception", "resnet", "toy"]
SGD = {"type": "SGD", "lr": 0.1, "momentum": 0.9, "dampening": 0.0, "nesterov": False,
       "weight_decay": 1e-4}
ADAM = {"type": "Adam", "lr": 1e-3, "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0.0}

ZOO = {
    "format": "strata-model/1",
    "name": "Zoo",
    "description": "Every leaf type but Dropout, and both blocks, for the parity tests.",
    "input": {"channels": 3, "height": 12, "width": 10},
    "layers": [
        {"type": "Conv2d", "out_channels": 4, "kernel_size": [3, 2], "stride": [1, 2],
         "padding": 1, "dilation": [2, 1], "bias": False},
        {"type": "BatchNorm2d"},
        {"type": "PReLU", "num_parameters": 4},
        {"type": "MaxPool2d", "kernel_size": 2, "stride": 1, "padding": 1, "dilation": 2},
        {"type": "LeakyReLU", "negative_slope": 0.2},
        {"type": "AvgPool2d", "kernel_size": [2, 1], "padding": [1, 0]},
        {"type": "Tanh"},
        {"type": "Residual",
         "body": [{"type": "Conv2d", "out_channels": 6, "kernel_size": 3, "padding": 1},
                  {"type": "ReLU"},
                  {"type": "Conv2d", "out_channels": 6, "kernel_size": 1}],
         "shortcut": [{"type": "Conv2d", "out_channels": 6, "kernel_size": 1, "bias": False},
                      {"type": "BatchNorm2d"}]},
        {"type": "Concat", "branches": [
            [{"type": "Conv2d", "out_channels": 2, "kernel_size": 1}],
            [{"type": "AvgPool2d", "kernel_size": 3, "stride": 1, "padding": 1}]]},
        {"type": "AdaptiveAvgPool2d", "output_size": [2, 3]},
        {"type": "Flatten"},
        {"type": "Linear", "out_features": 7, "bias": False},
        {"type": "PReLU"},
        {"type": "Sigmoid"},
        {"type": "Linear", "out_features": 3},
    ],
    "training": {
        "dataset": "none", "batch_size": 4, "loss": "CrossEntropyLoss",
        "optimizer": {"type": "SGD", "lr": 0.1},
        "normalize": {"mean": [0.5, 0.25, 0.1], "std": [0.5, 0.3, 0.2]},
    },
}


# ---- the formula ---------------------------------------------------------------------------

def hash32(n, t):
    """h(i, t) for i = 0..n-1, as uint64 values below 2^32 (numpy wraps mod 2^64, which
    leaves the low 32 bits exact)."""
    mask = np.uint64(0xFFFFFFFF)
    i = np.arange(n, dtype=np.uint64)
    x = (i * np.uint64(MULTIPLIER) + np.uint64((t * TENSOR_STRIDE + ADDEND) % 2**32)) & mask
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(FMIX1)) & mask
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(FMIX2)) & mask
    x ^= x >> np.uint64(16)
    return x


def fill_weights(n, t, bound, offset=0.0):
    u = hash32(n, t).astype(np.float64) / 4294967296.0
    base = ((u - 0.5) * 2.0 * bound).astype(np.float32)
    if offset == 0.0:
        return base
    return np.float32(offset) + base


def fill_input(shape, mean, std):
    n = math.prod(shape)
    byte = (hash32(n, INPUT_STREAM) >> np.uint64(24)).astype(np.float32)
    x = byte / np.float32(255.0)
    if mean is not None:
        c = (np.arange(n) // (shape[2] * shape[3])) % shape[1]
        m = np.array(mean * shape[1] if len(mean) == 1 else mean, dtype=np.float32)
        s = np.array(std * shape[1] if len(std) == 1 else std, dtype=np.float32)
        x = (x - m[c]) / s[c]
    return x.astype(np.float32).reshape(shape)


def weight_rules(model):
    """[(name, parameter, fan_in, bound, offset)] in named_parameters() order."""
    owner = {}
    for mod_name, module in model.named_modules():
        for p_name, _ in module.named_parameters(recurse=False):
            owner[(mod_name + "." if mod_name else "") + p_name] = module
    rules = []
    for name, p in model.named_parameters():
        m = owner[name]
        short = name.rsplit(".", 1)[1]
        if isinstance(m, torch.nn.Conv2d):
            fan_in = m.in_channels // m.groups * m.kernel_size[0] * m.kernel_size[1]
            rules.append((name, p, fan_in, 1.0 / math.sqrt(fan_in), 0.0))
        elif isinstance(m, torch.nn.Linear):
            rules.append((name, p, m.in_features, 1.0 / math.sqrt(m.in_features), 0.0))
        elif isinstance(m, torch.nn.PReLU):
            rules.append((name, p, 0, 0.1, 0.25))
        elif isinstance(m, torch.nn.BatchNorm2d):
            rules.append((name, p, 0, 0.1, 1.0 if short == "weight" else 0.0))
        else:
            raise ValueError("no weight rule for %s (%s)" % (name, type(m).__name__))
    return rules


def sample_indices(numel):
    if numel <= MAX_SAMPLES:
        return np.arange(numel, dtype=np.int64)
    j = np.arange(MAX_SAMPLES, dtype=np.int64)
    return (j * (numel - 1)) // (MAX_SAMPLES - 1)


# ---- the file ------------------------------------------------------------------------------

class Writer:
    def __init__(self):
        self.records = []
        self.names = set()

    def add(self, name, array, dtype):
        assert name not in self.names, name
        self.names.add(name)
        np_type = {DTYPE_F32: "<f4", DTYPE_I64: "<i8", DTYPE_U8: "u1", DTYPE_F64: "<f8"}[dtype]
        a = np.asarray(array).astype(np_type)
        a = np.ascontiguousarray(a).reshape(a.shape)   # ascontiguousarray makes 0-d 1-d
        assert a.ndim <= MAX_RANK
        self.records.append((name, dtype, a.shape, a.tobytes()))

    def text(self, name, s):
        self.add(name, np.frombuffer(s.encode("utf-8"), dtype=np.uint8), DTYPE_U8)

    def f32(self, name, tensor):
        self.add(name, tensor.detach().cpu().numpy() if torch.is_tensor(tensor) else tensor,
                 DTYPE_F32)

    def tobytes(self):
        out = io.BytesIO()
        out.write(MAGIC + struct.pack("<II", VERSION, len(self.records)))
        for name, dtype, shape, data in self.records:
            raw = name.encode("utf-8")
            out.write(struct.pack("<H", len(raw)) + raw)
            out.write(struct.pack("<BB", dtype, len(shape)))
            out.write(struct.pack("<%dq" % len(shape), *shape))
            out.write(data)
        return out.getvalue()


def make_fixture(preset, spec, model_file):
    training = spec.get("training", {})
    loss_name = training.get("loss", "CrossEntropyLoss")
    norm = training.get("normalize")
    model = strata_torch.build_model(spec)
    model.train()
    rules = weight_rules(model)
    with torch.no_grad():
        for t, (name, p, fan_in, bound, offset) in enumerate(rules):
            w = fill_weights(p.numel(), t, bound, offset).reshape(tuple(p.shape))
            p.copy_(torch.from_numpy(w))
    start = {k: v.detach().clone() for k, v in model.state_dict().items()}

    batch = 2 if preset == "toy" else 4
    inp = spec["input"]
    shape = (batch, inp["channels"], inp["height"], inp["width"])
    x = torch.from_numpy(fill_input(shape, norm and norm["mean"], norm and norm["std"]))
    x.requires_grad_(True)
    out = model(x)
    if loss_name == "CrossEntropyLoss":
        n_classes = out.shape[1]
        labels = torch.arange(batch, dtype=torch.int64) % n_classes
        target = labels
    elif loss_name == "BCELoss":
        n_classes = 2
        labels = torch.arange(batch, dtype=torch.int64) % n_classes
        target = labels.to(torch.float32).reshape(batch, 1)
    else:
        raise ValueError("%s: no fixture rule for %s" % (preset, loss_name))
    loss = strata_torch.loss_fn(loss_name)(out, target)
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p, *_ in rules}

    stepped = {}
    for key, settings in (("sgd", SGD), ("adam", ADAM)):
        m = strata_torch.build_model(spec)
        m.load_state_dict(start)
        m.train()
        for name, p in m.named_parameters():
            p.grad = grads[name].clone()
        strata_torch.build_optimizer(m, settings).step()
        stepped[key] = {name: p.detach().clone() for name, p in m.named_parameters()}

    params_meta = []
    for t, (name, p, fan_in, bound, offset) in enumerate(rules):
        params_meta.append({"name": name, "index": t, "shape": list(p.shape),
                            "numel": p.numel(), "fan_in": fan_in, "bound": bound,
                            "offset": offset,
                            "sampled": int(min(p.numel(), MAX_SAMPLES))})
    meta = {
        "format": "strata-fixture/1",
        "preset": preset,
        "model_file": model_file,
        "torch_version": torch.__version__.split("+")[0],
        "batch_size": batch,
        "loss": loss_name,
        "n_classes": int(n_classes),
        "mode": "train",
        "input_shape": list(shape),
        "normalize": norm,
        "formula": {"multiplier": MULTIPLIER, "tensor_stride": TENSOR_STRIDE, "addend": ADDEND,
                    "modulus": 2**32, "input_stream": INPUT_STREAM},
        "samples": {"max": MAX_SAMPLES, "full_grad_max": FULL_GRAD_MAX},
        "sgd": SGD,
        "adam": ADAM,
        "total_params": sum(p.numel() for _, p, *_ in rules),
        "params": params_meta,
    }

    w = Writer()
    w.text("meta", json.dumps(meta, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    w.text("spec", json.dumps(spec, indent=2, ensure_ascii=False) + "\n")
    w.text("param_names", "\n".join(name for name, *_ in rules))
    if norm is not None:
        w.add("normalize:mean", np.array(norm["mean"], dtype=np.float64), DTYPE_F64)
        w.add("normalize:std", np.array(norm["std"], dtype=np.float64), DTYPE_F64)
    w.f32("input", x)
    w.add("labels", labels.numpy(), DTYPE_I64)
    if loss_name == "BCELoss":
        w.f32("target", target)
    w.f32("output", out)
    w.f32("loss", loss.reshape(()))
    w.f32("input.grad", x.grad)
    for t, (name, p, fan_in, bound, offset) in enumerate(rules):
        idx = sample_indices(p.numel())
        at = torch.from_numpy(idx)
        w.add(name + ":rule", np.array([t, fan_in, bound, offset], dtype=np.float64), DTYPE_F64)
        w.add(name + ":shape", np.array(p.shape, dtype=np.int64), DTYPE_I64)
        w.add(name + ":index", idx, DTYPE_I64)
        w.f32(name + ":init", start[name].reshape(-1)[at])
        w.f32(name + ":grad", grads[name].reshape(-1)[at])
        if p.numel() <= FULL_GRAD_MAX:
            w.f32(name + ":grad_full", grads[name])
        w.f32(name + ":sgd", stepped["sgd"][name].reshape(-1)[at])
        w.f32(name + ":adam", stepped["adam"][name].reshape(-1)[at])
        if t == 0:
            w.f32(name + ":init_full", start[name])
    return w.tobytes()


def all_fixtures(root):
    yield "zoo", ZOO, "tools/make-fixtures.py (ZOO)"
    for preset in PRESETS:
        rel = "resources/presets/%s.strata.json" % preset
        yield preset, strata_torch.load_spec(os.path.join(root, rel)), rel


def main(argv):
    root = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    out_dir = os.path.join(root, "tests", "fixtures")
    check = "--check" in argv
    if "--out" in argv:
        out_dir = argv[argv.index("--out") + 1]
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(out_dir, exist_ok=True)
    differs = 0
    for preset, spec, rel in all_fixtures(root):
        expected = strata_torch.PRESET_PARAMS.get(preset)
        strata_torch.self_check(spec, expected)
        data = make_fixture(preset, spec, rel)
        path = os.path.join(out_dir, preset + ".stfx")
        if check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            differs += not same
            print("%-4s %s" % ("ok" if same else "DIFF", path))
            continue
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        print("%8d  %s  %s" % (len(data), hashlib.sha256(data).hexdigest()[:16], path))
    return 1 if differs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
