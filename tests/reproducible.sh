#!/bin/bash
# reproducible.sh: builds okra twice from this commit, in two folders of different depth and name,
# one after the other, under different time zones, locales and umasks, and wants the same bytes.
# Also checks what `okra --version` names: the commit (a clean clone), the commit from a git archive
# (dist/commit filled in by export-subst), and "commit unknown" for a copy with no git at all.
#
#   tests/reproducible.sh          (make check-reproducible; run from the top of the tree)
#
# It builds what is committed (HEAD), not the working tree's uncommitted changes; outside git it
# builds two copies of the tree as it is.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d /tmp/okra-repro.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail=0
say() { echo "reproducible: $*"; }
bad() { say "FAILED: $*"; fail=1; }

# TREE DEST: a copy of the sources to build
copy_tree() {
  mkdir -p "$(dirname "$2")"
  if [[ -n $HEAD ]]; then
    git clone -q --no-hardlinks "$ROOT" "$2" && git -C "$2" checkout -q --detach "$HEAD"
  else
    mkdir -p "$2" && tar -C "$1" --exclude=./build --exclude=./okra -cf - . | tar -C "$2" -xf -
  fi
}

# DIR [ENV...]: builds DIR/okra with the environment given; its log is DIR.log
build() {
  local dir=$1; shift
  (cd "$dir" && env "$@" make -j2 all) >"$dir.log" 2>&1 || { bad "the build in $dir failed:"; tail -n 20 "$dir.log"; return 1; }
}

# DIR: the COMMIT the Makefile computes there, without building
commit_text() { make -s -C "$1" -pn all 2>/dev/null | sed -n 's/^COMMIT := //p' | head -n 1; }

HEAD=
if [[ $(git -C "$ROOT" rev-parse --show-toplevel 2>/dev/null) == "$ROOT" ]]; then
  HEAD=$(git -C "$ROOT" rev-parse HEAD)
  say "building commit $HEAD twice"
else
  say "not a git checkout: building two copies of $ROOT"
fi

A=$T/a/okra
B=$T/second-build/a/much/longer/path/to/okra-sources
copy_tree "$ROOT" "$A" && copy_tree "$ROOT" "$B" || { bad "cannot copy the sources"; exit 1; }
build "$A" TZ=UTC LC_ALL=C || exit 1
(umask 077; build "$B" TZ=Pacific/Kiritimati LC_ALL=C.UTF-8 LANG=C.UTF-8) || exit 1

sa=$(sha256sum <"$A/okra" | cut -d' ' -f1) sb=$(sha256sum <"$B/okra" | cut -d' ' -f1)
if [[ $sa == "$sb" ]]; then
  say "the same bytes from both folders: sha256 $sa"
else
  bad "the two builds differ: $sa in $A, $sb in $B"
  cmp -l "$A/okra" "$B/okra" | head -n 5
  for s in $(readelf -SW "$A/okra" | sed -n 's/^ *\[ *[0-9]*\] \([^ ]*\) .*/\1/p'); do
    [[ -z $s ]] && continue
    cmp -s <(objcopy -O binary --only-section="$s" "$A/okra" /dev/stdout 2>/dev/null) \
      <(objcopy -O binary --only-section="$s" "$B/okra" /dev/stdout 2>/dev/null) || say "  section $s differs"
  done
fi

v=$("$A/okra" --version)
if [[ -n $HEAD ]]; then
  [[ $v == "okra "*"(commit $HEAD, "* ]] && say "okra --version: $v" || bad "okra --version names no commit $HEAD: $v"

  # a tarball made by git archive names its commit; a copy with no git says it does not know
  mkdir -p "$T/archive" "$T/nogit"
  git -C "$ROOT" archive "$HEAD" | tar -C "$T/archive" -xf -
  c=$(commit_text "$T/archive")
  [[ $c == "commit $HEAD from a git archive" ]] && say "from git archive: $c" || bad "a git archive's build would say: '$c'"
  (cd "$A" && git ls-files -z | tar --null -T - -cf -) | tar -C "$T/nogit" -xf -
  c=$(commit_text "$T/nogit")
  [[ $c == "built outside git: commit unknown" ]] && say "outside git: $c" || bad "a copy outside git would say: '$c'"
else
  [[ $v == *"built outside git"* || $v == *"from a git archive"* ]] && say "okra --version: $v" ||
    bad "okra --version does not say it was built outside git: $v"
fi
exit $fail
