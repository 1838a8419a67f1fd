#!/bin/bash
# dist/okra-mediawatch.service and dist/90-okra-media.rules as installed: systemd-analyze verify
# finds nothing to say; the unit keeps no mount capability and refuses mount(2); and okra works with
# only what the unit leaves it (root with CAP_SETUID and CAP_SETGID, no_new_privs): the reader child
# still takes uid nobody and its own namespaces, and a stick the udev rule made read-only is read.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/media.sh"
DIST=$TESTS_LIB/../../dist
U=$DIST/okra-mediawatch.service

# as `make install` writes it, with okra and its man page where systemd-analyze looks
mkdir -p "$TMP/bin" "$TMP/man/man1"
ln -s "$OKRA" "$TMP/bin/okra"; ln -s "$TESTS_LIB/../../doc/okra.1" "$TMP/man/man1/okra.1"
sed "s|@BINDIR@|$TMP/bin|" "$U" >"$TMP/okra-mediawatch.service"
if command -v systemd-analyze >/dev/null; then
  out=$(cd "$TMP" && MANPATH=$TMP/man systemd-analyze verify ./okra-mediawatch.service 2>&1); rc=$?
  is "$rc $out" "0 " "systemd-analyze verify: clean"
else
  skip "no systemd-analyze"
fi
unit() { sed -n "s/^$1=//p" "$U" | tr '\n' ' '; }
is "$(unit CapabilityBoundingSet)" "CAP_SETUID CAP_SETGID " "the unit keeps CAP_SETUID and CAP_SETGID only: no mount capability"
like "$(unit SystemCallFilter)" "~@mount" "mount(2) and its kin are refused outright"
like "$(unit SystemCallFilter)" "@system-service seccomp" "seccomp(2) allowed, for the reader's own filters"
like "$(unit RestrictNamespaces)" "user mnt net ipc uts" "the namespaces the reader makes are allowed, no others"
is "$(grep -c 'ReadWritePaths=/var/lib/okra$' "$U")" 1 "it writes to the vault alone"
like "$(grep -v '^#' "$DIST/90-okra-media.rules")" 'RUN\+="/usr/sbin/blockdev --setro \$devnode"' \
  "the udev rule makes a USB disk read-only at the block layer as it appears"

# okra with only what the unit leaves it
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null && command -v mkfs.ext4 >/dev/null; then
  UNIT_PRIVS=(setpriv --bounding-set -all,+setuid,+setgid --inh-caps -all --ambient-caps -all --no-new-privs)
  test_vault; make_keys "$TMP/k"
  mkdir -p "$TMP/m"; cp "$TMP/k/plain.pem" "$TMP/m/"
  mkfs.ext4 -q -L UNIT$$ -d "$TMP/m" "$TMP/m.img" 16M >/dev/null 2>&1
  "${UNIT_PRIVS[@]}" "$OKRA" --vault "$V" scan --image "$TMP/m.img" >"$TMP/out" 2>&1
  is "$?" 0 "scan --image with the unit's privileges: the reader sandboxes itself without CAP_SYS_ADMIN"
  [[ -s $V/bundles/00000001.tar ]]; _result $? "and the key is sealed"
  if [[ -n ${OKRA_VALGRIND:-} ]]; then
    skip_na "mediawatch timing under valgrind"
  elif media_begin; then
    dev=$(losetup -f --show "$TMP/m.img")
    blockdev --setro "$dev"   # what the udev rule does as a stick appears
    "${UNIT_PRIVS[@]}" "$OKRA" --vault "$V" mediawatch --once --match "ID_FS_LABEL=UNIT$$" >"$TMP/mw" 2>&1 & mw=$!
    wait_at_most 30 $mw; rc=$?
    is "$rc" 0 "mediawatch --once with the unit's privileges reads a stick"
    like "$(cat "$TMP/mw")" "medium $dev \(label UNIT$$, ext4\): reading it in user space" "reading it in user space"
    is "$(grep -c 'read-only at the block layer' "$TMP/mw")" 0 "with no word about BLKROSET: the udev rule made it read-only"
    blockdev --setrw "$dev"; losetup -d "$dev"
    media_end
  else
    skip "$MEDIA_WHY"
  fi
else
  skip "needs root, setpriv and mkfs.ext4"
fi
done_testing
