#!/usr/bin/env bash
# The window as a person first sees it, on a screen of each size and in each language:
#
#   tools/screenshots.sh [BUILD-DIR] [OUT-DIR]
#
# writes OUT-DIR/window-1366x768.png, window-1024x600.png and their -zh_CN twins, each the
# whole screen of an Xvfb with the window filling it (there is no window manager to do it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
out=${2:-$here/docs}
app=$build/app/strata
[ -x "$app" ] || { echo "screenshots.sh: $app is not built" >&2; exit 1; }
mkdir -p "$out"

shoot () {
  local size=$1 lang=$2 name=$3 w=${1%x*} h=${1#*x} display=:$((90 + RANDOM % 9)) xvfb app_pid id
  Xvfb "$display" -screen 0 "${size}x24" -nolisten tcp >/dev/null 2>&1 &
  xvfb=$!
  sleep 1
  DISPLAY=$display LANGUAGE=$lang LC_ALL=C.UTF-8 GSK_RENDERER=cairo "$app" >/dev/null 2>&1 &
  app_pid=$!
  id=$(DISPLAY=$display timeout 20 xdotool search --sync --onlyvisible --class strata | head -1)
  DISPLAY=$display xdotool windowmove "$id" 0 0 windowsize "$id" "$w" "$h"
  # the pointer off every widget, so that no tooltip or hover shows
  DISPLAY=$display xdotool mousemove $((w - 1)) $((h - 1))
  sleep 3
  DISPLAY=$display import -window root "$out/$name"
  kill "$app_pid" "$xvfb" 2>/dev/null || true
  wait "$app_pid" "$xvfb" 2>/dev/null || true
  echo "$out/$name"
}

for size in 1366x768 1024x600; do
  shoot "$size" en "window-$size.png"
  shoot "$size" zh_CN.UTF-8 "window-$size-zh_CN.png"
done
