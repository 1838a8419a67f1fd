#!/usr/bin/env python3
"""exfat-populate IMAGE DIR [--many NAME COUNT]: copies the tree DIR into an exFAT image that
mkfs.exfat made, without mounting it (test-only: exfatprogs has no tool that adds files). Regular
files and folders only. --many adds a folder NAME holding COUNT empty files (a hostile medium's
100,000-entry folder, without making as many files first).

Written from Microsoft's exFAT specification (the boot sector's layout, the allocation bitmap, a
directory entry set: File 0x85, Stream Extension 0xC0, File Name 0xC1, its checksum and name hash).
Every file and folder gets contiguous clusters, marked in the bitmap and chained in the FAT as well;
folders are written whole. New entries go into the root folder's own cluster chain, which grows when
full. Times are the files' modification times, in UTC.
"""
import os
import struct
import sys
import time


class Volume:
    def __init__(self, path):
        self.f = open(path, "r+b")
        boot = self.read(0, 512)
        assert boot[3:11] == b"EXFAT   ", "not an exFAT image"
        (self.fat_off, self.fat_len, self.heap_off, self.n_clusters, self.root) = struct.unpack_from(
            "<IIIII", boot, 80)
        self.bps = 1 << boot[108]
        self.cluster = self.bps << boot[109]
        self.bitmap_cluster, self.bitmap_len = self.find_bitmap()

    def read(self, off, n):
        self.f.seek(off)
        return self.f.read(n)

    def write(self, off, data):
        self.f.seek(off)
        self.f.write(data)

    def cluster_at(self, c):
        return (self.heap_off * self.bps) + (c - 2) * self.cluster

    def fat_get(self, c):
        return struct.unpack("<I", self.read(self.fat_off * self.bps + 4 * c, 4))[0]

    def fat_set(self, c, v):
        self.write(self.fat_off * self.bps + 4 * c, struct.pack("<I", v))

    def chain(self, first):
        out, c = [], first
        while 2 <= c < 0xFFFFFFF7 and len(out) <= self.n_clusters:
            out.append(c)
            c = self.fat_get(c)
        return out

    def find_bitmap(self):
        data = b"".join(self.read(self.cluster_at(c), self.cluster) for c in self.chain(self.root))
        for i in range(0, len(data), 32):
            if data[i] == 0x81:
                return struct.unpack_from("<I", data, i + 20)[0], struct.unpack_from("<Q", data, i + 24)[0]
        raise SystemExit("no allocation bitmap in the root folder")

    def is_free(self, c):
        byte = self.read(self.cluster_at(self.bitmap_cluster) + (c - 2) // 8, 1)[0]
        return not byte & (1 << ((c - 2) % 8))

    def mark(self, c):
        off = self.cluster_at(self.bitmap_cluster) + (c - 2) // 8
        byte = self.read(off, 1)[0] | (1 << ((c - 2) % 8))
        self.write(off, bytes([byte]))

    def allocate(self, n):
        """n contiguous free clusters, marked and chained; the first one."""
        run = 0
        for c in range(2, self.n_clusters + 2):
            run = run + 1 if self.is_free(c) else 0
            if run == n:
                first = c - n + 1
                for k in range(first, first + n):
                    self.mark(k)
                    self.fat_set(k, k + 1 if k + 1 < first + n else 0xFFFFFFFF)
                return first
        raise SystemExit("the image is full")


def dos_time(t):
    tm = time.gmtime(t)
    return ((tm.tm_year - 1980) << 25 | tm.tm_mon << 21 | tm.tm_mday << 16 | tm.tm_hour << 11 |
            tm.tm_min << 5 | tm.tm_sec // 2)


def name_hash(units):
    h = 0
    for u in units:
        up = ord(chr(u).upper()) if len(chr(u).upper()) == 1 else u
        for b in (up & 0xFF, up >> 8):
            h = (((h & 1) << 15) | (h >> 1)) + b & 0xFFFF
    return h


def entry_set(name, is_dir, first, length, mtime):
    units = struct.unpack("<%dH" % (len(name.encode("utf-16-le")) // 2), name.encode("utf-16-le"))
    assert 0 < len(units) <= 255
    parts = [units[i:i + 15] for i in range(0, len(units), 15)]
    t = dos_time(mtime)
    f = bytearray(32)
    f[0], f[1] = 0x85, 1 + len(parts)
    struct.pack_into("<H", f, 4, 0x10 if is_dir else 0x20)
    struct.pack_into("<III", f, 8, t, t, t)
    s = bytearray(32)
    s[0], s[1], s[3] = 0xC0, 0x03 if length else 0x01, len(units)  # AllocationPossible, NoFatChain
    struct.pack_into("<H", s, 4, name_hash(units))
    struct.pack_into("<Q", s, 8, length)
    struct.pack_into("<I", s, 20, first)
    struct.pack_into("<Q", s, 24, length)
    entries = [f, s]
    for p in parts:
        n = bytearray(32)
        n[0] = 0xC1
        struct.pack_into("<%dH" % len(p), n, 2, *p)
        entries.append(n)
    data = b"".join(entries)
    c = 0
    for i, b in enumerate(data):
        if i not in (2, 3):
            c = (((c & 1) << 15) | (c >> 1)) + b & 0xFFFF
    data = bytearray(data)
    struct.pack_into("<H", data, 2, c)
    return bytes(data)


def build_folder(vol, path):
    """The entries of folder path (its files and folders written first)."""
    out = b""
    for name in sorted(os.listdir(path)):
        full = os.path.join(path, name)
        st = os.lstat(full)
        if os.path.isdir(full) and not os.path.islink(full):
            body = build_folder(vol, full)
            n = max(1, -(-len(body) // vol.cluster))
            first = vol.allocate(n)
            vol.write(vol.cluster_at(first), body.ljust(n * vol.cluster, b"\0"))
            out += entry_set(name, True, first, n * vol.cluster, st.st_mtime)
        elif os.path.isfile(full) and not os.path.islink(full):
            data = open(full, "rb").read()
            first = 0
            if data:
                first = vol.allocate(-(-len(data) // vol.cluster))
                vol.write(vol.cluster_at(first), data)
            out += entry_set(name, False, first, len(data), st.st_mtime)
    return out


def add_to_root(vol, entries):
    clusters = vol.chain(vol.root)
    data = bytearray(b"".join(vol.read(vol.cluster_at(c), vol.cluster) for c in clusters))
    end = next(i for i in range(0, len(data) + 32, 32) if i == len(data) or data[i] == 0)
    data[end:end + len(entries)] = entries
    while len(data) > len(clusters) * vol.cluster:
        extra = vol.allocate(1)
        vol.fat_set(clusters[-1], extra)
        clusters.append(extra)
    data = bytes(data).ljust(len(clusters) * vol.cluster, b"\0")
    for i, c in enumerate(clusters):
        vol.write(vol.cluster_at(c), data[i * vol.cluster:(i + 1) * vol.cluster])


def many_empty_files(vol, name, count):
    t = time.time()
    body = b"".join(entry_set("%06d" % i, False, 0, 0, t) for i in range(1, count + 1))
    n = max(1, -(-len(body) // vol.cluster))
    first = vol.allocate(n)
    vol.write(vol.cluster_at(first), body.ljust(n * vol.cluster, b"\0"))
    return entry_set(name, True, first, n * vol.cluster, t)


def main():
    if len(sys.argv) not in (3, 6) or (len(sys.argv) == 6 and sys.argv[3] != "--many"):
        raise SystemExit("usage: exfat-populate IMAGE DIR [--many NAME COUNT]")
    vol = Volume(sys.argv[1])
    entries = build_folder(vol, sys.argv[2])
    if len(sys.argv) == 6:
        entries += many_empty_files(vol, sys.argv[4], int(sys.argv[5]))
    add_to_root(vol, entries)
    vol.f.close()


main()
