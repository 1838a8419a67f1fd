/*
 * sandbox.c: what the reader child may do, set before it reads one byte of
 * the medium.
 *
 *   1. As root: new mount, network, IPC and UTS namespaces (when it has
 *      CAP_SYS_ADMIN), then no supplementary groups and the unprivileged
 *      uid and gid given (nobody), which clears every capability.
 *   2. Not root, or root without CAP_SYS_ADMIN (the systemd unit keeps
 *      none): a new user namespace with the others, then every capability
 *      it gave is dropped again.
 *   3. rlimits: CPU time, address space, no new file (descriptors 0-4 are
 *      all it has), no file writes, no child process, no core, no locked
 *      memory.
 *   4. Not dumpable (no ptrace by its uid), no_new_privs.
 *   5. seccomp (libseccomp), default kill: read, pread and lseek on the
 *      medium's descriptor, write on the pipe (and stderr), memory without
 *      PROT_EXEC, exit, and what glibc's malloc, clock and abort use. For
 *      libblkid, some read-only block ioctls on the medium, and open() that
 *      fails (it looks at sysfs, and copes). rd_sandbox_tighten() then adds a
 *      second filter that kills on any open and any ioctl: filters stack, and
 *      the strictest answer wins.
 *
 * Any failure here ends the child before it reads the medium.
 */
#include "mediawatch/reader/rd_internal.h"
#include "common/err.h"

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/cdrom.h>
#include <linux/fd.h>
#include <sched.h>
#include <signal.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef BLKGETZONESZ
#define BLKGETZONESZ _IOR(0x12, 132, __u32)
#endif
#ifndef BLKGETNRZONES
#define BLKGETNRZONES _IOR(0x12, 133, __u32)
#endif

#define NS_FLAGS (CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)

static bool
has_cap(int cap)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct   d[2];

    if (syscall(SYS_capget, &h, d) < 0)
        return false;
    return (d[cap / 32].effective >> (cap % 32)) & 1;
}

/* The bounding set: needs CAP_SETPCAP (root's, or a new user namespace's), else stays. */
static void
drop_bounding_set(void)
{
    for (int cap = 0; cap <= 63; cap++)
        if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1)
            (void) prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
    (void) prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

static int
drop_caps(void)
{
    struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
    struct __user_cap_data_struct   d[2];

    drop_bounding_set();
    memset(d, 0, sizeof d);
    if (syscall(SYS_capset, &h, d) < 0)
        return okra_fail_errno(errno, "cannot drop its capabilities");
    return 0;
}

static int
namespaces_and_uid(const struct rd_sandbox *s)
{
    bool have_ns = false;

    if (geteuid() == 0) {
        have_ns = has_cap(CAP_SYS_ADMIN) && unshare(NS_FLAGS) == 0;
        drop_bounding_set();
        if (setgroups(0, NULL) < 0 || setresgid(s->gid, s->gid, s->gid) < 0 ||
            setresuid(s->uid, s->uid, s->uid) < 0)
            return okra_fail_errno(errno, "cannot take uid %u", (unsigned) s->uid);
    }
    if (getuid() == 0 || geteuid() == 0 || getgid() == 0)
        return okra_fail(-EPERM, "still root after dropping to uid %u", (unsigned) s->uid);
    if (!have_ns && unshare(CLONE_NEWUSER | NS_FLAGS) < 0)
        return okra_fail_errno(errno, "cannot make new namespaces (are unprivileged user "
                                      "namespaces turned off?)");
    return drop_caps();
}

static int
limits(const struct rd_sandbox *s)
{
    struct {
        int      res;
        uint64_t soft, hard;
    } l[] = {
        { RLIMIT_CPU, s->cpu_seconds, s->cpu_seconds + 5 },
        { RLIMIT_NOFILE, 5, 5 },
        { RLIMIT_FSIZE, 0, 0 },
        { RLIMIT_NPROC, 0, 0 },
        { RLIMIT_CORE, 0, 0 },
        { RLIMIT_MEMLOCK, 0, 0 },
        { RLIMIT_MSGQUEUE, 0, 0 },
        { RLIMIT_AS, s->memory, s->memory },
    };

    for (size_t i = 0; i < sizeof l / sizeof l[0]; i++) {
        struct rlimit r = { l[i].soft, l[i].hard };

        if (l[i].res == RLIMIT_AS && s->memory == 0)
            continue;
        if (setrlimit(l[i].res, &r) < 0)
            return okra_fail_errno(errno, "cannot set its resource limits");
    }
    return 0;
}

/* Adds rule, or marks the filter failed. */
#define ALLOW(ctx, rc, sys, ...)                                                                   \
    do {                                                                                           \
        if ((rc) == 0)                                                                             \
            (rc) = seccomp_rule_add((ctx), SCMP_ACT_ALLOW, SCMP_SYS(sys), __VA_ARGS__);            \
    } while (0)

static int
allow_io(scmp_filter_ctx ctx, const struct rd_sandbox *s)
{
    int rc = 0;

    ALLOW(ctx, rc, read, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->dev_fd));
    ALLOW(ctx, rc, pread64, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->dev_fd));
    ALLOW(ctx, rc, lseek, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->dev_fd));
    ALLOW(ctx, rc, fadvise64, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->dev_fd));
    ALLOW(ctx, rc, fstat, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->dev_fd));
    ALLOW(ctx, rc, newfstatat, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->dev_fd));
    ALLOW(ctx, rc, write, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->out_fd));
    ALLOW(ctx, rc, writev, 1, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->out_fd));
    /* stderr: /dev/null, or the terminal in sanitizer builds (their reports) */
    ALLOW(ctx, rc, write, 1, SCMP_A0(SCMP_CMP_EQ, 2));
    ALLOW(ctx, rc, writev, 1, SCMP_A0(SCMP_CMP_EQ, 2));
    return rc;
}

static int
allow_memory_and_process(scmp_filter_ctx ctx)
{
    int rc = 0;

    /* memory, never executable */
    ALLOW(ctx, rc, mmap, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    ALLOW(ctx, rc, mprotect, 1, SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
    ALLOW(ctx, rc, munmap, 0);
    ALLOW(ctx, rc, mremap, 0);
    ALLOW(ctx, rc, brk, 0);
    ALLOW(ctx, rc, madvise, 0);
    /* ending, and what glibc's abort, clock, locks and malloc's start use */
    ALLOW(ctx, rc, exit, 0);
    ALLOW(ctx, rc, exit_group, 0);
    ALLOW(ctx, rc, rt_sigreturn, 0);
    ALLOW(ctx, rc, rt_sigprocmask, 0);
    ALLOW(ctx, rc, getpid, 0);
    ALLOW(ctx, rc, gettid, 0);
    ALLOW(ctx, rc, clock_gettime, 0);
    ALLOW(ctx, rc, gettimeofday, 0);
    ALLOW(ctx, rc, getrandom, 0);
    ALLOW(ctx, rc, futex, 0);
    ALLOW(ctx, rc, sched_yield, 0);
    ALLOW(ctx, rc, close, 0);
    ALLOW(ctx, rc, sysinfo, 0); /* glibc's qsort asks how much memory there is */
    /* the second filter is loaded through it: another filter can only forbid more */
    ALLOW(ctx, rc, seccomp, 0);
    return rc;
}

/* libblkid asks the block layer about the device: read-only questions only. */
static int
allow_blkid(scmp_filter_ctx ctx, const struct rd_sandbox *s)
{
    static const unsigned long ioctls[] = {
        BLKGETSIZE64, BLKGETSIZE, BLKSSZGET, BLKPBSZGET, BLKIOMIN, BLKIOOPT, BLKALIGNOFF,
        BLKGETZONESZ, BLKGETNRZONES, FDGETFDCSTAT, CDROM_GET_CAPABILITY, CDROM_LAST_WRITTEN,
        CDROMMULTISESSION,
    };
    int rc = 0;

    for (size_t i = 0; i < sizeof ioctls / sizeof ioctls[0]; i++)
        ALLOW(ctx, rc, ioctl, 2, SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t) s->dev_fd),
              SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t) ioctls[i]));
    /* every other ioctl, and every open, fails without harm while it probes */
    if (rc == 0)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOTTY), SCMP_SYS(ioctl), 0);
    {
        static const int opens[] = { SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(access),
                                     SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
                                     SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(stat),
                                     SCMP_SYS(lstat), SCMP_SYS(statx) };

        for (size_t i = 0; i < sizeof opens / sizeof opens[0] && rc == 0; i++)
            rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOENT), opens[i], 0);
    }
    return rc;
}

static int
first_filter(const struct rd_sandbox *s)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
    int             rc;

    if (ctx == NULL)
        return okra_fail(-ENOMEM, "cannot build its seccomp filter");
    if ((rc = allow_io(ctx, s)) == 0 && (rc = allow_memory_and_process(ctx)) == 0 &&
        (rc = allow_blkid(ctx, s)) == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc < 0 ? okra_fail_errno(-rc, "cannot load its seccomp filter") : 0;
}

int
rd_sandbox_enter(const struct rd_sandbox *s)
{
    int rc;

    if ((rc = namespaces_and_uid(s)) < 0 || (rc = limits(s)) < 0)
        return rc;
    /* after the uid changed (a change clears it); okra must still be the parent */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0 || getppid() != s->parent)
        return okra_fail(-ESRCH, "okra is gone");
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return okra_fail_errno(errno, "cannot set no_new_privs");
    return first_filter(s);
}

int
rd_sandbox_tighten(void)
{
    static const int deadly[] = { SCMP_SYS(open),       SCMP_SYS(openat),     SCMP_SYS(openat2),
                                  SCMP_SYS(access),     SCMP_SYS(faccessat),  SCMP_SYS(faccessat2),
                                  SCMP_SYS(readlink),   SCMP_SYS(readlinkat), SCMP_SYS(stat),
                                  SCMP_SYS(lstat),      SCMP_SYS(statx),      SCMP_SYS(ioctl) };
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    int             rc = 0;

    if (ctx == NULL)
        return okra_fail(-ENOMEM, "cannot build its seccomp filter");
    /* no_new_privs is set already, and prctl is forbidden now */
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    for (size_t i = 0; i < sizeof deadly / sizeof deadly[0] && rc == 0; i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, deadly[i], 0);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc < 0 ? okra_fail_errno(-rc, "cannot load its second seccomp filter") : 0;
}
