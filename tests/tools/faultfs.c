/*
 * faultfs: an LD_PRELOAD shim that makes one file-system call fail, for the
 * fault-injection test (tests/cli/t60-fault-injection.t). Never installed.
 *
 *   cc -shared -fPIC -DFAULTFS_SO -o faultfs.so tests/tools/faultfs.c -ldl
 *   LD_PRELOAD=faultfs.so FAULT_CALL=fsync FAULT_AT=3 FAULT_ERRNO=EIO okra ...
 *
 * Environment:
 *   FAULT_CALL    the kind of call to fail: fsync, fdatasync, rename, renameat,
 *                 renameat2, write, pwrite, pwrite64, close, openat, openat2
 *                 ("openat" covers open, open64, openat and openat64; "openat2"
 *                 is the raw syscall(SYS_openat2, ...) okra's safe walk makes);
 *                 any: every kind (with FAULT_ACTION=delay)
 *   FAULT_AT      fail the Nth call of that kind (from 1); 0 or unset: none
 *   FAULT_STICKY  1: fail that call and every later one of the kind (a dead disk)
 *   FAULT_ERRNO   EIO (default), ENOSPC, EDQUOT, EROFS, or a number
 *   FAULT_ACTION  kill: instead of failing the call, the process dies of SIGKILL
 *                 just before it is made (a crash at exactly that point);
 *                 delay: the call is made, FAULT_DELAY_MS milliseconds late (a
 *                 slow disk, so that long work can be watched as it runs)
 *   FAULT_PATH    count only calls on files at or under this path (the vault);
 *                 the file is found through /proc/self/fd or the path given
 *   FAULT_COUNT   1: at exit, print "KIND COUNT" for every kind
 *   FAULT_REPORT  a file that gets those lines (appended), and a line
 *                 "injected KIND #N on PATH: ERRNO" for each injected fault;
 *                 default stderr
 *
 * The calls are counted from the libc symbols okra, libarchive and SQLite
 * call: glibc's stdio writes and closes through internal aliases, so a
 * fflush() or fclose() is not seen (what okra stages through FILE * fails
 * only at its fsync, rename or later write).
 *
 * The Makefile builds each C file in tests/tools/ into build/tools/: without
 * FAULTFS_SO this file is a small program that says how to use the shim.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdio.h>

#ifndef FAULTFS_SO

int
main(void)
{
    fputs("faultfs is an LD_PRELOAD shim; build it with\n"
          "  cc -shared -fPIC -DFAULTFS_SO -o faultfs.so tests/tools/faultfs.c -ldl\n"
          "and see the comment at the top of tests/tools/faultfs.c\n",
          stderr);
    return 2;
}

#else

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum kind { K_FSYNC, K_FDATASYNC, K_RENAME, K_RENAMEAT, K_RENAMEAT2, K_WRITE, K_PWRITE,
            K_PWRITE64, K_CLOSE, K_OPENAT, K_OPENAT2, K_N };

#define K_ANY (-2)

static const char *const kind_names[K_N] = { "fsync", "fdatasync", "rename", "renameat",
                                             "renameat2", "write", "pwrite", "pwrite64",
                                             "close", "openat", "openat2" };

static struct {
    int           target;   /* the kind to fail, or -1 */
    unsigned long at;
    int           sticky;
    int           err;
    int           count;
    int           kill;
    long          delay_ms; /* FAULT_ACTION=delay */
    char          path[PATH_MAX];
    size_t        path_len;
    char          report[PATH_MAX];
    unsigned long calls[K_N];
    int           ready;
} F = { .target = -1, .err = EIO };

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);
static int (*real_renameat)(int, const char *, int, const char *);
static int (*real_renameat2)(int, const char *, int, const char *, unsigned int);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite)(int, const void *, size_t, off_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);
static int (*real_close)(int);
static int (*real_open)(const char *, int, ...);
static int (*real_open64)(const char *, int, ...);
static int (*real_openat)(int, const char *, int, ...);
static int (*real_openat64)(int, const char *, int, ...);

#define LOAD(name) (real_##name = (__typeof__(real_##name)) dlsym(RTLD_NEXT, #name))
/* the real call, looked up on first use when a constructor runs before ours */
#define REAL(name) (__extension__({ if (real_##name == NULL) LOAD(name); real_##name; }))

static int
parse_errno(const char *s)
{
    static const struct { const char *name; int value; } names[] = {
        { "EIO", EIO }, { "ENOSPC", ENOSPC }, { "EDQUOT", EDQUOT }, { "EROFS", EROFS },
        { "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOMEM", ENOMEM },
    };
    size_t i;

    if (s == NULL || *s == '\0')
        return EIO;
    for (i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i].name) == 0)
            return names[i].value;
    return atoi(s) > 0 ? atoi(s) : EIO;
}

__attribute__((constructor)) static void
faultfs_init(void)
{
    const char *s;
    int         i;

    LOAD(fsync);
    LOAD(fdatasync);
    LOAD(rename);
    LOAD(renameat);
    LOAD(renameat2);
    LOAD(write);
    LOAD(pwrite);
    LOAD(pwrite64);
    LOAD(close);
    LOAD(open);
    LOAD(open64);
    LOAD(openat);
    LOAD(openat64);
    if ((s = getenv("FAULT_CALL")) != NULL)
        for (i = 0; i < K_N; i++)
            if (strcmp(s, kind_names[i]) == 0)
                F.target = i;
    if (s != NULL && strcmp(s, "any") == 0)
        F.target = K_ANY;
    if ((s = getenv("FAULT_AT")) != NULL)
        F.at = strtoul(s, NULL, 10);
    F.sticky = (s = getenv("FAULT_STICKY")) != NULL && *s == '1';
    F.err = parse_errno(getenv("FAULT_ERRNO"));
    F.count = (s = getenv("FAULT_COUNT")) != NULL && *s == '1';
    F.kill = (s = getenv("FAULT_ACTION")) != NULL && strcmp(s, "kill") == 0;
    if ((s = getenv("FAULT_ACTION")) != NULL && strcmp(s, "delay") == 0)
        F.delay_ms = (s = getenv("FAULT_DELAY_MS")) != NULL && atol(s) > 0 ? atol(s) : 100;
    if ((s = getenv("FAULT_PATH")) != NULL && *s && strlen(s) < sizeof F.path) {
        if (realpath(s, F.path) == NULL)
            snprintf(F.path, sizeof F.path, "%s", s);
        F.path_len = strlen(F.path);
        while (F.path_len > 1 && F.path[F.path_len - 1] == '/')
            F.path[--F.path_len] = '\0';
    }
    if ((s = getenv("FAULT_REPORT")) != NULL)
        snprintf(F.report, sizeof F.report, "%s", s);
    __atomic_store_n(&F.ready, 1, __ATOMIC_RELEASE);
}

/* Appends a line to FAULT_REPORT (or stderr), through the real calls. */
static void
say(const char *text)
{
    int fd = 2;

    if (F.report[0]) {
        fd = (int) syscall(SYS_openat, AT_FDCWD, F.report, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                           0644);
        if (fd < 0)
            return;
    }
    if (syscall(SYS_write, fd, text, strlen(text)) < 0) {
        /* nothing to do: the report is best effort */
    }
    if (fd != 2)
        syscall(SYS_close, fd);
}

__attribute__((destructor)) static void
faultfs_fini(void)
{
    char line[128];
    int  i;

    if (!F.count)
        return;
    for (i = 0; i < K_N; i++) {
        snprintf(line, sizeof line, "%s %lu\n", kind_names[i],
                 __atomic_load_n(&F.calls[i], __ATOMIC_RELAXED));
        say(line);
    }
}

/* Whether path (absolute) is at or under FAULT_PATH. */
static int
under(const char *path)
{
    if (F.path_len == 0)
        return 1;
    return strncmp(path, F.path, F.path_len) == 0 &&
           (path[F.path_len] == '\0' || path[F.path_len] == '/' || F.path_len == 1);
}

static int
fd_path(int fd, char *out, size_t cap)
{
    char    link[64];
    ssize_t n;

    if (fd == AT_FDCWD)
        return getcwd(out, cap) ? 0 : -1;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, out, cap - 1);
    if (n < 0)
        return -1;
    out[n] = '\0';
    return 0;
}

static int
fd_under(int fd, char *where, size_t cap)
{
    if (F.path_len == 0) {
        snprintf(where, cap, "fd %d", fd);
        return 1;
    }
    return fd_path(fd, where, cap) == 0 && under(where);
}

static int
at_under(int dirfd, const char *path, char *where, size_t cap)
{
    char dir[PATH_MAX];

    if (path == NULL)
        return 0;
    if (path[0] == '/')
        snprintf(where, cap, "%s", path);
    else if (fd_path(dirfd, dir, sizeof dir) == 0)
        snprintf(where, cap, "%s/%s", dir, path);
    else
        return 0;
    return under(where);
}

/* Counts a call of kind k (already known to be in scope); 1 when it must fail. */
static int
hit(enum kind k, const char *where)
{
    unsigned long n;
    char          line[PATH_MAX + 128];

    if (!__atomic_load_n(&F.ready, __ATOMIC_ACQUIRE))
        return 0;
    n = __atomic_add_fetch(&F.calls[k], 1, __ATOMIC_RELAXED);
    if (((int) k != F.target && F.target != K_ANY) || F.at == 0 || n < F.at ||
        (n > F.at && !F.sticky))
        return 0;
    if (F.delay_ms) {
        struct timespec ts = { F.delay_ms / 1000, (F.delay_ms % 1000) * 1000000L };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
            ;
        return 0;
    }
    if (F.kill) {
        snprintf(line, sizeof line, "killed before %s #%lu on %s\n", kind_names[k], n, where);
        say(line);
        syscall(SYS_kill, (long) getpid(), SIGKILL);
    }
    snprintf(line, sizeof line, "injected %s #%lu on %s: %s\n", kind_names[k], n, where,
             strerrorname_np(F.err) ? strerrorname_np(F.err) : "error");
    say(line);
    return 1;
}

static int
fail(int ret)
{
    errno = F.err;
    return ret;
}

static int
fd_hit(enum kind k, int fd)
{
    char where[PATH_MAX];

    return F.ready && fd_under(fd, where, sizeof where) && hit(k, where);
}

int
fsync(int fd)
{
    if (fd_hit(K_FSYNC, fd))
        return fail(-1);
    return REAL(fsync)(fd);
}

int
fdatasync(int fd)
{
    if (fd_hit(K_FDATASYNC, fd))
        return fail(-1);
    return REAL(fdatasync)(fd);
}

ssize_t
write(int fd, const void *buf, size_t n)
{
    if (fd_hit(K_WRITE, fd))
        return fail(-1);
    return REAL(write)(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
    if (fd_hit(K_PWRITE, fd))
        return fail(-1);
    return REAL(pwrite)(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    if (fd_hit(K_PWRITE64, fd))
        return fail(-1);
    return REAL(pwrite64)(fd, buf, n, off);
}

/* close always releases the fd (as Linux does when it reports an error). */
int
close(int fd)
{
    int rc;

    if (fd_hit(K_CLOSE, fd)) {
        REAL(close)(fd);
        return fail(-1);
    }
    rc = REAL(close)(fd);
    return rc;
}

int
rename(const char *from, const char *to)
{
    char where[PATH_MAX];

    if (F.ready && at_under(AT_FDCWD, to, where, sizeof where) && hit(K_RENAME, where))
        return fail(-1);
    return REAL(rename)(from, to);
}

int
renameat(int fromfd, const char *from, int tofd, const char *to)
{
    char where[PATH_MAX];

    if (F.ready && at_under(tofd, to, where, sizeof where) && hit(K_RENAMEAT, where))
        return fail(-1);
    return REAL(renameat)(fromfd, from, tofd, to);
}

int
renameat2(int fromfd, const char *from, int tofd, const char *to, unsigned int flags)
{
    char where[PATH_MAX];

    if (F.ready && at_under(tofd, to, where, sizeof where) && hit(K_RENAMEAT2, where))
        return fail(-1);
    return REAL(renameat2)(fromfd, from, tofd, to, flags);
}

static mode_t
mode_arg(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? (mode_t) va_arg(ap, int) : 0;
}

static int
open_hit(int dirfd, const char *path)
{
    char where[PATH_MAX];

    return F.ready && at_under(dirfd, path, where, sizeof where) && hit(K_OPENAT, where);
}

int
open(const char *path, int flags, ...)
{
    va_list ap;
    mode_t  mode;

    va_start(ap, flags);
    mode = mode_arg(flags, ap);
    va_end(ap);
    if (open_hit(AT_FDCWD, path))
        return fail(-1);
    return REAL(open)(path, flags, mode);
}

int
open64(const char *path, int flags, ...)
{
    va_list ap;
    mode_t  mode;

    va_start(ap, flags);
    mode = mode_arg(flags, ap);
    va_end(ap);
    if (open_hit(AT_FDCWD, path))
        return fail(-1);
    return REAL(open64)(path, flags, mode);
}

int
openat(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    mode_t  mode;

    va_start(ap, flags);
    mode = mode_arg(flags, ap);
    va_end(ap);
    if (open_hit(dirfd, path))
        return fail(-1);
    return REAL(openat)(dirfd, path, flags, mode);
}

int
openat64(int dirfd, const char *path, int flags, ...)
{
    va_list ap;
    mode_t  mode;

    va_start(ap, flags);
    mode = mode_arg(flags, ap);
    va_end(ap);
    if (open_hit(dirfd, path))
        return fail(-1);
    return REAL(openat64)(dirfd, path, flags, mode);
}

/*
 * openat2 has no libc wrapper: okra calls syscall(SYS_openat2, dirfd, path,
 * how, size). Every other syscall goes straight through.
 */
long
syscall(long nr, ...)
{
    static long (*real_syscall)(long, ...);
    va_list      ap;
    long         a[6];
    int          i;

    va_start(ap, nr);
    for (i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (real_syscall == NULL)
        real_syscall = (long (*)(long, ...)) dlsym(RTLD_NEXT, "syscall");
    if (nr == SYS_openat2) {
        char where[PATH_MAX];

        if (F.ready && at_under((int) a[0], (const char *) a[1], where, sizeof where) &&
            hit(K_OPENAT2, where))
            return fail(-1);
    }
    return real_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

#endif /* FAULTFS_SO */
