"""What test-onnx asks Debian's python3-onnx (and python3-torch) about Strata's ONNX files.

Usage: /usr/bin/python3 onnx-check.py JOBS.json

JOBS.json is a list of {"name", "onnx", "weights", "pytorch"}: an ONNX file Strata wrote,
the safetensors file its initializers must equal bit for bit (or null), and the PyTorch
module `strata-cli export --pytorch` wrote for the same model (or null). For each job one JSON
line is printed with what the C side compares against Strata's own shape inference:

  - onnx.checker.check_model(full_check=True) on the file;
  - onnx.shape_inference.infer_shapes(check_type=True, strict_mode=True) on the file as
    written (the shapes Strata declared must agree with ONNX's), and again with the
    value_info and the output's shape taken out, so that every shape reported ("shapes") is
    ONNX's own;
  - the initializers' names and shapes, and whether they equal the weights file;
  - with torch: the graph evaluated by the small interpreter below (onnxruntime is not in
    Debian, and python3-onnx 1.12 has no onnx.reference), in float64, against the PyTorch
    module in eval() mode with the same weights, layer by layer through forward hooks.

A job that fails prints {"name", "error"} and the others still run.
"""

import json
import struct
import sys
import traceback

import numpy as np
import onnx
from onnx import checker, numpy_helper, shape_inference

try:
    import torch
    import torch.nn.functional as F
except ImportError:
    torch = None


def dims_of(value):
    out = []
    for d in value.type.tensor_type.shape.dim:
        if d.HasField("dim_value"):
            out.append(d.dim_value)
        elif d.HasField("dim_param"):
            out.append(d.dim_param)
        else:
            out.append(None)
    return out


def read_safetensors(path):
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", (name, info["dtype"])
        begin, end = info["data_offsets"]
        tensors[name] = np.frombuffer(data[begin:end], dtype="<f4").reshape(info["shape"])
    return tensors


# ---- an interpreter for the operators Strata writes, after the ONNX operator pages ----------

def pad2d(x, pads, value):
    top, left, bottom, right = pads
    return F.pad(x, (left, right, top, bottom), value=value)


def op_conv(x, w, b=None, kernel_shape=None, strides=(1, 1), pads=(0, 0, 0, 0),
            dilations=(1, 1), group=1):
    assert list(w.shape[2:]) == list(kernel_shape)
    return F.conv2d(pad2d(x, pads, 0.0), w, b, stride=strides, dilation=dilations, groups=group)


def op_maxpool(x, kernel_shape, strides=(1, 1), pads=(0, 0, 0, 0), dilations=(1, 1),
               ceil_mode=0):
    assert ceil_mode == 0
    return F.max_pool2d(pad2d(x, pads, float("-inf")), kernel_shape, strides,
                        dilation=dilations)


def op_averagepool(x, kernel_shape, strides=(1, 1), pads=(0, 0, 0, 0), count_include_pad=0,
                   ceil_mode=0):
    assert ceil_mode == 0
    assert count_include_pad == 1 or not any(pads)
    return F.avg_pool2d(pad2d(x, pads, 0.0), kernel_shape, strides)


def op_batchnorm(x, scale, bias, mean, var, epsilon=1e-5, momentum=0.9):
    shape = [1, -1] + [1] * (x.dim() - 2)
    return ((x - mean.reshape(shape)) / torch.sqrt(var.reshape(shape) + epsilon)
            * scale.reshape(shape) + bias.reshape(shape))


def op_flatten(x, axis=1):
    return x.reshape(int(np.prod(x.shape[:axis])), -1)


def op_gemm(a, b, c=None, alpha=1.0, beta=1.0, transA=0, transB=0):
    a = a.t() if transA else a
    b = b.t() if transB else b
    y = alpha * (a @ b)
    return y if c is None else y + beta * c


def op_unsqueeze(x, axes):
    for axis in sorted(int(v) for v in axes.tolist()):
        x = x.unsqueeze(axis)
    return x


OPS = {
    "Conv": op_conv,
    "MaxPool": op_maxpool,
    "AveragePool": op_averagepool,
    "GlobalAveragePool": lambda x: x.mean(dim=(2, 3), keepdim=True),
    "Relu": lambda x: torch.relu(x),
    "LeakyRelu": lambda x, alpha=0.01: F.leaky_relu(x, alpha),
    "PRelu": lambda x, slope: torch.where(x >= 0, x, x * slope),
    "Sigmoid": lambda x: torch.sigmoid(x),
    "Tanh": lambda x: torch.tanh(x),
    "BatchNormalization": op_batchnorm,
    "Dropout": lambda x, ratio=None: x,          # inference: training_mode is false
    "Flatten": op_flatten,
    "Gemm": op_gemm,
    "Concat": lambda *xs, axis: torch.cat(xs, axis),
    "Add": lambda a, b: a + b,
    "MatMul": lambda a, b: torch.matmul(a, b),
    "Unsqueeze": op_unsqueeze,
    "Identity": lambda x: x,
}


def to_torch(array):
    array = np.array(array)
    if array.dtype == np.float32:
        return torch.from_numpy(array.astype(np.float64))
    return torch.from_numpy(array)


def run_graph(model, x):
    """Every value of the graph for input x (float64)."""
    env = {"input": x}
    for t in model.graph.initializer:
        env[t.name] = to_torch(numpy_helper.to_array(t))
    for node in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
        if node.op_type == "Constant":
            env[node.output[0]] = to_torch(numpy_helper.to_array(attrs["value"]))
            continue
        env[node.output[0]] = OPS[node.op_type](*[env[n] for n in node.input], **attrs)
    return env


def load_module(path):
    import importlib.util
    spec = importlib.util.spec_from_file_location("exported", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def numeric(job, model, state):
    module = load_module(job["pytorch"])
    net = module.build_model()
    result = net.load_state_dict({k: torch.from_numpy(v.copy()) for k, v in state.items()},
                                 strict=False)
    assert not result.unexpected_keys, result.unexpected_keys
    assert all(k.endswith(".num_batches_tracked") for k in result.missing_keys), \
        result.missing_keys
    net = net.double().eval()
    last = list(dict(net.named_children()))[-1]
    seen = {}
    for name, sub in net.named_modules():
        if name:
            sub.register_forward_hook(
                lambda m, i, o, name=name: seen.__setitem__("output" if name == last else name,
                                                            o.detach()))
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(3, *module.INPUT_SHAPE, generator=gen, dtype=torch.float64)
    with torch.no_grad():
        want = net(x)
        env = run_graph(model, x)
    worst, worst_at, compared = 0.0, None, 0
    for name, value in seen.items():
        if name not in env:
            continue
        got = env[name]
        assert tuple(got.shape) == tuple(value.shape), (name, got.shape, value.shape)
        diff = float((got - value).abs().max() / (value.abs().max() + 1e-12)) if got.numel() else 0.0
        compared += 1
        if diff >= worst:
            worst, worst_at = diff, name
    diff = float((env["output"] - want).abs().max() / (want.abs().max() + 1e-12))
    return {"max_rel_diff": max(worst, diff), "worst": worst_at, "layers": compared,
            "output_rel_diff": diff}


def check(job):
    model = onnx.load(job["onnx"])
    checker.check_model(model, full_check=True)
    shape_inference.infer_shapes(model, check_type=True, strict_mode=True)

    bare = onnx.ModelProto()
    bare.CopyFrom(model)
    del bare.graph.value_info[:]
    for out in bare.graph.output:
        out.type.tensor_type.ClearField("shape")
    inferred = shape_inference.infer_shapes(bare, check_type=True, strict_mode=True)
    shapes = {v.name: dims_of(v)
              for v in list(inferred.graph.value_info) + list(inferred.graph.output)}

    state = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    result = {
        "name": job["name"],
        "ir_version": model.ir_version,
        "opsets": {o.domain: o.version for o in model.opset_import},
        "producer": model.producer_name,
        "inputs": {v.name: dims_of(v) for v in model.graph.input},
        "outputs": {v.name: dims_of(v) for v in model.graph.output},
        "declared": {v.name: dims_of(v) for v in model.graph.value_info},
        "initializers": [[t.name, list(t.dims)] for t in model.graph.initializer],
        "shapes": shapes,
        "ops": sorted({n.op_type for n in model.graph.node}),
        "metadata": {p.key: len(p.value) for p in model.metadata_props},
    }
    if job.get("weights"):
        file = read_safetensors(job["weights"])
        result["weights_equal"] = (sorted(file) == sorted(state) and all(
            file[k].shape == state[k].shape
            and np.array_equal(file[k].view(np.uint32), state[k].astype("<f4").view(np.uint32))
            for k in file))
    if torch is None:
        result["numeric"] = "skipped: no torch"
    elif job.get("pytorch"):
        result["numeric"] = numeric(job, model, state)
    return result


def main():
    with open(sys.argv[1]) as f:
        jobs = json.load(f)
    for job in jobs:
        try:
            line = check(job)
        except Exception as e:
            line = {"name": job["name"], "error": "%s: %s\n%s" % (type(e).__name__, e,
                                                                   traceback.format_exc())}
        print(json.dumps(line), flush=True)


if __name__ == "__main__":
    main()
