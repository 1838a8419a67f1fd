#!/bin/bash
# okra mediawatch as a service stays flat: the same stick plugged in and out dozens of times, each
# insertion read by a new sandboxed reader and recorded as a bundle. After them, the watcher holds no
# more descriptors and no more memory than after the first few, and no reader is left behind.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/media.sh"
if [[ -n ${OKRA_VALGRIND:-} ]]; then skip_na "mediawatch timing under valgrind"; done_testing; fi
media_begin || { skip "$MEDIA_WHY"; done_testing; }
command -v mkfs.vfat >/dev/null && command -v mcopy >/dev/null || { skip "needs dosfstools and mtools"; media_end; done_testing; }
cleanup() {
  [[ -n ${mw:-} ]] && kill "$mw" 2>/dev/null; wait 2>/dev/null
  for d in $(losetup -j "$TMP/img" -O NAME -n 2>/dev/null); do losetup -d "$d"; done
  media_end
  rm -rf "$TMP"
}
trap cleanup EXIT
N=${OKRA_FLAT_INSERTIONS:-30}
test_vault; make_keys "$TMP/k"
L=OKRAFL$(( $$ % 10000 ))
truncate -s 40M "$TMP/img"; mkfs.vfat -F 32 -n "$L" "$TMP/img" >/dev/null
MTOOLS_SKIP_CHECK=1 mcopy -i "$TMP/img" "$TMP/k/legacy.pfx" "$TMP/k/plain.pem" ::/

"$OKRA" --vault "$V" mediawatch --match "ID_FS_LABEL=$L" >"$TMP/mw.out" 2>&1 & mw=$!
for i in $(seq 1 100); do grep -q "watching for media (" "$TMP/mw.out" && break; sleep 0.05; done
# okra's own pid: $mw is okra itself (no wrapper here)
sample() { # fds rss-kB children
  echo "$(ls /proc/$mw/fd | wc -l) $(awk '/^VmRSS/ {print $2}' /proc/$mw/status) $(pgrep -P $mw | wc -l)"
}
done_lines() { grep -c "done; it can be taken out" "$TMP/mw.out"; }
for n in $(seq 1 "$N"); do
  dev=$(losetup -f --show "$TMP/img")
  for i in $(seq 1 300); do (( $(done_lines) >= n )) && break; sleep 0.05; done
  losetup -d "$dev"
  # the removal handled by udev and sent on (the next insertion must be a new one)
  udevadm settle --timeout=10
  [[ $n == 5 ]] && read -r fd5 rss5 kids5 < <(sample)
done
read -r fdN rssN kidsN < <(sample)
kill -TERM $mw; wait_at_most 10 $mw; rc=$?; mw=
is "$(done_lines)" "$N" "$N insertions, each read to its end"
is "$(ls "$V/bundles" | grep -c '^[0-9]*\.tar$')" "$((N + 1))" "one bundle for each"
is "$fdN" "$fd5" "descriptors after $N insertions: as after 5 ($fd5)"
if [[ $OKRA == */asan/* ]]; then
  skip_na "memory under AddressSanitizer is its quarantine's (${rss5} kB, then ${rssN} kB)"
else
  ok "memory after $N insertions within 2 MiB of after 5 (${rss5} kB, then ${rssN} kB)" test $((rssN - rss5)) -lt 2048
fi
is "$kidsN" 0 "no reader child left behind"
is "$rc" 0 "SIGTERM stops it cleanly"
diag "after 5: $fd5 descriptors, $rss5 kB; after $N: $fdN descriptors, $rssN kB"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"
done_testing
