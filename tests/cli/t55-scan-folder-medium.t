#!/bin/bash
# A folder scanned by hand records what okra read in the manifest's media, and log shows it: the
# folder given (absolute), the filesystem it is on as the kernel has it mounted (type, options)
# and, for a block device, what udev knows of it (device, filesystem UUID and label). As root, a
# real stick: a loop device over an ext4 image with a label, mounted read-only.
source "$(dirname "$0")/../lib/tap.sh"
source "$TESTS_LIB/media.sh"
make_keys "$TMP/k"
mkdir -p "$TMP/copy/of stick"; cp "$TMP/k/plain.pem" "$TMP/k/rsa.key" "$TMP/copy/of stick/"

# ---- a folder anywhere: the folder and its filesystem ----
test_vault
(cd "$TMP/copy" && okra --vault "$V" scan "of stick" >"$TMP/out" 2>"$TMP/err"); RC=$?
is "$RC" 0 "scan of a folder given by a relative path"
m=$(tar -xOf "$V/bundles/00000001.tar" MANIFEST.json | jq -c .media)
is "$(jq -r .folder <<<"$m")" "$TMP/copy/of stick" "media.folder is the folder, absolute"
want_type=$(findmnt -n -o FSTYPE --target "$TMP/copy")
is "$(jq -r .fs_type <<<"$m")" "$want_type" "media.fs_type is the type the kernel has mounted it as"
like "$(jq -r .mount_options <<<"$m")" "^(rw|ro)(,|$)" "media.mount_options as mounted"
run_okra --vault "$V" log
like "$(grep ' import ' <<<"$OUT")" " $TMP/copy/of stick \\(" "log shows the folder in the medium column"
run_okra --vault "$V" --json log
is "$(jq -r '.[1].media.folder' <<<"$OUT")" "$TMP/copy/of stick" "log --json gives the media object"
run_okra --vault "$V" --json list --medium "of stick"
is "$(jq length <<<"$OUT")" 2 "list --medium finds the items by the folder"

# ---- a stick (loop device over ext4), mounted read-only ----
if ! media_begin; then
  skip "$MEDIA_WHY"; done_testing
fi
trap 'umount "$TMP/mnt" 2>/dev/null; [[ -n ${LOOP:-} ]] && losetup -d "$LOOP"; media_end; rm -rf "$TMP"' EXIT
truncate -s 16M "$TMP/stick.img"
mkfs.ext4 -q -L OFFICER-KEYS -d "$TMP/copy" "$TMP/stick.img" || fatal "mkfs.ext4 failed"
uuid=$(blkid -s UUID -o value "$TMP/stick.img")
LOOP=$(losetup -f --show "$TMP/stick.img") || fatal "losetup failed"
udevadm settle --timeout=10 2>/dev/null
mkdir -p "$TMP/mnt"; mount -o ro,noload "$LOOP" "$TMP/mnt" || fatal "mount failed"
test_vault "$TMP/v2"
run_okra --vault "$TMP/v2" scan "$TMP/mnt/of stick"
is "$RC" 0 "scan of a folder on the mounted stick"
m=$(tar -xOf "$TMP/v2/bundles/00000001.tar" MANIFEST.json | jq -c .media)
is "$(jq -r '[.folder, .devname, .fs_type, .fs_label, .fs_uuid] | join(" ")' <<<"$m")" \
   "$TMP/mnt/of stick $LOOP ext4 OFFICER-KEYS $uuid" "media: folder, device, type, label and UUID"
like "$(jq -r .mount_options <<<"$m")" "^ro," "and that it was mounted read-only"
run_okra --vault "$TMP/v2" log
like "$(grep ' import ' <<<"$OUT")" " $TMP/mnt/of stick \\(OFFICER-KEYS\\)" "log names the folder and the stick's label"
run_okra --vault "$TMP/v2" --json list --medium officer-keys
is "$(jq length <<<"$OUT")" 2 "list --medium finds the items by the stick's label"
done_testing
