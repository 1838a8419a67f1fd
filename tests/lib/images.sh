# images.sh: filesystem images made at test time without mounting anything, for the tests of the
# medium reader (scan --image, mediawatch). Sourced after tap.sh.
#
#   medium_tree DIR EXPORTS   a stick's files: the 13 export shapes (EXPORTS/files, made by
#                             exports.sh) spread over folders, one of them 8 folders deep, one
#                             under a long name and one under a Unicode name; decoys; a 100 KiB
#                             file (over --max-size 64K); a symlink; and DIR.keys listing the
#                             keys' paths
#   make_image TYPE IMG LABEL DIR
#                             TYPE fat16, fat32 (mkfs.vfat + mcopy), ext4 (mkfs.ext4 -d), ntfs
#                             (mkntfs + ntfscp, folders made through libntfs-3g), exfat (mkfs.exfat
#                             + tests/tools/exfat-populate.py); a symlink is kept on ext4 only

IMAGES_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

image_tools_missing() { # TYPE: the tool it lacks, or nothing
  local t
  case $1 in
    fat16|fat32) for t in mkfs.vfat mcopy mmd; do command -v $t >/dev/null || { echo $t; return; }; done ;;
    ext4) command -v mkfs.ext4 >/dev/null || echo mkfs.ext4 ;;
    ntfs) for t in mkntfs ntfscp; do command -v $t >/dev/null || { echo $t; return; }; done
          python3 -c 'import ctypes; ctypes.CDLL("libntfs-3g.so.89")' 2>/dev/null || echo libntfs-3g ;;
    exfat) command -v mkfs.exfat >/dev/null || echo mkfs.exfat ;;
  esac
}

# 181 characters: The Sleuth Kit 4.11 cuts FAT long names at 195 (15 entries; Windows allows 255)
LONG_NAME="$(printf 'a-rather-long-name-%.0s' {1..9})export.pfx"
UNICODE_NAME="Zoë Ünïcödé – ключ.pfx"

medium_tree() { # DIR EXPORTS
  local d=$1 f=$2/files deep
  mkdir -p "$d/keys/2026" "$d/archive"
  deep=$d/deep; for i in 1 2 3 4 5 6 7 8; do deep=$deep/d$i; done; mkdir -p "$deep"
  cp "$f"/01-* "$f"/02-* "$f"/03-* "$d/"
  cp "$f"/04-* "$f"/05-* "$f"/06-* "$d/keys/"
  cp "$f"/07-* "$d/keys/$UNICODE_NAME"
  cp "$f"/08-* "$d/keys/$LONG_NAME"
  cp "$f"/09-* "$f"/10-* "$d/keys/2026/"
  cp "$f"/11-* "$f"/12-* "$d/archive/"
  cp "$f"/13-* "$deep/"
  # decoys: text, a fake .pfx, a certificate alone, an empty file
  echo "meeting notes, nothing secret" >"$d/notes.txt"
  echo "this is not a PKCS #12 file" >"$d/keys/fake.pfx"
  cp "$2/ossl/rsa.crt" "$d/archive/alice.crt"
  : >"$d/archive/empty.pfx"
  head -c 102400 /dev/urandom >"$d/big.pfx"
  ln -s 01-win2003-legacy.pfx "$d/keys/shortcut.pfx"   # kept on ext4; the others have no links
  (cd "$d" && find . -type f | sed 's|^\./||' | while read -r p; do
     case $p in notes.txt|keys/fake.pfx|archive/alice.crt|archive/empty.pfx|big.pfx) ;; *) echo "$p" ;; esac
   done | LC_ALL=C sort) >"$d.keys"
}

make_image() { # TYPE IMG LABEL DIR
  local type=$1 img label=$3 src=$4
  img=$(realpath -m "$2")
  rm -f "$img"
  case $type in
    fat16|fat32)
      truncate -s "$([[ $type == fat16 ]] && echo 32M || echo 40M)" "$img"
      mkfs.vfat -F "${type#fat}" -n "$label" "$img" >/dev/null || return 1
      # folder by folder and file by file: mcopy would copy what a symlink points to
      (cd "$src" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort | while read -r p; do
         MTOOLS_SKIP_CHECK=1 mmd -i "$img" "::/$p" || exit 1; done &&
       find . -type f | sed 's|^\./||' | while read -r p; do
         LC_ALL=C.UTF-8 MTOOLS_SKIP_CHECK=1 mcopy -Q -m -i "$img" "$p" "::/$p" || exit 1; done) || return 1 ;;
    ext4)
      mkfs.ext4 -q -L "$label" -d "$src" "$img" 32M >/dev/null || return 1 ;;
    ntfs)
      truncate -s 32M "$img"
      mkntfs -q -F -f -L "$label" "$img" >/dev/null 2>&1 || return 1
      (cd "$src" && find . -mindepth 1 -type d | sed 's|^\./||' | LC_ALL=C sort) >"$img.dirs"
      [[ ! -s $img.dirs ]] || python3 "$IMAGES_LIB/../tools/ntfs-mkdir.py" "$img" <"$img.dirs" || return 1
      (cd "$src" && find . -type f | sed 's|^\./||') | while read -r p; do
        ntfscp -q -f -t "$img" "$src/$p" "$p" >/dev/null 2>&1 || { echo "# ntfscp $p failed"; exit 1; }
      done || return 1
      rm -f "$img.dirs" ;;
    exfat)
      truncate -s 32M "$img"
      mkfs.exfat -L "$label" "$img" >/dev/null || return 1
      python3 "$IMAGES_LIB/../tools/exfat-populate.py" "$img" "$src" || return 1 ;;
    *) echo "# make_image: no such type $type"; return 1 ;;
  esac
}
