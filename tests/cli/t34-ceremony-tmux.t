#!/bin/bash
# The ceremonies as people run them, at a terminal (driven through tmux): the prompts name the custodian
# or the share file, passphrases are never echoed, new ones are asked twice, the roll call gives three
# tries and undoes the ceremony when a custodian cannot open their file, --show-mnemonic shows the words
# and clears them, and stock age opens a share file with the custodian's passphrase.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

command -v tmux >/dev/null || { skip "tmux is not installed"; done_testing; }
SOCK=okra-t34-$$
tm() { tmux -L "$SOCK" "$@"; }
trap 'tm kill-server 2>/dev/null; rm -rf "$TMP"' EXIT
SLOW=1; [[ -n ${OKRA_WRAP:-} ]] && SLOW=10

# start CMD: runs CMD (stdout to $TMP/stdout) in a fresh 160x50 terminal; its status goes to $TMP/rc.
start() {
  local i
  tm kill-server 2>/dev/null; rm -f "$TMP/rc" "$TMP/stdout"
  # a server that is still going away (after Ctrl-C ended the last session) may refuse once
  for ((i = 0; i < 50; i++)); do
    tm new-session -d -x 160 -y 50 -s t "$* >$TMP/stdout; echo \$? >$TMP/rc; sleep 600" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "# tmux cannot start a session"
}
screen() { tm capture-pane -p -J -t t -S -1000; }
# wait_for TEXT [N]: until TEXT has appeared N times (default 1) on the screen.
wait_for() {
  local i n=${2:-1}
  for ((i = 0; i < 300 * SLOW; i++)); do
    (( $(screen 2>/dev/null | grep -cF -- "$1") >= n )) && return 0
    tm has-session -t t 2>/dev/null || break
    sleep 0.1
  done
  echo "# no '$1' (x$n) on the screen:"; screen 2>/dev/null | sed 's/^/#   /'; return 1
}
# answer TEXT: types TEXT and Enter.
answer() { tm send-keys -t t -l -- "$1"; tm send-keys -t t Enter; }
wait_done() {
  local i
  for ((i = 0; i < 600 * SLOW; i++)); do
    [[ -s $TMP/rc ]] && { cat "$TMP/rc"; return 0; }
    tm has-session -t t 2>/dev/null || break
    sleep 0.1
  done
  echo "no exit status"
}
# after Ctrl-C: until okra has gone (the shell around it may go with it, and its session)
wait_gone() {
  local i
  for ((i = 0; i < 300 * SLOW; i++)); do
    { [[ -s $TMP/rc ]] || ! tm has-session -t t 2>/dev/null; } && return 0
    sleep 0.1
  done
  echo "# okra is still running after Ctrl-C:"; screen 2>/dev/null | sed 's/^/#   /'; return 1
}
# reach TEXT [N]: wait_for, remembering a prompt that never came; reached WHAT then fails
# unless every one since the last reached came (so a step cannot pass without its prompts)
MISSED=
reach() { wait_for "$@" || MISSED+="${MISSED:+, }'$1'"; }
reached() { is "$MISSED" "" "$1: every prompt came"; MISSED=; }
OK="${OKRA_WRAP:-} $OKRA"

# ---- init at a terminal ----
start "$OK --vault $TMP/vault ceremony init --custodians 2 --threshold 2 --share-dir $TMP/shares --name alice --name bob --work-factor $WF"
reach "Passphrase for custodian 1 (alice): "; answer "Tmux-Secret-Alice-7"
reach "Again, to confirm: "; answer "Tmux-Secret-Alice-7"
reach "Passphrase for custodian 2 (bob): "; answer "Tmux-Secret-Bob-8"
reach "Again, to confirm: " 2; answer "Not-The-Same"
wait_for "They differ; once more."
_result $? "two entries that differ are asked again"
reach "Passphrase for custodian 2 (bob): " 2; answer "Tmux-Secret-Bob-8"
reach "Again, to confirm: " 3; answer "Tmux-Secret-Bob-8"
wait_for "Roll call: custodian 1 (alice), open share-1-of-2-alice.age with your passphrase: "
_result $? "the roll call asks each custodian by name to open their own file"
answer "Tmux-Secret-Bob-8"
wait_for "that passphrase does not open share-1-of-2-alice.age; 2 tries left"
_result $? "a wrong roll-call passphrase gets another try"
reach "open share-1-of-2-alice.age with your passphrase: " 2; answer "Tmux-Secret-Alice-7"
reach "Roll call: custodian 2 (bob), open share-2-of-2-bob.age with your passphrase: "; answer "Tmux-Secret-Bob-8"
reached "init at a terminal"
is "$(wait_done)" 0 "init at a terminal succeeds"
s=$(screen)
is "$(grep -c -e Tmux-Secret -e Not-The-Same <<<"$s")" 0 "no passphrase was echoed to the screen"
like "$(cat "$TMP/stdout")" "okra-checkpoint: 1" "the transcript went to stdout"
is "$(ls "$TMP/shares" | wc -l)" 2 "two share files"
V=$TMP/vault

# ---- keys typed ahead during the scrypt pause are neither shown nor taken ----
start "$OK --vault $TMP/vault-ahead ceremony init --custodians 1 --threshold 1 --name dora --share-dir $TMP/shares-ahead --work-factor 16"
reach "Passphrase for custodian 1 (dora): "; answer "Ahead-Secret-1"
reach "Again, to confirm: "; answer "Ahead-Secret-1"
tm send-keys -t t -l -- "Typed-Ahead-Next"
wait_for "writing 1 share file "
_result $? "a line says the share files are being written during the pause"
reach "Roll call: custodian 1 (dora), open share-1-of-1-dora.age with your passphrase: "; answer "Ahead-Secret-1"
reached "type-ahead"
is "$(wait_done)" 0 "the roll call took only what was typed after its question"
is "$(screen | grep -c -e Typed-Ahead -e Ahead-Secret)" 0 "type-ahead during the pause was not echoed"

# ---- stock age opens a share file with the custodian's passphrase ----
if command -v age >/dev/null; then
  start "age -d -o $TMP/alice.txt $TMP/shares/share-1-of-2-alice.age"
  reach "passphrase"; answer "Tmux-Secret-Alice-7"
  reached "stock age"
  is "$(wait_done)" 0 "stock age -d opens alice's share file"
  like "$(cat "$TMP/alice.txt" 2>/dev/null)" "custodian: alice"$'\n'"share: 1 of 2, threshold 2"$'\n'"mnemonic: " "and finds her share in it"
else
  skip "stock age is not installed"; skip "stock age is not installed"; skip "stock age is not installed"
fi

# ---- recover at a terminal, with a new export password asked twice ----
make_keys "$TMP/k"
must_okra --vault "$V" --passphrase-file "$(pwfile pw-modern)" import --inspect "$TMP/k/modern.pfx" >/dev/null
id=$(must_okra --vault "$V" --json list | jq -r '.[0].id')
start "$OK --vault $V ceremony recover --share $TMP/shares/share-2-of-2-bob.age --share $TMP/shares/share-1-of-2-alice.age --out $TMP/out --repassword $id"
wait_for "Passphrase for share file share-2-of-2-bob.age: "
_result $? "recover asks the first share's passphrase, naming the file"
answer "Tmux-Secret-Alice-7"
wait_for "that passphrase does not open it; 2 tries left"
_result $? "a wrong share passphrase gets another try"
reach "Passphrase for share file share-2-of-2-bob.age: " 2; answer "Tmux-Secret-Bob-8"
reach "Passphrase for share file share-1-of-2-alice.age: "; answer "Tmux-Secret-Alice-7"
reach "New export password for $id.pfx: "; answer "Fresh-Pfx-Pw-9"
reach "Again, to confirm: "; answer "Fresh-Pfx-Pw-9"
reached "recover at a terminal"
is "$(wait_done)" 0 "recover at a terminal succeeds"
is "$(screen | grep -c -e Tmux-Secret -e Fresh-Pfx)" 0 "no passphrase or password was echoed"
ok "the new PKCS #12 opens with the new password" openssl pkcs12 -in "$TMP/out/$id.pfx" -passin pass:Fresh-Pfx-Pw-9 -noout

# ---- Ctrl-C in the middle: nothing staged is left behind ----
must_okra --vault "$V" import "$TMP/k/plain.pem" >/dev/null
id2=$(must_okra --vault "$V" --json list | jq -r '.[] | select(.source.path | endswith("plain.pem")) | .id')
nb=$(ls "$V/bundles" | wc -l)
start "$OK --vault $V ceremony recover --share $TMP/shares/share-1-of-2-alice.age --share $TMP/shares/share-2-of-2-bob.age --out $TMP/int --repassword $id $id2"
# two items: listed, and a yes first (tests/cli/t38-bulk-recovery.t)
reach "Recover these 2 items? Type yes to go on, before any share is asked: "; answer "yes"
reach "Passphrase for share file share-1-of-2-alice.age: "; answer "Tmux-Secret-Alice-7"
reach "Passphrase for share file share-2-of-2-bob.age: "; answer "Tmux-Secret-Bob-8"
reach "New export password for $id.pfx: "; answer "P1"
reach "Again, to confirm: "; answer "P1"
reach "New export password for $id2.pfx: "
reached "recover up to the second new password"
tm send-keys -t t C-c
wait_gone
_result $? "Ctrl-C at the second new password ends okra"
is "$(ls -A "$TMP/int" 2>/dev/null | wc -l)" 0 "Ctrl-C at a prompt leaves no recovered file, staged or not"
is "$(ls "$V/bundles" | wc -l)" "$nb" "and no recovery record"
start "$OK --vault $TMP/vi ceremony init --custodians 2 --threshold 1 --share-dir $TMP/si --work-factor $WF"
reach "Passphrase for custodian 1: "; answer "One-1"
reach "Again, to confirm: "; answer "One-1"
reach "Passphrase for custodian 2: "; answer "Two-2"
reach "Again, to confirm: " 2; answer "Two-2"
reach "Roll call: custodian 1"
reached "init up to the roll call"
tm send-keys -t t C-c
wait_gone
_result $? "Ctrl-C at the roll call ends okra"
is "$(ls -A "$TMP/si" 2>/dev/null | wc -l)" 0 "Ctrl-C at the roll call removes the new share files"
ok "and no vault appears" test ! -e "$TMP/vi"

# ---- a custodian who cannot open their file: the ceremony is undone ----
start "$OK --vault $TMP/v2 ceremony init --custodians 2 --threshold 1 --share-dir $TMP/s2 --work-factor $WF"
reach "Passphrase for custodian 1: "; answer "One-1"
reach "Again, to confirm: "; answer "One-1"
reach "Passphrase for custodian 2: "; answer "Two-2"
reach "Again, to confirm: " 2; answer "Two-2"
reach "Roll call: custodian 1, open share-1-of-2-custodian_1.age"; answer "One-1"
reach "Roll call: custodian 2, open share-2-of-2-custodian_2.age"; answer "x"
reach "2 tries left"; answer "y"
reach "1 try left"; answer "z"
reached "a roll call with three wrong tries"
is "$(wait_done)" 1 "three failed tries end the ceremony"
like "$(screen)" "custodian 2 could not open share-2-of-2-custodian_2.age" "naming the custodian"
ok "no vault was created" test ! -e "$TMP/v2"
ok "and the share files were removed" test ! -e "$TMP/s2"
is "$(ls -a "$TMP" | grep -c '^\.okra-new')" 0 "no staging folder is left"

# ---- --show-mnemonic: the words for a paper backup, then a clear screen ----
start "$OK --vault $TMP/v3 ceremony init --custodians 1 --threshold 1 --share-dir $TMP/s3 --work-factor $WF --show-mnemonic"
reach "Passphrase for custodian 1: "; answer "Only-1"
reach "Again, to confirm: "; answer "Only-1"
reach "Roll call: custodian 1"; answer "Only-1"
reach "the words of your share, for a paper backup"
words=$(share_mnemonic "$TMP/s3/share-1-of-1-custodian_1.age" Only-1)
first=$(cut -d' ' -f1 <<<"$words"); last=$(awk '{print $NF}' <<<"$words")
reached "--show-mnemonic"
like "$(screen)" " 1 $first .* 33 $last" "--show-mnemonic shows the 33 numbered words"
answer ""
is "$(wait_done)" 0 "the ceremony ends after Enter"
tm clear-history -t t
is "$(tm capture-pane -p -t t | grep -c "1 $first ")" 0 "and the words are gone from the screen"

done_testing
