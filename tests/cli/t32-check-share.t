#!/bin/bash
# okra ceremony check-share: a custodian checks their share file and passphrase alone: it opens, it is
# of this vault and of its current set, its checksum holds; nothing is written.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

new_ceremony 3 2 "$TMP/vault" "$TMP/shares" --name alice --name bob || exit 1
setid=$(tar -xOf "$V/bundles/00000000.tar" MANIFEST.json | jq -r .set.id)
before=$(vault_snapshot "$V")

run_okra --vault "$V" --passphrase-file "$(pwfile pw-2)" ceremony check-share "${SHARE[2]}"
is "$RC" 0 "the right passphrase passes"
like "$OUT" "custodian: +bob" "it names the custodian"
like "$OUT" "share: +2 of 3, threshold 2" "the share, the count and the threshold"
like "$OUT" "set: +$setid, issued in bundle 0, current" "and the set"
like "$OUT" "33 words, checksum holds" "the checksum holds"
run_okra --vault "$V" --json --passphrase-file "$(pwfile pw-3)" ceremony check-share "${SHARE[3]}"
is "$(jq -c '[.custodian, .index, .of, .threshold, .set, .ok]' <<<"$OUT")" "[\"custodian 3\",3,3,2,$setid,true]" "--json gives the same"

run_okra --vault "$V" --passphrase-file "$(pwfile pw-1)" ceremony check-share "${SHARE[2]}"
is "$RC" 1 "a wrong passphrase fails"
like "$ERR" "share-2-of-3-bob.age: the passphrase does not open it" "naming the file"
is "$(wc -l <<<"$ERR")" 1 "in one line"

# a paper backup checks too (no passphrase asked)
share_mnemonic "${SHARE[1]}" pw-1 >"$TMP/paper1.txt"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony check-share "$TMP/paper1.txt"
is "$RC" 0 "a paper backup's mnemonic checks without a passphrase"
like "$OUT" "custodian: +alice" "and is matched to its custodian by the set's record"
sed 's/^\([a-z]*\) \([a-z]*\)/\2 \1/' "$TMP/paper1.txt" >"$TMP/swapped.txt"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony check-share "$TMP/swapped.txt"
is "$RC" 1 "two words swapped fail"
like "$ERR" "swapped.txt: .*checksum" "on the checksum"

# another vault's share
MINE=("${SHARE[@]}")
new_ceremony 2 2 "$TMP/other" "$TMP/oshares" >/dev/null || exit 1
V=$TMP/vault SHARE=("${MINE[@]}")
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1)" ceremony check-share "$TMP/oshares/share-1-of-2-custodian_1.age"
is "$RC" 1 "a share of another vault fails"
like "$ERR" "share-1-of-2-custodian_1.age: is a share of another vault" "and says so"
share_mnemonic "$TMP/oshares/share-2-of-2-custodian_2.age" pw-2 >"$TMP/other-paper.txt"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony check-share "$TMP/other-paper.txt"
is "$RC" 1 "a paper share of a set this vault never issued fails"
like "$ERR" "other-paper.txt: its share set [0-9]+ was not issued by this vault" "and says so"

# an altered 'share:' line (the plaintext re-sealed by someone) is caught
share_plain "${SHARE[2]}" pw-2 | sed 's/^share: 2 of 3/share: 1 of 3/' >"$TMP/altered.txt"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony check-share "$TMP/altered.txt"
is "$RC" 1 "a share whose lines disagree with its mnemonic fails"
like "$ERR" "disagrees with its mnemonic" "and says so"

run_okra --vault "$V" ceremony check-share
is "$RC" 2 "a FILE is needed"
run_okra --vault "$V" ceremony check-share a b
is "$RC" 2 "one FILE only"
run_okra --vault "$V" --passphrase-file "$(pwfile x)" ceremony check-share "$TMP/nope.age"
is "$RC" 1 "a missing file fails"
like "$ERR" "nope.age: does not exist" "and is named"
run_okra --vault "$TMP/novault" --passphrase-file "$(pwfile x)" ceremony check-share "${SHARE[1]}"
is "$RC" 1 "no vault, no check"
like "$ERR" "no vault at" "and says so"
is "$(vault_snapshot "$V")" "$before" "check-share changes nothing in the vault"

done_testing
