/*
 * minisign_text.c: lines, comments and base64 of minisign files (see
 * minisign_text.h for what is accepted).
 */
#include "crypto/minisign_text.h"
#include "crypto/minisign.h"
#include "common/err.h"
#include "common/secmem.h"

#include <stdlib.h>
#include <string.h>

#define PREFIX_LEN(p) (sizeof(p) - 1)

/*
 * Takes the next line, without its "\n" or "\r\n", of at most max bytes.
 * The search for '\n' stops at max + 2 so a huge input costs no more than a
 * well-formed one.
 */
static int
next_line(struct mini_text *t, const char *what, size_t max, const char **ret, size_t *ret_len)
{
    size_t      scan = t->left < max + 2 ? t->left : max + 2;
    const char *nl = memchr(t->p, '\n', scan);
    size_t      len, used;

    if (t->left == 0)
        return okra_fail(-EINVAL, "%s: the %s line is missing", t->kind, what);
    if (nl == NULL) {
        len = used = t->left;
    } else {
        len = (size_t)(nl - t->p);
        used = len + 1;
        if (len > 0 && t->p[len - 1] == '\r')
            len--;
    }
    if (len > max)
        return okra_fail(-EINVAL, "%s: the %s line is too long", t->kind, what);
    if (memchr(t->p, '\r', len) != NULL || memchr(t->p, '\0', len) != NULL)
        return okra_fail(
            -EINVAL, "%s: the %s line has a stray carriage return or NUL", t->kind, what);
    *ret = t->p;
    *ret_len = len;
    t->p += used;
    t->left -= used;
    return 0;
}

int
mini_read_untrusted(struct mini_text *t)
{
    const char *line;
    size_t      len;
    int         rc;

    rc = next_line(
        t, "untrusted comment", PREFIX_LEN(MINI_UNTRUSTED_PREFIX) + MINI_COMMENT_MAX, &line, &len);
    if (rc < 0)
        return rc;
    if (len < PREFIX_LEN(MINI_UNTRUSTED_PREFIX)
        || memcmp(line, MINI_UNTRUSTED_PREFIX, PREFIX_LEN(MINI_UNTRUSTED_PREFIX)) != 0)
        return okra_fail(-EINVAL, "%s: the first line does not start with \"%s\"", t->kind,
            MINI_UNTRUSTED_PREFIX);
    return 0;
}

/*
 * libsodium 1.0.18's decoder takes every byte from 0x80 to 0xff for '/'
 * (measured; its constant-time compares see them as negative), so '/' has
 * 129 spellings and a changed file would still verify. Check the alphabet
 * first.
 */
static bool
b64_alphabet(const char *s, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+'
                || c == '/' || c == '='))
            return false;
    }
    return true;
}

int
mini_read_b64(struct mini_text *t, const char *what, uint8_t *bin, size_t n)
{
    const char *line, *end;
    size_t      len, got;
    int         rc;

    if ((rc = next_line(t, what, MINI_B64_LEN(n), &line, &len)) < 0)
        return rc;
    /*
     * With the alphabet checked, and libsodium refusing non-zero padding
     * bits, each value has one encoding: a changed character is a changed
     * key or signature.
     */
    if (len != MINI_B64_LEN(n) || !b64_alphabet(line, len)
        || sodium_base642bin(bin, n, line, len, NULL, &got, &end, sodium_base64_VARIANT_ORIGINAL)
            != 0
        || got != n || end != line + len)
        return okra_fail(-EINVAL, "%s: the %s line is not %zu bytes of base64", t->kind, what, n);
    return 0;
}

int
mini_read_trusted(struct mini_text *t, const char **ret, size_t *ret_len)
{
    const size_t plen = PREFIX_LEN(MINI_TRUSTED_PREFIX);
    const char  *line;
    size_t       len;
    int          rc;

    if ((rc = next_line(t, "trusted comment", plen + MINI_COMMENT_MAX, &line, &len)) < 0)
        return rc;
    if (len < plen || memcmp(line, MINI_TRUSTED_PREFIX, plen) != 0)
        return okra_fail(
            -EINVAL, "%s: the third line does not start with \"%s\"", t->kind, MINI_TRUSTED_PREFIX);
    /* It reaches a terminal through cli/; refuse escapes as stock minisign does. */
    if (!mini_printable(line + plen, len - plen))
        return okra_fail(
            -EINVAL, "%s: the trusted comment has control characters or is not UTF-8", t->kind);
    *ret = line + plen;
    *ret_len = len - plen;
    return 0;
}

int
mini_text_end(const struct mini_text *t)
{
    if (t->left != 0)
        return okra_fail(-EINVAL, "%s: unexpected bytes after the last line", t->kind);
    return 0;
}

/* Length of the well-formed UTF-8 sequence at p (1 to 4), or 0. */
static size_t
utf8_seq(const uint8_t *p, size_t left, uint32_t *ret_cp)
{
    static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
    uint32_t              cp = p[0];
    size_t                n, i;

    if (cp < 0x80) {
        *ret_cp = cp;
        return 1;
    }
    if ((cp & 0xe0) == 0xc0)
        n = 2, cp &= 0x1f;
    else if ((cp & 0xf0) == 0xe0)
        n = 3, cp &= 0x0f;
    else if ((cp & 0xf8) == 0xf0)
        n = 4, cp &= 0x07;
    else
        return 0;
    if (n > left)
        return 0;
    for (i = 1; i < n; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3f);
    }
    /* overlong forms, surrogates and code points past Unicode */
    if (cp < least[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    *ret_cp = cp;
    return n;
}

bool
mini_printable(const char *s, size_t len)
{
    const uint8_t *p = (const uint8_t *)s;
    uint32_t       cp;
    size_t         i = 0, n;

    while (i < len) {
        if ((n = utf8_seq(p + i, len - i, &cp)) == 0)
            return false;
        if ((cp < 0x20 && cp != '\t') || (cp >= 0x7f && cp <= 0x9f))
            return false;
        i += n;
    }
    return true;
}

int
mini_check_untrusted(const char *comment)
{
    if (strlen(comment) > MINI_WRITE_UNTRUSTED_MAX)
        return okra_fail(
            -EINVAL, "untrusted comment longer than %zu bytes", (size_t)MINI_WRITE_UNTRUSTED_MAX);
    if (strpbrk(comment, "\r\n") != NULL)
        return okra_fail(-EINVAL, "untrusted comment must be one line");
    return 0;
}

int
mini_check_trusted(const char *comment)
{
    size_t len = strlen(comment);

    if (len > MINI_COMMENT_MAX)
        return okra_fail(-EINVAL, "trusted comment longer than %d bytes", MINI_COMMENT_MAX);
    /* okra writes nothing it would refuse to read */
    if (!mini_printable(comment, len))
        return okra_fail(-EINVAL, "trusted comment must be one line of printable UTF-8");
    return 0;
}

size_t
mini_put_comment(char *out, const char *prefix, const char *comment)
{
    size_t plen = strlen(prefix), clen = strlen(comment);

    memcpy(out, prefix, plen);
    memcpy(out + plen, comment, clen);
    out[plen + clen] = '\n';
    return plen + clen + 1;
}

size_t
mini_put_b64(char *out, const uint8_t *bin, size_t n)
{
    /* sodium_bin2base64 ends with a NUL; the caller has room for it, and it becomes '\n'. */
    sodium_bin2base64(out, MINI_B64_LEN(n) + 1, bin, n, sodium_base64_VARIANT_ORIGINAL);
    out[MINI_B64_LEN(n)] = '\n';
    return MINI_B64_LEN(n) + 1;
}

char *
mini_key_text(const char *comment, const uint8_t *bin, size_t n, bool secure)
{
    size_t size = strlen(MINI_UNTRUSTED_PREFIX) + strlen(comment) + 1 + MINI_B64_LEN(n) + 1 + 1;
    char  *text = secure ? secmem_alloc(size) : malloc(size);
    char  *w = text;

    if (text == NULL) {
        okra_fail(-ENOMEM, "out of memory");
        return NULL;
    }
    w += mini_put_comment(w, MINI_UNTRUSTED_PREFIX, comment);
    w += mini_put_b64(w, bin, n);
    *w = '\0';
    return text;
}
