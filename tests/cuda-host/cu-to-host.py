#!/usr/bin/env python3
"""cu-to-host.py IN.cu OUT.cc: one of the CUDA module's .cu files as host C++.

Every kernel launch `kernel<<<grid, block[, shared, stream]>>> (args)` becomes
`st_emu_launch (dim3 (grid), dim3 (block), [&] { kernel (args); })`, which
tests/cuda-emu.h runs on the host — st_emu_launch_serial for a kernel whose body (in this
file or a .cuh beside it) is found and never waits for its block (__syncthreads,
st_block_sum, st_tile_sums); the file is preceded by that header. Nothing else changes, so the kernels
and launchers compiled here are the ones nvcc compiles.
"""
import glob
import os
import re
import sys

WAITS = ('__syncthreads', 'st_block_sum', 'st_tile_sums')


def split_top_level(text):
    """The comma-separated parts of text, commas inside brackets left alone."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in '([{':
            depth += 1
        elif ch in ')]}':
            depth -= 1
        elif ch == ',' and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return parts


def matching(text, open_at, pair='()'):
    """Where the bracket at open_at closes."""
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == pair[0]:
            depth += 1
        elif text[i] == pair[1]:
            depth -= 1
            if depth == 0:
                return i
    raise ValueError('unbalanced %s at offset %d' % (pair, open_at))


def serial_kernels(texts):
    """The names of the __global__ functions whose bodies never wait for their block."""
    serial = set()
    for text in texts:
        for m in re.finditer(r'__global__\s+void\s+(\w+)\s*\(', text):
            body_at = text.index('{', matching(text, m.end() - 1))
            end = matching(text, body_at, '{}')
            if not any(w in text[body_at:end] for w in WAITS):
                serial.add(m.group(1))
    return serial


def convert(src, name, serial):
    out, i = [], 0
    while True:
        j = src.find('<<<', i)
        if j < 0:
            out.append(src[i:])
            break
        k = j
        while k > 0 and (src[k - 1].isalnum() or src[k - 1] == '_'):
            k -= 1
        kernel = src[k:j]
        e = src.find('>>>', j)
        config = split_top_level(src[j + 3:e])
        p = e + 3
        while src[p].isspace():
            p += 1
        if not kernel or src[p] != '(' or len(config) < 2:
            line = src.count('\n', 0, j) + 1
            sys.exit('%s:%d: a launch this script does not understand' % (name, line))
        q = matching(src, p)
        out.append(src[i:k])
        launch = 'st_emu_launch_serial' if kernel in serial else 'st_emu_launch'
        out.append('%s (dim3 (%s), dim3 (%s), [&] { %s (%s); })'
                   % (launch, config[0], config[1], kernel, src[p + 1:q]))
        i = q + 1
    return ''.join(out)


def main():
    src_path, out_path = sys.argv[1], sys.argv[2]
    src = open(src_path, encoding='utf-8').read()
    headers = glob.glob(os.path.join(os.path.dirname(src_path), '*.cuh'))
    serial = serial_kernels([src] + [open(h, encoding='utf-8').read() for h in headers])
    text = ('/* Generated from %s by tests/cuda-host/cu-to-host.py: do not edit. */\n'
            '#include "tests/cuda-emu.h"\n#line 1 "%s"\n' % (src_path, src_path)
            + convert(src, src_path, serial))
    open(out_path, 'w', encoding='utf-8').write(text)


if __name__ == '__main__':
    main()
