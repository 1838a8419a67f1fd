#!/bin/bash
# okra ceremony init: a new vault, its recovery key split among custodians into passphrase-protected
# share files, the roll call, the signed ceremony-init record and the transcript; and what it refuses.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

# ---- a 2-of-3 ceremony with names ----
new_ceremony 3 2 "$TMP/vault" "$TMP/shares" --name alice --name "Bob Builder"
is "$?" 0 "ceremony init 2-of-3 succeeds"
is "$(ls "$TMP/shares" | tr '\n' ' ')" \
   "share-1-of-3-alice.age share-2-of-3-Bob_Builder.age share-3-of-3-custodian_3.age " \
   "one share file per custodian, named by index and custodian, and nothing else"
is "$(stat -c %a "$TMP/shares")" 700 "the share folder okra made is 0700"
is "$(stat -c %a "${SHARE[@]:1}" | sort -u)" 600 "share files are 0600"
is "$(stat -c %a "$V")" 700 "the vault folder is 0700"
is "$(stat -c %a "$V/station.key")" 600 "station.key is 0600"
is "$(ls -a "$TMP" | grep -c '^\.okra-new')" 0 "no staging folder is left beside the vault"

vid=$(jq -r .vault_id "$V/okra.json"); rcpt=$(jq -r .recipient "$V/okra.json")
m=$(last_manifest)
is "$(jq -r .kind <<<"$m")" ceremony-init "bundle 0 is the ceremony-init record"
is "$(jq -c '.set.custodians' <<<"$m")" '["alice","Bob Builder","custodian 3"]' "it names the custodians in share order"
is "$(jq -r '.set.threshold' <<<"$m")" 2 "and the threshold"
like "$(jq -r '.set.id' <<<"$m")" '^[0-9]+$' "and the set's SLIP-0039 identifier as an integer"
is "$(jq -r .station_key <<<"$m")" "$(jq -r .station_key "$V/okra.json")" "and the station key id"
is "$(jq -r .recipient <<<"$m")" "$rcpt" "and the recipient"
is "$(jq -r '.items | length' <<<"$m")" 0 "it seals no item"

# the transcript, for witnesses and the auditor
out=$(cat "$TMP/init.out")
h0=$(tar -xOf "$V/bundles/00000000.tar" SHA256SUMS | sha256sum | cut -d' ' -f1)
like "$out" "vault: +$vid" "the transcript names the vault"
like "$out" "recipient: +$rcpt" "and its recipient"
like "$out" "share set: +$(jq -r .set.id <<<"$m"), threshold 2 of 3" "and the set, threshold and count"
like "$out" "Bob Builder +[^ ]*share-2-of-3-Bob_Builder.age" "and each custodian's share file"
like "$out" "okra-checkpoint: 1.*sums: $h0" "it ends with the checkpoint of bundle 0"
run_okra --vault "$V" verify
is "$RC" 0 "the new vault verifies"

# each share file holds the lines doc/FORMAT.md fixes
p=$(share_plain "${SHARE[2]}" pw-2)
like "$p" "^okra-share: 1"$'\n'"vault: $vid"$'\n'"custodian: Bob Builder"$'\n'"share: 2 of 3, threshold 2"$'\n'"mnemonic: [a-z]+( [a-z]+){32}$" \
  "a share file's plaintext: okra-share, vault, custodian, share I of N, threshold, a 33-word mnemonic"
nok "another custodian's passphrase does not open it" share_plain "${SHARE[2]}" pw-1
run_okra --vault "$V" --passphrase-file "$(pwfile pw-3)" ceremony check-share "${SHARE[3]}"
is "$RC" 0 "check-share accepts a fresh share"

# sealing works against the new recipient
make_keys "$TMP/k"
run_okra --vault "$V" import "$TMP/k/plain.pem"
is "$RC" 0 "the vault takes imports after the ceremony"

# --json
run_okra --vault "$TMP/vj" --json --passphrase-file "$(pwfile a b)" ceremony init --custodians 2 --threshold 1 --share-dir "$TMP/sj" --work-factor "$WF"
is "$RC" 0 "init --json succeeds"
is "$(jq -r '.vault' <<<"$OUT")" "$(jq -r .vault_id "$TMP/vj/okra.json")" "--json gives the vault id"
is "$(jq -r '.share_files | length' <<<"$OUT")" 2 "and the share files"
like "$(jq -r '.checkpoint' <<<"$OUT")" "^okra-checkpoint: 1" "and the checkpoint"

# ---- the default work factor: what a ceremony without --work-factor writes (2^18, age's own) ----
if [[ -n ${OKRA_VALGRIND:-} ]]; then
  for i in 1 2 3 4; do skip_na "scrypt at 2^18 (256 MiB, twice) under valgrind would take many minutes"; done
else
  run_okra --vault "$TMP/vd" --passphrase-file "$(pwfile default-wf)" ceremony init --custodians 1 --threshold 1 --share-dir "$TMP/sd"
  is "$RC" 0 "init with the default work factor succeeds (the roll call opened the share at 2^18)"
  sd=$(ls "$TMP/sd"/*.age)
  is "$(sed -n 's/^-> scrypt [^ ]* \([0-9]*\)$/\1/p' "$sd")" 18 "its share file's scrypt stanza has work factor 18"
  run_okra --vault "$TMP/vd" --passphrase-file "$(pwfile default-wf)" ceremony check-share "$sd"
  is "$RC" 0 "check-share opens it"
  like "$(share_plain "$sd" default-wf)" "^okra-share: 1" "and okra's age, through the test tool, reads its lines"
fi

# ---- refusals: nothing is created ----
before=$(vault_snapshot "$V")
run_okra --vault "$V" --passphrase-file "$(pwfile a b c)" ceremony init --custodians 3 --threshold 2 --share-dir "$TMP/s2" --work-factor "$WF"
is "$RC" 1 "a second init on a vault is refused"
like "$ERR" "already a vault" "and says so"
is "$(vault_snapshot "$V")" "$before" "the vault is unchanged"
ok "no share folder was made" test ! -e "$TMP/s2"

mkdir -p "$TMP/busy"; touch "$TMP/busy/notes.txt"
run_okra --vault "$TMP/busy" --passphrase-file "$(pwfile a b c)" ceremony init --custodians 3 --threshold 2 --share-dir "$TMP/s2"
is "$RC" 1 "a non-empty folder that is not a vault is refused"
like "$ERR" "not empty" "and says so"

run_okra --vault "$TMP/v2" --passphrase-file "$(pwfile a b c)" ceremony init --custodians 2 --threshold 3 --share-dir "$TMP/s2"
is "$RC" 2 "a threshold above the custodians is a usage error"
like "$ERR" "threshold 3 is more than the 2 custodians" "named as such"
ok "no vault was made" test ! -e "$TMP/v2"

for bad in "--custodians 0 --threshold 1" "--custodians 17 --threshold 2" "--custodians x --threshold 1" \
           "--custodians 2 --threshold 1 --work-factor 9" "--custodians 2 --threshold 1 --work-factor 23" \
           "--custodians 2 --threshold 1 --name a --name b --name c" "--custodians 2 --threshold 1 --name a --name a" \
           "--custodians 2 --threshold 1 --name ''" "--threshold 1 --custodians 2 extra"; do
  eval "run_okra --vault \"$TMP/v2\" --passphrase-file \"$(pwfile a b)\" ceremony init $bad --share-dir \"$TMP/s2\""
  is "$RC" 2 "usage error: $bad"
done
run_okra --vault "$TMP/v2" ceremony init --custodians 2 --threshold 1
is "$RC" 2 "--share-dir is needed"
run_okra --vault "$TMP/v2" --passphrase-file "$(pwfile a b)" ceremony init --custodians 2 --threshold 1 --share-dir "$TMP/s2" --show-mnemonic
is "$RC" 2 "--show-mnemonic needs a terminal, not --passphrase-file"

run_okra --vault "$TMP/v2" --passphrase-file "$(pwfile a b)" ceremony init --custodians 2 --threshold 1 --share-dir "$TMP/v2/../v2/shares"
is "$RC" 2 "a share folder inside the vault folder is refused"
like "$ERR" "must be apart" "and says why"

mkdir -p "$TMP/full"; touch "$TMP/full/old-share.age"
run_okra --vault "$TMP/v2" --passphrase-file "$(pwfile a b)" ceremony init --custodians 2 --threshold 1 --share-dir "$TMP/full"
is "$RC" 1 "a share folder that is not empty is refused"
like "$ERR" "full is not empty" "and named"
ok "no vault was made" test ! -e "$TMP/v2"

run_okra --vault "$TMP/v2" --passphrase-file "$(pwfile a b)" ceremony init --custodians 3 --threshold 2 --share-dir "$TMP/s2" --work-factor "$WF"
is "$RC" 1 "a passphrase file that ends too early fails"
like "$ERR" "no line for: Passphrase for custodian 3" "naming the prompt it could not answer"
ok "no vault was made" test ! -e "$TMP/v2"
ok "no share folder was left" test ! -e "$TMP/s2"

run_okra --vault "$TMP/v2" --passphrase-file "$(pwfile a '' c)" ceremony init --custodians 3 --threshold 2 --share-dir "$TMP/s2" --work-factor "$WF"
is "$RC" 1 "an empty custodian passphrase is refused"
like "$ERR" "custodian 2: .*empty passphrase" "naming the custodian"
ok "no vault was made" test ! -e "$TMP/v2"
is "$(ls -a "$TMP" | grep -c '^\.okra-new')" 0 "no staging folder is left after a failure"

# ---- an empty folder may become the vault; 1-of-1 works; home issuers go into the policy ----
mkdir -p "$TMP/empty"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/ca.key" -out "$TMP/ca.pem" -subj "/CN=Home CA" -days 30 2>/dev/null
run_okra --vault "$TMP/empty" --passphrase-file "$(pwfile only)" ceremony init --custodians 1 --threshold 1 --share-dir "$TMP/s1" --home-issuer "$TMP/ca.pem" --work-factor "$WF"
is "$RC" 0 "an empty folder becomes the vault (1-of-1)"
is "$(jq -r '.policy.home_issuers[0].der' "$TMP/empty/okra.json")" "$(openssl x509 -in "$TMP/ca.pem" -outform DER | base64 -w0)" \
   "--home-issuer stores the CA's DER (base64) in the policy"
like "$(jq -r '.policy.home_issuers[0].subject' "$TMP/empty/okra.json")" "Home CA" "with its subject"
run_okra --vault "$TMP/v3" --passphrase-file "$(pwfile only)" ceremony init --custodians 1 --threshold 1 --share-dir "$TMP/s3" --home-issuer "$TMP/ca.key"
is "$RC" 1 "a --home-issuer that is no certificate is refused"
like "$ERR" "ca.key" "naming the file"
ok "no vault was made" test ! -e "$TMP/v3"

done_testing
