#!/usr/bin/env python3
"""Trains the network of model.py with its Strata recipe under torch.distributed.

The recipe is model.py's TRAINING: the initialisation (build_model), the optimizer and its
arguments (build_optimizer), the loss (build_loss), the normalisation, the augmentation, the
batch size, the epochs and the seed. The data are read from the files Strata reads: IDX
folders (raw or .gz), CIFAR-10 binary batches, CSV files and image folders, a single set split
60/40 at random exactly as Strata splits it, so the test set is Strata's.

    python3 train.py                                  one process
    torchrun --standalone --nproc_per_node=N train.py N processes on this machine

Any launcher that sets RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (and LOCAL_RANK for
GPUs) works as torchrun does; without them this is one process. GPUs use NCCL, one per
process; CPUs use gloo. See README.txt.

The recipe's batch is the global batch: each step takes the next batch_size examples of the
epoch's order and splits them over the processes in contiguous shares, the first
batch_size % WORLD_SIZE processes taking one more, so every step trains on exactly the
recipe's batch whatever the number of processes. The loss of a step is the mean over the global
batch and BatchNorm's statistics are those of the global batch, so N processes train as one.

Process 0 writes OUT/metrics.jsonl, one JSON object per epoch with the keys of
`strata-cli train --json`, and OUT/best.safetensors, the weights of the epoch with the best test
accuracy under Strata's tensor names: `strata-cli evaluate MODEL --weights OUT/best.safetensors`.

Needs only torch and the standard library (Pillow, when installed, decodes image formats other
than PNG).
"""

import argparse
import datetime
import faulthandler
import gzip
import json
import math
import os
import struct
import sys
import tempfile
import time
import zlib

# Debian's torch runs the Linear layers on OpenBLAS's own thread pool beside PyTorch's OpenMP
# team; both at full size oversubscribe the cores. Set before torch loads OpenBLAS.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402
import torch.distributed.nn.functional as dist_fn  # noqa: E402
from torch import nn  # noqa: E402
from torch.nn.parallel import DistributedDataParallel  # noqa: E402
from torch.utils.data.distributed import DistributedSampler  # noqa: E402

import model as exported  # noqa: E402  (model.py beside this file)

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = exported.TRAINING
INPUT_SHAPE = exported.INPUT_SHAPE
TRAIN_FRACTION = 0.6        # the share of a single set that Strata trains on
EVAL_BATCH = 1000           # test examples per forward pass
DEVICE_DATA_LIMIT = 2 << 30  # datasets up to this many bytes are copied to the GPU whole


class RecipeError(Exception):
    """A problem with the data, the options or the run, reported as one line."""


# ---- Strata's random number generator ---------------------------------------------------------
#
# xoshiro256** seeded through splitmix64 (core/ops/rng.c). Only the random split of a single set
# uses it, so that the test set is the one Strata holds out.

MASK64 = (1 << 64) - 1


def _rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK64


class StrataRng:
    def __init__(self, seed):
        x = seed & MASK64
        self.s = []
        for _ in range(4):
            x = (x + 0x9E3779B97F4A7C15) & MASK64
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
            self.s.append(z ^ (z >> 31))

    def u64(self):
        s0, s1, s2, s3 = self.s
        result = (_rotl((s1 * 5) & MASK64, 7) * 9) & MASK64
        t = (s1 << 17) & MASK64
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = _rotl(s3, 45)
        self.s = [s0, s1, s2, s3]
        return result

    def below(self, n):
        limit = MASK64 - MASK64 % n
        while True:
            r = self.u64()
            if r < limit:
                return r % n

    def shuffle(self, items):
        for i in range(len(items), 1, -1):
            j = self.below(i)
            items[i - 1], items[j] = items[j], items[i - 1]


# ---- datasets ---------------------------------------------------------------------------------
#
# A dataset is (images, labels): images a uint8 tensor (N, C, H, W), labels a uint8 tensor (N).

IDX_STEMS = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte",
             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
FASHION_MNIST_SYSTEM_DIR = "/usr/share/datasets/fashion-mnist"
# The extensions of the formats gdk-pixbuf reads, which Strata takes for images.
IMAGE_EXTENSIONS = {"png", "jpg", "jpeg", "jpe", "gif", "bmp", "ico", "cur", "tif", "tiff",
                    "pnm", "pbm", "pgm", "ppm", "xpm", "xbm", "tga", "targa", "icns", "webp",
                    "avif", "jxl", "heic", "heif", "qtif", "qif", "ani"}


class Data:
    def __init__(self, name, train, test, n_classes):
        self.name = name
        self.train_images, self.train_labels = train
        self.test_images, self.test_labels = test
        self.n_classes = n_classes


def named_dir(name):
    """The folder Strata looks in for a named set (core/data/dataset.c, st_dataset_named_dir)."""
    root = os.environ.get("STRATA_DATA_DIR", "")
    mnist = name.lower() == "mnist"
    if root:
        return os.path.join(root, "mnist" if mnist else "fashion-mnist")
    if mnist:
        data_home = os.environ.get("XDG_DATA_HOME") or os.path.join(
            os.path.expanduser("~"), ".local", "share")
        return os.path.join(data_home, "strata", "datasets", "mnist")
    return FASHION_MNIST_SYSTEM_DIR


def read_file(path):
    if not os.path.isfile(path):
        raise RecipeError("%s: not a regular file" % path)
    with open(path, "rb") as f:
        return f.read()


def idx_find(folder, stem):
    path = os.path.join(folder, stem)
    if os.path.exists(path):
        return path
    if os.path.exists(path + ".gz"):
        return path + ".gz"
    return None


def read_idx(path, magic, rank):
    """The sizes and the bytes of an IDX file, raw or gzip-compressed (told by its first bytes)."""
    data = read_file(path)
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise RecipeError("%s: cannot read: %s (a damaged .gz file?)" % (path, e))
    head = 4 + 4 * rank
    if len(data) < head:
        raise RecipeError("%s: too short for an IDX header" % path)
    found = struct.unpack(">I", data[:4])[0]
    if found != magic:
        raise RecipeError("%s: wrong magic number 0x%08x (expected 0x%08x)" % (path, found, magic))
    dims = struct.unpack(">%dI" % rank, data[4:head])
    size = 1
    for d in dims:
        size *= d
    if len(data) - head < size:
        raise RecipeError("%s: cut short: %d bytes of data, the header says %d"
                          % (path, len(data) - head, size))
    return dims, data[head:head + size]


def load_idx_pair(images_path, labels_path, limit):
    (n, h, w), pixels = read_idx(images_path, 0x803, 3)
    (n_labels,), labels = read_idx(labels_path, 0x801, 1)
    if n != n_labels:
        raise RecipeError("%s has %d images but %s has %d labels"
                          % (images_path, n, labels_path, n_labels))
    if limit:
        n = min(n, limit)
    images = torch.frombuffer(bytearray(pixels[:n * h * w]), dtype=torch.uint8)
    labels = torch.frombuffer(bytearray(labels[:n]), dtype=torch.uint8)
    return images.reshape(n, 1, h, w), labels


def load_idx_folder(folder, limit):
    paths = [idx_find(folder, stem) for stem in IDX_STEMS]
    for stem, path in zip(IDX_STEMS, paths):
        if path is None:
            raise RecipeError("%s: no %s or %s.gz (an IDX folder holds %s, raw or .gz)"
                              % (folder, stem, stem, ", ".join(IDX_STEMS)))
    return load_idx_pair(paths[0], paths[1], limit), load_idx_pair(paths[2], paths[3], 0)


CIFAR_RECORD = 1 + 3 * 32 * 32


def load_cifar_files(paths, limit):
    records = bytearray()
    for path in paths:
        if limit and len(records) >= limit * CIFAR_RECORD:
            break
        data = read_file(path)
        if len(data) == 0 or len(data) % CIFAR_RECORD:
            raise RecipeError("%s: %d bytes, not a whole number of CIFAR-10 records of %d"
                              % (path, len(data), CIFAR_RECORD))
        records += data
    table = torch.frombuffer(records, dtype=torch.uint8).reshape(-1, CIFAR_RECORD)
    if limit:
        table = table[:limit]
    return table[:, 1:].reshape(-1, 3, 32, 32).clone(), table[:, 0].clone()


def cifar_folder(folder):
    for d in (folder, os.path.join(folder, "cifar-10-batches-bin")):
        if (os.path.exists(os.path.join(d, "test_batch.bin"))
                and os.path.exists(os.path.join(d, "data_batch_1.bin"))):
            return d
    return None


def load_cifar_folder(folder, limit):
    paths = [os.path.join(folder, "data_batch_1.bin")]
    for i in range(2, 6):
        path = os.path.join(folder, "data_batch_%d.bin" % i)
        if not os.path.exists(path):
            break
        paths.append(path)
    return (load_cifar_files(paths, limit),
            load_cifar_files([os.path.join(folder, "test_batch.bin")], 0))


def csv_int(field, path, line, column):
    """A whole number as Strata's CSV reader takes it: "12", "-3", "+7" or "255.0"."""
    text = field.strip(" \t")
    whole, dot, fraction = text.partition(".")
    digits = whole.lstrip("+-")
    if (not digits.isdigit() or len(whole) - len(digits) > 1
            or (dot and fraction.strip("0"))):
        raise RecipeError('%s: line %d, column %d: "%s" is not a whole number'
                          % (path, line, column, text[:24]))
    return int(whole)


def load_csv(path, limit):
    """label,pixel1,...,pixelN rows of a square 1-channel image; an optional header line."""
    text = read_file(path)
    if text.startswith(b"\xef\xbb\xbf"):
        text = text[3:]
    rows = []
    labels = []
    n_columns = None
    for number, raw in enumerate(text.decode("utf-8", "replace").split("\n"), start=1):
        line = raw[:-1] if raw.endswith("\r") else raw
        if not line.strip(" \t"):
            continue
        fields = line.split(",")
        if n_columns is None:
            n_columns = len(fields)
            try:
                csv_int(fields[0], path, number, 1)
            except RecipeError:
                continue    # the header line
        if limit and len(rows) >= limit:
            break
        if len(fields) != n_columns:
            raise RecipeError("%s: line %d: %d columns, expected %d"
                              % (path, number, len(fields), n_columns))
        values = [csv_int(f, path, number, i + 1) for i, f in enumerate(fields)]
        if not all(0 <= v <= 255 for v in values):
            raise RecipeError("%s: line %d: a value outside 0 to 255" % (path, number))
        labels.append(values[0])
        rows.append(bytes(values[1:]))
    if not rows:
        raise RecipeError("%s: no rows of label,pixel1,pixel2,..." % path)
    side = int(round(math.sqrt(n_columns - 1)))
    if side * side != n_columns - 1:
        raise RecipeError("%s: %d pixels a row, which is not a square image"
                          % (path, n_columns - 1))
    images = torch.frombuffer(bytearray(b"".join(rows)), dtype=torch.uint8)
    return images.reshape(-1, 1, side, side), torch.tensor(labels, dtype=torch.uint8)


def csv_pair(folder):
    """The folder's one *train*.csv and one *test*.csv, as Kaggle's download unpacks."""
    found = {"train": [], "test": []}
    for name in os.listdir(folder):
        lower = name.lower()
        if not lower.endswith(".csv"):
            continue
        if "train" in lower:
            found["train"].append(name)
        elif "test" in lower:
            found["test"].append(name)
    if len(found["train"]) != 1 or len(found["test"]) != 1:
        return None
    return (os.path.join(folder, found["train"][0]), os.path.join(folder, found["test"][0]))


def split_single(whole, seed):
    """Strata's split (core/data/dataset.c, st_dataset_split): the examples shuffled by Strata's
    generator seeded with the recipe's seed; the first round(0.6 n) go to training; each part
    keeps the order of the source."""
    images, labels = whole
    n = len(labels)
    if n < 2:
        raise RecipeError("a single example cannot be split into a training and a test set")
    n_train = min(max(int(math.floor(n * TRAIN_FRACTION + 0.5)), 1), n - 1)
    order = list(range(n))
    StrataRng(seed).shuffle(order)
    train = torch.tensor(sorted(order[:n_train]), dtype=torch.long)
    test = torch.tensor(sorted(order[n_train:]), dtype=torch.long)
    return (images[train], labels[train]), (images[test], labels[test])


# -- image folders --

def png_rgb(data, path):
    """An 8-bit RGB tensor (H, W, 3) of a PNG file, as gdk-pixbuf gives Strata its pixels: gray
    spread to the three channels, palettes looked up, 16-bit samples cut to their high byte,
    alpha left out. Interlaced files are read too; a file cut short before IEND is refused."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise RecipeError("%s: not a PNG file" % path)
    pos, idat, palette, header = 8, [], None, None
    while True:
        if pos + 12 > len(data):
            raise RecipeError("%s: cut short (no IEND chunk)" % path)
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if pos > len(data):
            raise RecipeError("%s: cut short (no IEND chunk)" % path)
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body[:13])
        elif kind == b"PLTE":
            palette = torch.frombuffer(bytearray(body), dtype=torch.uint8).reshape(-1, 3)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise RecipeError("%s: no IHDR chunk" % path)
    w, h, depth, color, _, _, interlace = header
    channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(color)
    if channels is None or depth not in (1, 2, 4, 8, 16) or (color == 3 and palette is None):
        raise RecipeError("%s: a PNG file of a kind this reader does not know" % path)
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        raise RecipeError("%s: damaged image data: %s" % (path, e))
    bits = channels * depth
    bpp = max(1, bits // 8)
    samples = torch.zeros(h, w, channels, dtype=torch.uint8)
    passes = ([(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2),
               (0, 1, 1, 2)] if interlace else [(0, 0, 1, 1)])
    at = 0
    for x0, y0, dx, dy in passes:
        pw = (w - x0 + dx - 1) // dx if w > x0 else 0
        ph = (h - y0 + dy - 1) // dy if h > y0 else 0
        if pw == 0 or ph == 0:
            continue
        stride = (pw * bits + 7) // 8
        prev = bytearray(stride)
        rows = bytearray()
        for _ in range(ph):
            if at + 1 + stride > len(raw):
                raise RecipeError("%s: damaged image data (too short)" % path)
            kind, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
            at += 1 + stride
            unfilter(line, prev, kind, bpp, path)
            rows += line
            prev = line
        plane = torch.frombuffer(rows, dtype=torch.uint8).reshape(ph, stride)
        samples[y0::dy, x0::dx] = unpack_samples(plane, pw, channels, depth, color)
    if color == 3:
        if int(samples.max()) >= len(palette):
            raise RecipeError("%s: a pixel outside the palette" % path)
        return palette[samples[:, :, 0].long()]
    if channels <= 2:
        return samples[:, :, :1].expand(h, w, 3).contiguous()
    return samples[:, :, :3].contiguous()


def unfilter(line, prev, kind, bpp, path):
    n = len(line)
    if kind == 1:
        for i in range(bpp, n):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif kind == 2:
        for i in range(n):
            line[i] = (line[i] + prev[i]) & 255
    elif kind == 3:
        for i in range(n):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
    elif kind == 4:
        for i in range(n):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            line[i] = (line[i] + pred) & 255
    elif kind != 0:
        raise RecipeError("%s: damaged image data (filter type %d)" % (path, kind))


def unpack_samples(plane, width, channels, depth, color):
    """(rows, stride) bytes → (rows, width, channels) 8-bit samples."""
    rows = plane.shape[0]
    if depth == 8:
        return plane[:, :width * channels].reshape(rows, width, channels)
    if depth == 16:
        return plane[:, 0:width * channels * 2:2].reshape(rows, width, channels)
    per_byte = 8 // depth
    shifts = torch.tensor([8 - depth * (k + 1) for k in range(per_byte)], dtype=torch.int32)
    values = (plane.int().unsqueeze(2) >> shifts) & ((1 << depth) - 1)
    values = values.reshape(rows, -1)[:, :width]
    if color == 0:      # gray below 8 bits is scaled to 0..255
        values = values * (255 // ((1 << depth) - 1))
    return values.to(torch.uint8).reshape(rows, width, 1)


def image_rgb(path):
    data = read_file(path)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return png_rgb(data, path)
    try:
        from PIL import Image, ImageOps
    except ImportError:
        raise RecipeError("%s: this reader decodes PNG files by itself; other formats need "
                          "Pillow (pip install pillow, or apt install python3-pil)" % path)
    try:
        with Image.open(path) as img:
            rgb = ImageOps.exif_transpose(img).convert("RGB")
            pixels = bytearray(rgb.tobytes())
            return torch.frombuffer(pixels, dtype=torch.uint8).reshape(rgb.height, rgb.width, 3)
    except OSError as e:
        raise RecipeError("%s: not an image Pillow can decode: %s" % (path, e))


def visible(folder, folders):
    names = []
    for name in os.listdir(folder):
        if name.startswith(".") or os.path.isdir(os.path.join(folder, name)) != folders:
            continue
        names.append(name)
    return sorted(names, key=os.fsencode)


def has_classes(folder):
    return os.path.isdir(folder) and len(visible(folder, True)) > 0


def load_image_folder(folder, channels, size, resize, classes, limit):
    """One sub-folder per class (core/data/image-folder.c): classes sorted by name, images in name
    order, hidden files and files without an image extension passed over. `channels` 0 keeps
    the images' (3 when any has colour, else 1); `size` (H, W) None takes the first image's."""
    folders = visible(folder, True)
    if not folders:
        raise RecipeError("%s: no class sub-folders: expected one folder of images per class"
                          % folder)
    if classes is None:
        classes = folders
    entries = []
    for name in folders:
        if name not in classes:
            raise RecipeError('%s: class "%s" is not one of the training classes'
                              % (os.path.join(folder, name), name))
        sub = os.path.join(folder, name)
        for file in visible(sub, False):
            ext = file.rpartition(".")[2].lower() if "." in file else ""
            if ext in IMAGE_EXTENSIONS:
                entries.append((os.path.join(sub, file), classes.index(name)))
    if not entries:
        raise RecipeError("%s: the class folders hold no images" % folder)
    if limit:
        entries = entries[:limit]
    planes = channels if channels else 3
    images = None
    labels = torch.tensor([label for _, label in entries], dtype=torch.uint8)
    colour = False
    for i, (path, _) in enumerate(entries):
        rgb = image_rgb(path)
        if size is None:
            size = (rgb.shape[0], rgb.shape[1])
        if (rgb.shape[0], rgb.shape[1]) != tuple(size):
            if not resize:
                raise RecipeError("%s: %dx%d, but the images must all be %dx%d; resize them, or "
                                  'set "resize_images": true in the model\'s training section'
                                  % (path, rgb.shape[1], rgb.shape[0], size[1], size[0]))
            scaled = nn.functional.interpolate(rgb.permute(2, 0, 1)[None].float(), size=size,
                                               mode="bilinear", align_corners=False)
            rgb = scaled[0].round().clamp(0, 255).to(torch.uint8).permute(1, 2, 0)
        if images is None:
            images = torch.zeros(len(entries), planes, size[0], size[1], dtype=torch.uint8)
        chw = rgb.permute(2, 0, 1).int()
        if planes == 1:
            # PIL's convert("L"), as Strata: L = (R 19595 + G 38470 + B 7471 + 2^15) >> 16
            images[i, 0] = ((chw[0] * 19595 + chw[1] * 38470 + chw[2] * 7471 + 0x8000) >> 16).to(
                torch.uint8)
        else:
            images[i] = chw.to(torch.uint8)
            colour = colour or bool((chw[0] != chw[1]).any() or (chw[1] != chw[2]).any())
    if channels == 0 and not colour:
        images = images[:, :1].clone()
    return (images, labels), classes


def load_image_folders(folder, channels, size, resize, seed, limit):
    train_dir, test_dir = os.path.join(folder, "train"), os.path.join(folder, "test")
    if not has_classes(train_dir) or not has_classes(test_dir):
        whole, classes = load_image_folder(folder, channels, size, resize, None, 0)
        return split_single(whole, seed), len(classes)
    train, classes = load_image_folder(train_dir, channels, size, resize, None, limit)
    images = train[0]
    test, _ = load_image_folder(test_dir, images.shape[1], tuple(images.shape[2:]), resize,
                                classes, 0)
    return (train, test), len(classes)


def toy_set():
    """The toy model's two 4×4 images: the main diagonal (label 1), the other one (label 0)."""
    images = torch.zeros(2, 1, 4, 4, dtype=torch.uint8)
    for i in range(4):
        images[0, 0, i, i] = 255
        images[1, 0, i, 3 - i] = 255
    return images, torch.tensor([1, 0], dtype=torch.uint8)


def load_dataset(path, named, channels, size, resize, seed, limit):
    """The training and test sets held by `path`, told apart as Strata tells them
    (core/data/dataset.c, load_path): a .csv or .bin file is one set, split; a folder holds IDX
    files, CIFAR-10 batches, a CSV pair, or class folders. Images of class folders have
    `channels` (0: as they are) and, with `resize`, `size` (H, W). Only the first `limit`
    training examples are kept (0: all)."""
    n_classes = 10 if named else 0
    if not os.path.exists(path):
        raise RecipeError("%s: no such file or folder" % path)
    if os.path.isfile(path):
        lower = path.lower()
        if lower.endswith(".csv"):
            pair = split_single(load_csv(path, 0), seed)
        elif lower.endswith(".bin"):
            pair = split_single(load_cifar_files([path], 0), seed)
        else:
            raise RecipeError("%s: not a dataset file: expected a .csv file, a CIFAR-10 .bin "
                              "batch, or a folder" % path)
    elif any(idx_find(path, stem) for stem in IDX_STEMS):
        pair = load_idx_folder(path, limit)
    elif cifar_folder(path) is not None:
        pair = load_cifar_folder(cifar_folder(path), limit)
        n_classes = 10
    elif csv_pair(path) is not None:
        train_path, test_path = csv_pair(path)
        pair = (load_csv(train_path, limit), load_csv(test_path, 0))
    else:
        pair, n_classes = load_image_folders(path, channels, size if resize else None, resize,
                                             seed, limit)
    (train_images, train_labels), (test_images, test_labels) = pair
    if limit:
        train_images, train_labels = train_images[:limit], train_labels[:limit]
    top = max(int(train_labels.max()), int(test_labels.max())) + 1
    return Data(os.path.basename(os.path.normpath(path)), (train_images, train_labels),
                (test_images, test_labels), max(n_classes, top))


def load_data(source, limit):
    """The recipe's dataset, or the one at `source` when given."""
    name = TRAINING["dataset"]
    named = name.lower() in ("mnist", "fashion-mnist")
    if source is None and name.lower() == "toy":
        toy = toy_set()
        return Data("toy", toy, toy, 2)
    path = source if source is not None else (named_dir(name) if named else name)
    if named and source is None and not os.path.exists(path):
        raise RecipeError("%s: dataset not found: looked in %s for the four IDX files; give "
                          "their folder with --data" % (name, path))
    channels = INPUT_SHAPE[0] if INPUT_SHAPE[0] in (1, 3) else 0
    return load_dataset(path, named, channels, tuple(INPUT_SHAPE[1:]),
                        bool(TRAINING.get("resize_images", False)), TRAINING["seed"], limit)


# ---- normalisation and augmentation (core/data/transform.c) -----------------------------------------


class Transform:
    """Bytes to the network's input: (pixel/255 - mean[c]) / std[c], each value computed in
    double and rounded once, as Strata's table; for training, the recipe's augmentation, drawn
    per example in Strata's order (flip, rotation, shift, crop) and applied as one map.
    `normalize` and `augment` default to the recipe's."""

    def __init__(self, channels, device, normalize=None, augment=None):
        norm = TRAINING.get("normalize") if normalize is None else normalize
        n = len(norm["mean"]) if norm else 0
        if n not in (0, 1, channels):
            raise RecipeError("normalize: %d means and stds for %d-channel images (give 1, or %d)"
                              % (n, channels, channels))
        mean = [0.0] * channels if n == 0 else [norm["mean"][0 if n == 1 else c]
                                                for c in range(channels)]
        std = [1.0] * channels if n == 0 else [norm["std"][0 if n == 1 else c]
                                               for c in range(channels)]
        values = torch.arange(256, dtype=torch.float64)
        lut = torch.stack([(values / 255.0 - m) / s for m, s in zip(mean, std)]).float()
        scale = torch.tensor([1.0 / (255.0 * s) for s in std]).float().view(1, -1, 1, 1)
        bias = torch.tensor([-m / s for m, s in zip(mean, std)]).float().view(1, -1, 1, 1)
        self.lut, self.scale, self.bias = lut.to(device), scale.to(device), bias.to(device)
        a = (TRAINING.get("augment") if augment is None else augment) or {}
        self.flip = bool(a.get("horizontal_flip", False))
        self.rotation = float(a.get("rotation", 0.0))
        self.shift = int(a.get("shift", 0))
        self.crop = int(a.get("crop_padding", 0))
        self.augmenting = self.flip or self.rotation > 0 or self.shift > 0 or self.crop > 0

    def normalise(self, pixels):
        flat = pixels.long()
        out = torch.empty(pixels.shape, dtype=torch.float32, device=pixels.device)
        for c in range(pixels.shape[1]):
            out[:, c] = self.lut[c][flat[:, c]]
        return out

    def __call__(self, pixels, train, generator):
        if not (train and self.augmenting) or pixels.shape[0] == 0:
            return self.normalise(pixels)
        return self.apply(pixels, *self.draw(pixels.shape[0], generator))

    def draw(self, n, g):
        """Each example's mirror, angle (degrees, counter-clockwise) and move (dx right, dy
        down), from the CPU generator `g`."""
        flip = torch.zeros(n, dtype=torch.bool)
        angle = torch.zeros(n, dtype=torch.float64)
        dx = torch.zeros(n, dtype=torch.float64)
        dy = torch.zeros(n, dtype=torch.float64)
        if self.flip:
            flip = torch.rand(n, generator=g) < 0.5
        if self.rotation > 0:
            angle = (2.0 * torch.rand(n, dtype=torch.float64, generator=g) - 1.0) * self.rotation
        if self.shift > 0:
            dx += torch.randint(-self.shift, self.shift + 1, (n,), generator=g)
            dy += torch.randint(-self.shift, self.shift + 1, (n,), generator=g)
        if self.crop > 0:
            # the window's corner in the padded image is (ox, oy): the content moves by p - o
            dx += self.crop - torch.randint(0, 2 * self.crop + 1, (n,), generator=g)
            dy += self.crop - torch.randint(0, 2 * self.crop + 1, (n,), generator=g)
        return flip, angle, dx, dy

    def apply(self, pixels, flip, angle, dx, dy):
        """pixels (N, C, H, W) uint8, each example mirrored, turned and moved as drawn; pixels
        from outside the image are 0 (black, before normalisation)."""
        n, c, h, w = pixels.shape
        dev = pixels.device
        flip, angle, dx, dy = (torch.as_tensor(t).to(dev).view(n, 1, 1)
                               for t in (flip, angle, dx, dy))
        angle, dx, dy = angle.double(), dx.double(), dy.double()
        # Inverse map, per output pixel: undo the move, then the counter-clockwise turn about
        # the centre (y points down), then the mirror. No rotation: whole pixels, exactly.
        rad = angle * (math.pi / 180.0)
        cs, sn = torch.cos(rad), torch.sin(rad)
        cx, cy = (w - 1) * 0.5, (h - 1) * 0.5
        xs = torch.arange(w, dtype=torch.float64, device=dev).view(1, 1, w)
        ys = torch.arange(h, dtype=torch.float64, device=dev).view(1, h, 1)
        u, v = xs - dx - cx, ys - dy - cy
        sx = cx + cs * u - sn * v
        sy = cy + sn * u + cs * v
        sx = torch.where(flip.bool(), (w - 1) - sx, sx)
        x0, y0 = torch.floor(sx), torch.floor(sy)
        fx, fy = (sx - x0).float().unsqueeze(1), (sy - y0).float().unsqueeze(1)
        x0, y0 = x0.long(), y0.long()
        flat = pixels.reshape(n, c, h * w)

        def tap(x, y):
            """Pixels at (x, y) per output pixel, (N, C, H, W); 0 outside the image."""
            inside = ((x >= 0) & (x < w) & (y >= 0) & (y < h)).unsqueeze(1)
            at = (y.clamp(0, h - 1) * w + x.clamp(0, w - 1)).reshape(n, 1, h * w)
            values = flat.gather(2, at.expand(n, c, h * w)).reshape(n, c, h, w)
            return values * inside

        p00, p01 = tap(x0, y0), tap(x0 + 1, y0)
        p10, p11 = tap(x0, y0 + 1), tap(x0 + 1, y0 + 1)
        mixed = ((1 - fy) * ((1 - fx) * p00.float() + fx * p01.float())
                 + fy * ((1 - fx) * p10.float() + fx * p11.float()))
        rotated = (angle != 0).view(n, 1, 1, 1)
        return torch.where(rotated, mixed * self.scale + self.bias, self.normalise(p00))


# ---- BatchNorm over the global batch ------------------------------------------------------------

class GlobalBatchNorm2d(nn.BatchNorm2d):
    """nn.BatchNorm2d whose training statistics are those of the global batch: the sums are
    all-reduced (differentiably) across the processes, so N processes normalise as one process
    holding the whole batch. Works on gloo and NCCL alike (nn.SyncBatchNorm needs CUDA); the
    tensors and their names are BatchNorm2d's."""

    def forward(self, x):
        if not self.training:
            return super().forward(x)
        c = x.shape[1]
        local = float(x.shape[0] * x.shape[2] * x.shape[3])
        sums = dist_fn.all_reduce(torch.cat([x.sum(dim=(0, 2, 3)), x.new_full((1,), local)]))
        count = sums[c]
        mean = sums[:c] / count
        centred = x - mean.view(1, c, 1, 1)
        var = dist_fn.all_reduce((centred * centred).sum(dim=(0, 2, 3))) / count
        y = centred * torch.rsqrt(var + self.eps).view(1, c, 1, 1)
        if self.affine:
            y = y * self.weight.view(1, c, 1, 1) + self.bias.view(1, c, 1, 1)
        with torch.no_grad():
            self.num_batches_tracked += 1
            m = self.momentum if self.momentum is not None else 1.0 / float(
                self.num_batches_tracked)
            n = float(count)
            self.running_mean.mul_(1.0 - m).add_(mean.detach(), alpha=m)
            self.running_var.mul_(1.0 - m).add_(var.detach() * (n / max(n - 1.0, 1.0)), alpha=m)
        return y


def globalise_batchnorm(module):
    for name, child in module.named_children():
        if type(child) is nn.BatchNorm2d:
            replacement = GlobalBatchNorm2d(child.num_features, eps=child.eps,
                                            momentum=child.momentum, affine=child.affine)
            replacement.load_state_dict(child.state_dict())
            setattr(module, name, replacement)
        else:
            globalise_batchnorm(child)
    return module


# ---- the split of the global batch --------------------------------------------------------------

def share(count, rank, world):
    """This rank's part [lo, hi) of a global batch of `count`: contiguous, the first
    count % world ranks one example more."""
    base, extra = divmod(count, world)
    lo = rank * base + min(rank, extra)
    return lo, lo + base + (1 if rank < extra else 0)


class GlobalBatchSampler(DistributedSampler):
    """A DistributedSampler that yields, for each step of the epoch, this rank's share of the
    global batch and the global batch's size. The epoch's order is a permutation drawn from
    a generator seeded with seed + epoch (call set_epoch), the same on every rank; the steps
    take it batch_size examples at a time, the last step the rest, as Strata's trainer."""

    def __init__(self, n_examples, batch_size, world, rank, seed):
        super().__init__(range(n_examples), num_replicas=world, rank=rank, shuffle=True,
                         seed=seed, drop_last=False)
        self.n_examples = n_examples
        self.batch_size = batch_size

    def __len__(self):
        return (self.n_examples + self.batch_size - 1) // self.batch_size

    def __iter__(self):
        g = torch.Generator()
        g.manual_seed((self.seed + self.epoch) & MASK64)
        order = torch.randperm(self.n_examples, generator=g)
        for start in range(0, self.n_examples, self.batch_size):
            count = min(self.batch_size, self.n_examples - start)
            lo, hi = share(count, self.rank, self.num_replicas)
            yield order[start + lo:start + hi], count


# ---- loss and accuracy ---------------------------------------------------------------------------

class Objective:
    """The recipe's loss as sums, so that a share of a batch adds up to the global batch's mean
    (CrossEntropyLoss over examples, BCELoss and MSELoss over every element), and the count of
    correct predictions as Strata counts them (core/ops/loss.h)."""

    def __init__(self, outputs):
        self.loss = exported.build_loss()
        self.loss.reduction = "sum"
        self.kind = TRAINING["loss"]
        self.outputs = outputs
        # per example: CrossEntropyLoss sums one term, BCELoss and MSELoss `outputs`
        self.terms = 1 if self.kind == "CrossEntropyLoss" else outputs

    def targets(self, labels, out):
        if self.kind == "CrossEntropyLoss":
            return labels.long()
        if self.outputs == 1:
            return labels.to(out.dtype).view(-1, 1)
        return nn.functional.one_hot(labels.long(), self.outputs).to(out.dtype)

    def __call__(self, out, labels):
        """The sum of the per-example losses and the number right, both as tensors."""
        out = out.reshape(out.shape[0], self.outputs)
        target = self.targets(labels, out)
        total = self.loss(out, target) / self.terms
        if self.kind == "CrossEntropyLoss":
            right = out.argmax(dim=1) == target
        elif self.outputs == 1:
            right = (out[:, 0] > 0.5) == (target[:, 0] > 0.5)
        else:
            right = out.argmax(dim=1) == target.argmax(dim=1)
        return total, right.sum()


# ---- files --------------------------------------------------------------------------------------

def replace_file(path, data):
    """Writes `data` to `path` atomically: a temporary file beside it, then a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def tensor_bytes(t):
    """The tensor's float32 values, little-endian as safetensors stores them."""
    t = t.detach().to("cpu", torch.float32).contiguous()
    if sys.byteorder != "little":
        raise RecipeError("safetensors files are little-endian; this machine is not")
    try:
        return t.numpy().tobytes()
    except (ImportError, RuntimeError):
        return bytes(t.view(-1).view(torch.uint8).tolist())


def safetensors_bytes(state, metadata):
    """A safetensors file (https://github.com/huggingface/safetensors) of float32 tensors in
    the order of `state`: an 8-byte little-endian header length, the JSON header padded with
    spaces to a multiple of 8, then the data."""
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, t in state.items():
        blob = tensor_bytes(t)
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def strata_state(model):
    """The model's tensors under Strata's names: PyTorch's state_dict less BatchNorm's
    num_batches_tracked, which Strata does not keep."""
    return {k: v for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")}


def json_number(x):
    return x if math.isfinite(x) else None


# ---- the run ------------------------------------------------------------------------------------

class Group:
    """Where this process stands: rank, world size, the device, the backend."""

    def __init__(self):
        env = os.environ
        self.distributed = all(k in env for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR",
                                                  "MASTER_PORT"))
        self.rank = int(env["RANK"]) if self.distributed else 0
        self.world = int(env["WORLD_SIZE"]) if self.distributed else 1
        self.local_rank = int(env.get("LOCAL_RANK", "0")) if self.distributed else 0
        self.local_world = int(env.get("LOCAL_WORLD_SIZE", str(self.world)))
        self.store = None
        if torch.cuda.is_available():
            self.device = torch.device("cuda", self.local_rank % torch.cuda.device_count())
            torch.cuda.set_device(self.device)
            self.backend = "nccl"
        else:
            self.device = torch.device("cpu")
            self.backend = "gloo"
            if self.local_world > 1 and "OMP_NUM_THREADS" not in env:
                torch.set_num_threads(max(1, (os.cpu_count() or 1) // self.local_world))

    def start(self):
        """Joins the others: env:// initialisation, with the store kept for stop()."""
        if not self.distributed or self.world == 1:
            return
        # Process 0 hosts the store, unless torchrun's agent does (as env:// decides). The
        # others wait for it up to 10 minutes; a collective, up to 30.
        host = (self.rank == 0
                and os.environ.get("TORCHELASTIC_USE_AGENT_STORE") != str(True))
        self.store = dist.TCPStore(os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"]),
                                   self.world, host, datetime.timedelta(minutes=10))
        dist.init_process_group(self.backend, store=self.store, rank=self.rank,
                                world_size=self.world, timeout=datetime.timedelta(minutes=30))

    def stop(self):
        """Leaves the group. The store's host leaves last: a process whose group is torn down
        after the host has gone can spin forever (PyTorch 1.13, gloo)."""
        if not dist.is_initialized():
            return
        dist.barrier()
        dist.destroy_process_group()
        self.store.add("strata/left", 1)
        deadline = time.monotonic() + 60.0
        while (self.rank == 0 and self.store.add("strata/left", 0) < self.world
               and time.monotonic() < deadline):
            time.sleep(0.05)

    def sum(self, values):
        """The element-wise sum over the processes of a list of numbers (float64)."""
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        if dist.is_initialized():
            dist.all_reduce(t)
        return t.tolist()


def say(group, text):
    if group.rank == 0:
        print("train.py: " + text, file=sys.stderr, flush=True)


def evaluate(net, data, transform, objective, group):
    """Loss sum, correct and count over this rank's contiguous part of the test set."""
    n = len(data.test_labels)
    lo, hi = share(n, group.rank, group.world)
    loss, right = 0.0, 0
    net.eval()
    with torch.no_grad():
        for start in range(lo, hi, EVAL_BATCH):
            end = min(start + EVAL_BATCH, hi)
            x = transform(data.test_images[start:end].to(group.device), False, None)
            total, correct = objective(net(x), data.test_labels[start:end].to(group.device))
            loss += float(total)
            right += int(correct)
    return [loss, right, hi - lo]


def check_data(data, outputs):
    shape = tuple(data.train_images.shape[1:])
    if shape != tuple(INPUT_SHAPE):
        raise RecipeError("the model takes %s images but %s has %s"
                          % ("x".join(map(str, INPUT_SHAPE)), data.name,
                             "x".join(map(str, shape))))
    if tuple(data.test_images.shape[1:]) != shape:
        raise RecipeError("%s: the test images are %s but the training images are %s"
                          % (data.name, "x".join(map(str, data.test_images.shape[1:])),
                             "x".join(map(str, shape))))
    if TRAINING["loss"] == "CrossEntropyLoss" and data.n_classes > outputs:
        raise RecipeError("%s has %d classes but the model's last layer gives %d outputs; "
                          "CrossEntropyLoss needs one output per class"
                          % (data.name, data.n_classes, outputs))
    if TRAINING["loss"] != "CrossEntropyLoss" and outputs == 1 and data.n_classes > 2:
        raise RecipeError("%s has %d classes but the model gives one output, which %s can only "
                          "use for two classes" % (data.name, data.n_classes, TRAINING["loss"]))
    if len(data.train_labels) == 0 or len(data.test_labels) == 0:
        raise RecipeError("%s has no %s examples"
                          % (data.name, "training" if len(data.train_labels) == 0 else "test"))


def train(args):
    group = Group()
    epochs = args.epochs or TRAINING["epochs"]
    batch = TRAINING["batch_size"]
    seed = TRAINING["seed"]

    # The data first: a missing file ends every process before they wait for each other.
    data = load_data(args.data, args.limit)
    torch.manual_seed(seed & MASK64)
    model = exported.build_model()
    model.eval()
    with torch.no_grad():
        outputs = model(torch.zeros(1, *INPUT_SHAPE)).numel()
    check_data(data, outputs)
    out = args.out
    metrics_path = os.path.join(out, "metrics.jsonl")
    best_path = os.path.join(out, "best.safetensors")
    if group.rank == 0:
        try:
            os.makedirs(out, exist_ok=True)
        except OSError as e:
            raise RecipeError("%s: cannot make the folder: %s" % (out, e.strerror))

    group.start()
    if group.device.type == "cuda" and data.train_images.numel() < DEVICE_DATA_LIMIT:
        data.train_images = data.train_images.to(group.device)
        data.train_labels = data.train_labels.to(group.device)
        data.test_images = data.test_images.to(group.device)
        data.test_labels = data.test_labels.to(group.device)
    if group.world > 1:
        globalise_batchnorm(model)
    model.to(group.device)
    if dist.is_initialized():
        net = DistributedDataParallel(
            model, device_ids=[group.device.index] if group.device.type == "cuda" else None)
    else:
        net = model
    optimizer = exported.build_optimizer(model)
    objective = Objective(outputs)
    transform = Transform(INPUT_SHAPE[0], group.device)
    # Dropout and augmentation draw per process, each from a stream of its own.
    stream = (seed * 0x9E3779B97F4A7C15 + group.rank + 1) & ((1 << 63) - 1)
    torch.manual_seed(stream)
    augment_rng = torch.Generator()
    augment_rng.manual_seed(stream)

    n_train = len(data.train_labels)
    sampler = GlobalBatchSampler(n_train, batch, group.world, group.rank, seed)
    shares = sorted({share(batch, r, group.world)[1] - share(batch, r, group.world)[0]
                     for r in range(group.world)})
    say(group, "%s: %d training and %d test images; %d process%s (%s on %s), global batch %d "
        "(%s a process), %d epochs"
        % (data.name, n_train, len(data.test_labels), group.world,
           "" if group.world == 1 else "es", group.backend, group.device.type, batch,
           " or ".join(map(str, shares)), epochs))

    model_json = None
    json_path = os.path.join(HERE, "model.strata.json")
    if os.path.isfile(json_path):
        # the weights' model names the data they were trained on, as Strata's do
        with open(json_path, encoding="utf-8") as f:
            spec = json.load(f)
        if args.data is not None and isinstance(spec.get("training"), dict):
            spec["training"]["dataset"] = args.data
        model_json = json.dumps(spec, indent=2, ensure_ascii=False)

    lines = []
    best_acc = -1.0
    for epoch in range(1, epochs + 1):
        t_epoch = time.perf_counter()
        sampler.set_epoch(epoch)
        net.train()
        loss_sum = torch.zeros((), dtype=torch.float64, device=group.device)
        correct = torch.zeros((), dtype=torch.int64, device=group.device)
        seen = 0
        t_train = time.perf_counter()
        for idx, count in sampler:
            idx = idx.to(data.train_images.device)
            x = transform(data.train_images[idx].to(group.device), True, augment_rng)
            labels = data.train_labels[idx].to(group.device)
            total, right = objective(net(x), labels)
            # DDP averages the gradients over the processes: scaled so, the step follows the
            # mean over the global batch of `count` examples.
            loss = total * (group.world / count)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            loss_sum += total.detach().double()
            correct += right
            seen += len(idx)
        if group.device.type == "cuda":
            torch.cuda.synchronize(group.device)
        train_seconds = time.perf_counter() - t_train

        train_loss, train_right, train_seen = group.sum([float(loss_sum), int(correct), seen])
        test_loss, test_right, test_seen = group.sum(
            evaluate(model, data, transform, objective, group))
        m = {
            "epoch": epoch,
            "train_loss": train_loss / max(train_seen, 1),
            "train_acc": train_right / max(train_seen, 1),
            "test_loss": test_loss / max(test_seen, 1),
            "test_acc": test_right / max(test_seen, 1),
            "examples_per_sec": round(train_seen / max(train_seconds, 1e-9), 1),
            "seconds": round(time.perf_counter() - t_epoch, 3),
        }
        if not math.isfinite(m["train_loss"]):
            raise RecipeError("training diverged: the loss became %s in epoch %d (lr %g); try a "
                              "lower learning rate" % (m["train_loss"], epoch,
                                                       TRAINING["optimizer"]["lr"]))
        improved = m["test_acc"] > best_acc
        if improved:
            # the weights are the same on every process: each stops alike when they diverged
            best_acc = m["test_acc"]
            state = strata_state(model)
            if not all(bool(torch.isfinite(t).all()) for t in state.values()):
                raise RecipeError("training diverged: the weights held NaN or infinite values at "
                                  "the end of epoch %d (lr %g); try a lower learning rate"
                                  % (epoch, TRAINING["optimizer"]["lr"]))
        if group.rank == 0:
            line = json.dumps({k: json_number(v) if isinstance(v, float) else v
                               for k, v in m.items()})
            print(line, flush=True)
            lines.append(line + "\n")
            replace_file(metrics_path, "".join(lines).encode("utf-8"))
            if improved:
                meta = {"strata.epoch": str(epoch),
                        "strata.test_acc": "%.6f" % m["test_acc"],
                        "strata.test_loss": "%.6f" % m["test_loss"],
                        "strata.trained_by": "train.py, %d process%s"
                                             % (group.world, "" if group.world == 1 else "es")}
                if model_json is not None:
                    meta["strata.model"] = model_json
                replace_file(best_path, safetensors_bytes(state, meta))
    # DDP holds the group: let it go while every process is still there.
    del net
    group.stop()
    say(group, "best test accuracy %.4f; weights in %s, metrics in %s"
        % (best_acc, best_path, metrics_path))


def positive(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("“%s” is not a whole number" % text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1, not %d" % value)
    return value


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Train model.py's network with its Strata recipe, on one process or "
                    "under torchrun.")
    p.add_argument("--epochs", type=positive, default=0, metavar="N",
                   help="epochs (default: the recipe's, %d)" % TRAINING["epochs"])
    p.add_argument("--limit", type=positive, default=0, metavar="N",
                   help="train on the first N training examples only")
    p.add_argument("--data", default=None, metavar="DIR",
                   help="read the dataset from DIR (a folder of IDX files, CIFAR-10 batches, "
                        "CSV files or class folders, or a .csv file) instead of %s"
                        % json.dumps(TRAINING["dataset"]))
    p.add_argument("--out", default="out", metavar="DIR",
                   help="where process 0 writes metrics.jsonl and best.safetensors "
                        "(default: out)")
    return p.parse_args(argv)


def main(argv=None):
    # A process that crashes says where, instead of leaving the others waiting for it.
    faulthandler.enable()
    args = parse_args(argv)
    try:
        train(args)
    except RecipeError as e:
        rank = os.environ.get("RANK") if "WORLD_SIZE" in os.environ else None
        print("train.py%s: %s" % (" (process %s)" % rank if rank else "", e), file=sys.stderr,
              flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
