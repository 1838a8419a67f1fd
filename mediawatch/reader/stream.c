/*
 * stream.c: the parent's side of a read: records from the child's pipe,
 * each decoded and checked (wire.c) before anything of it is handed on.
 *
 * The first failure sticks: the child is killed at once, and every later
 * call returns the same failure. Waiting is bounded: the caller's abort
 * flag is looked at every 200 ms, and a child that sends nothing for two
 * minutes is stopped.
 */
#include "mediawatch/reader/rd_internal.h"
#include "common/err.h"

#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 200
#define IDLE_SECONDS 120

struct mw_reader {
    struct mw_read_opts o;
    pid_t               pid;
    int                 fd;
    bool                reaped, done;
    int                 status;
    struct rd_state     st;
    struct rd_record    rec;
    size_t              data_at;   /* bytes of the current DATA record handed out */
    bool                in_data;
    struct mw_volume    vol;
    bool                have_vol;
    char               *why;
    char                path[MW_READER_PATH_MAX + 1]; /* the entry's, until the next entry */
    int                 error;
    char                errmsg[512];
    size_t              in_at, in_len;
    uint8_t             in[65536];
    uint8_t             payload[RD_RECORD_MAX + 1]; /* +1: room to terminate a string */
};

static int
stick(struct mw_reader *r, int rc)
{
    if (r->error == 0) {
        r->error = rc;
        snprintf(r->errmsg, sizeof r->errmsg, "%s", okra_errmsg());
        if (!r->reaped && r->pid > 0)
            kill(r->pid, SIGKILL);
    }
    return okra_fail(r->error, "%s", r->errmsg);
}

static void
reap(struct mw_reader *r)
{
    while (!r->reaped && r->pid > 0) {
        if (waitpid(r->pid, &r->status, 0) == r->pid || errno != EINTR)
            r->reaped = true;
    }
}

static int64_t
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* More bytes from the pipe into r->in; 0 at the end of the stream. */
static int
refill(struct mw_reader *r)
{
    int64_t since = now_ms();

    for (;;) {
        struct pollfd p = { r->fd, POLLIN, 0 };
        ssize_t       n;

        if (r->o.abort != NULL && *r->o.abort)
            return okra_fail(-ECANCELED, "the medium was removed while it was being read");
        if (poll(&p, 1, TICK_MS) < 0 && errno != EINTR)
            return okra_fail_errno(errno, "cannot wait for the reader");
        n = read(r->fd, r->in, sizeof r->in);
        if (n > 0) {
            r->in_at = 0;
            r->in_len = (size_t) n;
            return 1;
        }
        if (n == 0)
            return 0;
        if (errno != EAGAIN && errno != EINTR)
            return okra_fail_errno(errno, "cannot read from the reader");
        if (now_ms() - since > IDLE_SECONDS * 1000)
            return okra_fail(-ETIMEDOUT, "the reader sent nothing for %d seconds, and was "
                                         "stopped", IDLE_SECONDS);
    }
}

/* Exactly n bytes; a stream that ends first is the child's death, told as such. */
static int
take(struct mw_reader *r, uint8_t *dst, size_t n)
{
    while (n > 0) {
        size_t k;

        if (r->in_at == r->in_len) {
            int rc = refill(r);

            if (rc < 0)
                return rc;
            if (rc == 0) {
                reap(r);
                rc = rd_death(r->status);
                return rc < 0 ? rc
                              : okra_fail(-EBADMSG, "the reader ended its stream in the middle");
            }
        }
        k = r->in_len - r->in_at < n ? r->in_len - r->in_at : n;
        memcpy(dst, r->in + r->in_at, k);
        r->in_at += k;
        dst += k;
        n -= k;
    }
    return 0;
}

/* The next record, decoded and checked. */
static int
next_record(struct mw_reader *r)
{
    uint8_t  h[RD_HEADER];
    uint32_t len;
    int      rc;

    if (r->error)
        return okra_fail(r->error, "%s", r->errmsg);
    if ((rc = take(r, h, sizeof h)) < 0)
        return stick(r, rc);
    len = (uint32_t) h[4] | (uint32_t) h[5] << 8 | (uint32_t) h[6] << 16 | (uint32_t) h[7] << 24;
    if (h[1] || h[2] || h[3] || len > RD_RECORD_MAX)
        return stick(r, okra_fail(-EBADMSG, "the reader sent a malformed record header"));
    if ((rc = take(r, r->payload, len)) < 0 ||
        (rc = rd_decode((enum rd_type) h[0], r->payload, len, &r->rec)) < 0 ||
        (rc = rd_check(&r->st, &r->rec)) < 0)
        return stick(r, rc);
    r->in_data = r->rec.type == RD_DATA;
    r->data_at = 0;
    return 0;
}

static int
failed(struct mw_reader *r)
{
    char *text = rd_fail_text(&r->rec);
    int   rc = okra_fail(-EIO, "%s", text ? text : "it cannot be read");

    free(text);
    return stick(r, rc);
}

static char *
dup_or_null(const char *s)
{
    return s != NULL && *s ? strndup(s, MW_READER_TEXT_MAX) : NULL;
}

static void
take_volume(struct mw_reader *r)
{
    if (r->have_vol)
        return;
    r->have_vol = true;
    r->vol.partition = (unsigned) r->rec.a;
    r->vol.n_filesystems = (unsigned) r->rec.b;
    for (size_t i = 0; i < r->rec.n_kv; i++) {
        const char *k = r->rec.kv[i].key, *v = r->rec.kv[i].value;
        char      **field = !strcmp(k, "fs")      ? &r->vol.fs_type
                            : !strcmp(k, "TYPE")  ? &r->vol.blkid_type
                            : !strcmp(k, "UUID")  ? &r->vol.fs_uuid
                            : !strcmp(k, "LABEL") ? &r->vol.fs_label
                                                  : NULL;

        if (field != NULL && *field == NULL)
            *field = dup_or_null(v);
    }
}

/*
 * After DONE: the child must close its end and exit cleanly (bounded: the
 * same idle limit), with nothing more said; only then is the walk complete.
 */
static int
child_done(struct mw_reader *r)
{
    int rc;

    if (r->in_at != r->in_len)
        return stick(r, okra_fail(-EBADMSG, "the reader sent more after its end"));
    while ((rc = refill(r)) > 0)
        if (r->in_len > 0)
            return stick(r, okra_fail(-EBADMSG, "the reader sent more after its end"));
    if (rc < 0)
        return stick(r, rc);
    reap(r);
    if ((rc = rd_death(r->status)) < 0)
        return stick(r, rc);
    r->done = true;
    return 0;
}

int
mw_reader_open(int dev_fd, const struct mw_read_opts *o, struct mw_reader **ret)
{
    struct mw_reader *r = calloc(1, sizeof *r);
    int               rc;

    if (r == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    r->o = *o;
    if (r->o.max_size == 0)
        r->o.max_size = 256ull * 1024 * 1024;
    if (r->o.max_depth == 0)
        r->o.max_depth = MW_READER_MAX_DEPTH;
    if (r->o.max_entries == 0)
        r->o.max_entries = MW_READER_MAX_ENTRIES;
    r->fd = -1;
    rd_state_init(&r->st, &r->o);
    if ((rc = rd_spawn(dev_fd, o->probe_only ? "probe" : "read", &r->o, &r->pid, &r->fd)) < 0) {
        r->reaped = true;
        free(r);
        return rc;
    }
    *ret = r;
    return 0;
}

int
mw_reader_next(struct mw_reader *r, struct mw_entry *ret)
{
    int rc;

    free(r->why);
    r->why = NULL;
    if (r->done)
        return 0;
    /* what is left of the file before */
    while (r->st.phase == RD_PH_FILE)
        if ((rc = next_record(r)) < 0)
            return rc;
    for (;;) {
        if ((rc = next_record(r)) < 0)
            return rc;
        switch (r->rec.type) {
        case RD_VOLUME:
            take_volume(r);
            continue;
        case RD_PROBE:
            continue;
        case RD_FILE:
            snprintf(r->path, sizeof r->path, "%s", r->rec.path);
            *ret = (struct mw_entry) { r->path, NULL, r->rec.a, r->rec.mtime };
            return 1;
        case RD_SKIP:
            if ((r->why = rd_skip_text(&r->rec)) == NULL)
                return stick(r, okra_fail(-ENOMEM, "out of memory"));
            snprintf(r->path, sizeof r->path, "%s", r->rec.path);
            *ret = (struct mw_entry) { r->path, r->why, 0, 0 };
            return 1;
        case RD_DONE:
            return child_done(r);
        case RD_FAIL:
            return failed(r);
        default:
            return stick(r, okra_fail(-EBADMSG, "the reader sent a record out of order"));
        }
    }
}

int
mw_reader_read(struct mw_reader *r, void *buf, size_t len)
{
    uint8_t *dst = buf;
    int      rc;

    while (len > 0) {
        if (r->in_data && r->data_at < r->rec.len) {
            size_t k = r->rec.len - r->data_at < len ? r->rec.len - r->data_at : len;

            memcpy(dst, r->rec.data + r->data_at, k);
            r->data_at += k;
            dst += k;
            len -= k;
            continue;
        }
        if (r->st.phase != RD_PH_FILE)
            return okra_fail(-EINVAL, "internal: more bytes asked than the file has");
        if ((rc = next_record(r)) < 0)
            return rc;
        if (r->rec.type == RD_END)
            return okra_fail(-EIO, "its data on the medium cannot be read (damaged)");
    }
    return 0;
}

const struct mw_volume *
mw_reader_volume(const struct mw_reader *r)
{
    return r->have_vol ? &r->vol : NULL;
}

int
mw_reader_pid(const struct mw_reader *r)
{
    return (int) r->pid;
}

int
mw_reader_close(struct mw_reader *r)
{
    int rc = 0;

    if (r == NULL)
        return 0;
    if (!r->reaped && !r->done)
        kill(r->pid, SIGKILL);
    reap(r);
    if (r->error)
        rc = okra_fail(r->error, "%s", r->errmsg);
    else if (!r->done)
        rc = okra_fail(-ECANCELED, "the read was stopped before the end of the medium");
    else
        rc = rd_death(r->status);
    if (r->fd >= 0)
        close(r->fd);
    free(r->why);
    mw_volume_clear(&r->vol);
    free(r);
    return rc;
}

void
mw_volume_clear(struct mw_volume *v)
{
    if (v == NULL)
        return;
    free(v->fs_type);
    free(v->blkid_type);
    free(v->fs_uuid);
    free(v->fs_label);
    memset(v, 0, sizeof *v);
}

int
mw_reader_probe(int dev_fd, volatile sig_atomic_t *abort,
                void (*cb)(void *ctx, const char *key, const char *value), void *ctx)
{
    struct mw_read_opts o = { .probe_only = true, .abort = abort };
    struct mw_reader   *r;
    int                 rc;

    if ((rc = mw_reader_open(dev_fd, &o, &r)) < 0)
        return rc;
    while ((rc = next_record(r)) == 0) {
        if (r->rec.type == RD_PROBE)
            for (size_t i = 0; i < r->rec.n_kv; i++)
                cb(ctx, r->rec.kv[i].key, r->rec.kv[i].value);
        else if (r->rec.type == RD_FAIL)
            rc = failed(r);
        else if (r->rec.type == RD_DONE)
            rc = child_done(r);
        if (rc < 0 || r->done)
            break;
    }
    {
        int rc2 = mw_reader_close(r);

        return rc < 0 ? rc : rc2;
    }
}
