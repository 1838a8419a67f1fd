# tap.sh: sourced by the command-line tests in tests/cli/*.t (run by prove).
#
#   source "$(dirname "$0")/../lib/tap.sh"
#   plan 3 ; ok "what" cmd... ; is "$got" "$want" "what" ; done_testing
#
# $OKRA is the binary under test (make sets it; ASan and plain builds both run
# these). $OKRA_WRAP, when set, goes in front of every okra run (valgrind).
set -u
: "${OKRA:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/okra}"
: "${OKRA_VECTORS:=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/vectors}"
TESTS_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
_n=0 _failed=0
TMP=$(mktemp -d /tmp/okra-test.XXXXXX)
trap 'rm -rf "$TMP"' EXIT

# A test that hangs must fail, not hold CI: past $OKRA_TEST_TIMEOUT seconds a watchdog says so,
# sends the test SIGTERM (its EXIT trap still cleans up) and kills what it was running.
# It is detached (not the test's child), so a test's bare `wait` never waits for it, and it holds
# none of the test's output (prove reads to the end of both), so prove never waits for it; it
# writes its one line through the test's own stderr, and ends within a second of the test.
_descendants() { local c; for c in $(pgrep -P "$1"); do echo "$c"; _descendants "$c"; done; }
_running() { local st; read -r _ _ st _ <"/proc/$1/stat" 2>/dev/null && [[ $st != Z ]]; }
_watchdog() { # PID LIMIT
  local waited=0 stuck
  while _running "$1"; do
    if ((waited >= $2)); then
      echo "# $(basename "$0"): still running after $2 s (OKRA_TEST_TIMEOUT); stopping it" >"/proc/$1/fd/2"
      # what it runs, listed before it dies (they are orphaned after), killed after
      stuck=$(_descendants "$1"); kill -TERM "$1" 2>/dev/null
      [[ -n $stuck ]] && kill -KILL $stuck 2>/dev/null
      return
    fi
    sleep 1; waited=$((waited + 1))
  done
}
( _watchdog $$ "${OKRA_TEST_TIMEOUT:-900}" </dev/null >/dev/null 2>&1 & )

plan() { echo "1..$1"; }
_result() { # STATUS DESCRIPTION
  _n=$((_n + 1))
  if [[ $1 == 0 ]]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
ok() { local d=$1; shift; "$@" >/dev/null 2>&1; _result $? "$d"; }
nok() { local d=$1; shift; ! "$@" >/dev/null 2>&1; _result $? "$d"; }
is() { # GOT WANT DESCRIPTION
  if [[ $1 == "$2" ]]; then _result 0 "$3"; else _result 1 "$3"; echo "#   got: '$1'"; echo "#  want: '$2'"; fi
}
like() { # GOT REGEX DESCRIPTION
  if [[ $1 =~ $2 ]]; then _result 0 "$3"; else _result 1 "$3"; echo "#   got: '$1'"; echo "#  want match: '$2'"; fi
}
# skip REASON: a test that did not run here, though it could have (a tool is missing, it needs
# root, ...); skip_na REASON: one that cannot apply to this build (valgrind, ASan). Both are
# logged to $OKRA_SKIP_LOG, from which make check counts them; as root, a skip fails it.
_skip_log() { # KIND REASON
  [[ -n ${OKRA_SKIP_LOG:-} ]] &&
    printf '%s\t%s\t%s\t%s\n' "$1" "${OKRA_SKIP_MODE:-plain}" "$(basename "$0")" "$2" >>"$OKRA_SKIP_LOG"
  return 0
}
skip() { _n=$((_n + 1)); echo "ok $_n # skip $1"; _skip_log could "$1"; }
skip_na() { _n=$((_n + 1)); echo "ok $_n # skip $1"; _skip_log n/a "$1"; }
diag() { echo "# $*"; }
done_testing() { echo "1..$_n"; exit $((_failed > 0)); }

# okra with the wrapper; stdout and stderr as the caller redirects them.
okra() { ${OKRA_WRAP:-} "$OKRA" "$@"; }

# Runs okra, keeps its output in $OUT and $ERR and its status in $RC.
run_okra() {
  okra "$@" >"$TMP/.out" 2>"$TMP/.err"; RC=$?
  OUT=$(cat "$TMP/.out"); ERR=$(cat "$TMP/.err")
}

# fatal MESSAGE: a failure the test cannot go on from; it fails, and ends at once, also when
# called inside $(...) (the line goes to the test's own stdout, and the test is stopped).
exec {TAP_OUT}>&1
fatal() {
  echo "not ok - $*" >&"$TAP_OUT"
  ((BASH_SUBSHELL == 0)) || kill -TERM $$
  exit 1
}

# must_okra ARGS...: an okra run the test stands on (filling a vault, listing its ids), stdout
# where the caller sends it. Its failure, valgrind's and the sanitizers' exit codes included,
# is fatal, with its last lines of stderr.
must_okra() {
  okra "$@" 2>"$TMP/.must.err" && return 0
  local rc=$?
  sed 's/^/# /' "$TMP/.must.err" | tail -n 20 >&"$TAP_OUT"
  fatal "okra $* failed (exit $rc): $(tail -n 1 "$TMP/.must.err")"
}

# A test vault made through the internal API (no ceremony): $V, identity $ID.
: "${OKRA_TOOLS:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/tools}"
test_vault() {
  V=${1:-$TMP/vault} ID=$TMP/identity.txt
  [[ -f $ID ]] || age-keygen -o "$ID" 2>/dev/null
  "$OKRA_TOOLS/mkvault" "$V" "$ID" || { echo "# mkvault failed"; exit 1; }
}

# A few export files made with the OpenSSL CLI into $1 (passwords: pw-<name>).
make_keys() {
  local d=$1; mkdir -p "$d"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$d/rsa.key" -out "$d/rsa.crt" -subj "/CN=Test Officer/O=Okra Tests" -days 30 2>/dev/null
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ec.key" -out "$d/ec.crt" -subj "/CN=Test Curve" -days 30 2>/dev/null
  openssl pkcs12 -export -legacy -in "$d/rsa.crt" -inkey "$d/rsa.key" -name "legacy export" -out "$d/legacy.pfx" -passout pass:pw-legacy
  openssl pkcs12 -export -in "$d/ec.crt" -inkey "$d/ec.key" -out "$d/modern.pfx" -passout pass:pw-modern
  openssl pkcs8 -topk8 -nocrypt -in "$d/ec.key" -out "$d/plain.pem"
}

# hold_lock FILE: another process takes flock(2) on FILE (as a second okra would hold the
# vault's lock) and keeps it until release_lock; returns once the lock is held, or fails the
# test after 30 s.
hold_lock() {
  coproc LOCKER { flock "$1" sh -c 'echo held; read -r _'; }
  local line=
  read -r -t 30 -u "${LOCKER[0]}" line
  [[ $line == held ]] || fatal "could not take the lock on $1 within 30 s"
}
release_lock() { echo >&"${LOCKER[1]}"; wait "$LOCKER_PID"; }

# Snapshot of a vault's files (not the cache or the lock), to show nothing changed.
vault_snapshot() { (cd "$1" && find . -type f ! -name 'index.sqlite*' ! -name lock -exec sha256sum {} + | sort); }
