#!/bin/bash
# "sealed" is said only of what a committed bundle holds: each file's line is printed after the
# commit; a refused import says, in its JSON too, what would have been sealed and that nothing was;
# SIGTERM or SIGINT in the middle of a scan or an import prints one line, "interrupted: nothing was
# sealed", and leaves the vault as it was. No progress line on a pipe unless asked for.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/slowdisk.sh"
test_vault; make_keys "$TMP/k"
openssl genpkey -algorithm ed25519 -out "$TMP/new1.key" 2>/dev/null
echo "meeting notes" >"$TMP/notes.txt"
before=$(vault_snapshot "$V")

# ---- a refused import, in JSON ----
run_okra --vault "$V" --json import "$TMP/new1.key" "$TMP/notes.txt"
is "$RC" 1 "import of a key and a non-export file is refused"
is "$(jq -r '[.committed, .bundle, .sealed, .would_seal, .failed] | map(tostring) | join(" ")' <<<"$OUT")" \
   "false null 0 1 1" "the JSON says nothing was committed or sealed, and that one file would have been"
is "$(jq -r '.files | map(.status) | join(" ")' <<<"$OUT")" "would-seal failed" \
   "the key's status is would-seal, never sealed"
is "$(jq -r '.files[0].id' <<<"$OUT")" "$(sha256sum <"$TMP/new1.key" | cut -c1-16)" "with the id it would have had"
is "$(jq -r .error <<<"$OUT")" "1 of 2 files cannot be sealed; nothing was sealed" "and why nothing was"
is "$(grep -c '"sealed"' <<<"$OUT")" 1 "the word sealed appears only as the count, 0"

# ---- the same, for a person ----
run_okra --vault "$V" import "$TMP/new1.key" "$TMP/notes.txt"
is "$RC" 1 "refused again"
is "$OUT" "" "no line on stdout: nothing was sealed"
is "$ERR" "okra: $TMP/notes.txt: not an export file (no PKCS #12, PEM or DER key structure)
okra: 1 of 2 files cannot be sealed; nothing was sealed (1 other file would have been)" \
   "stderr names the bad file, says nothing was sealed and what would have been"
is "$(vault_snapshot "$V")" "$before" "the vault is unchanged"

# ---- a committed run: the lines, then the bundle; no progress line on a pipe ----
mkdir -p "$TMP/m1"; cp "$TMP/new1.key" "$TMP/notes.txt" "$TMP/m1/"
run_okra --vault "$V" --json scan "$TMP/m1"
is "$(jq -r '[.committed, .bundle, .sealed] | map(tostring) | join(" ")' <<<"$OUT")" "true 1 1" "a committed scan's JSON"
is "$(jq -r '.files | map(.status) | join(" ")' <<<"$OUT")" "sealed skipped" "says sealed for the committed file"
run_okra --vault "$V" scan "$TMP/m1"
is "$(grep -c 'files/s' <<<"$ERR")" 0 "no progress line when stderr is not a terminal"
before=$(vault_snapshot "$V")

# ---- interrupted in the middle ----
if ! slowdisk_build; then
  $SLOWDISK_SKIP "$SLOWDISK_WHY"; done_testing
fi
M=$TMP/medium; mkdir -p "$M"
for i in $(seq -w 1 40); do openssl genpkey -algorithm ed25519 -out "$M/key$i.pem" 2>/dev/null; done
cp "$TMP/k/legacy.pfx" "$M/"

# interrupt SIG ARGS...: runs okra ARGS on the slow disk with --progress, and sends SIG once the
# progress line shows it is under way; sets RC, OUT and ERR
interrupt() {
  local sig=$1 i; shift
  : >"$TMP/.err"
  slowdisk_env "$M" 60
  env "${SLOWDISK_ENV[@]}" "$OKRA" --vault "$V" "$@" >"$TMP/.out" 2>"$TMP/.err" & local pid=$!
  for ((i = 0; i < 600; i++)); do
    grep -q "files/s" "$TMP/.err" && break
    sleep 0.05
  done
  kill -"$sig" "$pid"; wait "$pid"; RC=$?
  OUT=$(cat "$TMP/.out"); ERR=$(cat "$TMP/.err")
}
interrupt TERM scan --progress "$M"
is "$RC" 143 "a scan stopped by SIGTERM dies of it (128 + 15)"
like "$ERR" "^scan: [0-9]+ files, [0-9]+ staged, 0 already sealed, 0 skipped, [0-9]+ files/s" \
   "the progress line (asked for on a pipe) says staged, not sealed"
is "$(tail -n1 <<<"$ERR")" "okra: interrupted: nothing was sealed" "one line says nothing was sealed"
is "$(grep -vc '^scan: ' <<<"$ERR")" 1 "and it is the only line besides the progress"
is "$OUT" "" "no file's line on stdout: none was sealed"
is "$(vault_snapshot "$V")" "$before" "the vault is as it was"
is "$(ls -A "$V/tmp")" "" "nothing staged is left in the vault's tmp/"

interrupt INT --json scan --progress "$M"
is "$RC" 130 "a scan stopped by SIGINT dies of it (128 + 2)"
is "$(jq -r '[.committed, .sealed, .interrupted, .error] | map(tostring) | join(" ")' <<<"$OUT")" \
   "false 0 true interrupted: nothing was sealed" "--json says so too"
is "$(jq -r '[.files[].status] | unique | join(" ")' <<<"$OUT")" "would-seal" "and no file is said sealed"
is "$(vault_snapshot "$V")" "$before" "the vault is as it was"

interrupt TERM import --progress "$M"/key*.pem
is "$RC" 143 "an import stopped by SIGTERM"
is "$(tail -n1 <<<"$ERR")" "okra: interrupted: nothing was sealed" "says nothing was sealed"
like "$ERR" "^import: [0-9]+ of 40 files" "its progress line counts against the files named"
is "$OUT" "" "no line on stdout"
is "$(vault_snapshot "$V")" "$before" "the vault is as it was"

run_okra --vault "$V" verify
is "$RC" 0 "the vault verifies"
run_okra --vault "$V" scan "$M"
is "$RC" 0 "and the next scan seals the medium"
like "$(tail -n1 <<<"$OUT")" "^bundle 2 committed: 41 sealed\$" "all of it"
is "$(grep -c '^sealed ' <<<"$OUT")" 41 "with a line per file"
done_testing
