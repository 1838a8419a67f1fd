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

say "2. An officer brings a medium with exported keys"
M=$D/medium; mkdir -p "$M/exports" "$D/ossl"
( cd "$D/ossl"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout alice.key -out alice.crt -subj "/CN=Alice Officer/O=Example Corp" -days 700 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout bob.key -out bob.crt -subj "/CN=Bob Engineer/O=Example Corp" -days 700 2>/dev/null )
openssl pkcs12 -export -legacy -in "$D/ossl/alice.crt" -inkey "$D/ossl/alice.key" -name "Alice (Windows 2003 export)" \
    -out "$M/exports/alice.pfx" -passout pass:alice-export
openssl pkcs12 -export -in "$D/ossl/bob.crt" -inkey "$D/ossl/bob.key" -out "$M/exports/bob-renamed.txt" -passout pass:bob-export
echo "meeting notes, not a key" >"$M/notes.txt"
ln -s /etc/shadow "$M/shadow.pfx"
printf 'alice-export\nbob-export\n' >"$D/export.pw"
run "$OKRA" --vault "$V" --passphrase-file "$D/export.pw" scan --inspect --operator "Olivia Officer" "$M"

say "3. What the vault holds"
run "$OKRA" --vault "$V" list
run "$OKRA" --vault "$V" log
ID=$("$OKRA" --vault "$V" --json list | jq -r '.[] | select(.source.path == "exports/alice.pfx") | .id')
run "$OKRA" --vault "$V" show "$ID"

say "4. An auditor checks bundle 1 with stock tools only, then everything with okra"
mkdir -p "$D/audit"; cp "$V/station.pub" "$D/audit/"
( cd "$D/audit" && tar -xf "$V/bundles/00000001.tar" && minisign -Vm SHA256SUMS -p station.pub && sha256sum -c SHA256SUMS )
"$OKRA" --vault "$V" checkpoint >"$D/audit/checkpoint"; echo "(the auditor keeps the checkpoint: $(sed -n "s/^seq: //p" "$D/audit/checkpoint"))"
run "$OKRA" --vault "$V" verify --key "$D/audit/station.pub" --checkpoint "$D/audit/checkpoint"

say "5. Alice lost her key and her export password: bob and carol recover it"
S=($(ls "$D/shares"))
printf 'bob-demo-passphrase\ncarol-demo-passphrase\nAlice-new-password-2026\n' >"$D/recover.pw"
run "$OKRA" --vault "$V" --passphrase-file "$D/recover.pw" ceremony recover \
    --share "$D/shares/${S[1]}" --share "$D/shares/${S[2]}" --out "$D/recovered" --repassword "$ID"
run openssl pkcs12 -in "$D/recovered/$ID.pfx" -nokeys -passin pass:Alice-new-password-2026 -noout -info

say "6. The record of it, and the vault still verifies"
run "$OKRA" --vault "$V" log
run "$OKRA" --vault "$V" verify --key "$D/audit/station.pub" --checkpoint "$D/audit/checkpoint"
say "demo complete: the throw-away vault in \$DEMO is removed now"
