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

char *
text_escape(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *) s;
    char                *out = malloc(n * 4 + 1);
    size_t               i = 0, o = 0;

    if (out == NULL)
        return NULL;
    while (i < n) {
        size_t l = text_utf8_len(p + i, n - i);

        if (l > 1) {
            memcpy(out + o, p + i, l);
            o += l;
            i += l;
        } else if (l == 1 && p[i] >= 0x20 && p[i] != 0x7f && p[i] != '\\') {
            out[o++] = (char) p[i++];
        } else if (p[i] == '\n' || p[i] == '\t' || p[i] == '\\') {
            out[o++] = '\\';
            out[o++] = p[i] == '\n' ? 'n' : p[i] == '\t' ? 't' : '\\';
            i++;
        } else {
            snprintf(out + o, 5, "\\x%02x", p[i++]);
            o += 4;
        }
    }
    out[o] = '\0';
    return out;
}
