/*
 * opaque.c: Entrust/Outlook .epf profiles and Exchange KMS export files.
 *
 * Neither format has a public specification or a public sample with a known
 * password (SECURITY.md (".epf and KMS export files") has what is known and where from). okra
 * never opens them: it seals the bytes as they are, for a recovery that
 * hands the same bytes back to the tool that made them.
 *
 * What recognition can rest on:
 *   - An Entrust profile is text: sections in brackets and key=value lines
 *     whose values are base64 (a 2020 openssl-users post that decrypts one
 *     uses its salt "in its base64 encoded form"). Content alone is not
 *     enough to tell it from any .ini file, so fmt_detect takes such text as
 *     an .epf only when it also names Entrust; fmt_detect_named accepts a
 *     file called *.epf that has the INI shape or is binary (Outlook's own
 *     .epf may be binary; nobody has published one).
 *   - Other programs use .epf too: 1C:Enterprise external data processors
 *     (binary, starting FF FF FF 7F), Eclipse preference exports
 *     (file_export_version=...), Apple's Enterprise Partner Feed (fields
 *     separated by 0x01, records by 0x02). Those are not ours.
 *   - A KMS export is encrypted to the destination CA's certificate; its
 *     layout is unpublished and no public sample exists, so no content test
 *     can claim one. An operator who knows a file is one declares it
 *     (fmt_detect_as).
 */
#include "formats/fmt_internal.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/err.h"

struct ini_shape {
    bool text; /* no NUL or control bytes but tab and line ends */
    bool opens; /* the first non-blank line is a [section] */
    int  sections;
    int  pairs;
    int  base64; /* values of 64 or more base64 characters */
    bool entrust; /* the text names Entrust */
};

static bool
is_text(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] < 0x20 && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
            return false;
    }
    return true;
}

static bool
is_base64_run(const char *v, size_t n)
{
    size_t i, run = 0;

    for (i = 0; i < n; i++) {
        if (isalnum((unsigned char)v[i]) || v[i] == '+' || v[i] == '/' || v[i] == '=')
            run++;
        else if (v[i] != '\r' && v[i] != ' ')
            return false;
    }
    return run >= 64;
}

static void
ini_line(struct ini_shape *s, const char *line, size_t n, bool first)
{
    const char *eq;

    while (n > 0 && (line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
        n--;
    while (n > 0 && (*line == ' ' || *line == '\t')) {
        line++;
        n--;
    }
    if (n == 0 || *line == ';' || *line == '#')
        return;
    if (*line == '[' && line[n - 1] == ']') {
        s->sections++;
        if (first)
            s->opens = true;
        return;
    }
    if ((eq = memchr(line, '=', n)) != NULL && eq != line) {
        s->pairs++;
        if (is_base64_run(eq + 1, (size_t)(line + n - eq - 1)))
            s->base64++;
    }
}

static void
ini_measure(const uint8_t *data, size_t len, struct ini_shape *s)
{
    const char *p = (const char *)data, *end = p + len, *eol;
    bool        first = true;

    memset(s, 0, sizeof *s);
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0)
        p += 3;
    s->text = is_text((const uint8_t *)p, (size_t)(end - p));
    if (!s->text)
        return;
    s->entrust = memmem(p, (size_t)(end - p), "Entrust", 7) != NULL
        || memmem(p, (size_t)(end - p), "ENTRUST", 7) != NULL
        || memmem(p, (size_t)(end - p), "entrust", 7) != NULL;
    for (; p < end; p = eol + 1) {
        eol = memchr(p, '\n', (size_t)(end - p));
        if (eol == NULL)
            eol = end;
        if (first) {
            const char *q = p;

            while (q < eol && isspace((unsigned char)*q))
                q++;
            if (q == eol)
                continue;
        }
        ini_line(s, p, (size_t)(eol - p), first);
        first = false;
    }
}

static bool
ini_is_profile(const struct ini_shape *s)
{
    return s->text && s->opens && s->sections >= 2 && s->pairs >= 2 && s->base64 >= 1;
}

static void
set_opaque(struct fmt_detect *ret, enum fmt_kind kind)
{
    ret->kind = kind;
    ret->name = kind == FMT_EPF ? "epf" : "kms";
    ret->password = false;
    ret->inspectable = false;
    ret->why[0] = '\0';
}

bool
fmt_detect_opaque(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret)
{
    struct ini_shape s;

    ini_measure(data, len, &s);
    if (!ini_is_profile(&s) || !s.entrust)
        return false;
    set_opaque(ret, FMT_EPF);
    return true;
}

/* Other programs' .epf files, which must not be sealed as keys. */
static const char *
foreign_epf(const uint8_t *data, size_t len)
{
    if (len >= 4 && memcmp(data, "\xff\xff\xff\x7f", 4) == 0)
        return "a 1C:Enterprise .epf (external data processor), not an Entrust profile";
    if (memmem(data, len, "file_export_version", 19) != NULL)
        return "an Eclipse preferences export, not an Entrust profile";
    if (memchr(data, 0x01, len) != NULL && memmem(data, len, "\x02\n", 2) != NULL)
        return "an Apple Enterprise Partner Feed file, not an Entrust profile";
    return NULL;
}

static bool
named_epf(const char *name)
{
    size_t n;

    if (name == NULL)
        return false;
    n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".epf") == 0;
}

void
fmt_detect_named(
    const uint8_t *data, size_t len, uint64_t file_size, const char *name, struct fmt_detect *ret)
{
    struct ini_shape s;
    const char      *foreign;

    fmt_detect(data, len, file_size, ret);
    /* A file content names as something else (a certificate, a truncated PKCS #12) stays that. */
    if (ret->kind != FMT_NONE || !named_epf(name) || len == 0
        || strncmp(ret->why, FMT_WHY_UNKNOWN, strlen(FMT_WHY_UNKNOWN)) != 0)
        return;
    if (len > file_size)
        len = (size_t)file_size;
    if ((foreign = foreign_epf(data, len)) != NULL) {
        ret->why[0] = '\0';
        strncat(ret->why, foreign, sizeof ret->why - 1);
        return;
    }
    ini_measure(data, len, &s);
    if (ini_is_profile(&s) || !s.text) {
        set_opaque(ret, FMT_EPF);
        return;
    }
    ret->why[0] = '\0';
    strncat(ret->why,
        "named .epf but neither an Entrust profile (sections of base64 values) nor binary",
        sizeof ret->why - 1);
}

int
fmt_detect_as(enum fmt_kind kind, struct fmt_detect *ret)
{
    if (kind != FMT_EPF && kind != FMT_KMS)
        return -EINVAL;
    memset(ret, 0, sizeof *ret);
    set_opaque(ret, kind);
    return 0;
}
