/*
 * age_io.c: a buffered reader over an age_source_fn. Everything it holds is
 * ciphertext or armor, so its buffer is ordinary memory.
 */
#include "crypto/age_internal.h"

#include "common/err.h"

#include <stdlib.h>
#include <string.h>

int
age_rd_init(struct age_rd *r, age_source_fn src, void *ctx, size_t cap)
{
    memset(r, 0, sizeof *r);
    if ((r->buf = malloc(cap)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    r->src = src;
    r->ctx = ctx;
    r->cap = cap;
    return 0;
}

void
age_rd_free(struct age_rd *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

int
age_rd_fill(struct age_rd *r, size_t want)
{
    long n;

    if (want > r->cap)
        want = r->cap;
    if (r->pos + want > r->cap) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    while (age_rd_avail(r) < want && !r->eof) {
        n = r->src(r->ctx, r->buf + r->len, r->cap - r->len);
        if (n < 0) {
            r->src_failed = true;
            return (int)n;
        }
        if ((size_t)n > r->cap - r->len)
            return okra_fail(-EIO, "age: the source returned more than asked");
        if (n == 0)
            r->eof = true;
        r->len += (size_t)n;
    }
    return 0;
}

int
age_rd_line(struct age_rd *r, size_t max, bool eof_ok, const uint8_t **ret_line, size_t *ret_len)
{
    size_t         seen = 0, avail;
    const uint8_t *lf;
    int            rc;

    if (max >= r->cap)
        max = r->cap - 1;
    for (;;) {
        avail = age_rd_avail(r);
        lf = memchr(r->buf + r->pos + seen, '\n', avail - seen);
        if (lf != NULL && (size_t)(lf - (r->buf + r->pos)) < max) {
            *ret_line = r->buf + r->pos;
            *ret_len = (size_t)(lf - *ret_line) + 1;
            r->pos += *ret_len;
            return 1;
        }
        if (lf != NULL || avail >= max)
            return okra_fail(-EINVAL, "age: a line is too long");
        seen = avail;
        if (r->eof) {
            if (avail == 0)
                return 0;
            if (!eof_ok)
                return okra_fail(-EINVAL, "age: the input ends in the middle of a line");
            *ret_line = r->buf + r->pos;
            *ret_len = avail;
            r->pos += avail;
            return 1;
        }
        if ((rc = age_rd_fill(r, avail + 1)) < 0)
            return rc;
    }
}

long
age_mem_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct age_mem_src *m = ctx;
    size_t              n = m->len - m->off;

    if (n > cap)
        n = cap;
    memcpy(buf, m->p + m->off, n);
    m->off += n;
    return (long)n;
}
