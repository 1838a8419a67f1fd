# ceremony.sh: sourced after tap.sh by the ceremony tests (tests/cli/t3*.t).
#
# Share files are made at a low scrypt work factor (--work-factor, log2 N) so
# that the tests, and valgrind over them, do not spend minutes in scrypt.
: "${WF:=${OKRA_TEST_WORK_FACTOR:-12}}"
[[ -n ${OKRA_VALGRIND:-} ]] && WF=10

# A passphrase file with one line per argument; prints its path.
pwfile() {
  local f
  f=$(mktemp "$TMP/pw.XXXXXX")
  printf '%s\n' "$@" >"$f"
  echo "$f"
}

# new_ceremony N M [VAULT [SHARE_DIR [--name NAME]...]]: a vault with a T-of-N ceremony done.
# Custodian I's passphrase is "pw-I"; share files are in $SHARES, in order in ${SHARE[I]}.
new_ceremony() {
  local n=$1 m=$2 i ii pws=()
  V=${3:-$TMP/vault} SHARES=${4:-$TMP/shares}
  shift $(( $# < 4 ? $# : 4 ))
  for ((i = 1; i <= n; i++)); do pws+=("pw-$i"); done
  okra --vault "$V" --passphrase-file "$(pwfile "${pws[@]}")" ceremony init --custodians "$n" \
    --threshold "$m" --share-dir "$SHARES" --work-factor "$WF" "$@" >"$TMP/init.out" 2>&1 \
    || { echo "# ceremony init failed: $(tail -n 1 "$TMP/init.out")"; return 1; }
  SHARE=("")
  for ((i = 1; i <= n; i++)); do
    printf -v ii "%0$(( n >= 10 ? 2 : 1 ))d" "$i"
    SHARE+=("$(ls "$SHARES"/share-"$ii"-of-"$n"*.age | head -n 1)")
  done
}

# The test tools (tests/tools/*.c) come with 'make check'; built here when a bare 'make' was run.
if [[ ! -x $OKRA_TOOLS/shareopen && $OKRA_TOOLS == */build/tools ]]; then
  make -s -C "${OKRA_TOOLS%/build/tools}" tools >/dev/null 2>&1 || echo "# cannot build the test tools ('make tools')"
fi

# The plaintext of a share file, through the test tool (okra's own age).
share_plain() { "$OKRA_TOOLS/shareopen" "$1" "$(pwfile "$2")"; }

# The mnemonic in share file $1 whose passphrase is $2.
share_mnemonic() { share_plain "$1" "$2" | sed -n 's/^mnemonic: //p'; }

# The newest bundle's manifest.
last_manifest() { tar -xOf "$(ls "$V"/bundles/*.tar | sort | tail -n 1)" MANIFEST.json; }

# The number of bundles in $V.
n_bundles() { ls "$V/bundles" | grep -c '^[0-9]*\.tar$'; }
