#!/bin/bash
# What a large vault costs: N small keys (Ed25519 PKCS #8), scanned 100,000 at a time (a medium's
# worth), then disk, verify, reindex and show measured. README's "A vault of ten million keys"
# gives the figures at 100,000 and 1,000,000 and extrapolates.
#   usage: tests/bench/scale.sh OKRA N      (N a multiple of 100000; files made once in $SCALE_CACHE)
set -uo pipefail
OKRA=${1:?usage: scale.sh OKRA N}; N=${2:-1000000}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${OKRA_TOOLS:-$HERE/build/tools}
C=${SCALE_CACHE:-/tmp/okra-scale}
T=$(mktemp -d /tmp/okra-scale-run.XXXXXX); trap 'rm -rf "$T"' EXIT
mkdir -p "$C"
[[ -f $C/id.txt ]] || age-keygen -o "$C/id.txt" 2>/dev/null
chunks=$(( N / 100000 ))
for ((c = 0; c < chunks; c++)); do
  d=$C/keys-$c
  [[ -f $d/.made ]] && continue
  echo "scale: making 100,000 keys in $d (once)..."
  python3 - "$d" "$c" <<'PY'
import os, sys, base64
d, c = sys.argv[1], int(sys.argv[2])
pre = bytes.fromhex('302e020100300506032b657004220420')   # PKCS #8 of an Ed25519 key
for i in range(100000):
    sub = os.path.join(d, 'k%03d' % (i % 500)); os.makedirs(sub, exist_ok=True)
    b = base64.encodebytes(pre + os.urandom(32)).decode().replace('\n', '')
    open(os.path.join(sub, 'key%d-%06d.pem' % (c, i)), 'w').write('-----BEGIN PRIVATE KEY-----\n%s\n-----END PRIVATE KEY-----\n' % b)
PY
  touch "$d/.made"
done
V=$T/vault; "$TOOLS/mkvault" "$V" "$C/id.txt"
s=$(date +%s%N)
for ((c = 0; c < chunks; c++)); do
  /usr/bin/time -f '%M' -o "$T/mem.$c" "$OKRA" --vault "$V" scan "$C/keys-$c" >/dev/null 2>&1 || { echo "scale: scan failed"; exit 1; }
done
scan=$(( ($(date +%s%N) - s) / 1000000 )); mem=$(cat "$T"/mem.* | sort -n | tail -n 1)
ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1 || echo "scale: failed: $*" >&2; echo $(( ($(date +%s%N) - s) / 1000000 )); }
verify=$(ms "$OKRA" --vault "$V" verify)
reindex=$(ms "$OKRA" --vault "$V" reindex)
id=$("$OKRA" --vault "$V" --json list --limit 1 --offset $((N / 2)) | jq -r '.[0].id')
show=$(ms "$OKRA" --vault "$V" show "${id:0:12}")
listms=$(ms "$OKRA" --vault "$V" --json list)
printf 'keys %d: scan %d ms (%d scans, peak %d MiB), verify %d ms, reindex %d ms, show %d ms, list --json %d ms; bundles %s MiB, index %s MiB\n' \
  "$N" "$scan" "$chunks" "$((mem / 1024))" "$verify" "$reindex" "$show" "$listms" \
  "$(du -sm "$V/bundles" | cut -f1)" "$(du -cm "$V"/index.sqlite* | tail -n 1 | cut -f1)"
