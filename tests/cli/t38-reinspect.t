#!/bin/bash
# A file sealed uninspected (a mistyped password) and given again with --inspect gains its opened
# payload in a new bundle and keeps its id; list and show give the newest opened item, verify and
# reindex keep it so, and a recovery under a new password then needs no old password; the
# original bytes still come back byte for byte. A file inspected already stays "already sealed".
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"
make_keys "$TMP/k"
new_ceremony 1 1 || fatal "ceremony init failed"
M=$TMP/m; mkdir -p "$M"; cp "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx" "$M/"
id=$(sha256sum <"$M/legacy.pfx" | cut -c1-16)

run_okra --vault "$V" --passphrase-file "$(pwfile mistyped pw-modern)" scan --inspect "$M"
is "$RC" 1 "a scan that could not open one file exits 1"
like "$OUT" "sealed uninspected  legacy.pfx  as $id: wrong password" "the file is sealed uninspected"
like "$ERR" "given again with --inspect and the right password, each keeps its id" "and the summary says what to do"

run_okra --vault "$V" --passphrase-file "$(pwfile pw-legacy)" --json import --inspect "$M/legacy.pfx"
is "$RC" 0 "import --inspect of the same file with the right password"
is "$(jq -r '[.bundle, .sealed, .reopened, .files[0].status, .files[0].id] | map(tostring) | join(" ")' <<<"$OUT")" \
   "2 1 1 sealed $id" "a new bundle holds it, with the same id"
like "$(jq -r '.files[0].detail' <<<"$OUT")" "opened now, sealed uninspected in bundle 1" "saying it was opened now"
m2=$(tar -xOf "$V/bundles/00000002.tar" MANIFEST.json)
is "$(jq -r '.items[0] | [.id, .inspected, .reopened_from, .opened] | map(tostring) | join(" ")' <<<"$m2")" \
   "$id true 1 payload/0001.p12.age" "its manifest item: the same id, inspected, the bundle it reopens, the opened payload"

run_okra --vault "$V" --json list
is "$(jq "[.[] | select(.id == \"$id\")] | length" <<<"$OUT")" 1 "list shows the item once"
is "$(jq -r ".[] | select(.id == \"$id\") | [.bundle, .inspected] | map(tostring) | join(\" \")" <<<"$OUT")" \
   "2 true" "the newest, opened one"
run_okra --vault "$V" --json list --subject "test officer"
is "$(jq -r '.[0].id' <<<"$OUT")" "$id" "list --subject finds it now"
run_okra --vault "$V" show "$id"
like "$OUT" "history +sealed uninspected in bundle 1, opened in bundle 2" "show says where it came from"
like "$OUT" "opened payload +payload/0001.p12.age" "and gives the opened payload"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"
must_okra --vault "$V" reindex >/dev/null
run_okra --vault "$V" --json show "$id"
is "$(jq -r .bundle <<<"$OUT")" 2 "after reindex, show still gives the opened item"

run_okra --vault "$V" --passphrase-file "$(pwfile pw-legacy)" import --inspect "$M/legacy.pfx"
like "$OUT" "^already sealed +$M/legacy.pfx: in bundle 1 as $id" "once opened, the file is already sealed"
is "$(n_bundles)" 3 "and no bundle is added"

# ---- recovery: the newest opened payload, so no old password ----
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 New-Pfx-PW-1)" ceremony recover --share "${SHARE[1]}" \
  --out "$TMP/out1" --repassword "$id"
is "$RC" 0 "recover --repassword asks the share's passphrase and the new password, no old one"
ok "the re-exported PKCS #12 opens with the new password" \
   openssl pkcs12 -in "$TMP/out1/$id.pfx" -passin pass:New-Pfx-PW-1 -noout
like "$(tar -xOf "$V/bundles/00000003.tar" MANIFEST.json | jq -c '.recovered[0]')" "\"bundle\":2" \
   "the recovery record names the bundle with the opened payload"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1)" ceremony recover --share "${SHARE[1]}" --out "$TMP/out2" "$id"
is "$RC" 0 "recover of the original bytes"
ok "the original comes back byte for byte" cmp "$M/legacy.pfx" "$TMP/out2/$id-legacy.pfx"
done_testing
