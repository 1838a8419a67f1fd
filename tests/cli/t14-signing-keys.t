#!/bin/bash
# Signing-only keys (NIST SP 800-57: archiving a signature key undoes its non-repudiation): an
# inspected certificate whose key usage allows signing and no encipherment or key agreement is
# refused, with that reason, unless the run gives --allow-signing-keys or the vault's policy (set
# at ceremony init, in the signed record) allows them; the manifest records who allowed it.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"
K=$TMP/k; mkdir -p "$K/m"
mk() { # NAME KEYUSAGE|-: a PKCS #12 under password pw-NAME
  local ext=()
  [[ $2 != - ]] && ext=(-addext "keyUsage=critical,$2")
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/$1.key" -out "$K/$1.crt" \
    -subj "/CN=$1/O=Okra Tests" -days 30 "${ext[@]}" 2>/dev/null &&
  openssl pkcs12 -export -in "$K/$1.crt" -inkey "$K/$1.key" -out "$K/m/$1.pfx" -passout "pass:pw-$1"
}
mk a-signer digitalSignature,nonRepudiation && mk b-ca keyCertSign,cRLSign &&
mk c-tls digitalSignature,keyEncipherment && mk d-agree digitalSignature,keyAgreement && mk e-any - ||
  fatal "openssl could not make the files"
PW=$(pwfile pw-a-signer pw-b-ca pw-c-tls pw-d-agree pw-e-any)

# ---- refused by default ----
test_vault
before=$(vault_snapshot "$V")
run_okra --vault "$V" --passphrase-file "$(pwfile pw-a-signer)" import --inspect "$K/m/a-signer.pfx"
is "$RC" 1 "import --inspect of a signing-only key is refused"
is "$ERR" "okra: $K/m/a-signer.pfx: its certificate is for signing only (key usage digitalSignature, nonRepudiation): archiving a signature key undoes its non-repudiation (NIST SP 800-57); give --allow-signing-keys to archive it anyway" \
   "with the reason, the key usage and the way to allow it"
is "$(vault_snapshot "$V")" "$before" "nothing sealed"

run_okra --vault "$V" --passphrase-file "$PW" scan --inspect "$K/m"
is "$RC" 1 "scan --inspect seals the others and exits 1"
is "$(grep -c '^okra: .*for signing only' <<<"$ERR")" 2 "the signer and the CA key (keyCertSign, cRLSign) are named on stderr"
like "$ERR" "b-ca.pfx: its certificate is for signing only \\(key usage keyCertSign, cRLSign\\)" "the CA's key usage is named"
is "$(grep -c '^sealed ' <<<"$OUT")" 3 "encipherment, key agreement and no key usage at all are sealed"
is "$(must_okra --vault "$V" --json list | jq -r 'map(.cert.key_usage // "-") | join(";")')" \
   "digitalSignature, keyEncipherment;digitalSignature, keyAgreement;-" "the manifest records each certificate's key usage"
is "$(must_okra --vault "$V" --json list | jq '[.[] | select(.signing_only)] | length')" 0 "no signing-only item"

# ---- allowed for one run ----
run_okra --vault "$V" --passphrase-file "$PW" scan --inspect --allow-signing-keys "$K/m"
is "$RC" 0 "scan --inspect --allow-signing-keys"
like "$OUT" "bundle 2 committed: 2 sealed, 3 already sealed" "seals the two signing-only keys"
item=$(must_okra --vault "$V" --json list --subject a-signer)
is "$(jq -r '.[0] | [.signing_only, .signing_allowed_by] | map(tostring) | join(" ")' <<<"$item")" \
   "true --allow-signing-keys" "the manifest says it is signing-only and that the run's option allowed it"
run_okra --vault "$V" show "$(jq -r '.[0].id' <<<"$item")"
like "$OUT" "signing only +yes \\(key usage digitalSignature, nonRepudiation\\); sealed as allowed by --allow-signing-keys" \
   "show says so"
run_okra --vault "$V" scan "$K/m"
is "$RC" 0 "without --inspect nothing is known of the certificate, so nothing is refused"

# ---- the vault's policy, set at the ceremony ----
new_ceremony 1 1 "$TMP/allow" "$TMP/s-allow" --allow-signing-keys || fatal "ceremony init failed"
is "$(jq -r .policy.signing_keys "$TMP/allow/okra.json")" allow "ceremony init --allow-signing-keys: policy.signing_keys allow"
is "$(tar -xOf "$TMP/allow/bundles/00000000.tar" MANIFEST.json | jq -r .policy.signing_keys)" allow \
   "and the same in the signed ceremony-init record"
run_okra --vault "$TMP/allow" --passphrase-file "$(pwfile pw-a-signer)" import --inspect "$K/m/a-signer.pfx"
is "$RC" 0 "that vault seals a signing-only key without the option"
is "$(must_okra --vault "$TMP/allow" --json list | jq -r '.[0].signing_allowed_by')" policy "recorded as allowed by the policy"
new_ceremony 1 1 "$TMP/refuse" "$TMP/s-refuse" || fatal "ceremony init failed"
is "$(jq -r .policy.signing_keys "$TMP/refuse/okra.json")" refuse "by default the policy says refuse"
jq '.policy.signing_keys = "allow"' "$TMP/refuse/okra.json" >"$TMP/o.json" && mv "$TMP/o.json" "$TMP/refuse/okra.json"
run_okra --vault "$TMP/refuse" verify
is "$RC" 1 "verify catches okra.json's policy edited to allow signing keys"
like "$ERR" "the policy is not the one the ceremony recorded" "naming the policy"
done_testing
