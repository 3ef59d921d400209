#!/bin/sh
# check-catalogue.sh PO_DIR LANG [BUILD_DIR]
#
# Every translatable string of the sources in PO_DIR/POTFILES.in has a translation in
# PO_DIR/LANG.po that is neither missing nor fuzzy, and the catalogue passes msgfmt --check.
# With BUILD_DIR, also looks a string up in the catalogue built there, through gettext(1),
# when the C.UTF-8 locale lets LANGUAGE choose the language.
set -eu

po_dir=$1
lang=$2
build_dir=${3:-}
top=$(cd "$po_dir/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "1..3"

# The keywords of meson's "glib" preset for i18n.gettext().
grep -v -e '^#' -e '^[[:space:]]*$' "$po_dir/POTFILES.in" > "$tmp/files"
(cd "$top" && xgettext --files-from="$tmp/files" --output="$tmp/strata.pot" \
  --from-code=UTF-8 --add-comments --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --keyword=NC_:1c,2 --keyword=g_dcgettext:2 --keyword=g_dngettext:2,3 \
  --keyword=g_dpgettext2:2c,3 --package-name=strata)

if msgfmt --check --output-file=/dev/null "$po_dir/$lang.po"; then
  echo "ok 1 $lang.po passes msgfmt --check"
else
  echo "not ok 1 $lang.po passes msgfmt --check"
fi

msgmerge --quiet --no-fuzzy-matching --output-file="$tmp/merged.po" "$po_dir/$lang.po" \
  "$tmp/strata.pot"
msgfmt --statistics --output-file=/dev/null "$tmp/merged.po" 2> "$tmp/stats"
msgattrib --untranslated --no-obsolete "$tmp/merged.po" > "$tmp/untranslated.po"
msgattrib --only-fuzzy --no-obsolete "$tmp/merged.po" > "$tmp/fuzzy.po"
if grep -q -e untranslated -e fuzzy "$tmp/stats"; then
  echo "not ok 2 every string in POTFILES.in is translated in $lang.po"
  sed 's/^/# /' "$tmp/stats"
  grep -h '^msgid ' "$tmp/untranslated.po" "$tmp/fuzzy.po" | grep -v '^msgid ""$' | sed 's/^/# /'
else
  echo "ok 2 every string in POTFILES.in is translated in $lang.po"
  sed 's/^/# /' "$tmp/stats"
fi

# One translated string, plain enough to pass on a command line, looked up as the program will.
msgattrib --translated --no-fuzzy --no-obsolete --no-wrap "$po_dir/$lang.po" | awk '
  /^msgctxt / { ctx = 1 }
  /^msgid "/ { id = substr($0, 8, length($0) - 8); have_id = 1; next }
  /^msgstr "/ && have_id {
    str = substr($0, 9, length($0) - 9)
    if (!ctx && id != "" && str != "" && str != id && id !~ /[\\%"]/ && id !~ /^-/ && str !~ /\\/) {
      print id; print str; exit
    }
  }
  /^$/ { ctx = 0; have_id = 0 }' > "$tmp/sample"
msgid=$(sed -n 1p "$tmp/sample")
msgstr=$(sed -n 2p "$tmp/sample")
mo="$build_dir/$lang/LC_MESSAGES/strata.mo"
if [ -z "$build_dir" ] || [ ! -f "$mo" ]; then
  echo "ok 3 # SKIP no built catalogue at $mo"
elif ! locale -a 2>/dev/null | grep -qi '^c\.utf-\?8$'; then
  echo "ok 3 # SKIP no C.UTF-8 locale to run gettext(1) in"
elif [ -z "$msgid" ]; then
  echo "not ok 3 $lang.po has no translated string to look up"
else
  got=$(LC_ALL=C.UTF-8 LANGUAGE=$lang TEXTDOMAINDIR="$build_dir" gettext -d strata "$msgid")
  if [ "$got" = "$msgstr" ]; then
    echo "ok 3 the built catalogue translates \"$msgid\" as \"$got\""
  else
    echo "not ok 3 the built catalogue translates \"$msgid\" as \"$got\", not \"$msgstr\""
  fi
fi
