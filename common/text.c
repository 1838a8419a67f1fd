/* text.c: the one escaping of outside text for terminals, logs and manifests. */
#include "common/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
text_utf8_len(const unsigned char *s, size_t n)
{
    size_t len, i;

    if (n == 0)
        return 0;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf)
        len = 2;
    else if (s[0] >= 0xe0 && s[0] <= 0xef)
        len = 3;
    else if (s[0] >= 0xf0 && s[0] <= 0xf4)
        len = 4;
    else
        return 0;
    if (len > n)
        return 0;
    for (i = 1; i < len; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    /* overlong three- and four-byte forms, surrogates, past U+10FFFF */
    if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
        (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
        return 0;
    return len;
}

bool
text_unsafe_cp(uint32_t c)
{
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e ||
           c == 0x200f || c == 0x2028 || c == 0x2029 || (c >= 0x202a && c <= 0x202e) ||
           (c >= 0x2066 && c <= 0x2069);
}

/* The code point of a valid sequence of len bytes (text_utf8_len said so). */
static uint32_t
code_point(const unsigned char *s, size_t len)
{
    static const unsigned char lead_mask[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
    uint32_t                   c = s[0] & lead_mask[len];
    size_t                     i;

    for (i = 1; i < len; i++)
        c = c << 6 | (s[i] & 0x3f);
    return c;
}

static char *
escape(const char *s, size_t n, bool keep_backslash)
{
    const unsigned char *p = (const unsigned char *) s;
    char                *out = malloc(n * 4 + 1);
    size_t               i = 0, o = 0;

    if (out == NULL)
        return NULL;
    while (i < n) {
        size_t l = text_utf8_len(p + i, n - i);

        if (l > 0 && !text_unsafe_cp(code_point(p + i, l)) && (p[i] != '\\' || keep_backslash)) {
            memcpy(out + o, p + i, l);
            o += l;
            i += l;
        } else if (p[i] == '\n' || p[i] == '\t' || p[i] == '\\') {
            out[o++] = '\\';
            out[o++] = p[i] == '\n' ? 'n' : p[i] == '\t' ? 't' : '\\';
            i++;
        } else {
            /* an unsafe character is escaped byte by byte, like invalid UTF-8 */
            size_t k, bytes = l ? l : 1;

            for (k = 0; k < bytes; k++) {
                snprintf(out + o, 5, "\\x%02x", p[i++]);
                o += 4;
            }
        }
    }
    out[o] = '\0';
    return out;
}

char *
text_escape(const char *s, size_t n)
{
    return escape(s, n, false);
}

char *
text_escape_again(const char *s, size_t n)
{
    return escape(s, n, true);
}
