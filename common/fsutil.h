/*
 * fsutil.h: durable, atomic file handling.
 *
 * Every write to the vault goes through fs_write_atomic or the same steps
 * by hand: a temporary name in the same folder, fsync, rename, fsync of the
 * folder. A crash leaves the old file or the new one.
 */
#ifndef OKRA_FSUTIL_H
#define OKRA_FSUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/err.h"

int fs_fsync_dir(int dirfd);

/* Writes data to dirfd/name atomically and durably with the given mode. */
int fs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode);

/* Writes all of buf to fd, retrying short writes; returns 0 or -errno. */
int fs_write_full(int fd, const void *buf, size_t len);

/* Writes all of buf at offset, retrying short writes; returns 0 or -errno. */
int fs_pwrite_full(int fd, const void *buf, size_t len, off_t off);

/* Reads up to len bytes at offset, retrying short reads; returns bytes read or -errno. */
ssize_t fs_pread_full(int fd, void *buf, size_t len, off_t off);

/*
 * Reads a whole small file (at most max bytes, else -EFBIG) into malloc'd
 * memory with a NUL after the last byte. dirfd may be AT_FDCWD.
 */
int fs_read_file(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len);

/* The same into secure memory (secmem_alloc; free with secmem_free). */
int fs_read_file_secure(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len);

/*
 * Opens path beneath dirfd with openat2: no symlinks, no magic links, no
 * crossing mounts, no escaping dirfd. Falls back to O_NOFOLLOW per
 * component checks only where openat2 is missing (ENOSYS).
 */
OKRA_MUST_CHECK
int fs_open_beneath(int dirfd, const char *path, int flags);

/*
 * Whether the opened folder dirfd is the opened folder ancestor or lies
 * beneath it: 1, 0, or -errno. Walks up from dirfd by "..", comparing device
 * and inode, so no spelling of a path, symbolic link or bind mount hides it.
 */
int fs_dir_beneath(int dirfd, int ancestor);

/*
 * The deepest folder of path that exists, opened as the path leads (its
 * links followed); *ret_whole tells whether that is path itself. -errno.
 */
OKRA_MUST_CHECK
int fs_open_nearest_dir(const char *path, bool *ret_whole);

/* mkdir -p with a mode for the folders it creates. */
int fs_mkdirs(const char *path, mode_t mode);

#endif
