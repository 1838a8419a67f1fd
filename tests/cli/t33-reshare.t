#!/bin/bash
# okra ceremony reshare: a quorum of the current set issues a new set (new custodians, threshold and
# identifier) for the same key; the record retires every earlier set, whose shares are then refused
# by name; a reshare that fails before its record leaves the old set valid and no new share file.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

new_ceremony 3 2 "$TMP/vault" "$TMP/shares" --name alice --name bob --name carol || exit 1
OLD=("${SHARE[@]}")
old_id=$(tar -xOf "$V/bundles/00000000.tar" MANIFEST.json | jq -r .set.id)
rcpt=$(jq -r .recipient "$V/okra.json")
make_keys "$TMP/k"
must_okra --vault "$V" import "$TMP/k/plain.pem" "$TMP/k/modern.pfx" >/dev/null
id=$(must_okra --vault "$V" --json list | jq -r '.[0].id')

# ---- failures first: each leaves the old set valid and writes no new share file ----
before=$(vault_snapshot "$V")
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 new-1 new-2)" ceremony reshare --share "${OLD[1]}" --share "${OLD[2]}" \
  --custodians 3 --threshold 2 --share-dir "$TMP/new0" --work-factor "$WF"
is "$RC" 1 "a passphrase file that ends before the last new custodian fails"
ok "no new share file is left" test ! -e "$TMP/new0"
is "$(vault_snapshot "$V")" "$before" "nothing is committed"

run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 wrong new-1 new-2 new-3)" ceremony reshare --share "${OLD[1]}" --share "${OLD[2]}" \
  --custodians 3 --threshold 2 --share-dir "$TMP/new0" --work-factor "$WF"
is "$RC" 1 "too few valid shares fail"
like "$ERR" "share-2-of-3-bob.age: the passphrase does not open it" "naming the bad share"
ok "no new share file" test ! -e "$TMP/new0"

mkdir -p "$TMP/busy"; touch "$TMP/busy/x"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 a b c)" ceremony reshare --share "${OLD[1]}" --share "${OLD[2]}" \
  --custodians 3 --threshold 2 --share-dir "$TMP/busy"
is "$RC" 1 "a share folder that is not empty is refused"
run_okra --vault "$V" ceremony reshare --share "${OLD[1]}" --custodians 2 --threshold 3 --share-dir "$TMP/new0"
is "$RC" 2 "a threshold above the custodians is a usage error"
like "$ERR" "threshold" "named as such"
run_okra --vault "$V" ceremony reshare --custodians 2 --threshold 2 --share-dir "$TMP/new0"
is "$RC" 2 "--share is needed"
is "$(vault_snapshot "$V")" "$before" "after all these the vault is unchanged"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-3)" ceremony check-share "${OLD[3]}"
is "$RC" 0 "and the old set is still current"

# ---- a reshare, 2-of-3 to 3-of-4 ----
run_okra --vault "$V" --passphrase-file "$(pwfile pw-3 pw-1 n-1 n-2 n-3 n-4)" ceremony reshare \
  --share "${OLD[3]}" --share "${OLD[1]}" --custodians 4 --threshold 3 --share-dir "$TMP/new" \
  --name dave --name erin --name frank --name gina --work-factor "$WF"
is "$RC" 0 "a quorum of the old set reshares 3-of-4"
is "$(ls "$TMP/new" | wc -l)" 4 "four new share files"
is "$(stat -c %a "$TMP/new"/* | sort -u)" 600 "0600 each"
m=$(last_manifest)
new_id=$(jq -r .set.id <<<"$m")
is "$(jq -r .kind <<<"$m")" reshare "the record is a reshare bundle"
ok "the new set has a new identifier" test "$new_id" != "$old_id"
is "$(jq -c '[.set.threshold, .set.custodians]' <<<"$m")" '[3,["dave","erin","frank","gina"]]' "with its threshold and custodians"
is "$(jq -c .retired <<<"$m")" "[$old_id]" "it retires the old set"
is "$(jq -c '[.shares[] | [.custodian, .index, .set]]' <<<"$m")" "[[\"carol\",3,$old_id],[\"alice\",1,$old_id]]" "and names the shares used"
is "$(jq -r .station_key <<<"$m")" "$(jq -r .station_key "$V/okra.json")" "and the station key"
is "$(jq -r .recipient "$V/okra.json")" "$rcpt" "the recipient is unchanged"
like "$OUT" "retired sets: $old_id" "the transcript names the retired set"
like "$OUT" "okra-checkpoint: 1" "and ends with the checkpoint"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"

# old shares are refused by name; new ones recover
NEW=("" "$TMP/new/share-1-of-4-dave.age" "$TMP/new/share-2-of-4-erin.age" "$TMP/new/share-3-of-4-frank.age" "$TMP/new/share-4-of-4-gina.age")
before=$(vault_snapshot "$V")
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 pw-3)" ceremony recover --share "${OLD[1]}" --share "${OLD[2]}" --share "${OLD[3]}" --out "$TMP/o1" "$id"
is "$RC" 1 "shares of the retired set no longer recover"
like "$ERR" "share-1-of-3-alice.age: share set $old_id was retired by the reshare in bundle 2" "each is named"
like "$ERR" "share-2-of-3-bob.age: share set $old_id was retired" "the second too"
is "$(vault_snapshot "$V")" "$before" "nothing is recorded"
# two shares for the new set's threshold of 3: refused before any passphrase is asked
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "${OLD[1]}" --share "${OLD[2]}" --out "$TMP/o1" "$id"
is "$RC" 1 "fewer shares than the current set's threshold are refused"
like "$ERR" "set $new_id needs 3 shares; 2 given \\(1 more needed\\): .*share-1-of-3-alice.age, .*share-2-of-3-bob.age; no passphrase was asked" \
  "before any passphrase is asked (the passphrase file is empty), naming the shares given"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1)" ceremony check-share "${OLD[1]}"
is "$RC" 1 "check-share says an old share is retired"
like "$ERR" "share set $old_id was retired by the reshare in bundle 2; destroy this share file and its paper backup" \
  "in so many words: which reshare, and what to do with the file and the paper"
like "$ERR" "outside okra it still combines with the other shares of its set" "and why"
run_okra --vault "$V" --passphrase-file "$(pwfile n-1 pw-2 n-4)" ceremony recover --share "${NEW[1]}" --share "${OLD[2]}" --share "${NEW[4]}" --out "$TMP/o2" "$id"
is "$RC" 1 "two new shares and an old one are not three of the new set"
like "$ERR" "needs 3 shares; 2 valid shares given \\(1 more needed\\)" "and it says how many more"
run_okra --vault "$V" --passphrase-file "$(pwfile n-1 n-2 n-4)" ceremony recover --share "${NEW[1]}" --share "${NEW[2]}" --share "${NEW[4]}" --out "$TMP/o3" "$id"
is "$RC" 0 "three shares of the new set recover"
is "$(ls "$TMP/o3" | wc -l)" 1 "the item"

# a second reshare retires every set issued before
run_okra --vault "$V" --passphrase-file "$(pwfile n-2 n-3 n-4 z-1 z-2)" ceremony reshare \
  --share "${NEW[2]}" --share "${NEW[3]}" --share "${NEW[4]}" --custodians 2 --threshold 2 --share-dir "$TMP/new2" --work-factor "$WF"
is "$RC" 0 "a second reshare"
is "$(last_manifest | jq -c '.retired | sort')" "$(jq -cn --argjson a "$old_id" --argjson b "$new_id" '[$a,$b] | sort')" "retires both earlier sets"
run_okra --vault "$V" --passphrase-file "$(pwfile n-1 n-2 n-4)" ceremony recover --share "${NEW[1]}" --share "${NEW[2]}" --share "${NEW[4]}" --out "$TMP/o4" "$id"
is "$RC" 1 "the first new set is now refused too"
run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies at the end"
must_okra --vault "$V" reindex >/dev/null
run_okra --vault "$V" --passphrase-file "$(pwfile n-1 n-2 n-4)" ceremony recover --share "${NEW[1]}" --share "${NEW[2]}" --share "${NEW[4]}" --out "$TMP/o5" "$id"
is "$RC" 1 "after a reindex the retired sets are still refused (the records are read from the bundles)"

done_testing
