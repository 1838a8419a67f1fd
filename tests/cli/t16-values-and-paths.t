#!/bin/bash
# Values given to options are checked whole (a bad date, number or size is a usage error naming
# the option and the form it takes, and changes nothing), and uninspected items can be found by
# path: list --path, and a note on stderr when a certificate filter cannot see them.
source "$(dirname "$0")/../lib/tap.sh"
test_vault; make_keys "$TMP/k"
mkdir -p "$TMP/medium/Finance"
cp "$TMP/k/legacy.pfx" "$TMP/medium/Finance/Alice-Export.pfx"
cp "$TMP/k/plain.pem" "$TMP/medium/server.pem"
before=$(vault_snapshot "$V")

# ---- bad values: exit 2, one line naming the option, the text and the form ----
bad() { # WANT-REGEX ARGS...: okra ARGS must exit 2 with WANT on its first stderr line
  local want=$1; shift
  run_okra --vault "$V" "$@"
  is "$RC" 2 "okra $* exits 2"
  like "$(head -n1 <<<"$ERR")" "$want" "okra $*: names the option and the form"
}
DATE_FORM="takes a date, YYYY-MM-DD or an RFC 3339 time"
bad "^okra: list: --expires-before $DATE_FORM.*, not 'tomorrow'\$" list --expires-before tomorrow
bad "^okra: list: --expires-before $DATE_FORM" list --expires-before 2028-13-01
bad "^okra: list: --expires-before $DATE_FORM" list --expires-before 2027-02-29
bad "^okra: list: --expires-before $DATE_FORM" list --expires-before 2028-01-31T24:00:00Z
bad "^okra: list: --expires-before $DATE_FORM" list --expires-before 2028-01-31T12:00:00
bad "^okra: list: --expires-before $DATE_FORM" list --expires-before 2028-1-31
bad "^okra: list: --limit takes a whole number, 1 or more, not 'x'\$" list --limit x
bad "^okra: list: --limit takes a whole number" list --limit 0
bad "^okra: list: --limit takes a whole number" list --limit 5x
bad "^okra: list: --limit takes a whole number" list --limit 99999999999999999999999
bad "^okra: list: --offset takes a whole number, 0 or more, not '-1'\$" list --offset -1
bad "^okra: scan: --max-size takes a size in bytes.*, not '12Q'\$" scan --max-size 12Q "$TMP/medium"
bad "^okra: scan: --max-size takes a size in bytes" scan --max-size 0 "$TMP/medium"
bad "^okra: scan: --max-size takes a size in bytes" scan --max-size 17179869184G "$TMP/medium"
bad "^okra: import: --max-size takes a size in bytes" import --max-size 1.5M "$TMP/k/plain.pem"
bad "^okra: import: --max-size takes a size in bytes" import --max-size -- "$TMP/k/plain.pem"
bad "^okra: mediawatch: --max-size takes a size in bytes" mediawatch --max-size 3T
is "$(vault_snapshot "$V")" "$before" "no bad value changed the vault"

# ---- good values are taken ----
run_okra --vault "$V" scan --max-size 64KiB "$TMP/medium"
is "$RC" 0 "--max-size 64KiB is a size"
run_okra --vault "$V" list --expires-before 2099-12-31T23:59:59+02:00
is "$RC" 0 "an RFC 3339 time with an offset is a date"
run_okra --vault "$V" list --expires-before 2028-02-29
is "$RC" 0 "a leap day is a date"

# ---- an item sealed uninspected is found by its path ----
run_okra --vault "$V" --json list --path alice-export
is "$RC" 0 "list --path"
is "$(jq -r '.[].source.path' <<<"$OUT")" "Finance/Alice-Export.pfx" "--path matches part of the path, in any case"
run_okra --vault "$V" list --path finance/
like "$OUT" "^[0-9a-f]{16}  pkcs12 +bundle 1 +Finance/Alice-Export.pfx\$" "a person's line shows the path of an item without a subject"
run_okra --vault "$V" --json list --path nothing-like-this
is "$OUT" "[]" "a path nobody has: an empty list"
is "$ERR" "" "and no note: --path sees every item"

# ---- a certificate filter that finds nothing says what it cannot see ----
run_okra --vault "$V" --json list --subject alice
is "$RC" 0 "list --subject that matches nothing exits 0"
is "$OUT" "[]" "the JSON stays an empty array"
is "$ERR" "okra: no inspected item matches; 2 items were sealed uninspected and have no certificate fields to match: look for them with --path TEXT (or --medium TEXT)" \
   "stderr says uninspected items exist and how to find them"
run_okra --vault "$V" list --expires-before 2001-01-01
like "$ERR" "2 items were sealed uninspected" "the same for --expires-before"
run_okra --vault "$V" list --format pem-pkcs8
is "$ERR" "" "no note for a filter that is not on certificate fields"

printf 'pw-modern\n' >"$TMP/pw"
must_okra --vault "$V" --passphrase-file "$TMP/pw" import --inspect "$TMP/k/modern.pfx" >/dev/null
run_okra --vault "$V" --json list --subject "test curve"
is "$(jq length <<<"$OUT")" 1 "an inspected item is found by subject"
is "$ERR" "" "and no note when something matched"
done_testing
