# media.sh: for the tests that plug in real media (loop devices over filesystem images) and need
# udevd. Sourced after tap.sh:
#
#   source "$(dirname "$0")/../lib/media.sh"
#   media_begin || { skip "why"; done_testing; }   # takes the media lock, starts udevd if need be
#   wait_at_most 30 $watcher                       # a watcher waiting for a medium, bounded
#   ... ; media_end                                # in the test's cleanup: stops a udevd it started
#
# prove runs tests two at a time. Media tests take one lock for their whole run, so that one never
# stops the udevd another still listens through, nor takes a loop device another is about to get.

MEDIA_LOCK=${OKRA_MEDIA_LOCK:-/run/lock/okra-tests-media.lock}
media_started_udevd=

media_begin() {
  [[ $(id -u) == 0 ]] || { MEDIA_WHY="media need root (loop devices)"; return 1; }
  command -v losetup >/dev/null && command -v mkfs.ext4 >/dev/null || { MEDIA_WHY="needs util-linux and e2fsprogs"; return 1; }
  mkdir -p "$(dirname "$MEDIA_LOCK")"
  exec {media_lock_fd}>"$MEDIA_LOCK"
  flock -w 600 "$media_lock_fd" || { MEDIA_WHY="another media test held $MEDIA_LOCK for 600 s"; return 1; }
  losetup -f >/dev/null 2>&1 || { MEDIA_WHY="no loop device can be had here"; return 1; }
  if ! pgrep -x systemd-udevd >/dev/null; then
    # without the lock's descriptor: a daemon that kept it would hold the lock past this test
    /lib/systemd/systemd-udevd --daemon >/dev/null 2>&1 {media_lock_fd}>&- || { MEDIA_WHY="systemd-udevd would not start"; return 1; }
    media_started_udevd=1
    udevadm control --ping --timeout=5 >/dev/null 2>&1 || sleep 0.5
  fi
}

media_end() {
  if [[ -n $media_started_udevd ]]; then
    pkill -x systemd-udevd
    for _ in $(seq 1 50); do pgrep -x systemd-udevd >/dev/null || break; sleep 0.1; done
    media_started_udevd=
  fi
}

# Waits until FILE (a watcher's output) holds TEXT, at most SECONDS (default 30); 1 if it never
# does. A watcher prints "watching for media (" once it receives events: a medium plugged in after
# that line is seen (and one there before it is found among those present).
wait_for_text() { # FILE TEXT [SECONDS]
  local ticks=$(( ${3:-30} * 20 ))
  until grep -qF -- "$2" "$1" 2>/dev/null; do
    ((ticks-- > 0)) || return 1
    sleep 0.05
  done
}
watching() { # FILE: the watcher writing FILE listens; else the test cannot go on
  wait_for_text "$1" "watching for media (" || fatal "no watcher started: $(tail -n 3 "$1" | tr '\n' ' ')"
}

# Waits for a background PID (a watcher waiting for a medium) at most SECONDS. Past that it is sent
# SIGTERM (so that it ends what it was reading), SIGKILL 5 s later, and 124 is returned (as
# timeout(1) does); else its own exit status.
wait_at_most() { # SECONDS PID
  local ticks=$(($1 * 20))
  while kill -0 "$2" 2>/dev/null && ((ticks-- > 0)); do sleep 0.05; done
  kill -0 "$2" 2>/dev/null || { wait "$2"; return; }
  kill -TERM "$2" 2>/dev/null
  for ticks in $(seq 1 100); do kill -0 "$2" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$2" 2>/dev/null; wait "$2" 2>/dev/null
  return 124
}
