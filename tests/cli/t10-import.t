#!/bin/bash
# okra import: export files recognised by content, sealed into one bundle, each once.
source "$(dirname "$0")/../lib/tap.sh"
test_vault; make_keys "$TMP/k"
cp "$TMP/k/legacy.pfx" "$TMP/k/renamed.txt"

run_okra --vault "$V" import "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx" "$TMP/k/plain.pem"
is "$RC" 0 "import of three export files succeeds"
like "$OUT" "bundle 1 committed: 3 sealed" "it says which bundle it committed"
is "$(ls "$V/bundles")" "$(printf '00000000.tar\n00000001.tar')" "one new bundle"
is "$(tar -tf "$V/bundles/00000001.tar" | tr '\n' ' ')" \
   "MANIFEST.json payload/0001.age payload/0002.age payload/0003.age SHA256SUMS SHA256SUMS.minisig " \
   "members in the order doc/FORMAT.md gives"
m=$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json)
is "$(jq -r '[.items[].format] | join(",")' <<<"$m")" "pkcs12,pkcs12,pem-pkcs8" "formats found by content"
is "$(jq -r '.items[0].source.sha256' <<<"$m")" "$(sha256sum <"$TMP/k/legacy.pfx" | cut -d' ' -f1)" "source sha256 recorded"
is "$(jq -r '.items[0].id' <<<"$m")" "$(sha256sum <"$TMP/k/legacy.pfx" | cut -c1-16)" "id is the start of the sha256"
is "$(jq -r '.items[0].source.path' <<<"$m")" "$TMP/k/legacy.pfx" "import records absolute paths"
is "$(jq -r '.operator' <<<"$m")" "$(id -un)" "operator is the login name"

# stock age opens what okra sealed
tar -xOf "$V/bundles/00000001.tar" payload/0001.age >"$TMP/p.age"
age -d -i "$ID" -o "$TMP/p.out" "$TMP/p.age"
ok "stock age -d opens a sealed payload byte for byte" cmp -s "$TMP/p.out" "$TMP/k/legacy.pfx"

# the same bytes again, under another name: already sealed, nothing committed
run_okra --vault "$V" import "$TMP/k/renamed.txt"
is "$RC" 0 "importing a file already sealed exits 0"
like "$OUT" "already sealed .*: in bundle 1 as" "and says where it is"
is "$(ls "$V/bundles" | wc -l)" 2 "no bundle for nothing new"

run_okra --vault "$V" import --operator "Olivia Officer" "$TMP/k/rsa.key"
is "$RC" 0 "an RSA key imports"
is "$(tar -xOf "$V/bundles/00000002.tar" MANIFEST.json | jq -r .operator)" "Olivia Officer" "--operator is recorded"

openssl genpkey -algorithm ed25519 -out "$TMP/k/ed.pem" 2>/dev/null
run_okra --vault "$V" --json import "$TMP/k/ed.pem"
is "$(jq -r '.files[0].status' <<<"$OUT")" sealed "--json gives a status per file"
is "$(jq -r '.bundle' <<<"$OUT")" 3 "--json gives the bundle"

run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"
done_testing
