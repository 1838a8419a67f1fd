#!/bin/bash
# The reader child's sandbox is real. While it reads an image (held: it waits on a full pipe), its
# /proc/PID shows no capability, no_new_privs, a seccomp filter, a non-root uid, namespaces of its
# own, its rlimits and nothing open but the medium and the pipe. A call the filter forbids (a socket,
# an open) kills it, and okra says so. As root and, through setpriv, as nobody (a user namespace).
source "$(dirname "$0")/../lib/tap.sh"
command -v mkfs.ext4 >/dev/null || { skip "needs mkfs.ext4"; done_testing; }
R=$OKRA_TOOLS/readmedium
[[ -x $R ]] || make -s -C "${OKRA_TOOLS%/build*/tools}" tools >/dev/null 2>&1
chmod 755 "$TMP"
mkdir -p "$TMP/m"; head -c 3000000 /dev/urandom >"$TMP/m/a"; cp "$TMP/m/a" "$TMP/m/b"
mkfs.ext4 -q -d "$TMP/m" "$TMP/m.img" 16M >/dev/null 2>&1 || { skip "mkfs.ext4 -d failed"; done_testing; }
chmod 644 "$TMP/m.img"

field() { awk -v k="$1:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "$TMP/status"; }
limit() { awk -v k="$1" 'index($0, k) == 1 { print $(NF - 2); exit }' "$TMP/limits"; }

# Starts readmedium --hold through "$@" (a runner, or nothing) and looks at the child it holds.
look() { # WHO [RUNNER...]
  local who=$1 line pid=
  shift
  coproc HOLD { "$@" "$R" --hold "$TMP/m.img" 2>&1; }
  while read -r -t 30 line <&"${HOLD[0]}"; do
    [[ $line == "pid "* ]] && { pid=${line#pid }; break; }
  done
  if [[ -z $pid ]]; then _result 1 "$who: the reader starts and sends its first record"; return; fi
  cp "/proc/$pid/status" "$TMP/status"; cp "/proc/$pid/limits" "$TMP/limits"
  fds=$(ls "/proc/$pid/fd" | sort -n | tr '\n' ' ')
  ns=""; for n in net mnt ipc uts; do
    [[ $(readlink "/proc/$pid/ns/$n") != "$(readlink "/proc/$$/ns/$n")" ]] && ns+="$n "
  done
  env_vars=$(tr '\0' '\n' <"/proc/$pid/environ" | grep -v -e '^ASAN_OPTIONS=' -e '^UBSAN_OPTIONS=' | wc -l)
  echo >&"${HOLD[1]}"
  wait "$HOLD_PID"; rc=$?
  is "$(field CapEff) $(field CapPrm) $(field CapBnd) $(field CapAmb)" \
    "0000000000000000 0000000000000000 0000000000000000 0000000000000000" "$who: no capability at all"
  is "$(field NoNewPrivs)" 1 "$who: no_new_privs"
  is "$(field Seccomp) $(field Seccomp_filters)" "2 2" "$who: a seccomp filter (two, stacked)"
  uid=$(field Uid | awk '{print $1}')
  [[ $uid != 0 ]]; _result $? "$who: not root (uid $uid)"
  is "$ns" "net mnt ipc uts " "$who: its own network, mount, IPC and UTS namespaces"
  is "$fds" "0 1 2 3 4 " "$who: nothing open but stdin/stdout/stderr, the medium and the pipe"
  is "$(limit 'Max open files') $(limit 'Max processes') $(limit 'Max file size') $(limit 'Max cpu time')" \
    "5 0 0 120" "$who: its rlimits (files, processes, file size, CPU seconds)"
  is "$env_vars" 0 "$who: an empty environment"
  is "$rc" 0 "$who: the read ends cleanly after being held"
}

if [[ $(id -u) == 0 ]]; then
  look root
  is "$uid" "$(id -u nobody 2>/dev/null || echo 65534)" "root: the child takes nobody's uid"
  if setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
    look nobody setpriv --reuid=65534 --regid=65534 --clear-groups
  else
    skip "setpriv cannot drop to nobody here"
  fi
else
  look "$(id -un)"
fi

for call in socket open; do
  out=$("$R" --forbid $call "$TMP/m.img" 2>&1); rc=$?
  is "$rc" 1 "a forbidden $call: the child is killed"
  like "$out" "made a system call its sandbox forbids, and was killed" "and okra says why"
done

# okra itself starts the reader as okra's own program, and the reader seals through it
if command -v strace >/dev/null && [[ -z ${OKRA_WRAP:-} ]]; then
  "$OKRA_TOOLS/mkvault" "$TMP/v" "$(age-keygen -o "$TMP/id" 2>/dev/null; echo "$TMP/id")" >/dev/null
  # LeakSanitizer cannot run under ptrace
  ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -e trace=execve -o "$TMP/trace" "$OKRA" --vault "$TMP/v" scan --image "$TMP/m.img" >"$TMP/out" 2>&1
  is "$?" 0 "okra scan --image runs"
  like "$(grep -- '--okra-reader-child' "$TMP/trace")" "execve\(\"[^\"]*\", \[\"okra-reader\", \"--okra-reader-child\", \"read\"" \
    "okra runs its reader as a fresh copy of its own program"
fi
done_testing
