#!/usr/bin/env python3
"""hostile-image: damages a filesystem image in the ways a crafted stick would (test-only).

  hostile-image fat-loop IMAGE NAME        the cluster chain of NAME (8.3, in the root folder) loops
                                           back on itself after its second cluster
  hostile-image fat-self IMAGE DIR SUB     folder DIR/SUB (8.3 names) starts at DIR's own cluster, so
                                           SUB contains DIR's entries, SUB among them
  hostile-image garbage IMAGE OFFSET LEN   LEN random bytes at OFFSET (a seed makes them the same
                                           bytes each run)
  hostile-image fat-bpb IMAGE              the boot sector's geometry made absurd (bytes per sector,
                                           sectors per cluster, FAT size, root cluster), its
                                           signatures kept so that it is still taken for FAT
  hostile-image ntfs-mft IMAGE FIRST N     MFT records FIRST..FIRST+N-1 overwritten with garbage
"""
import random
import struct
import sys


def fat_geometry(b):
    bps, spc, reserved, nfats, root_entries = struct.unpack_from("<HBHBH", b, 11)
    fat_size = struct.unpack_from("<H", b, 22)[0] or struct.unpack_from("<I", b, 36)[0]
    fat32 = struct.unpack_from("<H", b, 22)[0] == 0
    root_dir = (reserved + nfats * fat_size) * bps
    data = root_dir + root_entries * 32
    return dict(bps=bps, spc=spc, fat=reserved * bps, fat_size=fat_size * bps, nfats=nfats, fat32=fat32,
                root_dir=root_dir, data=data, root_cluster=struct.unpack_from("<I", b, 44)[0] if fat32 else 0)


def cluster_offset(g, c):
    return g["data"] + (c - 2) * g["bps"] * g["spc"]


def folder_offset(g, c):
    return g["root_dir"] if c == 0 else cluster_offset(g, c)


def find_entry(img, g, folder_cluster, name83):
    off = folder_offset(g, folder_cluster)
    n = (g["data"] - g["root_dir"]) // 32 if folder_cluster == 0 else g["bps"] * g["spc"] // 32
    for i in range(n):
        e = img[off + 32 * i:off + 32 * i + 32]
        if e[:11] == name83.encode():
            start = struct.unpack_from("<H", e, 26)[0] | struct.unpack_from("<H", e, 20)[0] << 16
            return off + 32 * i, start
    sys.exit("hostile-image: no entry %r" % name83)


def set_fat(img, g, c, value):
    for k in range(g["nfats"]):
        base = g["fat"] + k * g["fat_size"]
        if g["fat32"]:
            struct.pack_into("<I", img, base + 4 * c, value)
        else:
            struct.pack_into("<H", img, base + 2 * c, value & 0xFFFF)


def name83(name):
    base, _, ext = name.upper().partition(".")
    return base.ljust(8)[:8] + ext.ljust(3)[:3]


def main():
    op, path = sys.argv[1], sys.argv[2]
    img = bytearray(open(path, "rb").read())
    g = fat_geometry(img) if op.startswith("fat") else None
    root = g["root_cluster"] if g else 0
    if op == "fat-loop":
        _, start = find_entry(img, g, root, name83(sys.argv[3]))
        set_fat(img, g, start + 1, start)
    elif op == "fat-self":
        _, dir_start = find_entry(img, g, root, name83(sys.argv[3]))
        entry, _ = find_entry(img, g, dir_start, name83(sys.argv[4]))
        struct.pack_into("<H", img, entry + 26, dir_start & 0xFFFF)
        struct.pack_into("<H", img, entry + 20, dir_start >> 16)
    elif op == "garbage":
        rnd = random.Random(1)
        off, n = int(sys.argv[3]), int(sys.argv[4])
        img[off:off + n] = bytes(rnd.getrandbits(8) for _ in range(n))
    elif op == "fat-bpb":
        struct.pack_into("<HB", img, 11, 4096, 128)          # 512 KiB clusters
        struct.pack_into("<I", img, 36, 0x0FFFFFFF)          # a FAT larger than any stick
        struct.pack_into("<I", img, 44, 0x0FFFFFF0)          # the root folder past the end
    elif op == "ntfs-mft":
        bps, spc = struct.unpack_from("<HB", img, 11)
        mft = struct.unpack_from("<Q", img, 0x30)[0] * bps * spc
        rec = struct.unpack_from("<b", img, 0x40)[0]
        rec = 1 << -rec if rec < 0 else rec * bps * spc
        rnd = random.Random(2)
        first, n = int(sys.argv[3]), int(sys.argv[4])
        for i in range(first, first + n):
            img[mft + i * rec:mft + (i + 1) * rec] = bytes(rnd.getrandbits(8) for _ in range(rec))
    else:
        sys.exit(__doc__)
    open(path, "wb").write(img)


main()
