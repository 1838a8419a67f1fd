/*
 * fuzz_reader.c: disk images (outside bytes) through the reader child's
 * walk, libblkid and The Sleuth Kit, run in process without the sandbox.
 * Whatever the image, the walk must end, and every record it writes must
 * pass the parent's own checks (wire.c): a child that follows its code
 * never sends what okra would call malformed.
 *
 * Leaks inside The Sleuth Kit on damaged images are suppressed: the child
 * is one process per medium, gone when the medium is read; okra's own
 * allocations are still checked.
 *
 * The child runs with 1 GiB of address space (spawn.c), so an image that
 * makes The Sleuth Kit ask for gigabytes gets NULL there, and the walk ends
 * with a failure record. ASan cannot run under that limit; allocations of
 * over 256 MiB are refused the same way here instead of ending the run.
 */
#include "mediawatch/reader/rd_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int         LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

const char *
__asan_default_options(void)
{
    return "allocator_may_return_null=1:max_allocation_size_mb=256";
}

const char *
__lsan_default_suppressions(void)
{
    return "leak:libtsk.so\n";
}

struct check {
    struct rd_state      st;
    struct mw_read_opts  o;
    uint8_t              buf[RD_HEADER + RD_RECORD_MAX + 1];
    size_t               have;
    bool                 ended;
};

static size_t
length_of(const uint8_t *h)
{
    return (size_t) h[4] | (size_t) h[5] << 8 | (size_t) h[6] << 16 | (size_t) h[7] << 24;
}

static void
record(struct check *c)
{
    struct rd_record rec;

    if (rd_decode((enum rd_type) c->buf[0], c->buf + RD_HEADER, c->have - RD_HEADER, &rec) < 0 ||
        rd_check(&c->st, &rec) < 0)
        abort(); /* the child wrote what okra would refuse */
    if (rec.type == RD_SKIP)
        free(rd_skip_text(&rec));
    if (rec.type == RD_FAIL)
        free(rd_fail_text(&rec));
    c->ended = rec.type == RD_DONE || rec.type == RD_FAIL;
    c->have = 0;
}

/* Checks each record as the parent would, as the bytes come. */
static int
sink(void *ctx, const uint8_t *p, size_t n)
{
    struct check *c = ctx;

    while (n > 0) {
        size_t need = c->have < RD_HEADER ? RD_HEADER : RD_HEADER + length_of(c->buf), k;

        if (need > RD_HEADER + RD_RECORD_MAX)
            abort();
        k = need - c->have < n ? need - c->have : n;
        memcpy(c->buf + c->have, p, k);
        c->have += k;
        p += k;
        n -= k;
        if (c->have >= RD_HEADER && c->have == RD_HEADER + length_of(c->buf))
            record(c);
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct rd_out out;
    static struct check  c;
    struct rd_limits     lim = { 1u << 20, 8, 1000 };
    int                  fd = memfd_create("image", MFD_CLOEXEC);

    if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t) size)) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    memset(&c, 0, sizeof c);
    c.o = (struct mw_read_opts) { lim.max_size, lim.max_depth, lim.max_entries, false, NULL };
    rd_state_init(&c.st, &c.o);
    memset(&out, 0, sizeof out);
    out.fd = -1;
    out.sink = sink;
    out.ctx = &c;
    rd_read_medium(fd, size, 512, &lim, &out, NULL);
    if (c.have != 0 || !c.ended)
        abort(); /* every walk ends with DONE or FAIL */
    close(fd);
    return 0;
}
