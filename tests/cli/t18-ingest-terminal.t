#!/bin/bash
# scan, import, verify and reindex at a terminal (driven through tmux): a progress line on stderr
# while they work (files read, staged, skipped, rate; time left where the total is known), erased
# at the end; --quiet silences it; Ctrl-C in the middle of a scan, or at an export-password prompt,
# prints one line, "interrupted: nothing was sealed", and leaves the vault as it was.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/terminal.sh"
source "$TESTS_LIB/slowdisk.sh"
term_ready || { skip "tmux is not installed"; done_testing; }
slowdisk_build || { $SLOWDISK_SKIP "$SLOWDISK_WHY"; done_testing; }
make_keys "$TMP/k"
M=$TMP/medium; mkdir -p "$M/keys"
for i in $(seq -w 1 30); do openssl genpkey -algorithm ed25519 -out "$M/keys/key$i.pem" 2>/dev/null; done
cp "$TMP/k/legacy.pfx" "$M/"; echo "notes" >"$M/readme.txt"
# slow ARGS...: the shell words that run okra with each open beneath DIR late
slow() { local dir=$1 ms=$2; shift 2; slowdisk_env "$dir" "$ms"; printf '%q ' env "${SLOWDISK_ENV[@]}" "$OKRA" "$@"; }

# ---- scan: the progress line while it works, erased at the end ----
test_vault "$TMP/v1"
term_start "$(slow "$M" 60 --vault "$TMP/v1" scan "$M")"
term_wait_for "files/s"
_result $? "scan shows a progress line on the terminal"
like "$(term_screen)" "scan: [0-9]+ files, [0-9]+ staged, 0 already sealed, [0-9]+ skipped, [0-9]+ files/s" \
   "it counts files read, staged, already sealed, skipped, and the rate"
is "$(term_wait_done)" 0 "the scan succeeds"
is "$(term_screen | grep -c 'files/s')" 0 "the progress line is erased at the end"
is "$(grep -c '^sealed ' "$TMP/stdout")" 31 "every file's line went to stdout"
like "$(tail -n1 "$TMP/stdout")" "^bundle 1 committed: 31 sealed, 1 skipped\$" "after the commit"

# ---- import: the total is known, so the time left is shown ----
test_vault "$TMP/v2"
term_start "$(slow "$M" 100 --vault "$TMP/v2" import "$M"/keys/*.pem)"
term_wait_for "left"
like "$(term_screen)" "import: [0-9]+ of 30 files, .*[0-9]+ files/s, about [0-9]+ (s|min) left" \
   "import counts against the files named and says the time left"
is "$(term_wait_done)" 0 "the import succeeds"

# ---- --quiet ----
test_vault "$TMP/v3"
term_start "$(slow "$M" 60 --vault "$TMP/v3" scan --quiet "$M")"
is "$(term_watch 'files/s')" "" "scan --quiet shows no progress line all along"
is "$(term_wait_done)" 0 "and succeeds"

# ---- Ctrl-C in the middle of a scan ----
test_vault "$TMP/v4"; before=$(vault_snapshot "$TMP/v4")
term_start "$(slow "$M" 60 --vault "$TMP/v4" scan "$M")"
term_wait_for "files/s"; term_key C-c
is "$(term_wait_done)" 130 "Ctrl-C stops the scan (it dies of SIGINT)"
is "$(term_screen | grep -v '^$')" "okra: interrupted: nothing was sealed" "one line on the terminal says nothing was sealed"
is "$(cat "$TMP/stdout")" "" "no file's line: none was sealed"
is "$(vault_snapshot "$TMP/v4")" "$before" "the vault is as it was"
is "$(ls -A "$TMP/v4/tmp")" "" "nothing staged is left"

# ---- Ctrl-C at an export-password prompt ----
term_start "${OKRA_WRAP:-} $OKRA --vault $TMP/v4 import --inspect $TMP/k/plain.pem $TMP/k/legacy.pfx"
term_wait_for "Export password for $TMP/k/legacy.pfx (pkcs12): "; term_key C-c
is "$(term_wait_done)" 130 "Ctrl-C at the prompt stops the import"
like "$(term_screen)" "okra: interrupted: nothing was sealed" "with the one line"
is "$(term_screen | grep -c 'password given\|cannot be sealed')" 0 "and no other complaint"
is "$(vault_snapshot "$TMP/v4")" "$before" "the vault is as it was"

# ---- verify and reindex ----
V=$TMP/v1
for i in $(seq 1 12); do
  openssl genpkey -algorithm ed25519 -out "$TMP/more$i.pem" 2>/dev/null
  must_okra --vault "$V" import "$TMP/more$i.pem" >/dev/null
done
term_start "$(slow "$V/bundles" 150 --vault "$V" verify)"
term_wait_for "bundles/s"
like "$(term_screen)" "verify: [0-9]+ of 14 bundles, [0-9]+ bundles/s" "verify shows bundles checked of the total"
is "$(term_wait_done)" 0 "verify succeeds"
is "$(term_screen | grep -c 'bundles/s')" 0 "and its progress line is gone"
like "$(cat "$TMP/stdout")" "^14 bundles verified" "its summary on stdout"
term_start "$(slow "$V/bundles" 150 --vault "$V" reindex)"
term_wait_for "bundles/s"
like "$(term_screen)" "reindex: [0-9]+ of 14 bundles, [0-9]+ bundles/s" "reindex shows its progress"
is "$(term_wait_done)" 0 "reindex succeeds"
term_start "$(slow "$V/bundles" 150 --vault "$V" verify --quiet)"
is "$(term_watch 'bundles/s')" "" "verify --quiet shows none"
is "$(term_wait_done)" 0 "and succeeds"
done_testing
