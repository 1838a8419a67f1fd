#!/bin/bash
# Bulk recovery (a departed employee's keys, one medium's): ceremony recover chooses items with
# --subject, --path and --bundle beside the ITEMs named, lists them, asks for a yes at a terminal
# before any share is asked, and records them all in one recovery bundle; and recover with fewer
# shares than the set's threshold refuses before asking a passphrase.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

new_ceremony 3 2 "$TMP/vault" "$TMP/shares" --name alice --name bob --name carol || exit 1
make_keys "$TMP/k"
must_okra --vault "$V" --passphrase-file "$(pwfile pw-legacy pw-modern)" import --inspect "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx" >/dev/null
must_okra --vault "$V" import "$TMP/k/plain.pem" >/dev/null
list=$(must_okra --vault "$V" --json list)
idl=$(jq -r '.[] | select(.source.path | endswith("legacy.pfx")) | .id' <<<"$list")
idm=$(jq -r '.[] | select(.source.path | endswith("modern.pfx")) | .id' <<<"$list")
idp=$(jq -r '.[] | select(.source.path | endswith("plain.pem")) | .id' <<<"$list")

# ---- filters choose the items; all in one record ----
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o0" --subject "test officer" --path legacy
is "$RC" 0 "--subject and --path together choose the items that match both"
is "$(ls "$TMP/o0")" "$idl-legacy.pfx" "the one whose subject and path both match"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o1" --subject "TEST" "$idp"
is "$RC" 0 "--subject TEST and an ITEM named"
is "$(ls "$TMP/o1" | sort | tr '\n' ' ')" "$(printf '%s\n' "$idl-legacy.pfx" "$idm-modern.pfx" "$idp-plain.pem" | sort | tr '\n' ' ')" \
   "every item whose subject holds TEST (in any case), and the one named"
like "$ERR" "3 items to recover into [^ ]*/o1:" "the list comes first, on stderr"
like "$ERR" "$idl  pkcs12 +bundle 1 +O=Okra Tests, CN=Test Officer" "with each item's id, format, bundle and subject"
like "$ERR" "$idp  [^ ]+ +bundle 2 +[^ ]*plain.pem" "or its path when it has no certificate"
m=$(last_manifest)
is "$(jq -r .kind <<<"$m")" recovery "one recovery bundle"
is "$(jq -r '[.recovered[].id] | sort | join(" ")' <<<"$m")" "$(printf '%s\n' "$idl" "$idm" "$idp" | sort | tr '\n' ' ' | sed 's/ $//')" \
   "records them all"

run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o2" --bundle 2
is "$RC" 0 "--bundle 2"
is "$(ls "$TMP/o2")" "$idp-plain.pem" "the items sealed in bundle 2"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o3" --path "modern.pfx"
is "$(ls "$TMP/o3")" "$idm-modern.pfx" "--path modern.pfx"

before=$(vault_snapshot "$V")
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover \
  --share "${SHARE[1]}" --share "${SHARE[2]}" --out "$TMP/o4" --subject "nobody at all"
is "$RC" 1 "a filter that matches nothing fails"
like "$ERR" "no item matches --subject nobody at all; nothing was recovered and no share was asked for" "and says so"
run_okra --vault "$V" ceremony recover --share "${SHARE[1]}" --out "$TMP/o4" --bundle x
is "$RC" 2 "--bundle takes a number"

# ---- fewer shares than the threshold: refused before any passphrase ----
run_okra --vault "$V" --passphrase-file "$(pwfile)" ceremony recover --share "${SHARE[1]}" --out "$TMP/o5" "$idl"
is "$RC" 1 "one share of a 2-of-3 set is refused"
like "$ERR" "set [0-9]+ needs 2 shares; 1 given \\(1 more needed\\): .*share-1-of-3-alice.age; no passphrase was asked" \
   "before a passphrase is asked (the passphrase file has no line)"
is "$(vault_snapshot "$V")" "$before" "nothing was recorded"

# ---- at a terminal: the list, then a yes before any share ----
if command -v tmux >/dev/null; then
  SOCK=okra-t38-$$
  tm() { tmux -L "$SOCK" "$@"; }
  trap 'tm kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
  SLOW=1; [[ -n ${OKRA_WRAP:-} ]] && SLOW=10
  screen() { tm capture-pane -p -J -t t -S -1000; }
  wait_for() {
    local i
    for ((i = 0; i < 300 * SLOW; i++)); do
      screen 2>/dev/null | grep -qF -- "$1" && return 0
      sleep 0.1
    done
    echo "# no '$1' on the screen:"; screen 2>/dev/null | sed 's/^/#   /'; return 1
  }
  wait_rc() {
    local i
    for ((i = 0; i < 600 * SLOW; i++)); do
      [[ -s $TMP/rc ]] && { cat "$TMP/rc"; return 0; }
      sleep 0.1
    done
    echo "none"
  }
  run_tty() { # ANSWER: recover everything of bundle 1 at a terminal, answering ANSWER to the question
    local i
    rm -f "$TMP/rc"; tm kill-server 2>/dev/null
    # a server that is still going away may refuse once (as in t34)
    for ((i = 0; i < 50; i++)); do
      tm new-session -d -x 160 -y 50 -s t "${OKRA_WRAP:-} $OKRA --vault $V ceremony recover --share ${SHARE[1]} --share ${SHARE[2]} --out $TMP/tty --bundle 1 2>&1; echo \$? >$TMP/rc; sleep 600" 2>/dev/null && break
      sleep 0.1
    done
    wait_for "Type yes to go on, before any share is asked:"
    _result $? "at a terminal: the question, before any share is asked"
    screen | grep -qF "Passphrase for share file"
    _result $((!$?)) "no passphrase was asked before it"
    tm send-keys -t t -l -- "$1"; tm send-keys -t t Enter
  }
  run_tty no
  is "$(wait_rc)" 1 "a no ends the recovery"
  wait_for "not confirmed; nothing was recovered and no share was asked for"
  _result $? "saying so"
  ok "nothing was written" test ! -e "$TMP/tty"
  is "$(vault_snapshot "$V")" "$before" "nothing was recorded"
  run_tty yes
  wait_for "Passphrase for share file share-1-of-3-alice.age"
  _result $? "a yes: then the shares' passphrases"
  tm send-keys -t t -l -- pw-1; tm send-keys -t t Enter
  wait_for "Passphrase for share file share-2-of-3-bob.age"
  tm send-keys -t t -l -- pw-2; tm send-keys -t t Enter
  is "$(wait_rc)" 0 "and the items of bundle 1 are recovered"
  is "$(ls "$TMP/tty" | wc -l)" 2 "both of them"
  tm kill-server 2>/dev/null
else
  skip "tmux is not installed: the confirmation at a terminal is not tested"
fi

done_testing
