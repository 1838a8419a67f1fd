/* text.h: untrusted names made safe to print and to store in JSON. */
#ifndef OKRA_TEXT_H
#define OKRA_TEXT_H

#include <stddef.h>

/*
 * A malloc'd copy of s (n bytes) where control characters, backslashes and
 * bytes that are not valid UTF-8 are written as \n, \t, \\ or \xNN. The
 * result is valid UTF-8 with no control character.
 */
char *text_escape(const char *s, size_t n);

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
size_t text_utf8_len(const unsigned char *s, size_t n);

#endif
