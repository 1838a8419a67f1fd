#!/bin/bash
# make bench: okra beside what a user would script with standard tools, in one run, as ratios,
# and beside the floor where there is one. Fixtures are made once into $BENCH_CACHE.
#   usage: tests/bench/bench.sh OKRA       (BENCH_QUICK=1: skip the 100,000-key vault)
set -uo pipefail
OKRA=${1:?usage: bench.sh OKRA}
HERE=$(cd "$(dirname "$0")/../.." && pwd)
TOOLS=${OKRA_TOOLS:-$HERE/build/tools}
C=${BENCH_CACHE:-/tmp/okra-bench}
T=$(mktemp -d /tmp/okra-bench-run.XXXXXX); trap 'rm -rf "$T"' EXIT
mkdir -p "$C"
make -s -C "$HERE" tools >/dev/null

ms() { local s; s=$(date +%s%N); "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 1; }; MS=$(( ($(date +%s%N) - s) / 1000000 )); }
best() { local b=999999999 i; for i in 1 2 3; do ms "$@" || return 1; (( MS < b )) && b=$MS; done; MS=$b; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.1fx", a/(b>0?b:1)}'; }
row() { printf '%-46s %12s %14s %9s   %s\n' "$@"; }
newvault() { rm -rf "$1"; "$TOOLS/mkvault" "$1" "$C/id.txt"; }

[[ -f $C/id.txt ]] || age-keygen -o "$C/id.txt" 2>/dev/null
R=$(age-keygen -y "$C/id.txt")
[[ -f $C/m.key ]] || minisign -G -W -p "$C/m.pub" -s "$C/m.key" >/dev/null
# 1000 Windows-style legacy PKCS #12 files (RC2-40 certificates, 3DES key), passwords pw0001...
F=$C/pfx-1000
if [[ ! -f $F/.ok ]]; then
  echo "bench: making 1000 legacy PKCS #12 files (once)..."
  rm -rf "$F"; mkdir -p "$F/in"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$F/k.pem" -out "$F/c.pem" -subj "/CN=Bench/O=Example" -days 700 2>/dev/null
  for i in $(seq -w 1 1000); do openssl pkcs12 -export -legacy -in "$F/c.pem" -inkey "$F/k.pem" -name "user $i" -out "$F/in/u$i.pfx" -passout "pass:pw$i"; echo "pw$i"; done >"$F/passwords"
  touch "$F/.ok"
fi
PIPE=$HERE/tests/bench/pipeline.sh

printf '\nokra %s on %s cores; best of 3 runs each\n\n' "$("$OKRA" --version | cut -d' ' -f2)" "$(nproc)"
row "job" "okra" "alternative" "ratio" "aim"
row "---" "----" "-----------" "-----" "---"

# ---- ingest (each run into a fresh vault, made outside the timing) ----
ingest() { # best of 3 of okra's scan, with the scan's own arguments
  local b=999999999 i
  for i in 1 2 3; do newvault "$T/v"; ms "$OKRA" --vault "$T/v" "$@" || return 1; (( MS < b )) && b=$MS; done
  MS=$b
}
pipeline() { local b=999999999 i; for i in 1 2 3; do rm -rf "$T/p"; ms "$PIPE" "$@" || return 1; (( MS < b )) && b=$MS; done; MS=$b; }
ingest scan "$F/in"; o=$MS
pipeline "$F/in" "$T/p" "$R" "$C/m.key"; p=$MS
row "ingest 1000 PFX, opaque (ms)" "$o" "$p" "$(ratio $p $o)" "50x the age/sha256sum/minisign/tar script"
ingest --passphrase-file "$F/passwords" scan --inspect "$F/in"; o=$MS
pipeline "$F/in" "$T/p" "$R" "$C/m.key" "$F/passwords"; p=$MS
row "ingest 1000 PFX, inspected (ms)" "$o" "$p" "$(ratio $p $o)" "4x the same script with openssl pkcs12 -info"

# ---- verify: 500 small bundles ----
VS=$C/vault-500
if [[ ! -f $VS/.ok ]]; then
  echo "bench: making a vault of 500 small bundles (once)..."
  newvault "$VS"; ls "$F/in" | head -n 1000 | xargs -n 2 sh -c 'cd "$0" && "$1" --vault "$2" import "$3" "$4" >/dev/null' "$F/in" "$OKRA" "$VS"
  touch "$VS/.ok"
fi
manual() { local b d=$T/m; for b in "$VS"/bundles/*.tar; do rm -rf "$d"; mkdir -p "$d"; (cd "$d" && tar -xf "$b" && minisign -Vm SHA256SUMS -p "$VS/station.pub" -q && sha256sum --quiet -c SHA256SUMS) || return 1; done; }
nb=$(ls "$VS/bundles" | wc -l)
best "$OKRA" --vault "$VS" verify; o=$MS
ms manual; p=$MS
row "verify $nb small bundles (ms)" "$o" "$p" "$(ratio $p $o)" "30x tar+minisign+sha256sum per bundle; $(awk -v n=$nb -v t=$o 'BEGIN{printf "%d", n*1000/(t>0?t:1)}')/s (aim 5000/s)"

# ---- verify: one large bundle ----
VL=$C/vault-large
if [[ ! -f $VL/.ok ]]; then
  echo "bench: making a ~34 MB PKCS #12 (40000 certificates, once)..."
  c=$(openssl x509 -in "$F/c.pem"); for i in $(seq 1 40000); do echo "$c"; done >"$T/chain.pem"
  openssl pkcs12 -export -in "$F/c.pem" -inkey "$F/k.pem" -certfile "$T/chain.pem" -certpbe NONE -out "$C/large.pfx" -passout pass:bulk
  newvault "$VL"; "$OKRA" --vault "$VL" import "$C/large.pfx" >/dev/null && touch "$VL/.ok"
fi
big=$(ls -S "$VL"/bundles/*.tar | head -n 1)
best "$OKRA" --vault "$VL" verify; o=$MS
best sha256sum "$VL"/bundles/*.tar; f=$MS
row "verify a $(( $(stat -c %s "$big") / 1048576 )) MB bundle (ms)" "$o" "$f (sha256sum)" "$(awk -v a=$o -v b=$f 'BEGIN{printf "%.2fx", a/(b>0?b:1)}')" "within 1.25x of one sha256sum over the bundle"

# ---- the printed record of a recovery of 1,000 items (a 2-of-2 ceremony, made once) ----
RV=$C/record-1000
if [[ ! -f $RV/.ok ]]; then
  echo "bench: making a vault with a recovery of 1000 items (once)..."
  rm -rf "$RV"; mkdir -p "$RV"; printf 'pw-1\npw-2\n' >"$RV/pw"
  "$OKRA" --vault "$RV/v" --passphrase-file "$RV/pw" ceremony init --custodians 2 --threshold 2 \
    --name alice --name bob --share-dir "$RV/shares" --work-factor 10 >/dev/null 2>&1 &&
  "$OKRA" --vault "$RV/v" scan "$F/in" >/dev/null 2>&1 &&
  "$OKRA" --vault "$RV/v" --passphrase-file "$RV/pw" ceremony recover --share "$RV"/shares/share-1-* \
    --share "$RV"/shares/share-2-* --out "$RV/out" $("$OKRA" --vault "$RV/v" --json list | jq -r '.[].id') >/dev/null 2>&1 &&
  touch "$RV/.ok"
fi
best "$OKRA" --vault "$RV/v" record 2 --pdf "$T/record.pdf"
row "record of a 1000-item recovery, PDF (ms)" "$MS" "-" "-" "under 1000 ms ($(pdfinfo "$T/record.pdf" 2>/dev/null | sed -n 's/^Pages: *//p') pages)"
best "$OKRA" --vault "$RV/v" record 2
row "  the same as text (ms)" "$MS" "-" "-" ""

# ---- a custodian's share: scrypt at the default work factor ----
o=$("$TOOLS/scrypt-open")
row "open one share file, scrypt 2^18 (ms)" "$o" "-" "-" "strong by default: about a second"

# ---- a stick of 1,000 keys read in user space (FAT32), beside the kernel's mount of ext4 ----
# Device to committed bundle: okra scan --device on a FAT32 loop device, and what okra did before it
# stopped mounting media (mount -o ro an ext4 loop device of the same files, scan the folder,
# umount). Root and loop devices needed; the media tests' lock is held meanwhile.
if [[ $(id -u) == 0 ]] && command -v mkfs.vfat >/dev/null && command -v mcopy >/dev/null &&
   losetup -f >/dev/null 2>&1 && grep -qw ext4 /proc/filesystems; then
  truncate -s 64M "$T/fat.img"; mkfs.vfat -F 32 -n BENCHFAT "$T/fat.img" >/dev/null
  MTOOLS_SKIP_CHECK=1 mcopy -s -i "$T/fat.img" "$F/in" ::/keys
  mkfs.ext4 -q -L BENCHEXT -d "$F/in" "$T/ext.img" 64M >/dev/null 2>&1
  exec {lk}>"${OKRA_MEDIA_LOCK:-/run/lock/okra-tests-media.lock}"
  if flock -w 600 "$lk"; then
    fd=$(losetup -f --show -r "$T/fat.img" {lk}>&-); ed=$(losetup -f --show -r "$T/ext.img" {lk}>&-); mkdir -p "$T/mnt"
    kernel_path() { mount -o ro,noload,nosuid,nodev,noexec "$ed" "$T/mnt" && "$OKRA" --vault "$T/v" scan "$T/mnt"; local rc=$?; umount "$T/mnt"; return $rc; }
    bu=999999; bk=999999
    for r in 1 2 3; do
      newvault "$T/v"; ms "$OKRA" --vault "$T/v" scan --device "$fd" && (( MS < bu )) && bu=$MS
      newvault "$T/v"; ms kernel_path && (( MS < bk )) && bk=$MS
    done
    losetup -d "$fd" "$ed"
    row "stick of 1000 keys, device to bundle (ms)" "$bu" "$bk (mount)" \
      "$(awk -v a=$bu -v b=$bk 'BEGIN{printf "%.2fx", a/(b>0?b:1)}')" "FAT32 read in user space: under 1000 ms, within 1.5x of ext4 mounted"
  fi
  exec {lk}>&-
fi

# ---- a medium: from the device appearing to the bundle committed (root, loop devices, udevd) ----
if [[ $(id -u) == 0 ]] && command -v mkfs.ext4 >/dev/null && losetup -f >/dev/null 2>&1; then
  started=; pgrep -x systemd-udevd >/dev/null || { /lib/systemd/systemd-udevd --daemon >/dev/null 2>&1 && started=1 && sleep 0.5; }
  mkdir -p "$T/med"; cp $(ls -d "$F"/in/* | head -n 5) "$T/med/"
  mkfs.ext4 -q -L BENCH$$ -d "$T/med" "$T/med.img" 16M >/dev/null 2>&1
  newvault "$T/mv"; best_mw=999999
  for r in 1 2 3; do
    "$OKRA" --vault "$T/mv" mediawatch --once --match "ID_FS_LABEL=BENCH$$" >/dev/null 2>&1 & mw=$!
    sleep 0.7; nb=$(ls "$T/mv/bundles" | wc -l); s=$(date +%s%N); dev=$(losetup -f --show "$T/med.img")
    for i in $(seq 1 400); do [[ $(ls "$T/mv/bundles" | grep -c '^[0-9]*\.tar$') -gt $nb ]] && break; sleep 0.005; done
    t=$(( ($(date +%s%N) - s) / 1000000 )); wait $mw; losetup -d "$dev"; (( t < best_mw )) && best_mw=$t
  done
  [[ -n $started ]] && pkill -x systemd-udevd
  row "medium with 5 keys: device to bundle (ms)" "$best_mw" "-" "-" "well under a second"
fi

# ---- a vault of 100,000 keys ----
if [[ -z ${BENCH_QUICK:-} ]]; then
  K=$C/keys-100k
  if [[ ! -f $K/.ok ]]; then echo "bench: making 100,000 keys with certificates (once)..."; rm -rf "$K"; "$TOOLS/gen-keys" "$K" 100000 && touch "$K/.ok"; fi
  newvault "$T/big0"
  s=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$T/mem0" "$OKRA" --vault "$T/big0" scan "$K" >/dev/null 2>&1
  scan0=$(( ($(date +%s%N) - s) / 1000000 )); kb0=$(tail -n 1 "$T/mem0"); rm -rf "$T/big0"
  row "scan 100,000 keys (ms)" "$scan0" "-" "-" "under 60000 ms"
  row "  peak memory (MiB)" "$((kb0 / 1024))" "-" "-" "under 64 MiB"
  newvault "$T/big"
  s=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$T/mem" "$OKRA" --vault "$T/big" scan --inspect "$K" >/dev/null 2>&1
  scan=$(( ($(date +%s%N) - s) / 1000000 )); kb=$(tail -n 1 "$T/mem")
  row "scan --inspect 100,000 keys and certificates (ms)" "$scan" "-" "-" "(inspection opens each)"
  row "  peak memory (MiB)" "$((kb / 1024))" "-" "-" "under 64 MiB"
  "$OKRA" --vault "$T/big" --json list --limit 1 --offset 54321 >"$T/one.json"
  id=$(jq -r '.[0].id' "$T/one.json"); serial=$(jq -r '.[0].cert.serial' "$T/one.json"); sha1=$(jq -r '.[0].cert.sha1' "$T/one.json")
  for q in "id prefix:${id:0:8}" "serial:$serial" "thumbprint:$sha1"; do
    best "$OKRA" --vault "$T/big" show "${q#*:}"
    row "  show by ${q%%:*} (ms)" "$MS" "-" "-" "under 50 ms"
  done
  best "$OKRA" --vault "$T/big" verify; row "  verify the 100,000-key vault (ms)" "$MS" "-" "-" ""
  best "$OKRA" --vault "$T/big" reindex; row "  reindex it (ms)" "$MS" "-" "-" ""
  row "  disk: bundles, index (MiB)" "$(du -sm "$T/big/bundles" | cut -f1), $(du -cm "$T/big"/index.sqlite* | tail -n 1 | cut -f1)" "-" "-" ""
fi
echo
