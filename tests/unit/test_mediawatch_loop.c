/*
 * test_mediawatch_loop.c: mw_run against real block devices. Loop devices
 * over filesystem images stand in for USB sticks: the kernel announces them
 * (`change` when attached) and udevd runs its rules as it would for a stick.
 *
 * Needs root, /dev/loop-control, losetup and mkfs.ext4; takes the media
 * tests' lock (/run/lock/okra-tests-media.lock, as tests/lib/media.sh does:
 * loop devices and udevd are shared); starts /lib/systemd/systemd-udevd when
 * none runs (and stops it again; not with OKRA_TEST_NO_UDEVD set), and runs
 * the udev-mode tests only when udevd answers. Whatever is missing, each
 * test says why and is skipped.
 *
 * The callback reads the medium as okra does: through the sandboxed reader
 * on the descriptor mw_run hands it, which must be read-only, exclusive (no
 * one can mount the device meanwhile) and read-only at the block layer.
 *
 * A USB stick pulled out makes the kernel send `remove` for its partitions
 * and disk. The tests pull the medium by writing "remove" to
 * /sys/block/loopN/uevent: the kernel then sends exactly the `remove`
 * uevent a pulled stick sends (udevd processes it and rebroadcasts it the
 * same way), while the device itself stays until the test detaches it.
 */
#include "unit.h"

#include "mediawatch/mw_internal.h"
#include "mediawatch/reader/reader.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <linux/fs.h>
#include <linux/loop.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define UDEVD "/lib/systemd/systemd-udevd"

static struct {
    bool  checked;
    char  why_not[256]; /* why no test can run at all */
    char  tmp[64];
    bool  udev; /* udevd answers */
    char  udev_why[256];
    pid_t udevd_pid; /* the udevd we started, else 0 */
    bool  run_udev_existed;
    char  loops[16][32]; /* loop devices attached, detached at the end */
    int   n_loops;
    int   serial;
    int   lock_fd;
    char  busy_mount[192]; /* test_mounted_elsewhere's own mount, undone in teardown if a check fails */
} env;

static double
ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void
sleep_ms(int ms)
{
    nanosleep(&(struct timespec) { ms / 1000, (ms % 1000) * 1000000L }, NULL);
}

/* Runs argv without a shell; stdout into out (when given), stderr dropped. Exit status or -1. */
static int
run(char *const argv[], char *out, size_t out_size)
{
    int   p[2], status;
    pid_t pid;

    if (pipe2(p, O_CLOEXEC) < 0)
        return -1;
    if ((pid = fork()) == 0) {
        int null = open("/dev/null", O_RDWR);

        dup2(p[1], 1);
        dup2(null, 2);
        dup2(null, 0);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(p[1]);
    {
        char    sink[256], *buf = out != NULL ? out : sink;
        size_t  size = out != NULL ? out_size : sizeof sink, len = 0;
        ssize_t n;

        /* read all of it: a child writing to a closed pipe would die of SIGPIPE */
        while ((n = read(p[0], buf + len, size - 1 - len)) > 0)
            if (out != NULL && len + (size_t)n < size - 1)
                len += (size_t)n;
        buf[len] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
    }
    close(p[0]);
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool
have(const char *cmd)
{
    char *argv[] = { (char *)"sh", (char *)"-c", NULL, NULL };
    char  line[256];

    snprintf(line, sizeof line, "command -v %s", cmd);
    argv[2] = line;
    return run(argv, NULL, 0) == 0;
}

static bool
start_udevd(void)
{
    struct stat st;

    if (mw_udevd_running())
        return true;
    if (access(UDEVD, X_OK) != 0) {
        snprintf(env.udev_why, sizeof env.udev_why, "%s is not installed (package udev)", UDEVD);
        return false;
    }
    env.run_udev_existed = stat("/run/udev", &st) == 0;
    if ((env.udevd_pid = fork()) == 0) {
        int null = open("/dev/null", O_RDWR);

        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        execl(UDEVD, UDEVD, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100 && env.udevd_pid > 0; i++) {
        if (mw_udevd_running())
            return true;
        if (waitpid(env.udevd_pid, NULL, WNOHANG) == env.udevd_pid) {
            env.udevd_pid = 0;
            break;
        }
        sleep_ms(50);
    }
    snprintf(env.udev_why, sizeof env.udev_why, "systemd-udevd did not start here");
    return false;
}

static void
stop_udevd(void)
{
    char *rm[] = { (char *)"rm", (char *)"-rf", (char *)"/run/udev", NULL };

    if (env.udevd_pid <= 0)
        return;
    kill(env.udevd_pid, SIGTERM);
    waitpid(env.udevd_pid, NULL, 0);
    env.udevd_pid = 0;
    /* it leaves its control socket and database behind: leave /run/udev as we found it */
    if (!env.run_udev_existed && !mw_udevd_running())
        run(rm, NULL, 0);
}

static void
check_env(void)
{
    if (env.checked)
        return;
    env.checked = true;
    if (geteuid() != 0)
        snprintf(env.why_not, sizeof env.why_not, "needs root (loop devices)");
    else if (access("/dev/loop-control", W_OK) != 0)
        snprintf(env.why_not, sizeof env.why_not, "no /dev/loop-control: no loop devices here");
    else if (!have("losetup") || !have("mkfs.ext4"))
        snprintf(env.why_not, sizeof env.why_not,
            "needs losetup (util-linux) and mkfs.ext4 (e2fsprogs)");
    if (env.why_not[0] != '\0')
        return;
    /* the media tests' one lock: loop devices and udevd are shared with the other tests */
    mkdir("/run/lock", 0755);
    env.lock_fd = open(getenv("OKRA_MEDIA_LOCK") ? getenv("OKRA_MEDIA_LOCK")
                                                 : "/run/lock/okra-tests-media.lock",
        O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    for (int i = 0; env.lock_fd >= 0 && i < 6000 && flock(env.lock_fd, LOCK_EX | LOCK_NB) < 0; i++)
        sleep_ms(100);
    if (env.lock_fd < 0 || flock(env.lock_fd, LOCK_EX | LOCK_NB) < 0) {
        snprintf(env.why_not, sizeof env.why_not, "the media tests' lock was held for 600 s");
        return;
    }
    snprintf(env.tmp, sizeof env.tmp, "/tmp/okra-mwloop.XXXXXX");
    if (mkdtemp(env.tmp) == NULL) {
        snprintf(env.why_not, sizeof env.why_not, "cannot make a temporary folder");
        return;
    }
    if (getenv("OKRA_TEST_NO_UDEVD") != NULL && !mw_udevd_running())
        snprintf(env.udev_why, sizeof env.udev_why, "not started (OKRA_TEST_NO_UDEVD)");
    else
        env.udev = start_udevd();
    print_message("# udevd: %s\n",
        env.udev ? (env.udevd_pid ? "started for these tests" : "running") : env.udev_why);
}

#define NEED_ENV()                                                                                 \
    do {                                                                                           \
        check_env();                                                                               \
        if (env.why_not[0] != '\0') {                                                              \
            unit_skip("%s", env.why_not);                                                          \
        }                                                                                          \
    } while (0)

#define NEED_UDEV()                                                                                \
    do {                                                                                           \
        NEED_ENV();                                                                                \
        if (!env.udev) {                                                                           \
            unit_skip("no udevd: %s", env.udev_why);                                               \
        }                                                                                          \
    } while (0)

/* ---- media ------------------------------------------------------------ */

static void
write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    assert_int_equal(fclose(f), 0);
}

/* An ext4 image holding keys/a.pfx, b.txt and a symlink out; label as given. */
static void
make_ext4(const char *img, const char *label, const char *uuid)
{
    char  dir[128], p[192];
    char *argv[] = { (char *)"mkfs.ext4", (char *)"-q", (char *)"-F", (char *)"-L", (char *)label,
        (char *)"-U", (char *)uuid, (char *)"-d", dir, (char *)img, (char *)"32M", NULL };

    snprintf(dir, sizeof dir, "%s.d", img);
    assert_int_equal(mkdir(dir, 0700), 0);
    snprintf(p, sizeof p, "%s/keys", dir);
    assert_int_equal(mkdir(p, 0700), 0);
    snprintf(p, sizeof p, "%s/keys/a.pfx", dir);
    write_file(p, "A-KEY\n");
    snprintf(p, sizeof p, "%s/b.txt", dir);
    write_file(p, "hello\n");
    snprintf(p, sizeof p, "%s/link", dir);
    assert_int_equal(symlink("/etc/passwd", p), 0);
    assert_int_equal(run(argv, NULL, 0), 0);
}

static void
new_uuid(char *buf, size_t size)
{
    snprintf(buf, size, "0ca1ab1e-%04x-4%03x-8000-%012x", (unsigned)getpid() & 0xffff,
        (unsigned)++env.serial & 0xfff, (unsigned)time(NULL));
}

/* losetup -f --show [-P] img; the device is detached at the end. */
static void
attach(const char *img, bool partscan, char *dev, size_t size)
{
    char *argv[] = { (char *)"losetup", (char *)"-f", (char *)"--show", (char *)img, NULL, NULL };

    if (partscan) {
        argv[3] = (char *)"-P";
        argv[4] = (char *)img;
    }
    assert_int_equal(run(argv, dev, size), 0);
    assert_true(strncmp(dev, "/dev/loop", 9) == 0);
    if (env.n_loops < 16)
        snprintf(env.loops[env.n_loops++], sizeof env.loops[0], "%s", dev);
}

static void
detach(const char *dev)
{
    char *argv[] = { (char *)"losetup", (char *)"-d", (char *)dev, NULL };

    run(argv, NULL, 0);
    for (int i = 0; i < env.n_loops; i++)
        if (strcmp(env.loops[i], dev) == 0)
            env.loops[i][0] = '\0';
}

/* Until udevd has handled and sent on every event so far (with no udevd, the kernel orders them). */
static void
settle(void)
{
    char *argv[] = { (char *)"udevadm", (char *)"settle", (char *)"-t", (char *)"10", NULL };

    if (env.udev)
        assert_int_equal(run(argv, NULL, 0), 0);
}

/* What a pulled USB stick sends: a kernel `remove` uevent for the device. */
static int
pull(const char *sysname)
{
    char path[128];
    int  fd, rc;

    snprintf(path, sizeof path, "/sys/class/block/%s/uevent", sysname);
    if ((fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
        return -errno;
    rc = write(fd, "remove", 6) == 6 ? 0 : -errno;
    close(fd);
    return rc;
}

/*
 * A card reader whose card is swapped: LOOP_CHANGE_FD puts another backing
 * file under a read-only loop device; the kernel counts it as a new medium
 * (a new DISKSEQ, `change` with DISK_MEDIA_CHANGE=1), as it does for a card.
 */
static int
swap(const char *devname, const char *img)
{
    int dev = open(devname, O_RDONLY | O_CLOEXEC), file = open(img, O_RDONLY | O_CLOEXEC), rc = 0;

    if (dev < 0 || file < 0 || ioctl(dev, LOOP_CHANGE_FD, file) < 0)
        rc = -errno;
    if (dev >= 0)
        close(dev);
    if (file >= 0)
        close(file);
    return rc;
}

/* ---- a run of mw_run in a thread -------------------------------------- */

enum cb_mode { CB_CHECK, CB_PULL, CB_SWAP, CB_ORDER };

struct run {
    struct mw_options     o;
    struct mw_match       rule;
    char                  glob[128];
    pthread_t             thread;
    int                   rc;
    atomic_bool           done, ready;
    volatile sig_atomic_t stop;
    char                  logs[8192];
    pthread_mutex_t       log_lock;

    enum cb_mode    mode;
    const char     *want_files; /* CB_CHECK: "path=content" lines the reader must give, in order */
    int             want; /* CB_ORDER: stop after this many media (0: 3) */
    char            pull_sys[32];
    char            swap_img[128]; /* CB_SWAP: the other card */
    atomic_int      calls, in_use, max_in_use;
    atomic_int      returned;      /* callbacks that have returned */
    atomic_bool     release_first; /* CB_ORDER: the test says the others are in */
    char            devname[64], fs_label[600], fs_type[32];
    char            order[4][64];
    struct timespec t_attach;
    double          cb_ms;
    char            problem[512]; /* the first thing the callback found wrong */
    bool            abort_seen;
    double          abort_ms;
};

static void logger(void *ctx, enum mw_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
logger(void *ctx, enum mw_log_level level, const char *fmt, ...)
{
    struct run *r = ctx;
    va_list     ap;
    size_t      n;

    pthread_mutex_lock(&r->log_lock);
    n = strlen(r->logs);
    va_start(ap, fmt);
    vsnprintf(r->logs + n, sizeof r->logs - n, fmt, ap);
    va_end(ap);
    n = strlen(r->logs);
    if (n + 1 < sizeof r->logs)
        strcat(r->logs, "\n");
    if (strstr(r->logs, "watching for media") != NULL)
        atomic_store(&r->ready, true);
    pthread_mutex_unlock(&r->log_lock);
}

static void problem(struct run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Keeps the first thing the callback found wrong (cmocka's asserts belong to the main thread). */
static void
problem(struct run *r, const char *fmt, ...)
{
    va_list ap;

    if (r->problem[0] != '\0')
        return;
    va_start(ap, fmt);
    vsnprintf(r->problem, sizeof r->problem, fmt, ap);
    va_end(ap);
}

/*
 * What the callback checks: the descriptor is read-only, the device held
 * exclusively (nothing can mount it) and read-only at the block layer; and
 * the reader gives exactly the files expected, in order, with their bytes.
 */
static void
check_medium(struct run *r, const struct mw_medium *m, int dev_fd)
{
    struct mw_read_opts o = { 0 };
    struct mw_reader   *rd;
    struct mw_entry     e;
    char                got[1024] = "", line[300];
    int                 ro = 0, fd, rc;

    if ((fcntl(dev_fd, F_GETFL) & O_ACCMODE) != O_RDONLY)
        problem(r, "the medium's descriptor is not read-only");
    if (ioctl(dev_fd, BLKROGET, &ro) < 0 || ro != 1)
        problem(r, "the device is not read-only at the block layer while it is read");
    if ((fd = open(m->devname, O_RDONLY | O_EXCL | O_CLOEXEC)) >= 0 || errno != EBUSY) {
        problem(r, "the device is not held exclusively (%s)", fd >= 0 ? "opened" : strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if ((rc = mw_reader_open(dev_fd, &o, &rd)) < 0) {
        problem(r, "the reader does not start: %s", strerror(-rc));
        return;
    }
    while ((rc = mw_reader_next(rd, &e)) > 0) {
        char buf[64] = "";

        if (e.why != NULL)
            snprintf(line, sizeof line, "%s:skipped\n", e.path);
        else if (e.size < sizeof buf && mw_reader_read(rd, buf, e.size) == 0)
            snprintf(line, sizeof line, "%s=%.*s", e.path, (int)e.size, buf);
        else
            snprintf(line, sizeof line, "%s:unread\n", e.path);
        strncat(got, line, sizeof got - strlen(got) - 1);
    }
    if (mw_reader_close(rd) < 0 || rc < 0)
        problem(r, "the reader failed on the medium");
    if (r->want_files != NULL && strcmp(got, r->want_files) != 0)
        problem(r, "the reader gave\n%s\ninstead of\n%s", got, r->want_files);
}

static void
note_in_use(struct run *r)
{
    int now = atomic_fetch_add(&r->in_use, 1) + 1;

    if (now > atomic_load(&r->max_in_use))
        atomic_store(&r->max_in_use, now);
}

static int
on_medium(void *ctx, struct mw_medium *m, int dev_fd, volatile sig_atomic_t *abort_flag)
{
    struct run *r = ctx;
    int         rc = 0;

    note_in_use(r);
    if (r->calls++ == 0) {
        r->cb_ms = ms_since(&r->t_attach);
        snprintf(r->devname, sizeof r->devname, "%s", m->devname ? m->devname : "");
        snprintf(r->fs_label, sizeof r->fs_label, "%s", m->fs_label ? m->fs_label : "");
        snprintf(r->fs_type, sizeof r->fs_type, "%s", m->fs_type ? m->fs_type : "");
    }
    if (r->calls <= 4)
        snprintf(r->order[r->calls - 1], sizeof r->order[0], "%s", m->fs_label ? m->fs_label : "");
    if (r->mode == CB_CHECK) {
        check_medium(r, m, dev_fd);
    } else if (r->mode == CB_ORDER) {
        /* the first is held until the test has put the others in, so that they wait in the queue */
        if (r->calls == 1 && r->want == 0) {
            struct timespec t0;

            clock_gettime(CLOCK_MONOTONIC, &t0);
            while (!atomic_load(&r->release_first) && ms_since(&t0) < 10000)
                sleep_ms(2);
            if (!atomic_load(&r->release_first))
                problem(r, "the test never put the other media in");
        }
        if (r->calls == (r->want ? r->want : 3))
            r->stop = 1;
    } else if (r->mode == CB_SWAP && r->calls > 1) {
        r->stop = 1; /* the second card: handled after the first, and that is all */
    } else {
        /* CB_PULL: pull the medium out, as a hand would; CB_SWAP: put another card in */
        struct timespec t0;

        clock_gettime(CLOCK_MONOTONIC, &t0);
        if (r->pull_sys[0] == '\0' && m->devname != NULL && strncmp(m->devname, "/dev/", 5) == 0)
            snprintf(r->pull_sys, sizeof r->pull_sys, "%s", m->devname + 5);
        rc = r->mode == CB_SWAP ? swap(m->devname, r->swap_img) : pull(r->pull_sys);
        if (rc < 0) {
            problem(r, "cannot %s %s (%s): %s",
                r->mode == CB_SWAP ? "swap the medium in" : "send remove for", r->pull_sys,
                m->devname ? m->devname : "?", strerror(-rc));
        } else {
            while (!*abort_flag && ms_since(&t0) < 5000)
                sleep_ms(2);
            r->abort_seen = *abort_flag != 0;
            r->abort_ms = ms_since(&t0);
            rc = -EIO;
        }
    }
    atomic_fetch_sub(&r->in_use, 1);
    atomic_fetch_add(&r->returned, 1);
    return rc;
}

static void *
runner(void *arg)
{
    struct run *r = arg;

    r->rc = mw_run(&r->o);
    atomic_store(&r->done, true);
    return NULL;
}

/* Starts mw_run matching prop=glob; waits until it listens. */
static struct run *
start(enum mw_source source, const char *prop, const char *glob, bool once, enum cb_mode mode)
{
    struct run     *r = calloc(1, sizeof *r);
    struct timespec t0;

    assert_non_null(r);
    pthread_mutex_init(&r->log_lock, NULL);
    snprintf(r->glob, sizeof r->glob, "%s", glob);
    r->rule = (struct mw_match) { (char *)prop, r->glob };
    r->mode = mode;
    r->o = (struct mw_options) { .match = &r->rule,
        .n_match = 1,
        .once = once,
        .stop = &r->stop,
        .on_medium = on_medium,
        .log = logger,
        .ctx = r,
        .source = source };
    assert_int_equal(pthread_create(&r->thread, NULL, runner, r), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!atomic_load(&r->ready) && !atomic_load(&r->done) && ms_since(&t0) < 5000)
        sleep_ms(5);
    if (!atomic_load(&r->ready))
        fail_msg("mw_run did not start listening: %s", r->logs);
    return r;
}

/* Children of this process left running or unreaped, but the udevd it started. */
static int
children(void)
{
    char  path[64], *line = NULL;
    size_t cap = 0;
    int   n = 0;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)getpid(), (int)getpid());
    if ((f = fopen(path, "re")) == NULL)
        return 0;
    if (getline(&line, &cap, f) > 0)
        for (char *t = strtok(line, " \n"); t != NULL; t = strtok(NULL, " \n"))
            n += atoi(t) != (int)env.udevd_pid;
    free(line);
    fclose(f);
    return n;
}

/* Waits for mw_run to return (stopping it after max_ms); then checks nothing is left behind. */
static int
finish(struct run *r, int max_ms)
{
    struct timespec t0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (!atomic_load(&r->done) && ms_since(&t0) < max_ms)
        sleep_ms(5);
    r->stop = 1;
    pthread_join(r->thread, NULL);
    if (getenv("OKRA_TEST_VERBOSE") != NULL)
        print_message("# log:\n%s", r->logs);
    if (r->problem[0] != '\0')
        fail_msg("%s\nlog:\n%s", r->problem, r->logs);
    if (atomic_load(&r->max_in_use) > 1)
        fail_msg("two media were in use at once");
    if (children() != 0)
        fail_msg("a reader child is left behind");
    return r->rc;
}

/* After the read: the device is writable at the block layer again, as okra found it. */
static void
assert_released(const char *dev)
{
    int fd = open(dev, O_RDONLY | O_CLOEXEC), ro = -1;

    assert_true(fd >= 0);
    assert_int_equal(ioctl(fd, BLKROGET, &ro), 0);
    close(fd);
    assert_int_equal(ro, 0);
}

static void
run_free(struct run *r)
{
    pthread_mutex_destroy(&r->log_lock);
    free(r);
}

static void
img_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s-%d.img", env.tmp, name, ++env.serial);
}

/* ---- tests ------------------------------------------------------------ */

/* The files of make_ext4's image, as the reader gives them (lost+found is empty). */
#define EXT4_FILES "b.txt=hello\nkeys/a.pfx=A-KEY\nlink:skipped\n"

/* A medium appears; held safely, read by the callback through the reader, released afterwards. */
static void
hotplug(enum mw_source source, const char *what)
{
    char        img[128], label[17], uuid[40], dev[32];
    struct run *r;

    snprintf(label, sizeof label, "OK%05uH%03u", (unsigned)getpid() % 100000u,
        (unsigned)env.serial % 1000u);
    new_uuid(uuid, sizeof uuid);
    img_path(img, sizeof img, "hot");
    make_ext4(img, label, uuid);
    r = start(source, "ID_FS_LABEL", label, true, CB_CHECK);
    r->want_files = EXT4_FILES;
    clock_gettime(CLOCK_MONOTONIC, &r->t_attach);
    attach(img, false, dev, sizeof dev);
    assert_int_equal(finish(r, 15000), 0);
    if (r->calls != 1)
        fail_msg("callback ran %d times; log:\n%s", r->calls, r->logs);
    assert_string_equal(r->devname, dev);
    assert_string_equal(r->fs_label, label);
    assert_string_equal(r->fs_type, "ext4");
    assert_released(dev);
    assert_non_null(strstr(r->logs, source == MW_SOURCE_KERNEL ? "kernel events" : "udev events"));
    print_message("# %s: losetup to callback %.1f ms\n", what, r->cb_ms);
    detach(dev);
    run_free(r);
}

static void
test_udev_hotplug(void **state)
{
    NEED_UDEV();
    hotplug(MW_SOURCE_UDEV, "udev events");
}

static void
test_kernel_hotplug(void **state)
{
    NEED_ENV();
    hotplug(MW_SOURCE_KERNEL, "kernel events + libblkid");
}

/* A label made to hurt a terminal, matched by filesystem UUID; both sources decode it alike. */
static void
hostile_label(enum mw_source source)
{
    static const char label[] = "\x1b[1mX\xff\n\xe2\x80\xae";
    char              img[128], uuid[40], dev[32];
    struct run       *r;

    new_uuid(uuid, sizeof uuid);
    img_path(img, sizeof img, "hostile");
    make_ext4(img, label, uuid);
    r = start(source, "ID_FS_UUID", uuid, true, CB_CHECK);
    attach(img, false, dev, sizeof dev);
    assert_int_equal(finish(r, 15000), 0);
    if (r->calls != 1)
        fail_msg("callback ran %d times; log:\n%s", r->calls, r->logs);
    assert_string_equal(r->fs_label, "\\x1b[1mX\\xff\\x0a\\xe2\\x80\\xae");
    detach(dev);
    run_free(r);
}

static void
test_udev_hostile_label(void **state)
{
    NEED_UDEV();
    hostile_label(MW_SOURCE_UDEV);
}

static void
test_kernel_hostile_label(void **state)
{
    NEED_ENV();
    hostile_label(MW_SOURCE_KERNEL);
}

/* Present before okra starts: found by enumeration. */
static void
test_coldplug(void **state)
{
    char        img[128], label[17], uuid[40], dev[32];
    char       *settle[] = { (char *)"udevadm", (char *)"settle", (char *)"-t", (char *)"5", NULL };
    struct run *r;
    enum mw_source source;

    NEED_ENV();
    source = env.udev ? MW_SOURCE_UDEV : MW_SOURCE_KERNEL;
    snprintf(label, sizeof label, "OK%05uC%03u", (unsigned)getpid() % 100000u,
        (unsigned)env.serial % 1000u);
    new_uuid(uuid, sizeof uuid);
    img_path(img, sizeof img, "cold");
    make_ext4(img, label, uuid);
    attach(img, false, dev, sizeof dev);
    if (env.udev)
        run(settle, NULL, 0);
    r = start(source, "ID_FS_LABEL", label, true, CB_CHECK);
    assert_int_equal(finish(r, 10000), 0);
    assert_int_equal(r->calls, 1);
    assert_string_equal(r->devname, dev);
    detach(dev);
    run_free(r);
}

/* Pulled out while the callback runs: *abort is set, the mount is undone. */
static void
pulled(enum mw_source source, const char *what)
{
    char        img[128], label[17], uuid[40], dev[32];
    struct run *r;

    snprintf(label, sizeof label, "OK%05uR%03u", (unsigned)getpid() % 100000u,
        (unsigned)env.serial % 1000u);
    new_uuid(uuid, sizeof uuid);
    img_path(img, sizeof img, "pull");
    make_ext4(img, label, uuid);
    r = start(source, "ID_FS_LABEL", label, true, CB_PULL);
    attach(img, false, dev, sizeof dev); /* the callback pulls the device it was given */
    assert_int_equal(finish(r, 15000), -EIO); /* with once, mw_run returns what the callback did */
    assert_int_equal(r->calls, 1);
    if (!r->abort_seen)
        fail_msg("no abort within %.0f ms of the remove event; log:\n%s", r->abort_ms, r->logs);
    assert_non_null(strstr(r->logs, "removed while in use"));
    print_message("# %s: remove event to *abort %.1f ms\n", what, r->abort_ms);
    detach(dev);
    run_free(r);
}

static void
test_udev_pulled(void **state)
{
    NEED_UDEV();
    pulled(MW_SOURCE_UDEV, "udev events");
}

static void
test_kernel_pulled(void **state)
{
    NEED_ENV();
    pulled(MW_SOURCE_KERNEL, "kernel events");
}

/* Another card put in the reader while the first is in use: *abort, and the new one waits its turn.
 */
static void
test_swapped(void **state)
{
    char  img[128], label[17], uuid[40], dev[32], glob[40];
    char *attach_ro[]
        = { (char *)"losetup", (char *)"-f", (char *)"--show", (char *)"-r", img, NULL };
    struct run *r;

    NEED_ENV();
    snprintf(label, sizeof label, "OK%05uS%03u", (unsigned)getpid() % 100000u,
        (unsigned)env.serial % 1000u);
    new_uuid(uuid, sizeof uuid);
    img_path(img, sizeof img, "swap1");
    make_ext4(img, label, uuid);
    snprintf(glob, sizeof glob, "OK%05uS*", (unsigned)getpid() % 100000u);
    r = start(env.udev ? MW_SOURCE_UDEV : MW_SOURCE_KERNEL, "ID_FS_LABEL", glob, false, CB_SWAP);
    img_path(r->swap_img, sizeof r->swap_img, "swap2");
    snprintf(label, sizeof label, "OK%05uS%03uB", (unsigned)getpid() % 100000u,
        (unsigned)env.serial % 1000u);
    new_uuid(uuid, sizeof uuid);
    make_ext4(r->swap_img, label, uuid);
    assert_int_equal(run(attach_ro, dev, sizeof dev), 0);
    snprintf(env.loops[env.n_loops++], sizeof env.loops[0], "%s", dev);
    assert_int_equal(finish(r, 15000), 0);
    if (r->calls != 2 || !r->abort_seen)
        fail_msg(
            "swapping the medium in use did not abort (%d calls); log:\n%s", r->calls, r->logs);
    assert_non_null(strstr(r->logs, "changed while in use"));
    assert_string_equal(r->order[1], label); /* then the new card, on its own */
    print_message(
        "# medium swapped (new DISKSEQ): *abort %.1f ms after LOOP_CHANGE_FD\n", r->abort_ms);
    detach(dev);
    run_free(r);
}

/* An MBR with one Linux partition from 1 MiB to the end. */
static void
write_mbr(const char *img, uint32_t sectors)
{
    uint8_t  mbr[512] = { 0 };
    uint8_t *e = mbr + 446;
    uint32_t start = 2048, count = sectors - 2048;
    int      fd = open(img, O_WRONLY | O_CLOEXEC);

    assert_true(fd >= 0);
    e[4] = 0x83;
    memcpy(e + 8, &start, 4); /* little-endian on x86 and arm */
    memcpy(e + 12, &count, 4);
    e[1] = e[2] = e[3] = e[5] = e[6] = e[7] = 0xff;
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    assert_int_equal(pwrite(fd, mbr, 512, 0), 512);
    assert_int_equal(close(fd), 0);
}

/* A partitioned stick: the partition is handled, not the disk; pulling the disk aborts. */
static void
test_partition_disk_pulled(void **state)
{
    char        img[128], label[17], uuid[40], dev[32], dir[160], part[64];
    char       *mkfs[] = { (char *)"mkfs.ext4", (char *)"-q", (char *)"-F", (char *)"-L", label,
              (char *)"-U", uuid, (char *)"-E", (char *)"offset=1048576", (char *)"-d", dir, img,
              (char *)"32M", NULL };
    struct run *r;

    NEED_ENV();
    snprintf(label, sizeof label, "OK%05uP%03u", (unsigned)getpid() % 100000u,
        (unsigned)env.serial % 1000u);
    new_uuid(uuid, sizeof uuid);
    img_path(img, sizeof img, "part");
    snprintf(dir, sizeof dir, "%s.d", img);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(run(mkfs, NULL, 0), 0);
    write_mbr(img, (32 + 1) * 2048);
    attach(img, true, dev, sizeof dev);
    snprintf(part, sizeof part, "/sys/class/block/%sp1", dev + 5);
    for (int i = 0; i < 100 && access(part, F_OK) != 0; i++)
        sleep_ms(20);
    if (access(part, F_OK) != 0) {
        detach(dev);
        unit_skip_na("this kernel reads no partition table (no %sp1 after losetup -P;"
                     " CONFIG_MSDOS_PARTITION unset?)",
            dev + 5);
    }
    /* present before the start: found by enumeration, the partition and not its disk */
    r = start(env.udev ? MW_SOURCE_UDEV : MW_SOURCE_KERNEL, "ID_FS_LABEL", label, true, CB_PULL);
    snprintf(r->pull_sys, sizeof r->pull_sys, "%s", dev + 5); /* the whole disk, not p1 */
    if (finish(r, 15000) != -EIO)
        fail_msg("mw_run returned %d after %d calls; log:\n%s", r->rc, r->calls, r->logs);
    assert_int_equal(r->calls, 1);
    char want[40];
    snprintf(want, sizeof want, "%sp1", dev);
    assert_string_equal(r->devname, want);
    if (!r->abort_seen)
        fail_msg("pulling the disk did not abort its partition; log:\n%s", r->logs);
    detach(dev);
    run_free(r);
}

/*
 * Media that come while one is in use wait their turn, in the order they came, and are never
 * mounted two at a time.
 */
static void
test_queued_in_order(void **state)
{
    char            img[3][128], uuid[40], dev[3][32], label[3][17], glob[40];
    struct run     *r;
    struct timespec t0;

    NEED_ENV();
    for (int i = 0; i < 3; i++) {
        snprintf(label[i], sizeof label[i], "OK%05uQ%u", (unsigned)getpid() % 100000u,
            (unsigned)i % 3u + 1u);
        img_path(img[i], sizeof img[i], "queue");
        new_uuid(uuid, sizeof uuid);
        make_ext4(img[i], label[i], uuid);
    }
    snprintf(glob, sizeof glob, "OK%05uQ[123]", (unsigned)getpid() % 100000u);
    r = start(env.udev ? MW_SOURCE_UDEV : MW_SOURCE_KERNEL, "ID_FS_LABEL", glob, false, CB_ORDER);
    attach(img[0], false, dev[0], sizeof dev[0]);
    /* the second and third come while the first is in use (its callback waits for them) */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    while (r->calls == 0 && ms_since(&t0) < 5000)
        sleep_ms(2);
    /*
     * udevd handles two devices' events side by side: each is waited through udevd (settle)
     * before the next comes, so that they reach okra in this order; then the first is let go
     */
    attach(img[1], false, dev[1], sizeof dev[1]);
    settle();
    attach(img[2], false, dev[2], sizeof dev[2]);
    settle();
    atomic_store(&r->release_first, true);
    assert_int_equal(finish(r, 15000), 0);
    if (r->problem[0] != '\0')
        fail_msg("%s", r->problem);
    if (r->calls != 3)
        fail_msg("callback ran %d times; log:\n%s", r->calls, r->logs);
    for (int i = 0; i < 3; i++)
        assert_string_equal(r->order[i], label[i]);
    for (int i = 0; i < 3; i++)
        detach(dev[i]);
    run_free(r);
}

/*
 * What an officer does: a medium in, sealed, out (losetup -d: `change` to size 0), the next one in,
 * most likely on the same loop device. Each is handled once; okra keeps watching in between.
 */
static void
test_one_after_another(void **state)
{
    char            img[2][128], uuid[40], dev[32], label[2][17], glob[40];
    struct run     *r;
    struct timespec t0;

    NEED_ENV();
    for (int i = 0; i < 2; i++) {
        snprintf(label[i], sizeof label[i], "OK%05uN%u", (unsigned)getpid() % 100000u,
            (unsigned)i % 2u + 1u);
        img_path(img[i], sizeof img[i], "next");
        new_uuid(uuid, sizeof uuid);
        make_ext4(img[i], label[i], uuid);
    }
    snprintf(glob, sizeof glob, "OK%05uN[12]", (unsigned)getpid() % 100000u);
    r = start(env.udev ? MW_SOURCE_UDEV : MW_SOURCE_KERNEL, "ID_FS_LABEL", glob, false, CB_ORDER);
    r->want = 2;
    for (int i = 0; i < 2; i++) {
        attach(img[i], false, dev, sizeof dev);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        while (atomic_load(&r->returned) == i && ms_since(&t0) < 5000)
            sleep_ms(2);
        detach(dev); /* once okra is done with it */
    }
    assert_int_equal(finish(r, 5000), 0);
    if (r->calls != 2)
        fail_msg("callback ran %d times; log:\n%s", r->calls, r->logs);
    assert_string_equal(r->order[0], label[0]);
    assert_string_equal(r->order[1], label[1]);
    run_free(r);
}

/* Mounted by someone else already: left alone. */
static void
test_mounted_elsewhere(void **state)
{
    char        img[128], label[17], uuid[40], dev[32], other[160];
    struct run *r;

    NEED_ENV();
    snprintf(label, sizeof label, "OK%05uM%03u", (unsigned)getpid() % 100000u,
        (unsigned)env.serial % 1000u);
    new_uuid(uuid, sizeof uuid);
    img_path(img, sizeof img, "busy");
    make_ext4(img, label, uuid);
    attach(img, false, dev, sizeof dev);
    snprintf(other, sizeof other, "%s.other", img);
    assert_int_equal(mkdir(other, 0700), 0);
    snprintf(env.busy_mount, sizeof env.busy_mount, "%s", other);
    if (mount(dev, other, "ext4", MS_RDONLY, "noload") < 0) {
        int e = errno;

        env.busy_mount[0] = '\0';
        rmdir(other);
        detach(dev);
        unit_skip_na("this kernel cannot mount ext4 here (%s)", strerror(e));
    }
    r = start(env.udev ? MW_SOURCE_UDEV : MW_SOURCE_KERNEL, "ID_FS_LABEL", label, true, CB_CHECK);
    sleep_ms(1500); /* long enough to take it, were it taken */
    r->stop = 1;
    while (!atomic_load(&r->done))
        sleep_ms(5);
    umount(other); /* before any check: a failed one must not leave it mounted */
    rmdir(other);
    env.busy_mount[0] = '\0';
    finish(r, 1500);
    assert_int_equal(r->calls, 0);
    if (strstr(r->logs, "already mounted elsewhere") == NULL)
        fail_msg("no word of the medium mounted elsewhere; log:\n%s", r->logs);
    detach(dev);
    run_free(r);
}

/* *stop ends the loop within a poll period. */
static void
test_stop_promptly(void **state)
{
    struct run     *r;
    struct timespec t0;

    NEED_ENV();
    r = start(MW_SOURCE_AUTO, "ID_FS_LABEL", "no-such-label-*", false, CB_CHECK);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    r->stop = 1;
    assert_int_equal(finish(r, 5000), 0);
    assert_true(ms_since(&t0) < 700);
    assert_non_null(strstr(r->logs, env.udev ? "(udev events)" : "(kernel events"));
    run_free(r);
}

/* FAT32: read without the kernel's vfat (this kernel may not even have it). */
static void
test_fat32(void **state)
{
    char  img[128], label[12], dev[32], key[160];
    char *mkfs[] = { (char *)"mkfs.vfat", (char *)"-F", (char *)"32", (char *)"-n", label,
        (char *)"-C", img, (char *)"40960", NULL };
    char       *mcopy[] = { (char *)"mcopy", (char *)"-i", img, key, (char *)"::/A.PFX", NULL };
    struct run *r;

    NEED_ENV();
    if (!have("mkfs.vfat") || !have("mcopy")) {
        unit_skip("FAT32: needs mkfs.vfat (dosfstools) and mcopy (mtools)");
    }
    snprintf(label, sizeof label, "OKV%d", (int)getpid() % 100000);
    img_path(img, sizeof img, "vfat");
    snprintf(key, sizeof key, "%s.key", img);
    write_file(key, "A-KEY\n");
    assert_int_equal(run(mkfs, NULL, 0), 0);
    assert_int_equal(run(mcopy, NULL, 0), 0);
    r = start(env.udev ? MW_SOURCE_UDEV : MW_SOURCE_KERNEL, "ID_FS_LABEL", label, true, CB_CHECK);
    r->want_files = "A.PFX=A-KEY\n";
    attach(img, false, dev, sizeof dev);
    assert_int_equal(finish(r, 15000), 0);
    assert_int_equal(r->calls, 1);
    assert_released(dev);
    detach(dev);
    run_free(r);
}

static int
teardown(void **state)
{
    char *rm[] = { (char *)"rm", (char *)"-rf", env.tmp, NULL };

    if (env.busy_mount[0] != '\0') {
        umount2(env.busy_mount, MNT_DETACH);
        rmdir(env.busy_mount);
    }
    for (int i = 0; i < env.n_loops; i++)
        if (env.loops[i][0] != '\0')
            detach(env.loops[i]);
    stop_udevd();
    if (env.tmp[0] != '\0')
        run(rm, NULL, 0);
    if (env.lock_fd > 0)
        close(env.lock_fd);
    return 0;
}

int
main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udev_hotplug),
        cmocka_unit_test(test_kernel_hotplug),
        cmocka_unit_test(test_udev_hostile_label),
        cmocka_unit_test(test_kernel_hostile_label),
        cmocka_unit_test(test_coldplug),
        cmocka_unit_test(test_udev_pulled),
        cmocka_unit_test(test_kernel_pulled),
        cmocka_unit_test(test_swapped),
        cmocka_unit_test(test_partition_disk_pulled),
        cmocka_unit_test(test_queued_in_order),
        cmocka_unit_test(test_one_after_another),
        cmocka_unit_test(test_mounted_elsewhere),
        cmocka_unit_test(test_stop_promptly),
        cmocka_unit_test(test_fat32),
    };

    /* the reader this test's mw_run starts is this program again (it spawns /proc/self/exe) */
    if (argc > 1 && strcmp(argv[1], MW_READER_CHILD_ARG) == 0)
        return mw_reader_child_main(argc, argv);
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, teardown);
}
