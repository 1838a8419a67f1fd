/*
 * spawn.c: the parent starts the reader child, and says what its end meant.
 *
 * posix_spawn (a vfork and exec: nothing of okra's memory is copied into
 * the child, and no lock another thread holds is inherited) of okra's own
 * program, with the medium dup'ed to descriptor 3, the pipe's write end to
 * 4, /dev/null on 0, 1 and 2 (2 stays the terminal in sanitizer builds, for
 * their reports), every other descriptor closed, default signal handling,
 * an empty signal mask and an empty environment.
 */
#include "mediawatch/reader/rd_internal.h"
#include "common/err.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#define RD_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RD_SANITIZED 1
#endif
#endif

#define CHILD_CPU_SECONDS 120
#define CHILD_MEMORY (1024ull * 1024 * 1024) /* address space */

/* The medium's size and sector size: a regular file's, or the block device's. */
static int
medium_size(int fd, uint64_t *size, unsigned *sector)
{
    struct stat st;
    int         ss = 512;

    if (fstat(fd, &st) < 0)
        return okra_fail_errno(errno, "cannot look at it");
    if (S_ISREG(st.st_mode)) {
        *size = (uint64_t) st.st_size;
    } else if (S_ISBLK(st.st_mode)) {
        if (ioctl(fd, BLKGETSIZE64, size) < 0)
            return okra_fail_errno(errno, "cannot learn its size");
        if (ioctl(fd, BLKSSZGET, &ss) < 0 || ss < 512 || ss % 512 || ss > 65536)
            ss = 512;
    } else {
        return okra_fail(-EINVAL, "is neither a block device nor a regular file");
    }
    if (*size == 0)
        return okra_fail(-ENOMEDIUM, "is empty (no medium in it?)");
    *sector = (unsigned) ss;
    return 0;
}

/* The unprivileged account the child takes when okra runs as root. */
static void
nobody(uid_t *uid, gid_t *gid)
{
    struct passwd pw, *p = NULL;
    char          buf[1024];

    *uid = 65534;
    *gid = 65534;
    if (getpwnam_r("nobody", &pw, buf, sizeof buf, &p) == 0 && p != NULL && p->pw_uid != 0 &&
        p->pw_gid != 0) {
        *uid = p->pw_uid;
        *gid = p->pw_gid;
    }
}

/*
 * The environment, into env (3 slots) and store: nothing, but the sanitizers'
 * options (leak checks off: they need ptrace). Each caller's own arrays:
 * two threads may start readers at once.
 */
static char **
child_env(char **env, char *store, size_t size)
{
    size_t n = 0;

#ifdef RD_SANITIZED
    {
        const char *asan = getenv("ASAN_OPTIONS"), *ubsan = getenv("UBSAN_OPTIONS");
        int         len = snprintf(store, size, "ASAN_OPTIONS=%s%sdetect_leaks=0", asan ? asan : "",
                                   asan && *asan ? ":" : "");

        if (len > 0 && (size_t) len < size) {
            env[n++] = store;
            if (ubsan != NULL && (size_t) len + 1 + strlen(ubsan) + 14 < size) {
                env[n] = store + len + 1;
                snprintf(env[n], size - (size_t) len - 1, "UBSAN_OPTIONS=%s", ubsan);
                n++;
            }
        }
    }
#else
    (void) store, (void) size;
#endif
    env[n] = NULL;
    return env;
}

static int
file_actions(posix_spawn_file_actions_t *fa, int dev, int out)
{
    int rc = posix_spawn_file_actions_init(fa);

    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(fa, 1, "/dev/null", O_WRONLY, 0);
#ifndef RD_SANITIZED
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(fa, 2, "/dev/null", O_WRONLY, 0);
#endif
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(fa, dev, 3);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(fa, out, 4);
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(fa, 5);
    return rc;
}

static int
spawn_attrs(posix_spawnattr_t *at)
{
    sigset_t none, all;
    int      rc = posix_spawnattr_init(at);

    sigemptyset(&none);
    sigfillset(&all);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(at, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(at, &all);
    if (rc == 0)
        rc = posix_spawnattr_setflags(at, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    return rc;
}

/* okra's own program, as the kernel knows it now. */
static int
own_program(char *buf, size_t size)
{
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);

    if (n <= 0 || (size_t) n >= size - 1)
        return okra_fail_errno(n < 0 ? errno : ENAMETOOLONG, "cannot find okra's own program");
    buf[n] = '\0';
    if (n > 10 && strcmp(buf + n - 10, " (deleted)") == 0)
        return okra_fail(-ENOENT, "okra's program was replaced while it ran; start okra again");
    return 0;
}

int
rd_spawn(int dev_fd, const char *mode, const struct mw_read_opts *o, pid_t *ret_pid, int *ret_fd)
{
    char                       exe[4096], nums[11][24], envbuf[4096];
    char                      *argv[14], *envp[3];
    uint64_t                   size = 0;
    unsigned                   sector = 512;
    uid_t                      uid;
    gid_t                      gid;
    int                        p[2] = { -1, -1 }, dev = -1, out = -1, rc;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t          at;

    if ((rc = medium_size(dev_fd, &size, &sector)) < 0 || (rc = own_program(exe, sizeof exe)) < 0)
        return rc;
    nobody(&uid, &gid);
    snprintf(nums[0], 24, "%llu", (unsigned long long) size);
    snprintf(nums[1], 24, "%u", sector);
    snprintf(nums[2], 24, "%llu", (unsigned long long) o->max_size);
    snprintf(nums[3], 24, "%u", o->max_depth);
    snprintf(nums[4], 24, "%llu", (unsigned long long) o->max_entries);
    snprintf(nums[5], 24, "%u", (unsigned) uid);
    snprintf(nums[6], 24, "%u", (unsigned) gid);
    snprintf(nums[7], 24, "%ld", (long) getpid());
    snprintf(nums[8], 24, "%u", CHILD_CPU_SECONDS);
#ifdef RD_SANITIZED
    snprintf(nums[9], 24, "0");
#else
    snprintf(nums[9], 24, "%llu", CHILD_MEMORY);
#endif
    argv[0] = (char *) "okra-reader";
    argv[1] = (char *) MW_READER_CHILD_ARG;
    argv[2] = (char *) mode;
    for (int i = 0; i < 10; i++)
        argv[3 + i] = nums[i];
    argv[13] = NULL;
    /* both above 4, so that the dup2s to 3 and 4 cannot clobber each other */
    if (pipe2(p, O_CLOEXEC) < 0 || (dev = fcntl(dev_fd, F_DUPFD_CLOEXEC, 10)) < 0 ||
        (out = fcntl(p[1], F_DUPFD_CLOEXEC, 10)) < 0) {
        rc = okra_fail_errno(errno, "cannot make the reader's pipe");
        goto out;
    }
    if ((rc = file_actions(&fa, dev, out)) == 0) {
        if ((rc = spawn_attrs(&at)) == 0) {
            rc = posix_spawn(ret_pid, exe, &fa, &at, argv, child_env(envp, envbuf, sizeof envbuf));
            posix_spawnattr_destroy(&at);
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    if (rc != 0) {
        rc = okra_fail_errno(rc, "cannot start the reader (%s)", exe);
        goto out;
    }
    (void) fcntl(p[0], F_SETFL, O_NONBLOCK); /* waits are poll()'s, with a timeout */
    *ret_fd = p[0];
    p[0] = -1;
out:
    if (p[0] >= 0)
        close(p[0]);
    if (p[1] >= 0)
        close(p[1]);
    if (dev >= 0)
        close(dev);
    if (out >= 0)
        close(out);
    return rc;
}

int
rd_death(int status)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);

        if (sig == SIGSYS)
            return okra_fail(-EPERM, "the reader made a system call its sandbox forbids, and was "
                                     "killed (the medium may be crafted to attack it)");
        if (sig == SIGXCPU)
            return okra_fail(-ETIMEDOUT, "the reader ran past its %u seconds of CPU time, and "
                                         "was stopped", CHILD_CPU_SECONDS);
        return okra_fail(-EIO, "the reader crashed (%s) on the medium's data", strsignal(sig));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return okra_fail(-EIO, "the reader stopped (exit status %d) before the end of the medium",
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}
