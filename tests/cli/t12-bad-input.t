#!/bin/bash
# Bad input: one clear line naming the file and the fix, exit 1 or 2, the vault unchanged (issue 2).
source "$(dirname "$0")/../lib/tap.sh"
test_vault; make_keys "$TMP/k"
must_okra --vault "$V" import "$TMP/k/legacy.pfx" >/dev/null
before=$(vault_snapshot "$V")

refused() { # NAME WORD WANT_RC COMMAND...: refused with one line naming WORD, vault unchanged
  local name=$1 word=$2 want=$3; shift 3
  run_okra "$@"
  local first=${ERR%%$'\n'*} lines; lines=$(grep -c . <<<"$ERR")
  # a failure is one line; a usage error may add the synopsis below its line
  if [[ $RC == "$want" && ($lines == 1 || $want == 2) && $first == *"$word"* && $(vault_snapshot "$V") == "$before" ]]; then
    _result 0 "$name"
  else
    _result 1 "$name"; echo "#   exit $RC, stderr: $ERR"
  fi
}
: >"$TMP/empty.pfx"; mkdir -p "$TMP/folder.pfx"; echo "hello" >"$TMP/text.pfx"
refused "a missing file"                  nope.pfx      1 --vault "$V" import "$TMP/nope.pfx"
refused "an empty file"                   empty.pfx     1 --vault "$V" import "$TMP/empty.pfx"
refused "a folder given as a file"        folder.pfx    1 --vault "$V" import "$TMP/folder.pfx"
refused "a file that is no export file"   text.pfx      1 --vault "$V" import "$TMP/text.pfx"
refused "a vault that does not exist"     novault       1 --vault "$TMP/novault" import "$TMP/k/modern.pfx"
refused "an unknown command"              frobnicate    2 --vault "$V" frobnicate
refused "an unknown option"               --frob        2 --vault "$V" import --frob "$TMP/k/modern.pfx"
refused "import without a file"           FILE          2 --vault "$V" import
refused "show of an unknown item"         deadbeef      1 --vault "$V" show deadbeef
refused "a short id prefix"               abc           1 --vault "$V" show abc

# one bad file among good ones: nothing sealed, a line per bad file
run_okra --vault "$V" import "$TMP/k/modern.pfx" "$TMP/text.pfx" "$TMP/k/plain.pem" "$TMP/empty.pfx"
is "$RC" 1 "import is all or nothing"
like "$ERR" "text.pfx: not an export file" "it names the first bad file"
like "$ERR" "empty.pfx: is empty" "and the second"
is "$(vault_snapshot "$V")" "$before" "and seals nothing"
is "$OUT" "" "and says nothing was sealed, not 'sealed' for the good files"

# --inspect: a wrong password is named, every file's password is still asked
printf 'wrong\npw-modern\n' >"$TMP/pw"
run_okra --vault "$V" --passphrase-file "$TMP/pw" import --inspect "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx"
is "$RC" 1 "a wrong export password refuses the import"
like "$ERR" "legacy.pfx: .*wrong password" "naming the file and the cause"
is "$(vault_snapshot "$V")" "$before" "the vault is unchanged"

# a locked vault
hold_lock "$V/lock"
refused "a vault locked by another writer" "in use by another okra" 1 --vault "$V" import "$TMP/k/modern.pfx"
release_lock

# a full disk: the vault on a small filesystem, a file larger than what is left
if [[ $(id -u) == 0 ]] && mkdir -p "$TMP/small" && mount -t tmpfs -o size=600k tmpfs "$TMP/small" 2>/dev/null; then
  test_vault "$TMP/small/vault"
  # a PKCS #12 with a long chain: recognised, too large for what is left of the disk
  for i in $(seq 1 700); do cat "$TMP/k/rsa.crt"; done >"$TMP/chain.pem"
  openssl pkcs12 -export -in "$TMP/k/rsa.crt" -inkey "$TMP/k/rsa.key" -certfile "$TMP/chain.pem" -certpbe NONE \
    -out "$TMP/big.pem" -passout pass:x
  small_before=$(vault_snapshot "$TMP/small/vault")
  run_okra --vault "$TMP/small/vault" import "$TMP/big.pem"
  is "$RC" 1 "a full disk fails the import"
  like "$ERR" "disk is full" "saying the disk is full"
  is "$(vault_snapshot "$TMP/small/vault")" "$small_before" "and leaves the vault as it was"
  is "$(ls "$TMP/small/vault/tmp" | wc -l)" 0 "with no staging files left"
  run_okra --vault "$TMP/small/vault" verify
  is "$RC" 0 "the vault still verifies"
  umount "$TMP/small"
else
  skip "full-disk test needs root to mount a small tmpfs"
fi
done_testing
