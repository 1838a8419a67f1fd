#!/bin/bash
# Hostile media (issue 6): a generated corpus of bad layouts through `okra scan`, under a time
# limit (60 s) and a memory limit (64 MiB peak): symlink loops, links to / and out of the
# folder, a FIFO, a socket, device nodes, 20000 empty files in one folder, 120 levels of
# folders past PATH_MAX, a 3 GB sparse file, names with newlines, tabs, escape sequences,
# invalid UTF-8 and 255 bytes, an unreadable key, a hard-linked key, a key under a .txt name,
# a fake .pfx. Exactly the real keys are sealed; each skip has a line naming the file and why;
# names are printed escaped; the vault verifies.
#
# Run as root, okra runs as nobody (setpriv), so that an unreadable file is unreadable to it.
source "$(dirname "$0")/../lib/tap.sh"
LIMIT_S=60 LIMIT_KB=$((64 * 1024))
VALGRIND=${OKRA_VALGRIND:-} EMPTIES=20000
[[ -n $VALGRIND ]] && LIMIT_S=600 EMPTIES=2000   # valgrind: the time and memory figures are its own

RUNAS=()
if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null && id nobody >/dev/null 2>&1; then
  RUNAS=(setpriv --reuid="$(id -u nobody)" --regid="$(id -g nobody)" --clear-groups --)
  chmod 711 "$TMP"
fi
as_user() { "${RUNAS[@]}" "$@"; }
test_vault "$TMP/vault"
((${#RUNAS[@]})) && chown -R nobody "$V"

# ---- the medium ----
M=$TMP/medium; mkdir -p "$M"
make_keys "$TMP/k"
key() { openssl genpkey -algorithm ed25519 -out "$1" 2>/dev/null; }   # a new key each time
REAL=()   # the files that must be sealed
real() { REAL+=("$1"); }

key "$M/top.pem"; real "$M/top.pem"
mkdir -p "$M/hidden"; cp "$TMP/k/legacy.pfx" "$M/hidden/notes.txt"; real "$M/hidden/notes.txt"
NL_NAME=$'evil\nsealed  fake.pem'; key "$M/$NL_NAME"; real "$M/$NL_NAME"
TAB_NAME=$'tab\there.pem'; key "$M/$TAB_NAME"; real "$M/$TAB_NAME"
BAD_NAME=$'bad\xff\xfeutf8.pem'; key "$M/$BAD_NAME"; real "$M/$BAD_NAME"
ESC_NAME=$'esc\e]0;pwned\a.pem'; key "$M/$ESC_NAME"; real "$M/$ESC_NAME"
LONG_NAME=$(printf 'k%.0s' $(seq 1 251)).pem; key "$M/$LONG_NAME"; real "$M/$LONG_NAME"   # 255 bytes

mkdir -p "$M/loop"; ln -s b "$M/loop/a"; ln -s a "$M/loop/b"
ln -s / "$M/root"
ln -s ../../../../../../etc/passwd "$M/out.pem"; ln -s "$TMP/k" "$M/outside"
ln -s top.pem "$M/link-to-key.pem"
mkfifo "$M/fifo.pfx"
python3 -c 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$M/sock.pfx" 2>/dev/null
HAVE_DEV=0
if [[ $(id -u) == 0 ]] && mkdir -p "$M/dev" && mknod "$M/dev/zero.pfx" c 1 5 2>/dev/null; then
  mknod "$M/dev/loop.pfx" b 7 0 2>/dev/null; HAVE_DEV=1
fi
mkdir -p "$M/empty"; (cd "$M/empty" && seq -f 'f%05g' 1 "$EMPTIES" | xargs touch)
# 120 levels of 100-byte names (12 KB of path, past PATH_MAX); a key at 20, another at the bottom
seg=$(printf 'd%.0s' $(seq 1 100))
( cd "$M" && for ((i = 1; i <= 120; i++)); do mkdir "$seg" && cd "$seg" || exit 1
    ((i == 20)) && openssl genpkey -algorithm ed25519 -out key20.pem 2>/dev/null
    ((i == 120)) && openssl genpkey -algorithm ed25519 -out bottom.pem 2>/dev/null
  done )
DEEP20=$M; for ((i = 1; i <= 20; i++)); do DEEP20+=/$seg; done; real "$DEEP20/key20.pem"
truncate -s 3G "$M/sparse-3g.pfx"
truncate -s 255M "$M/sparse-255m.bin"
key "$TMP/hl.pem"; cp "$TMP/hl.pem" "$M/hl1.pem"; ln "$M/hl1.pem" "$M/hl2.pem"
echo "this is not a pfx" >"$M/fake.pfx"
UNREADABLE=0
key "$M/unreadable.pem"; chmod 000 "$M/unreadable.pem"
if ((${#RUNAS[@]})) || [[ $(id -u) != 0 ]]; then UNREADABLE=1; else real "$M/unreadable.pem"; fi
chmod -R a+rX "$M" 2>/dev/null; chmod 000 "$M/unreadable.pem"

# ---- the scan, under limits ----
SECONDS=0
timeout -s KILL "$LIMIT_S" /usr/bin/time -f %M -o "$TMP/maxrss" "${RUNAS[@]}" ${OKRA_WRAP:-} "$OKRA" --vault "$V" scan "$M" \
  >"$TMP/out" 2>"$TMP/err"
RC=$? took=$SECONDS
OUTPUT=$(cat "$TMP/out" "$TMP/err" | grep -vE '^(==|--)[0-9]+(==|--)')   # not valgrind's own chatter
maxrss=$(tail -n 1 "$TMP/maxrss" 2>/dev/null)
diag "scan of the hostile medium: exit $RC in ${took}s, peak RSS ${maxrss:-?} kB, $(wc -l <"$TMP/out") lines"
[[ $RC != 137 ]]; _result $? "the scan finishes within ${LIMIT_S}s (${took}s)"
if [[ -n $VALGRIND ]]; then
  skip_na "peak memory under valgrind is valgrind's"
else
  ((${maxrss:-999999999} < LIMIT_KB)); _result $? "peak memory under 64 MiB (${maxrss:-?} kB)"
fi
is "$RC" 0 "the scan exits 0: every export file it could read was sealed"

# exactly the real keys, by content
want=$(for f in "${REAL[@]}"; do sha256sum <"$f" | cut -d' ' -f1; done | sort)
as_user ${OKRA_WRAP:-} "$OKRA" --vault "$V" --json list >"$TMP/list.json" 2>"$TMP/list.err" ||
  fatal "list as the test user fails: $(tail -n 1 "$TMP/list.err")"
got=$(jq -r '.[].source.sha256' "$TMP/list.json" | sort)
is "$got" "$want" "exactly the ${#REAL[@]} real keys are sealed"
ok "the vault verifies" as_user "$OKRA" --vault "$V" verify

# a line naming each skipped file and why
skipped() { # ESCAPED-PATH WHY-REGEX DESCRIPTION
  local line
  line=$(grep -F -- " $1: " <<<"$OUTPUT" | head -n 1)
  like "$line" "^skipped +.*: $2" "$3"
}
skipped 'loop/a' 'a symbolic link' "a symlink loop (a -> b -> a) is skipped: a symbolic link"
skipped 'loop/b' 'a symbolic link' "and its other half"
skipped 'root' 'a symbolic link' "a link to / is not followed"
skipped 'out.pem' 'a symbolic link' "a link out of the folder is not followed"
skipped 'outside' 'a symbolic link' "nor a link to a folder outside"
skipped 'link-to-key.pem' 'a symbolic link' "nor a link to a key inside"
skipped 'fifo.pfx' 'a FIFO' "a FIFO is skipped, not opened"
if [[ -S $M/sock.pfx ]]; then skipped 'sock.pfx' 'a socket' "a socket is skipped"; else skip "no socket made (python3)"; fi
if ((HAVE_DEV)); then
  skipped 'dev/zero.pfx' 'a character device' "a character device is skipped, not read"
  skipped 'dev/loop.pfx' 'a block device' "a block device is skipped, not read"
else
  skip "device nodes need root (mknod)"; skip "device nodes need root (mknod)"
fi
is "$(grep -cE '^skipped +empty/f[0-9]{5}: is empty' <<<"$OUTPUT")" "$EMPTIES" "each of $EMPTIES empty files has its line"
like "$(grep -F 'deeper than 32' <<<"$OUTPUT" | head -n 1)" "^skipped +($seg/){32}$seg" \
     "120 levels of folders: the walk stops past 32, naming the folder"
skipped 'sparse-3g.pfx' 'is larger than' "a 3 GB sparse file is skipped as too large, not read"
skipped 'sparse-255m.bin' 'not an export file' "a 255 MiB sparse file is read no further than its start"
skipped 'hl1.pem' 'has 2 hard links' "a hard-linked key is skipped, saying why"
skipped 'hl2.pem' 'has 2 hard links' "and its other link too"
skipped 'fake.pfx' 'not an export file' "a fake .pfx is skipped: not an export file"
if ((UNREADABLE)); then
  skipped 'unreadable.pem' '(cannot be read|permission denied)' "an unreadable file is skipped, saying why"
else
  skip "an unreadable file: root reads it anyway (no setpriv to drop to nobody)"
fi
like "$(grep -F 'hidden/notes.txt' <<<"$OUTPUT")" "^sealed +hidden/notes.txt" "a key under a .txt name is sealed"

# names printed escaped: one line per file, nothing raw
like "$(grep -F 'evil' <<<"$OUTPUT")" '^sealed +evil\\nsealed  fake\.pem ' "a newline in a name is printed as \\n"
is "$(grep -c '^sealed  fake.pem' <<<"$OUTPUT")" 0 "no line forged by a name with a newline"
like "$(grep -F 'here.pem' <<<"$OUTPUT")" '^sealed +tab\\there\.pem ' "a tab in a name is printed as \\t"
like "$(grep -F 'utf8.pem' <<<"$OUTPUT")" '^sealed +bad\\xff\\xfeutf8\.pem ' "invalid UTF-8 is printed as \\xNN"
like "$(grep -F 'pwned' <<<"$OUTPUT")" '^sealed +esc\\x1b\]0;pwned\\x07\.pem ' "an escape sequence in a name is printed inert"
like "$(grep -F 'kkkkkkkk' <<<"$OUTPUT")" "^sealed +$LONG_NAME " "a 255-byte name is printed whole"
is "$(LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$OUTPUT")" 0 "no raw control character in the output"
iconv -f UTF-8 -t UTF-8 <<<"$OUTPUT" >/dev/null 2>&1; _result $? "the output is valid UTF-8"
bad=$(grep -vE '^(sealed|skipped|already sealed|bundle [0-9]+ committed|nothing new)' <<<"$OUTPUT" | head -n 3)
is "$bad" "" "every line of the output is one file's line or the summary"
done_testing
