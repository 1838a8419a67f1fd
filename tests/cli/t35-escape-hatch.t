#!/bin/bash
# The escape hatch: if okra were lost, the share files open with another age implementation (typage),
# the mnemonics combine with another SLIP-0039 implementation (the npm package slip39) into the vault's
# identity, and stock `age -d -i` opens every sealed payload. The other way round: shares that slip39
# made for the same key (paper backups of a set okra never issued) recover in okra, are recorded as
# such, and a reshare from them retires their set.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

# Independent implementations from the npm registry, installed once into a cache under /tmp.
NODE_TOOLS=${OKRA_NODE_TOOLS:-/tmp/okra-test-node-tools}
PKGS="slip39@0.1.9 age-encryption@0.3.1 @scure/base@2.4.0"
node_tools() {
  command -v node >/dev/null && command -v npm >/dev/null || { echo "node or npm is not installed"; return 1; }
  mkdir -p "$NODE_TOOLS" || return 1
  [[ $(cat "$NODE_TOOLS/.ok" 2>/dev/null) == "$PKGS" ]] && return 0
  (cd "$NODE_TOOLS" && { [[ -f package.json ]] || npm init -y >/dev/null 2>&1; } &&
    npm install --silent --no-audit --no-fund $PKGS >/dev/null 2>&1) || { echo "npm install of $PKGS failed (offline?)"; return 1; }
  echo "$PKGS" >"$NODE_TOOLS/.ok"
}
if ! why=$(node_tools); then
  skip "the escape hatch needs node and npm: $why"
  done_testing
fi
# the scripts live beside the packages, where node resolves their imports
cat >"$NODE_TOOLS/okra-age-dec-pass.mjs" <<'EOF'
import * as age from 'age-encryption';
import { readFileSync } from 'node:fs';
const [file, pass] = process.argv.slice(2);
let data = readFileSync(file);
const text = data.toString('latin1');
if (text.startsWith('-----BEGIN AGE ENCRYPTED FILE-----')) data = age.armor.decode(text);
const d = new age.Decrypter();
d.addPassphrase(pass);
try { process.stdout.write(Buffer.from(await d.decrypt(data))); } catch (e) { process.stderr.write(String(e) + '\n'); process.exit(1); }
EOF
cat >"$NODE_TOOLS/okra-slip39.mjs" <<'EOF'
// combine [--hex]: mnemonics on stdin -> the secret (age identity or hex); split HEX T N DIR: paper files
import slip39 from 'slip39';
import { bech32 } from '@scure/base';
import { readFileSync, writeFileSync } from 'node:fs';
const [cmd, ...a] = process.argv.slice(2);
if (cmd === 'combine') {
  const lines = readFileSync(0, 'utf8').split('\n').map(s => s.trim()).filter(Boolean);
  const secret = Buffer.from(slip39.recoverSecret(lines, ''));
  if (a[0] === '--hex') console.log(secret.toString('hex'));
  else console.log(bech32.encode('age-secret-key-', bech32.toWords(secret), false).toUpperCase());
} else if (cmd === 'split') {
  const s = slip39.fromArray(Array.from(Buffer.from(a[0], 'hex')), { passphrase: '', threshold: 1, groups: [[+a[1], +a[2], 'paper']] });
  s.fromPath('r/0').mnemonics.forEach((m, i) => writeFileSync(`${a[3]}/paper${i + 1}.txt`, m + '\n'));
}
EOF
typage() { node "$NODE_TOOLS/okra-age-dec-pass.mjs" "$@"; }
slip() { (cd "$NODE_TOOLS" && node okra-slip39.mjs "$@"); }

new_ceremony 5 3 "$TMP/vault" "$TMP/shares" || exit 1
make_keys "$TMP/k"
must_okra --vault "$V" --passphrase-file "$(pwfile pw-legacy pw-modern)" import --inspect "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx" "$TMP/k/plain.pem" >/dev/null
must_okra --vault "$V" import "$TMP/k/rsa.key" >/dev/null
rcpt=$(jq -r .recipient "$V/okra.json")

# ---- okra's shares, without okra ----
: >"$TMP/mnemonics"; opened=0
for i in 2 4 5; do
  if typage "${SHARE[$i]}" "pw-$i" >"$TMP/plain$i.txt" 2>"$TMP/err"; then opened=$((opened + 1)); fi
  sed -n 's/^mnemonic: //p' "$TMP/plain$i.txt" >>"$TMP/mnemonics"
done
is "$opened" 3 "typage opens okra's share files with the custodians' passphrases"
like "$(cat "$TMP/plain4.txt")" "^okra-share: 1"$'\n'"vault: $(jq -r .vault_id "$V/okra.json")"$'\n' "and finds okra's lines in them"
ok "typage refuses a wrong passphrase" bash -c "! node '$NODE_TOOLS/okra-age-dec-pass.mjs' '${SHARE[1]}' pw-2 >/dev/null 2>&1"
slip combine <"$TMP/mnemonics" >"$TMP/identity.txt" 2>"$TMP/err"
like "$(cat "$TMP/identity.txt")" "^AGE-SECRET-KEY-1" "slip39 combines three of okra's mnemonics into an age identity"
is "$(age-keygen -y "$TMP/identity.txt" 2>/dev/null)" "$rcpt" "whose recipient is the vault's"
mkdir -p "$TMP/b"; total=0; same=0; p12=0
for b in "$V"/bundles/*.tar; do
  rm -rf "$TMP/b"/*; tar -xf "$b" -C "$TMP/b"
  for p in "$TMP"/b/payload/*.age; do
    [[ -e $p ]] || continue
    total=$((total + 1))
    age -d -i "$TMP/identity.txt" -o "$TMP/plain" "$p" 2>/dev/null || continue
    if [[ $p == *.p12.age ]]; then
      openssl pkcs12 -in "$TMP/plain" -passin pass: -nodes -noout 2>/dev/null && p12=$((p12 + 1))
    else
      sha256sum "$TMP"/k/{legacy.pfx,modern.pfx,plain.pem,rsa.key} | grep -q "$(sha256sum <"$TMP/plain" | cut -d' ' -f1)" && same=$((same + 1))
    fi
  done
done
is "$total" 7 "seven payloads in the vault (four originals, three opened keys)"
is "$same" 4 "stock age -d -i opens every original, byte for byte"
is "$p12" 3 "and every opened key, a PKCS #12 with no password that stock OpenSSL reads"

# ---- paper shares that slip39 made for the same key recover in okra ----
hex=$(slip combine --hex <"$TMP/mnemonics")
mkdir -p "$TMP/paper"; slip split "$hex" 2 3 "$TMP/paper"
is "$(ls "$TMP/paper" | wc -l)" 3 "slip39 re-splits the key 2-of-3 (paper backups)"
id=$(must_okra --vault "$V" --json list | jq -r '.[] | select(.source.path | endswith("rsa.key")) | .id')
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "$TMP/paper/paper3.txt" --share "$TMP/paper/paper1.txt" --out "$TMP/out" "$id"
is "$RC" 0 "two of slip39's paper shares recover in okra, asking nothing"
ok "byte for byte" cmp -s "$TMP/out/$id-rsa.key" "$TMP/k/rsa.key"
m=$(last_manifest)
is "$(jq -r .set_issued_here <<<"$m")" false "the record says the set was not issued here"
is "$(jq -c '[.shares[] | [.custodian, .index]]' <<<"$m")" '[[null,3],[null,1]]' "and names the shares by index"
like "$OUT" "not issued by this vault" "the output says so too"
paper_set=$(jq -r '.shares[0].set' <<<"$m")

# a reshare from them retires their set as well as okra's own
run_okra --vault "$V" --passphrase-file "$(pwfile n-1 n-2)" ceremony reshare --share "$TMP/paper/paper1.txt" --share "$TMP/paper/paper2.txt" \
  --custodians 2 --threshold 2 --share-dir "$TMP/new" --work-factor "$WF"
is "$RC" 0 "a reshare from paper shares of a foreign set"
is "$(last_manifest | jq -c '.retired | sort')" "$(jq -cn --argjson a "$(jq .set.id <(tar -xOf "$V/bundles/00000000.tar" MANIFEST.json))" --argjson b "$paper_set" '[$a,$b] | sort')" \
   "retires okra's set and the paper set"
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "$TMP/paper/paper1.txt" --share "$TMP/paper/paper2.txt" --out "$TMP/out2" "$id"
is "$RC" 1 "then the paper shares are refused"
like "$ERR" "paper1.txt: share set $paper_set was retired by the reshare" "by name"

done_testing
