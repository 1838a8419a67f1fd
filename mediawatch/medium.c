/*
 * medium.c: what okra records of a medium, from untrusted udev or blkid text.
 *
 * Labels arrive hex-escaped (ID_FS_LABEL_ENC, made by blkid_encode_string:
 * "My\x20Keys") and are decoded as util-linux's lsblk does (lsblk-cmd/
 * properties.c: unhexmangle_string on ID_FS_LABEL_ENC). A decoded label is
 * any bytes a stranger chose, so it is then sanitised into printable UTF-8.
 * Nothing here builds a path.
 */
#include "mediawatch/mw_internal.h"
#include "common/hex.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

char *
mw_unhexmangle(const char *s, size_t max)
{
    size_t len = strnlen(s, max), i = 0, o = 0;
    char  *out = malloc(len + 1);

    if (out == NULL)
        return NULL;
    while (i < len) {
        if (s[i] == '\\' && i + 3 < len && s[i + 1] == 'x' && hex_nibble(s[i + 2]) >= 0
            && hex_nibble(s[i + 3]) >= 0) {
            char c = (char)(hex_nibble(s[i + 2]) << 4 | hex_nibble(s[i + 3]));

            if (c == '\0')
                break;
            out[o++] = c;
            i += 4;
        } else {
            out[o++] = s[i++];
        }
    }
    out[o] = '\0';
    return out;
}

/* Length of the valid UTF-8 sequence at s (of n bytes) and its code point; 0 when invalid. */
static size_t
utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    size_t   len;
    uint32_t c, min;

    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2, c = s[0] & 0x1f, min = 0x80;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3, c = s[0] & 0x0f, min = 0x800;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4, c = s[0] & 0x07, min = 0x10000;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = c << 6 | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return len;
}

/* Characters that are valid but must not reach a terminal or a log as they are. */
static bool
unsafe_cp(uint32_t c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e
        || c == 0x200f || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

char *
mw_text_sanitize(const char *s)
{
    static const char    hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    size_t               n = strnlen(s, MW_PROP_VALUE_MAX), i = 0, o = 0;
    char                *out = malloc(MW_TEXT_MAX + 1);

    if (out == NULL)
        return NULL;
    while (i < n) {
        uint32_t cp;
        size_t   len = utf8_decode(p + i, n - i, &cp);
        bool     esc = len == 0 || unsafe_cp(cp);
        size_t   nbytes = len == 0 ? 1 : len;
        size_t   need = esc ? 4 * nbytes : nbytes;

        if (o + need > MW_TEXT_MAX)
            break;
        for (size_t k = 0; k < nbytes; k++) {
            if (esc) {
                out[o++] = '\\';
                out[o++] = 'x';
                out[o++] = hex[p[i + k] >> 4];
                out[o++] = hex[p[i + k] & 0xf];
            } else {
                out[o++] = (char)p[i + k];
            }
        }
        i += nbytes;
    }
    out[o] = '\0';
    return out;
}

char *
mw_text_decode(const char *enc)
{
    char *raw, *safe;

    if (enc == NULL)
        return NULL;
    if ((raw = mw_unhexmangle(enc, MW_PROP_VALUE_MAX)) == NULL)
        return NULL;
    safe = mw_text_sanitize(raw);
    free(raw);
    return safe;
}

/* Sets *field to the decoded value of enc_key, else of key; NULL when neither or empty. */
static int
take(char **field, const struct mw_props *p, const char *enc_key, const char *key, bool trim)
{
    const char *v = enc_key != NULL ? mw_props_get(p, enc_key) : NULL;
    char       *d;

    if (v == NULL && (v = mw_props_get(p, key)) == NULL)
        return 0;
    if ((d = enc_key != NULL ? mw_text_decode(v) : mw_text_sanitize(v)) == NULL)
        return -ENOMEM;
    if (trim) {
        /* USB vendor and model strings are padded with spaces (ID_VENDOR_ENC="SanDisk\x20") */
        size_t len = strlen(d), start = strspn(d, " ");

        while (len > start && d[len - 1] == ' ')
            len--;
        memmove(d, d + start, len - start);
        d[len - start] = '\0';
    }
    if (*d == '\0') {
        free(d);
        return 0;
    }
    *field = d;
    return 0;
}

int
mw_medium_from_props(struct mw_medium *m, const struct mw_props *p, const char *devnode)
{
    int rc = 0;

    memset(m, 0, sizeof *m);
    if (devnode != NULL && (m->devname = mw_text_sanitize(devnode)) == NULL)
        rc = -ENOMEM;
    if (rc == 0)
        rc = take(&m->vendor, p, "ID_VENDOR_ENC", "ID_VENDOR", true);
    if (rc == 0)
        rc = take(&m->model, p, "ID_MODEL_ENC", "ID_MODEL", true);
    if (rc == 0 && mw_props_get(p, "ID_SERIAL_SHORT") != NULL)
        rc = take(&m->serial, p, NULL, "ID_SERIAL_SHORT", false);
    else if (rc == 0)
        rc = take(&m->serial, p, NULL, "ID_SERIAL", false);
    if (rc == 0)
        rc = take(&m->fs_type, p, NULL, "ID_FS_TYPE", false);
    if (rc == 0)
        rc = take(&m->fs_uuid, p, "ID_FS_UUID_ENC", "ID_FS_UUID", false);
    if (rc == 0)
        rc = take(&m->fs_label, p, "ID_FS_LABEL_ENC", "ID_FS_LABEL", false);
    if (rc < 0)
        mw_medium_clear(m);
    return rc;
}

void
mw_medium_clear(struct mw_medium *m)
{
    if (m == NULL)
        return;
    free(m->devname);
    free(m->vendor);
    free(m->model);
    free(m->serial);
    free(m->fs_type);
    free(m->fs_uuid);
    free(m->fs_label);
    free(m->mount_options);
    free(m->folder);
    memset(m, 0, sizeof *m);
}
