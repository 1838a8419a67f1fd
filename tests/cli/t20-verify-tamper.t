#!/bin/bash
# okra verify catches every alteration of a vault (issue 2), and passes the untouched one.
source "$(dirname "$0")/../lib/tap.sh"
test_vault; make_keys "$TMP/k"
for f in legacy.pfx modern.pfx plain.pem rsa.key; do must_okra --vault "$V" import "$TMP/k/$f" >/dev/null; done
mkdir -p "$TMP/cp3"; cp "$V"/CHECKPOINT* "$TMP/cp3/"          # the vault's own state at seq 4
openssl genpkey -algorithm ed25519 -out "$TMP/k/ed1.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$TMP/k/ed2.pem" 2>/dev/null
must_okra --vault "$V" import "$TMP/k/ed1.pem" >/dev/null
must_okra --vault "$V" import "$TMP/k/ed2.pem" >/dev/null           # bundles 0..6
cp "$V/station.pub" "$TMP/pinned.pub"
must_okra --vault "$V" checkpoint >"$TMP/checkpoint"
R=$(jq -r .recipient "$V/okra.json")
# another vault, for a bundle from elsewhere
V0=$V; test_vault "$TMP/other"; must_okra --vault "$TMP/other" import "$TMP/k/ed1.pem" >/dev/null; VB=$TMP/other; V=$V0

run_okra --vault "$V" verify --key "$TMP/pinned.pub" --checkpoint "$TMP/checkpoint"
is "$RC" 0 "the untouched vault verifies against the pinned key and the saved checkpoint"
like "$OUT" "7 bundles verified" "and says how many bundles it checked"

b() { printf '%s/bundles/%08d.tar' "$W" "$1"; }
flip() { local f=$1 off=$2 c; c=$(od -An -tu1 -j "$off" -N1 "$f"); printf "$(printf '\\x%02x' $((c ^ 1)))" | dd of="$f" bs=1 seek="$off" conv=notrunc 2>/dev/null; }
# char_change FILE OFFSET A B: the character at OFFSET made A (B if it is A), so a hex or base64
# line still parses and only its meaning changes
char_change() { local c; c=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null); [[ $c == "$3" ]] && c=$4 || c=$3
  printf %s "$c" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null; }
member_off() { python3 -c 'import tarfile,sys
t=tarfile.open(sys.argv[1]); m=[x for x in t.getmembers() if x.name.startswith(sys.argv[2])][0]; print(m.offset_data+int(sys.argv[3]))' "$1" "$2" "$3"; }
resign() { # BUNDLE SECKEY: new SHA256SUMS, signed again with the same trusted comment, same member order
  local f=$1 key=$2 d=$TMP/rs; rm -rf "$d"; mkdir -p "$d"; tar -xf "$f" -C "$d"
  ( cd "$d" && tc=$(sed -n 's/^trusted comment: //p' SHA256SUMS.minisig) && files=$(sed 's/^[0-9a-f]*  //' SHA256SUMS) &&
    sha256sum $files >SHA256SUMS && minisign -S -s "$key" -m SHA256SUMS -t "$tc" >/dev/null &&
    tar --format=pax --no-recursion -cf "$f" $(tar -tf "$f") ) </dev/null
}
forge() { # replace the first payload with another key sealed to the same recipient, then re-sign
  local f=$1 d=$TMP/fg; rm -rf "$d"; mkdir -p "$d"; tar -xf "$f" -C "$d"
  openssl genpkey -algorithm ed25519 2>/dev/null | age -r "$R" -o "$d/payload/0001.age"
  (cd "$d" && tar --format=pax --no-recursion -cf "$f" $(tar -tf "$f")); resign "$f" "$W/station.key"
}
field_off() { # BUNDLE MEMBER TEXT: the offset in the bundle of the byte after TEXT in MEMBER
  python3 -c 'import tarfile,sys
t=tarfile.open(sys.argv[1]); m=[x for x in t.getmembers() if x.name == sys.argv[2]][0]
print(m.offset_data + t.extractfile(m).read().index(sys.argv[3].encode()) + len(sys.argv[3]))' "$1" "$2" "$3"; }
tamper() { # NAME REASON COMMAND: on a copy, the command damages; verify must fail, and one of its
  # lines must give REASON (a regex), the check that must catch this damage, not just any
  local name=$1 reason=$2; shift 2
  rm -rf "$TMP/w"; cp -a "$V" "$TMP/w"; W=$TMP/w
  eval "$@"
  okra --vault "$W" verify --key "$TMP/pinned.pub" --checkpoint "$TMP/checkpoint" >"$TMP/v.out" 2>"$TMP/v.err"; local rc=$?
  if [[ $rc == 1 ]] && grep -qE -- "$reason" "$TMP/v.err"; then _result 0 "caught: $name"; else
    _result 1 "caught: $name, by: $reason (exit $rc)"; sed 's/^/#   /' "$TMP/v.err"
  fi
}
OPERATOR_KEY='"operator": "'   # a byte of the operator's name: the JSON stays valid, only the checksum tells
tamper "a payload byte flipped" 'bundles/00000003.tar: payload/0001.age does not match its checksum in SHA256SUMS' \
  'f=$(b 3); flip $f $(member_off $f payload/ 100)'
tamper "a manifest byte flipped" 'bundles/00000003.tar: MANIFEST.json does not match its checksum in SHA256SUMS' \
  'f=$(b 3); flip $f $(field_off $f MANIFEST.json "$OPERATOR_KEY")'
tamper "a SHA256SUMS digit changed" 'bundles/00000003.tar: MANIFEST.json does not match its checksum in SHA256SUMS' \
  'f=$(b 3); char_change $f $(member_off $f SHA256SUMS 3) 0 1'
tamper "a signature character changed" 'bundles/00000003.tar: the signature does not verify' \
  'f=$(b 3); char_change $f $(member_off $f SHA256SUMS.minisig $(( $(tar -xOf $f SHA256SUMS.minisig | head -n 1 | wc -c) + 20 ))) A B'
tamper "a middle bundle removed" 'bundle 3 is missing' \
  'rm $(b 3)'
tamper "two bundles swapped" 'bundles/00000002.tar: is bundle 3 of its vault, stored as 2' \
  'mv $(b 2) $TMP/x.tar; mv $(b 3) $(b 2); mv $TMP/x.tar $(b 3)'
tamper "the newest bundle removed" 'CHECKPOINT names bundle 6, but the newest bundle is 5' \
  'rm $(b 6)'
tamper "a bundle from another vault" 'bundles/00000006.tar: the signature does not verify: signed by another key' \
  'cp $VB/bundles/00000001.tar $(b 6)'
tamper "a bundle replayed as a later seq" 'bundles/00000006.tar: is bundle 2 of its vault, stored as 6' \
  'cp $(b 2) $(b 6)'
tamper "a member appended" 'bundles/00000004.tar: member .payload-x. after the signature' \
  'echo junk >$TMP/payload-x; (cd $TMP && tar --append -f $(b 4) payload-x)'
tamper "a member removed" 'bundles/00000004.tar: member payload/0001.age is missing' \
  'd=$TMP/rm; rm -rf $d; mkdir $d; tar -xf $(b 4) -C $d; (cd $d && tar --format=pax -cf $(b 4) MANIFEST.json SHA256SUMS SHA256SUMS.minisig)'
tamper "a truncated bundle" 'bundles/00000005.tar: .*damaged or truncated' \
  'f=$(b 5); truncate -s $(( $(stat -c %s $f) / 2 )) $f'
tamper "re-signed under a new station key" 'bundles/00000000.tar: the signature does not verify: signed by another key' \
  'minisign -G -W -f -p $W/station.pub -s $W/station.key >/dev/null; for f in $W/bundles/*.tar; do resign $f $W/station.key; done'
tamper "a middle payload forged with the station key" 'bundles/00000004.tar: its prev does not match bundle 3' \
  'forge $(b 3)'
tamper "the newest payload forged with the station key" 'bundle 6 is not the one the saved checkpoint names' \
  'forge $(b 6)'
tamper "rolled back behind the saved checkpoint" 'bundle 6, which the saved checkpoint names, is gone' \
  'rm $(b 6) $(b 5) && cp $TMP/cp3/CHECKPOINT* $W/'
tamper "CHECKPOINT pointing past the bundles" 'CHECKPOINT names bundle 6, but the newest bundle is 5' \
  'rm $(b 6); cp $V/CHECKPOINT* $W/'
tamper "okra.json policy edited" 'okra.json: the policy is not the one the ceremony recorded' \
  'jq ".policy.home_issuers = [{\"der\": \"AAAA\"}]" $W/okra.json >$TMP/o.json && mv $TMP/o.json $W/okra.json'
tamper "okra.json recipient replaced" 'okra.json: recipient .* is not the one the ceremony created' \
  'jq --arg r "$(age-keygen 2>/dev/null | age-keygen -y)" ".recipient = \$r" $W/okra.json >$TMP/o.json && mv $TMP/o.json $W/okra.json'

# without the pinned key, a rollback to a self-consistent state is caught only by the saved checkpoint
rm -rf "$TMP/w"; cp -a "$V" "$TMP/w"; rm "$TMP/w/bundles/00000006.tar"; cp "$TMP/cp3"/CHECKPOINT* "$TMP/w/"
rm "$TMP/w/bundles/00000005.tar"
run_okra --vault "$TMP/w" verify
is "$RC" 1 "a rollback leaves the index ahead of the bundles, and verify says so"
like "$ERR" "index.sqlite does not match" "naming the index"
rm -f "$TMP/w"/index.sqlite*
run_okra --vault "$TMP/w" verify
is "$RC" 0 "with the index removed too, a rollback is self-consistent (why auditors keep a checkpoint)"
run_okra --vault "$TMP/w" verify --checkpoint "$TMP/checkpoint"
is "$RC" 1 "and caught with it"
like "$ERR" "gone|rolled back" "the message says the vault was rolled back"

# an auditor with one bundle and the pinned key, no vault
mkdir -p "$TMP/auditor"; cp "$V/bundles/00000003.tar" "$V/bundles/00000004.tar" "$TMP/auditor/"
run_okra --vault "$TMP/none" verify --key "$TMP/pinned.pub" "$TMP/auditor/00000003.tar" "$TMP/auditor/00000004.tar"
is "$RC" 0 "bundle files handed to an auditor verify with the pinned key, chained between them"
run_okra --vault "$TMP/none" verify --key "$TMP/pinned.pub" "$TMP/auditor/00000004.tar" "$TMP/auditor/00000003.tar"
is "$RC" 1 "given out of order, they do not chain"
run_okra --vault "$V" verify 3 5
is "$RC" 0 "bundles named by seq verify"
done_testing
