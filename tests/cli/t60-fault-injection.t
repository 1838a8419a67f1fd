#!/bin/bash
# Fault injection (issue 6): each fsync, fdatasync, rename, write, pwrite, close and open that
# `okra import` and `okra scan` make on the vault fails in turn (tests/tools/faultfs.c, an
# LD_PRELOAD shim). After each: a non-zero exit with one line (or exit 0 with the vault
# complete, when only the index or the checkpoint's update was hit), `okra verify` passes, the
# new items are all there or none, the next writer leaves no staging file, and the same command
# run again completes and seals nothing twice.
#
#   FAULT_CAP=N   the most faults injected per kind of call (default 30; sampled evenly above)
source "$(dirname "$0")/../lib/tap.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
: "${FAULT_CAP:=30}"
KINDS="fsync fdatasync rename renameat renameat2 write pwrite pwrite64 close openat"
OPS="import scan"
# valgrind: the first call of the kinds on the commit's path, for import only (minutes otherwise)
[[ -n ${OKRA_VALGRIND:-} ]] && FAULT_CAP=1 KINDS="fsync renameat2 write pwrite" OPS=import

SO=$TMP/faultfs.so
if ! cc -shared -fPIC -DFAULTFS_SO -o "$SO" "$ROOT/tests/tools/faultfs.c" -ldl 2>"$TMP/cc.err"; then
  skip "no C compiler to build the LD_PRELOAD shim: $(head -n 1 "$TMP/cc.err")"
  done_testing
fi
# An ASan build wants its runtime first in the preload list.
PRELOAD=$SO
asan=$(ldd "$OKRA" 2>/dev/null | awk '/libasan/ { print $3 }')
[[ -n $asan ]] && PRELOAD="$asan $SO" && FAULT_CAP=$((FAULT_CAP * 2 / 3))   # ASan runs slower

test_vault "$TMP/template"
make_keys "$TMP/k"
K=$TMP/k
M=$TMP/medium; mkdir -p "$M/sub"
cp "$K/rsa.key" "$M/rsa.key"; cp "$K/legacy.pfx" "$M/sub/legacy.pfx"; cp "$K/ec.key" "$M/sub/ec.txt"
echo "not a key" >"$M/readme.txt"
openssl genpkey -algorithm ed25519 -out "$TMP/later.pem" 2>/dev/null  # the commit after the next writer
IMPORT=(import "$K/legacy.pfx" "$K/modern.pfx" "$K/plain.pem")
SCAN=(scan "$M")
W=$TMP/w  # the vault of one trial

fresh() { rm -rf "$W"; cp -a "$TMP/template" "$W"; }
# items sealed in the vault's bundles (from the manifests: what the bundles hold, not the index)
manifest_ids() { local b; for b in "$W"/bundles/*.tar; do tar -xOf "$b" MANIFEST.json | jq -r '.items[].id'; done; }
n_bundles() { ls "$W/bundles" | grep -c '^[0-9]*\.tar$'; }
# what a writer may leave in the vault's root; anything else is a stray staging file
# (CHECKPOINT.next completes the checkpoint after a crash; the next commit replaces it)
strays() { # [ALLOW-REGEX]
  (cd "$W" && ls -A | grep -vxE "okra.json|station.pub|station.key|bundles|CHECKPOINT|CHECKPOINT.minisig|index.sqlite(-journal|-wal|-shm)?|lock|tmp${1:+|$1}")
  ls -A "$W/tmp"
  (cd "$W/bundles" && ls -A | grep -vxE '[0-9]{8,}\.tar' | sed 's|^|bundles/|')
}

faulted() { # KIND N ERRNO COMMAND...: runs okra with the shim; sets RC, ERR, INJECTED
  local kind=$1 n=$2 e=$3; shift 3
  rm -f "$TMP/report"
  LD_PRELOAD=$PRELOAD FAULT_CALL=$kind FAULT_AT=$n FAULT_ERRNO=$e FAULT_PATH=$W FAULT_REPORT=$TMP/report \
    ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 \
    okra --vault "$W" "$@" >"$TMP/.out" 2>"$TMP/.err"
  RC=$?; ERR=$(grep -vE '^(==|--)[0-9]+(==|--)' "$TMP/.err")   # not valgrind's own chatter
  INJECTED=$(grep '^injected' "$TMP/report" 2>/dev/null)
}

counts() { # COMMAND...: how many calls of each kind a clean run makes on the vault
  fresh; rm -f "$TMP/report"
  LD_PRELOAD=$PRELOAD FAULT_COUNT=1 FAULT_PATH=$W FAULT_REPORT=$TMP/report \
    ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0 \
    okra --vault "$W" "$@" >/dev/null 2>"$TMP/count.err" ||
    fatal "okra $* fails under the shim with no fault: $(tail -n 1 "$TMP/count.err")"
  cat "$TMP/report" 2>/dev/null
}

# The Ns to try for a kind made COUNT times: all of them, or CAP spread evenly.
points() {
  local count=$1 i
  if ((count <= FAULT_CAP || FAULT_CAP < 2)); then seq 1 "$((count < FAULT_CAP ? count : FAULT_CAP))"; return; fi
  for ((i = 0; i < FAULT_CAP; i++)); do echo $((1 + i * (count - 1) / (FAULT_CAP - 1))); done | uniq
}

TOTAL_INJ=0 TOTAL_HELD=0 EXIT0=0 COMMITTED_BUT_FAILED=0 FAILED=0 NAMED=0
: >"$TMP/messages"
trial() { # OPNAME WANT N_NEW KIND N: one injected fault and every check after it; 0 when all held
  local op=$1 want=$2 kind=$3 n=$4 e=EIO why="" before after ids listed again
  shift 4
  ((n % 2 == 0)) && e=ENOSPC
  fresh
  before=$(n_bundles)
  faulted "$kind" "$n" "$e" "$@"
  [[ -z $INJECTED ]] && return 2           # this run made fewer such calls: nothing injected
  TOTAL_INJ=$((TOTAL_INJ + 1))
  local rc=$RC err=$ERR lines
  lines=$(grep -c . <<<"$err")
  ids=$(manifest_ids | sort)
  local got; got=$(grep -c . <<<"$ids")
  okra --vault "$W" --json list >"$TMP/list.json" 2>"$TMP/list.err" ||
    why+=" list fails after the fault: $(head -n 1 "$TMP/list.err");"
  listed=$(jq length <"$TMP/list.json" 2>/dev/null)
  if ! okra --vault "$W" verify >/dev/null 2>"$TMP/verify.err"; then
    why+=" verify fails after the fault: $(head -n 1 "$TMP/verify.err");"
  fi
  local new=$((got - 0))
  if [[ $rc == 0 ]]; then
    EXIT0=$((EXIT0 + 1))
    [[ $new == "$want" ]] || why+=" exit 0 but $new of $want items sealed;"
  else
    [[ $rc == 1 ]] || why+=" exit $rc (want 1);"
    [[ $lines == 1 ]] || why+=" $lines lines on stderr (want one): $(tr '\n' '|' <<<"$err");"
    FAILED=$((FAILED + 1))
    # okra(1): the line names the file or folder (and the fix)
    # (the vault's path, a file named within it, or a full disk, which can only be the vault's)
    if [[ $err == *"$W"* || $err =~ (bundles/[0-9]+\.tar|CHECKPOINT|index\.sqlite|disk\ is\ full) ]]; then
      NAMED=$((NAMED + 1))
    else
      echo "$kind: ${err//$W/VAULT}" >>"$TMP/messages"
    fi
    [[ $new == 0 || $new == "$want" ]] || why+=" $new of $want items sealed (all or nothing);"
    [[ $new == "$want" ]] && COMMITTED_BUT_FAILED=$((COMMITTED_BUT_FAILED + 1)) &&
      diag "  $op $kind #$n: exit $rc, yet the bundle was committed: $err"
  fi
  [[ $listed == "$new" ]] || why+=" list shows $listed items, the bundles hold $new;"
  # the next writer: the same command again, without the shim
  okra --vault "$W" "$@" >"$TMP/again.out" 2>"$TMP/again.err"
  again=$?
  [[ $again == 0 ]] || why+=" running again fails ($again): $(head -n 1 "$TMP/again.err");"
  after=$(manifest_ids | sort)
  [[ $(grep -c . <<<"$after") == "$want" ]] || why+=" after running again $(grep -c . <<<"$after") items (want $want);"
  [[ -z $(uniq -d <<<"$after") ]] || why+=" an item sealed twice;"
  (( $(n_bundles) == before + 1 )) || why+=" $(( $(n_bundles) - before )) new bundles after running again (want 1);"
  local s; s=$(strays 'CHECKPOINT.next' | tr '\n' ' ')
  [[ -z $s ]] || why+=" left after the next writer: $s;"
  okra --vault "$W" verify >/dev/null 2>&1 || why+=" verify fails after running again;"
  # the next commit brings CHECKPOINT up to date and leaves nothing behind
  okra --vault "$W" import "$TMP/later.pem" >/dev/null 2>"$TMP/later.err" ||
    why+=" the next commit fails: $(head -n 1 "$TMP/later.err");"
  local last; last=$(ls "$W/bundles" | sort | tail -n 1); last=$((10#${last%.tar}))
  [[ $(sed -n 's/^seq: //p' "$W/CHECKPOINT") == "$last" ]] || why+=" CHECKPOINT is not at bundle $last after the next commit;"
  s=$(strays | tr '\n' ' ')
  [[ -z $s ]] || why+=" left after the next commit: $s;"
  okra --vault "$W" verify >/dev/null 2>&1 || why+=" verify fails after the next commit;"
  if [[ -n $why ]]; then
    diag "  $op: $INJECTED -> exit $rc: ${err%%$'\n'*}"
    diag "    did not hold:$why"
    return 1
  fi
  TOTAL_HELD=$((TOTAL_HELD + 1))
  return 0
}

run_op() { # OPNAME WANT COMMAND...
  local op=$1 want=$2; shift 2
  local c kind count inj held n r
  c=$(counts "$@")
  if [[ -z $c ]]; then
    _result 1 "$op: the shim reports its counts"; diag "  LD_PRELOAD=$PRELOAD did not report"
    return
  fi
  diag "$op, a clean run's calls on the vault: $(tr '\n' ' ' <<<"$c")"
  for kind in $KINDS; do
    count=$(awk -v k="$kind" '$1 == k { print $2 }' <<<"$c")
    if [[ -z $count || $count == 0 ]]; then
      continue
    fi
    inj=0 held=0
    for n in $(points "$count"); do
      trial "$op" "$want" "$kind" "$n" "$@"; r=$?
      ((r == 2)) && continue
      inj=$((inj + 1)); ((r == 0)) && held=$((held + 1))
    done
    is "$held" "$inj" "$op: $held/$inj injected $kind faults held (of $count calls)"
  done
}

SECONDS=0
[[ $OPS == *import* ]] && run_op import 3 "${IMPORT[@]}"
[[ $OPS == *scan* ]] && run_op scan 3 "${SCAN[@]}"
diag "$TOTAL_HELD/$TOTAL_INJ injected faults held ($EXIT0 exited 0 with the vault complete, $COMMITTED_BUT_FAILED exited 1 with the bundle committed) in ${SECONDS}s"
is "$TOTAL_HELD" "$TOTAL_INJ" "$TOTAL_HELD/$TOTAL_INJ injected faults held"
# okra(1): every failure prints one clear line that names the file or item
if [[ -s $TMP/messages ]]; then
  diag "failure lines that name no file or folder of the vault:"
  sort "$TMP/messages" | uniq -c | while read -r line; do diag "  $line"; done
fi
is "$NAMED" "$FAILED" "$NAMED/$FAILED failure lines name the file or folder of the vault that failed"
((TOTAL_INJ > 0)); _result $? "faults were injected at all ($TOTAL_INJ)"
done_testing
