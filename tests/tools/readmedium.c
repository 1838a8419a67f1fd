/*
 * readmedium: what the reader finds on a disk image or block device, one
 * line per entry, for the tests.
 *
 *   readmedium IMAGE                 through the sandboxed child, as okra reads media
 *   readmedium --in-process IMAGE    the child's walk run here, unsandboxed (for valgrind),
 *                                    its records checked as okra checks them
 *   readmedium --hold IMAGE          prints "pid N" once the child has sent its first
 *                                    record, then waits for a line on stdin before going on
 *   readmedium --forbid socket|open IMAGE
 *                                    the child makes a call its sandbox forbids
 *   readmedium --probe IMAGE         libblkid's view, KEY=VALUE lines
 *   readmedium --records IMAGE       the child's records, raw, on stdout (fuzzing seeds)
 *
 * Lines: "volume FS TYPE UUID LABEL", "file PATH SIZE SHA256", "skip PATH: WHY",
 * and "error: WHY" (exit 1) when the medium cannot be read.
 */
#include "common/sha256.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/text.h"
#include "mediawatch/reader/rd_internal.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void
put(const char *what, const char *s)
{
    char *e = s ? text_escape(s, strlen(s)) : NULL;

    printf("%s%s", what, e && *e ? e : "-");
    free(e);
}

static void
print_volume(const struct mw_volume *v)
{
    put("volume ", v->fs_type);
    put(" ", v->blkid_type);
    put(" ", v->fs_uuid);
    put(" ", v->fs_label);
    printf(" partition %u of %u\n", v->partition, v->n_filesystems);
}

static int
print_file(struct mw_reader *r, const struct mw_entry *e)
{
    uint8_t      *buf = malloc(e->size ? e->size : 1), hash[32];
    char          hex[65];
    int           rc = buf ? mw_reader_read(r, buf, e->size) : -ENOMEM;

    put("file ", e->path);
    if (rc == -EIO) {
        printf(" %llu damaged\n", (unsigned long long) e->size);
        rc = 0;
    } else if (rc == 0) {
        sha256_oneshot(buf, e->size, hash);
        hex_encode(hex, hash, 32);
        printf(" %llu %s\n", (unsigned long long) e->size, hex);
    }
    free(buf);
    return rc;
}

static int
through_child(int fd, bool hold)
{
    struct mw_read_opts o = { 0 };
    struct mw_reader   *r;
    struct mw_entry     e;
    bool                first = true;
    int                 rc;

    if ((rc = mw_reader_open(fd, &o, &r)) < 0)
        return rc;
    while ((rc = mw_reader_next(r, &e)) > 0) {
        if (first && mw_reader_volume(r))
            print_volume(mw_reader_volume(r));
        if (first && hold) {
            char line[16];

            printf("pid %d\n", mw_reader_pid(r));
            fflush(stdout);
            if (fgets(line, sizeof line, stdin) == NULL)
                break;
        }
        first = false;
        if (e.why) {
            put("skip ", e.path);
            put(": ", e.why);
            putchar('\n');
        } else if ((rc = print_file(r, &e)) < 0) {
            break;
        }
    }
    {
        int rc2 = mw_reader_close(r);

        return rc < 0 ? rc : rc2;
    }
}

/* --in-process: the records go straight into the parent's checks. */
struct collect {
    struct rd_state st;
    uint8_t        *buf;
    size_t          len, cap;
};

static int
sink(void *ctx, const uint8_t *p, size_t n)
{
    struct collect *c = ctx;

    if (c->len + n > c->cap) {
        uint8_t *b = realloc(c->buf, (c->cap = (c->len + n) * 2));

        if (b == NULL)
            return -ENOMEM;
        c->buf = b;
    }
    memcpy(c->buf + c->len, p, n);
    c->len += n;
    return 0;
}

static int
in_process(int fd, bool raw)
{
    struct mw_read_opts o = { 256ull << 20, MW_READER_MAX_DEPTH, MW_READER_MAX_ENTRIES, false, NULL };
    struct rd_limits    lim = { o.max_size, o.max_depth, o.max_entries };
    static struct rd_out out = { .fd = -1, .sink = sink };
    struct collect      c = { 0 };
    struct stat         st;
    size_t              at = 0;
    int                 rc = 0;

    if (fstat(fd, &st) < 0)
        return -errno;
    out.ctx = &c;
    rd_state_init(&c.st, &o);
    rd_read_medium(fd, (uint64_t) st.st_size, 512, &lim, &out, NULL);
    if (raw) {
        fwrite(c.buf, 1, c.len, stdout);
        free(c.buf);
        return 0;
    }
    while (rc == 0 && at + RD_HEADER <= c.len) {
        uint32_t         len = c.buf[at + 4] | c.buf[at + 5] << 8 | c.buf[at + 6] << 16 |
                       (uint32_t) c.buf[at + 7] << 24;
        struct rd_record rec;
        uint8_t         *payload = malloc(len + 1);

        if (payload == NULL || at + RD_HEADER + len > c.len) {
            free(payload);
            return okra_fail(-EBADMSG, "truncated record");
        }
        memcpy(payload, c.buf + at + RD_HEADER, len);
        if ((rc = rd_decode((enum rd_type) c.buf[at], payload, len, &rec)) == 0 &&
            (rc = rd_check(&c.st, &rec)) == 0) {
            if (rec.type == RD_FILE)
                put("file ", rec.path), printf(" %llu\n", (unsigned long long) rec.a);
            else if (rec.type == RD_SKIP) {
                char *why = rd_skip_text(&rec);

                put("skip ", rec.path), put(": ", why), putchar('\n');
                free(why);
            } else if (rec.type == RD_FAIL) {
                char *why = rd_fail_text(&rec);

                rc = okra_fail(-EIO, "%s", why);
                free(why);
            }
        }
        free(payload);
        at += RD_HEADER + len;
    }
    free(c.buf);
    return rc;
}

static void
probe_line(void *ctx, const char *k, const char *v)
{
    (void) ctx;
    put("", k);
    put("=", v);
    putchar('\n');
}

int
main(int argc, char **argv)
{
    const char *mode = argc > 2 ? argv[1] : "", *path = argv[argc - 1];
    int         fd, rc;

    if (argc > 1 && strcmp(argv[1], MW_READER_CHILD_ARG) == 0)
        return mw_reader_child_main(argc, argv);
    if (argc < 2 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
        fprintf(stderr, "usage: readmedium [--in-process|--hold|--probe|--forbid socket|open] IMAGE\n");
        return 2;
    }
    if (!strcmp(mode, "--in-process") || !strcmp(mode, "--records")) {
        rc = in_process(fd, !strcmp(mode, "--records"));
    } else if (!strcmp(mode, "--probe")) {
        rc = mw_reader_probe(fd, NULL, probe_line, NULL);
    } else if (!strcmp(mode, "--forbid") && argc == 4) {
        struct mw_read_opts o = { 0 };
        pid_t               pid;
        int                 pfd, status;
        char                m[32];

        snprintf(m, sizeof m, "forbid-%s", argv[2]);
        rc = rd_spawn(fd, m, &(struct mw_read_opts) { 1, 1, 1, false, NULL }, &pid, &pfd);
        (void) o;
        if (rc == 0) {
            while (read(pfd, m, sizeof m) > 0)
                ;
            waitpid(pid, &status, 0);
            rc = rd_death(status);
            close(pfd);
        }
    } else {
        rc = through_child(fd, !strcmp(mode, "--hold"));
    }
    close(fd);
    fflush(stdout);
    if (rc < 0) {
        printf("error: %s\n", okra_errmsg());
        return 1;
    }
    return 0;
}
