/* bundle_stage.c: payloads encrypted by worker threads, into memory, spilling when large. */
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

/* ---- stagers ---- */

int
bw_stager_new(struct bundle_writer *bw, struct bw_stager **ret)
{
    struct bw_stager *s;

    pthread_mutex_lock(&bw->lock);
    if (bw->n_stagers == MAX_STAGERS) {
        pthread_mutex_unlock(&bw->lock);
        return okra_fail(-EINVAL, "internal: too many stagers");
    }
    if ((s = calloc(1, sizeof *s)) == NULL) {
        pthread_mutex_unlock(&bw->lock);
        return okra_fail(-ENOMEM, "out of memory");
    }
    s->bw = bw;
    s->id = bw->n_stagers;
    s->fd = -1;
    bw->stagers[bw->n_stagers++] = s;
    *ret = s;
    pthread_mutex_unlock(&bw->lock);
    return 0;
}

/* Moves what is in memory to the stager's file (a payload too large to hold). */
static int
spill(struct bw_stager *s)
{
    int rc;

    if (s->fd < 0) {
        char name[32];

        snprintf(name, sizeof name, "payload.%u", s->id);
        s->fd = openat(s->bw->tmpfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                       0600);
        if (s->fd < 0)
            return okra_fail_errno(errno, "cannot create a staging file in %s/tmp", s->bw->v->dir);
    }
    if (!s->spilled) {
        s->spilled = true;
        s->start = s->end;
    }
    if (s->len && (rc = (int) fs_pwrite_full(s->fd, s->mem, s->len, (off_t) s->end)) < 0)
        return okra_fail_write(-rc, "%s/tmp", s->bw->v->dir);
    s->end += s->len;
    s->len = 0;
    return 0;
}

/* The age writer's sink: hash, keep. */
static int
stager_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct bw_stager *s = ctx;

    sha256_update(&s->sha, p, n);
    if (s->len + n > s->cap) {
        size_t   cap = s->cap ? s->cap : 8192;
        uint8_t *m;

        while (cap < s->len + n && cap < MEM_BLOB_MAX)
            cap *= 2;
        if (s->len + n > cap) { /* past what a blob keeps in memory */
            int rc = spill(s);

            if (rc < 0)
                return rc;
            if (n > s->cap)
                return fs_pwrite_full(s->fd, p, n, (off_t) s->end) < 0
                           ? okra_fail_write(errno, "%s/tmp", s->bw->v->dir)
                           : (s->end += n, 0);
        } else {
            if ((m = realloc(s->mem, cap)) == NULL)
                return okra_fail(-ENOMEM, "out of memory");
            s->mem = m;
            s->cap = cap;
        }
    }
    memcpy(s->mem + s->len, p, n);
    s->len += n;
    return 0;
}

int
bw_stage_begin(struct bw_stager *s, struct age_writer **ret_writer)
{
    s->len = 0;
    s->spilled = false;
    if (sha256_init(&s->sha) < 0)
        return okra_fail(-ENOMEM, "cannot start SHA-256");
    return age_writer_new_x25519(ret_writer, s->bw->v->recipient, stager_sink, s);
}

int
bw_stage_end(struct bw_stager *s, struct age_writer *w, struct bw_blob *ret)
{
    int rc = age_writer_finish(w);

    age_writer_free(w);
    if (rc == 0 && s->spilled)
        rc = spill(s); /* the rest goes down too: the committer reads it from the file */
    if (rc < 0) {
        bw_stage_abandon(s, NULL);
        return rc;
    }
    memset(ret, 0, sizeof *ret);
    ret->stager = s->id;
    if (s->spilled) {
        ret->off = s->start;
        ret->len = s->end - s->start;
    } else {
        /* the blob takes the buffer; the next one starts a new one */
        ret->mem = s->mem;
        ret->len = s->len;
        s->mem = NULL;
        s->cap = s->len = 0;
    }
    sha256_final(&s->sha, ret->sha256);
    return 0;
}

void
bw_stage_abandon(struct bw_stager *s, struct age_writer *w)
{
    age_writer_free(w);
    if (s->spilled)
        s->end = s->start; /* later blobs overwrite what this one left */
    s->spilled = false;
    s->len = 0;
}

int
bw_stage_plain(struct bw_stager *s, const uint8_t *p, size_t n, struct bw_blob *ret)
{
    struct age_writer *w;
    int                rc;

    if ((rc = bw_stage_begin(s, &w)) < 0)
        return rc;
    if ((rc = age_writer_write(w, p, n)) < 0) {
        bw_stage_abandon(s, w);
        return rc;
    }
    return bw_stage_end(s, w, ret);
}

void
bw_blob_release(struct bw_blob *b)
{
    free(b->mem);
    b->mem = NULL;
}

