# terminal.sh: okra at a real terminal, driven through tmux (a 160x50 pane of its own server).
#
#   term_start "CMD"          runs CMD in a fresh terminal; its stdout goes to $TMP/stdout, its
#                             exit status to $TMP/rc (stderr and prompts stay on the screen)
#   term_screen               what the pane shows (with its history)
#   term_wait_for TEXT [N]    until TEXT has appeared N times (default 1); 1 if it never does
#   term_answer TEXT          types TEXT and Enter
#   term_wait_done            prints the exit status once CMD has ended
#   term_watch TEXT           until CMD ends: prints "seen" if TEXT was ever on the screen
#   term_key KEY              sends a key (C-c)
# Needs tmux (term_ready says whether it is there). Waits are bounded, on events, never fixed sleeps.

term_ready() { command -v tmux >/dev/null; }
TERM_SOCK=okra-term-$$
_tm() { tmux -L "$TERM_SOCK" "$@"; }
TERM_SLOW=1; [[ -n ${OKRA_WRAP:-} ]] && TERM_SLOW=10
trap '_tm kill-server 2>/dev/null; rm -rf "$TMP"' EXIT

term_start() {
  local i
  _tm kill-server 2>/dev/null; rm -f "$TMP/rc" "$TMP/stdout"
  # a server that is still going away (after Ctrl-C ended the last session) may refuse once
  for ((i = 0; i < 50; i++)); do
    # the shell around CMD catches SIGINT (so CMD gets the default action, and the shell lives on
    # to write CMD's status after Ctrl-C)
    _tm new-session -d -x 160 -y 50 -s t "trap : INT; $* >$TMP/stdout; echo \$? >$TMP/rc; sleep 600" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "# tmux cannot start a session"
}
term_screen() { _tm capture-pane -p -J -t t -S -1000; }
term_wait_for() {
  local i n=${2:-1}
  for ((i = 0; i < 300 * TERM_SLOW; i++)); do
    (( $(term_screen 2>/dev/null | grep -cF -- "$1") >= n )) && return 0
    _tm has-session -t t 2>/dev/null || break
    sleep 0.1
  done
  echo "# no '$1' (x$n) on the screen:"; term_screen 2>/dev/null | sed 's/^/#   /'; return 1
}
term_answer() { _tm send-keys -t t -l -- "$1"; _tm send-keys -t t Enter; }
term_key() { _tm send-keys -t t "$1"; }
term_wait_done() {
  local i
  for ((i = 0; i < 600 * TERM_SLOW; i++)); do
    [[ -s $TMP/rc ]] && { cat "$TMP/rc"; return 0; }
    _tm has-session -t t 2>/dev/null || break
    sleep 0.1
  done
  echo "no exit status"
}
term_watch() {
  local i seen=""
  for ((i = 0; i < 1200 * TERM_SLOW; i++)); do
    term_screen 2>/dev/null | grep -qF -- "$1" && seen=seen
    [[ -s $TMP/rc ]] && break
    _tm has-session -t t 2>/dev/null || break
    sleep 0.05
  done
  echo "$seen"
}
