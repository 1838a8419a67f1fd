#!/bin/bash
# What an officer would script with standard tools instead of okra: (inspect,) seal, checksum,
# sign, bundle. The alternative make bench measures okra against.
#   usage: pipeline.sh IN_DIR OUT_DIR RECIPIENT MINISIGN_KEY [PASSWORDS_FILE]
set -e
in=$1 out=$2 r=$3 key=$4 pw=${5:-}
mkdir -p "$out/payload"
[[ -n $pw ]] && exec 3<"$pw"
for f in "$in"/*; do
  n=${f##*/}
  if [[ -n $pw ]]; then IFS= read -r p <&3; openssl pkcs12 -info -noout -legacy -in "$f" -passin "pass:$p" >/dev/null 2>&1; fi
  age -r "$r" -o "$out/payload/$n.age" "$f"
done
cd "$out" && sha256sum payload/* >SHA256SUMS && minisign -S -s "$key" -m SHA256SUMS >/dev/null && tar -cf ../bundle.tar SHA256SUMS SHA256SUMS.minisig payload
