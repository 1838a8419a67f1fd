/* bundle_write.c: a bundle's place in the chain, its header, its items in order. */
#include "vault/bundle_internal.h"
#include "vault/bundle_read.h"
#include "vault/checkpoint.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hex.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void
bundle_payload_name(uint32_t item_no, int opened, char *out, size_t cap)
{
    snprintf(out, cap, "payload/%04u%s", item_no, opened ? ".p12.age" : ".age");
}

void
bundle_trusted_comment(const char *vault_id, uint64_t seq, const char *kind, char *out, size_t cap)
{
    snprintf(out, cap, "okra vault=%s seq=%llu kind=%s", vault_id, (unsigned long long) seq, kind);
}

/* The seq and prev of the next bundle. */
static int
find_position(struct bundle_writer *bw)
{
    struct vault     *v = bw->v;
    struct checkpoint cp;
    uint64_t         *seqs;
    size_t            n;
    int               rc;
    char              name[64];

    if ((rc = vault_list_bundles(v, &seqs, &n)) < 0)
        return rc;
    if (n == 0) {
        free(seqs);
        bw->seq = 0;
        bw->prev[0] = '\0';
        return 0;
    }
    bw->seq = seqs[n - 1] + 1;
    if (seqs[n - 1] != n - 1) {
        free(seqs);
        return okra_fail(-EINVAL, "%s/bundles has gaps (a bundle is missing); run 'okra verify' "
                                  "and restore the vault from a copy", v->dir);
    }
    free(seqs);
    rc = checkpoint_read(v, &v->station_pub, &cp);
    if (rc == 0 && cp.seq == bw->seq - 1) {
        memcpy(bw->prev, cp.sums, SHA256_HEX);
        return 0;
    }
    /* CHECKPOINT behind (a crash between bundle and checkpoint): read the bundle itself */
    vault_bundle_name(bw->seq - 1, name, sizeof name);
    return bundle_read_sums_hash(v->dirfd, name, bw->prev);
}

static FILE *
open_part(struct bundle_writer *bw, const char *name)
{
    int   fd = openat(bw->tmpfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    FILE *f;

    if (fd < 0)
        return NULL;
    if ((f = fdopen(fd, "w+")) == NULL) {
        close(fd);
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 256 * 1024);
    return f;
}

static int
build_header(struct bundle_writer *bw, const struct bundle_header *h)
{
    json_t     *m = json_object();
    const char *key;
    json_t     *val;

    json_object_set_new(m, "format", json_string(BUNDLE_FORMAT));
    json_object_set_new(m, "vault_id", json_string(bw->v->vault_id));
    json_object_set_new(m, "seq", json_integer((json_int_t) bw->seq));
    json_object_set_new(m, "prev", bw->seq ? json_string(bw->prev) : json_null());
    json_object_set_new(m, "kind", json_string(h->kind));
    json_object_set_new(m, "time", json_string(bw->time));
    json_object_set_new(m, "operator", json_string(h->operator_name ? h->operator_name : ""));
    json_object_set_new(m, "media", h->media ? json_deep_copy(h->media) : json_null());
    if (h->extra)
        json_object_foreach(h->extra, key, val) json_object_set(m, key, val);
    bw->header = m;
    return 0;
}

int
bw_begin(struct vault *v, const struct bundle_header *h, struct bundle_writer **ret)
{
    struct bundle_writer *bw;
    struct tm             tm = { 0 };
    int                   rc;

    if (v->station_sk == NULL || v->lockfd < 0)
        return okra_fail(-EINVAL, "internal: the vault is not open for writing");
    if ((bw = calloc(1, sizeof *bw)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    bw->v = v;
    bw->tmpfd = -1;
    bw->body.fd = -1;
    pthread_mutex_init(&bw->lock, NULL);
    vault_now(bw->time);
    strptime(bw->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bw->mtime = timegm(&tm);
    if ((bw->kind = strdup(h->kind)) == NULL) {
        bw_free(bw);
        return okra_fail(-ENOMEM, "out of memory");
    }
    bw->tmpfd = openat(v->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (bw->tmpfd < 0) {
        rc = okra_fail_errno(errno, "cannot open %s/tmp", v->dir);
        bw_free(bw);
        return rc;
    }
    if ((rc = find_position(bw)) < 0 || (rc = build_header(bw, h)) < 0) {
        bw_free(bw);
        return rc;
    }
    bw->items = open_part(bw, "items");
    bw->sums = open_part(bw, "sums");
    bw->copy_buf = malloc(COPY_BUF);
    if (!bw->items || !bw->sums || !bw->copy_buf) {
        rc = okra_fail_errno(errno ? errno : ENOMEM, "cannot create staging files in %s/tmp", v->dir);
        bw_free(bw);
        return rc;
    }
    if ((rc = bw_body_open(bw)) < 0) {
        bw_free(bw);
        return rc;
    }
    *ret = bw;
    return 0;
}

uint64_t
bw_seq(const struct bundle_writer *bw)
{
    return bw->seq;
}

const char *
bw_prev(const struct bundle_writer *bw)
{
    return bw->prev;
}

const char *
bw_time(const struct bundle_writer *bw)
{
    return bw->time;
}

const char *
bw_last_item_text(const struct bundle_writer *bw)
{
    return bw->last_text;
}

uint32_t
bw_item_count(const struct bundle_writer *bw)
{
    return bw->n_items;
}

/* ---- items, in order ---- */

/* One payload's tar entry into the body, from memory or the stager's file. */
static int
add_blob(struct bundle_writer *bw, uint32_t item_no, int opened, struct bw_blob *b, char *name,
         size_t cap)
{
    struct archive *a = bw->body.a;
    char            hex[SHA256_HEX];
    int             rc;

    if (bw->body.err)
        return okra_fail_write(bw->body.err, "staging files in %s/tmp", bw->v->dir);
    bundle_payload_name(item_no, opened, name, cap);
    hex_encode(hex, b->sha256, sizeof b->sha256);
    if (fprintf(bw->sums, "%s  %s\n", hex, name) < 0)
        return okra_fail_write(errno ? errno : EIO, "staging files in %s/tmp", bw->v->dir);
    if ((rc = bw_entry_header(a, bw->mtime, name, b->len)) < 0)
        return rc;
    if (b->mem) {
        if (b->len && archive_write_data(a, b->mem, b->len) != (la_ssize_t) b->len)
            return bw_tar_fail(a, name);
        bw_blob_release(b);
        /* the entry's padding goes down now, not with the next header */
        return archive_write_finish_entry(a) == ARCHIVE_OK ? 0 : bw_tar_fail(a, name);
    }
    for (uint64_t off = b->off, left = b->len; left > 0;) {
        size_t  want = left > COPY_BUF ? COPY_BUF : (size_t) left;
        ssize_t n = fs_pread_full(bw->stagers[b->stager]->fd, bw->copy_buf, want, (off_t) off);

        if (n != (ssize_t) want)
            return okra_fail(-EIO, "cannot read staged %s", name);
        if (archive_write_data(a, bw->copy_buf, want) != (la_ssize_t) want)
            return bw_tar_fail(a, name);
        off += want;
        left -= want;
    }
    return archive_write_finish_entry(a) == ARCHIVE_OK ? 0 : bw_tar_fail(a, name);
}

int
bw_add_item(struct bundle_writer *bw, json_t *item, struct bw_blob *payload, struct bw_blob *opened)
{
    uint32_t no = bw->n_items + 1;
    char     name[64], *text;
    int      rc;

    if ((rc = add_blob(bw, no, 0, payload, name, sizeof name)) < 0)
        return rc;
    json_object_set_new(item, "payload", json_string(name));
    if (opened) {
        if ((rc = add_blob(bw, no, 1, opened, name, sizeof name)) < 0)
            return rc;
        json_object_set_new(item, "opened", json_string(name));
    }
    if ((text = json_dumps(item, JSON_PRESERVE_ORDER)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    rc = fprintf(bw->items, "%s\n    %s", no > 1 ? "," : "", text) < 0 ? -EIO : 0;
    free(bw->last_text);
    bw->last_text = text;
    if (rc < 0)
        return okra_fail_write(errno ? errno : EIO, "staging files in %s/tmp", bw->v->dir);
    bw->n_items = no;
    return (int) no;
}

void
bw_free(struct bundle_writer *bw)
{
    uint32_t i;

    if (bw == NULL)
        return;
    bw_body_discard(bw);
    for (i = 0; i < bw->n_stagers; i++) {
        char name[32];

        snprintf(name, sizeof name, "payload.%u", i);
        if (bw->stagers[i]->fd >= 0) {
            close(bw->stagers[i]->fd);
            unlinkat(bw->tmpfd, name, 0);
        }
        sha256_free(&bw->stagers[i]->sha);
        free(bw->stagers[i]->mem);
        free(bw->stagers[i]);
    }
    if (bw->items)
        fclose(bw->items);
    if (bw->sums)
        fclose(bw->sums);
    if (bw->tmpfd >= 0) {
        unlinkat(bw->tmpfd, "items", 0);
        unlinkat(bw->tmpfd, "sums", 0);
        unlinkat(bw->tmpfd, "bundle.tar", 0);
        close(bw->tmpfd);
    }
    free(bw->copy_buf);
    json_decref(bw->header);
    free(bw->last_text);
    free(bw->kind);
    pthread_mutex_destroy(&bw->lock);
    free(bw);
}
