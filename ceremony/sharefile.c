/* sharefile.c: building, sealing, opening and parsing custodians' share files. */
#include "ceremony/sharefile.h"
#include "common/err.h"
#include "common/text.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SHARE_FORMAT_VERSION 1

struct share_text *
sharefile_text_new(void)
{
    struct share_text *s = secmem_alloc(sizeof *s);

    if (s != NULL)
        sodium_memzero(s, sizeof *s);
    return s;
}

int
sharefile_check_name(const char *name)
{
    size_t n = strlen(name), i = 0;

    if (n == 0)
        return okra_fail(-EINVAL, "a custodian's name cannot be empty");
    if (n > SHARE_NAME_MAX)
        return okra_fail(-EINVAL, "a custodian's name is at most %d bytes", SHARE_NAME_MAX);
    if (name[0] == ' ' || name[n - 1] == ' ')
        return okra_fail(-EINVAL, "a custodian's name cannot start or end with a space");
    while (i < n) {
        size_t l = text_utf8_len((const unsigned char *) name + i, n - i);

        if (l == 0)
            return okra_fail(-EINVAL, "a custodian's name must be UTF-8 text");
        if (l == 1 && ((unsigned char) name[i] < 0x20 || name[i] == 0x7f))
            return okra_fail(-EINVAL, "a custodian's name cannot hold control characters");
        i += l;
    }
    return 0;
}

void
sharefile_file_name(unsigned index, unsigned count, const char *custodian, char *out, size_t cap)
{
    char   safe[SHARE_NAME_MAX + 1];
    size_t i, o = 0;
    int    width = count >= 10 ? 2 : 1;

    for (i = 0; custodian[i] && o < sizeof safe - 1; i++) {
        unsigned char c = (unsigned char) custodian[i];

        if (isalnum(c) || c == '.' || c == '_' || c == '-')
            safe[o++] = (char) c;
        else if (o > 0 && safe[o - 1] != '_')
            safe[o++] = '_';
    }
    while (o > 0 && (safe[o - 1] == '_' || safe[o - 1] == '.'))
        o--;
    safe[o] = '\0';
    if (o == 0)
        snprintf(out, cap, "share-%0*u-of-%u.age", width, index, count);
    else
        snprintf(out, cap, "share-%0*u-of-%u-%s.age", width, index, count, safe);
}

int
sharefile_format(const struct share_text *s, struct secbuf *ret)
{
    char head[SHARE_VAULT_ID_MAX + SHARE_NAME_MAX + 160];
    int  n, rc;

    ret->len = 0;
    n = snprintf(head, sizeof head,
                 "okra-share: %d\nvault: %s\ncustodian: %s\nshare: %u of %u, threshold %u\n"
                 "mnemonic: ",
                 SHARE_FORMAT_VERSION, s->vault_id, s->custodian, s->index, s->count,
                 s->threshold);
    if (n < 0 || (size_t) n >= sizeof head)
        return okra_fail(-EINVAL, "internal: share file header too long");
    if ((rc = secbuf_append(ret, head, (size_t) n)) < 0 ||
        (rc = secbuf_append(ret, s->mnemonic, strnlen(s->mnemonic, sizeof s->mnemonic))) < 0 ||
        (rc = secbuf_append(ret, "\n", 1)) < 0)
        return rc;
    return 0;
}

/* Copies words (letters only) into out with single spaces, lower case. */
static int
normalise_mnemonic(const char *p, size_t n, char out[SLIP39_MNEMONIC_MAX])
{
    size_t i, o = 0;
    bool   space = false;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char) p[i];

        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            space = o > 0;
            continue;
        }
        if (!isalpha(c)) {
            sodium_memzero(out, SLIP39_MNEMONIC_MAX);
            return okra_fail(-EINVAL, "holds neither an okra share nor a SLIP-0039 mnemonic "
                                      "(a mnemonic is words of letters only)");
        }
        if (o + 2 >= SLIP39_MNEMONIC_MAX) {
            sodium_memzero(out, SLIP39_MNEMONIC_MAX);
            return okra_fail(-EINVAL, "is too long for a SLIP-0039 mnemonic");
        }
        if (space)
            out[o++] = ' ';
        space = false;
        out[o++] = (char) tolower(c);
    }
    out[o] = '\0';
    if (o == 0)
        return okra_fail(-EINVAL, "holds no mnemonic");
    return 0;
}

/* "I of N, threshold M" */
static int
parse_share_line(const char *v, size_t n, struct share_text *s)
{
    char     buf[64], canon[64];
    unsigned i, c, t;

    if (n >= sizeof buf)
        return okra_fail(-EINVAL, "its 'share:' line is not 'I of N, threshold M'");
    memcpy(buf, v, n);
    buf[n] = '\0';
    /* exactly the form okra writes: parsed, then written back and compared */
    if (sscanf(buf, "%3u of %3u, threshold %3u", &i, &c, &t) != 3 ||
        snprintf(canon, sizeof canon, "%u of %u, threshold %u", i, c, t) < 0 ||
        strcmp(canon, buf) != 0)
        return okra_fail(-EINVAL, "its 'share:' line is not 'I of N, threshold M'");
    if (c < 1 || c > SLIP39_MAX_SHARES || i < 1 || i > c || t < 1 || t > c)
        return okra_fail(-EINVAL, "its 'share:' line (%u of %u, threshold %u) is impossible", i,
                         c, t);
    s->index = i;
    s->count = c;
    s->threshold = t;
    return 0;
}

enum { K_VAULT = 1, K_CUSTODIAN = 2, K_SHARE = 4, K_MNEMONIC = 8 };

static int
parse_field(struct share_text *s, const char *key, size_t kl, const char *v, size_t vl,
            unsigned *seen)
{
    unsigned bit = 0;
    int      rc = 0;

#define KEY(k) (kl == sizeof(k) - 1 && memcmp(key, k, kl) == 0)
    if (KEY("vault"))
        bit = K_VAULT;
    else if (KEY("custodian"))
        bit = K_CUSTODIAN;
    else if (KEY("share"))
        bit = K_SHARE;
    else if (KEY("mnemonic"))
        bit = K_MNEMONIC;
#undef KEY
    if (bit == 0)
        return 0; /* a later version's field: ignored */
    if (*seen & bit)
        return okra_fail(-EINVAL, "it has two '%.*s:' lines", (int) kl, key);
    *seen |= bit;
    if (bit == K_VAULT) {
        size_t i;

        for (i = 0; i < vl && vl <= SHARE_VAULT_ID_MAX; i++)
            if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
                break;
        if (vl == 0 || i != vl)
            return okra_fail(-EINVAL, "its 'vault:' line is not a vault id");
        memcpy(s->vault_id, v, vl);
        s->vault_id[vl] = '\0';
    } else if (bit == K_CUSTODIAN) {
        if (vl > SHARE_NAME_MAX)
            return okra_fail(-EINVAL, "its custodian's name is too long");
        memcpy(s->custodian, v, vl);
        s->custodian[vl] = '\0';
        rc = sharefile_check_name(s->custodian);
    } else if (bit == K_SHARE) {
        rc = parse_share_line(v, vl, s);
    } else {
        rc = normalise_mnemonic(v, vl, s->mnemonic);
    }
    return rc;
}

static int
parse_lines(const char *text, size_t len, struct share_text *ret)
{
    size_t   pos = 0, line = 0;
    unsigned seen = 0;
    int      rc;

    while (pos < len) {
        const char *l = text + pos, *colon;
        size_t      n = 0, ln;

        while (pos + n < len && l[n] != '\n')
            n++;
        pos += n + 1;
        ln = n > 0 && l[n - 1] == '\r' ? n - 1 : n;
        line++;
        if (ln == 0)
            continue;
        colon = memchr(l, ':', ln);
        if (colon == NULL || colon + 1 >= l + ln || colon[1] != ' ')
            return okra_fail(-EINVAL, "line %zu is not 'key: value'", line);
        if (line == 1) {
            if (colon - l != 10 || memcmp(l, "okra-share", 10) != 0)
                return okra_fail(-EINVAL, "it does not start with 'okra-share: 1'");
            if (ln - 12 != 1 || l[12] != '0' + SHARE_FORMAT_VERSION)
                return okra_fail(-EINVAL, "it is share file format '%.*s'; this okra reads %d",
                                 (int) (ln - 12 > 8 ? 8 : ln - 12), l + 12, SHARE_FORMAT_VERSION);
            continue;
        }
        if ((rc = parse_field(ret, l, (size_t) (colon - l), colon + 2,
                              ln - (size_t) (colon + 2 - l), &seen)) < 0)
            return rc;
    }
    if (!(seen & K_VAULT))
        return okra_fail(-EINVAL, "it has no 'vault:' line");
    if (!(seen & K_CUSTODIAN))
        return okra_fail(-EINVAL, "it has no 'custodian:' line");
    if (!(seen & K_SHARE))
        return okra_fail(-EINVAL, "it has no 'share:' line");
    if (!(seen & K_MNEMONIC))
        return okra_fail(-EINVAL, "it has no 'mnemonic:' line");
    return 0;
}

int
sharefile_parse_text(const char *text, size_t len, struct share_text *ret)
{
    int rc;

    sodium_memzero(ret, sizeof *ret);
    /* a byte order mark from an editor */
    if (len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0)
        text += 3, len -= 3;
    while (len > 0 && (*text == ' ' || *text == '\t' || *text == '\n' || *text == '\r'))
        text++, len--;
    if (len >= 11 && memcmp(text, "okra-share:", 11) == 0) {
        rc = parse_lines(text, len, ret);
    } else {
        ret->bare = true;
        /* a paper backup typed as the share file's own line */
        if (len >= 9 && memcmp(text, "mnemonic:", 9) == 0)
            text += 9, len -= 9;
        rc = normalise_mnemonic(text, len, ret->mnemonic);
    }
    if (rc < 0)
        sodium_memzero(ret, sizeof *ret);
    return rc;
}

int
sharefile_seal(const struct share_text *s, const char *passphrase, int log_n, age_sink_fn sink,
               void *ctx)
{
    struct secbuf plain = { 0 };
    int           rc;

    if (passphrase == NULL || *passphrase == '\0')
        return okra_fail(-EINVAL, "a share file's passphrase cannot be empty");
    if ((rc = sharefile_format(s, &plain)) == 0)
        rc = age_encrypt_scrypt(passphrase, log_n, plain.p, plain.len, sink, ctx);
    secbuf_free(&plain);
    return rc;
}

int
sharefile_open(const uint8_t *file, size_t len, const char *passphrase, struct share_text *ret)
{
    struct age_identities ids = { .passphrase = passphrase, .max_log_n = SHARE_FILE_MAX_LOG_N };
    struct secbuf         plain = { 0 };
    int                   rc;

    if (!age_looks_like(file, len))
        return okra_fail(-EINVAL, "is not an age file");
    if ((rc = age_decrypt(&ids, file, len, age_sink_secbuf, &plain)) < 0) {
        secbuf_free(&plain);
        if (rc == -EKEYREJECTED)
            return okra_fail(-EKEYREJECTED, "the passphrase does not open it");
        return rc;
    }
    rc = sharefile_parse_text((const char *) plain.p, plain.len, ret);
    if (rc == 0 && ret->bare) {
        sodium_memzero(ret, sizeof *ret);
        rc = okra_fail(-EINVAL, "it opens, but holds a bare mnemonic, not an okra share");
    }
    secbuf_free(&plain);
    return rc;
}
