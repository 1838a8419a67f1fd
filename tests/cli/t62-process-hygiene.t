#!/bin/bash
# Process hygiene (issue 6) for the commands that hold secrets: `ceremony init`, `ceremony
# recover`, `inspect` and `import --inspect`, each driven on a terminal (a detached tmux
# session) and looked at through /proc while it waits at a prompt: not dumpable, no core
# file, memory locked, the secret typed in neither argv nor the environment. Prompts come
# only from a terminal or --passphrase-file; output files 0600, the vault 0700, station.key
# 0600, even under umask 000.
#
# Run as root, okra runs as nobody (setpriv), so that its dumpability shows: a process that
# is not dumpable has /proc/PID owned by root and cannot be read by other processes of its
# own user.
source "$(dirname "$0")/../lib/tap.sh"
SOCK=okra-t62-$$
T() { tmux -L "$SOCK" "$@"; }
trap 'tmux -L "$SOCK" kill-server >/dev/null 2>&1; rm -rf "$TMP"' EXIT

if [[ -n ${OKRA_VALGRIND:-} ]]; then
  TERMINAL=0   # the checks below are of the process, not of its memory; valgrind is its own process
else
  TERMINAL=1
fi
command -v tmux >/dev/null || TERMINAL=0
ASAN=0; ldd "$OKRA" 2>/dev/null | grep -q libasan && ASAN=1

# Who okra runs as, and who plays "another process of the same user".
RUNAS=()
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  RUNAS=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --)
  USER_SHOWN=nobody
else
  USER_SHOWN=$(id -un)
fi
H=$TMP/h; mkdir -p "$H"
if ((${#RUNAS[@]})); then chmod 711 "$TMP"; chown "$(id -u nobody):$(id -g nobody)" "$H"; fi
chmod 700 "$H"
make_keys "$TMP/k"; cp "$TMP/k/legacy.pfx" "$TMP/k/modern.pfx" "$TMP/k/plain.pem" "$H/"
((${#RUNAS[@]})) && chown "$(id -u nobody)" "$H"/*.pfx "$H"/*.pem
as_user() { "${RUNAS[@]}" "$@"; }

PASS1="Correct-Horse-$RANDOM$RANDOM" PASS2="Battery-Staple-$RANDOM$RANDOM"
case $(uname -m) in x86_64) READ_NR=0 ;; aarch64) READ_NR=63 ;; *) READ_NR= ;; esac

# Waits until okra (PID) shows a new prompt (a last line ending in ':') and blocks reading
# the terminal; prints that line.
wait_prompt() { # NAME PID PREV-PANE
  local name=$1 pid=$2 prev=$3 pane last nr i
  for ((i = 0; i < 600; i++)); do
    [[ -e $TMP/$name.rc ]] && return 1
    pane=$(T capture-pane -p -t "$name" -S -200 2>/dev/null)
    last=$(grep . <<<"$pane" | tail -n 1)
    if [[ $pane != "$prev" && $last == *: ]]; then
      if [[ -n $READ_NR ]] && read -r nr _ <"/proc/$pid/syscall" 2>/dev/null; then
        [[ $nr == "$READ_NR" ]] && { PANE=$pane; echo "$last"; return 0; }
      else
        sleep 0.3; PANE=$pane; echo "$last"; return 0
      fi
    fi
    sleep 0.1
  done
  return 1
}

# What okra looks like from outside at a prompt; fills the globals below.
look() { # PID
  local pid=$1 owner
  DUMP_WHY="" CORE="" LCK="" ENVIRON="" CMDLINE=""
  owner=$(stat -c %U "/proc/$pid/status" 2>/dev/null)
  if ((${#RUNAS[@]})) && [[ $owner != root ]]; then DUMP_WHY+=" /proc/$pid is owned by $owner;"; fi
  if ((${#RUNAS[@]})) || [[ $(id -u) != 0 ]]; then
    as_user cat "/proc/$pid/environ" >/dev/null 2>&1 && DUMP_WHY+=" its user can read /proc/$pid/environ;"
  else
    DUMP_WHY="skip"
  fi
  CORE=$(awk '/^Max core file size/ { print $5 " " $6 }' "/proc/$pid/limits")
  LCK=$(awk '/^VmLck:/ { print $2 }' "/proc/$pid/status")
  ENVIRON=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null)
  CMDLINE=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)
}

# Runs okra ARGS... on a terminal, answering each prompt with answer_NAME PROMPT; checks the
# process at the first prompt, and again at the prompt after the first secret was typed.
drive() { # NAME ARGS...
  local name=$1 pid="" panepid q a prev="" n=0 first="" i
  shift
  {
    echo "umask 000"
    printf 'cd %q\n' "$H"
    printf '%q ' "${RUNAS[@]}" ${OKRA_WRAP:-} "$OKRA" "$@"; echo
    printf 'echo $? >%q\n' "$TMP/$name.rc"
    echo "sleep 600"
  } >"$TMP/$name.sh"
  T new-session -d -s "$name" -x 230 -y 50 "bash $TMP/$name.sh"
  panepid=$(T list-panes -t "$name" -F '#{pane_pid}')
  for ((i = 0; i < 100; i++)); do   # the pane's shell runs setpriv, which becomes okra
    pid=$(pgrep -P "$panepid" | head -n 1)
    [[ -n $pid && $(readlink "/proc/$pid/exe" 2>/dev/null) == "$(readlink -f "$OKRA")" ]] && break
    sleep 0.05
  done
  AT_PROMPT=0 AFTER_SECRET=0
  while q=$(wait_prompt "$name" "$pid" "$prev"); do
    PANE=$(T capture-pane -p -t "$name" -S -200); prev=$PANE
    # a bulk recovery's yes is no secret: answered, and the secrets counted from the next prompt
    if [[ $q == *"Type yes to go on"* ]]; then
      T send-keys -t "$name" -l yes; T send-keys -t "$name" Enter; continue
    fi
    n=$((n + 1))
    if ((n == 1)); then look "$pid"; AT_PROMPT=1
      P_DUMP=$DUMP_WHY P_CORE=$CORE P_LCK=$LCK P_ENV0=$ENVIRON P_CMD0=$CMDLINE; fi
    if ((n == 2)); then look "$pid"; AFTER_SECRET=1; P_ENV1=$ENVIRON P_CMD1=$CMDLINE; fi
    if [[ $q == Again* ]]; then a=$LAST; else a=$("answer_$name" "$q"); fi
    LAST=$a; ((n == 1)) && FIRST_SECRET=$a
    T send-keys -t "$name" -l "$a"; T send-keys -t "$name" Enter
  done
  for ((i = 0; i < 300; i++)); do [[ -e $TMP/$name.rc ]] && break; sleep 0.1; done
  RC=$(cat "$TMP/$name.rc" 2>/dev/null || echo "none")
  PANE=$(T capture-pane -p -t "$name" -S -200)
  T kill-session -t "$name" 2>/dev/null
}

# One TAP line per property of the process NAME showed at its prompt.
report() { # NAME
  local name=$1
  if ((AT_PROMPT == 0)); then
    _result 1 "$name: waits at a prompt on the terminal"; diag "  exit $RC; the terminal showed:"
    while IFS= read -r l; do diag "    $l"; done < <(grep . <<<"$PANE" | tail -n 5)
    return
  fi
  if [[ $P_DUMP == skip ]]; then skip "$name: dumpability (needs root and setpriv, or a non-root run)"
  else is "$P_DUMP" "" "$name: not dumpable at its prompt (/proc/PID owned by root, unreadable to $USER_SHOWN)"; fi
  is "$P_CORE" "0 0" "$name: core file size limit 0 (soft and hard)"
  if ((ASAN)); then skip_na "$name: memory locked (ASan makes mlock and mlockall no-ops)"
  else ((${P_LCK:-0} > 0)); _result $? "$name: memory locked (VmLck ${P_LCK:-?} kB)"; fi
  if ((AFTER_SECRET)); then
    local leak=""
    [[ $P_CMD1 == *"$FIRST_SECRET"* ]] && leak+=" argv;"
    [[ $P_ENV1 == *"$FIRST_SECRET"* ]] && leak+=" the environment;"
    [[ $P_ENV1 != "$P_ENV0" || $P_CMD1 != "$P_CMD0" ]] && leak+=" argv or the environment changed;"
    is "$leak" "" "$name: the secret typed is in neither argv nor the environment"
  else
    skip_na "$name: only one prompt; no look after a secret was typed"
  fi
  is "$RC" 0 "$name: completes on the terminal"
  [[ $RC == 0 ]] || { diag "  the terminal showed:"; while IFS= read -r l; do diag "    $l"; done < <(grep . <<<"$PANE" | tail -n 5); }
}

answer_init() {
  case $1 in
    *"custodian 1"*) echo "$PASS1" ;;
    *"custodian 2"*) echo "$PASS2" ;;
    *) echo "unexpected-prompt" ;;
  esac
}
answer_recover() {
  case $1 in
    *share-1-of*) echo "$PASS1" ;;
    *share-2-of*) echo "$PASS2" ;;
    *) echo "unexpected-prompt" ;;
  esac
}
answer_inspect() { echo pw-modern; }
answer_import() {
  case $1 in
    *legacy*) echo pw-legacy ;;
    *modern*) echo pw-modern ;;
    *) echo "unexpected-prompt" ;;
  esac
}

# ---- a control: a dumpable process of the same user is readable, so the check can fail ----
if ((${#RUNAS[@]})); then
  "${RUNAS[@]}" sleep 30 & ctl=$!
  # until the control has become nobody's sleep (setpriv has exec'd it)
  for ((i = 0; i < 100; i++)); do [[ $(stat -c %U "/proc/$ctl/status" 2>/dev/null) == nobody ]] && break; sleep 0.05; done
  ctl_owner=$(stat -c %U "/proc/$ctl/status"); as_user cat "/proc/$ctl/environ" >/dev/null 2>&1; ctl_read=$?
  kill "$ctl" 2>/dev/null; wait "$ctl" 2>/dev/null
  [[ $ctl_owner == nobody && $ctl_read == 0 ]]
  _result $? "control: a dumpable process of nobody is owned by nobody and readable to nobody"
fi

V=$H/vault S=$H/shares
if ((TERMINAL)); then
  drive init --vault "$V" ceremony init --custodians 2 --threshold 2 --share-dir "$S" --work-factor 10
  report "ceremony init"
  [[ -d $V ]] && okra --vault "$V" verify >/dev/null 2>&1; _result $? "ceremony init on a terminal made a vault that verifies"
else
  if [[ -n ${OKRA_VALGRIND:-} ]]; then skip_na "terminal-driven checks: under valgrind"
  else skip "terminal-driven checks: no tmux"; fi
  # the rest still needs a vault and shares
  printf '%s\n' "$PASS1" "$PASS2" >"$TMP/pw"; chmod 644 "$TMP/pw"
  (umask 000; cd "$H" && as_user ${OKRA_WRAP:-} "$OKRA" --vault "$V" --passphrase-file "$TMP/pw" ceremony init --custodians 2 \
     --threshold 2 --share-dir "$S" --work-factor 10 >/dev/null 2>"$TMP/init.err") ||
    fatal "ceremony init as the test user fails: $(tail -n 1 "$TMP/init.err")"
fi
is "$(stat -c %a "$V" 2>/dev/null)" 700 "the vault folder is 0700 (made under umask 000)"
is "$(stat -c %a "$V/station.key" 2>/dev/null)" 600 "station.key is 0600"
is "$(stat -c %a "$S" 2>/dev/null)" 700 "the share folder okra made is 0700"
is "$(stat -c %a "$S"/*.age 2>/dev/null | sort -u | tr '\n' ' ')" "600 " "share files are 0600"

(cd "$H" && as_user ${OKRA_WRAP:-} "$OKRA" --vault "$V" import "$H/legacy.pfx" "$H/plain.pem" >/dev/null 2>"$TMP/import.err") ||
  fatal "import as the test user fails: $(tail -n 1 "$TMP/import.err")"
(cd "$H" && as_user ${OKRA_WRAP:-} "$OKRA" --vault "$V" --json list >"$TMP/ids.json" 2>"$TMP/list.err") ||
  fatal "list as the test user fails: $(tail -n 1 "$TMP/list.err")"
mapfile -t IDS < <(jq -r '.[].id' "$TMP/ids.json")
share1=$(ls "$S"/share-1-of-2*.age 2>/dev/null) share2=$(ls "$S"/share-2-of-2*.age 2>/dev/null)
if ((TERMINAL)); then
  drive recover --vault "$V" ceremony recover --share "$share1" --share "$share2" --out "$H/out" "${IDS[@]}"
  report "ceremony recover"
else
  printf '%s\n' "$PASS1" "$PASS2" >"$TMP/pw"
  (umask 000; cd "$H" && as_user ${OKRA_WRAP:-} "$OKRA" --vault "$V" --passphrase-file "$TMP/pw" ceremony recover \
     --share "$share1" --share "$share2" --out "$H/out" "${IDS[@]}" >/dev/null 2>"$TMP/recover.err")
  _result $? "ceremony recover as the test user succeeds"
fi
is "$(ls "$H/out" 2>/dev/null | wc -l)" 2 "both items recovered"
is "$(stat -c %a "$H/out"/* 2>/dev/null | sort -u | tr '\n' ' ')" "600 " "recovered files are 0600 (made under umask 000)"
is "$(stat -c %a "$H/out" 2>/dev/null)" 700 "the --out folder okra made is 0700"

if ((TERMINAL)); then
  drive inspect inspect "$H/modern.pfx"
  report "inspect"
  like "$PANE" "Test Curve" "inspect on a terminal shows the opened certificate"
  drive import --vault "$V" import --inspect "$H/modern.pfx" "$H/legacy.pfx"
  report "import --inspect"
  as_user ${OKRA_WRAP:-} "$OKRA" --vault "$V" --json list >"$TMP/after.json" 2>"$TMP/list.err" ||
    fatal "list as the test user fails: $(tail -n 1 "$TMP/list.err")"
  [[ $(jq '[.[] | select(.source.path | endswith("modern.pfx"))] | length' "$TMP/after.json") == 1 ]]
  _result $? "import --inspect on a terminal sealed the new file"
fi

# ---- prompts come only from a terminal or --passphrase-file ----
for how in "stdin from /dev/null" "the passphrases piped on stdin"; do
  NT=$TMP/nt; rm -rf "$NT"; mkdir -p "$NT"; ((${#RUNAS[@]})) && chown nobody "$NT"
  if [[ $how == *piped* ]]; then
    printf '%s\n' "$PASS1" "$PASS1" "$PASS2" "$PASS2" "$PASS1" "$PASS2" |
      setsid -w "${RUNAS[@]}" ${OKRA_WRAP:-} "$OKRA" --vault "$NT/vault" ceremony init --custodians 2 --threshold 2 \
        --share-dir "$NT/shares" --work-factor 10 >"$TMP/nt.out" 2>"$TMP/nt.err"
  else
    setsid -w "${RUNAS[@]}" ${OKRA_WRAP:-} "$OKRA" --vault "$NT/vault" ceremony init --custodians 2 --threshold 2 \
      --share-dir "$NT/shares" --work-factor 10 </dev/null >"$TMP/nt.out" 2>"$TMP/nt.err"
  fi
  rc=$? err=$(cat "$TMP/nt.err") left=$(cd "$NT" && find . -mindepth 1 | tr '\n' ' ')
  if [[ $rc == 1 && $(grep -c . <<<"$err") == 1 && $err == *terminal* && $err == *--passphrase-file* && -z $left ]]; then
    _result 0 "without a terminal ($how), ceremony init refuses with one line and writes nothing"
  else
    _result 1 "without a terminal ($how), ceremony init refuses with one line and writes nothing"
    diag "  exit $rc; stderr: $err; left: $left"
  fi
done
done_testing
