#!/bin/bash
# okra scan --image: FAT16, FAT32, ext4, NTFS, exFAT and ISO 9660 images, made here without mounting anything,
# read in user space by the sandboxed reader. Each holds the 13 export shapes (one 8 folders deep,
# one under a long name, one under a Unicode name), decoys, a file over --max-size and (ext4) a
# symlink: exactly the 13 keys are sealed, byte for byte, and the manifest names the medium.
source "$(dirname "$0")/../lib/tap.sh"
source "$(dirname "$0")/../lib/exports.sh"
source "$(dirname "$0")/../lib/images.sh"
source "$(dirname "$0")/../lib/ceremony.sh"
make_exports "$TMP/x" >/dev/null 2>&1 || { skip "openssl could not make the export files"; done_testing; }
medium_tree "$TMP/tree" "$TMP/x"

# Every item of vault $1, as "path sha256-of-the-decrypted-payload", with stock tar and age.
sealed_items() { # VAULT IDENTITY
  local b m
  for b in "$1"/bundles/*.tar; do
    m=$(tar -xOf "$b" MANIFEST.json)
    jq -r '.items[] | [.source.path, .payload] | @tsv' <<<"$m" | while IFS=$'\t' read -r path payload; do
      echo "$path $(tar -xOf "$b" "$payload" | age -d -i "$2" | sha256sum | cut -d' ' -f1)"
    done
  done | LC_ALL=C sort
}
want_items() { while read -r p; do echo "$p $(sha256sum <"$TMP/tree/$p" | cut -d' ' -f1)"; done <"$TMP/tree.keys" | LC_ALL=C sort; }
want=$(want_items)

for type in fat16 fat32 ext4 ntfs exfat; do
  missing=$(image_tools_missing $type)
  if [[ -n $missing ]]; then skip "$type: needs $missing"; continue; fi
  label=OKRA${type^^}
  make_image $type "$TMP/$type.img" "$label" "$TMP/tree" || { _result 1 "$type: the image is made"; continue; }
  test_vault "$TMP/v-$type"
  run_okra --vault "$V" scan --image "$TMP/$type.img" --max-size 64K
  is "$RC" 0 "$type: scan --image exits 0"
  [[ $RC == 0 ]] || diag "$ERR"
  is "$(sealed_items "$V" "$ID")" "$want" "$type: exactly the 13 keys sealed, from their paths, byte for byte"
  like "$OUT" "skipped +big\.pfx: is larger than 65536 bytes" "$type: the file over --max-size is named"
  like "$OUT" "skipped +notes\.txt: not an export file" "$type: a decoy is named"
  like "$OUT" "skipped +keys/fake\.pfx: not an export file" "$type: a fake .pfx is named"
  if [[ $type == ext4 ]]; then
    like "$OUT" "skipped +keys/shortcut\.pfx: a symbolic link \(not followed\)" "ext4: the symlink is not followed"
  fi
  m=$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json)
  is "$(jq -r '.media | [.fs_type, .fs_label] | join(" ")' <<<"$m")" "$type $label" "$type: the manifest names the filesystem and its label"
  like "$(jq -r .media.devname <<<"$m")" "/$type\.img$" "$type: and the image read"
  run_okra --vault "$V" verify
  is "$RC" 0 "$type: the vault verifies"
done

# ISO 9660 (a CD or DVD, or a stick written as one), made with xorriso: the 13 keys, byte for byte.
# Joliet names are cut to 64 characters, so the long name is not compared.
if command -v xorriso >/dev/null; then
  xorriso -as mkisofs -quiet -R -J -V OKRAISO -o "$TMP/iso9660.img" "$TMP/tree" >/dev/null 2>&1
  test_vault "$TMP/v-iso"
  run_okra --vault "$V" scan --image "$TMP/iso9660.img" --max-size 64K
  is "$RC" 0 "iso9660: scan --image exits 0"
  is "$(sealed_items "$V" "$ID" | cut -d' ' -f2- | awk '{print $NF}' | sort)" "$(awk '{print $NF}' <<<"$want" | sort)" \
    "iso9660: exactly the 13 keys sealed, byte for byte"
  is "$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json | jq -r '[.media.fs_type, .media.fs_label] | join(" ")')" \
    "iso9660 OKRAISO" "iso9660: the manifest names it"
else
  skip "iso9660: needs xorriso"
fi

# The same FAT32 stick in a real vault: a quorum recovers every key, byte for byte.
if [[ -z $(image_tools_missing fat32) ]]; then
  new_ceremony 3 2 "$TMP/cv" || exit 1
  run_okra --vault "$V" scan --image "$TMP/fat32.img"
  is "$RC" 0 "fat32 into a ceremony's vault: scan --image exits 0"
  ids=$(must_okra --vault "$V" --json list | jq -r '.[].id')
  okra --vault "$V" --passphrase-file "$(pwfile pw-1 pw-3)" ceremony recover --share "${SHARE[1]}" \
    --share "${SHARE[3]}" --out "$TMP/out" $ids >"$TMP/rec.out" 2>&1
  is "$?" 0 "the 13 items are recovered"
  bad=0
  while read -r p; do
    id=$(sha256sum <"$TMP/tree/$p" | cut -c1-16)
    cmp -s "$TMP/out/$id-$(basename "$p" | LC_ALL=C sed 's/[^A-Za-z0-9._-]/_/g')" "$TMP/tree/$p" || { bad=1; diag "differs: $p"; }
  done <"$TMP/tree.keys"
  is "$bad" 0 "each recovered file is the one on the stick"
fi

# A whole disk copied with dd: a DOS partition table with a FAT32 and an ext4 partition, both read,
# each path under its partition's folder.
if [[ -z $(image_tools_missing fat32) && -z $(image_tools_missing ext4) ]]; then
  mkdir -p "$TMP/p2"; cp "$TMP/x/files/12-pkcs8.der" "$TMP/p2/"
  truncate -s 80M "$TMP/disk.img"
  python3 - "$TMP/disk.img" <<'PY'
import struct, sys
mbr = bytearray(512)
for i, (kind, start, count) in enumerate([(0x0c, 2048, 40 * 2048), (0x83, 41 * 2048, 32 * 2048)]):
    struct.pack_into("<B3sB3sII", mbr, 446 + 16 * i, 0, b"\xff\xff\xff", kind, b"\xff\xff\xff", start, count)
mbr[510:512] = b"\x55\xaa"
with open(sys.argv[1], "r+b") as f:
    f.write(mbr)
PY
  mkfs.vfat -F 32 -n PARTONE --offset 2048 "$TMP/disk.img" $((40 * 1024)) >/dev/null
  MTOOLS_SKIP_CHECK=1 mcopy -i "$TMP/disk.img@@1M" "$TMP/x/files/04-ec-p256.pfx" ::/
  mkfs.ext4 -q -F -L PARTTWO -E offset=$((41 * 1048576)) -d "$TMP/p2" "$TMP/disk.img" 32M >/dev/null 2>&1
  test_vault "$TMP/v-disk"
  run_okra --vault "$V" scan --image "$TMP/disk.img"
  is "$RC" 0 "a partitioned disk image: scan --image exits 0"
  is "$(must_okra --vault "$V" --json list | jq -r '[.[].source.path] | sort | join(" ")')" \
    "part1/04-ec-p256.pfx part2/12-pkcs8.der" "the key on each partition sealed, under its partition's folder"
  is "$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json | jq -r '[.media.fs_type, .media.fs_label] | join(" ")')" \
    "fat32 PARTONE" "the manifest names the first filesystem read"
fi

# What cannot be read says so, in one line, and seals nothing.
test_vault "$TMP/v-bad"
head -c 4M /dev/zero >"$TMP/zeros.img"
run_okra --vault "$V" scan --image "$TMP/zeros.img"
is "$RC" 1 "an image with no filesystem: exit 1"
like "$ERR" "zeros\.img: no filesystem okra reads is on it" "saying so, naming the image"
is "$(ls "$V/bundles" | wc -l)" 1 "and nothing is committed"
run_okra --vault "$V" scan --image "$TMP/tree"
is "$RC" 1 "a folder given as an image: exit 1"
like "$ERR" "is not a regular file" "saying what it is not"
run_okra --vault "$V" scan --image "$TMP/nonesuch.img"
like "$RC $ERR" "^1 .*nonesuch\.img: does not exist" "a missing image: exit 1, named"
run_okra --vault "$V" scan --image "$TMP/zeros.img" "$TMP/tree"
is "$RC" 2 "an image and a folder at once: a usage error"
done_testing
