/* bundle_commit.c: MANIFEST.json, the body as it is, SHA256SUMS, the signature; then publish. */
#include "vault/bundle_internal.h"
#include "vault/checkpoint.h"
#include "vault/station.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hex.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The body is copied into the bundle a part at a time (see append_body). */
#define WRITEBACK_CHUNK (256 * 1024)

/* ---- assembly: MANIFEST.json, the body as it is, SHA256SUMS, the signature ---- */

struct tar_out {
    struct archive      *a;
    int                  fd;
    int                  err;     /* errno of a failed write, kept (libarchive's is "Write error") */
    struct sha256        sha;     /* of the member being written, when hashing */
    bool                 hashing;
    struct mini_prehash *pre;     /* BLAKE2b for the signature, when set */
};

static int
member_data(struct tar_out *t, const void *p, size_t n, const char *name)
{
    if (n == 0)
        return 0;
    if (t->hashing)
        sha256_update(&t->sha, p, n);
    if (t->pre)
        mini_prehash_update(t->pre, p, n);
    if (archive_write_data(t->a, p, n) != (la_ssize_t) n)
        return bw_tar_fail(t->a, name);
    return 0;
}

/* Copies len bytes of fd from offset 0 into the current member. */
static int
member_copy(struct tar_out *t, int fd, uint64_t len, const char *name, uint8_t *buf)
{
    for (uint64_t off = 0; off < len;) {
        size_t  want = len - off > COPY_BUF ? COPY_BUF : (size_t) (len - off);
        ssize_t n = fs_pread_full(fd, buf, want, (off_t) off);
        int     rc;

        if (n != (ssize_t) want)
            return okra_fail(-EIO, "cannot read staged %s", name);
        if ((rc = member_data(t, buf, want, name)) < 0)
            return rc;
        off += want;
    }
    return 0;
}

/* MANIFEST.json: the header fields, then the staged items. */
static int
write_manifest(struct bundle_writer *bw, struct tar_out *t, uint8_t hash[32])
{
    char       *head = json_dumps(bw->header, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    const char *tail = bw->n_items ? "\n  ]\n}\n" : "]\n}\n";
    const char *prefix = ",\n  \"items\": [";
    size_t      hl;
    uint64_t    items_len = (uint64_t) ftello(bw->items);
    int         rc;

    if (head == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    hl = strlen(head);
    while (hl && head[hl - 1] != '}') /* the dump ends "\n}": reopen the object */
        hl--;
    hl = hl ? hl - 1 : 0;
    while (hl && head[hl - 1] == '\n')
        hl--;
    head[hl] = '\0';
    t->hashing = true;
    sha256_init(&t->sha);
    if ((rc = bw_entry_header(t->a, bw->mtime, "MANIFEST.json",
                           hl + strlen(prefix) + items_len + strlen(tail))) == 0 &&
        (rc = member_data(t, head, hl, "MANIFEST.json")) == 0 &&
        (rc = member_data(t, prefix, strlen(prefix), "MANIFEST.json")) == 0 &&
        (rc = member_copy(t, fileno(bw->items), items_len, "MANIFEST.json", bw->copy_buf)) == 0 &&
        (rc = member_data(t, tail, strlen(tail), "MANIFEST.json")) == 0 &&
        archive_write_finish_entry(t->a) != ARCHIVE_OK) /* its padding, before the body */
        rc = bw_tar_fail(t->a, "MANIFEST.json");
    sha256_final(&t->sha, hash);
    t->hashing = false;
    free(head);
    return rc;
}

/* The payload entries, written as the items came: appended as they are. */
static int
append_body(struct bundle_writer *bw, struct tar_out *t)
{
    off_t in = 0, len = lseek(bw->body.fd, 0, SEEK_END), started = 0;

    if (t->err)
        return okra_fail_write(t->err, "the bundle to %s/tmp", bw->v->dir);
    while (in < len) {
        size_t  chunk = (size_t) (len - in) > WRITEBACK_CHUNK ? WRITEBACK_CHUNK : (size_t) (len - in);
        ssize_t n = copy_file_range(bw->body.fd, &in, t->fd, NULL, chunk, 0);

        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL))
            break; /* no kernel copy here: copy by hand below */
        if (n < 0)
            return okra_fail_write(errno, "the bundle to %s/tmp", bw->v->dir);
        if (n == 0)
            return okra_fail(-EIO, "the bundle's body is short");
        /*
         * The disk starts on what is written (the manifest, this part) while
         * the next part is copied: about a millisecond less waiting in the
         * fsync for a few MB. Only a hint; the fsync is what makes it durable.
         */
        off_t end = lseek(t->fd, 0, SEEK_CUR);

        if (end > started && sync_file_range(t->fd, started, end - started, SYNC_FILE_RANGE_WRITE) == 0)
            started = end;
    }
    while (in < len) {
        size_t  want = (size_t) (len - in) > COPY_BUF ? COPY_BUF : (size_t) (len - in);
        ssize_t n = fs_pread_full(bw->body.fd, bw->copy_buf, want, in);
        int     rc;

        if (n != (ssize_t) want)
            return okra_fail(-EIO, "cannot read the bundle's body");
        if ((rc = fs_write_full(t->fd, bw->copy_buf, want)) < 0)
            return okra_fail_write(-rc, "the bundle to %s/tmp", bw->v->dir);
        in += (off_t) want;
    }
    return 0;
}

/* SHA256SUMS and its signature; fills the sums hash. */
static int
write_sums(struct bundle_writer *bw, struct tar_out *t, const uint8_t manifest_hash[32],
           uint8_t sums_hash[32])
{
    struct mini_prehash pre;
    uint8_t             digest[MINI_HASH_LEN];
    char                line[SHA256_HEX + 32], tc[160], *sig;
    uint64_t            sums_len = (uint64_t) ftello(bw->sums);
    size_t              ll;
    int                 rc;

    hex_encode(line, manifest_hash, 32);
    ll = strlen(line);
    memcpy(line + ll, "  MANIFEST.json\n", 17);
    ll += 16;
    mini_prehash_init(&pre);
    t->pre = &pre;
    t->hashing = true;
    sha256_init(&t->sha);
    if ((rc = bw_entry_header(t->a, bw->mtime, "SHA256SUMS", ll + sums_len)) == 0 &&
        (rc = member_data(t, line, ll, "SHA256SUMS")) == 0)
        rc = member_copy(t, fileno(bw->sums), sums_len, "SHA256SUMS", bw->copy_buf);
    sha256_final(&t->sha, sums_hash);
    t->hashing = false;
    t->pre = NULL;
    mini_prehash_final(&pre, digest);
    if (rc < 0)
        return rc;
    bundle_trusted_comment(bw->v->vault_id, bw->seq, bw->kind, tc, sizeof tc);
    if ((sig = vault_station_sign(bw->v, digest, tc)) == NULL)
        return okra_fail(-EIO, "cannot sign bundle %llu", (unsigned long long) bw->seq);
    if ((rc = bw_entry_header(t->a, bw->mtime, "SHA256SUMS.minisig", strlen(sig))) == 0)
        rc = member_data(t, sig, strlen(sig), "SHA256SUMS.minisig");
    free(sig);
    return rc;
}

static int
flush_parts(struct bundle_writer *bw)
{
    bw_body_flush(&bw->body);
    if (bw->body.err)
        return okra_fail_write(bw->body.err, "staging files in %s/tmp", bw->v->dir);
    if (fflush(bw->items) || fflush(bw->sums))
        return okra_fail_write(errno, "staging files in %s/tmp", bw->v->dir);
    return 0;
}

/*
 * Output for the bundle. A failed write is kept here and reported to
 * libarchive as done: libarchive 3.6 leaks its state after a fatal write
 * error, and its message would lose the errno (a full disk).
 */
static la_ssize_t
tar_out_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    struct tar_out *t = ctx;
    int             rc;

    (void) a;
    if (t->err == 0 && (rc = fs_write_full(t->fd, buf, n)) < 0)
        t->err = -rc;
    return (la_ssize_t) n;
}

static int
assemble(struct bundle_writer *bw, int fd, uint8_t sums_hash[32])
{
    struct tar_out t = { .fd = fd };
    uint8_t        manifest_hash[32];
    int            rc;

    t.a = archive_write_new();
    archive_write_set_format_pax_restricted(t.a);
    /* unbuffered, so that the body can go in between libarchive's own writes */
    archive_write_set_bytes_per_block(t.a, 0);
    if (archive_write_open(t.a, &t, NULL, tar_out_write, NULL) != ARCHIVE_OK)
        rc = bw_tar_fail(t.a, "the bundle");
    else if ((rc = write_manifest(bw, &t, manifest_hash)) == 0 && (rc = append_body(bw, &t)) == 0 &&
             (rc = write_sums(bw, &t, manifest_hash, sums_hash)) == 0 &&
             archive_write_close(t.a) != ARCHIVE_OK)
        rc = bw_tar_fail(t.a, "the bundle");
    if (t.err)
        rc = okra_fail_write(t.err, "the bundle to %s/tmp", bw->v->dir);
    archive_write_free(t.a);
    sha256_free(&t.sha);
    return rc;
}

/* Moves tmp/bundle.tar to bundles/N.tar, never over an existing bundle. */
static int
publish(struct bundle_writer *bw)
{
    char name[64];
    int  bfd, rc;

    vault_bundle_name(bw->seq, name, sizeof name);
    if (renameat2(bw->tmpfd, "bundle.tar", bw->v->dirfd, name, RENAME_NOREPLACE) < 0) {
        if (errno == EEXIST)
            return okra_fail(-EEXIST, "%s/%s exists already; another writer got there first",
                             bw->v->dir, name);
        return okra_fail_errno(errno, "cannot move the new bundle into %s/bundles", bw->v->dir);
    }
    /* from here the bundle is in place: a failure below is a warning, not a refusal */
    if ((bfd = openat(bw->v->dirfd, "bundles", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        okra_fail_errno(errno, "cannot open %s/bundles to sync it", bw->v->dir);
        return 1;
    }
    rc = fs_fsync_dir(bfd);
    close(bfd);
    return rc < 0 ? 1 : 0;
}

int
bw_commit(struct bundle_writer *bw, char ret_sums_hex[SHA256_HEX])
{
    uint8_t sums_hash[32];
    int     fd, rc;

    if ((rc = flush_parts(bw)) < 0)
        return rc;
    fd = openat(bw->tmpfd, "bundle.tar", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                0644);
    if (fd < 0)
        return okra_fail_errno(errno, "cannot create a bundle in %s/tmp", bw->v->dir);
    rc = assemble(bw, fd, sums_hash);
    bw_body_discard(bw); /* copied, or never to be */
    if (rc == 0 && fsync(fd) < 0)
        rc = okra_fail_write(errno, "the bundle to %s/tmp", bw->v->dir);
    if (close(fd) < 0 && rc == 0)
        rc = okra_fail_write(errno, "the bundle to %s/tmp", bw->v->dir);
    if (rc == 0)
        rc = publish(bw);
    if (rc < 0) {
        unlinkat(bw->tmpfd, "bundle.tar", 0);
        return rc;
    }
    bw->committed = true;
    hex_encode(ret_sums_hex, sums_hash, 32);
    if (rc == 1) /* in place, not known to be on disk: the reason is kept; no CHECKPOINT yet */
        return 1;
    /* the bundle is in place; a CHECKPOINT one behind is valid and the next commit mends it */
    return checkpoint_write(bw->v, bw->seq, ret_sums_hex) < 0 ? 1 : 0;
}
