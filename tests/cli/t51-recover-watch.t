#!/bin/bash
# ceremony recover --watch: custodians bring their share files on their own media, one after
# another (real loop devices over an ext4 and a FAT32 image); okra reads each in user space, as
# mediawatch does (nothing is mounted), and recovers when the threshold is met.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/ceremony.sh"
source "$(dirname "$0")/../lib/media.sh"
if [[ -n ${OKRA_VALGRIND:-} ]]; then skip_na "media timing under valgrind"; done_testing; fi
media_begin || { skip "$MEDIA_WHY"; done_testing; }
cleanup() {
  [[ -n ${pid:-} ]] && kill "$pid" 2>/dev/null
  [[ -n ${mon:-} ]] && kill "$mon" 2>/dev/null; wait 2>/dev/null
  for i in "$TMP"/img*; do for d in $(losetup -j "$i" -O NAME -n 2>/dev/null); do losetup -d "$d"; done; done
  media_end
  rm -rf "$TMP"
}
trap cleanup EXIT
new_ceremony 3 2 || exit 1
make_keys "$TMP/k"
must_okra --vault "$V" import "$TMP/k/plain.pem" >/dev/null
ID=$(sha256sum <"$TMP/k/plain.pem" | cut -c1-16)
# custodian 2 brings a share file in a folder; custodian 3 a paper backup typed into a text file
mkdir -p "$TMP/c2/okra" "$TMP/c3"
cp "${SHARE[2]}" "$TMP/c2/okra/"; echo "holiday photos" >"$TMP/c2/notes.txt"
share_plain "${SHARE[3]}" pw-3 | sed -n 's/^mnemonic: //p' >"$TMP/c3/paper-backup.txt"
mkfs.ext4 -q -L CUST2$$ -d "$TMP/c2" "$TMP/img2" 8M >/dev/null || { skip "mkfs.ext4 -d failed"; done_testing; }
# custodian 3's stick is FAT32, filled without mounting
L3=CUST3$(( $$ % 100000 ))
truncate -s 40M "$TMP/img3"; mkfs.vfat -F 32 -n "$L3" "$TMP/img3" >/dev/null && \
  MTOOLS_SKIP_CHECK=1 mcopy -i "$TMP/img3" "$TMP/c3/paper-backup.txt" ::/ || { skip "mkfs.vfat or mcopy failed"; done_testing; }

"$OKRA" --vault "$V" --passphrase-file "$(pwfile pw-2)" ceremony recover --watch \
  --match "ID_FS_LABEL=CUST[23]*" --out "$TMP/out" "$ID" >"$TMP/rec.out" 2>&1 & pid=$!
findmnt --poll -n -r -o ACTION,SOURCE >"$TMP/mounts" 2>&1 {media_lock_fd}>&- & mon=$!
watching "$TMP/rec.out"
d2=$(losetup -f --show "$TMP/img2")
wait_for_text "$TMP/rec.out" "1 of 2 shares in"
like "$(cat "$TMP/rec.out")" "share found: CUST2$$:okra/share-2-of-3" "the first medium's share file is found"
losetup -d "$d2"
d3=$(losetup -f --show "$TMP/img3")
wait_at_most 60 $pid; rc=$?; pid=; [[ $rc == 0 ]] || sed "s/^/# /" "$TMP/rec.out"
is "$rc" 0 "recover --watch completes when the second custodian's medium comes"
ok "the key is recovered byte for byte" cmp -s "$TMP/out/$ID-plain.pem" "$TMP/k/plain.pem"
m=$(tar -xOf "$(ls "$V"/bundles/*.tar | sort | tail -n 1)" MANIFEST.json)
is "$(jq -r '[.shares[].index] | sort | map(tostring) | join(",")' <<<"$m")" "2,3" "the record names the shares used"
like "$(cat "$TMP/rec.out")" "share found: $L3:paper-backup.txt" "the second, a paper backup on FAT32, is read too"
losetup -d "$d3"
kill $mon 2>/dev/null; wait $mon 2>/dev/null; mon=
is "$(grep -c '^mount /dev/loop' "$TMP/mounts")" 0 "no medium was mounted"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"
done_testing
