# slowdisk.sh: a slow disk for tests that watch long work as it runs (progress lines, Ctrl-C
# mid-run): faultfs (tests/tools/faultfs.c) with FAULT_ACTION=delay makes every open beneath one
# folder late, so a run lasts as long as the test needs whatever the machine's speed.
#
#   slowdisk_build || { $SLOWDISK_SKIP "$SLOWDISK_WHY"; ... }   (skip, or skip_na under a wrapper)
#   slowdisk DIR MS okra ...     runs a command with each open beneath DIR MS milliseconds late
#   slowdisk_env DIR MS; env "${SLOWDISK_ENV[@]}" okra ... &
#                                the same as environment words (a command run in the background
#                                must be a simple command, so that $! is okra itself)

slowdisk_build() {
  local root; root=$(cd "$TESTS_LIB/../.." && pwd)
  SLOWDISK_SO=$TMP/faultfs.so
  if ! cc -shared -fPIC -DFAULTFS_SO -o "$SLOWDISK_SO" "$root/tests/tools/faultfs.c" -ldl 2>"$TMP/cc.err"; then
    SLOWDISK_WHY="no C compiler to build the LD_PRELOAD shim: $(head -n 1 "$TMP/cc.err")" SLOWDISK_SKIP=skip
    return 1
  fi
  if [[ -n ${OKRA_WRAP:-} ]]; then
    SLOWDISK_WHY="the slow disk is an LD_PRELOAD shim, not run under $OKRA_WRAP" SLOWDISK_SKIP=skip_na
    return 1
  fi
  # an ASan build wants its runtime first in the preload list
  SLOWDISK_PRELOAD=$SLOWDISK_SO
  local asan; asan=$(ldd "$OKRA" 2>/dev/null | awk '/libasan/ { print $3 }')
  [[ -n $asan ]] && SLOWDISK_PRELOAD="$asan $SLOWDISK_SO"
  return 0
}

slowdisk_env() { # DIR MS: sets SLOWDISK_ENV
  SLOWDISK_ENV=("LD_PRELOAD=$SLOWDISK_PRELOAD" FAULT_CALL=any FAULT_AT=1 FAULT_STICKY=1
                FAULT_ACTION=delay "FAULT_DELAY_MS=$2" "FAULT_PATH=$1")
}

slowdisk() { # DIR MS COMMAND...
  local dir=$1 ms=$2; shift 2
  slowdisk_env "$dir" "$ms"
  env "${SLOWDISK_ENV[@]}" "$@"
}
