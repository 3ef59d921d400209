#!/usr/bin/python3
"""Writes the seed inputs of tests/fuzz/corpus/ (README.md here says how to run it).

    tests/fuzz/make-seeds.py [--strata-cli build/app/strata-cli]

Seeds are small valid files of every kind each reader takes, plus truncated real files.
Only the files named here are written; inputs the fuzzer found (crash-*, ...) stay as they
are. Fashion-MNIST is taken from /usr/share/datasets/fashion-mnist when it is installed,
images are made with GdkPixbuf (python3-gi), and checkpoints with strata-cli when given.
"""

import argparse
import gzip
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, 'corpus')
FASHION = '/usr/share/datasets/fashion-mnist'

# The model fuzz-safetensors.c checks checkpoints against.
TINY_MODEL = {
    'format': 'strata-model/1', 'name': 'tiny',
    'input': {'channels': 1, 'height': 4, 'width': 4},
    'layers': [
        {'type': 'Conv2d', 'in_channels': 1, 'out_channels': 2, 'kernel_size': 3},
        {'type': 'BatchNorm2d', 'num_features': 2},
        {'type': 'ReLU'},
        {'type': 'Flatten'},
        {'type': 'Linear', 'in_features': 8, 'out_features': 3},
    ],
}


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, target, name), 'wb') as f:
        f.write(data)


# ---- model files ------------------------------------------------------------------------

def model_seeds():
    presets = os.path.join(ROOT, 'resources', 'presets')
    for name in sorted(os.listdir(presets)):
        if name.endswith('.strata.json'):
            with open(os.path.join(presets, name), 'rb') as f:
                write('model', name, f.read())
    with open(os.path.join(ROOT, 'tests', 'data', 'course-broken.strata.json'), 'rb') as f:
        write('model', 'course-broken.strata.json', f.read())
    write('model', 'tiny.strata.json', json.dumps(TINY_MODEL, indent=2))
    write('model', 'empty-layers.strata.json',
          '{"input": {"channels": 1, "height": 28, "width": 28}, "layers": []}')
    # Every layer type and argument kind, both blocks, a training section, and two layers
    # that are wrong (an unknown type, arguments of the wrong kind).
    write('model', 'every-layer.strata.json', json.dumps({
        'format': 'strata-model/1', 'name': 'every layer',
        'input': {'channels': 3, 'height': 16, 'width': 16},
        'layers': [
            {'type': 'Conv2d', 'in_channels': 3, 'out_channels': 4, 'kernel_size': [3, 1],
             'stride': 1, 'padding': [1, 0], 'dilation': 1, 'bias': False},
            {'type': 'BatchNorm2d', 'num_features': 4, 'eps': 1e-5, 'momentum': 0.1,
             'affine': True},
            {'type': 'PReLU', 'num_parameters': 1, 'init': 0.25},
            {'type': 'Concat', 'branches': [
                [{'type': 'Conv2d', 'in_channels': 4, 'out_channels': 2, 'kernel_size': 1}],
                [{'type': 'MaxPool2d', 'kernel_size': 3, 'stride': 1, 'padding': 1}],
            ]},
            {'type': 'Residual',
             'body': [{'type': 'Conv2d', 'in_channels': 6, 'out_channels': 6,
                       'kernel_size': 3, 'padding': 1},
                      {'type': 'LeakyReLU', 'negative_slope': 0.01, 'inplace': True}],
             'shortcut': [{'type': 'Conv2d', 'in_channels': 6, 'out_channels': 6,
                           'kernel_size': 1}]},
            {'type': 'AvgPool2d', 'kernel_size': 2},
            {'type': 'AdaptiveAvgPool2d', 'output_size': [2, 2]},
            {'type': 'Tanh'},
            {'type': 'Dropout', 'p': 0.5},
            {'type': 'Flatten'},
            {'type': 'Linear', 'in_features': 24, 'out_features': 10},
            {'type': 'Sigmoid'},
            {'type': 'Softmax', 'dim': 1},
            {'type': 'Linear', 'in_features': 'ten', 'out_features': -1},
        ],
        'training': {
            'dataset': 'fashion-mnist', 'epochs': 2, 'batch_size': 8,
            'loss': 'CrossEntropyLoss', 'init': 'kaiming_uniform', 'seed': 3,
            'optimizer': {'type': 'SGD', 'lr': 0.1, 'momentum': 0.9, 'nesterov': True},
            'normalize': {'mean': [0.5, 0.5, 0.5], 'std': [0.25, 0.25, 0.25]},
            'augment': {},
        },
    }, indent=2))
    # Nesting: 5000 lists, refused before json-glib's recursive parser sees them (100,000
    # overflowed its stack), and Residual blocks 100 deep, within the JSON limit but past
    # the 64 blocks the reader takes.
    write('model', 'deep-lists.strata.json',
          '{"format": "strata-model/1", "input": {"channels": 1, "height": 4, "width": 4}, '
          '"layers": ' + '[' * 5000 + ']' * 5000 + '}')
    residuals = {'type': 'ReLU'}
    for _ in range(100):
        residuals = {'type': 'Residual', 'body': [residuals]}
    write('model', 'deep-residuals.strata.json', json.dumps({
        'format': 'strata-model/1', 'input': {'channels': 1, 'height': 4, 'width': 4},
        'layers': [residuals, {'type': 'Flatten'}],
    }))


# ---- IDX ----------------------------------------------------------------------------------

def idx_labels(labels):
    return struct.pack('>II', 0x801, len(labels)) + bytes(labels)


def idx_images(n, h, w, pixels):
    return struct.pack('>IIII', 0x803, n, h, w) + bytes(pixels)


def idx_input(labels_file, images_file):
    """fuzz-idx.c's layout: the label file's length, the label file, the image file."""
    return struct.pack('<H', len(labels_file)) + labels_file + images_file


def fashion(name):
    path = os.path.join(FASHION, name)
    return path if os.path.exists(path) else None


def idx_seeds():
    tiny_labels = idx_labels([0, 1, 2])
    tiny_images = idx_images(3, 2, 2, range(12))
    write('idx', 'tiny-raw', idx_input(tiny_labels, tiny_images))
    write('idx', 'tiny-gz', idx_input(gzip.compress(tiny_labels, mtime=0),
                                      gzip.compress(tiny_images, mtime=0)))
    write('idx', 'mixed-raw-labels-gz-images',
          idx_input(tiny_labels, gzip.compress(tiny_images, mtime=0)))
    write('idx', 'swapped-magic', idx_input(tiny_images, tiny_labels))
    labels, images = fashion('t10k-labels-idx1-ubyte.gz'), fashion('t10k-images-idx3-ubyte.gz')
    if labels is None or images is None:
        print('Fashion-MNIST is not installed: no IDX seeds from real files', file=sys.stderr)
        return
    with gzip.open(labels) as f:
        real_labels = f.read()
    with gzip.open(images) as f:
        real_images = f.read()
    n = 4
    labels_file = idx_labels(real_labels[8:8 + n])
    images_file = idx_images(n, 28, 28, real_images[16:16 + n * 784])
    write('idx', 'fashion-4-raw', idx_input(labels_file, images_file))
    write('idx', 'fashion-4-gz', idx_input(gzip.compress(labels_file, mtime=0),
                                           gzip.compress(images_file, mtime=0)))
    # The first bytes of the real downloads: headers that promise 10,000 images.
    with open(labels, 'rb') as f:
        head_labels = f.read(600)
    with open(images, 'rb') as f:
        head_images = f.read(3000)
    write('idx', 'fashion-truncated-gz', idx_input(head_labels, head_images))
    write('idx', 'fashion-truncated-raw', idx_input(real_labels[:100], real_images[:2000]))


# ---- CSV ----------------------------------------------------------------------------------

def csv_seeds():
    header = 'label,' + ','.join('pixel%d' % (i + 1) for i in range(16)) + '\n'
    rows = ''.join('%d,%s\n' % (r % 3, ','.join(str((r * 37 + i * 11) % 256) for i in range(16)))
                   for r in range(4))
    write('csv', 'tiny-header.csv', header + rows)
    write('csv', 'tiny-no-header.csv', rows)
    write('csv', 'tiny-crlf-blank.csv', (header + '\n' + rows + '   \n').replace('\n', '\r\n'))
    write('csv', 'odd-numbers.csv', '1, +3 ,255.0,-0,7\n2,0,0,0,0\n')
    images = fashion('t10k-images-idx3-ubyte.gz')
    labels = fashion('t10k-labels-idx1-ubyte.gz')
    if images is None or labels is None:
        return
    with gzip.open(images) as f:
        real_images = f.read(16 + 3 * 784)[16:]
    with gzip.open(labels) as f:
        real_labels = f.read(8 + 3)[8:]
    header = 'label,' + ','.join('pixel%d' % (i + 1) for i in range(784)) + '\n'
    rows = ''.join('%d,%s\n' % (real_labels[r],
                                ','.join(str(p) for p in real_images[r * 784:(r + 1) * 784]))
                   for r in range(3))
    write('csv', 'fashion-3.csv', header + rows)


# ---- CIFAR-10 -----------------------------------------------------------------------------

def cifar_seeds():
    def record(label, seed):
        return bytes([label]) + bytes((seed * 7 + i) % 256 for i in range(3072))
    write('cifar', 'one-record.bin', record(3, 1))
    write('cifar', 'two-records.bin', record(0, 2) + record(9, 3))


# ---- image folders --------------------------------------------------------------------------

def image_seeds():
    try:
        import gi
        gi.require_version('GdkPixbuf', '2.0')
        from gi.repository import GdkPixbuf
    except (ImportError, ValueError):
        print('python3-gi with GdkPixbuf is missing: no image seeds', file=sys.stderr)
        return

    def pixbuf(width, height, alpha):
        p = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, alpha, 8, width, height)
        p.fill(0x30c060ff)
        return p

    def saved(p, kind, *options):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'image')
            p.savev(path, kind, [o[0] for o in options], [o[1] for o in options])
            with open(path, 'rb') as f:
                return f.read()

    # The option byte of fuzz-image-folder.c: bit 0 RGB, bit 1 resize, bit 2 fixed 8×8;
    # image_input moves the PNG or JPEG signature into bit 3. Only PNG and JPEG: the target
    # runs gdk-pixbuf with its built-in loaders alone.
    write('image-folder', 'png-3x5-gray', image_input(0, saved(pixbuf(3, 5, False), 'png')))
    write('image-folder', 'png-3x5-rgb', image_input(1, saved(pixbuf(3, 5, False), 'png')))
    write('image-folder', 'png-4x4-alpha-rgb-resize',
          image_input(3, saved(pixbuf(4, 4, True), 'png')))
    write('image-folder', 'png-40x30-fixed-resize',
          image_input(6, saved(pixbuf(40, 30, False), 'png')))
    write('image-folder', 'jpeg-6x2-fixed-resize',
          image_input(6, saved(pixbuf(6, 2, False), 'jpeg', ('quality', '50'))))
    write('image-folder', 'jpeg-3x5-rgb', image_input(1, saved(pixbuf(3, 5, False), 'jpeg')))
    # PNG colour types gdk-pixbuf converts: gray, gray + alpha, palette, 16-bit RGB.
    write('image-folder', 'png-gray8-3x5', image_input(0, png(3, 5, 8, 0, 1)))
    write('image-folder', 'png-gray-alpha-3x5-rgb', image_input(1, png(3, 5, 8, 4, 2)))
    write('image-folder', 'png-palette-3x5', image_input(0, png(3, 5, 8, 3, 1, palette=6)))
    write('image-folder', 'png-rgb16-2x2-resize', image_input(2, png(2, 2, 16, 2, 3)))
    # Wider than ST_DATASET_MAX_SIDE: once reached st_dataset_new's guard instead of an error.
    write('image-folder', 'crash-png-wider-than-max-side', image_input(0, png(20000, 1, 8, 0, 1)))


def image_input(options, data):
    """fuzz-image-folder.c's layout: the option byte, its bit 3 set for a PNG and clear for a
    JPEG, then the file without its signature."""
    for flag, magic in ((8, b'\x89PNG\r\n\x1a\n'), (0, b'\xff\xd8\xff')):
        if data.startswith(magic):
            return bytes([options | flag]) + data[len(magic):]
    raise ValueError('neither a PNG nor a JPEG file')


def png(width, height, depth, color_type, samples, palette=0):
    """A small PNG written by hand, for the colour types GdkPixbuf does not save."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack('>I', len(data)) + body + struct.pack('>I', zlib.crc32(body))
    row = bytes((i * 29) % 256 if palette == 0 else i % palette
                for i in range(width * samples * depth // 8))
    raw = b''.join(b'\x00' + row for _ in range(height))
    out = b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', width, height, depth,
                                                              color_type, 0, 0, 0))
    if palette:
        out += chunk(b'PLTE', bytes((i * 40) % 256 for i in range(3 * palette)))
    return out + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b'')


# ---- safetensors ----------------------------------------------------------------------------

def safetensors(tensors, metadata=None, pad=True):
    """tensors: (name, dtype, shape, raw bytes), in data order."""
    header, data = {}, b''
    if metadata is not None:
        header['__metadata__'] = metadata
    for name, dtype, shape, raw in tensors:
        header[name] = {'dtype': dtype, 'shape': shape,
                        'data_offsets': [len(data), len(data) + len(raw)]}
        data += raw
    text = json.dumps(header, separators=(',', ':')).encode()
    if pad:
        text += b' ' * (-(8 + len(text)) % 8)
    return struct.pack('<Q', len(text)) + text + data


def floats(fmt, values):
    return struct.pack('<%d%s' % (len(values), fmt), *values)


def safetensors_seeds(strata_cli):
    write('safetensors', 'f32-scalar-empty.safetensors', safetensors([
        ('s', 'F32', [], floats('f', [1.5])),
        ('e', 'F32', [0, 3], b''),
    ], {'format': 'pt'}))
    write('safetensors', 'every-float-dtype.safetensors', safetensors([
        ('a.f64', 'F64', [2], floats('d', [1.0, -2.5])),
        ('b.f16', 'F16', [2, 2], struct.pack('<4H', 0x3c00, 0x8001, 0x7c00, 0x7e00)),
        ('c.bf16', 'BF16', [3], struct.pack('<3H', 0x3f80, 0xff80, 0x0001)),
        ('d.f32', 'F32', [1, 1, 2], floats('f', [0.25, 4.0])),
    ], {'strata.epoch': '3'}, pad=False))
    write('safetensors', 'unsupported-i64.safetensors', safetensors([
        ('1.num_batches_tracked', 'I64', [], struct.pack('<q', 7)),
        ('w', 'F32', [2], floats('f', [1.0, 2.0])),
        ('flags', 'BOOL', [3], b'\x00\x01\x00'),
        ('bytes', 'U8', [1], b'\x09'),
    ]))
    write('safetensors', 'empty.safetensors', safetensors([]))
    # A header of 5000 nested lists, and a model file given as the weights.
    deep = ('{"a":' + '[' * 5000 + ']' * 5000 + '}').encode()
    write('safetensors', 'deep-lists.safetensors', struct.pack('<Q', len(deep)) + deep)
    write('safetensors', 'model-file.safetensors', json.dumps(TINY_MODEL, indent=2))
    if strata_cli is None:
        print('no --strata-cli: no checkpoint seeds', file=sys.stderr)
        return
    with tempfile.TemporaryDirectory() as tmp:
        model = os.path.join(tmp, 'tiny.strata.json')
        with open(model, 'w') as f:
            json.dump(TINY_MODEL, f)
        for name, source in (('tiny', model), ('toy', 'toy')):
            weights = os.path.join(tmp, name + '.safetensors')
            subprocess.run([strata_cli, 'train', source, '--dataset', 'toy', '--epochs', '1',
                            '--save', weights], check=True, stdout=subprocess.DEVNULL)
            shutil.copy(weights, os.path.join(CORPUS, 'safetensors',
                                              name + '-checkpoint.safetensors'))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--strata-cli', help='strata-cli, to save checkpoints as Strata does')
    args = parser.parse_args()
    model_seeds()
    idx_seeds()
    csv_seeds()
    cifar_seeds()
    image_seeds()
    safetensors_seeds(args.strata_cli)


if __name__ == '__main__':
    main()
