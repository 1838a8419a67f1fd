#!/bin/bash
# The trust boundary (SECURITY.md, "Trust boundary"): nothing okra decrypts, writes, reports as sealed or
# accepts as a share set comes from anything but bundles that verified. Each case is an attack by someone
# who can edit the vault folder (or a copy of it) but holds no share and no station key, or who prepared
# the files okra reads; each asserts the message, that nothing was decrypted or written, and what verify says.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

RLO=$'\xe2\x80\xae' CSI=$'\xc2\x9b'
# no_raw TEXT: TEXT holds no bidirectional override and no C1 control as it is
no_raw() { ! grep -qF -e "$RLO" -e "$CSI" <<<"$1"; }

# ---- what a person sees: bidi and C1 controls in names, subjects and operators are escaped ----
test_vault "$TMP/bidi"
mkdir -p "$TMP/m"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$TMP/m/k.pem" -out "$TMP/m/c.pem" \
  -utf8 -subj "/CN=invoice${RLO}fdp.exe/O=C1${CSI}2J" -days 30 2>/dev/null
cat "$TMP/m/k.pem" "$TMP/m/c.pem" >"$TMP/m/a${RLO}xfp.pem"; rm "$TMP/m/k.pem" "$TMP/m/c.pem"
run_okra --vault "$V" scan --inspect --operator "eve${RLO}" "$TMP/m"
is "$RC" 0 "scan seals a key whose name holds U+202E"
ok "scan's lines hold no raw bidi or C1 control" no_raw "$OUT$ERR"
like "$OUT" 'sealed +a\\xe2\\x80\\xaexfp.pem  as' "the name is shown with the override escaped"
id=$(sed -n 's/.* as \([0-9a-f]*\) .*/\1/p' <<<"$OUT")
for c in list "show $id" log; do
  run_okra --vault "$V" $c
  is "$RC" 0 "$c runs"
  ok "$c prints no raw bidi or C1 control" no_raw "$OUT"
done
run_okra --vault "$V" list
like "$OUT" 'invoice\\xe2\\x80\\xaefdp.exe' "list shows the subject's override escaped"
run_okra --vault "$V" log
like "$OUT" 'eve\\xe2\\x80\\xae' "log shows the operator's override escaped"

done_testing
