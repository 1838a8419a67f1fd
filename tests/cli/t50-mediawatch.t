#!/bin/bash
# okra mediawatch with real block devices: loop devices over a FAT32 and an ext4 image appear as sticks
# would (udevd running, started here when it is not). Each is read in user space, never mounted (this
# kernel may not even have vfat): its keys are sealed as one bundle naming the medium; strace shows no
# mount(2) and no open of the device for writing; a device a --match rule passes over gets one line
# saying which rule; the same medium again leaves a record; SIGTERM stops it; the allow-list holds.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/media.sh"
if [[ -n ${OKRA_VALGRIND:-} ]]; then skip_na "mediawatch timing under valgrind"; done_testing; fi
media_begin || { skip "$MEDIA_WHY"; done_testing; }
command -v mkfs.vfat >/dev/null && command -v mcopy >/dev/null || { skip "needs dosfstools and mtools"; media_end; done_testing; }
cleanup() {
  [[ -n ${mw:-} ]] && kill "$mw" 2>/dev/null
  [[ -n ${mon:-} ]] && kill "$mon" 2>/dev/null; wait 2>/dev/null
  for i in "$TMP"/img*; do for d in $(losetup -j "$i" -O NAME -n 2>/dev/null); do losetup -d "$d"; done; done
  media_end
  rm -rf "$TMP"
}
trap cleanup EXIT
test_vault; make_keys "$TMP/k"
n_bundles() { ls "$V/bundles" | grep -c '^[0-9]*\.tar$'; }
L=OKRAF$$; L2=OKRAE$$
# a FAT32 stick, filled without mounting: keys in a folder, a note beside them
truncate -s 40M "$TMP/img1"; mkfs.vfat -F 32 -n "$L" "$TMP/img1" >/dev/null
MTOOLS_SKIP_CHECK=1 mmd -i "$TMP/img1" ::/keys
MTOOLS_SKIP_CHECK=1 mcopy -i "$TMP/img1" "$TMP/k/legacy.pfx" "$TMP/k/plain.pem" ::/keys/
echo notes >"$TMP/notes.txt"; MTOOLS_SKIP_CHECK=1 mcopy -i "$TMP/img1" "$TMP/notes.txt" ::/
# an ext4 stick
mkdir -p "$TMP/m2"; cp "$TMP/k/modern.pfx" "$TMP/m2/"
mkfs.ext4 -q -L "$L2" -d "$TMP/m2" "$TMP/img2" 16M >/dev/null || { skip "mkfs.ext4 -d failed"; done_testing; }

# without the media lock's descriptor: it must not hold the lock past this test
findmnt --poll -n -r -o ACTION,SOURCE,TARGET >"$TMP/mounts" 2>&1 {media_lock_fd}>&- & mon=$!
# --once on the FAT32 stick, every system call of okra and its reader traced
if command -v strace >/dev/null; then TRACE=(strace -f -qq -e trace=mount,umount2,open,openat,openat2 -o "$TMP/trace"); else TRACE=(); fi
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 "${TRACE[@]}" "$OKRA" --vault "$V" mediawatch --once \
  --match "ID_FS_LABEL=$L" >"$TMP/mw.out" 2>&1 & mw=$!
watching "$TMP/mw.out"
t0=$(date +%s%N); dev=$(losetup -f --show "$TMP/img1")
wait_at_most 30 $mw; rc=$?; mw=
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
is "$rc" 0 "mediawatch --once reads the FAT32 stick and exits 0"
[[ $rc == 0 ]] || sed 's/^/# /' "$TMP/mw.out"
diag "from the device appearing to mediawatch done: $ms ms"
is "$(n_bundles)" 2 "one bundle for the insertion"
m=$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json)
is "$(jq -r '[.items[].source.path] | join(" ")' <<<"$m")" "keys/legacy.pfx keys/plain.pem" "its keys sealed, paths from the medium's root"
is "$(jq -r '.media | [.devname, .fs_type, .fs_label] | join(" ")' <<<"$m")" "$dev fat32 $L" \
  "the manifest names the device, the filesystem the reader found, and the label"
is "$(jq -r '.media.mount_options // "none"' <<<"$m")" none "and no mount options: nothing was mounted"
like "$(cat "$TMP/mw.out")" "medium $dev \(label $L, fat32\): reading it in user space; nothing is mounted" "it says it reads without mounting"
like "$(cat "$TMP/mw.out")" "skipped +notes.txt" "a line for what was skipped"
like "$(cat "$TMP/mw.out")" "medium $dev done; it can be taken out" "and when the stick can go"
if [[ ${#TRACE[@]} -gt 0 ]]; then
  is "$(grep -c -E '(^|[0-9] )(mount|umount2)\(' "$TMP/trace")" 0 "strace -f: no mount(2) or umount2(2), by okra or its reader"
  is "$(grep -E "open(at2?)?\(.*\"$dev\"" "$TMP/trace" | grep -c -E 'O_WRONLY|O_RDWR')" 0 "strace -f: the device is never opened for writing"
  like "$(grep -E "open(at2?)?\(.*\"$dev\"" "$TMP/trace" | head -n 1)" "O_RDONLY.*O_EXCL|O_EXCL.*O_RDONLY|O_RDONLY" "it is opened read-only"
else
  skip "no strace"
fi
losetup -d "$dev"

# the ext4 stick through the same watcher, with a device it passes over named first
"$OKRA" --vault "$V" mediawatch --once --match "ID_FS_LABEL=$L2" >"$TMP/mw2.out" 2>&1 & mw=$!
watching "$TMP/mw2.out"
other=$(losetup -f --show "$TMP/img1")   # the FAT32 stick: its label fails the rule
wait_for_text "$TMP/mw2.out" "$other ignored"
dev=$(losetup -f --show "$TMP/img2")
wait_at_most 30 $mw; is "$?" 0 "mediawatch --once reads the ext4 stick"; mw=
like "$(cat "$TMP/mw2.out")" "$other ignored: has ID_FS_LABEL=$L, which --match ID_FS_LABEL=$L2 does not take" \
  "a device the rule passes over gets one line naming the rule"
is "$(grep -c "$other ignored" "$TMP/mw2.out")" 1 "one line, however many events it sends"
is "$(tar -xOf "$V/bundles/00000002.tar" MANIFEST.json | jq -r '[.media.fs_type, .media.fs_label, (.items | length)] | join(" ")')" \
  "ext4 $L2 1" "the ext4 stick's key sealed, its filesystem and label recorded"
losetup -d "$dev" "$other"

# the same medium again: nothing new, but a bundle as the record of the insertion
"$OKRA" --vault "$V" mediawatch --once --match "ID_FS_LABEL=$L2" >"$TMP/mw3.out" 2>&1 & mw=$!
watching "$TMP/mw3.out"; dev=$(losetup -f --show "$TMP/img2")
wait_at_most 30 $mw; is "$?" 0 "the same medium again: mediawatch --once exits 0"; mw=
is "$(n_bundles)" 4 "a medium with nothing new still leaves its record"
is "$(tar -xOf "$V/bundles/00000003.tar" MANIFEST.json | jq '.items | length')" 0 "with no item"
losetup -d "$dev"

# SIGTERM ends the watcher cleanly
"$OKRA" --vault "$V" mediawatch --match "ID_FS_LABEL=NOSUCH$$" >"$TMP/mw4.out" 2>&1 & mw=$!
watching "$TMP/mw4.out"; kill -TERM $mw; wait_at_most 10 $mw; rc=$?; mw=
is "$rc" 0 "SIGTERM stops mediawatch with exit 0"
like "$(cat "$TMP/mw4.out")" "stopped" "saying so"

run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"

# a vault whose policy lists the media it takes: another medium is passed over
printf 'p1\n' >"$TMP/pw1"
must_okra --vault "$TMP/v2" --passphrase-file "$TMP/pw1" ceremony init --custodians 1 --threshold 1 \
  --share-dir "$TMP/s2" --work-factor 10 --medium-uuid 00000000-0000-0000-0000-000000000000 >/dev/null
"$OKRA" --vault "$TMP/v2" mediawatch --once --match "ID_FS_LABEL=$L2" >"$TMP/mw5.out" 2>&1 & mw=$!
watching "$TMP/mw5.out"; dev=$(losetup -f --show "$TMP/img2")
wait_for_text "$TMP/mw5.out" "allow-list"
kill -TERM $mw 2>/dev/null; wait_at_most 10 $mw; is "$?" 0 "the watcher that passed it over stops on SIGTERM, exit 0"; mw=
is "$(ls "$TMP/v2/bundles" | wc -l)" 1 "a medium outside the vault's allow-list is not sealed"
like "$(cat "$TMP/mw5.out")" "$dev ignored: is not on the vault's allow-list" "and the watcher says why"
losetup -d "$dev"

kill $mon 2>/dev/null; wait $mon 2>/dev/null; mon=
is "$(grep -c '^mount /dev/loop' "$TMP/mounts")" 0 "findmnt --poll saw no loop device mounted the whole time"
done_testing
