/*
 * age_armor.c: the ASCII armor reader, strict per the spec (RFC 7468 strict
 * PEM, label "AGE ENCRYPTED FILE") and the CCTV vectors:
 *
 *   - whitespace only before the BEGIN line and after the END line (at most
 *     1 KiB each side, as the reference implementation allows);
 *   - lines end in LF or CRLF; the END line may end the input;
 *   - no headers, no empty lines, no spaces inside;
 *   - every data line 64 columns but the last, which is 4..64 columns with
 *     canonical padded base64; a 64-column last line is followed by END.
 *
 * It is a source over a reader (struct age_rd), so armored files stream.
 */
#include "crypto/age_internal.h"

#include "common/err.h"

#include <string.h>

#define ARMOR_BEGIN "-----BEGIN AGE ENCRYPTED FILE-----"
#define ARMOR_END "-----END AGE ENCRYPTED FILE-----"
#define ARMOR_WS_MAX 1024
#define ARMOR_LINE_MAX 80 /* longer than any valid line, with its CRLF */

enum { ARMOR_BEFORE, ARMOR_BODY, ARMOR_LAST, ARMOR_DONE };

#define ARMOR_FAIL(...) okra_fail(-EINVAL, "age armor: " __VA_ARGS__)

static bool
is_ws(uint8_t c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

bool
age_armor_detect(const uint8_t *p, size_t n)
{
    size_t i = 0;

    while (i < n && i < ARMOR_WS_MAX && is_ws(p[i]))
        i++;
    return n - i >= 5 && memcmp(p + i, "-----", 5) == 0;
}

void
age_armor_init(struct age_armor *a, struct age_rd *raw)
{
    memset(a, 0, sizeof *a);
    a->raw = raw;
    a->state = ARMOR_BEFORE;
}

/* The next line without its LF or CRLF; 0 at the end of input. */
static int
next_line(struct age_armor *a, const char **ret, size_t *ret_len)
{
    const uint8_t *line;
    size_t         n;
    int            rc;

    rc = age_rd_line(a->raw, ARMOR_LINE_MAX, true, &line, &n);
    if (rc == -EINVAL)
        return ARMOR_FAIL("a line is too long");
    if (rc <= 0)
        return rc;
    if (n > 0 && line[n - 1] == '\n')
        n--;
    if (n > 0 && line[n - 1] == '\r')
        n--;
    *ret = (const char *)line;
    *ret_len = n;
    return 1;
}

static bool
line_is(const char *line, size_t n, const char *s)
{
    return n == strlen(s) && memcmp(line, s, n) == 0;
}

static int
skip_leading(struct age_armor *a)
{
    size_t skipped = 0;
    int    rc;

    for (;;) {
        if (age_rd_avail(a->raw) == 0 && (rc = age_rd_fill(a->raw, 1)) < 0)
            return rc;
        if (age_rd_avail(a->raw) == 0)
            return ARMOR_FAIL("no BEGIN line");
        if (!is_ws(a->raw->buf[a->raw->pos]))
            return 0;
        if (++skipped > ARMOR_WS_MAX)
            return ARMOR_FAIL("too much whitespace before the BEGIN line");
        a->raw->pos++;
    }
}

static int
check_trailing(struct age_armor *a)
{
    size_t i, n;
    int    rc;

    if ((rc = age_rd_fill(a->raw, ARMOR_WS_MAX + 1)) < 0)
        return rc;
    n = age_rd_avail(a->raw);
    for (i = 0; i < n; i++)
        if (!is_ws(a->raw->buf[a->raw->pos + i]))
            return ARMOR_FAIL("data after the END line");
    if (n > ARMOR_WS_MAX || !a->raw->eof)
        return ARMOR_FAIL("too much whitespace after the END line");
    a->raw->pos += n;
    return 0;
}

static int
begin(struct age_armor *a)
{
    const char *line;
    size_t      n;
    int         rc;

    if ((rc = skip_leading(a)) < 0 || (rc = next_line(a, &line, &n)) < 0)
        return rc;
    if (rc == 0 || !line_is(line, n, ARMOR_BEGIN))
        return ARMOR_FAIL("the first line is not \"" ARMOR_BEGIN "\"");
    a->state = ARMOR_BODY;
    return 0;
}

static int
decode_line(struct age_armor *a, const char *line, size_t n)
{
    size_t len = 0;

    if (n == 0)
        return ARMOR_FAIL("an empty line");
    if (n > AGE_COLUMNS)
        return ARMOR_FAIL("a line is longer than %d columns", AGE_COLUMNS);
    /* padded, canonical, nothing else (libsodium checks bits and padding) */
    if (n % 4 != 0
        || sodium_base642bin(
               a->line, sizeof a->line, line, n, NULL, &len, NULL, sodium_base64_VARIANT_ORIGINAL)
            != 0)
        return ARMOR_FAIL("a line is not canonical base64");
    a->lpos = 0;
    a->llen = len;
    if (len < sizeof a->line)
        a->state = ARMOR_LAST;
    return 0;
}

/* Decodes the next line into a->line, or reaches the end. */
static int
advance(struct age_armor *a)
{
    const char *line;
    size_t      n;
    int         rc;

    if (a->state == ARMOR_BEFORE)
        return begin(a);
    if ((rc = next_line(a, &line, &n)) < 0)
        return rc;
    if (rc == 0)
        return ARMOR_FAIL("no END line");
    if (line_is(line, n, ARMOR_END)) {
        a->state = ARMOR_DONE;
        return check_trailing(a);
    }
    if (a->state == ARMOR_LAST)
        return ARMOR_FAIL("a short line before the last one, or no END line");
    return decode_line(a, line, n);
}

long
age_armor_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct age_armor *a = ctx;
    size_t            n;

    while (a->lpos == a->llen) {
        if (a->err < 0)
            return a->err;
        if (a->state == ARMOR_DONE)
            return 0;
        if ((a->err = advance(a)) < 0)
            return a->err;
    }
    n = a->llen - a->lpos < cap ? a->llen - a->lpos : cap;
    memcpy(buf, a->line + a->lpos, n);
    a->lpos += n;
    return (long)n;
}
