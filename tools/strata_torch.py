"""strata_torch: a Strata model file (``*.strata.json``) as the equivalent PyTorch module.

The reference side of Strata's parity tests, and a way for a learner to take a model built
in Strata into a notebook:

    import json, strata_torch
    spec = json.load(open("resources/presets/lenet5.strata.json"))
    model = strata_torch.build_model(spec)               # an nn.Sequential
    opt = strata_torch.build_optimizer(model, spec["training"])
    loss = strata_torch.loss_fn(spec["training"]["loss"])
    print(strata_torch.to_python_source(spec))           # the same model as readable code

Naming follows torch.nn.Sequential, as Strata's weight files do: "0.weight", "3.bias";
a Concat block keeps an nn.ModuleList called ``branches`` of nn.Sequential
("5.branches.1.0.weight"); a Residual keeps ``body`` and, when given, ``shortcut``
("3.body.0.weight", "3.shortcut.0.weight").

in_channels / in_features / num_features are inferred from the running shape when absent
and checked when present, with PyTorch's output-size formulas, e.g. for Conv2d
    out = floor((in + 2 * padding - dilation * (kernel_size - 1) - 1) / stride) + 1
https://pytorch.org/docs/stable/generated/torch.nn.Conv2d.html
Unknown layer types and arguments are errors (ValueError), as they are in Strata.

Run ``/usr/bin/python3 tools/strata_torch.py`` to self-check every preset: parameter
counts, a forward pass, and exec() of to_python_source() giving the same state_dict
keys and shapes as build_model().
"""

import json
import math
import os
import sys

import torch
from torch import nn

__all__ = [
    "Concat", "Residual", "build_model", "build_optimizer", "loss_fn", "to_python_source",
    "infer_shapes", "load_spec", "self_check",
]


# ---- the two blocks ------------------------------------------------------------------------

class Concat(nn.Module):
    """Runs every branch on the same input and joins the outputs along channels (dim 1)."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class Residual(nn.Module):
    """body(x) + x, or body(x) + shortcut(x) when a shortcut is given."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))


# ---- argument tables -----------------------------------------------------------------------

# Every argument a leaf type takes, with its default (None: required or inferred).
# Mirrors core/model/layer-types.c; "inplace" is accepted and ignored (it changes no value).
LEAF_ARGS = {
    "Conv2d": {"in_channels": None, "out_channels": None, "kernel_size": None, "stride": 1,
               "padding": 0, "dilation": 1, "bias": True},
    "MaxPool2d": {"kernel_size": None, "stride": None, "padding": 0, "dilation": 1},
    "AvgPool2d": {"kernel_size": None, "stride": None, "padding": 0},
    "AdaptiveAvgPool2d": {"output_size": None},
    "ReLU": {"inplace": False},
    "PReLU": {"num_parameters": 1, "init": 0.25},
    "Sigmoid": {},
    "Tanh": {},
    "LeakyReLU": {"negative_slope": 0.01, "inplace": False},
    "Flatten": {},
    "Linear": {"in_features": None, "out_features": None, "bias": True},
    "Dropout": {"p": 0.5, "inplace": False},
    "BatchNorm2d": {"num_features": None, "eps": 1e-5, "momentum": 0.1, "affine": True},
}

REQUIRED = {
    "Conv2d": ("out_channels", "kernel_size"),
    "MaxPool2d": ("kernel_size",),
    "AvgPool2d": ("kernel_size",),
    "AdaptiveAvgPool2d": ("output_size",),
    "Linear": ("out_features",),
}

PAIR_ARGS = ("kernel_size", "stride", "padding", "dilation", "output_size")

BLOCK_KEYS = {"Concat": ("branches",), "Residual": ("body", "shortcut")}


def _where(path):
    return "layer %s" % path if path else "the model"


def _pair(value, name, path):
    if isinstance(value, bool):
        raise ValueError("%s: %s must be an integer or an [h, w] pair" % (_where(path), name))
    if isinstance(value, int):
        return (value, value)
    if (isinstance(value, (list, tuple)) and len(value) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        return (value[0], value[1])
    raise ValueError("%s: %s must be an integer or an [h, w] pair, got %r" % (_where(path), name,
                                                                           value))


def _leaf_args(layer, path):
    """The layer's arguments with defaults filled in; pair arguments as (h, w) tuples."""
    kind = layer.get("type")
    table = LEAF_ARGS[kind]
    args = {}
    for key, value in layer.items():
        if key == "type":
            continue
        if key not in table:
            raise ValueError("%s (%s): unknown argument '%s' (it takes %s)"
                             % (_where(path), kind, key, ", ".join(table) or "none"))
        args[key] = value
    for key in REQUIRED.get(kind, ()):
        if key not in args:
            raise ValueError("%s (%s): %s is required" % (_where(path), kind, key))
    out = dict(table)
    out.update(args)
    for key in PAIR_ARGS:
        if key in out and out[key] is not None:
            out[key] = _pair(out[key], key, path)
    if "stride" in out and out["stride"] is None:
        out["stride"] = out["kernel_size"]
    out["_given"] = frozenset(args)
    return out


def _window(size, k, s, p, d, path, what):
    out = (size + 2 * p - d * (k - 1) - 1) // s + 1
    if out < 1:
        raise ValueError("%s: input side %d is smaller than the %s — output would be %d"
                         % (_where(path), size, what, out))
    return out


# ---- shape walk ----------------------------------------------------------------------------

def _leaf_shape(kind, a, shape, path):
    """Output shape of one leaf for input shape (C, H, W) or (F,); fills inferred args in a."""
    image = len(shape) == 3

    def need_image():
        if not image:
            raise ValueError("%s (%s): needs an image (C×H×W) but its input is %d features"
                             % (_where(path), kind, shape[0]))

    if kind == "Conv2d":
        need_image()
        if a["in_channels"] is None:
            a["in_channels"] = shape[0]
        elif a["in_channels"] != shape[0]:
            raise ValueError("%s (Conv2d): in_channels is %d but the input has %d channels"
                             % (_where(path), a["in_channels"], shape[0]))
        k, s, p, d = a["kernel_size"], a["stride"], a["padding"], a["dilation"]
        return (a["out_channels"],
                _window(shape[1], k[0], s[0], p[0], d[0], path, "kernel"),
                _window(shape[2], k[1], s[1], p[1], d[1], path, "kernel"))
    if kind in ("MaxPool2d", "AvgPool2d"):
        need_image()
        k, s, p = a["kernel_size"], a["stride"], a["padding"]
        d = a.get("dilation", (1, 1))
        return (shape[0],
                _window(shape[1], k[0], s[0], p[0], d[0], path, "window"),
                _window(shape[2], k[1], s[1], p[1], d[1], path, "window"))
    if kind == "AdaptiveAvgPool2d":
        need_image()
        return (shape[0],) + tuple(a["output_size"])
    if kind == "BatchNorm2d":
        need_image()
        if a["num_features"] is None:
            a["num_features"] = shape[0]
        elif a["num_features"] != shape[0]:
            raise ValueError("%s (BatchNorm2d): num_features is %d but the input has %d channels"
                             % (_where(path), a["num_features"], shape[0]))
        return shape
    if kind == "PReLU":
        n = a["num_parameters"]
        if n != 1 and n != shape[0]:
            raise ValueError("%s (PReLU): num_parameters is %d but the input has %d %s"
                             % (_where(path), n, shape[0], "channels" if image else "features"))
        return shape
    if kind == "Flatten":
        return (math.prod(shape),)
    if kind == "Linear":
        if image:
            raise ValueError("%s (Linear): needs a flat vector of features but its input is "
                             "%d×%d×%d; put a Flatten before it" % ((_where(path),) + shape))
        if a["in_features"] is None:
            a["in_features"] = shape[0]
        elif a["in_features"] != shape[0]:
            raise ValueError("%s (Linear): in_features is %d but the input has %d features"
                             % (_where(path), a["in_features"], shape[0]))
        return (a["out_features"],)
    return shape     # ReLU, Sigmoid, Tanh, LeakyReLU, Dropout


class _Node:
    """One resolved layer: its type, filled-in arguments, children and output shape."""

    def __init__(self, kind, path, args=None, seqs=None, in_shape=None, out_shape=None):
        self.kind = kind
        self.path = path
        self.args = args or {}
        self.seqs = seqs or {}        # "branches": [[_Node]], "body": [_Node], "shortcut": ...
        self.in_shape = in_shape
        self.out_shape = out_shape


def _walk_seq(layers, shape, prefix):
    if not isinstance(layers, list):
        raise ValueError("%s: expected a list of layers, got %r" % (_where(prefix), layers))
    nodes = []
    for i, layer in enumerate(layers):
        path = "%s.%d" % (prefix, i) if prefix else str(i)
        node = _walk_node(layer, shape, path)
        nodes.append(node)
        shape = node.out_shape
    return nodes, shape


def _walk_node(layer, shape, path):
    if not isinstance(layer, dict) or not isinstance(layer.get("type"), str):
        raise ValueError("%s: a layer must be an object with a \"type\"" % _where(path))
    kind = layer["type"]
    if kind in BLOCK_KEYS:
        for key in layer:
            if key != "type" and key not in BLOCK_KEYS[kind]:
                raise ValueError("%s (%s): unknown argument '%s'" % (_where(path), kind, key))
    if kind == "Concat":
        branches = layer.get("branches")
        if not isinstance(branches, list) or not branches:
            raise ValueError("%s (Concat): needs at least one branch in \"branches\""
                             % _where(path))
        seqs, outs = [], []
        for b, branch in enumerate(branches):
            nodes, out = _walk_seq(branch, shape, "%s.branches.%d" % (path, b))
            seqs.append(nodes)
            outs.append(out)
        if any(len(o) != 3 or o[1:] != outs[0][1:] for o in outs):
            raise ValueError("%s (Concat): branches give %s; they must agree in height and width"
                             % (_where(path), outs))
        out = (sum(o[0] for o in outs),) + outs[0][1:]
        return _Node(kind, path, seqs={"branches": seqs}, in_shape=shape, out_shape=out)
    if kind == "Residual":
        body, out = _walk_seq(layer.get("body", []), shape, path + ".body")
        seqs = {"body": body}
        other = shape
        if layer.get("shortcut"):
            seqs["shortcut"], other = _walk_seq(layer["shortcut"], shape, path + ".shortcut")
        if out != other:
            raise ValueError("%s (Residual): the body gives %s but %s is %s; they must match"
                             % (_where(path), out, "the shortcut" if "shortcut" in seqs
                                else "the input", other))
        return _Node(kind, path, seqs=seqs, in_shape=shape, out_shape=out)
    if kind not in LEAF_ARGS:
        raise ValueError("%s: unknown layer type '%s'" % (_where(path), kind))
    args = _leaf_args(layer, path)
    out = _leaf_shape(kind, args, tuple(shape), path)
    return _Node(kind, path, args=args, in_shape=tuple(shape), out_shape=tuple(out))


def _input_shape(spec):
    inp = spec.get("input")
    if not isinstance(inp, dict):
        raise ValueError("the model has no \"input\" {channels, height, width}")
    return (inp["channels"], inp["height"], inp["width"])


def _resolve(spec):
    nodes, _ = _walk_seq(spec.get("layers", []), _input_shape(spec), "")
    return nodes


def infer_shapes(spec):
    """[(path, type, output_shape)] for every layer, blocks and their insides included."""
    rows = []

    def visit(nodes):
        for n in nodes:
            rows.append((n.path, n.kind, n.out_shape))
            for key in ("branches", "body", "shortcut"):
                seq = n.seqs.get(key)
                if seq is None:
                    continue
                for inner in (seq if key == "branches" else [seq]):
                    visit(inner)

    visit(_resolve(spec))
    return rows


# ---- modules -------------------------------------------------------------------------------

def _leaf_module(n):
    a = n.args
    if n.kind == "Conv2d":
        return nn.Conv2d(a["in_channels"], a["out_channels"], a["kernel_size"], stride=a["stride"],
                         padding=a["padding"], dilation=a["dilation"], bias=a["bias"])
    if n.kind == "MaxPool2d":
        return nn.MaxPool2d(a["kernel_size"], stride=a["stride"], padding=a["padding"],
                            dilation=a["dilation"])
    if n.kind == "AvgPool2d":
        return nn.AvgPool2d(a["kernel_size"], stride=a["stride"], padding=a["padding"])
    if n.kind == "AdaptiveAvgPool2d":
        return nn.AdaptiveAvgPool2d(a["output_size"])
    if n.kind == "ReLU":
        return nn.ReLU()
    if n.kind == "PReLU":
        return nn.PReLU(num_parameters=a["num_parameters"], init=a["init"])
    if n.kind == "Sigmoid":
        return nn.Sigmoid()
    if n.kind == "Tanh":
        return nn.Tanh()
    if n.kind == "LeakyReLU":
        return nn.LeakyReLU(negative_slope=a["negative_slope"])
    if n.kind == "Flatten":
        return nn.Flatten()
    if n.kind == "Linear":
        return nn.Linear(a["in_features"], a["out_features"], bias=a["bias"])
    if n.kind == "Dropout":
        return nn.Dropout(p=a["p"])
    if n.kind == "BatchNorm2d":
        return nn.BatchNorm2d(a["num_features"], eps=a["eps"], momentum=a["momentum"],
                              affine=a["affine"])
    raise AssertionError(n.kind)


def _module(n):
    if n.kind == "Concat":
        return Concat(*[nn.Sequential(*[_module(m) for m in seq]) for seq in n.seqs["branches"]])
    if n.kind == "Residual":
        body = nn.Sequential(*[_module(m) for m in n.seqs["body"]])
        shortcut = None
        if "shortcut" in n.seqs:
            shortcut = nn.Sequential(*[_module(m) for m in n.seqs["shortcut"]])
        return Residual(body, shortcut)
    return _leaf_module(n)


def load_spec(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def build_model(spec):
    """The nn.Sequential equivalent of a Strata model dict (float32, PyTorch's default init)."""
    return nn.Sequential(*[_module(n) for n in _resolve(spec)])


# ---- training pieces -----------------------------------------------------------------------

OPTIMIZER_KEYS = {
    "sgd": ("type", "lr", "momentum", "dampening", "nesterov", "weight_decay"),
    "adam": ("type", "lr", "betas", "eps", "weight_decay"),
    "adamw": ("type", "lr", "betas", "eps", "weight_decay"),
}


def build_optimizer(model, training):
    """The torch.optim optimizer described by a "training" dict (or its "optimizer" dict).

    Missing values take Strata's defaults (core/model/train-config.c), which are PyTorch's, except
    that SGD's lr, required in PyTorch, defaults to 0.1 as in Strata.
    """
    opt = training.get("optimizer", training) if "type" not in training else training
    kind = str(opt.get("type", "SGD")).lower()
    if kind not in OPTIMIZER_KEYS:
        raise ValueError("'%s' is not an optimizer Strata has (SGD, Adam, AdamW)" % opt["type"])
    for key in opt:
        if key not in OPTIMIZER_KEYS[kind]:
            raise ValueError("unknown optimizer argument '%s' for %s" % (key, opt["type"]))
    params = model.parameters()
    if kind == "sgd":
        return torch.optim.SGD(params, lr=opt.get("lr", 0.1), momentum=opt.get("momentum", 0.0),
                               dampening=opt.get("dampening", 0.0),
                               nesterov=opt.get("nesterov", False),
                               weight_decay=opt.get("weight_decay", 0.0))
    cls = torch.optim.Adam if kind == "adam" else torch.optim.AdamW
    return cls(params, lr=opt.get("lr", 1e-3), betas=tuple(opt.get("betas", (0.9, 0.999))),
               eps=opt.get("eps", 1e-8),
               weight_decay=opt.get("weight_decay", 0.0 if kind == "adam" else 0.01))


LOSSES = {
    "CrossEntropyLoss": nn.CrossEntropyLoss,   # logits (N, K), class indices (N,) int64
    "BCELoss": nn.BCELoss,                     # probabilities (N, 1), float targets (N, 1)
    "MSELoss": nn.MSELoss,
}


def loss_fn(name):
    """The loss module for a Strata loss name; reduction is the mean over the batch."""
    if name not in LOSSES:
        raise ValueError("'%s' is not a loss Strata has (%s)" % (name, ", ".join(LOSSES)))
    return LOSSES[name]()


# ---- readable source -----------------------------------------------------------------------

BLOCK_SOURCE = '''\
class Concat(nn.Module):
    """Runs every branch on the same input and joins the outputs along channels."""

    def __init__(self, *branches):
        super().__init__()
        self.branches = nn.ModuleList(branches)

    def forward(self, x):
        return torch.cat([branch(x) for branch in self.branches], dim=1)


class Residual(nn.Module):
    """body(x) + x, or body(x) + shortcut(x) when a shortcut is given."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))
'''


def _fmt(v):
    return "(%d, %d)" % v if v[0] != v[1] else str(v[0])


def _shape_text(shape):
    return "×".join(str(d) for d in shape)


def _leaf_source(n):
    a, given = n.args, n.args["_given"]

    def opt(name, default, text=None):
        v = a[name]
        return [] if v == default else ["%s=%s" % (name, text if text is not None else repr(v))]

    if n.kind == "Conv2d":
        parts = [str(a["in_channels"]), str(a["out_channels"]),
                 "kernel_size=%s" % _fmt(a["kernel_size"])]
        parts += opt("stride", (1, 1), _fmt(a["stride"]))
        parts += opt("padding", (0, 0), _fmt(a["padding"]))
        parts += opt("dilation", (1, 1), _fmt(a["dilation"]))
        parts += opt("bias", True)
    elif n.kind in ("MaxPool2d", "AvgPool2d"):
        parts = ["kernel_size=%s" % _fmt(a["kernel_size"])]
        if "stride" in given:
            parts.append("stride=%s" % _fmt(a["stride"]))
        parts += opt("padding", (0, 0), _fmt(a["padding"]))
        if n.kind == "MaxPool2d":
            parts += opt("dilation", (1, 1), _fmt(a["dilation"]))
    elif n.kind == "AdaptiveAvgPool2d":
        parts = [_fmt(a["output_size"])]
    elif n.kind == "PReLU":
        parts = opt("num_parameters", 1) + opt("init", 0.25)
    elif n.kind == "LeakyReLU":
        parts = opt("negative_slope", 0.01)
    elif n.kind == "Linear":
        parts = [str(a["in_features"]), str(a["out_features"])] + opt("bias", True)
    elif n.kind == "Dropout":
        parts = ["p=%r" % a["p"]]
    elif n.kind == "BatchNorm2d":
        parts = [str(a["num_features"])] + opt("eps", 1e-5) + opt("momentum", 0.1)
        parts += opt("affine", True)
    else:
        parts = []
    return "nn.%s(%s)" % (n.kind, ", ".join(parts))


def _seq_source(nodes, indent, lines, closing):
    pad = " " * indent
    for n in nodes:
        comment = "  # %s: %s" % (n.path, _shape_text(n.out_shape))
        if n.kind == "Concat":
            lines.append(pad + "Concat(" + comment)
            for seq in n.seqs["branches"]:
                lines.append(pad + "    nn.Sequential(")
                _seq_source(seq, indent + 8, lines, "),")
            lines.append(pad + "),")
        elif n.kind == "Residual":
            lines.append(pad + "Residual(" + comment)
            lines.append(pad + "    body=nn.Sequential(")
            _seq_source(n.seqs["body"], indent + 8, lines, "),")
            if "shortcut" in n.seqs:
                lines.append(pad + "    shortcut=nn.Sequential(")
                _seq_source(n.seqs["shortcut"], indent + 8, lines, "),")
            lines.append(pad + "),")
        else:
            lines.append(pad + _leaf_source(n) + "," + comment)
    lines.append(" " * (indent - 4) + closing)


def to_python_source(spec):
    """PyTorch code that defines ``model``, the same network as build_model(spec).

    The text imports torch, defines Concat and Residual only when the model uses them, and
    builds one nn.Sequential with every inferred size written out and each layer's output
    shape (C×H×W, batch left out) in a comment.
    """
    nodes = _resolve(spec)
    kinds = {k for _, k, _ in infer_shapes(spec)}
    name = spec.get("name", "model")
    lines = ["# %s, exported from Strata" % name,
             "# input: %s" % _shape_text(_input_shape(spec)),
             "import torch", "from torch import nn", ""]
    if kinds & {"Concat", "Residual"}:
        lines += ["", BLOCK_SOURCE, ""]
    lines.append("model = nn.Sequential(")
    _seq_source(nodes, 4, lines, ")")
    return "\n".join(lines) + "\n"


# ---- self-check ----------------------------------------------------------------------------

PRESET_PARAMS = {
    "toy": 12, "lenet5": 61706, "lenet-relu": 44426, "mnist-cnn": 8490, "deep-cnn": 896522,
    "inception": 97298, "resnet": 41514,
}


def self_check(spec, expected_params=None):
    """Raises AssertionError unless build_model, infer_shapes and to_python_source agree:
    parameter count, output shape, state_dict keys and shapes, and (with the same weights,
    in eval mode) the very same output."""
    model = build_model(spec)
    n = sum(p.numel() for p in model.parameters())
    if expected_params is not None:
        assert n == expected_params, "%d parameters, expected %d" % (n, expected_params)
    c, h, w = _input_shape(spec)
    with torch.no_grad():
        out = model(torch.zeros(2, c, h, w))
    want = infer_shapes(spec)[-1][2] if spec.get("layers") else (c, h, w)
    assert tuple(out.shape[1:]) == tuple(want), "forward gives %s, inferred %s" % (
        tuple(out.shape), want)
    scope = {}
    exec(compile(to_python_source(spec), "<strata export>", "exec"), scope)
    theirs = {k: tuple(v.shape) for k, v in scope["model"].state_dict().items()}
    ours = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert list(theirs) == list(ours), "state_dict keys differ: %s vs %s" % (list(theirs),
                                                                             list(ours))
    assert theirs == ours, "state_dict shapes differ"
    scope["model"].load_state_dict(model.state_dict())
    model.eval()
    scope["model"].eval()
    x = torch.linspace(-1.0, 1.0, 2 * c * h * w).reshape(2, c, h, w)
    with torch.no_grad():
        assert torch.equal(model(x), scope["model"](x)), "the exported source computes otherwise"
    return n


def _extra_specs():
    """Small models that touch every leaf type and both block forms."""
    return {
        "all-leaves": {
            "input": {"channels": 3, "height": 12, "width": 10},
            "layers": [
                {"type": "Conv2d", "out_channels": 4, "kernel_size": [3, 2], "stride": [1, 2],
                 "padding": 1, "dilation": [2, 1], "bias": False},
                {"type": "BatchNorm2d", "eps": 1e-3, "momentum": 0.2},
                {"type": "PReLU", "num_parameters": 4, "init": 0.1},
                {"type": "MaxPool2d", "kernel_size": 2, "stride": 1, "padding": 1,
                 "dilation": 2},
                {"type": "LeakyReLU", "negative_slope": 0.2},
                {"type": "AvgPool2d", "kernel_size": [2, 1], "padding": [1, 0]},
                {"type": "Tanh"},
                {"type": "Residual",
                 "body": [{"type": "Conv2d", "out_channels": 6, "kernel_size": 1}],
                 "shortcut": [{"type": "Conv2d", "out_channels": 6, "kernel_size": 1,
                               "bias": False}, {"type": "BatchNorm2d", "affine": False}]},
                {"type": "AdaptiveAvgPool2d", "output_size": [2, 3]},
                {"type": "Flatten"},
                {"type": "Dropout", "p": 0.25},
                {"type": "Linear", "out_features": 5, "bias": False},
                {"type": "PReLU"},
                {"type": "Sigmoid"},
                {"type": "Linear", "in_features": 5, "out_features": 3},
                {"type": "ReLU", "inplace": True},
            ],
        },
    }


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    preset_dir = os.path.join(here, "..", "resources", "presets")
    failures = 0
    for name, expected in sorted(PRESET_PARAMS.items()):
        spec = load_spec(os.path.join(preset_dir, name + ".strata.json"))
        try:
            n = self_check(spec, expected)
            print("ok   %-12s %9d parameters" % (name, n))
        except (AssertionError, ValueError) as e:
            failures += 1
            print("FAIL %-12s %s" % (name, e))
    for name, spec in _extra_specs().items():
        try:
            n = self_check(spec)
            print("ok   %-12s %9d parameters" % (name, n))
        except (AssertionError, ValueError) as e:
            failures += 1
            print("FAIL %-12s %s" % (name, e))
    if "--print" in argv:
        for name in argv[argv.index("--print") + 1:]:
            print(to_python_source(load_spec(os.path.join(preset_dir, name + ".strata.json"))))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
