/*
 * reader.h: a medium's files read in user space, by a sandboxed child.
 *
 * okra does not mount media. The parent opens the block device (or a disk
 * image) read-only and starts a child, a fresh copy of okra's own program,
 * that holds nothing but that descriptor and the write end of a pipe. The
 * child drops to an unprivileged uid in new namespaces with no capability,
 * no_new_privs, rlimits and a seccomp filter (sandbox.c), then probes the
 * medium (libblkid), opens its filesystem with The Sleuth Kit's library and
 * walks it (tskwalk.c): no link followed, regular files only, with the
 * limits scan has (okra(1)). It streams what it finds as length-prefixed records
 * (wire.c). This side re-checks every record and every limit and parses no
 * filesystem metadata: it only ever sees paths, sizes, times and bytes.
 *
 * Nothing here prints. Reasons go through okra_errmsg().
 */
#ifndef OKRA_MW_READER_H
#define OKRA_MW_READER_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

/* The argument that makes okra's main() the reader child (see mw_reader_child_main). */
#define MW_READER_CHILD_ARG "--okra-reader-child"

#define MW_READER_MAX_DEPTH 32
#define MW_READER_MAX_ENTRIES 100000 /* files read, and folders: past it a line each */
#define MW_READER_VISIT_FACTOR 10    /* every entry: past 10x, the walk stops */
#define MW_READER_PATH_MAX 4096      /* bytes in a path the child may send */
#define MW_READER_TEXT_MAX 512       /* bytes in a probed value (label, UUID, type) */

struct mw_read_opts {
    uint64_t max_size;    /* files larger are named and not sent; 0: 256 MiB */
    unsigned max_depth;   /* folders below the root walked; 0: 32 */
    uint64_t max_entries; /* files read and folders walked; 0: 100,000 */
    bool     probe_only;  /* only libblkid's view of the medium (mw_reader_probe) */
    /* non-zero: stop at once (a medium pulled out); checked while waiting */
    volatile sig_atomic_t *abort;
};

/*
 * What the child found on the medium. Strings are raw bytes from the medium
 * (NUL-free, at most MW_READER_TEXT_MAX), NULL when unknown: sanitise
 * before printing.
 */
struct mw_volume {
    char *fs_type;  /* The Sleuth Kit's name: fat12, fat16, fat32, exfat, ntfs, ext2/3/4, iso9660 */
    char *blkid_type; /* libblkid's TYPE: vfat, exfat, ntfs, ext4... (udev's ID_FS_TYPE) */
    char *fs_uuid;
    char *fs_label;
    unsigned partition; /* 0: the whole device; else its partition number */
    unsigned n_filesystems; /* how many filesystems the child reads on the medium */
};

/* One entry of the walk: a file to read, or something passed over and why. */
struct mw_entry {
    const char *path;  /* raw bytes from the medium, relative, '/'-separated; NUL-terminated */
    const char *why;   /* non-NULL: passed over, and why (okra's own words) */
    uint64_t    size;  /* a file's size: exactly this many bytes follow */
    int64_t     mtime; /* seconds since the epoch */
};

struct mw_reader;

/*
 * Starts the child on dev_fd (a block device or regular file opened
 * O_RDONLY; the child gets its own copy of the descriptor, the caller keeps
 * its). Returns 0, or negative errno with the reason.
 */
OKRA_MUST_CHECK
int mw_reader_open(int dev_fd, const struct mw_read_opts *o, struct mw_reader **ret);

/*
 * The next entry, in sorted path order: 1 and *ret (valid until the next
 * call), 0 at the end of the medium, negative when the read failed: the
 * child crashed, broke its sandbox's rules, ran past a limit, sent anything
 * malformed, or the medium was pulled out (-ECANCELED). Bytes of the
 * previous file not read are skipped.
 */
int mw_reader_next(struct mw_reader *r, struct mw_entry *ret);

/*
 * Reads exactly len bytes of the current file into buf. Returns 0; -EIO
 * when the child could not read the file's data on the medium (the file is
 * damaged: pass it over and go on); other negative when the read failed as
 * for mw_reader_next.
 */
int mw_reader_read(struct mw_reader *r, void *buf, size_t len);

/* The first filesystem read; NULL before the first entry or when none. */
const struct mw_volume *mw_reader_volume(const struct mw_reader *r);

/* The child's process id (for tests that look at its sandbox through /proc). */
int mw_reader_pid(const struct mw_reader *r);

/*
 * Stops the child if it still runs (SIGKILL), waits for it and frees r.
 * Returns 0 when the child ran to its end and exited cleanly, else negative
 * with the reason (the first failure mw_reader_next or _read reported, or
 * how the child died). Accepts NULL.
 */
int mw_reader_close(struct mw_reader *r);

/*
 * libblkid's view of the medium, probed in the sandboxed child: calls cb
 * with each of TYPE, USAGE, VERSION, UUID, LABEL, PTTYPE that is known
 * (values raw from the medium, at most MW_READER_TEXT_MAX bytes). Returns 0
 * or negative errno.
 */
int mw_reader_probe(int dev_fd, volatile sig_atomic_t *abort,
                    void (*cb)(void *ctx, const char *key, const char *value), void *ctx);

void mw_volume_clear(struct mw_volume *v);

/*
 * The child: okra's main() calls this first when argv[1] is
 * MW_READER_CHILD_ARG, before anything else. Returns the exit status.
 */
int mw_reader_child_main(int argc, char **argv);

#endif
