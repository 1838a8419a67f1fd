#!/bin/bash
# Issue 9: recovery under a new password. The 13 export shapes, imported with --inspect, come back with
# --repassword as fresh PKCS #12 files (AES-256-CBC, PBKDF2, SHA-256 MAC) under a new password, without
# the old one, holding the same key and certificate; --legacy writes 3DES and a SHA-1 MAC that
# `openssl pkcs12 -legacy` reads (never RC2-40). An item sealed without --inspect asks its old export
# password first; a wrong one is named, and nothing is written or recorded.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"
source "$TESTS_LIB/exports.sh"

X=$TMP/x
make_exports "$X" 2>/dev/null || exit 1
new_ceremony 3 2 "$TMP/vault" "$TMP/shares" || exit 1
must_okra --vault "$V" --passphrase-file "$(pwfile "$(head -n 11 "$X/passwords")")" import --inspect "$X"/files/* >/dev/null
list=$(must_okra --vault "$V" --json list)
is "$(jq '[.[] | select(.opened != null)] | length' <<<"$list")" 13 "13 export files sealed inspected"

# ids in file order, one new password each
ids=(); news=()
for f in "$X"/files/*; do
  ids+=("$(jq -r --arg p "$f" '.[] | select(.source.path == $p) | .id' <<<"$list")")
  news+=("New-${f##*/}-pw")
done
pubkey() { openssl pkey -pubout 2>/dev/null; }
certfp() { openssl x509 -noout -fingerprint -sha256 2>/dev/null; }

# ---- all 13 at once; the prompts: two share passphrases, then a new password per item ----
if [[ -n ${OKRA_VALGRIND:-} ]]; then n=3; else n=13; fi
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 "${news[@]:0:$n}")" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/out" --repassword "${ids[@]:0:$n}"
is "$RC" 0 "--repassword re-exports $n inspected items asking no old password"
is "$(ls "$TMP/out" | wc -l)" "$n" "one <id>.pfx each"
i=0; keys=0; certs=0; modern=0
for f in "$X"/files/*; do
  ((i < n)) || break
  p=$TMP/out/${ids[$i]}.pfx k=$(export_key "$f")
  [[ $(openssl pkcs12 -in "$p" -passin "pass:${news[$i]}" -nocerts -nodes 2>/dev/null | pubkey) == "$(pubkey <"$X/ossl/$k.key")" ]] \
    && keys=$((keys + 1)) || diag "${f##*/}: the key differs or does not open"
  if export_has_cert "$f"; then
    [[ $(openssl pkcs12 -in "$p" -passin "pass:${news[$i]}" -nokeys -clcerts 2>/dev/null | certfp) == "$(certfp <"$X/ossl/$k.crt")" ]] \
      && certs=$((certs + 1)) || diag "${f##*/}: the certificate differs"
  else
    certs=$((certs + 1))
  fi
  info=$(openssl pkcs12 -in "$p" -passin "pass:${news[$i]}" -info -noout 2>&1)
  [[ $info == *AES-256-CBC* && $info == *"MAC: sha256"* && $info != *RC2* ]] && modern=$((modern + 1)) \
    || diag "${f##*/}: $(tr '\n' ' ' <<<"$info")"
  i=$((i + 1))
done
is "$keys" "$n" "stock openssl opens each with its new password and finds the same key"
is "$certs" "$n" "and the same certificate"
is "$modern" "$n" "each is AES-256-CBC with a SHA-256 MAC"
if ((n == 13)); then
  is "$(openssl pkcs12 -in "$TMP/out/${ids[6]}.pfx" -passin "pass:${news[6]}" -nokeys 2>/dev/null | grep -c 'BEGIN CERTIFICATE')" 3 \
     "the chain of 07-chain.pfx comes along (leaf, issuing CA, root)"
  nok "a re-exported file does not open with its old password" openssl pkcs12 -in "$TMP/out/${ids[0]}.pfx" -passin pass:Legacy-RC2-pw -noout
fi
m=$(last_manifest)
is "$(jq -r '[.recovered[].as] | unique | join(",")' <<<"$m")" pfx "the record says each was re-exported (as: pfx)"

# ---- --legacy: 3DES and a SHA-1 MAC, for Windows XP and 2003 ----
run_okra --vault "$V" --passphrase-file "$(pwfile pw-3 pw-1 Legacy-New-1)" ceremony recover \
  --share "${SHARE[3]}" --share "${SHARE[1]}" --out "$TMP/legacy" --repassword --legacy "${ids[0]}"
is "$RC" 0 "--repassword --legacy"
p=$TMP/legacy/${ids[0]}.pfx
info=$(openssl pkcs12 -legacy -in "$p" -passin pass:Legacy-New-1 -info -noout 2>&1)
like "$info" "pbeWithSHA1And3-KeyTripleDES-CBC" "the legacy export uses 3DES"
like "$info" "MAC: sha1" "and a SHA-1 MAC"
unlike_rc2=$(grep -c RC2 <<<"$info"); is "$unlike_rc2" 0 "never RC2-40"
is "$(openssl pkcs12 -legacy -in "$p" -passin pass:Legacy-New-1 -nocerts -nodes 2>/dev/null | pubkey)" "$(pubkey <"$X/ossl/rsa.key")" \
   "openssl pkcs12 -legacy opens it and finds the same key"
is "$(last_manifest | jq -r '.recovered[0].as')" pfx-legacy "recorded as pfx-legacy"

# ---- items sealed without --inspect ask their old export password first ----
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/u.key" -out "$TMP/u.crt" -subj "/CN=Uninspected User" -days 30 2>/dev/null
openssl pkcs12 -export -legacy -in "$TMP/u.crt" -inkey "$TMP/u.key" -out "$TMP/u.pfx" -passout pass:Old-U-pw
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$TMP/u.key" -out "$TMP/u8.pem" -passout pass:Old-U8-pw
must_okra --vault "$V" import "$TMP/u.pfx" "$TMP/u8.pem" >/dev/null
ul=$(must_okra --vault "$V" --json list)
iu=$(jq -r '.[] | select(.source.path | endswith("u.pfx")) | .id' <<<"$ul")
iu8=$(jq -r '.[] | select(.source.path | endswith("u8.pem")) | .id' <<<"$ul")
is "$(jq -r --arg i "$iu" '.[] | select(.id == $i) | .opened // "none"' <<<"$ul")" none "u.pfx is sealed uninspected"

# order: shares, then per item: old (not inspected), new; an inspected item in between asks only new
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 Old-U-pw New-U-pw "${news[1]}" Old-U8-pw New-U8-pw)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/u" --repassword "$iu" "${ids[1]}" "$iu8"
is "$RC" 0 "uninspected items re-export after their old export password"
is "$(openssl pkcs12 -legacy -in "$TMP/u/$iu.pfx" -passin pass:New-U-pw -nocerts -nodes 2>/dev/null | pubkey)" "$(pubkey <"$TMP/u.key")" \
   "the uninspected PKCS #12 comes back under its new password with the same key"
is "$(openssl pkcs12 -in "$TMP/u/$iu8.pfx" -passin pass:New-U8-pw -nocerts -nodes 2>/dev/null | pubkey)" "$(pubkey <"$TMP/u.key")" \
   "so does the encrypted PKCS #8 key, as a PKCS #12"
ok "and the inspected one between them" openssl pkcs12 -in "$TMP/u/${ids[1]}.pfx" -passin "pass:${news[1]}" -noout

before=$(vault_snapshot "$V"); nb=$(n_bundles)
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 "${news[0]}" Wrong-old-pw New-U-pw)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/w" --repassword "${ids[0]}" "$iu"
is "$RC" 1 "a wrong old export password fails"
like "$ERR" "item $iu \\(u.pfx\\): wrong old export password" "naming the item"
ok "nothing is written (not even the item that re-exported before it)" test ! -e "$TMP/w"
is "$(n_bundles)" "$nb" "no recovery bundle is committed"
is "$(vault_snapshot "$V")" "$before" "the vault is unchanged"

# an opaque format cannot be re-exported: refused before any share is asked for
printf 'not a key' >"$TMP/blob.epf"
must_okra --vault "$V" import --as epf "$TMP/blob.epf" >/dev/null
ie=$(must_okra --vault "$V" --json list | jq -r '.[] | select(.format == "epf") | .id' | head -n 1)
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "${SHARE[1]}" --out "$TMP/e" --repassword "$ie"
is "$RC" 1 "--repassword refuses an opaque epf item"
like "$ERR" "opaque epf file" "before asking for any share"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"

done_testing
