#!/bin/bash
# make demo: the whole story on a throw-away vault, told as it happens.
#   a 2-of-3 ceremony -> a medium with export files -> sealed with inspection ->
#   an auditor's check with stock tools -> a recovery by two custodians -> verify.
# Everything lives in a temporary folder that is removed at the end.
set -euo pipefail
OKRA=${1:-$(cd "$(dirname "$0")/.." && pwd)/okra}
D=$(mktemp -d /tmp/okra-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT
V=$D/vault
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s|$D|\$DEMO|g"; "$@" 2>&1 | sed "s|$D|\$DEMO|g"; }

say "1. Key ceremony: three custodians, any two of them can recover"
# a real ceremony asks each custodian at the terminal (twice, echo off); the demo answers from a file
printf 'alice-demo-passphrase\nbob-demo-passphrase\ncarol-demo-passphrase\n' >"$D/custodians.pw"
run "$OKRA" --vault "$V" --passphrase-file "$D/custodians.pw" ceremony init --custodians 3 --threshold 2 \
    --name alice --name bob --name carol --share-dir "$D/shares" --work-factor 14
ls -l "$D/shares" | sed "s|$D|\$DEMO|g"

say "2. Alice's export is archived at the desk, with her password, as certutil -importKMS would"
mkdir -p "$D/ossl" "$D/desk"
( cd "$D/ossl"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout alice.key -out alice.crt -subj "/CN=Alice Officer/O=Example Corp" -days 700 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout bob.key -out bob.crt -subj "/CN=Bob Engineer/O=Example Corp" -days 700 2>/dev/null
  openssl req -x509 -newkey ed25519 -nodes -keyout carl.key -out carl.crt -subj "/CN=Carl Contractor" -days 700 2>/dev/null )
openssl pkcs12 -export -legacy -in "$D/ossl/alice.crt" -inkey "$D/ossl/alice.key" -name "Alice (Windows 2003 export)" \
    -out "$D/desk/alice.pfx" -passout pass:alice-export
printf 'alice-export\n' >"$D/alice.pw"
run "$OKRA" --vault "$V" --passphrase-file "$D/alice.pw" import --inspect --operator "Olivia Officer" "$D/desk/alice.pfx"

say "3. An officer brings a medium with more exported keys"
M=$D/medium; mkdir -p "$M/exports"
openssl pkcs12 -export -in "$D/ossl/bob.crt" -inkey "$D/ossl/bob.key" -out "$M/exports/bob-renamed.txt" -passout pass:bob-export
cp "$D/ossl/carl.key" "$M/exports/carl.pem"
echo "meeting notes, not a key" >"$M/notes.txt"
# A real medium when this machine can make one (root, a loop device): the officer "plugs in" a
# FAT32 image, filled without mounting (mkfs.vfat, mcopy), and okra mediawatch reads it in user
# space as it would a USB stick. Else the folder stands in.
# media.sh (the media tests' own): root, a loop device, udevd started if it is not running.
source "$(dirname "${BASH_SOURCE[0]}")/lib/media.sh"
L=DEMO$(( $$ % 10000000 ))
if media_begin && command -v mkfs.vfat >/dev/null && command -v mcopy >/dev/null &&
   truncate -s 40M "$D/medium.img" && mkfs.vfat -F 32 -n "$L" "$D/medium.img" >/dev/null &&
   MTOOLS_SKIP_CHECK=1 mcopy -s -i "$D/medium.img" "$M"/* ::/; then
  echo "(a loop device over a FAT32 image plays the USB stick; mediawatch waits for it)"
  printf '$ okra --vault $DEMO/vault mediawatch --once --match ID_FS_LABEL=%s\n' "$L"
  "$OKRA" --vault "$V" mediawatch --once --match "ID_FS_LABEL=$L" --operator "Olivia Officer" \
    >"$D/mediawatch.out" 2>&1 & mw=$!
  # the stick goes in once mediawatch listens
  for _ in $(seq 1 100); do grep -q "watching for media (" "$D/mediawatch.out" && break; sleep 0.05; done
  dev=$(losetup -f --show "$D/medium.img")
  rc=0; wait_at_most 60 $mw || rc=$?
  losetup -d "$dev"; media_end
  sed "s|$D|\$DEMO|g" "$D/mediawatch.out"
  if [[ $rc == 124 ]]; then echo "demo: mediawatch saw no medium in 60 s; stopped it" >&2
  elif [[ $rc != 0 ]]; then exit "$rc"; fi
else
  media_end
  echo "(no loop device here: the folder stands in for the medium; a link to /etc/shadow on it is not followed)"
  ln -s /etc/shadow "$M/shadow.pfx"
  run "$OKRA" --vault "$V" scan --operator "Olivia Officer" "$M"
fi

say "4. What the vault holds"
run "$OKRA" --vault "$V" list
run "$OKRA" --vault "$V" log
ID=$("$OKRA" --vault "$V" --json list | jq -r '.[] | select(.source.path | endswith("alice.pfx")) | .id')
run "$OKRA" --vault "$V" show "$ID"

say "5. An auditor checks bundle 1 with stock tools only, then everything with okra"
mkdir -p "$D/audit"; cp "$V/station.pub" "$D/audit/"
( cd "$D/audit" && tar -xf "$V/bundles/00000001.tar" && minisign -Vm SHA256SUMS -p station.pub && sha256sum -c SHA256SUMS )
"$OKRA" --vault "$V" checkpoint >"$D/audit/checkpoint"; echo "(the auditor keeps the checkpoint: $(sed -n "s/^seq: //p" "$D/audit/checkpoint"))"
run "$OKRA" --vault "$V" verify --key "$D/audit/station.pub" --checkpoint "$D/audit/checkpoint"

say "6. Alice lost her key and her export password: bob and carol recover it"
S=($(ls "$D/shares"))
printf 'bob-demo-passphrase\ncarol-demo-passphrase\nAlice-new-password-2026\n' >"$D/recover.pw"
run "$OKRA" --vault "$V" --passphrase-file "$D/recover.pw" ceremony recover \
    --share "$D/shares/${S[1]}" --share "$D/shares/${S[2]}" --out "$D/recovered" --repassword "$ID"
run openssl pkcs12 -in "$D/recovered/$ID.pfx" -nokeys -passin pass:Alice-new-password-2026 -noout -info

say "7. The record of it, and the vault still verifies"
run "$OKRA" --vault "$V" log
run "$OKRA" --vault "$V" verify --key "$D/audit/station.pub" --checkpoint "$D/audit/checkpoint"
say "demo complete: the throw-away vault in \$DEMO is removed now"
