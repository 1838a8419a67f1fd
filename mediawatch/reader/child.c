/*
 * child.c: the reader child's main. okra runs itself again as
 *
 *   okra --okra-reader-child MODE SIZE SECTOR MAX_SIZE MAX_DEPTH MAX_ENTRIES UID GID PPID CPU MEM
 *
 * (CPU: seconds of CPU time; MEM: bytes of address space, 0 for no limit)
 *
 * with the medium on descriptor 3 (read-only) and the pipe to okra on 4,
 * and nothing else: stdin and stdout are /dev/null, so is stderr but in
 * sanitizer builds, the environment is empty. A fresh program, so it holds
 * none of okra's memory (no key, no share, no password). It enters its
 * sandbox before it reads one byte of the medium. MODE is "read" (the walk),
 * "probe" (libblkid's view only), or, for the tests that show the sandbox
 * holds, "forbid-socket" and "forbid-open" (a forbidden call, which must
 * kill it).
 */
#include "mediawatch/reader/rd_internal.h"
#include "common/err.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#define DEV_FD 3
#define OUT_FD 4

struct args {
    const char      *mode;
    uint64_t         size;
    unsigned         sector;
    struct rd_limits lim;
    struct rd_sandbox box;
};

static int
number(const char *s, uint64_t max, uint64_t *ret)
{
    char              *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno || end == s || *end || v > max)
        return -1;
    *ret = v;
    return 0;
}

static int
parse(int argc, char **argv, struct args *a)
{
    uint64_t v[10];

    if (argc != 13)
        return -1;
    for (int i = 0; i < 10; i++)
        if (number(argv[i + 3], UINT64_MAX, &v[i]) < 0)
            return -1;
    a->mode = argv[2];
    a->size = v[0];
    a->sector = (unsigned) v[1];
    a->lim = (struct rd_limits) { v[2], (unsigned) v[3], v[4] };
    a->box = (struct rd_sandbox) { (uid_t) v[5], (gid_t) v[6], v[8], v[9], DEV_FD, OUT_FD,
                                   (pid_t) v[7] };
    if (a->sector < 512 || a->sector % 512 || a->sector > 65536 || a->lim.max_depth == 0 ||
        a->lim.max_entries == 0 || a->box.uid == 0 || a->box.gid == 0 || a->box.cpu_seconds == 0)
        return -1;
    return 0;
}

/* The parent's end of the pipe and the medium must be what they should be. */
static bool
fds_ok(void)
{
    int dev = fcntl(DEV_FD, F_GETFL), out = fcntl(OUT_FD, F_GETFL);

    return dev >= 0 && (dev & O_ACCMODE) == O_RDONLY && out >= 0 && (out & O_ACCMODE) != O_RDONLY;
}

static int
probe_only(struct rd_out *out, uint64_t size)
{
    struct rd_probe p;
    struct rd_kv    kv[RD_KV_MAX];

    if (rd_probe(DEV_FD, 0, size, true, &p) < 0) {
        rd_put_fail(out, RD_FAIL_IO, "libblkid cannot read it");
        return 1;
    }
    if (p.ambivalent) {
        rd_put_fail(out, RD_FAIL_AMBIVALENT, NULL);
        return 1;
    }
    rd_put_probe(out, kv, rd_probe_kv(&p, kv));
    rd_put_done(out, 0, 0, 0);
    return rd_flush(out) < 0;
}

/* For the tests: a call the sandbox forbids. It must not return. */
static int
forbidden(const char *mode)
{
    if (strcmp(mode, "forbid-socket") == 0)
        (void) socket(AF_INET, SOCK_STREAM, 0);
    else
        (void) open("/etc/hostname", O_RDONLY | O_CLOEXEC);
    return 3;
}

int
mw_reader_child_main(int argc, char **argv)
{
    static struct rd_out out = { .fd = OUT_FD };
    struct args          a;

    if (!fds_ok())
        return 2;
    if (parse(argc, argv, &a) < 0) {
        rd_put_fail(&out, RD_FAIL_USAGE, "bad arguments");
        rd_flush(&out);
        return 2;
    }
    /* FAT times are local times: read as UTC, and no /etc/localtime opened once sandboxed */
    setenv("TZ", "UTC0", 1);
    tzset();
    if (rd_libs_load() < 0 || rd_sandbox_enter(&a.box) < 0) {
        rd_put_fail(&out, RD_FAIL_SANDBOX, okra_errmsg());
        rd_flush(&out);
        return 1;
    }
    if (strcmp(a.mode, "probe") == 0)
        return probe_only(&out, a.size);
    if (strcmp(a.mode, "read") == 0)
        return rd_read_medium(DEV_FD, a.size, a.sector, &a.lim, &out, rd_sandbox_tighten) < 0;
    if (strncmp(a.mode, "forbid-", 7) == 0 && rd_sandbox_tighten() == 0)
        return forbidden(a.mode);
    rd_put_fail(&out, RD_FAIL_USAGE, "unknown mode");
    rd_flush(&out);
    return 2;
}
