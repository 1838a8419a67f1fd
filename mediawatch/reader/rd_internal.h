/*
 * rd_internal.h: the reader's pieces, shared between its files, its tests
 * and its fuzz targets. Not for the rest of okra: use reader.h.
 *
 *   wire.c     the records between child and parent: writing, and parsing with every check
 *   child.c    the child's main: arguments, sandbox, probe, walk
 *   sandbox.c  uid, namespaces, capabilities, rlimits, no_new_privs, seccomp
 *   libs.c     libtsk and libseccomp, loaded by the child alone
 *   probe.c    libblkid on the descriptor: type, UUID, label, partition table
 *   tskwalk.c  The Sleuth Kit: the partitions and filesystems, the bounded walk
 *   spawn.c    the parent: starting the child, waiting for it, what its end means
 *   stream.c   the parent: mw_reader_next and _read over the pipe
 *
 * The records (little-endian), each an 8-byte header { u8 type, u8 0, u8 0,
 * u8 0, u32 length } and length bytes:
 *
 *   PROBE   key/value pairs (u16 length + bytes each): libblkid's view
 *   VOLUME  u32 partition, u32 filesystems, then key/value pairs (fs, TYPE, UUID, LABEL)
 *   FILE    u64 size, i64 mtime, u16 length + path; then DATA records
 *           holding exactly size bytes, then END
 *   DATA    1 to 65536 bytes of the current file
 *   END     u8 0: the file's bytes are complete; 1: the medium's data for
 *           it could not be read (fewer bytes came)
 *   SKIP    u16 reason, u64 argument, u16 length + path, u16 length + other path
 *   DONE    u64 files, u64 folders, u64 entries: the walk's end
 *   FAIL    u16 reason, u16 length + detail: the medium cannot be read
 */
#ifndef OKRA_RD_INTERNAL_H
#define OKRA_RD_INTERNAL_H

#include "mediawatch/reader/reader.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum rd_type {
    RD_PROBE = 1,
    RD_VOLUME,
    RD_FILE,
    RD_DATA,
    RD_END,
    RD_SKIP,
    RD_DONE,
    RD_FAIL,
};

#define RD_HEADER 8
#define RD_DATA_MAX 65536
#define RD_RECORD_MAX (RD_DATA_MAX + 64) /* no record is longer */
#define RD_KV_MAX 16                     /* pairs in a PROBE or VOLUME */
#define RD_KEY_MAX 32

/* Why the child passed an entry over (SKIP). */
enum rd_skip {
    RD_SKIP_LINK = 1,      /* a symbolic link */
    RD_SKIP_FIFO,
    RD_SKIP_CHR,
    RD_SKIP_BLK,
    RD_SKIP_SOCK,
    RD_SKIP_OTHER,         /* not a regular file */
    RD_SKIP_TOO_DEEP,      /* arg: the depth limit */
    RD_SKIP_PAST_FILES,    /* arg: the limit */
    RD_SKIP_PAST_FOLDERS,  /* arg: the limit */
    RD_SKIP_STOP,          /* arg: the entries limit; the walk ends here */
    RD_SKIP_TOO_LARGE,     /* arg: --max-size */
    RD_SKIP_HARDLINK,      /* other: the path it was read as */
    RD_SKIP_LOOP,          /* a folder seen already */
    RD_SKIP_BAD_ENTRY,     /* its entry (inode, directory entry) cannot be read */
    RD_SKIP_BAD_FOLDER,    /* a folder whose entries cannot be read */
    RD_SKIP_BAD_NAME,      /* a name with '/' in it */
    RD_SKIP_LONG_PATH,     /* arg: the limit */
    RD_SKIP_MAX_ = RD_SKIP_LONG_PATH,
};

/* Why the child could not read the medium (FAIL). */
enum rd_fail {
    RD_FAIL_SANDBOX = 1, /* detail: what could not be set up */
    RD_FAIL_USAGE,       /* the parent's arguments */
    RD_FAIL_NO_FS,       /* nothing okra reads on it */
    RD_FAIL_UNSUPPORTED, /* detail: libblkid's name of the filesystem */
    RD_FAIL_AMBIVALENT,  /* more than one filesystem signature */
    RD_FAIL_OPEN_FS,     /* detail: The Sleuth Kit's reason */
    RD_FAIL_ROOT,        /* the root folder cannot be read */
    RD_FAIL_IO,          /* the medium cannot be read at all */
    RD_FAIL_MAX_ = RD_FAIL_IO,
};

/* ---- wire.c: the child's side --------------------------------------------------------------- */

/* A buffered record writer: to a descriptor, or to a callback (tests, fuzzing). */
struct rd_out {
    int      fd;
    int    (*sink)(void *ctx, const uint8_t *p, size_t n); /* used when fd < 0 */
    void    *ctx;
    uint8_t  buf[RD_RECORD_MAX * 2];
    size_t   len;
    bool     broken; /* a write failed: the parent is gone; the walk stops */
};

struct rd_kv {
    const char *key;
    const char *value;
};

int rd_put_probe(struct rd_out *o, const struct rd_kv *kv, size_t n);
int rd_put_volume(struct rd_out *o, uint32_t partition, uint32_t filesystems,
                  const struct rd_kv *kv, size_t n);
int rd_put_file(struct rd_out *o, uint64_t size, int64_t mtime, const char *path);
int rd_put_data(struct rd_out *o, const void *p, size_t n);
int rd_put_end(struct rd_out *o, bool damaged);
int rd_put_skip(struct rd_out *o, enum rd_skip why, uint64_t arg, const char *path,
                const char *other);
int rd_put_done(struct rd_out *o, uint64_t files, uint64_t folders, uint64_t entries);
int rd_put_fail(struct rd_out *o, enum rd_fail why, const char *detail);
int rd_flush(struct rd_out *o);

/* ---- wire.c: the parent's side -------------------------------------------------------------- */

/* One record as read; the pointers point into the parser's buffer. */
struct rd_record {
    enum rd_type type;
    uint64_t     a, b, c; /* sizes, counts, codes */
    int64_t      mtime;
    const char  *path;    /* NUL-terminated copies */
    const char  *other;
    const uint8_t *data;
    size_t       len;     /* of data */
    struct rd_kv kv[RD_KV_MAX];
    size_t       n_kv;
};

/*
 * Decodes one record's payload into rec. Every length is checked against
 * the payload, every count and code against its range, every string for
 * NUL bytes; paths of FILE records must be relative, with no empty, "." or
 * ".." part, at most MW_READER_PATH_MAX bytes. payload must have one byte
 * of room after len (strings are terminated in place). Returns 0 or -EBADMSG
 * with the reason.
 */
int rd_decode(enum rd_type type, uint8_t *payload, size_t len, struct rd_record *rec);

/*
 * The order of records, and the limits: a walk's state as the parent keeps
 * it. rd_check returns 0 when rec may come now (and counts it), else
 * -EBADMSG with the reason.
 */
struct rd_state {
    const struct mw_read_opts *o;
    int      phase;      /* RD_PH_* */
    uint64_t remaining;  /* bytes of the current file still to come */
    uint64_t files, folders_named, entries, sent;
    bool     got_volume;
};
enum { RD_PH_START, RD_PH_WALK, RD_PH_FILE, RD_PH_FILE_END, RD_PH_DONE };

void rd_state_init(struct rd_state *s, const struct mw_read_opts *o);
int  rd_check(struct rd_state *s, const struct rd_record *rec);

/* What a SKIP record means, in okra's words (the same as the folder walk's); malloc'd. */
char *rd_skip_text(const struct rd_record *rec);
/* What a FAIL record means; malloc'd, detail made safe. */
char *rd_fail_text(const struct rd_record *rec);

/* ---- spawn.c ---------------------------------------------------------------------------------- */

/*
 * Starts the child in mode ("read", "probe", "forbid-socket", "forbid-open")
 * on dev_fd; *ret_fd is the pipe's read end (close-on-exec). 0 or negative.
 */
int rd_spawn(int dev_fd, const char *mode, const struct mw_read_opts *o, pid_t *ret_pid,
             int *ret_fd);

/* What the child's wait status means: 0 for a clean exit, else negative with the reason. */
int rd_death(int status);

/* ---- sandbox.c -------------------------------------------------------------------------------- */

struct rd_sandbox {
    uid_t    uid;        /* the uid and gid to take when root; else the caller's */
    gid_t    gid;
    uint64_t cpu_seconds;
    uint64_t memory;     /* address space; 0: no limit (sanitizers reserve terabytes) */
    int      dev_fd, out_fd;
    pid_t    parent; /* the child dies with it (PR_SET_PDEATHSIG) */
};

/*
 * Enters the sandbox: a non-root uid, new user (when not root), mount,
 * network, IPC and UTS namespaces, no capability, rlimits, not dumpable,
 * no_new_privs, and the first seccomp filter (reading dev_fd, writing
 * out_fd and stderr, memory; opening a file fails with ENOENT, for
 * libblkid's look at sysfs). Returns 0, or negative errno with the reason.
 */
int rd_sandbox_enter(const struct rd_sandbox *s);

/* The second filter, once libblkid is done: opening anything, or any ioctl, kills. */
int rd_sandbox_tighten(void);

/* ---- libs.c ----------------------------------------------------------------------------------- */

/*
 * Loads libtsk and libseccomp (okra is not linked with them, see libs.c),
 * once; before the sandbox, which forbids it. 0, or negative with the reason.
 */
int rd_libs_load(void);

/* ---- probe.c ---------------------------------------------------------------------------------- */

struct rd_probe {
    char type[MW_READER_TEXT_MAX + 1], usage[64], version[64];
    char uuid[MW_READER_TEXT_MAX + 1], label[MW_READER_TEXT_MAX + 1];
    char pttype[64];
    bool ambivalent;
};

/* libblkid on fd at [offset, offset + size); partitions too when want_pt. 0, or -EIO. */
int rd_probe(int fd, uint64_t offset, uint64_t size, bool want_pt, struct rd_probe *ret);

/* The PROBE pairs of a probe: at most RD_PROBE_KEYS into kv. */
#define RD_PROBE_KEYS 6
size_t rd_probe_kv(const struct rd_probe *p, struct rd_kv *kv);

/* ---- tskwalk.c -------------------------------------------------------------------------------- */

struct rd_limits {
    uint64_t max_size;
    unsigned max_depth;
    uint64_t max_entries;
};

/*
 * Reads the medium on fd (size bytes, sector_size): probes it, finds its
 * filesystem (or those of its partitions), walks each and writes the
 * records to out, ending with DONE or FAIL. tighten is called once probing
 * is done (the sandbox's second filter), may be NULL. Returns 0 when the
 * walk ended with DONE, else negative.
 */
int rd_read_medium(int fd, uint64_t size, unsigned sector_size, const struct rd_limits *lim,
                   struct rd_out *out, int (*tighten)(void));

#endif
