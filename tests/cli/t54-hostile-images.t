#!/bin/bash
# Hostile filesystem images through okra scan --image: a FAT cluster chain that loops, a folder that
# contains itself, a 100,000-entry folder, truncated images, garbage boot sectors, an NTFS with a
# broken MFT, random bytes. Each ends in bounded time and memory, with a clear line, the vault
# unharmed and no reader left behind; the real keys beside the damage are still sealed. The same
# images go through the reader's walk in process (readmedium --in-process), so that valgrind and the
# sanitizers see it too.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/exports.sh"
source "$(dirname "$0")/../lib/images.sh"
H="python3 $TESTS_LIB/../tools/hostile-image.py"
for t in fat16 fat32 ext4 ntfs exfat; do
  m=$(image_tools_missing $t); [[ -z $m ]] || { skip "needs $m"; done_testing; }
done
[[ -x /usr/bin/time ]] || { skip "needs GNU time"; done_testing; }
make_exports "$TMP/x" >/dev/null 2>&1 || { skip "openssl could not make the export files"; done_testing; }
cp "$TMP/x/files/04-ec-p256.pfx" "$TMP/real.pfx"
KEY=$(sha256sum <"$TMP/real.pfx" | cut -d' ' -f1)

# The bounds: valgrind runs ~30x slower; sanitizers and valgrind change what memory means.
secs_max=60; mem_max=$((128 * 1024))
[[ -n ${OKRA_WRAP:-} ]] && secs_max=600
[[ -n ${OKRA_WRAP:-} || $OKRA == */asan/* ]] && mem_max=0

I=$TMP/img; mkdir -p "$I"
# a FAT16 stick: a key, a file whose cluster chain loops, and a folder A/B whose B is A itself
truncate -s 32M "$I/loops.img"; mkfs.vfat -F 16 "$I/loops.img" >/dev/null
head -c 200000 /dev/urandom >"$TMP/loop.pfx"
MTOOLS_SKIP_CHECK=1 mcopy -i "$I/loops.img" "$TMP/loop.pfx" "$TMP/real.pfx" ::/
MTOOLS_SKIP_CHECK=1 mmd -i "$I/loops.img" ::/A ::/A/B
MTOOLS_SKIP_CHECK=1 mcopy -i "$I/loops.img" "$TMP/real.pfx" ::/A/B/inner.pfx
$H fat-loop "$I/loops.img" loop.pfx && $H fat-self "$I/loops.img" A B
# an exFAT stick: a key, and a folder of 100,000 entries
mkdir -p "$TMP/m1"; cp "$TMP/real.pfx" "$TMP/m1/"
truncate -s 64M "$I/many.img"; mkfs.exfat "$I/many.img" >/dev/null
python3 "$TESTS_LIB/../tools/exfat-populate.py" "$I/many.img" "$TMP/m1" --many big 100000
# the 13 keys on each filesystem, then damaged
medium_tree "$TMP/tree" "$TMP/x"
for t in fat32 ext4 ntfs; do make_image $t "$I/$t.img" KEYS "$TMP/tree"; done
cp "$I/fat32.img" "$I/fat32-truncated.img"; truncate -s 300K "$I/fat32-truncated.img"   # in its FAT
cp "$I/fat32.img" "$I/fat32-4k.img"; truncate -s 4096 "$I/fat32-4k.img"
cp "$I/ext4.img" "$I/ext4-truncated.img"; truncate -s 1M "$I/ext4-truncated.img"
cp "$I/ntfs.img" "$I/ntfs-truncated.img"; truncate -s 2M "$I/ntfs-truncated.img"
cp "$I/fat32.img" "$I/fat32-bpb.img"; $H fat-bpb "$I/fat32-bpb.img"
truncate -s 32M "$I/fat16-bpb.img"; mkfs.vfat -F 16 "$I/fat16-bpb.img" >/dev/null; $H fat-bpb "$I/fat16-bpb.img"
cp "$I/ext4.img" "$I/ext4-superblock.img"; $H garbage "$I/ext4-superblock.img" 1024 1024
cp "$I/ntfs.img" "$I/ntfs-mft0.img"; $H ntfs-mft "$I/ntfs-mft0.img" 0 4
cp "$I/ntfs.img" "$I/ntfs-root.img"; $H ntfs-mft "$I/ntfs-root.img" 5 1
cp "$I/ntfs.img" "$I/ntfs-files.img"; $H ntfs-mft "$I/ntfs-files.img" 64 8
head -c 4M /dev/urandom >"$I/random.img"

test_vault
# readers left behind: a reader of this okra's program whose okra is gone (other tests on the
# machine, or of this run, have readers of their own, each with its okra alive)
ours_running() {
  local p n=0 me ppid
  me=$(readlink -f "$OKRA")
  for p in $(pgrep -f -- --okra-reader-child); do
    [[ $(readlink "/proc/$p/exe" 2>/dev/null) == "$me" ]] || continue
    ppid=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
    [[ -n $ppid && ( $ppid == 1 || ! -e /proc/$ppid ) ]] && n=$((n + 1))
  done
  echo $n
}
# hostile NAME STATUS-REGEX LINE-REGEX: okra scan --image, bounded, with a clear line
hostile() {
  local name=$1 want=$2 line=$3 kb secs rc
  /usr/bin/time -f '%M %e' -o "$TMP/time" timeout $((secs_max + 30)) ${OKRA_WRAP:-} "$OKRA" --vault "$V" \
    scan --image "$I/$name.img" >"$TMP/out" 2>&1; rc=$?
  read -r kb secs < <(tail -n 1 "$TMP/time")
  like "$rc" "^($want)$" "$name: scan ends with status $want"
  [[ $rc =~ ^($want)$ ]] || sed 's/^/# /' "$TMP/out" | tail -n 5
  like "$(cat "$TMP/out")" "$line" "$name: saying what it met"
  ok "$name: within $secs_max s (took $secs s)" test "${secs%.*}" -lt "$secs_max"
  if ((mem_max > 0)); then ok "$name: within $((mem_max / 1024)) MiB (peak $((kb / 1024)) MiB)" test "$kb" -lt "$mem_max"; fi
  is "$(ours_running)" 0 "$name: no reader left running"
  # the reader's walk in this process, under valgrind or the sanitizers when they are on
  ${OKRA_WRAP:-} "$OKRA_TOOLS/readmedium" --in-process "$I/$name.img" >"$TMP/inproc" 2>&1; rc=$?
  like "$rc" "^[01]$" "$name: the walk in process ends cleanly (valgrind, sanitizers)"
  [[ $rc == [01] ]] || sed 's/^/# /' "$TMP/inproc" | tail -n 8
}
sealed() { must_okra --vault "$V" --json list | jq -r --arg s "$1" '[.[] | select(.source.sha256 == $s)] | length'; }

hostile loops 0 "skipped +A/B/B: a folder seen already \(a loop on the medium"
like "$(cat "$TMP/out")" "skipped +loop\.pfx: cannot be read \(its data on the medium is damaged\)" \
  "loops: the file whose chain loops is named as damaged"
is "$(sealed "$KEY")" 1 "loops: the real key beside them is sealed"
hostile many 0 "nothing new to seal; no bundle committed \(1 already sealed, 100000 skipped\)"
is "$(grep -c ': is empty$' "$TMP/out")" 100000 "many: a line for each of the 100,000 entries"
hostile fat32-truncated 1 "fat32-truncated\.img: "
hostile fat32-4k 1 "fat32-4k\.img: "
hostile ext4-truncated 1 "ext4-truncated\.img: "
hostile ntfs-truncated 1 "ntfs-truncated\.img: "
hostile fat32-bpb 1 "fat32-bpb\.img: (no filesystem okra reads|the top folder of its filesystem is damaged|its filesystem is damaged)"
# its geometry says FAT12 now, with nothing in it; or it is refused
hostile fat16-bpb "0|1" "fat16-bpb\.img: (no filesystem okra reads|the top folder of its filesystem is damaged|its filesystem is damaged)|nothing new to seal"
hostile ext4-superblock 1 "ext4-superblock\.img: "
hostile ntfs-mft0 1 "ntfs-mft0\.img: "
hostile ntfs-root 1 "ntfs-root\.img: the top folder of its filesystem is damaged"
hostile ntfs-files 0 "cannot be read \(its entry on the medium is damaged\)"
hostile random 1 "random\.img: no filesystem okra reads is on it"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies after all of them"
done_testing
