#!/bin/bash
# okra scan: a folder walked safely; export files found by content, in sorted order; one bundle.
source "$(dirname "$0")/../lib/tap.sh"
test_vault; make_keys "$TMP/k"
M=$TMP/medium; mkdir -p "$M/b/deep" "$M/a"
cp "$TMP/k/legacy.pfx" "$M/b/deep/hidden.txt"          # a key under a .txt name
cp "$TMP/k/modern.pfx" "$M/a/modern.pfx"
cp "$TMP/k/plain.pem" "$M/a-key.pem"                    # sorts before a/ in whole-path order
echo "not a key" >"$M/fake.pfx"
: >"$M/empty.pfx"
ln -s /etc/passwd "$M/link.pfx"; ln -s "$TMP/k" "$M/outside"
mkfifo "$M/fifo.pfx"
d=$M/deep; for i in $(seq 1 40); do d=$d/d; done; mkdir -p "$d"; cp "$TMP/k/rsa.key" "$d/too-deep.key"
head -c 5000 /dev/zero >"$M/big.pfx"

run_okra --vault "$V" scan --max-size 4096 "$M"
is "$RC" 0 "a scan that sealed every export file it recognised exits 0"
like "$OUT" "bundle 1 committed: 3 sealed" "three keys sealed as one bundle"
m=$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json)
is "$(jq -r '[.items[].source.path] | join(" ")' <<<"$m")" "a-key.pem a/modern.pfx b/deep/hidden.txt" \
   "in sorted path order, paths relative to the folder"
like "$OUT" "skipped +fake.pfx: not an export file" "a file that is no export file is skipped, with why"
like "$OUT" "skipped +empty.pfx: is empty" "an empty file is skipped"
like "$OUT" "skipped +link.pfx: a symbolic link \(not followed\)" "a link is not followed"
like "$OUT" "skipped +outside: a symbolic link" "nor a link to a folder"
like "$OUT" "skipped +fifo.pfx: a FIFO" "a FIFO is not opened"
like "$OUT" "deeper than 32" "the walk stops at 32 folders, saying so"
like "$OUT" "skipped +big.pfx: is larger than 4096 bytes" "--max-size skips larger files"

run_okra --vault "$V" scan "$M"
is "$RC" 0 "a second scan of the same medium exits 0"
like "$OUT" "nothing new to seal" "and commits nothing"
is "$(ls "$V/bundles" | wc -l)" 2 "no second bundle"

# inspection: passwords in sorted path order, one per password-protected file
test_vault "$TMP/v2"
printf 'pw-modern\npw-legacy\n' >"$TMP/pw"
run_okra --vault "$TMP/v2" --passphrase-file "$TMP/pw" scan --inspect "$M"
is "$RC" 0 "scan --inspect with the right passwords"
m=$(tar -xOf "$TMP/v2/bundles/00000001.tar" MANIFEST.json)
is "$(jq -r '[.items[].inspected] | join(",")' <<<"$m")" "true,true,true" "every item inspected"
is "$(jq -r '.items[2].cert.subject' <<<"$m")" "O=Okra Tests, CN=Test Officer" "the certificate's subject is recorded"
is "$(tar -tf "$TMP/v2/bundles/00000001.tar" | grep -c 'p12.age$')" 3 "each inspected item has its opened payload"

test_vault "$TMP/v3"
printf 'wrong\npw-legacy\n' >"$TMP/pw"
run_okra --vault "$TMP/v3" --passphrase-file "$TMP/pw" scan --inspect "$M"
is "$RC" 1 "a file that cannot be opened is still sealed by scan, and the exit status says not all were inspected"
like "$OUT" "sealed uninspected +a/modern.pfx" "uninspected, with a line saying why"
like "$OUT" "bundle 1 committed: 3 sealed \\(1 uninspected\\)" "it counts as sealed"
is "$(grep -c 'a/modern.pfx: wrong password' <<<"$ERR")" 1 "the summary on stderr names it and why"
like "$ERR" "not every file was inspected: 1 could not be opened" "and says not all were inspected"
is "$(tar -xOf "$TMP/v3/bundles/00000001.tar" MANIFEST.json | jq '[.items[] | select(.inspected)] | length')" 2 \
   "the others are inspected"

run_okra --vault "$V" scan "$TMP/k/legacy.pfx"
is "$RC" 1 "scan of a file (not a folder) fails"
like "$ERR" "legacy.pfx: is not a folder" "naming it"
done_testing
