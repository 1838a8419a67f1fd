/* bundle_read.c: a thin, bounded reader over libarchive's tar support. */
#include "vault/bundle_read.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_BLOCK (128 * 1024)

struct bundle_reader {
    struct archive *a;
    int             fd;
    char           *path;
};

static int
damaged(struct bundle_reader *r)
{
    const char *e = archive_error_string(r->a);

    return okra_fail(-EINVAL, "%s is damaged or truncated (%s)", r->path,
                     e ? e : "not a tar archive");
}

int
bundle_open(int dirfd, const char *path, struct bundle_reader **ret)
{
    struct bundle_reader *r = calloc(1, sizeof *r);
    int                   rc;

    if (r == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    r->path = strdup(path);
    r->fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        rc = errno == ENOENT ? okra_fail(-ENOENT, "%s does not exist", path)
                             : okra_fail_errno(errno, "cannot open %s", path);
        bundle_close(r);
        return rc;
    }
    r->a = archive_read_new();
    archive_read_support_format_tar(r->a);
    if (archive_read_open_fd(r->a, r->fd, READ_BLOCK) != ARCHIVE_OK) {
        rc = damaged(r);
        bundle_close(r);
        return rc;
    }
    *ret = r;
    return 0;
}

int
bundle_next(struct bundle_reader *r, const char **ret_name, uint64_t *ret_size)
{
    struct archive_entry *e;
    int                   rc = archive_read_next_header(r->a, &e);

    if (rc == ARCHIVE_EOF)
        return 0;
    if (rc != ARCHIVE_OK)
        return damaged(r);
    if (archive_entry_filetype(e) != AE_IFREG)
        return okra_fail(-EINVAL, "%s holds a member that is not a regular file", r->path);
    *ret_name = archive_entry_pathname(e);
    *ret_size = (uint64_t) archive_entry_size(e);
    if (*ret_name == NULL)
        return damaged(r);
    return 1;
}

int
bundle_data(struct bundle_reader *r, const uint8_t **ret_p, size_t *ret_n)
{
    const void *p;
    size_t      n;
    la_int64_t  off;
    int         rc = archive_read_data_block(r->a, &p, &n, &off);

    if (rc == ARCHIVE_EOF)
        return 0;
    if (rc != ARCHIVE_OK)
        return damaged(r);
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
    if (r->fd >= 0)
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
    return rc < 0 ? rc : okra_fail(-ENOENT, "%s has no member %s", path, member);
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
    return rc;
}
