#!/bin/bash
# okra mediawatch with real block devices: a loop device over an ext4 image appears as a stick
# would (udevd running, started here when it is not); its keys are sealed as one bundle naming
# the medium, mounted read-only and unmounted after; a medium pulled mid-scan commits nothing.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/media.sh"
if [[ -n ${OKRA_VALGRIND:-} ]]; then skip_na "mediawatch timing under valgrind"; done_testing; fi
media_begin || { skip "$MEDIA_WHY"; done_testing; }
cleanup() {
  [[ -n ${mw:-} ]] && kill "$mw" 2>/dev/null; wait 2>/dev/null
  umount -q "$TMP"/mnt/* 2>/dev/null
  for i in "$TMP"/img*; do for d in $(losetup -j "$i" -O NAME -n 2>/dev/null); do losetup -d "$d"; done; done
  media_end
  rm -rf "$TMP"
}
trap cleanup EXIT
test_vault; make_keys "$TMP/k"
LABEL=OKRAT$$
mkdir -p "$TMP/m1/keys"; cp "$TMP/k/legacy.pfx" "$TMP/k/plain.pem" "$TMP/m1/keys/"; echo notes >"$TMP/m1/notes.txt"
mkfs.ext4 -q -L "$LABEL" -d "$TMP/m1" "$TMP/img1" 16M >/dev/null || { skip "mkfs.ext4 -d failed"; done_testing; }

"$OKRA" --vault "$V" mediawatch --once --match "ID_FS_LABEL=$LABEL" --mount-dir "$TMP/mnt" >"$TMP/mw.out" 2>&1 & mw=$!
sleep 0.7
t0=$(date +%s%N); dev=$(losetup -f --show "$TMP/img1")
wait_at_most 30 $mw; rc=$?; mw=
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$rc" 0 "mediawatch --once handles one medium and exits 0"
diag "from the device appearing to mediawatch done: $ms ms"
is "$(ls "$V/bundles" | wc -l)" 2 "one bundle for the insertion"
m=$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json)
is "$(jq -r '[.items[].source.path] | join(" ")' <<<"$m")" "keys/legacy.pfx keys/plain.pem" "its keys sealed, paths from the medium's root"
is "$(jq -r .media.fs_label <<<"$m")" "$LABEL" "the manifest names the medium's label"
is "$(jq -r .media.fs_type <<<"$m")" ext4 "and its filesystem"
like "$(jq -r .media.mount_options <<<"$m")" "ro.*nosuid.*nodev.*noexec" "it was mounted read-only, nosuid, nodev, noexec"
like "$(cat "$TMP/mw.out")" "skipped +notes.txt" "a line for what was skipped"
is "$(awk -v d="$TMP/mnt" 'index($2, d) == 1' /proc/mounts | wc -l)" 0 "nothing stays mounted"
is "$(ls -A "$TMP/mnt" 2>/dev/null | wc -l)" 0 "and the mount point is gone"
losetup -d "$dev"

# the same medium again: nothing new, but a bundle as the record of the insertion
"$OKRA" --vault "$V" mediawatch --once --match "ID_FS_LABEL=$LABEL" --mount-dir "$TMP/mnt" >"$TMP/mw2.out" 2>&1 & mw=$!
sleep 0.7; dev=$(losetup -f --show "$TMP/img1")
wait_at_most 30 $mw; is "$?" 0 "the same medium again: mediawatch --once exits 0"; mw=
is "$(ls "$V/bundles" | wc -l)" 3 "a medium with nothing new still leaves its record"
is "$(tar -xOf "$V/bundles/00000002.tar" MANIFEST.json | jq '.items | length')" 0 "with no item"
losetup -d "$dev"

# SIGTERM ends the watcher cleanly
"$OKRA" --vault "$V" mediawatch --match "ID_FS_LABEL=NOSUCH$$" --mount-dir "$TMP/mnt" >"$TMP/mw3.out" 2>&1 & mw=$!
sleep 0.5; kill -TERM $mw; wait_at_most 10 $mw; rc=$?; mw=
is "$rc" 0 "SIGTERM stops mediawatch with exit 0"
like "$(cat "$TMP/mw3.out")" "stopped" "saying so"

run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"

# a vault whose policy lists the media it takes: another medium is passed over
printf 'p1\n' >"$TMP/pw1"
okra --vault "$TMP/v2" --passphrase-file "$TMP/pw1" ceremony init --custodians 1 --threshold 1 \
  --share-dir "$TMP/s2" --work-factor 10 --medium-uuid 00000000-0000-0000-0000-000000000000 >/dev/null 2>&1
"$OKRA" --vault "$TMP/v2" mediawatch --once --match "ID_FS_LABEL=$LABEL" --mount-dir "$TMP/mnt" >"$TMP/mw4.out" 2>&1 & mw=$!
sleep 0.7; dev=$(losetup -f --show "$TMP/img1"); sleep 1.5
kill -TERM $mw 2>/dev/null; wait_at_most 10 $mw; mw=
is "$(ls "$TMP/v2/bundles" | wc -l)" 1 "a medium outside the vault's allow-list is not sealed"
like "$(cat "$TMP/mw4.out")" "allow|not listed|policy" "and the watcher says why"
losetup -d "$dev"
done_testing
