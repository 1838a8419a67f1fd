#!/usr/bin/env python3
"""ntfs-mkdir IMAGE < PATHS: makes folders (one path per line, parents first) in an NTFS image, through
libntfs-3g (ntfs-3g's own library, opened on the image file: nothing is mounted). Test-only: ntfscp
copies files but cannot make folders."""
import ctypes
import sys

lib = ctypes.CDLL("libntfs-3g.so.89")
lib.ntfs_mount.restype = ctypes.c_void_p
lib.ntfs_mount.argtypes = [ctypes.c_char_p, ctypes.c_ulong]
lib.ntfs_pathname_to_inode.restype = ctypes.c_void_p
lib.ntfs_pathname_to_inode.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p]
lib.ntfs_mbstoucs.restype = ctypes.c_int
lib.ntfs_mbstoucs.argtypes = [ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
lib.ntfs_create.restype = ctypes.c_void_p
lib.ntfs_create.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_void_p, ctypes.c_uint8, ctypes.c_uint32]
lib.ntfs_inode_close.argtypes = [ctypes.c_void_p]
lib.ntfs_umount.argtypes = [ctypes.c_void_p, ctypes.c_int]

S_IFDIR = 0o040000
vol = lib.ntfs_mount(sys.argv[1].encode(), 0)
if not vol:
    sys.exit("ntfs-mkdir: cannot open %s" % sys.argv[1])
for line in sys.stdin:
    path = line.rstrip("\n")
    parent, _, name = path.rpartition("/")
    dir_ni = lib.ntfs_pathname_to_inode(vol, None, ("/" + parent).encode())
    if not dir_ni:
        sys.exit("ntfs-mkdir: no folder /%s" % parent)
    ucs = ctypes.c_void_p()
    n = lib.ntfs_mbstoucs(name.encode(), ctypes.byref(ucs))
    ni = lib.ntfs_create(dir_ni, 0, ucs, n, S_IFDIR) if n > 0 else None
    if not ni:
        sys.exit("ntfs-mkdir: cannot make %s" % path)
    lib.ntfs_inode_close(ni)
    lib.ntfs_inode_close(dir_ni)
if lib.ntfs_umount(vol, 0) != 0:
    sys.exit("ntfs-mkdir: cannot close %s" % sys.argv[1])
