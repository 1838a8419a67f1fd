/*
 * der.c: just enough BER/DER to recognise and frame export files.
 *
 * OpenSSL parses the contents; this reads headers only, so that detection
 * can look at the shape of a file in microseconds without allocating, and
 * so that the opened PKCS #12 can be framed straight into secure memory.
 */
#include "formats/fmt_internal.h"

int
der_header(const uint8_t *p, size_t avail, struct der_tlv *t)
{
    size_t n, len = 0, i;

    if (avail < 2)
        return -1;
    /* High tag numbers (0x1f) never occur in the shapes we recognise. */
    if ((p[0] & 0x1f) == 0x1f)
        return -1;
    t->tag = p[0];
    t->indef = false;
    if (p[1] < 0x80) {
        t->hdr = 2;
        t->len = p[1];
        return 0;
    }
    if (p[1] == 0x80) {
        /* Indefinite length is BER, and only for constructed encodings. */
        if (!(p[0] & 0x20))
            return -1;
        t->indef = true;
        t->hdr = 2;
        t->len = 0;
        return 0;
    }
    n = p[1] & 0x7f;
    if (n > sizeof(size_t) || n > 8 || avail < 2 + n)
        return -1;
    for (i = 0; i < n; i++) {
        if (len > (SIZE_MAX >> 8))
            return -1;
        len = (len << 8) | p[2 + i];
    }
    t->hdr = 2 + n;
    t->len = len;
    return 0;
}

size_t
der_put_header(uint8_t *out, uint8_t tag, size_t len)
{
    size_t n = 0, tmp, i;

    out[0] = tag;
    if (len < 0x80) {
        out[1] = (uint8_t)len;
        return 2;
    }
    for (tmp = len; tmp > 0; tmp >>= 8)
        n++;
    out[1] = (uint8_t)(0x80 | n);
    for (i = 0; i < n; i++)
        out[2 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return 2 + n;
}
