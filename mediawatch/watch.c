/*
 * watch.c: mw_run. Two threads:
 *
 *   the watcher  owns the monitor from the moment coldplug is done: polls it
 *                (200 ms, so *stop is seen), filters each add/change, queues
 *                what qualifies in arrival order, and on a `remove` (or a
 *                change to size 0: a card pulled from a reader, a loop device
 *                detached) of the medium in use or of its whole disk sets
 *                *abort at once.
 *   the caller   takes media off the queue one at a time: probes it again,
 *                opens it read-only and exclusively, sets it read-only at
 *                the block layer, calls on_medium, and undoes that, on every
 *                path.
 *
 * So removal is noticed while on_medium runs without on_medium polling
 * anything, and no event that arrives meanwhile is lost. A medium is handled
 * once per insertion: (device number, DISKSEQ) pairs already handled are
 * remembered until the device goes away, so the second `change` a loop
 * device sends, or udevd's synthetic change, does not seal it twice. A
 * device passed over gets one line saying why, once per medium and reason.
 */
#include "mediawatch/mw_internal.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MW_QUEUE_MAX 32
#define MW_HANDLED_MAX 64
#define MW_SAID_MAX 64
#define MW_POLL_MS 200

struct handled {
    dev_t    devnum;
    uint64_t diskseq;
};

/* A line already said about a device passed over: not said again for the same medium. */
struct said {
    dev_t    devnum;
    uint64_t diskseq;
    uint32_t why; /* a hash of the line */
};

struct watch {
    const struct mw_options *o;
    const struct mw_match   *rules;
    size_t                   n_rules;
    struct mw_monitor       *mon;
    int                      wake_fd;

    pthread_mutex_t       lock; /* guards everything below */
    pthread_cond_t        cond;
    struct mw_dev        *queue[MW_QUEUE_MAX];
    size_t                n_queue;
    struct handled        handled[MW_HANDLED_MAX];
    size_t                n_handled;
    struct said           said[MW_SAID_MAX];
    size_t                n_said;
    bool                  busy; /* a medium is mounted and in on_medium */
    dev_t                 cur, cur_parent;
    uint64_t              cur_seq;
    bool                  quit;
    int                   error;
    char                  errmsg[512]; /* the watcher's okra_errmsg(), for the caller's thread */
    volatile sig_atomic_t abort_flag;

    pthread_mutex_t log_lock; /* one log call at a time */
};

static void wlog(struct watch *w, enum mw_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
wlog(struct watch *w, enum mw_log_level level, const char *fmt, ...)
{
    char    buf[1024];
    va_list ap;

    if (w->o->log == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&w->log_lock);
    w->o->log(w->o->ctx, level, "%s", buf);
    pthread_mutex_unlock(&w->log_lock);
}

static bool
stopped(const struct watch *w)
{
    return w->o->stop != NULL && *w->o->stop;
}

/* A device name for messages: the kernel's, already safe to print. */
static const char *
dname(const struct mw_dev *d)
{
    return d->devnode != NULL ? d->devnode : "a block device";
}

static bool
same_medium(dev_t a, uint64_t seq_a, dev_t b, uint64_t seq_b)
{
    return a == b && (seq_a == 0 || seq_b == 0 || seq_a == seq_b);
}

/* Handled already (this device number with this DISKSEQ). Called with the lock held. */
static bool
already_known(const struct watch *w, const struct mw_dev *d)
{
    for (size_t i = 0; i < w->n_handled; i++)
        if (same_medium(w->handled[i].devnum, w->handled[i].diskseq, d->devnum, d->diskseq))
            return true;
    return false;
}

/* Called with the lock held; the oldest entry makes room. */
static void
remember(struct watch *w, const struct mw_dev *d)
{
    if (w->n_handled == MW_HANDLED_MAX)
        memmove(w->handled, w->handled + 1, (--w->n_handled) * sizeof w->handled[0]);
    w->handled[w->n_handled++] = (struct handled) { d->devnum, d->diskseq };
}

/* The device (or its medium) went away. Called with the lock held; returns true when in use. */
static bool
gone_locked(struct watch *w, dev_t devnum)
{
    bool   in_use = false;
    size_t k = 0;

    if (w->busy && (w->cur == devnum || w->cur_parent == devnum)) {
        in_use = w->abort_flag == 0;
        __atomic_store_n(&w->abort_flag, 1, __ATOMIC_SEQ_CST);
    }
    for (size_t i = 0; i < w->n_queue; i++) {
        if (w->queue[i]->devnum == devnum || w->queue[i]->parent == devnum)
            mw_dev_free(w->queue[i]);
        else
            w->queue[k++] = w->queue[i];
    }
    w->n_queue = k;
    k = 0;
    for (size_t i = 0; i < w->n_handled; i++)
        if (w->handled[i].devnum != devnum)
            w->handled[k++] = w->handled[i];
    w->n_handled = k;
    k = 0;
    for (size_t i = 0; i < w->n_said; i++)
        if (w->said[i].devnum != devnum)
            w->said[k++] = w->said[i];
    w->n_said = k;
    return in_use;
}

static void
gone(struct watch *w, struct mw_dev *d)
{
    bool in_use;

    pthread_mutex_lock(&w->lock);
    in_use = gone_locked(w, d->devnum);
    pthread_mutex_unlock(&w->lock);
    if (in_use)
        wlog(w, MW_WARN, "%s was removed while in use", dname(d));
    mw_dev_free(d);
}

static bool
has_filesystem(const struct mw_dev *d)
{
    const char *usage = mw_props_get(&d->props, "ID_FS_USAGE");

    if (mw_props_get(&d->props, "ID_FS_TYPE") != NULL)
        return usage == NULL || strcmp(usage, "filesystem") == 0;
    /* a partition table the kernel shows no partitions of: the reader reads them itself */
    return !d->partition && !d->has_partitions
        && mw_props_get(&d->props, "ID_PART_TABLE_TYPE") != NULL;
}

static uint32_t
hash(const char *s)
{
    uint32_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (uint8_t) *s) * 16777619u;
    return h;
}

/*
 * One line for a device passed over, and why: once per medium (device
 * number and DISKSEQ) and reason, however many events it sends.
 */
static void
passed_over(struct watch *w, const struct mw_dev *d, const char *why)
{
    uint32_t h = hash(why);
    bool     new_line = true;

    pthread_mutex_lock(&w->lock);
    for (size_t i = 0; i < w->n_said && new_line; i++)
        new_line = !(w->said[i].devnum == d->devnum && w->said[i].diskseq == d->diskseq &&
                     w->said[i].why == h);
    if (new_line) {
        if (w->n_said == MW_SAID_MAX)
            memmove(w->said, w->said + 1, (--w->n_said) * sizeof w->said[0]);
        w->said[w->n_said++] = (struct said) { d->devnum, d->diskseq, h };
    }
    pthread_mutex_unlock(&w->lock);
    if (new_line)
        wlog(w, MW_INFO, "%s ignored: %s", dname(d), why);
}

/*
 * Whether a medium that matched the rules may be handled; says why not.
 * queueing: while the device is okra's own medium in use, okra holds it
 * open exclusively; handle() checks again.
 */
static bool
acceptable(struct watch *w, const struct mw_dev *d, bool queueing)
{
    const char *why = NULL, *probe = mw_props_get(&d->props, "OKRA_PROBE_FAILED");
    char        buf[600];
    bool        ours = false;

    if (queueing) {
        pthread_mutex_lock(&w->lock);
        ours = w->busy && w->cur == d->devnum;
        pthread_mutex_unlock(&w->lock);
    }

    if (!has_filesystem(d) && probe != NULL) {
        char *safe = mw_text_sanitize(probe);

        snprintf(buf, sizeof buf, "cannot be probed (%s)", safe ? safe : "out of memory");
        free(safe);
        why = buf;
    } else if (!has_filesystem(d)) {
        why = "holds no filesystem";
    } else if (!mw_props_allowed(&d->props, w->o)) {
        why = "is not on the vault's allow-list of serials and filesystem UUIDs";
    } else if (d->has_holders) {
        why = "is in use by another block device (device-mapper, RAID)";
    } else if (!ours && mw_devnum_mounted(d->devnum)) {
        why = "is already mounted elsewhere (okra reads only media nothing else uses)";
    }
    if (why != NULL)
        passed_over(w, d, why);
    return why == NULL;
}

/*
 * Puts d where a waiting entry for the same device is (a later event tells
 * more: a loop device or a card reader sends `change` before and after the
 * new medium is readable), or drops that entry when d is NULL. Returns false
 * when none waits. Called with the lock held.
 */
static bool
requeue_locked(struct watch *w, dev_t devnum, struct mw_dev *d)
{
    for (size_t i = 0; i < w->n_queue; i++) {
        if (w->queue[i]->devnum != devnum)
            continue;
        mw_dev_free(w->queue[i]);
        if (d != NULL)
            w->queue[i] = d;
        else
            memmove(w->queue + i, w->queue + i + 1, (--w->n_queue - i) * sizeof w->queue[0]);
        return true;
    }
    return false;
}

/*
 * Queues d in the order the kernel saw the media: udevd finishes events for
 * different devices in parallel, so its messages may come out of order.
 */
static void
insert_locked(struct watch *w, struct mw_dev *d)
{
    size_t at = w->n_queue;

    while (d->seqnum != 0 && at > 0 && w->queue[at - 1]->seqnum > d->seqnum)
        at--;
    memmove(w->queue + at + 1, w->queue + at, (w->n_queue - at) * sizeof w->queue[0]);
    w->queue[at] = d;
    w->n_queue++;
}

/* Takes the lock; frees d when it is not queued. */
static void
enqueue(struct watch *w, struct mw_dev *d, bool ok)
{
    bool full = false;

    pthread_mutex_lock(&w->lock);
    if (!ok || already_known(w, d)) {
        requeue_locked(w, d->devnum, NULL);
        mw_dev_free(d);
        d = NULL;
    } else if (!requeue_locked(w, d->devnum, d)) {
        if (w->n_queue < MW_QUEUE_MAX)
            insert_locked(w, d);
        else
            full = true;
    }
    if (d != NULL && !full)
        pthread_cond_signal(&w->cond);
    pthread_mutex_unlock(&w->lock);
    if (full) {
        wlog(w, MW_WARN, "%s: %d media are already waiting; skipped", dname(d), MW_QUEUE_MAX);
        mw_dev_free(d);
    }
}

/* An add or change that is not a removal: queue it when it qualifies, else say why not. Takes d. */
static void
consider(struct watch *w, struct mw_dev *d)
{
    char *mismatch;
    bool  known;

    if (d->size == 0) { /* no medium in it (an empty reader, an unused loop device) */
        enqueue(w, d, false);
        return;
    }
    if ((mismatch = mw_props_mismatch(&d->props, w->rules, w->n_rules)) != NULL) {
        passed_over(w, d, mismatch);
        free(mismatch);
        enqueue(w, d, false);
        return;
    }
    /* a partitioned disk is read through its partitions */
    if (!d->partition && d->has_partitions) {
        passed_over(w, d, "a disk with a partition table; its partitions are read one by one");
        enqueue(w, d, false);
        return;
    }
    pthread_mutex_lock(&w->lock);
    known = already_known(w, d);
    pthread_mutex_unlock(&w->lock);
    enqueue(w, d, !known && acceptable(w, d, true));
}

/* A new DISKSEQ on the medium in use: another card is in the reader now. */
static void
swapped(struct watch *w, const struct mw_dev *d)
{
    bool in_use;

    pthread_mutex_lock(&w->lock);
    in_use = w->busy && w->abort_flag == 0 && (w->cur == d->devnum || w->cur_parent == d->devnum)
        && w->cur_seq != 0 && d->diskseq != 0 && d->diskseq != w->cur_seq;
    if (in_use)
        __atomic_store_n(&w->abort_flag, 1, __ATOMIC_SEQ_CST);
    pthread_mutex_unlock(&w->lock);
    if (in_use)
        wlog(w, MW_WARN, "the medium in %s was changed while in use", dname(d));
}

static void
on_event(struct watch *w, struct mw_dev *d)
{
    switch (d->action) {
    case MW_ACTION_REMOVE:
        gone(w, d);
        break;
    case MW_ACTION_ADD:
    case MW_ACTION_CHANGE:
        /* size 0: the card was pulled from its reader, the loop device detached */
        if (d->size == 0) {
            gone(w, d);
        } else {
            swapped(w, d);
            consider(w, d);
        }
        break;
    default:
        mw_dev_free(d);
    }
}

static void
coldplug_cb(void *ctx, struct mw_dev *d)
{
    consider(ctx, d);
}

static int
drain(struct watch *w)
{
    struct mw_dev *d;
    int            rc;

    while ((rc = mw_monitor_next(w->mon, &d)) > 0)
        on_event(w, d);
    if (rc == -ENOBUFS) {
        /* the kernel dropped events: look at what is there now instead */
        wlog(w, MW_WARN, "device events were lost; looking at the devices present again");
        rc = mw_monitor_enumerate(w->mon, coldplug_cb, w);
    }
    return rc;
}

static void *
watcher(void *arg)
{
    struct watch *w = arg;
    struct pollfd p[2] = { { .fd = mw_monitor_get_fd(w->mon), .events = POLLIN },
        { .fd = w->wake_fd, .events = POLLIN } };
    int           rc = 0;

    for (;;) {
        bool quit;

        pthread_mutex_lock(&w->lock);
        quit = w->quit;
        pthread_mutex_unlock(&w->lock);
        if (quit || stopped(w))
            break;
        if (poll(p, 2, MW_POLL_MS) < 0) {
            if (errno == EINTR)
                continue;
            rc = okra_fail_errno(errno, "cannot wait for device events");
            break;
        }
        if (p[1].revents != 0)
            break;
        if (p[0].revents & (POLLERR | POLLHUP | POLLNVAL)) {
            rc = okra_fail(-EIO, "the device event source closed");
            break;
        }
        if ((p[0].revents & POLLIN) && (rc = drain(w)) < 0)
            break;
    }
    pthread_mutex_lock(&w->lock);
    if (rc < 0) {
        w->error = rc;
        snprintf(w->errmsg, sizeof w->errmsg, "%s", okra_errmsg());
    }
    w->quit = true;
    pthread_cond_broadcast(&w->cond);
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

/*
 * The medium may have changed since its event (swapped in a reader while
 * another was in use, rewritten): probe it again, and hold the fresh
 * properties to the same rules.
 */
static bool
still_wanted(struct watch *w, struct mw_dev *d)
{
    int rc = mw_dev_reprobe(d);

    if (rc < 0) {
        wlog(w, MW_WARN, "%s cannot be read any more (%s); skipped", dname(d), strerror(-rc));
        return false;
    }
    if (!mw_props_match(&d->props, w->rules, w->n_rules)) {
        char *why = mw_props_mismatch(&d->props, w->rules, w->n_rules);

        wlog(w, MW_INFO, "%s ignored: it changed, and now %s", dname(d), why ? why : "fails a rule");
        free(why);
        return false;
    }
    return acceptable(w, d, false);
}

/*
 * Opens d read-only and exclusively, holds it read-only at the block layer,
 * runs on_medium, and undoes both. Returns true when on_medium ran (its
 * result in *cb_rc).
 */
static bool
handle(struct watch *w, struct mw_dev *d, int *cb_rc)
{
    struct mw_medium m;
    int              fd, held;

    if (!still_wanted(w, d))
        return false;
    if (mw_medium_from_props(&m, &d->props, d->devnode) < 0) {
        wlog(w, MW_ERROR, "%s: out of memory", dname(d));
        return false;
    }
    if (mw_device_open(d->devnode, d->devnum, &fd) < 0) {
        wlog(w, MW_ERROR, "%s %s; skipped", dname(d), okra_errmsg());
        mw_medium_clear(&m);
        return false;
    }
    if ((held = mw_device_hold_ro(fd)) < 0)
        wlog(w, MW_WARN, "%s %s; it is read through okra's read-only descriptor only", dname(d),
             okra_errmsg());
    okra_clear_error();
    *cb_rc = w->o->on_medium(w->o->ctx, &m, fd, &w->abort_flag);
    mw_device_release_ro(fd, held);
    close(fd);
    mw_medium_clear(&m);
    return true;
}

/* Waits for the next medium; NULL when stopping. Marks it in use. */
static struct mw_dev *
next_medium(struct watch *w)
{
    struct mw_dev  *d = NULL;
    struct timespec t;

    pthread_mutex_lock(&w->lock);
    while (w->n_queue == 0 && !w->quit && !stopped(w)) {
        clock_gettime(CLOCK_MONOTONIC, &t);
        t.tv_nsec += MW_POLL_MS * 1000000L;
        if (t.tv_nsec >= 1000000000L) {
            t.tv_sec++;
            t.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&w->cond, &w->lock, &t);
    }
    if (w->n_queue > 0 && !w->quit && !stopped(w)) {
        d = w->queue[0];
        memmove(w->queue, w->queue + 1, (--w->n_queue) * sizeof w->queue[0]);
        w->busy = true;
        w->cur = d->devnum;
        w->cur_parent = d->parent;
        w->cur_seq = d->diskseq;
        __atomic_store_n(&w->abort_flag, 0, __ATOMIC_SEQ_CST);
        remember(w, d);
    }
    pthread_mutex_unlock(&w->lock);
    return d;
}

static int
run_loop(struct watch *w)
{
    struct mw_dev *d;
    int            rc = 0;

    while ((d = next_medium(w)) != NULL) {
        int  cb_rc = 0;
        bool ran = handle(w, d, &cb_rc);

        pthread_mutex_lock(&w->lock);
        w->busy = false;
        pthread_mutex_unlock(&w->lock);
        mw_dev_free(d);
        if (ran && w->o->once) {
            rc = cb_rc;
            break;
        }
    }
    pthread_mutex_lock(&w->lock);
    if (w->error < 0 && rc == 0)
        rc = okra_fail(w->error, "%s", w->errmsg);
    pthread_mutex_unlock(&w->lock);
    return rc;
}

static int
check_options(const struct mw_options *o)
{
    if (o == NULL || o->on_medium == NULL)
        return okra_fail(-EINVAL, "mediawatch needs a callback");
    for (size_t i = 0; i < o->n_match; i++)
        if (o->match == NULL || o->match[i].prop == NULL || o->match[i].glob == NULL)
            return okra_fail(-EINVAL, "an empty match rule");
    return 0;
}

static int
watch_init(struct watch *w, const struct mw_options *o)
{
    pthread_condattr_t ca;

    memset(w, 0, sizeof *w);
    w->o = o;
    w->rules = o->n_match > 0 ? o->match : &mw_default_match;
    w->n_rules = o->n_match > 0 ? o->n_match : 1;
    w->wake_fd = -1;
    pthread_mutex_init(&w->lock, NULL);
    pthread_mutex_init(&w->log_lock, NULL);
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &ca);
    pthread_condattr_destroy(&ca);
    if ((w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
        return okra_fail_errno(errno, "cannot make an eventfd");
    return mw_monitor_new(o->source, &w->mon);
}

static void
watch_done(struct watch *w)
{
    for (size_t i = 0; i < w->n_queue; i++)
        mw_dev_free(w->queue[i]);
    mw_monitor_free(w->mon);
    if (w->wake_fd >= 0)
        close(w->wake_fd);
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->lock);
    pthread_mutex_destroy(&w->log_lock);
}

/* The watcher gets no signals: SIGTERM goes to the caller's thread and interrupts on_medium. */
static int
start_watcher(struct watch *w, pthread_t *t)
{
    sigset_t all, old;
    int      rc;

    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    rc = pthread_create(t, NULL, watcher, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc != 0 ? okra_fail_errno(rc, "cannot start the watcher thread") : 0;
}

int
mw_run(const struct mw_options *o)
{
    struct watch w;
    pthread_t    t;
    int          rc;

    if ((rc = check_options(o)) < 0)
        return rc;
    if ((rc = watch_init(&w, o)) < 0) {
        watch_done(&w);
        return rc;
    }
    wlog(&w, MW_INFO, "watching for media (%s)",
        mw_monitor_is_kernel(w.mon) ? "kernel events: no udevd, filesystems probed with libblkid"
                                    : "udev events");
    /* receiving is on: what appears while this runs is waiting in the socket */
    if ((rc = mw_monitor_enumerate(w.mon, coldplug_cb, &w)) < 0
        || (rc = start_watcher(&w, &t)) < 0) {
        watch_done(&w);
        return rc;
    }
    rc = run_loop(&w);
    pthread_mutex_lock(&w.lock);
    w.quit = true;
    pthread_mutex_unlock(&w.lock);
    (void)!write(w.wake_fd, &(uint64_t) { 1 }, sizeof(uint64_t));
    pthread_join(t, NULL);
    watch_done(&w);
    return rc;
}
