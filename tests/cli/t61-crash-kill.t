#!/bin/bash
# Crash consistency (issue 6): `okra scan` of 200 keys, `okra import` of 200 files and
# `okra ceremony recover` of 2 items are killed with SIGKILL at random instants in
# [0, the fastest of three clean runs], and just before their writes, renames and syncs on
# the vault (tests/tools/faultfs.c, FAULT_ACTION=kill). A random kill counts only when it
# cut okra short: a run that ended before its kill is still checked, but another instant is
# drawn, until each command has its share of kills (three times as many runs without that
# fails). Each command also dies just before CRASH_POINTS calls of each kind it makes on the
# vault (every one of those kills must happen). After each kill: `okra verify`
# passes; scan and import are all or nothing; the dead writer's lock does not block the next
# writer; a recovery leaves either no record or a complete one, and no partial file under a
# final name in --out; the next writer leaves nothing in VAULT/tmp; running again completes
# and seals nothing twice.
#
#   CRASH_KILLS=N   random kills that cut okra short, in all (default 100: 40 scan, 30 import,
#                   30 recover); the issue's long run is CRASH_KILLS=500
#   CRASH_SEED=N    the random seed (printed, to replay a run)
#   CRASH_POINTS=N  the most deterministic kills per kind of call and command (default 4)
#   CRASH_DIR=DIR   where the trial vaults live (default /dev/shm when it is a tmpfs: a SIGKILL
#                   loses nothing the page cache holds, and fsync there costs nothing; give a
#                   folder on a disk to time kills against real syncs)
source "$(dirname "$0")/../lib/tap.sh"
WF=10; source "$TESTS_LIB/ceremony.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
if [[ -n ${OKRA_VALGRIND:-} ]]; then
  skip_na "crash kills under valgrind: too slow to time kills (run without OKRA_VALGRIND)"
  done_testing
fi
: "${CRASH_KILLS:=100}" "${CRASH_POINTS:=4}"
[[ $CRASH_KILLS =~ ^[0-9]+$ && $CRASH_POINTS =~ ^[1-9][0-9]*$ ]] ||
  fatal "CRASH_KILLS must be a number and CRASH_POINTS a number from 1"
if [[ -z ${CRASH_DIR:-} ]]; then
  CRASH_DIR=$TMP
  [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs && -w /dev/shm ]] && CRASH_DIR=/dev/shm
fi
WORK=$(mktemp -d "$CRASH_DIR/okra-crash.XXXXXX") || fatal "cannot use CRASH_DIR=$CRASH_DIR"
trap 'rm -rf "$TMP" "$WORK"' EXIT
: "${CRASH_SEED:=$(( $(date +%s%N) % 1000000 ))}"
RANDOM=$CRASH_SEED
diag "CRASH_KILLS=$CRASH_KILLS CRASH_SEED=$CRASH_SEED CRASH_DIR=$CRASH_DIR ($(stat -f -c %T "$CRASH_DIR"))"

# ---- the material ----
test_vault "$TMP/t-ingest"
make_keys "$TMP/k"
"$OKRA_TOOLS/gen-keys" "$TMP/keys" 200 || fatal "gen-keys failed"
mapfile -t FILES < <(find "$TMP/keys" -type f | sort)
openssl genpkey -algorithm ed25519 -out "$TMP/later.pem" 2>/dev/null   # a commit after the next writer
NKEYS=${#FILES[@]}
# a ceremony vault with two items; custodian I's passphrase is pw-I
new_ceremony 3 2 "$TMP/t-ceremony" "$TMP/shares" || fatal "ceremony init failed"
okra --vault "$TMP/t-ceremony" import "$TMP/k/legacy.pfx" "$TMP/k/plain.pem" >/dev/null ||
  fatal "import into the ceremony vault failed"
must_okra --vault "$TMP/t-ceremony" --json list >"$TMP/rids.json"
mapfile -t RIDS < <(jq -r '.[].id' "$TMP/rids.json")
declare -A ORIG=([${RIDS[0]}]=$TMP/k/legacy.pfx [${RIDS[1]}]=$TMP/k/plain.pem)
PW2=$(pwfile pw-1 pw-2)
must_okra --vault "$TMP/t-ceremony" reindex >/dev/null   # the index exists, as in a vault in use

W=$WORK/w OUT=$WORK/out OUT2=$WORK/out2  # one trial's vault and --out folders (FAULT_PATH=$WORK)
args() { # OP: okra's arguments for that command on $W
  case $1 in
    scan) echo scan "$TMP/keys" ;;
    import) echo import "${FILES[@]}" ;;
    recover) echo --passphrase-file "$PW2" ceremony recover --share "${SHARE[1]}" --share "${SHARE[2]}" \
               --out "$OUT" "${RIDS[@]}" ;;
  esac
}
template() { [[ $1 == recover ]] && echo "$TMP/t-ceremony" || echo "$TMP/t-ingest"; }
fresh() { rm -rf "$W" "$OUT" "$OUT2"; cp -a "$(template "$1")" "$W"; }
manifest_ids() { local b; for b in "$W"/bundles/*.tar; do tar -xOf "$b" MANIFEST.json | jq -r '.items[].id'; done; }
count_ids() { manifest_ids | grep -c .; }
n_bundles() { ls "$W/bundles" | grep -c '^[0-9]*\.tar$'; }
last_kind() { tar -xOf "$(ls "$W"/bundles/*.tar | sort | tail -n 1)" MANIFEST.json | jq -r .kind; }
strays() { # [ALLOW-REGEX]: what a writer left in the vault beside its own files
  (cd "$W" && ls -A | grep -vxE "okra.json|station.pub|station.key|bundles|CHECKPOINT|CHECKPOINT.minisig|index.sqlite(-journal|-wal|-shm)?|lock|tmp${1:+|$1}")
  ls -A "$W/tmp" | sed 's|^|tmp/|'
  (cd "$W/bundles" && ls -A | grep -vxE '[0-9]{8,}\.tar' | sed 's|^|bundles/|')
}
now_us() { echo $(( $(date +%s%N) / 1000 )); }

# ---- the checks after a kill; each failed check counts against its category ----
declare -A BAD=()
STAGED=0 STAGED_PARTIAL=0 STAGED_EX="" RECORD_NO_FILES=0
declare -A STAGED_RUNS=()
bad() { # CATEGORY MESSAGE
  BAD[$1]=$(( ${BAD[$1]:-0} + 1 ))
  (( ${BAD[$1]} <= 5 )) && diag "  $TRIAL: $2"
  TRIAL_OK=1
  [[ $1 == verify ]] && TRIAL_UNVERIFIED=1
}

check_ingest() { # OP RC: after a killed (or finished) scan or import
  local op=$1 rc=$2 n listed again
  n=$(count_ids)
  okra --vault "$W" verify >/dev/null 2>"$TMP/v.err" || bad verify "verify fails: $(head -n 1 "$TMP/v.err")"
  [[ $n == 0 || $n == "$NKEYS" ]] || bad atomic "$n of $NKEYS items sealed (all or nothing)"
  [[ $rc != 0 || $n == "$NKEYS" ]] || bad atomic "exit 0 but $n of $NKEYS items sealed"
  okra --vault "$W" --json list >"$TMP/list.json" 2>"$TMP/list.err" ||
    bad atomic "list fails: $(head -n 1 "$TMP/list.err")"
  listed=$(jq length <"$TMP/list.json" 2>/dev/null)
  [[ $listed == "$n" ]] || bad atomic "list shows $listed items, the bundles hold $n"
  # the next writer, at once: the dead process's lock must not stop it
  okra --vault "$W" $(args "$op") >/dev/null 2>"$TMP/again.err"; again=$?
  grep -q 'in use by another' "$TMP/again.err" && bad lock "the next writer found the vault locked"
  [[ $again == 0 ]] || bad again "running again fails ($again): $(head -n 1 "$TMP/again.err")"
  [[ $(count_ids) == "$NKEYS" ]] || bad again "after running again $(count_ids) of $NKEYS items"
  [[ -z $(manifest_ids | sort | uniq -d) ]] || bad again "an item is sealed twice"
  [[ $(n_bundles) == 2 ]] || bad again "$(n_bundles) bundles after running again (want 2)"
  after_next_writer $([[ $n == 0 ]] && echo 1 || echo 0)
}

after_next_writer() { # COMMITTED: what the next writer must have cleaned (1: it committed a bundle)
  local s last
  if [[ $1 == 0 ]]; then
    # it committed nothing: a CHECKPOINT one behind and its CHECKPOINT.next may stay until the
    # next commit, which must bring both up to date
    s=$(strays 'CHECKPOINT.next' | tr '\n' ' ')
    [[ -z $s ]] || bad staging "left after the next writer: $s"
    okra --vault "$W" import "$TMP/later.pem" >/dev/null 2>"$TMP/later.err" ||
      bad again "the next commit fails: $(head -n 1 "$TMP/later.err")"
  fi
  last=$(ls "$W/bundles" | sort | tail -n 1); last=$((10#${last%.tar}))
  [[ $(sed -n 's/^seq: //p' "$W/CHECKPOINT") == "$last" ]] || bad staging "CHECKPOINT is not at bundle $last after the next commit"
  s=$(strays | tr '\n' ' ')
  [[ -z $s ]] || bad staging "left after the next commit: $s"
  okra --vault "$W" verify >/dev/null 2>&1 || bad verify "verify fails after the next commit"
}

check_recover() { # RC: after a killed (or finished) recovery
  local rc=$1 nb f name id record=0 delivered=0 size want
  okra --vault "$W" verify >/dev/null 2>"$TMP/v.err" || bad verify "verify fails: $(head -n 1 "$TMP/v.err")"
  nb=$(n_bundles)
  if [[ $nb == 3 ]]; then
    record=1
    [[ $(last_kind) == recovery ]] || bad record "bundle 2 is a $(last_kind), not a recovery record"
  elif [[ $nb != 2 ]]; then
    bad record "$nb bundles after a killed recovery (want 2 or 3)"
  fi
  [[ $rc != 0 || $record == 1 ]] || bad record "exit 0 without a recovery record"
  if [[ -d $OUT ]]; then
    for f in "$OUT"/* "$OUT"/.[!.]*; do
      [[ -e $f ]] || continue
      name=${f##*/} id=${name%%-*}
      if [[ -n ${ORIG[$id]:-} && $name == "$id-"* ]]; then
        delivered=$((delivered + 1))
        cmp -s "$f" "${ORIG[$id]}" || bad partial "$name in --out is not the whole original ($(stat -c %s "$f") of $(stat -c %s "${ORIG[$id]}") bytes)"
        [[ $(stat -c %a "$f") == 600 ]] || bad partial "$name is mode $(stat -c %a "$f")"
      elif [[ $name == .okra-recover.* ]]; then
        STAGED=$((STAGED + 1)); size=$(stat -c %s "$f"); STAGED_RUNS[$TRIAL]=1
        # which item: the staged files go in item order
        want=$(stat -c %s "${ORIG[${RIDS[${name##*.}]}]:-/dev/null}" 2>/dev/null)
        [[ $size != "$want" ]] && STAGED_PARTIAL=$((STAGED_PARTIAL + 1))
        [[ -z $STAGED_EX ]] && STAGED_EX="$name, mode $(stat -c %a "$f"), $size of $want bytes of item ${RIDS[${name##*.}]:-?}'s plaintext, $( ((record)) && echo "with" || echo "without") a recovery record, exit $rc"
      else
        bad partial "an unexpected file in --out: $name"
      fi
    done
  fi
  ((delivered > 0 && record == 0)) && bad record "files delivered without a recovery record"
  ((record == 1 && delivered < 2)) && RECORD_NO_FILES=$((RECORD_NO_FILES + 1))
  [[ $rc != 0 || $delivered == 2 ]] || bad partial "exit 0 with $delivered of 2 files delivered"
  # the next writer, at once, into another folder
  local again
  okra --vault "$W" $(args recover | sed "s|$OUT|$OUT2|") >/dev/null 2>"$TMP/again.err"; again=$?
  grep -q 'in use by another' "$TMP/again.err" && bad lock "the next writer found the vault locked"
  [[ $again == 0 ]] || bad again "recovering again fails ($again): $(head -n 1 "$TMP/again.err")"
  for id in "${RIDS[@]}"; do
    cmp -s "$OUT2/$id-$(basename "${ORIG[$id]}")" "${ORIG[$id]}" || bad again "recovering again did not give $id whole"
  done
  [[ $(n_bundles) == $((nb + 1)) ]] || bad again "recovering again made $(( $(n_bundles) - nb )) bundles (want 1)"
  after_next_writer 1
}

check() { # OP RC: 0 when every check held; TRIAL_UNVERIFIED=1 when okra verify failed
  TRIAL_OK=0 TRIAL_UNVERIFIED=0
  if [[ $1 == recover ]]; then check_recover "$2"; else check_ingest "$1" "$2"; fi
  return $TRIAL_OK
}

# ---- random kills ----
# a kill instant is drawn in [0, the fastest of three clean runs], so that most cut okra short
declare -A DUR=()
for op in scan import recover; do
  for ((i = 0; i < 3; i++)); do
    fresh $op; t0=$(now_us)
    okra --vault "$W" $(args $op) >/dev/null 2>"$TMP/clean.err" || fatal "a clean $op fails: $(head -n 1 "$TMP/clean.err")"
    t=$(( $(now_us) - t0 )); (( ${DUR[$op]:-t + 1} > t )) && DUR[$op]=$t
  done
done
diag "the fastest clean run: scan of $NKEYS keys ${DUR[scan]} us, import of $NKEYS files ${DUR[import]} us, recover of 2 items ${DUR[recover]} us"

SECONDS=0
RUNS=0 KILLS=0 HELD=0 VERIFIED=0
declare -A OPRUNS=() OPHELD=() OPCUT=() WANT=()
WANT[scan]=$((CRASH_KILLS * 4 / 10)) WANT[import]=$((CRASH_KILLS * 3 / 10))
WANT[recover]=$((CRASH_KILLS - WANT[scan] - WANT[import]))
for op in scan import recover; do
  # a run that ended before its kill is checked too, and another instant is drawn
  while (( ${OPCUT[$op]:-0} < WANT[$op] && ${OPRUNS[$op]:-0} < 3 * WANT[$op] )); do
    t=$(( ((RANDOM << 15) | RANDOM) % (DUR[$op] + 1) )); ((t == 0)) && t=1
    TRIAL="$op killed at $t us"
    fresh $op
    timeout --foreground -s KILL "$(printf '%d.%06d' $((t / 1000000)) $((t % 1000000)))" ${OKRA_WRAP:-} "$OKRA" --vault "$W" $(args $op) >/dev/null 2>&1
    rc=$?
    # 137: timeout's SIGKILL ended it; any other status is okra's own, from before the kill
    ((rc == 137)) && OPCUT[$op]=$(( ${OPCUT[$op]:-0} + 1 )) KILLS=$((KILLS + 1))
    RUNS=$((RUNS + 1)) OPRUNS[$op]=$(( ${OPRUNS[$op]:-0} + 1 ))
    if check $op $rc; then HELD=$((HELD + 1)) OPHELD[$op]=$(( ${OPHELD[$op]:-0} + 1 )); fi
    ((TRIAL_UNVERIFIED)) || VERIFIED=$((VERIFIED + 1))
  done
  is "${OPCUT[$op]:-0}" "${WANT[$op]}" \
     "$op: ${OPCUT[$op]:-0} random kills cut it short (${WANT[$op]} wanted; in ${OPRUNS[$op]:-0} runs, the others ended first)"
  is "${OPHELD[$op]:-0}" "${OPRUNS[$op]:-0}" "$op: ${OPHELD[$op]:-0}/${OPRUNS[$op]:-0} runs with a random kill held every check"
done
diag "$VERIFIED/$RUNS runs left a vault that verifies ($KILLS of them cut short by the kill); $HELD/$RUNS held every check; ${SECONDS}s"
is "$VERIFIED" "$RUNS" "$VERIFIED/$RUNS runs with a random kill left a vault that verifies"
is "$HELD" "$RUNS" "$HELD/$RUNS runs with a random kill held every check (all or nothing, lock, staging, running again)"

# ---- a kill just before each write, rename and sync on the vault (and --out) ----
SO=$TMP/faultfs.so
if cc -shared -fPIC -DFAULTFS_SO -o "$SO" "$ROOT/tests/tools/faultfs.c" -ldl 2>/dev/null; then
  PRELOAD=$SO
  asan=$(ldd "$OKRA" 2>/dev/null | awk '/libasan/ { print $3 }')
  [[ -n $asan ]] && PRELOAD="$asan $SO"
  shim() { # okra under the shim, scoped to the trial's vault and --out
    LD_PRELOAD=$PRELOAD FAULT_PATH=$WORK FAULT_REPORT=$TMP/report \
      ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 "$OKRA" "$@"
  }
  points() { # C: which of C calls to die before: CRASH_POINTS of them, from the first to the last
    local c=$1 j
    if ((c <= CRASH_POINTS)); then seq 1 "$c"
    elif ((CRASH_POINTS == 1)); then echo $(( (c + 1) / 2 ))
    else for ((j = 0; j < CRASH_POINTS; j++)); do echo $((1 + j * (c - 1) / (CRASH_POINTS - 1))); done | uniq
    fi
  }
  PKILLS=0 PHELD=0 PVERIFIED=0
  for op in scan import recover; do
    fresh $op; rm -f "$TMP/report"
    FAULT_COUNT=1 shim --vault "$W" $(args $op) >/dev/null 2>&1 || fatal "$op under the shim fails"
    counts=$(cat "$TMP/report" 2>/dev/null)
    opk=0 opwant=0 kinds=0 missed=""
    for kind in fsync renameat renameat2 write pwrite close openat fdatasync; do
      c=$(awk -v k="$kind" '$1 == k { print $2 }' <<<"$counts"); [[ -n $c && $c != 0 ]] || continue
      kinds=$((kinds + 1))
      for n in $(points "$c"); do
        opwant=$((opwant + 1))
        fresh $op; rm -f "$TMP/report"
        FAULT_ACTION=kill FAULT_CALL=$kind FAULT_AT=$n shim --vault "$W" $(args $op) >/dev/null 2>&1; rc=$?
        if ! grep -q '^killed' "$TMP/report" 2>/dev/null; then missed+=" $kind#$n"; continue; fi
        TRIAL="$op $(grep '^killed' "$TMP/report" | sed "s|$WORK/||g")"
        PKILLS=$((PKILLS + 1)) opk=$((opk + 1))
        check $op $rc && PHELD=$((PHELD + 1))
        ((TRIAL_UNVERIFIED)) || PVERIFIED=$((PVERIFIED + 1))
      done
    done
    # each call the clean run made is reached again, so every planned kill happens; a command
    # that commits a bundle writes, syncs and renames at least
    is "$opk" "$opwant" "$op: $opk of $opwant planned kills just before a call on the vault happened${missed:+ (not reached:$missed)}"
    ((kinds >= 3)) && _result 0 "$op: dies before $kinds kinds of call on the vault" ||
      _result 1 "$op: dies before $kinds kinds of call on the vault (want write, fsync and rename at least): $(tr '\n' ' ' <<<"$counts")"
  done
  diag "$PVERIFIED/$PKILLS kills just before a write, rename or sync left a vault that verifies; $PHELD/$PKILLS held every check"
  is "$PVERIFIED" "$PKILLS" "$PVERIFIED/$PKILLS kills just before a write, rename or sync left a vault that verifies"
  is "$PHELD" "$PKILLS" "$PHELD/$PKILLS kills just before a write, rename or sync on the vault or --out held every check"
else
  for op in scan import recover; do
    skip "no C compiler for the LD_PRELOAD shim: no kills at each call"
    skip "no C compiler for the LD_PRELOAD shim: no kills at each call"
  done
  skip "no C compiler for the LD_PRELOAD shim: no kills at each call"
  skip "no C compiler for the LD_PRELOAD shim: no kills at each call"
fi

# ---- what held, by check ----
is "${BAD[verify]:-0}" 0 "after every kill okra verify passes"
is "${BAD[atomic]:-0}" 0 "scan and import are all or nothing after every kill"
is "${BAD[lock]:-0}" 0 "a lock left by a dead process never blocks the next writer"
is "${BAD[staging]:-0}" 0 "the next writer leaves nothing in VAULT/tmp, the next commit no stray file in the vault"
is "${BAD[again]:-0}" 0 "running again completes and seals nothing twice"
is "${BAD[record]:-0}" 0 "a killed recovery leaves no record or a complete one, and no file without a record"
is "${BAD[partial]:-0}" 0 "no killed recovery leaves a partial file under a final name in --out"
diag "recoveries killed after the record was committed but before both files were delivered: $RECORD_NO_FILES"
if ((STAGED > 0)); then
  diag "staged plaintext left in --out by ${#STAGED_RUNS[@]} killed recoveries: $STAGED files ($STAGED_PARTIAL partial), never removed"
  diag "  e.g. $STAGED_EX"
fi
is "${#STAGED_RUNS[@]}" 0 "a killed recovery leaves no staged plaintext (.okra-recover.*) in --out"
done_testing
