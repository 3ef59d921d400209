#!/usr/bin/env bash
# device-pack.sh: packs Strata's CUDA build for a GPU machine that has the CUDA toolkit and
# driver but none of Strata's other build dependencies (json-glib, OpenBLAS, gdk-pixbuf):
# the command-line tool, the CUDA test programs, the module, the shared libraries they load
# that are not part of the C runtime or CUDA, and the datasets' .gz files.
#
#   tools/device-pack.sh [PACK]        PACK defaults to .device-pack (git-ignored)
#
# Builds build-device (release, -Dui=disabled -Dcuda=enabled; $STRATA_DEVICE_BUILD names
# another) first. bench/gpu-check.sh runs what is packed, from the repository root on the
# GPU machine:
#
#   bench/gpu-check.sh tests|accuracy|bench [PACK]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
pack=${1:-$root/.device-pack}
build=${STRATA_DEVICE_BUILD:-$root/build-device}

say () { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" "$root" --buildtype=release -Dui=disabled -Dcuda=enabled
fi
ninja -C "$build"

bins=("$build/app/strata-cli")
for t in "$build"/tests/test-cuda-*; do
  [ -x "$t" ] && [ -f "$t" ] && bins+=("$t")
done
module="$build/gpu/libstrata-cuda.so"
if [ ! -f "$module" ]; then
  echo "device-pack.sh: $module was not built (is nvcc on PATH?)" >&2
  exit 1
fi

rm -rf "$pack"
mkdir -p "$pack/bin" "$pack/lib" "$pack/data"
cp "${bins[@]}" "$module" "$pack/bin/"

# Every library the programs load, less the C runtime and CUDA's own, which the GPU machine
# has in the versions its driver wants.
ldd "${bins[@]}" "$module" | awk '/=> \// { print $3 }' | sort -u | while read -r lib; do
  case "$(basename "$lib")" in
    libc.so*|libm.so*|libpthread.so*|libdl.so*|librt.so*|ld-linux*|libgcc_s.so*|\
    libstdc++.so*|libcuda.so*|libcudart.so*|libcublas.so*|libcublasLt.so*) ;;
    *) cp -L "$lib" "$pack/lib/" ;;
  esac
done
tar -C "$pack" -cJf "$pack/lib.tar.xz" lib
rm -rf "$pack/lib"

# The datasets, compressed (the carry limit is 64 MiB).
fashion=/usr/share/datasets/fashion-mnist
mnist=${XDG_DATA_HOME:-$HOME/.local/share}/strata/datasets/mnist
for set in fashion-mnist mnist; do
  from=$fashion
  [ "$set" = mnist ] && from=$mnist
  mkdir -p "$pack/data/$set"
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte \
           t10k-labels-idx1-ubyte; do
    if [ -f "$from/$f.gz" ]; then
      cp "$from/$f.gz" "$pack/data/$set/"
    elif [ -f "$from/$f" ]; then
      gzip -c "$from/$f" > "$pack/data/$set/$f.gz"
    else
      say "no $set file $f in $from: the runs that need $set will fail"
    fi
  done
done

say "packed $(du -sh "$pack" | cut -f1) in $pack:"
ls -l "$pack/bin" >&2
