/*
 * ingest.c: the pipeline. The calling thread produces (walks; and, when
 * passwords are to be asked in order, opens, reads and recognises each file
 * first) and commits (in order); workers in between do the expensive part
 * (open and read when nothing is asked, hash, inspect, encrypt). A window of
 * slots bounds what is in flight, in count and in bytes.
 */
#include "vault/ingest_internal.h"
#include "vault/index.h"
#include "vault/trusted.h"
#include "vault/walk.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"
#include "common/text.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WINDOW 64
#define BYTES_IN_FLIGHT (32u * 1024 * 1024)
#define MAX_WORKERS 8

struct pipeline {
    struct vault              *v;
    const struct ingest_opts  *o;
    struct ingest_result      *r;
    struct bundle_writer      *bw;
    struct vindex             *x;
    struct home_issuers        home;
    char                      *medium; /* --medium words of this ingest's medium */
    struct slot                slots[WINDOW];
    uint8_t                   *arena; /* secure: WINDOW * SLOT_SMALL */
    /*
     * Hand-offs are lock-free (a claim and a flag per file); the mutex and
     * the two condition variables are only for sleeping.
     */
    atomic_bool                ready[WINDOW];
    _Atomic uint64_t           produced, next_work;
    uint64_t                   committed, bytes; /* the calling thread's own */
    atomic_bool                finished;
    atomic_int                 idle;         /* workers asleep for want of work */
    atomic_bool                main_waiting; /* the committer sleeps until... */
    _Atomic uint64_t           wait_from, wait_to; /* ...all of these are ready */
    pthread_mutex_t            lock;
    pthread_cond_t             work, done;
    pthread_t                  threads[MAX_WORKERS];
    int                        n_threads;
    struct item_ctx            own; /* the producer's, for large files from a source */
    int                        error; /* a commit-level failure */
};

static bool
aborted(struct pipeline *p)
{
    return p->o->abort && *p->o->abort;
}

/* ---- workers ---- */

struct worker {
    struct pipeline *p;
    struct item_ctx  c;
};

/* Whether every file the committer waits for is done. */
static bool
batch_ready(struct pipeline *p)
{
    uint64_t k, to = atomic_load(&p->wait_to);

    for (k = atomic_load(&p->wait_from); k <= to; k++)
        if (!atomic_load(&p->ready[k % WINDOW]))
            return false;
    return true;
}

/* Claims the next file to work on: 1, or 0 when there is none now. */
static int
claim(struct pipeline *p, uint64_t *ret)
{
    uint64_t i = atomic_load(&p->next_work);

    while (i < atomic_load(&p->produced))
        if (atomic_compare_exchange_weak(&p->next_work, &i, i + 1)) {
            *ret = i;
            return 1;
        }
    return 0;
}

static void *
worker_main(void *arg)
{
    struct worker   *w = arg;
    struct pipeline *p = w->p;

    for (;;) {
        uint64_t i;
        bool     stop;

        if (claim(p, &i)) {
            if (!p->slots[i % WINDOW].decided && !aborted(p))
                ingest_process_slot(&w->c, &p->slots[i % WINDOW]);
            atomic_store(&p->ready[i % WINDOW], true);
            /* a wake-up costs two context switches: the committer asks for a batch */
            if (atomic_load(&p->main_waiting) && batch_ready(p)) {
                pthread_mutex_lock(&p->lock);
                pthread_cond_signal(&p->done);
                pthread_mutex_unlock(&p->lock);
            }
            continue;
        }
        pthread_mutex_lock(&p->lock);
        atomic_fetch_add(&p->idle, 1);
        while (atomic_load(&p->next_work) >= atomic_load(&p->produced) &&
               !atomic_load(&p->finished))
            pthread_cond_wait(&p->work, &p->lock);
        atomic_fetch_sub(&p->idle, 1);
        stop = atomic_load(&p->next_work) >= atomic_load(&p->produced) && atomic_load(&p->finished);
        pthread_mutex_unlock(&p->lock);
        if (stop)
            break;
    }
    free(w);
    return NULL;
}

static int
start_workers(struct pipeline *p)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int  n = cores < 1 ? 1 : cores > MAX_WORKERS ? MAX_WORKERS : (int) cores, i, rc;

    for (i = 0; i < n; i++) {
        struct worker *w = calloc(1, sizeof *w);

        if (w == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        w->p = p;
        w->c.opts = p->o;
        w->c.home = &p->home;
        w->c.signing_allowed_by = vault_signing_keys_allowed_by(p->v, p->o);
        if ((rc = bw_stager_new(p->bw, &w->c.stager)) < 0) {
            free(w);
            return rc;
        }
        if (pthread_create(&p->threads[i], NULL, worker_main, w) != 0) {
            free(w);
            return okra_fail(-EAGAIN, "cannot start a worker thread");
        }
        p->n_threads++;
    }
    return 0;
}

static void
stop_workers(struct pipeline *p)
{
    int i;

    pthread_mutex_lock(&p->lock);
    atomic_store(&p->finished, true);
    pthread_cond_broadcast(&p->work);
    pthread_mutex_unlock(&p->lock);
    for (i = 0; i < p->n_threads; i++)
        pthread_join(p->threads[i], NULL);
    p->n_threads = 0;
}

/* ---- committing, in order ---- */

static void
slot_clear(struct slot *s)
{
    bw_blob_release(&s->payload);
    bw_blob_release(&s->opened);
    free(s->path);
    free(s->relpath);
    free(s->detail);
    json_decref(s->item);
    secmem_free(s->password);
    free(s->early_why);
    fmt_info_free(&s->early_info);
    secbuf_free(&s->early_opened);
    if (s->fd >= 0)
        close(s->fd);
    if (s->data && s->data != s->small) /* a large file's own buffer */
        secmem_free(s->data);
    {
        uint8_t *small = s->small;

        memset(s, 0, sizeof *s);
        s->small = s->data = small;
        s->cap = small ? SLOT_SMALL : 0;
        s->fd = -1;
    }
}

/* A longer id when the first 16 digits are taken by another file (doc/FORMAT.md: ids never collide). */
static int
assign_id(struct pipeline *p, struct slot *s)
{
    size_t digits = 20;
    char   id[SHA256_HEX];
    int    rc;

    for (;;) {
        memcpy(id, s->sha256, digits);
        id[digits] = '\0';
        if ((rc = vindex_id_taken(p->x, id)) <= 0)
            break;
        if ((digits += 4) > 64)
            return okra_fail(-EEXIST, "internal: no free id");
    }
    if (rc < 0)
        return rc;
    json_object_set_new(s->item, "id", json_string(id));
    return 0;
}

static void
line(struct pipeline *p, enum ingest_line what, const char *path, const char *detail)
{
    if (p->o->line)
        p->o->line(p->o->ctx, what, path, detail);
}

static int
commit_slot(struct pipeline *p, struct slot *s)
{
    uint64_t seq;
    char     id[65], where[160];
    int      rc;

    p->r->seen++;
    if (s->fatal)
        return okra_fail(-EIO, "%s", s->detail ? s->detail : "cannot write the vault");
    if (s->status == INGEST_FAILED || s->status == INGEST_SKIPPED) {
        if (s->status == INGEST_FAILED)
            p->r->failed++;
        else
            p->r->skipped++;
        line(p, s->status, s->path, s->detail);
        return 0;
    }
    {
        char short_id[17];
        bool taken;

        memcpy(short_id, s->sha256, 16);
        short_id[16] = '\0';
        if ((rc = vindex_find_sha256(p->x, s->sha256, short_id, &seq, id, &taken)) < 0)
            return rc;
        if (rc == 0 && taken && (rc = assign_id(p, s)) < 0)
            return rc;
    }
    /* sealed before, but never opened, and opened now: it gains its opened payload */
    if (rc == 1 && s->has_opened && (rc = vindex_sha256_opened(p->x, s->sha256)) <= 0) {
        if (rc < 0)
            return rc;
        json_object_set_new(s->item, "id", json_string(id));
        json_object_set_new(s->item, "reopened_from", json_integer((json_int_t) seq));
        s->reopened_from = seq;
        s->reopened = true;
    }
    if (rc == 1) {
        p->r->already++;
        snprintf(where, sizeof where, "in bundle %llu as %s",
                 (unsigned long long) seq, id);
        line(p, INGEST_ALREADY, s->path, where);
        return 0;
    }
    if ((rc = bw_add_item(p->bw, s->item, &s->payload, s->has_opened ? &s->opened : NULL)) < 0 ||
        (rc = vindex_add_item(p->x, bw_seq(p->bw), (uint32_t) rc, s->item,
                              bw_last_item_text(p->bw), p->medium)) < 0)
        return rc;
    p->r->sealed++;
    if (s->status == INGEST_UNINSPECTED)
        p->r->uninspected++;
    if (s->status == INGEST_UNINSPECTED && s->unopened)
        p->r->unopened++;
    if (s->reopened)
        p->r->reopened++;
    {
        const char *idt = json_string_value(json_object_get(s->item, "id"));
        char       *d = NULL;
        int         n;

        if (s->reopened)
            n = asprintf(&d, "%s %s; opened now, sealed uninspected in bundle %llu", idt,
                         s->detail ? s->detail : "", (unsigned long long) s->reopened_from);
        else
            n = asprintf(&d, "%s %s", idt, s->detail ? s->detail : "");
        if (n < 0)
            d = NULL;
        line(p, s->status, s->path, d);
        free(d);
    }
    return 0;
}

/* Sleeps until the next files to commit are done (a batch of them, not one at a time). */
static void
wait_ready(struct pipeline *p, uint64_t upto)
{
    uint64_t produced = atomic_load(&p->produced), to = p->committed + WINDOW / 4;

    if (to > upto - 1)
        to = upto - 1;
    if (to > produced - 1)
        to = produced - 1;
    pthread_mutex_lock(&p->lock);
    atomic_store(&p->wait_from, p->committed);
    atomic_store(&p->wait_to, to);
    atomic_store(&p->main_waiting, true);
    /* announced first, checked second: a worker that finished before sees it here */
    while (!batch_ready(p))
        pthread_cond_wait(&p->done, &p->lock);
    atomic_store(&p->main_waiting, false);
    pthread_mutex_unlock(&p->lock);
}

/* Commits what is ready, in order; with wait, blocks until the oldest is. */
static int
drain(struct pipeline *p, bool wait, uint64_t upto)
{
    while (p->committed < upto) {
        struct slot *s = &p->slots[p->committed % WINDOW];
        int          rc;

        if (!atomic_load(&p->ready[p->committed % WINDOW])) {
            if (!wait)
                return 0;
            wait_ready(p, upto);
        }
        atomic_store(&p->ready[p->committed % WINDOW], false);
        p->bytes -= s->budget;
        rc = p->error ? 0 : commit_slot(p, s);
        if (rc < 0 && !p->error)
            p->error = rc;
        slot_clear(s);
        p->committed++;
        if (p->o->progress && p->committed % 256 == 0)
            p->o->progress(p->o->ctx, p->committed, p->r->sealed);
    }
    return 0;
}

/* Waits for room in the window for a file of this size. */
static void
make_room(struct pipeline *p, uint64_t size)
{
    for (;;) {
        uint64_t produced = atomic_load(&p->produced);
        bool     full = produced - p->committed >= WINDOW ||
                    (produced > p->committed && p->bytes + size > BYTES_IN_FLIGHT);

        if (!full)
            return;
        /* a quarter of the window at a time: fewer sleeps, the workers keep the rest */
        drain(p, true, produced < p->committed + WINDOW / 4 ? produced : p->committed + WINDOW / 4);
    }
}

/* Hands a prepared slot to the workers. */
static void
publish(struct pipeline *p, struct slot *s)
{
    s->budget = s->relpath ? (s->size < INGEST_INMEM_MAX ? s->size : 0)
                           : (s->fd >= 0 ? 0 : s->len);
    p->bytes += s->budget;
    atomic_fetch_add(&p->produced, 1);
    if (atomic_load(&p->idle) > 0) {
        pthread_mutex_lock(&p->lock);
        pthread_cond_signal(&p->work);
        pthread_mutex_unlock(&p->lock);
    }
    drain(p, false, atomic_load(&p->produced));
}

/* ---- producing ---- */

static void ask_password(struct pipeline *p, struct slot *s);

/* Reads an opened file into the slot and recognises it (fd is taken), then asks its password. */
static void
prepare(struct pipeline *p, struct slot *s, int fd, const struct stat *st)
{
    if (ingest_load_slot(p->o, s, fd, st) < 0)
        return;
    ask_password(p, s);
}

/*
 * A person waits at the terminal: open the file with the password just given,
 * here, so that a wrong one can be asked again. 1 when it is to be asked again.
 */
static int
try_password(const struct ingest_opts *o, struct slot *s, unsigned attempt, unsigned last)
{
    int rc = fmt_inspect(s->data, s->len, &s->det, s->password, &s->early_info, &s->early_opened);

    if (rc == -EBADMSG && attempt < last) {
        if (o->password_refused)
            o->password_refused(o->ctx, s->path, okra_errmsg(), last - attempt);
        secmem_free(s->password);
        s->password = NULL;
        return 1;
    }
    s->opened_early = true;
    s->early_rc = rc;
    if (rc < 0)
        s->early_why = strdup(okra_errmsg());
    return 0;
}

/* Under --inspect, the password of a protected file, in order (asked again at a terminal). */
static void
ask_password(struct pipeline *p, struct slot *s)
{
    const struct ingest_opts *o = p->o;
    unsigned                  attempt, last = o->same_password ? 3 : 2;

    if (!(o->inspect && s->det.inspectable && s->det.password && s->fd < 0 && o->ask_password))
        return;
    for (attempt = 0;; attempt++) {
        s->password = o->ask_password(o->ctx, s->path, s->det.name, attempt);
        if (s->password == NULL) {
            p->error = okra_fail(-ECANCELED, "no password for %s; nothing was sealed", s->path);
            vault_slot_set(s, INGEST_FAILED, "no password given");
            s->decided = true;
            return;
        }
        if (!o->check_passwords || try_password(o, s, attempt, last) == 0)
            return;
    }
}

static struct slot *
next_slot(struct pipeline *p, uint64_t size, const char *path, size_t path_len)
{
    struct slot *s;

    make_room(p, size);
    s = &p->slots[atomic_load(&p->produced) % WINDOW];
    s->fd = -1;
    s->path = text_escape(path, path_len);
    return s;
}

/* ---- the two ways in ---- */

static int
setup(struct pipeline *p, struct vault *v, const struct ingest_opts *o, struct ingest_result *r)
{
    struct bundle_header h = { o->kind, o->operator_name, o->media, NULL };
    int                  rc, i;

    memset(r, 0, sizeof *r);
    p->v = v;
    p->o = o;
    p->r = r;
    if ((p->arena = secmem_alloc((size_t) WINDOW * SLOT_SMALL)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory for the files in flight");
    for (i = 0; i < WINDOW; i++) {
        p->slots[i].fd = -1;
        p->slots[i].small = p->slots[i].data = p->arena + (size_t) i * SLOT_SMALL;
        p->slots[i].cap = SLOT_SMALL;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->work, NULL);
    pthread_cond_init(&p->done, NULL);
    p->medium = vindex_medium_text(o->media);
    if (!v->has_recipient)
        return okra_fail(-EINVAL, "the vault %s has no recovery recipient yet; run 'okra ceremony "
                                  "init' first", v->dir);
    /* OpenSSL's providers (a millisecond to load) only when files are opened */
    if ((o->inspect && ((rc = fmt_init()) < 0 || (rc = vault_home_issuers_load(v, &p->home)) < 0)) ||
        (rc = vindex_open(v, &p->x)) < 0 || (rc = vindex_sync(p->x, v, NULL, NULL)) < 0 ||
        (rc = trusted_check_config(v, p->x)) < 0 ||
        (rc = bw_begin(v, &h, &p->bw)) < 0 || (rc = vindex_begin(p->x)) < 0)
        return rc;
    return start_workers(p);
}

/* Drains, then commits the bundle when there is something to commit. */
static int
finish(struct pipeline *p, int rc)
{
    const struct ingest_opts *o = p->o;

    if (rc == 0)
        drain(p, true, atomic_load(&p->produced));
    stop_workers(p);
    drain(p, true, atomic_load(&p->produced));
    if (rc == 0 && p->error)
        rc = p->error;
    if (rc == 0 && aborted(p)) {
        p->r->aborted = true;
        rc = okra_fail(-ECANCELED, "stopped before the end; nothing was committed");
    }
    if (rc == 0 && o->all_or_nothing && p->r->failed)
        rc = okra_fail(-EINVAL, "%llu of %llu files cannot be sealed; nothing was sealed",
                       (unsigned long long) p->r->failed, (unsigned long long) p->r->seen);
    if (rc == 0 && (p->r->sealed > 0 || o->commit_empty)) {
        struct vindex_bundle b = { bw_seq(p->bw), p->r->sums, bw_prev(p->bw), o->kind,
                                   bw_time(p->bw), o->operator_name, o->media,
                                   bw_item_count(p->bw), NULL };

        rc = bw_commit(p->bw, p->r->sums);
        if (rc >= 0) {
            p->r->committed = true;
            if ((p->r->warning = rc == 1))
                snprintf(p->r->warning_text, sizeof p->r->warning_text, "%s", okra_errmsg());
            p->r->seq = bw_seq(p->bw);
            b.sums = p->r->sums;
            /* the bundle is committed; the index catches up later if this fails */
            if (vindex_add_bundle(p->x, &b) < 0 || vindex_commit(p->x) < 0)
                vindex_rollback(p->x);
            rc = 0;
        }
    }
    if (!p->r->committed && p->x)
        vindex_rollback(p->x);
    return rc;
}

static void
teardown(struct pipeline *p)
{
    int i;

    for (i = 0; i < WINDOW; i++)
        slot_clear(&p->slots[i]);
    secmem_free(p->arena); /* sodium_free wipes */
    bw_free(p->bw);
    vindex_close(p->x);
    vault_home_issuers_free(&p->home);
    free(p->medium);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->work);
    pthread_cond_destroy(&p->done);
}

static int
open_given(const char *path, struct stat *st, const char **why)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0) {
        *why = errno == ENOENT ? "does not exist" : errno == EACCES ? "cannot be read (permission denied)"
                                                                     : "cannot be opened";
        return -1;
    }
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        *why = S_ISDIR(st->st_mode) ? "is a folder, not a file (use 'okra scan' for a folder)"
                                    : "is not a regular file";
        close(fd);
        return -1;
    }
    return fd;
}

int
ingest_files(struct vault *v, char *const *paths, size_t n, const struct ingest_opts *o,
             struct ingest_result *r)
{
    struct pipeline *p = calloc(1, sizeof *p);
    size_t           i;
    int              rc;

    if (p == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    rc = setup(p, v, o, r);
    for (i = 0; rc == 0 && i < n && !p->error && !aborted(p); i++) {
        struct stat  st;
        const char  *why = NULL;
        char        *abs = o->absolute_paths ? realpath(paths[i], NULL) : NULL;
        const char  *shown = abs ? abs : paths[i];
        struct slot *s = next_slot(p, 0, shown, strlen(shown));
        int          fd = open_given(paths[i], &st, &why);

        free(abs);
        if (fd < 0) {
            vault_slot_set(s, INGEST_FAILED, "%s", why);
            s->decided = true;
        } else {
            prepare(p, s, fd, &st);
        }
        publish(p, s);
    }
    rc = finish(p, rc);
    teardown(p);
    free(p);
    return rc;
}

static void
walk_skip(void *ctx, const char *relpath, const char *why)
{
    struct pipeline *p = ctx;
    struct slot     *s = next_slot(p, 0, relpath, strlen(relpath));

    vault_slot_set(s, INGEST_SKIPPED, "%s", why);
    s->decided = true;
    publish(p, s);
}

/*
 * One file from a source: read into the slot, and its password asked; a
 * file too large to hold is sealed here and now, its bytes streamed from
 * the source (they come once, in order). Negative when the source failed.
 */
static int
take_from_source(struct pipeline *p, struct slot *s, const struct ingest_source *src,
                 const struct ingest_entry *e)
{
    int rc;

    s->size = e->size;
    s->mtime = e->mtime;
    if ((rc = ingest_load_stream(p->o, s, src)) != 0)
        return rc < 0 ? rc : 0;
    if (s->src == NULL) {
        ask_password(p, s);
        return 0;
    }
    if (p->own.stager == NULL) {
        p->own = (struct item_ctx) { .opts = p->o, .home = &p->home,
                                     .signing_allowed_by = vault_signing_keys_allowed_by(p->v, p->o) };
        if ((rc = bw_stager_new(p->bw, &p->own.stager)) < 0)
            return rc;
    }
    ingest_process_slot(&p->own, s);
    s->src = NULL;
    s->decided = true;
    return 0;
}

int
ingest_source(struct vault *v, const struct ingest_source *src, const struct ingest_opts *o,
              struct ingest_result *r)
{
    struct pipeline    *p = calloc(1, sizeof *p);
    struct ingest_entry e;
    int                 rc;

    if (p == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    rc = setup(p, v, o, r);
    while (rc == 0 && !p->error && !aborted(p) && (rc = src->next(src->ctx, &e)) > 0) {
        struct slot *s = next_slot(p, e.why ? 0 : e.size, e.path, strlen(e.path));

        rc = 0;
        if (e.why != NULL) {
            vault_slot_set(s, INGEST_SKIPPED, "%s", e.why);
            s->decided = true;
        } else if ((rc = take_from_source(p, s, src, &e)) < 0) {
            vault_slot_set(s, INGEST_SKIPPED, "not read");
            s->decided = true;
        }
        publish(p, s);
    }
    rc = finish(p, rc < 0 ? rc : 0);
    teardown(p);
    free(p);
    return rc;
}

int
ingest_tree(struct vault *v, int root_fd, const struct ingest_opts *o, struct ingest_result *r)
{
    struct pipeline  *p = calloc(1, sizeof *p);
    struct walk      *w = NULL;
    struct walk_opts  wo = { 0, 0, walk_skip, NULL };
    struct walk_entry e;
    int               rc;

    if (p == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    wo.ctx = p;
    rc = setup(p, v, o, r);
    if (rc == 0)
        rc = vault_walk_new(root_fd, &wo, &w);
    while (rc == 0 && !p->error && !aborted(p) && (rc = vault_walk_next(w, &e)) > 0) {
        struct slot *s = next_slot(p, (uint64_t) e.st.st_size, e.relpath, strlen(e.relpath));
        int          fd;
        struct stat  st;

        rc = 0;
        if (!o->inspect) {
            /* nothing to ask: a worker opens and reads it, the walk goes on */
            s->relpath = strdup(e.relpath);
            s->root_fd = root_fd;
            s->ino = e.st.st_ino;
            s->size = (uint64_t) e.st.st_size;
            if (s->relpath == NULL) {
                vault_slot_set(s, INGEST_SKIPPED, "out of memory");
                s->decided = true;
            }
            publish(p, s);
            continue;
        }
        fd = fs_open_beneath(e.dirfd, e.name, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != e.st.st_ino) {
            vault_slot_set(s, INGEST_SKIPPED, "%s", ingest_open_failure(fd));
            s->decided = true;
            if (fd >= 0)
                close(fd);
        } else if (st.st_nlink != 1) {
            vault_slot_set(s, INGEST_SKIPPED, "has %lu hard links (only single-link files are read)",
                     (unsigned long) st.st_nlink);
            s->decided = true;
            close(fd);
        } else {
            prepare(p, s, fd, &st);
        }
        publish(p, s);
    }
    vault_walk_free(w);
    rc = finish(p, rc < 0 ? rc : 0);
    teardown(p);
    free(p);
    return rc;
}
