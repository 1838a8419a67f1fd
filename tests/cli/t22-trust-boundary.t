#!/bin/bash
# The trust boundary (SECURITY.md, "Trust boundary"): nothing okra decrypts, writes, reports as sealed or
# accepts as a share set comes from anything but bundles that verified. Each case is an attack by someone
# who can edit the vault folder (or a copy of it) but holds no share and no station key, or who prepared
# the files okra reads; each asserts the message, that nothing was decrypted or written, and what verify says.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

RLO=$'\xe2\x80\xae' CSI=$'\xc2\x9b'
# no_raw TEXT: TEXT holds no bidirectional override and no C1 control as it is
no_raw() { ! grep -qF -e "$RLO" -e "$CSI" <<<"$1"; }

# ---- what a person sees: bidi and C1 controls in names, subjects and operators are escaped ----
test_vault "$TMP/bidi"
mkdir -p "$TMP/m"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/m/k.pem" -out "$TMP/m/c.pem" \
  -utf8 -subj "/CN=invoice${RLO}fdp.exe/O=C1${CSI}2J" -days 30 2>/dev/null
cat "$TMP/m/k.pem" "$TMP/m/c.pem" >"$TMP/m/a${RLO}xfp.pem"; rm "$TMP/m/k.pem" "$TMP/m/c.pem"
run_okra --vault "$V" scan --inspect --operator "eve${RLO}" "$TMP/m"
is "$RC" 0 "scan seals a key whose name holds U+202E"
ok "scan's lines hold no raw bidi or C1 control" no_raw "$OUT$ERR"
like "$OUT" 'sealed +a\\xe2\\x80\\xaexfp.pem  as' "the name is shown with the override escaped"
id=$(sed -n 's/.* as \([0-9a-f]*\) .*/\1/p' <<<"$OUT")
for c in list "show $id" log; do
  run_okra --vault "$V" $c
  is "$RC" 0 "$c runs"
  ok "$c prints no raw bidi or C1 control" no_raw "$OUT"
done
run_okra --vault "$V" list
like "$OUT" 'invoice\\xe2\\x80\\xaefdp.exe' "list shows the subject's override escaped"
run_okra --vault "$V" log
like "$OUT" 'eve\\xe2\\x80\\xae' "log shows the operator's override escaped"
mkdir "$TMP/in${RLO}box"; openssl genpkey -algorithm ed25519 -out "$TMP/in${RLO}box/b.pem" 2>/dev/null
must_okra --vault "$V" scan --inspect "$TMP/in${RLO}box" >/dev/null
run_okra --vault "$V" log
like "$OUT" "in\\\\xe2\\\\x80\\\\xaebox \\(" "log shows the scanned folder's override escaped once"
once_only() { ! grep -qF 'in\\xe2' <<<"$OUT"; }
ok "not twice" once_only

# ---- a vault with a ceremony, two keys sealed; W is a copy an attacker edits ----
new_ceremony 2 2 "$TMP/vault" "$TMP/shares" --name alice --name bob || exit 1
make_keys "$TMP/k"
okra --vault "$V" import "$TMP/k/plain.pem" "$TMP/k/legacy.pfx" >/dev/null
list=$(okra --vault "$V" --json list)
idp=$(jq -r '.[] | select(.source.path | endswith("plain.pem")) | .id' <<<"$list")
idl=$(jq -r '.[] | select(.source.path | endswith("legacy.pfx")) | .id' <<<"$list")
REC=(--passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover --share "${SHARE[1]}" --share "${SHARE[2]}")
fresh() { rm -rf "$TMP/w" "$TMP/out" "$TMP/victim"; cp -a "$V" "$TMP/w"; W=$TMP/w; }
b1() { echo "$W/bundles/00000001.tar"; }
# recovers_nothing WHAT: no file in --out or the victim folder, no recovery bundle
recovers_nothing() {
  is "$RC" 1 "$1: recover exits 1"
  is "$(ls -A "$TMP/out" 2>/dev/null; ls -A "$TMP/victim" 2>/dev/null)" "" "$1: nothing was written"
  is "$(ls "$W/bundles" | wc -l)" 2 "$1: no recovery was recorded"
}
# rebuild_tar B DIR: the tar B again from the members in DIR, in bundle order
rebuild_tar() {
  (cd "$2" && tar --format=pax -cf "$1" MANIFEST.json $(tar -tf "$1" | grep '^payload/') SHA256SUMS SHA256SUMS.minisig)
}

# an id of ../victim/pwned in the index: refused, not written outside --out
fresh; mkdir "$TMP/victim"
sqlite3 "$W/index.sqlite" "UPDATE items SET id = '../victim/pwned' WHERE id = '$idp'"
run_okra --vault "$W" "${REC[@]}" --out "$TMP/out" ../victim/pwned
recovers_nothing "an id with ../ in the index"
run_okra --vault "$W" "${REC[@]}" --out "$TMP/out" "$idp"
recovers_nothing "the same item by its true id"
like "$ERR" "index.sqlite was edited .*item \.\./victim/pwned.*okra reindex" "the edited row is named, with the fix"
run_okra --vault "$W" verify
like "$ERR" "index.sqlite does not match the bundles" "verify reports the edited item row"

# rows that say the right things under broken seals: verify says so too, since every command refuses
fresh
sqlite3 "$W/index.sqlite" "UPDATE items SET seal = zeroblob(16)"
run_okra --vault "$W" verify
like "$RC:$ERR" "^1:.*index.sqlite was edited .*does not carry this station's seal" "verify reports rows without their seals"

# a row pointing at another item's payload
fresh
sqlite3 "$W/index.sqlite" "UPDATE items SET json = replace(json, 'payload/0001.age', 'payload/0002.age') WHERE id = '$idp'"
run_okra --vault "$W" "${REC[@]}" --out "$TMP/out" "$idp"
recovers_nothing "a row pointing at another payload"
like "$ERR" "was edited .*item $idp" "the row is named"

# a forged item row for a key that is in no bundle: import seals it, never 'already sealed'
fresh
openssl genpkey -algorithm ed25519 -out "$TMP/new.pem" 2>/dev/null
sha=$(sha256sum <"$TMP/new.pem" | cut -c1-64)
sqlite3 "$W/index.sqlite" "INSERT INTO items(id, sha256, seq, pos, json) VALUES ('${sha:0:16}', '$sha', 1, 3, '{}')"
run_okra --vault "$W" import "$TMP/new.pem"
is "$RC" 1 "import refuses over an index with a forged row"
like "$ERR" "index.sqlite was edited .*okra reindex" "saying the index was edited, and the fix"
unlike_already() { [[ $OUT != *"already sealed"* ]]; }
ok "it never says 'already sealed'" unlike_already
sqlite3 "$W/index.sqlite" "UPDATE items SET sha256 = '$sha' WHERE id = '$idp'"
sqlite3 "$W/index.sqlite" "DELETE FROM items WHERE seq = 1 AND pos = 3"
run_okra --vault "$W" import "$TMP/new.pem"
is "$RC" 1 "an existing row given the new key's sha256: refused too"
ok "and still not 'already sealed'" unlike_already
okra --vault "$W" reindex >/dev/null
run_okra --vault "$W" import "$TMP/new.pem"
like "$RC:$OUT" "^0:sealed +.*new.pem +as ${sha:0:16}" "after 'okra reindex' the key is sealed"

# a payload replaced by the attacker's own age file to the vault's recipient: the bundle fails
fresh; mkdir "$TMP/x"; tar -xf "$(b1)" -C "$TMP/x"
age -r "$(jq -r .recipient "$W/okra.json")" -o "$TMP/x/payload/0001.age" "$TMP/new.pem"
rebuild_tar "$(b1)" "$TMP/x"
run_okra --vault "$W" "${REC[@]}" --out "$TMP/out" "$idp"
recovers_nothing "a replaced payload"
like "$ERR" "bundles/00000001.tar does not verify: payload/0001.age does not match its checksum" \
  "the bundle and the member are named"
like "$ERR" "nothing was decrypted" "and it says nothing was decrypted"
run_okra --vault "$W" verify
like "$RC:$ERR" "^1:.*payload/0001.age does not match" "verify reports it"

# MANIFEST.json edited (the item's id made to name another payload) with the index deleted
fresh; rm -rf "$TMP/x"; mkdir "$TMP/x"; tar -xf "$(b1)" -C "$TMP/x"
sed -i "s/payload\/0001.age/payload\/0002.age/" "$TMP/x/MANIFEST.json"
rebuild_tar "$(b1)" "$TMP/x"; rm -f "$W"/index.sqlite*
run_okra --vault "$W" "${REC[@]}" --out "$TMP/out" "$idp"
recovers_nothing "an edited MANIFEST.json without the index"
like "$ERR" "00000001.tar does not verify" "the bundle is named"
run_okra --vault "$W" list
like "$RC:$ERR" "^1:.*00000001.tar does not verify" "list refuses too, naming it"

# --out through a symbolic link into the vault: refused before any share is asked
fresh; ln -s "$W/tmp" "$TMP/outlink"
run_okra --vault "$W" "${REC[@]}" --out "$TMP/outlink/keys" "$idp"
is "$RC" 1 "--out through a link into the vault is refused"
like "$ERR" "must be apart" "saying --out and the vault must be apart"
is "$(ls -A "$W/tmp")" "" "nothing was written into the vault"
ok "no recovery was recorded" test "$(ls "$W/bundles" | wc -l)" = 2
rm -f "$TMP/outlink"

# ---- a read-only copy without index.sqlite: the read-only commands work and write nothing ----
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  RUNAS=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --)
  fresh; rm -f "$W"/index.sqlite*; chmod 755 "$TMP"; chmod -R a+rX,a-w "$W"; chmod 600 "$W/station.key"
  before=$(cd "$W" && find . | sort)
  for c in list "show $idp" log checkpoint verify; do
    "${RUNAS[@]}" "$OKRA" --vault "$W" $c >"$TMP/ro.out" 2>"$TMP/ro.err"
    is "$?" 0 "okra $c on a read-only copy without the index, as a user who cannot read station.key"
  done
  is "$("${RUNAS[@]}" "$OKRA" --vault "$W" --json list | jq -r '.[].id' | sort | tr '\n' ' ')" \
     "$(okra --vault "$V" --json list | jq -r '.[].id' | sort | tr '\n' ' ')" "list gives the vault's items"
  is "$(cd "$W" && find . | sort)" "$before" "nothing was written into the copy"
  "${RUNAS[@]}" "$OKRA" --vault "$W" import "$TMP/k/plain.pem" >"$TMP/ro.out" 2>"$TMP/ro.err"
  like "$?:$(cat "$TMP/ro.err")" "^1:okra: $W is not writable \\(permission denied\\): this command adds to the vault" \
    "a writer says in one line that the folder is not writable"
  chmod -R u+w "$W"; chmod 700 "$TMP"
else
  for i in 1 2 3 4 5 6 7 8; do skip "read-only copy as another user (needs root and setpriv)"; done
fi
run_okra --vault "$TMP/none" verify
like "$RC:$ERR" "^1:.*no vault at $TMP/none: give --vault DIR \\(a copy of the vault\\), or name bundle files with --key station.pub" \
  "verify with no vault suggests --key station.pub, not a ceremony"
run_okra --vault "$TMP/none" verify "$V/bundles/00000000.tar"
like "$RC:$ERR" "^1:.*give --key station.pub" "bundle files without --key: the same"

# ---- what ingest seals to and follows is what bundle 0 recorded, not okra.json as edited ----
# seals_nothing WHAT: import refused, the vault as it was
seals_nothing() {
  is "$RC" 1 "$1: import exits 1"
  like "$ERR" "nothing was sealed \(run 'okra verify'\)" "$1: saying nothing was sealed, and the fix"
  is "$(ls "$W/bundles" | wc -l)" 2 "$1: no bundle was committed"
}
fresh
other=$(age-keygen 2>/dev/null | sed -n 's/^# public key: //p')
jq --arg r "$other" '.recipient = $r' "$W/okra.json" >"$TMP/o.json" && mv "$TMP/o.json" "$W/okra.json"
run_okra --vault "$W" import "$TMP/new.pem"
seals_nothing "okra.json's recipient replaced by the attacker's"
like "$ERR" "okra.json: recipient $other is not the one the ceremony created" "the recipient is named"
fresh
jq '.policy.signing_keys = "allow"' "$W/okra.json" >"$TMP/o.json" && mv "$TMP/o.json" "$W/okra.json"
run_okra --vault "$W" import "$TMP/new.pem"
seals_nothing "okra.json's policy edited"
like "$ERR" "okra.json: the policy is not the one the ceremony recorded in bundle 0" "the policy is named"

# ---- share sets come from verified ceremony records only ----
cp -a "$V" "$TMP/vault-old"   # before the reshare: its first set is current
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 n-1 n-2)" ceremony reshare --share "${SHARE[1]}" \
  --share "${SHARE[2]}" --custodians 2 --threshold 2 --share-dir "$TMP/new" --work-factor "$WF"
is "$RC" 0 "a reshare retires the first set"
run_okra --vault "$V" "${REC[@]}" --out "$TMP/out" "$idp"
like "$RC:$ERR" "^1:.*was retired by the reshare in bundle 2" "its shares are refused by name"
# the reshare's bundle row made an import in the index: refused, the set stays retired
fresh
sqlite3 "$W/index.sqlite" "UPDATE bundles SET kind = 'import' WHERE kind = 'reshare'"
run_okra --vault "$W" "${REC[@]}" --out "$TMP/out" "$idp"
is "$RC" 1 "an index edited to un-retire a set: recover refuses"
like "$ERR" "index.sqlite was edited .*bundle 2" "naming the edited bundle row"
is "$(ls -A "$TMP/out" 2>/dev/null)" "" "and nothing was written"
# the reshare record's retirements removed from its MANIFEST.json, the index deleted
fresh; rm -rf "$TMP/x"; mkdir "$TMP/x"; tar -xf "$W/bundles/00000002.tar" -C "$TMP/x"
jq -c '.retired = []' "$TMP/x/MANIFEST.json" >"$TMP/x/m" && mv "$TMP/x/m" "$TMP/x/MANIFEST.json"
rebuild_tar "$W/bundles/00000002.tar" "$TMP/x"; rm -f "$W"/index.sqlite*
run_okra --vault "$W" "${REC[@]}" --out "$TMP/out" "$idp"
like "$RC:$ERR" "^1:.*00000002.tar does not verify" "an edited reshare record un-retires nothing: its bundle fails"
is "$(ls -A "$TMP/out" 2>/dev/null)" "" "and nothing was written"

# ---- verify as strict as 'tar -x && sha256sum -c' ----
PUB=$V/station.pub
# vfails WHAT REGEX: okra verify of the copy W exits 1 with a message matching REGEX
vfails() { run_okra --vault "$W" verify --key "$PUB"; like "$RC:$ERR" "^1:.*$2" "$1 is tampering"; }
fresh; rm -rf "$TMP/x"; mkdir "$TMP/x"; tar -xf "$(b1)" -C "$TMP/x"
truncate -s +1M "$TMP/x/payload/0001.age"   # the same bytes, then a hole
(cd "$TMP/x" && tar --sparse --format=pax -cf "$(b1)" MANIFEST.json $(tar -tf "$V/bundles/00000001.tar" | grep '^payload/') SHA256SUMS SHA256SUMS.minisig)
vfails "a sparse member" "member payload/0001.age is a sparse file"
( cd "$TMP/x" && rm -rf y && mkdir y && tar -xf "$(b1)" -C y && cd y && ! sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1 )
_result $? "(and stock sha256sum -c after tar -x fails on it too)"
fresh; echo garbage >>"$(b1)"
vfails "data after the end of the archive" "holds data after the end of its archive|bytes after the end"
fresh; head -c -1024 "$V/bundles/00000001.tar" >"$(b1)"
while [[ $(tail -c 512 "$(b1)" | tr -d '\0' | wc -c) == 0 ]]; do truncate -s -512 "$(b1)"; done
vfails "an archive without its end blocks" "lacks the two zero blocks"
fresh; rm -rf "$TMP/x"; mkdir "$TMP/x"; tar -xf "$(b1)" -C "$TMP/x"; ln -f "$TMP/x/MANIFEST.json" "$TMP/x/payload/0001.age"
rebuild_tar "$(b1)" "$TMP/x"
vfails "a hard-linked member" "payload/0001.age is a hard link"
fresh; cp "$W/bundles/00000000.tar" "$TMP/00000005.tar"
run_okra --vault "$TMP/none" verify --key "$PUB" "$TMP/00000005.tar"
like "$RC:$ERR" "^1:.*00000005.tar: holds bundle 0, not bundle 5 as its name says" "a bundle file must be the bundle its name says"
cp "$W/bundles/00000000.tar" "$W/bundles/00000005.tar"
run_okra --vault "$W" verify 5
like "$RC:$ERR" "^1:.*holds bundle 0, not bundle 5" "so must a bundle named by seq"
run_okra --vault "$TMP/none" verify --key "$PUB" "$V/bundles/00000000.tar" "$V/bundles/00000002.tar"
is "$RC" 0 "named bundles with a gap each verify"
like "$OUT" "0 links between them checked; not checked: 0 to 2 \\(bundle 1 not given\\)" "and the link across the gap is said to be unchecked"
run_okra --vault "$TMP/none" verify --key "$PUB" "$V/bundles/00000000.tar" "$V/bundles/00000001.tar"
like "$OUT" "1 link between them checked$" "adjacent bundles: the link is checked"

# ---- every cost an input chooses has a ceiling okra sets ----
TOOLS_SRC=$(cd "$TESTS_LIB/../tools" && pwd)
# in_time SECONDS CMD...: runs okra's CMD, keeps OUT/ERR/RC, and whether it ended within SECONDS
in_time() { local s=$(date +%s%N); run_okra "${@:2}"; ELAPSED_MS=$(( ($(date +%s%N) - s) / 1000000 )); (( ELAPSED_MS < $1 * 1000 )); }
openssl genpkey -algorithm ec -pkeyopt ec_paramgen_curve:P-256 -out "$TMP/ec.pem" 2>/dev/null
python3 "$TOOLS_SRC/p8-scrypt.py" "$TMP/ec.pem" pw 16384 8 200000 "$TMP/scrypt-p.pem" --no-derive
SLOWER=1; [[ -n ${OKRA_WRAP:-} ]] && SLOWER=30
in_time $SLOWER --passphrase-file "$(pwfile pw)" inspect "$TMP/scrypt-p.pem"
_result $? "a PEM asking scrypt p=200000 is refused in under a second (${ELAPSED_MS} ms)"
like "$RC:$ERR" "^1:.*scrypt N=16384, r=8, p=200000: N\\*r\\*p is over okra's limit of 4194304" "naming the parameters and the limit"
mkdir -p "$TMP/kdf"; cp "$TMP/scrypt-p.pem" "$TMP/kdf/"
nb=$(ls "$V/bundles" | wc -l)
in_time $SLOWER --vault "$V" --passphrase-file "$(pwfile pw)" scan --inspect "$TMP/kdf"
_result $? "scan --inspect passes it in under a second too (${ELAPSED_MS} ms)"
like "$OUT" "sealed uninspected .*scrypt-p.pem .*over okra's limit" "sealed uninspected, saying why"
if [[ -z ${OKRA_VALGRIND:-} ]]; then
  python3 "$TOOLS_SRC/p8-scrypt.py" "$TMP/ec.pem" pw 32768 8 1 "$TMP/scrypt-15.pem"
  run_okra --passphrase-file "$(pwfile pw)" inspect "$TMP/scrypt-15.pem"
  like "$RC:$OUT" "^0:.*scrypt \\(N=32768, r=8, p=1\\).*key +EC P-256" \
    "scrypt N=32768, r=8 (past OpenSSL's own 32 MiB) opens with the right password"
  run_okra --passphrase-file "$(pwfile wrong)" inspect "$TMP/scrypt-15.pem"
  like "$RC:$ERR" "^1:.*wrong password" "and a wrong one is named as such"
else
  skip_na "scrypt at N=32768 under valgrind"; skip_na "scrypt at N=32768 under valgrind"
fi
python3 "$TOOLS_SRC/p12-bags.py" 12 5000000 "$TMP/many-bags.p12"
in_time $SLOWER --passphrase-file "$(pwfile pw)" inspect "$TMP/many-bags.p12"
_result $? "a PKCS #12 of twelve encrypted parts at 5,000,000 rounds each is refused at once (${ELAPSED_MS} ms)"
like "$RC:$ERR" "^1:.*more than okra's limit of 20000000 iterations per file" "naming the per-file limit"
share_mnemonic "${SHARE[1]}" pw-1 | "$OKRA_TOOLS/slip39-exponent" 15 >"$TMP/paper-e15.txt"
in_time $SLOWER --vault "$TMP/vault-old" --passphrase-file "$(pwfile pw-2)" ceremony recover \
  --share "$TMP/paper-e15.txt" --share "${SHARE[2]}" --out "$TMP/out-e15" "$idp"
_result $? "a share with iteration exponent 15 is refused at once (${ELAPSED_MS} ms)"
like "$RC:$ERR" "^1:.*paper-e15.txt.*iteration exponent 15 asks 327680000 PBKDF2 rounds, over okra's limit of exponent 6" \
  "naming the exponent and the limit"
is "$(ls -A "$TMP/out-e15" 2>/dev/null)" "" "nothing was recovered"

# ---- a walk reads a folder a window at a time: 500,000 names within SECURITY.md's 64 MiB ----
if [[ -n ${OKRA_VALGRIND:-} ]]; then
  for i in 1 2 3 4; do skip_na "500,000 names under valgrind (minutes)"; done
else
  mkdir -p "$TMP/many"
  python3 -c 'import os, sys
for i in range(500000): os.mknod(os.path.join(sys.argv[1], "n%06d" % i))' "$TMP/many"
  cp "$TMP/k/plain.pem" "$TMP/many/zz-real.pem"
  test_vault "$TMP/vmany"
  /usr/bin/time -f '%M' -o "$TMP/many.kb" ${OKRA_WRAP:-} "$OKRA" --vault "$V" scan "$TMP/many" >"$TMP/many.out" 2>"$TMP/many.err"
  is "$?" 0 "a folder of 500,000 names and one key: scan succeeds"
  is "$(grep -c '^skipped .*: is empty' "$TMP/many.out")" 500000 "a line for each empty file"
  sed -n 's/^skipped *\([^:]*\):.*/\1/p; s/^sealed *\([^ ]*\) .*/\1/p' "$TMP/many.out" >"$TMP/many.order"
  ok "in sorted path order, across windows" cmp -s "$TMP/many.order" <(LC_ALL=C sort "$TMP/many.order")
  kb=$(tail -n 1 "$TMP/many.kb")
  if [[ -n ${ASAN_OPTIONS:-}${OKRA_WRAP:-} ]]; then
    skip_na "peak memory (${kb} KiB) under a sanitizer says nothing"
  else
    ok "peak memory $((kb / 1024)) MiB, under 64 MiB" test "$kb" -lt 65536
  fi
  rm -rf "$TMP/many"
fi

done_testing
