#!/bin/bash
# okra list, show, log and reindex: answers from the index, which is only a cache.
source "$(dirname "$0")/../lib/tap.sh"
test_vault; make_keys "$TMP/k"
printf 'pw-legacy\npw-modern\n' >"$TMP/pw"
must_okra --vault "$V" --passphrase-file "$TMP/pw" import --inspect --operator alice "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx" >/dev/null
must_okra --vault "$V" import "$TMP/k/plain.pem" >/dev/null

run_okra --vault "$V" --json list
is "$RC" 0 "list --json"
is "$(jq length <<<"$OUT")" 3 "three items"
is "$(jq -r '.[0] | [.id, .format, (.bundle|tostring), .source.path] | join(" ")' <<<"$OUT")" \
   "$(sha256sum <"$TMP/k/legacy.pfx" | cut -c1-16) pkcs12 1 $TMP/k/legacy.pfx" "id, format, bundle and source per item"
sha1=$(openssl x509 -in "$TMP/k/rsa.crt" -noout -fingerprint -sha1 | cut -d= -f2 | tr -d : | tr A-F a-f)
is "$(jq -r '.[0].cert.sha1' <<<"$OUT")" "$sha1" "the thumbprint is OpenSSL's SHA-1 fingerprint"
serial=$(openssl x509 -in "$TMP/k/rsa.crt" -noout -serial | cut -d= -f2)
id=$(jq -r '.[0].id' <<<"$OUT")

for q in "$id" "${id:0:6}" "$serial" "$sha1" "$(tr a-f A-F <<<"$sha1" | sed 's/../&:/g; s/:$//')"; do
  run_okra --vault "$V" --json show "$q"
  is "$(jq -r .id <<<"$OUT")" "$id" "show finds the item by '$q'"
done
run_okra --vault "$V" show "$id"
like "$OUT" "thumbprint +$sha1" "show prints the thumbprint"
like "$OUT" "key +RSA 2048, matches the certificate" "and the key"

run_okra --vault "$V" --json list --subject "okra tests"
is "$(jq length <<<"$OUT")" 1 "--subject filters, any case"
run_okra --vault "$V" --json list --format pem-pkcs8
is "$(jq -r '.[0].source.path' <<<"$OUT")" "$TMP/k/plain.pem" "--format filters"
run_okra --vault "$V" --json list --limit 1 --offset 1
is "$(jq -r '.[0].format' <<<"$OUT")" pkcs12 "--limit and --offset page"
is "$(jq length <<<"$OUT")" 1 "one item a page"
run_okra --vault "$V" --json list --expires-before 2099-01-01
is "$(jq length <<<"$OUT")" 2 "--expires-before (only items with a certificate)"

run_okra --vault "$V" --json log
is "$(jq -r '[.[].kind] | join(",")' <<<"$OUT")" "ceremony-init,import,import" "log --json: a bundle each, with its kind"
is "$(jq -r '.[1] | [.seq, .operator, .items] | map(tostring) | join(" ")' <<<"$OUT")" "1 alice 2" "seq, operator, items"
run_okra --vault "$V" log
is "$(grep -c import <<<"$OUT")" 2 "log prints a line per bundle"

run_okra --vault "$V" --json list; want=$OUT
rm -f "$V"/index.sqlite*
run_okra --vault "$V" --json list
is "$OUT" "$want" "list without the index gives the same answer (it is rebuilt)"
echo "garbage" >"$V/index.sqlite"; rm -f "$V"/index.sqlite-*
run_okra --vault "$V" --json list
is "$OUT" "$want" "a damaged index is replaced"
run_okra --vault "$V" reindex
is "$RC" 0 "reindex"
like "$OUT" "3 bundles: 3 items" "says what it rebuilt"
run_okra --vault "$V" --json list
is "$OUT" "$want" "the same list after reindex"
done_testing
