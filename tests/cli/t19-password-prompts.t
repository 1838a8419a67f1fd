#!/bin/bash
# Export passwords at a terminal (through tmux) and from a passphrase file: each prompt counts the
# files ("2 of 3"); --same-password asks once and uses that answer for every file, only when asked
# for, with a passphrase file too; a file it does not open is named as with a wrong password.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/terminal.sh"
D=$TMP/dept; mkdir -p "$D/m/sub"
( cd "$D"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.key -out k.crt -subj "/CN=Dept One/O=Okra Tests" -days 30 2>/dev/null
  for n in a b; do openssl pkcs12 -export -in k.crt -inkey k.key -name "$n" -out "m/$n.pfx" -passout pass:Dept-PW-1; done
  openssl pkcs12 -export -in k.crt -inkey k.key -name c -out m/sub/c.pfx -passout pass:Dept-PW-1
  openssl pkcs12 -export -in k.crt -inkey k.key -name other -out m/sub/d-other.pfx -passout pass:Other-PW-2
  openssl pkcs8 -topk8 -nocrypt -in k.key -out m/plain.pem ) || fatal "openssl could not make the files"
inspected() { must_okra --vault "$1" --json list | jq -r '[.[] | select(.inspected)] | length'; }

# ---- usage ----
test_vault "$TMP/v0"
run_okra --vault "$TMP/v0" scan --same-password "$D/m"
is "$RC" 2 "--same-password without --inspect is a usage error"
like "$ERR" "^okra: scan: --same-password goes with --inspect" "and says why"

# ---- a passphrase file: one line per file, or one line for all ----
test_vault "$TMP/v1"
printf 'Dept-PW-1\n' >"$TMP/one"
run_okra --vault "$TMP/v1" --passphrase-file "$TMP/one" scan --inspect --same-password "$D/m"
is "$RC" 1 "scan --inspect --same-password with a passphrase file of one line (exit 1: one file not opened)"
is "$(inspected "$TMP/v1")" 4 "the one line opened the three files it is the password of (and the plain key)"
like "$OUT" "sealed uninspected  sub/d-other.pfx  as [0-9a-f]{16}: wrong password \\(the MAC does not verify\\), with the password given for every file \\(--same-password\\); sealed uninspected" \
   "the file it does not open is sealed uninspected, the reason naming --same-password"
test_vault "$TMP/v2"
run_okra --vault "$TMP/v2" --passphrase-file "$TMP/one" scan --inspect "$D/m"
is "$RC" 1 "without --same-password the one line is for the first file only"
like "$ERR" "has no line for: Export password for b.pfx \\(pkcs12\\)" "and the second file finds no line"
test_vault "$TMP/v3"
run_okra --vault "$TMP/v3" --passphrase-file "$TMP/one" import --inspect --same-password "$D/m/a.pfx" "$D/m/b.pfx" "$D/m/sub/c.pfx"
is "$RC" 0 "import --inspect --same-password: one line for three files"
is "$(inspected "$TMP/v3")" 3 "all three inspected"

# ---- at a terminal ----
if ! term_ready; then skip "tmux is not installed"; done_testing; fi
OK="${OKRA_WRAP:-} $OKRA"
test_vault "$TMP/v4"
term_start "$OK --vault $TMP/v4 import --inspect $D/m/a.pfx $D/m/plain.pem $D/m/b.pfx $D/m/sub/d-other.pfx"
term_wait_for "Export password for $D/m/a.pfx (pkcs12), 1 of 3: "
_result $? "the first prompt counts the files that ask a password: 1 of 3"
term_answer "Dept-PW-1"
term_wait_for "Export password for $D/m/b.pfx (pkcs12), 2 of 3: "
_result $? "2 of 3 (the plain key asks nothing)"
term_answer "Dept-PW-1"
term_wait_for "Export password for $D/m/sub/d-other.pfx (pkcs12), 3 of 3: "
_result $? "3 of 3"
term_answer "Other-PW-2"
is "$(term_wait_done)" 0 "the import succeeds"
is "$(inspected "$TMP/v4")" 4 "every file inspected"

test_vault "$TMP/v5"
term_start "$OK --vault $TMP/v5 scan --inspect --same-password $D/m"
term_wait_for "Export password for a.pfx (pkcs12), 1 of 4, to be used for every file (--same-password): "
_result $? "scan --same-password: one prompt, which says the answer goes to every file"
term_answer "Dept-PW-1"
term_wait_for "the password given for every file does not open sub/d-other.pfx; its own, please (3 tries)"
_result $? "a file it does not open is named, at the terminal"
term_wait_for "Export password for sub/d-other.pfx (pkcs12), 4 of 4, its own (the password given for every file does not open it): "
_result $? "and its own password is asked"
term_answer "Other-PW-2"
is "$(term_wait_done)" 0 "the scan succeeds"
is "$(term_screen | grep -c 'Export password')" 2 "no other prompt: the three files under the shared password asked nothing"
is "$(inspected "$TMP/v5")" 5 "every file opened (and the plain key)"
is "$(term_screen | grep -c 'Dept-PW')" 0 "the password was never echoed"

# ---- three tries a file at a terminal ----
test_vault "$TMP/v6"
term_start "$OK --vault $TMP/v6 import --inspect $D/m/a.pfx $D/m/sub/d-other.pfx"
term_wait_for "Export password for $D/m/a.pfx (pkcs12), 1 of 2: "; term_answer "Typo-1"
term_wait_for "that password does not open $D/m/a.pfx (wrong password (the MAC does not verify)); 2 tries left"
_result $? "a wrong password is named at once, with the tries left"
term_wait_for "Export password for $D/m/a.pfx (pkcs12), 1 of 2: " 2; term_answer "Dept-PW-1"
_result $? "and the same file is asked again"
term_wait_for "Export password for $D/m/sub/d-other.pfx (pkcs12), 2 of 2: "; term_answer "Other-PW-2"
is "$(term_wait_done)" 0 "one typo no longer refuses the import"
is "$(inspected "$TMP/v6")" 2 "both files inspected"

test_vault "$TMP/v7"
term_start "$OK --vault $TMP/v7 scan --inspect $D/m"
term_wait_for "Export password for a.pfx (pkcs12), 1 of 4: "; term_answer "Dept-PW-1"
term_wait_for "Export password for b.pfx (pkcs12), 2 of 4: "; term_answer "Dept-PW-1"
term_wait_for "Export password for sub/c.pfx (pkcs12), 3 of 4: "; term_answer "Dept-PW-1"
for try in 1 2 3; do
  term_wait_for "Export password for sub/d-other.pfx (pkcs12), 4 of 4: " "$try"; term_answer "Not-It-$try"
done
term_wait_for "1 try left"
_result $? "the tries left count down"
is "$(term_wait_done)" 1 "after three wrong tries the scan goes on, and its exit status says not all were inspected"
like "$(cat "$TMP/stdout")" "sealed uninspected  sub/d-other.pfx  as [0-9a-f]{16}: wrong password \\(the MAC does not verify\\), after 3 tries; sealed uninspected" \
   "the file is sealed uninspected after three tries, saying so"
like "$(term_screen)" "okra: sub/d-other.pfx: wrong password .*after 3 tries" "the summary on the terminal names it"
is "$(term_screen | grep -c 'Not-It')" 0 "no try was echoed"
done_testing
