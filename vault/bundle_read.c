/* bundle_read.c: a thin, bounded reader over libarchive's tar support. */
#include "vault/bundle_read.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BLOCK (128 * 1024)
#define END_BLOCKS 1024      /* two zero blocks end a tar */
#define RECORD_PAD 10240     /* tar writers may pad to one record after them */

struct bundle_reader {
    struct archive *a;
    int             fd;
    bool            own_fd;
    char           *path;
    uint64_t        size, got; /* of the current member */
    bool            ended;
};

static int
damaged(struct bundle_reader *r)
{
    const char *e = archive_error_string(r->a);

    return okra_fail(-EINVAL, "it is damaged or truncated (%s)", e ? e : "not a tar archive");
}

static int
start(struct bundle_reader *r)
{
    struct stat st;

    if (fstat(r->fd, &st) < 0)
        return okra_fail_errno(errno, "cannot read it");
    if (!S_ISREG(st.st_mode))
        return okra_fail(-EINVAL, "it is not a regular file");
    if (lseek(r->fd, 0, SEEK_SET) < 0)
        return okra_fail_errno(errno, "cannot read it");
    r->a = archive_read_new();
    if (r->a == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    archive_read_support_format_tar(r->a);
    if (archive_read_open_fd(r->a, r->fd, READ_BLOCK) != ARCHIVE_OK)
        return damaged(r);
    return 0;
}

static struct bundle_reader *
reader_new(const char *label)
{
    struct bundle_reader *r = calloc(1, sizeof *r);

    if (r == NULL)
        return NULL;
    r->fd = -1;
    if ((r->path = strdup(label)) == NULL) {
        free(r);
        return NULL;
    }
    return r;
}

int
bundle_open(int dirfd, const char *path, struct bundle_reader **ret)
{
    struct bundle_reader *r = reader_new(path);
    int                   rc, flags = O_RDONLY | O_CLOEXEC | (dirfd == AT_FDCWD ? 0 : O_NOFOLLOW);

    if (r == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    r->own_fd = true;
    r->fd = openat(dirfd, path, flags);
    if (r->fd < 0) {
        rc = errno == ENOENT ? okra_fail(-ENOENT, "it does not exist")
             : errno == ELOOP ? okra_fail(-EINVAL, "it is a symbolic link, not a bundle")
                              : okra_fail_errno(errno, "cannot open it");
        bundle_close(r);
        return rc;
    }
    if ((rc = start(r)) < 0) {
        bundle_close(r);
        return rc;
    }
    *ret = r;
    return 0;
}

int
bundle_open_fd(int fd, const char *label, struct bundle_reader **ret)
{
    struct bundle_reader *r = reader_new(label);
    int                   rc;

    if (r == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    r->fd = fd;
    if ((rc = start(r)) < 0) {
        bundle_close(r);
        return rc;
    }
    *ret = r;
    return 0;
}

/* After the last member: the two end blocks, then zero padding only, then the end of the file. */
static int
check_end(struct bundle_reader *r)
{
    la_int64_t  end = archive_read_header_position(r->a);
    struct stat st;
    uint8_t     buf[4096];
    off_t       pos;

    if (end < 0 || fstat(r->fd, &st) < 0)
        return okra_fail(-EIO, "cannot find the end of its archive");
    if (st.st_size - end < END_BLOCKS)
        return okra_fail(-EINVAL, "it lacks the two zero blocks that end a tar archive "
                                  "(truncated, or cut after its last member)");
    if (st.st_size - end > END_BLOCKS + RECORD_PAD)
        return okra_fail(-EINVAL, "it holds %lld bytes after the end of its archive (data "
                                  "added after the end is not part of a bundle)",
                         (long long) (st.st_size - end - END_BLOCKS));
    for (pos = (off_t) end; pos < st.st_size;) {
        ssize_t n = pread(r->fd, buf, sizeof buf, pos), i;

        if (n <= 0)
            return okra_fail(-EIO, "cannot read the end of its archive");
        for (i = 0; i < n; i++)
            if (buf[i] != 0)
                return okra_fail(-EINVAL, "it holds data after the end of its archive (byte %lld "
                                          "is not zero): not part of a bundle",
                                 (long long) (pos + i));
        pos += n;
    }
    return 0;
}

int
bundle_next(struct bundle_reader *r, const char **ret_name, uint64_t *ret_size)
{
    struct archive_entry *e;
    int                   rc;

    if (r->ended)
        return 0;
    rc = archive_read_next_header(r->a, &e);
    if (rc == ARCHIVE_EOF) {
        r->ended = true;
        return check_end(r);
    }
    if (rc != ARCHIVE_OK)
        return damaged(r);
    *ret_name = archive_entry_pathname(e);
    if (*ret_name == NULL)
        return damaged(r);
    if (archive_entry_hardlink(e) != NULL)
        return okra_fail(-EINVAL, "member %s is a hard link (a bundle holds only files)",
                         *ret_name);
    if (archive_entry_filetype(e) != AE_IFREG)
        return okra_fail(-EINVAL, "member %s is not a regular file", *ret_name);
    if (archive_entry_sparse_count(e) > 0)
        return okra_fail(-EINVAL, "member %s is a sparse file (its holes would read "
                                  "differently after tar -x)", *ret_name);
    if (archive_entry_size(e) < 0)
        return damaged(r);
    *ret_size = r->size = (uint64_t) archive_entry_size(e);
    r->got = 0;
    return 1;
}

int
bundle_data(struct bundle_reader *r, const uint8_t **ret_p, size_t *ret_n)
{
    const void *p;
    size_t      n;
    la_int64_t  off;
    int         rc = archive_read_data_block(r->a, &p, &n, &off);

    if (rc == ARCHIVE_EOF) {
        if (r->got != r->size)
            return okra_fail(-EINVAL, "a member holds %llu bytes, not the %llu its header "
                                      "says", (unsigned long long) r->got,
                             (unsigned long long) r->size);
        return 0;
    }
    if (rc != ARCHIVE_OK)
        return damaged(r);
    /* a hole (a sparse member libarchive did not name) would leave a gap */
    if (off < 0 || (uint64_t) off != r->got || n > r->size - r->got)
        return okra_fail(-EINVAL, "a member's data is not contiguous (a sparse member)");
    r->got += n;
    *ret_p = p;
    *ret_n = n;
    return 1;
}

void
bundle_close(struct bundle_reader *r)
{
    if (r == NULL)
        return;
    if (r->a)
        archive_read_free(r->a);
    if (r->own_fd && r->fd >= 0)
        close(r->fd);
    free(r->path);
    free(r);
}

int
bundle_stream_member(int dirfd, const char *path, const char *member,
                     int (*sink)(void *ctx, const uint8_t *p, size_t n), void *ctx)
{
    struct bundle_reader *r;
    const char           *name;
    uint64_t              size;
    int                   rc;

    if ((rc = bundle_open(dirfd, path, &r)) < 0)
        return rc;
    while ((rc = bundle_next(r, &name, &size)) > 0) {
        const uint8_t *p = NULL;
        size_t         n = 0;

        if (strcmp(name, member) != 0)
            continue;
        while ((rc = bundle_data(r, &p, &n)) > 0)
            if ((rc = sink(ctx, p, n)) < 0)
                break;
        bundle_close(r);
        return rc < 0 ? rc : 0;
    }
    bundle_close(r);
    return rc < 0 ? rc : okra_fail(-ENOENT, "it has no member %s", member);
}

static int
hash_sink(void *ctx, const uint8_t *p, size_t n)
{
    sha256_update(ctx, p, n);
    return 0;
}

int
bundle_read_sums_hash(int dirfd, const char *path, char out[SHA256_HEX])
{
    struct sha256 h = { 0 };
    uint8_t       d[32];
    int           rc;

    if (sha256_init(&h) < 0)
        return okra_fail(-ENOMEM, "cannot start SHA-256");
    rc = bundle_stream_member(dirfd, path, "SHA256SUMS", hash_sink, &h);
    sha256_final(&h, d);
    sha256_free(&h);
    if (rc == 0)
        hex_encode(out, d, 32);
    return rc < 0 ? okra_fail_prefix(rc, "%s: ", path) : 0;
}
