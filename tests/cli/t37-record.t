#!/bin/bash
# okra record N [--pdf FILE], the ceremonies' --pdf and checkpoint --qr: a bundle's record from the
# bundle after it verified, as text, JSON and a printed page whose QR code gives the checkpoint back
# byte for byte; nothing secret on it; never inside the vault; log says what each bundle did.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/ceremony.sh"

for t in pdftotext pdftoppm pdfinfo pdffonts zbarimg; do
  command -v $t >/dev/null || { echo "1..0 # skip $t is missing (make deps)"; exit 0; }
done
unset DBUS_SESSION_BUS_ADDRESS

mkdir -p "$TMP/paper"
new_ceremony 3 2 "$TMP/vault" "$TMP/shares" --name alice --name bob --name "carol d'Été" \
  --pdf "$TMP/paper/init.pdf" || exit 1
make_keys "$TMP/k"
must_okra --vault "$V" --passphrase-file "$(pwfile pw-legacy pw-modern)" import --inspect "$TMP/k/legacy.pfx" \
  "$TMP/k/modern.pfx" "$TMP/k/plain.pem" >/dev/null
ids=($(must_okra --vault "$V" --json list | jq -r '.[].id'))
run_okra --vault "$V" --passphrase-file "$(pwfile pw-3 pw-1)" ceremony recover --share "${SHARE[3]}" \
  --share "${SHARE[1]}" --out "$TMP/out" --pdf "$TMP/paper/rec.pdf" "${ids[@]}"
is "$RC" 0 "a recovery with --pdf"
like "$ERR" "record of bundle 2 is in .*/paper/rec.pdf \\(2 pages\\)" "says where its record went"
sums2=$(tar -xOf "$V/bundles/00000002.tar" SHA256SUMS | sha256sum | cut -c1-64)

# ---- the text ----
run_okra --vault "$V" record 2
is "$RC" 0 "record 2 as text"
like "$OUT" "bundle +2 \\(recovery\\)" "its heading"
like "$OUT" "SHA256SUMS sha256 $sums2" "the SHA256SUMS hash in hex"
like "$OUT" "share used +share 3 of set [0-9]+: carol d'Été" "each share used, with its custodian"
for id in "${ids[@]}"; do like "$OUT" "recovered +$id " "recovered item $id"; done
like "$OUT" "Test Officer" "with the subject from the item's own bundle"
like "$OUT" "okra-checkpoint: 1.*seq: 2" "then the checkpoint"
like "$OUT" "_+ +alice, custodian" "a signature line per custodian"
# the words: the hash's bytes from the even and odd lists, as the PGP word vectors check
first=$(sed -n 's/^  1  \([0-9a-f]\{8\}\)  \(.*\)$/\1 \2/p' <<<"$OUT")
is "${first%% *}" "${sums2:0:8}" "the first group of 8 hex digits"
is "$(wc -w <<<"${first#* }")" 4 "beside its 4 words"

run_okra --vault "$V" --json record 2
is "$(jq -r '[.kind, .seq, (.recovered | length), (.shares | length)] | map(tostring) | join(" ")' <<<"$OUT")" \
   "recovery 2 3 2" "--json: kind, seq, items recovered, shares used"
is "$(jq -r .sums <<<"$OUT")" "$sums2" "--json: the hash"
is "$(jq -r '.recovered[0].subject' <<<"$OUT")" "$(must_okra --vault "$V" --json show "${ids[0]}" | jq -r .cert.subject)" \
   "--json: each recovered item's subject"

run_okra --vault "$V" record 0
like "$OUT" "share file written +share 3 of 3 for carol d'Été: share-3-of-3-carol_d_t.age" "init: each share file and to whom"
like "$OUT" "roll call +bob opened share-2-of-3-bob.age" "init: each custodian's roll call"
run_okra --vault "$V" record 1
like "$OUT" "sealed +${ids[0]} \\(" "import: each item sealed"

# ---- log ----
run_okra --vault "$V" log
is "$RC" 0 "log"
like "$OUT" "set [0-9]+ issued, 2 of 3" "log: the set an init issued"
like "$OUT" "3 sealed" "log: what an import sealed"
like "$OUT" "3 recovered with 2 shares" "log: a recovery's items, not '0 items'"
col=$(awk 'NR == 1 { print index($0, "record") }' <<<"$OUT")
is "$(awk -v c="$col" 'NR > 1 { print (substr($0, c - 2, 2) == "  " && substr($0, c, 1) != " ") }' <<<"$OUT" | sort -u)" 1 \
   "log: every row's last column starts under its heading"
is "$(must_okra --vault "$V" --json log | jq -c '.[2] | [.recovered, .shares, .items]')" "[3,2,0]" "log --json: the counts"

# ---- the PDF ----
pdf=$TMP/paper/rec.pdf
is "$(stat -c %a "$pdf")" 600 "the PDF is mode 0600"
is "$(ls -A "$TMP/paper" | sort | tr '\n' ' ')" "init.pdf rec.pdf " "and no temporary file is left beside it"
text=$(pdftotext -layout "$pdf" -)
like "$text" "$sums2" "pdftotext shows the hex hash"
words=$(must_okra --vault "$V" --json record 2 | jq -r .sums_words | tr '\n' ' ')
all=1; for w in $words; do grep -qw -- "$w" <<<"$text" || { all=0; diag "word $w missing"; }; done
is "$all" 1 "and each of its 32 PGP words"
like "$(tr -s ' \n' ' ' <<<"$text")" "$(sed -n 1p <<<"$(must_okra --vault "$V" --json record 2 | jq -r .sums_words)")" "the words in groups of four"
for n in alice "carol d'Été"; do like "$text" "$n, custodian" "a signature line for $n"; done
for id in "${ids[@]}"; do like "$text" "$id" "the recovered item $id"; done
like "$(pdffonts "$pdf")" "DejaVuSans" "set in DejaVu (fonts-dejavu-core), embedded"
is "$(pdfinfo "$pdf" | sed -n 's/^Pages: *//p')" 2 "two pages for this recovery (steps and hash, then checkpoint and signatures)"
is "$(pdfinfo "$TMP/paper/init.pdf" | sed -n 's/^Pages: *//p')" 2 "two for the init ceremony"
like "$(pdftotext "$TMP/paper/init.pdf" -)" "bob, custodian" "init --pdf names the custodians"

# every word inside the 48-point margins of every page
inside() {
  pdftotext -bbox "$1" - | python3 -c '
import re, sys
s = sys.stdin.read(); bad = 0
for w, h, body in re.findall(r"<page width=\"([\d.]+)\" height=\"([\d.]+)\">(.*?)</page>", s, re.S):
    w, h = float(w), float(h)
    for box in re.findall(r"xMin=\"([\d.]+)\" yMin=\"([\d.]+)\" xMax=\"([\d.]+)\" yMax=\"([\d.]+)\"", body):
        x0, y0, x1, y1 = map(float, box)
        if x0 < 47.9 or y0 < 47.9 or x1 > w - 47.9 or y1 > h - 47.9:
            bad += 1
print(bad)'
}
is "$(inside "$pdf")" 0 "no text runs off the page (every word inside the margins)"
is "$(inside "$TMP/paper/init.pdf")" 0 "nor on the init's two pages"

# the QR code gives the checkpoint back byte for byte, and verify accepts it
must_okra --vault "$V" checkpoint >"$TMP/cp.txt"
pdftoppm -r 150 -png "$pdf" "$TMP/page"
zbarimg --raw -q -Sbinary "$TMP"/page-*.png >"$TMP/decoded.txt" 2>/dev/null
ok "zbarimg reads the QR code off the rendered page" test -s "$TMP/decoded.txt"
ok "it is the checkpoint, byte for byte" cmp "$TMP/decoded.txt" "$TMP/cp.txt"
run_okra --vault "$V" verify --key "$V/station.pub" --checkpoint "$TMP/decoded.txt"
is "$RC" 0 "verify --checkpoint accepts the decoded file"

# nothing secret: no passphrase, no share's words, no key
secret=0
for i in 1 2 3; do
  m=$(share_mnemonic "${SHARE[$i]}" "pw-$i")
  [[ -n $m ]] || { secret=1; diag "cannot read share $i"; }
  # any three consecutive words of a mnemonic would be too many
  read -ra mw <<<"$m"
  for ((j = 0; j + 2 < ${#mw[@]}; j++)); do
    grep -qi -- "${mw[j]} ${mw[j+1]} ${mw[j+2]}" <<<"$(tr -s ' \n' ' ' <<<"$text $(pdftotext "$TMP/paper/init.pdf" -)")" && secret=1
  done
done
grep -q -- "pw-[123]" <<<"$text" && secret=1
key_b64=$(sed -n 2p "$TMP/k/ec.key")
grep -qF -- "${key_b64:0:24}" <<<"$text" && secret=1
strings "$pdf" | grep -qF -- "${key_b64:0:24}" && secret=1
is "$secret" 0 "no passphrase, share word or key on the printed record"

# letter paper
run_okra --vault "$V" record 2 --pdf "$TMP/paper/letter.pdf" --paper letter
like "$(pdfinfo "$TMP/paper/letter.pdf")" "612 x 792 pts" "--paper letter"
is "$(inside "$TMP/paper/letter.pdf")" 0 "inside the margins on letter too"

# ---- never inside the vault; never from a bundle that does not verify ----
ln -s "$V" "$TMP/vlink"
for p in "$V/r.pdf" "$TMP/vlink/r.pdf" "$V/bundles/../r.pdf"; do
  run_okra --vault "$V" record 0 --pdf "$p"
  is "$RC" 1 "refused inside the vault: $p"
done
like "$ERR" "lies inside it" "saying why"
ok "nothing was written there" test -z "$(find "$V" -name '*.pdf*')"
if [[ $(id -u) == 0 ]] && mkdir -p "$TMP/bind" && mount --bind "$V" "$TMP/bind" 2>/dev/null; then
  run_okra --vault "$V" record 0 --pdf "$TMP/bind/r.pdf"
  is "$RC" 1 "refused through a bind mount of the vault (same device and inode)"
  umount "$TMP/bind"
else
  skip "bind mounts need root"
fi
run_okra --vault "$V" record 0 --pdf "$TMP/nowhere/r.pdf"
is "$RC" 1 "a folder that does not exist is refused"
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2)" ceremony recover --share "${SHARE[1]}" \
  --share "${SHARE[2]}" --out "$TMP/out2" --pdf "$V/x.pdf" "${ids[0]}"
is "$RC" 2 "recover --pdf inside the vault is refused before any share is asked"
ok "and nothing was recovered" test ! -e "$TMP/out2"
run_okra --vault "$V" record 9
is "$RC" 1 "a bundle that does not exist"
like "$ERR" "no bundle 9" "is named"

cp -a "$V" "$TMP/tampered"
python3 - "$TMP/tampered/bundles/00000001.tar" <<'EOF'
import sys
p = sys.argv[1]; b = bytearray(open(p, 'rb').read())
i = b.index(b'"operator"'); b[i + 13] ^= 1
open(p, 'wb').write(bytes(b))
EOF
run_okra --vault "$TMP/tampered" record 1
is "$RC" 1 "a bundle that does not verify gives no record"
like "$ERR" "does not verify" "and says so"
run_okra --vault "$TMP/tampered" record 2
is "$RC" 1 "nor does a recovery whose items' bundle does not verify"

# an auditor's pinned key: the right one passes, another is refused
run_okra --vault "$V" record 2 --key "$V/station.pub"
is "$RC" 0 "--key with the pinned station key"
minisign -G -W -p "$TMP/other.pub" -s "$TMP/other.key" >/dev/null 2>&1
run_okra --vault "$V" record 2 --key "$TMP/other.pub"
is "$RC" 1 "--key with another station's key: no record"
like "$ERR" "does not verify" "the signature is named"

# ---- checkpoint --qr ----
run_okra --vault "$V" checkpoint --qr
is "$RC" 0 "checkpoint --qr"
python3 "$TESTS_LIB/term-qr.py" <"$TMP/.out" >"$TMP/term.pbm"
zbarimg --raw -q -Sbinary "$TMP/term.pbm" >"$TMP/term.txt" 2>/dev/null
ok "the terminal's QR code reads back as the checkpoint, byte for byte" cmp "$TMP/term.txt" "$TMP/cp.txt"

# ---- reshare --pdf ----
run_okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-2 n-1 n-2)" ceremony reshare --share "${SHARE[1]}" \
  --share "${SHARE[2]}" --custodians 2 --threshold 2 --name dan --name eve --share-dir "$TMP/new" \
  --work-factor "$WF" --pdf "$TMP/paper/reshare.pdf"
is "$RC" 0 "reshare --pdf"
t=$(pdftotext "$TMP/paper/reshare.pdf" -)
like "$t" "dan, custodian" "names the new custodians"
like "$t" "alice, custodian" "and those whose shares were used"
like "$t" "set retired" "and the set it retired"
like "$(must_okra --vault "$V" log | tail -n 1)" "retired set [0-9]+" "log: the set a reshare retired"

done_testing
