#!/bin/bash
# An auditor with nothing but tar, minisign and sha256sum: exactly the steps README gives.
source "$(dirname "$0")/../lib/tap.sh"
test_vault; make_keys "$TMP/k"
for f in legacy.pfx modern.pfx plain.pem; do must_okra --vault "$V" import "$TMP/k/$f" >/dev/null; done
cp "$V/station.pub" "$TMP/station.pub"
prev=""
for b in "$V"/bundles/*.tar; do
  n=$(basename "$b" .tar); d=$TMP/audit/$n; mkdir -p "$d"; cd "$d"
  # README: tar -xf 00000042.tar && minisign -Vm SHA256SUMS -p station.pub && sha256sum -c SHA256SUMS
  ok "bundle $n: tar, minisign -V (prehashed) and sha256sum -c pass" \
     eval "tar -xf '$b' && minisign -VHm SHA256SUMS -p '$TMP/station.pub' -q && sha256sum --quiet -c SHA256SUMS"
  is "$(tar -tf "$b" | head -n 1),$(tar -tf "$b" | tail -n 2 | tr '\n' ,)" "MANIFEST.json,SHA256SUMS,SHA256SUMS.minisig," \
     "bundle $n: MANIFEST.json first, SHA256SUMS and its signature last"
  is "$(tar -tf "$b" | grep -vc '^SHA256SUMS')" "$(wc -l <SHA256SUMS)" "bundle $n: SHA256SUMS covers every other member"
  # README: the chain is each manifest's prev against sha256sum of the SHA256SUMS before it
  is "$(jq -r '.prev // ""' MANIFEST.json)" "$prev" "bundle $n: prev is the sha256 of the previous SHA256SUMS"
  prev=$(sha256sum <SHA256SUMS | cut -d' ' -f1)
  cd "$TMP"
done
# the checkpoint names the newest bundle the same way
must_okra --vault "$V" checkpoint >"$TMP/cp"
is "$(sed -n 's/^sums: //p' "$TMP/cp")" "$prev" "the checkpoint's sums is that of the newest SHA256SUMS"
sed -n '1,5p' "$TMP/cp" >"$TMP/cp.txt"; sed -n '6,$p' "$TMP/cp" >"$TMP/cp.txt.minisig"
ok "the checkpoint's signature verifies with stock minisign" minisign -VHm "$TMP/cp.txt" -p "$TMP/station.pub" -q
done_testing
