#!/bin/bash
# okra ceremony recover: a quorum of shares decrypts items into a folder, byte for byte, and leaves a
# signed recovery record; bad shares are named and left out; nothing is decrypted, written or recorded
# when the quorum fails, an item is unknown or a target exists.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

new_ceremony 3 2 "$TMP/vault" "$TMP/shares" --name alice --name bob --name carol || exit 1
make_keys "$TMP/k"
must_okra --vault "$V" --passphrase-file "$(pwfile pw-legacy pw-modern)" import --inspect "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx" "$TMP/k/plain.pem" >/dev/null
list=$(must_okra --vault "$V" --json list)
idl=$(jq -r '.[] | select(.source.path | endswith("legacy.pfx")) | .id' <<<"$list")
idm=$(jq -r '.[] | select(.source.path | endswith("modern.pfx")) | .id' <<<"$list")
idp=$(jq -r '.[] | select(.source.path | endswith("plain.pem")) | .id' <<<"$list")
sha1m=$(openssl x509 -in "$TMP/k/ec.crt" -noout -fingerprint -sha1 | cut -d= -f2)

# ---- a recovery: shares in any order, items by id, prefix and thumbprint ----
run_okra --vault "$V" --passphrase-file "$(pwfile pw-3 pw-1)" ceremony recover \
  --share "${SHARE[3]}" --share "${SHARE[1]}" --out "$TMP/out" "$idl" "${idp:0:6}" "$sha1m"
is "$RC" 0 "two of three shares recover three items"
ok "the legacy PFX comes back byte for byte" cmp -s "$TMP/out/$idl-legacy.pfx" "$TMP/k/legacy.pfx"
ok "an item named by a 6-digit id prefix too" cmp -s "$TMP/out/$idp-plain.pem" "$TMP/k/plain.pem"
ok "an item named by its SHA-1 thumbprint too" cmp -s "$TMP/out/$idm-modern.pfx" "$TMP/k/modern.pfx"
is "$(ls -A "$TMP/out" | wc -l)" 3 "nothing else is in --out (no staged file is left)"
is "$(stat -c %a "$TMP/out")" 700 "--out is made 0700"
is "$(stat -c %a "$TMP/out"/* | sort -u)" 600 "recovered files are 0600"
like "$OUT" "recovered +$idl +[^ ]*/out/$idl-legacy.pfx" "a line per file written"
like "$OUT" "recorded as bundle 2 \\(recovery\\)" "the record's bundle is given"
like "$OUT" "okra-checkpoint: 1.*seq: 2" "and the checkpoint after it"

m=$(last_manifest)
is "$(jq -r .kind <<<"$m")" recovery "the newest bundle is a recovery record"
is "$(jq -c '[.recovered[] | [.id, .bundle, .as]]' <<<"$m")" "[[\"$idl\",1,\"original\"],[\"$idp\",1,\"original\"],[\"$idm\",1,\"original\"]]" \
   "it names each item, its bundle and what was written"
is "$(jq -c '[.shares[] | [.custodian, .index]]' <<<"$m")" '[["carol",3],["alice",1]]' "and the custodians whose shares were used"
is "$(jq -r '[.shares[].set] | unique | .[0]' <<<"$m")" "$(jq -r .set.id <(tar -xOf "$V/bundles/00000000.tar" MANIFEST.json))" "and their set"
is "$(jq -r .set_issued_here <<<"$m")" true "a set this vault issued"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies after the recovery"
is "$(must_okra --vault "$V" --json log | jq -r '.[-1].kind')" recovery "log shows the recovery"

# three shares: more than the threshold
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 pw-3)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --share "${SHARE[3]}" --out "$TMP/out3" "$idp"
is "$RC" 0 "all three shares recover too"
is "$(last_manifest | jq '.shares | length')" 3 "and all three are recorded"

# a paper backup (bare mnemonic) with a share file
share_mnemonic "${SHARE[2]}" pw-2 >"$TMP/paper2.txt"
tr 'a-z' 'A-Z' <"$TMP/paper2.txt" | tr ' ' '\n' >"$TMP/paper2-typed.txt"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1)" ceremony recover \
  --share "$TMP/paper2-typed.txt" --share "${SHARE[1]}" --out "$TMP/out4" "$idp"
is "$RC" 0 "a paper backup typed in (any case, a word per line) asks no passphrase"
is "$(last_manifest | jq -c '[.shares[] | [.custodian, .index]]')" '[["bob",2],["alice",1]]' \
   "the paper share's custodian comes from the set's record"

# ---- refusals: each named, nothing written, nothing recorded ----
before=$(vault_snapshot "$V"); nb=$(n_bundles)
unchanged() { is "$(vault_snapshot "$V")" "$before" "$1: the vault is unchanged"; }

run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o1" ffffffffffffffff "$idl"
is "$RC" 1 "an unknown item is refused"
like "$ERR" "no item 'ffffffffffffffff'" "and named"
is "$(grep -c "passphrase" <<<"$ERR")" 0 "before any share is asked for"
ok "nothing was written" test ! -e "$TMP/o1"
unchanged "unknown item"

run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/out" "$idl"
is "$RC" 1 "a target that exists is refused"
like "$ERR" "$idl-legacy.pfx exists already" "and named"
unchanged "existing target"

run_okra --vault "$V" --passphrase-file "$(pwfile wrong pw-2)" ceremony recover --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o2" "$idl"
is "$RC" 1 "a wrong share passphrase leaves too few shares"
like "$ERR" "share-1-of-3-alice.age: the passphrase does not open it" "the share file is named"
like "$ERR" "needs 2 shares; 1 valid share given \\(1 more needed\\)" "and how many more are needed"
ok "nothing was written" test ! -e "$TMP/o2"
unchanged "wrong passphrase"

run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-1)" ceremony recover --share "${SHARE[1]}" --share "${SHARE[1]}" --out "$TMP/o2" "$idl"
is "$RC" 1 "the same share twice does not make a quorum"
like "$ERR" "share-1-of-3-alice.age: is share 1 again" "the repeat is named"
unchanged "duplicate"

# a share of another vault, and one of a set never issued anywhere: named and left out; a quorum remains
MINE=("${SHARE[@]}")
new_ceremony 3 2 "$TMP/other" "$TMP/other-shares" || exit 1
cp "${SHARE[1]}" "$TMP/foreign.age"
share_mnemonic "${SHARE[2]}" pw-2 >"$TMP/other-paper.txt"
share_mnemonic "${SHARE[3]}" pw-3 >"$TMP/other-paper3.txt"
V=$TMP/vault SHARE=("${MINE[@]}")
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-1 pw-3)" ceremony recover --share "${SHARE[1]}" \
  --share "$TMP/foreign.age" --share "$TMP/other-paper.txt" --share "${SHARE[3]}" --out "$TMP/o5" "$idp"
is "$RC" 0 "bad shares among good ones: a quorum of good ones still recovers"
like "$ERR" "foreign.age: is a share of another vault" "the other vault's share file is named"
like "$ERR" "other-paper.txt: belongs to share set [0-9]+, not to set" "the other set's paper share is named"
is "$(last_manifest | jq -c '[.shares[].index]')" '[1,3]' "only the good shares are recorded"
before=$(vault_snapshot "$V")

run_okra --vault "$V" --passphrase-file "$(pwfile pw-1)" ceremony recover --share "$TMP/other-paper.txt" --share "${SHARE[1]}" --share "$TMP/nope.age" --share "$TMP" --out "$TMP/o6" "$idp"
is "$RC" 1 "too few valid shares fail"
like "$ERR" "nope.age: does not exist" "a missing file is named"
like "$ERR" "tmp[^ ]*: is a folder" "a folder is named"
unchanged "missing shares"

printf 'academic acid acrobat\n' >"$TMP/bad-words.txt"
share_mnemonic "${SHARE[2]}" pw-2 | sed 's/ [a-z]*$/ zero/' >"$TMP/bad-checksum.txt"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "$TMP/bad-words.txt" --share "$TMP/bad-checksum.txt" --out "$TMP/o7" "$idp"
is "$RC" 1 "damaged paper shares fail"
like "$ERR" "bad-words.txt: its mnemonic is not a valid SLIP-0039 share" "a short mnemonic is named"
like "$ERR" "bad-checksum.txt: its mnemonic is not a valid SLIP-0039 share: .*checksum" "a bad checksum is named as such"
unchanged "damaged paper"

# two paper shares of the other vault: a quorum of another key
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "$TMP/other-paper.txt" --share "$TMP/other-paper3.txt" --out "$TMP/o8" "$idp"
is "$RC" 1 "a quorum of another vault's paper shares is refused"
like "$ERR" "the shares combine to another key than this vault's" "before anything is decrypted"
ok "nothing was written" test ! -e "$TMP/o8"
unchanged "another key"

# usage
run_okra --vault "$V" ceremony recover --out "$TMP/o9" "$idp"
is "$RC" 2 "--share is needed"
run_okra --vault "$V" ceremony recover --share "${SHARE[1]}" "$idp"
is "$RC" 2 "--out is needed"
run_okra --vault "$V" ceremony recover --share "${SHARE[1]}" --out "$TMP/o9"
is "$RC" 2 "an ITEM is needed"
run_okra --vault "$V" ceremony recover --share "${SHARE[1]}" --out "$TMP/o9" --legacy "$idp"
is "$RC" 2 "--legacy goes with --repassword"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "${SHARE[1]}" --out "$V/tmp/keys" "$idp"
is "$RC" 1 "--out inside the vault folder is refused"
like "$ERR" "must be apart" "and says why"
touch "$TMP/a-file"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "${SHARE[1]}" --out "$TMP/a-file" "$idp"
is "$RC" 1 "--out that is a file is refused"
unchanged "usage errors"

# a locked vault: refused at once
hold_lock "$V/lock"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o10" "$idp"
is "$RC" 1 "a vault another okra holds is refused"
like "$ERR" "in use by another okra process" "and says why"
release_lock
is "$(n_bundles)" "$(( nb + 1 ))" "only the one good recovery after the snapshot was recorded"

done_testing
