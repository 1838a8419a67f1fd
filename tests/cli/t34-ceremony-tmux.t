#!/bin/bash
# The ceremonies as people run them, at a terminal (driven through tmux): the prompts name the custodian
# or the share file, passphrases are never echoed, new ones are asked twice, the roll call gives three
# tries and undoes the ceremony when a custodian cannot open their file, --show-mnemonic shows the words
# and clears them, and stock age opens a share file with the custodian's passphrase.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"
source "$TESTS_LIB/terminal.sh"

term_ready || { skip "tmux is not installed"; done_testing; }

# after Ctrl-C: until okra has gone (the shell around it may go with it, and its session)
wait_gone() {
  local i
  for ((i = 0; i < 300 * TERM_SLOW; i++)); do
    { [[ -s $TMP/rc ]] || ! _tm has-session -t t 2>/dev/null; } && return 0
    sleep 0.1
  done
  echo "# okra is still running after Ctrl-C:"; term_screen 2>/dev/null | sed 's/^/#   /'; return 1
}
# reach TEXT [N]: wait_for, remembering a prompt that never came; reached WHAT then fails
# unless every one since the last reached came (so a step cannot pass without its prompts)
MISSED=
reach() { term_wait_for "$@" || MISSED+="${MISSED:+, }'$1'"; }
reached() { is "$MISSED" "" "$1: every prompt came"; MISSED=; }
OK="${OKRA_WRAP:-} $OKRA"

# ---- init at a terminal ----
term_start "$OK --vault $TMP/vault ceremony init --custodians 2 --threshold 2 --share-dir $TMP/shares --name alice --name bob --work-factor $WF"
reach "Passphrase for custodian 1 (alice): "; term_answer "Tmux-Secret-Alice-7"
reach "Again, to confirm: "; term_answer "Tmux-Secret-Alice-7"
reach "Passphrase for custodian 2 (bob): "; term_answer "Tmux-Secret-Bob-8"
reach "Again, to confirm: " 2; term_answer "Not-The-Same"
term_wait_for "They differ; once more."
_result $? "two entries that differ are asked again"
reach "Passphrase for custodian 2 (bob): " 2; term_answer "Tmux-Secret-Bob-8"
reach "Again, to confirm: " 3; term_answer "Tmux-Secret-Bob-8"
term_wait_for "Roll call: custodian 1 (alice), open share-1-of-2-alice.age with your passphrase: "
_result $? "the roll call asks each custodian by name to open their own file"
term_answer "Tmux-Secret-Bob-8"
term_wait_for "that passphrase does not open share-1-of-2-alice.age; 2 tries left"
_result $? "a wrong roll-call passphrase gets another try"
reach "open share-1-of-2-alice.age with your passphrase: " 2; term_answer "Tmux-Secret-Alice-7"
reach "Roll call: custodian 2 (bob), open share-2-of-2-bob.age with your passphrase: "; term_answer "Tmux-Secret-Bob-8"
reached "init at a terminal"
is "$(term_wait_done)" 0 "init at a terminal succeeds"
s=$(term_screen)
is "$(grep -c -e Tmux-Secret -e Not-The-Same <<<"$s")" 0 "no passphrase was echoed to the screen"
like "$(cat "$TMP/stdout")" "okra-checkpoint: 1" "the transcript went to stdout"
is "$(ls "$TMP/shares" | wc -l)" 2 "two share files"
V=$TMP/vault

# ---- keys typed ahead during the scrypt pause are neither shown nor taken ----
term_start "$OK --vault $TMP/vault-ahead ceremony init --custodians 1 --threshold 1 --name dora --share-dir $TMP/shares-ahead --work-factor 16"
reach "Passphrase for custodian 1 (dora): "; term_answer "Ahead-Secret-1"
reach "Again, to confirm: "; term_answer "Ahead-Secret-1"
_tm send-keys -t t -l -- "Typed-Ahead-Next"
term_wait_for "writing 1 share file "
_result $? "a line says the share files are being written during the pause"
reach "Roll call: custodian 1 (dora), open share-1-of-1-dora.age with your passphrase: "; term_answer "Ahead-Secret-1"
reached "type-ahead"
is "$(term_wait_done)" 0 "the roll call took only what was typed after its question"
is "$(term_screen | grep -c -e Typed-Ahead -e Ahead-Secret)" 0 "type-ahead during the pause was not echoed"

# ---- stock age opens a share file with the custodian's passphrase ----
if command -v age >/dev/null; then
  term_start "age -d -o $TMP/alice.txt $TMP/shares/share-1-of-2-alice.age"
  reach "passphrase"; term_answer "Tmux-Secret-Alice-7"
  reached "stock age"
  is "$(term_wait_done)" 0 "stock age -d opens alice's share file"
  like "$(cat "$TMP/alice.txt" 2>/dev/null)" "custodian: alice"$'\n'"share: 1 of 2, threshold 2"$'\n'"mnemonic: " "and finds her share in it"
else
  skip "stock age is not installed"; skip "stock age is not installed"; skip "stock age is not installed"
fi

# ---- recover at a terminal, with a new export password asked twice ----
make_keys "$TMP/k"
must_okra --vault "$V" --passphrase-file "$(pwfile pw-modern)" import --inspect "$TMP/k/modern.pfx" >/dev/null
id=$(must_okra --vault "$V" --json list | jq -r '.[0].id')
term_start "$OK --vault $V ceremony recover --share $TMP/shares/share-2-of-2-bob.age --share $TMP/shares/share-1-of-2-alice.age --out $TMP/out --repassword $id"
term_wait_for "Passphrase for share file share-2-of-2-bob.age: "
_result $? "recover asks the first share's passphrase, naming the file"
term_answer "Tmux-Secret-Alice-7"
term_wait_for "that passphrase does not open it; 2 tries left"
_result $? "a wrong share passphrase gets another try"
reach "Passphrase for share file share-2-of-2-bob.age: " 2; term_answer "Tmux-Secret-Bob-8"
reach "Passphrase for share file share-1-of-2-alice.age: "; term_answer "Tmux-Secret-Alice-7"
reach "New export password for $id.pfx: "; term_answer "Fresh-Pfx-Pw-9"
reach "Again, to confirm: "; term_answer "Fresh-Pfx-Pw-9"
reached "recover at a terminal"
is "$(term_wait_done)" 0 "recover at a terminal succeeds"
is "$(term_screen | grep -c -e Tmux-Secret -e Fresh-Pfx)" 0 "no passphrase or password was echoed"
ok "the new PKCS #12 opens with the new password" openssl pkcs12 -in "$TMP/out/$id.pfx" -passin pass:Fresh-Pfx-Pw-9 -noout

# ---- Ctrl-C in the middle: nothing staged is left behind ----
must_okra --vault "$V" import "$TMP/k/plain.pem" >/dev/null
id2=$(must_okra --vault "$V" --json list | jq -r '.[] | select(.source.path | endswith("plain.pem")) | .id')
nb=$(ls "$V/bundles" | wc -l)
term_start "$OK --vault $V ceremony recover --share $TMP/shares/share-1-of-2-alice.age --share $TMP/shares/share-2-of-2-bob.age --out $TMP/int --repassword $id $id2"
# two items: listed, and a yes first (tests/cli/t38-bulk-recovery.t)
reach "Recover these 2 items? Type yes to go on, before any share is asked: "; term_answer "yes"
reach "Passphrase for share file share-1-of-2-alice.age: "; term_answer "Tmux-Secret-Alice-7"
reach "Passphrase for share file share-2-of-2-bob.age: "; term_answer "Tmux-Secret-Bob-8"
reach "New export password for $id.pfx: "; term_answer "P1"
reach "Again, to confirm: "; term_answer "P1"
reach "New export password for $id2.pfx: "
reached "recover up to the second new password"
term_key C-c
wait_gone
_result $? "Ctrl-C at the second new password ends okra"
is "$(ls -A "$TMP/int" 2>/dev/null | wc -l)" 0 "Ctrl-C at a prompt leaves no recovered file, staged or not"
is "$(ls "$V/bundles" | wc -l)" "$nb" "and no recovery record"
term_start "$OK --vault $TMP/vi ceremony init --custodians 2 --threshold 1 --share-dir $TMP/si --work-factor $WF"
reach "Passphrase for custodian 1: "; term_answer "One-1"
reach "Again, to confirm: "; term_answer "One-1"
reach "Passphrase for custodian 2: "; term_answer "Two-2"
reach "Again, to confirm: " 2; term_answer "Two-2"
reach "Roll call: custodian 1"
reached "init up to the roll call"
term_key C-c
wait_gone
_result $? "Ctrl-C at the roll call ends okra"
is "$(ls -A "$TMP/si" 2>/dev/null | wc -l)" 0 "Ctrl-C at the roll call removes the new share files"
ok "and no vault appears" test ! -e "$TMP/vi"

# ---- a custodian who cannot open their file: the ceremony is undone ----
term_start "$OK --vault $TMP/v2 ceremony init --custodians 2 --threshold 1 --share-dir $TMP/s2 --work-factor $WF"
reach "Passphrase for custodian 1: "; term_answer "One-1"
reach "Again, to confirm: "; term_answer "One-1"
reach "Passphrase for custodian 2: "; term_answer "Two-2"
reach "Again, to confirm: " 2; term_answer "Two-2"
reach "Roll call: custodian 1, open share-1-of-2-custodian_1.age"; term_answer "One-1"
reach "Roll call: custodian 2, open share-2-of-2-custodian_2.age"; term_answer "x"
reach "2 tries left"; term_answer "y"
reach "1 try left"; term_answer "z"
reached "a roll call with three wrong tries"
is "$(term_wait_done)" 1 "three failed tries end the ceremony"
like "$(term_screen)" "custodian 2 could not open share-2-of-2-custodian_2.age" "naming the custodian"
ok "no vault was created" test ! -e "$TMP/v2"
ok "and the share files were removed" test ! -e "$TMP/s2"
is "$(ls -a "$TMP" | grep -c '^\.okra-new')" 0 "no staging folder is left"

# ---- --show-mnemonic: the words for a paper backup, then a clear screen ----
term_start "$OK --vault $TMP/v3 ceremony init --custodians 1 --threshold 1 --share-dir $TMP/s3 --work-factor $WF --show-mnemonic"
reach "Passphrase for custodian 1: "; term_answer "Only-1"
reach "Again, to confirm: "; term_answer "Only-1"
reach "Roll call: custodian 1"; term_answer "Only-1"
reach "the words of your share, for a paper backup"
words=$(share_mnemonic "$TMP/s3/share-1-of-1-custodian_1.age" Only-1)
first=$(cut -d' ' -f1 <<<"$words"); last=$(awk '{print $NF}' <<<"$words")
reached "--show-mnemonic"
like "$(term_screen)" " 1 $first .* 33 $last" "--show-mnemonic shows the 33 numbered words"
term_answer ""
is "$(term_wait_done)" 0 "the ceremony ends after Enter"
_tm clear-history -t t
is "$(_tm capture-pane -p -t t | grep -c "1 $first ")" 0 "and the words are gone from the screen"

done_testing
