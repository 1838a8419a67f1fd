/* bundle_body.c: the payloads' tar entries, written through libarchive as items are added. */
#include "vault/bundle_internal.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hex.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the body: payload entries, in order, as items are added ---- */

int
bw_body_flush(struct body *b)
{
    int rc;

    if (b->len && (rc = fs_write_full(b->fd, b->buf, b->len)) < 0) {
        b->err = -rc;
        return rc;
    }
    b->len = 0;
    return 0;
}

static la_ssize_t
body_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    struct body *b = ctx;
    int          rc = 0;

    if (b->discard)
        return (la_ssize_t) n;
    if (b->len + n > BODY_BUF && (rc = bw_body_flush(b)) == 0 && n > BODY_BUF)
        rc = fs_write_full(b->fd, buf, n);
    else if (rc == 0)
        memcpy(b->buf + b->len, buf, n), b->len += n;
    if (rc < 0)
        b->err = -rc; /* kept for the commit; libarchive is told all went well (see tar_out_write) */
    (void) a;
    return (la_ssize_t) n;
}

int
bw_body_open(struct bundle_writer *bw)
{
    struct body *b = &bw->body;

    b->fd = openat(bw->tmpfd, "body", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (b->fd < 0 || (b->buf = malloc(BODY_BUF)) == NULL)
        return okra_fail_errno(errno, "cannot create a staging file in %s/tmp", bw->v->dir);
    b->a = archive_write_new();
    archive_write_set_format_pax_restricted(b->a);
    /* unbuffered: what libarchive writes is exactly the entries, nothing held back */
    archive_write_set_bytes_per_block(b->a, 0);
    if (archive_write_open(b->a, b, NULL, body_write, NULL) != ARCHIVE_OK)
        return okra_fail(-EIO, "cannot start the bundle's body: %s", archive_error_string(b->a));
    return 0;
}

static void
body_close(struct bundle_writer *bw)
{
    struct body *b = &bw->body;

    if (b->a) {
        b->discard = true; /* the end-of-archive marker comes with the whole bundle */
        archive_write_free(b->a);
        b->a = NULL;
    }
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    free(b->buf);
    b->buf = NULL;
}

/*
 * Once the body is in the bundle: freeing a few MB of page cache takes most
 * of a millisecond, spent while the disk writes the bundle, before its fsync.
 * The staging file exists exactly while it is open: a second call (bw_free
 * after a commit) has nothing to remove.
 */
void
bw_body_discard(struct bundle_writer *bw)
{
    bool staged = bw->body.fd >= 0;

    body_close(bw);
    if (staged)
        unlinkat(bw->tmpfd, "body", 0);
}

int
bw_tar_fail(struct archive *a, const char *what)
{
    int no = archive_errno(a);

    if (no == ENOSPC || no == EDQUOT)
        return okra_fail_write(no, "%s", what);
    return okra_fail(-EIO, "cannot write %s: %s", what,
                     archive_error_string(a) ? archive_error_string(a) : "I/O error");
}

int
bw_entry_header(struct archive *a, time_t mtime, const char *name, uint64_t size)
{
    struct archive_entry *e = archive_entry_new();
    int                   rc;

    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t) size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    rc = archive_write_header(a, e);
    archive_entry_free(e);
    return rc == ARCHIVE_OK ? 0 : bw_tar_fail(a, name);
}

