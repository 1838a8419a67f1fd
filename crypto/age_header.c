/*
 * age_header.c: the age v1 header, parsed strictly per the spec's ABNF:
 *
 *   header    = v1-line 1*stanza end
 *   v1-line   = "age-encryption.org/v1" LF
 *   end       = "--- " 43base64char LF
 *   stanza    = arg-line *full-line final-line
 *   arg-line  = "-> " argument *(SP argument) LF      ; argument = 1*VCHAR
 *   full-line = 64base64char LF
 *   final-line = *63base64char LF
 *
 * Base64 is canonical and unpadded everywhere. The native stanzas (X25519,
 * scrypt) are then checked whoever they are addressed to: a file okra
 * accepts is one every strict implementation accepts.
 */
#include "crypto/age_internal.h"

#include "common/err.h"

#include <stdlib.h>
#include <string.h>

#define HDR_FAIL(...) okra_fail(-EINVAL, "age header: " __VA_ARGS__)

bool
age_arg_is(const struct age_arg *a, const char *s)
{
    return a->len == strlen(s) && memcmp(a->p, s, a->len) == 0;
}

void
age_header_free(struct age_header *h)
{
    size_t i;

    for (i = 0; i < h->n; i++) {
        free(h->st[i].args);
        free(h->st[i].body);
    }
    free(h->st);
    memset(h, 0, sizeof *h);
}

/* "-> " argument *(SP argument): splits on single spaces, each 1*VCHAR. */
static int
parse_arg_line(struct age_header *h, const char *line, size_t n)
{
    struct age_stanza *st, *s;
    size_t             i, start, nargs = 1;

    if (n < 3 || line[2] != ' ')
        return HDR_FAIL("a stanza line has no arguments");
    for (i = 3; i < n; i++) {
        if (line[i] == ' ')
            nargs++;
        else if (line[i] < 33 || line[i] > 126)
            return HDR_FAIL("a stanza argument has a character outside printable ASCII");
    }
    if (h->n == h->cap) {
        if ((st = realloc(h->st, (h->cap * 2 + 4) * sizeof *st)) == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        h->st = st;
        h->cap = h->cap * 2 + 4;
    }
    s = &h->st[h->n];
    memset(s, 0, sizeof *s);
    if ((s->args = calloc(nargs, sizeof *s->args)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    h->n++;
    for (i = 3, start = 3; i <= n; i++) {
        if (i < n && line[i] != ' ')
            continue;
        if (i == start)
            return HDR_FAIL("a stanza has an empty argument");
        s->args[s->nargs].p = line + start;
        s->args[s->nargs++].len = i - start;
        start = i + 1;
    }
    return 0;
}

/* One body line: full (64 columns, stanza goes on) or final (shorter). */
static int
parse_body_line(struct age_stanza *s, const char *line, size_t n)
{
    uint8_t  buf[AGE_COLUMNS / 4 * 3];
    uint8_t *body;
    size_t   len;

    if (n > AGE_COLUMNS)
        return HDR_FAIL("a stanza body line is longer than %d columns", AGE_COLUMNS);
    if (age_b64_decode(line, n, buf, sizeof buf, &len) < 0)
        return HDR_FAIL("a stanza body is not canonical unpadded base64");
    if (len == 0)
        return 0;
    if ((body = realloc(s->body, s->body_len + len)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    memcpy(body + s->body_len, buf, len);
    s->body = body;
    s->body_len += len;
    return 0;
}

/* "--- " 43base64char LF, the last line. */
static int
parse_mac_line(struct age_header *h, const char *line, size_t n, size_t off, size_t total)
{
    size_t len;

    if (h->n == 0)
        return HDR_FAIL("no recipient stanza");
    if (off + n + 1 != total)
        return HDR_FAIL("data after the MAC line");
    if (n < 4 || line[3] != ' ')
        return HDR_FAIL("malformed MAC line");
    if (n != 4 + 43 || age_b64_decode(line + 4, n - 4, h->mac, sizeof h->mac, &len) < 0
        || len != AGE_MAC_LEN)
        return HDR_FAIL("the MAC is not 32 bytes of canonical unpadded base64");
    h->mac_len = off + 3;
    return 0;
}

int
age_stanza_x25519(const struct age_stanza *s, uint8_t share[AGE_KEY_LEN])
{
    size_t len;

    if (s->nargs != 2)
        return HDR_FAIL("an X25519 stanza must have exactly one argument");
    if (age_b64_decode(s->args[1].p, s->args[1].len, share, AGE_KEY_LEN, &len) < 0
        || len != AGE_KEY_LEN)
        return HDR_FAIL("an X25519 share is not 32 bytes of canonical unpadded base64");
    if (s->body_len != AGE_BODY_LEN)
        return HDR_FAIL("an X25519 stanza body is not 32 bytes");
    return 0;
}

/* The work factor: ^[1-9][0-9]*$, and small enough to shift by. */
static int
parse_log_n(const struct age_arg *a, int *ret)
{
    int    v = 0;
    size_t i;

    for (i = 0; i < a->len; i++)
        if (a->p[i] < '0' || a->p[i] > '9' || (i == 0 && a->p[i] == '0'))
            return HDR_FAIL("the scrypt work factor is not a decimal without leading zeros");
    for (i = 0; i < a->len && v <= 63; i++)
        v = v * 10 + (a->p[i] - '0');
    if (a->len == 0 || v > 63)
        return HDR_FAIL("the scrypt work factor is %s", a->len ? "absurdly large" : "missing");
    *ret = v;
    return 0;
}

int
age_stanza_scrypt(const struct age_stanza *s, uint8_t salt[AGE_SCRYPT_SALT_LEN], int *ret_log_n)
{
    size_t len;

    if (s->nargs != 3)
        return HDR_FAIL("an scrypt stanza must have exactly two arguments");
    if (age_b64_decode(s->args[1].p, s->args[1].len, salt, AGE_SCRYPT_SALT_LEN, &len) < 0
        || len != AGE_SCRYPT_SALT_LEN)
        return HDR_FAIL("an scrypt salt is not 16 bytes of canonical unpadded base64");
    if (parse_log_n(&s->args[2], ret_log_n) < 0)
        return -EINVAL;
    if (s->body_len != AGE_BODY_LEN)
        return HDR_FAIL("an scrypt stanza body is not 32 bytes");
    return 0;
}

/* The native stanzas' own rules, and scrypt's rule of standing alone. */
static int
check_native(const struct age_header *h)
{
    uint8_t buf[AGE_KEY_LEN];
    size_t  i;
    int     log_n, rc = 0;

    for (i = 0; i < h->n && rc == 0; i++) {
        if (age_arg_is(&h->st[i].args[0], "X25519"))
            rc = age_stanza_x25519(&h->st[i], buf);
        else if (age_arg_is(&h->st[i].args[0], "scrypt"))
            rc = h->n != 1 ? HDR_FAIL("an scrypt stanza must be the only stanza")
                           : age_stanza_scrypt(&h->st[i], buf, &log_n);
    }
    return rc;
}

static int
check_intro(const uint8_t *buf, size_t len)
{
    static const char prefix[] = "age-encryption.org/";

    if (len >= sizeof AGE_INTRO - 1 && memcmp(buf, AGE_INTRO, sizeof AGE_INTRO - 1) == 0)
        return 0;
    if (len >= sizeof prefix - 1 && memcmp(buf, prefix, sizeof prefix - 1) == 0)
        return HDR_FAIL("unsupported age format version (okra reads v1)");
    return okra_fail(-EINVAL, "not an age file");
}

static int
parse_lines(const uint8_t *buf, size_t len, struct age_header *h)
{
    struct age_stanza *cur = NULL;
    size_t             off = sizeof AGE_INTRO - 1, n;
    const char        *line, *eol;
    int                rc;

    while (off < len) {
        line = (const char *)buf + off;
        if ((eol = memchr(line, '\n', len - off)) == NULL)
            break;
        n = (size_t)(eol - line);
        if (cur != NULL) {
            if ((rc = parse_body_line(cur, line, n)) < 0)
                return rc;
            if (n < AGE_COLUMNS)
                cur = NULL;
        } else if (n >= 3 && memcmp(line, "---", 3) == 0) {
            return parse_mac_line(h, line, n, off, len);
        } else if (n >= 2 && memcmp(line, "->", 2) == 0) {
            if ((rc = parse_arg_line(h, line, n)) < 0)
                return rc;
            cur = &h->st[h->n - 1];
        } else {
            return HDR_FAIL("unexpected line (not a stanza, body or MAC line)");
        }
        off += n + 1;
    }
    return HDR_FAIL("the header ends without a MAC line");
}

int
age_header_parse(const uint8_t *buf, size_t len, struct age_header *h)
{
    int rc;

    memset(h, 0, sizeof *h);
    if ((rc = check_intro(buf, len)) < 0 || (rc = parse_lines(buf, len, h)) < 0
        || (rc = check_native(h)) < 0) {
        age_header_free(h);
        return rc;
    }
    return 0;
}

int
age_header_mac(struct age_keys *k, const uint8_t *hdr, size_t len, uint8_t mac[AGE_MAC_LEN])
{
    static const uint8_t no_salt[1];
    int                  rc;

    if ((rc = age_hkdf(k->mac_key, k->file_key, AGE_FILE_KEY_LEN, no_salt, 0, "header")) < 0)
        return rc;
    crypto_auth_hmacsha256_init(&k->hmac, k->mac_key, sizeof k->mac_key);
    crypto_auth_hmacsha256_update(&k->hmac, hdr, len);
    crypto_auth_hmacsha256_final(&k->hmac, mac);
    return 0;
}

static size_t
body_text_len(size_t body_len)
{
    size_t chars = (body_len * 4 + 2) / 3;

    /* each 64 columns plus LF, and a final short line (maybe empty) */
    return chars + chars / AGE_COLUMNS + 1;
}

long
age_header_write(struct age_keys *k, const char *const *args, size_t nargs, const uint8_t *body,
    size_t body_len, char *out, size_t cap)
{
    uint8_t mac[AGE_MAC_LEN];
    size_t  need = sizeof AGE_INTRO - 1 + 2 + 1 + body_text_len(body_len) + 4 + 43 + 1 + 1, o, i;
    int     rc;

    for (i = 0; i < nargs; i++)
        need += 1 + strlen(args[i]);
    if (need > cap)
        return okra_fail(-ENOSPC, "age header too large");
    memcpy(out, AGE_INTRO "->", sizeof AGE_INTRO + 1);
    o = sizeof AGE_INTRO + 1;
    for (i = 0; i < nargs; i++)
        o += (size_t)sprintf(out + o, " %s", args[i]);
    out[o++] = '\n';
    for (i = 0; i + AGE_COLUMNS / 4 * 3 <= body_len; i += AGE_COLUMNS / 4 * 3) {
        o += age_b64_encode(out + o, body + i, AGE_COLUMNS / 4 * 3);
        out[o++] = '\n';
    }
    o += age_b64_encode(out + o, body + i, body_len - i); /* the final line, maybe empty */
    out[o++] = '\n';
    memcpy(out + o, "---", 3);
    o += 3;
    if ((rc = age_header_mac(k, (const uint8_t *)out, o, mac)) < 0)
        return rc;
    out[o++] = ' ';
    o += age_b64_encode(out + o, mac, sizeof mac);
    out[o++] = '\n';
    return (long)o;
}

void
age_stream_nonce(uint8_t nonce[12], uint64_t counter, bool last)
{
    int i;

    memset(nonce, 0, 12);
    for (i = 10; i >= 3; i--) {
        nonce[i] = (uint8_t)counter;
        counter >>= 8;
    }
    nonce[11] = last ? 1 : 0;
}
