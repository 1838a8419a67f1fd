#!/bin/bash
# make doc: renders page one of a recovery's printed record into doc/record-page1.png, from a
# throw-away vault (a 2-of-3 ceremony, two keys sealed, both recovered by two custodians).
#   usage: tests/doc-record.sh OKRA OUT.png
set -euo pipefail
OKRA=${1:?usage: doc-record.sh OKRA OUT.png}
OUT=${2:?usage: doc-record.sh OKRA OUT.png}
T=$(mktemp -d /tmp/okra-doc.XXXXXX); trap 'rm -rf "$T"' EXIT
V=$T/vault
printf 'pw-1\npw-2\npw-3\n' >"$T/pw"
"$OKRA" --vault "$V" --passphrase-file "$T/pw" ceremony init --custodians 3 --threshold 2 \
  --name alice --name bob --name carol --share-dir "$T/shares" --work-factor 10 \
  --operator "Olivia Officer" >/dev/null
for who in "Alice Officer" "Bob Engineer"; do
  f=$T/${who%% *}
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$f.key" -out "$f.crt" -days 700 \
    -subj "/O=Example Corp/CN=$who" 2>/dev/null
  openssl pkcs12 -export -in "$f.crt" -inkey "$f.key" -out "$f.pfx" -passout pass:pw
done
printf 'pw\npw\n' >"$T/pfx-pw"
"$OKRA" --vault "$V" --passphrase-file "$T/pfx-pw" import --inspect --operator "Olivia Officer" \
  "$T/Alice.pfx" "$T/Bob.pfx" >/dev/null
printf 'pw-2\npw-3\n' >"$T/pw23"
"$OKRA" --vault "$V" --passphrase-file "$T/pw23" ceremony recover --operator "Olivia Officer" \
  --share "$T"/shares/share-2-* --share "$T"/shares/share-3-* --out "$T/out" \
  --pdf "$T/record.pdf" $("$OKRA" --vault "$V" --json list | jq -r '.[].id') >/dev/null 2>&1
pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$T/record.pdf" "${OUT%.png}"
echo "doc: $OUT"
