/*
 * text.h: untrusted text made safe to print and to store in JSON.
 *
 * One escaping for everything that came from outside (file names, labels,
 * certificate fields, udev properties, manifest strings): whatever could
 * move the cursor, forge a line or reorder what a reader sees is written as
 * \n, \t, \\ or \xNN (one per byte). That is the C0 controls and DEL, the
 * C1 controls (U+0080..U+009F), the bidirectional controls (U+061C, U+200E,
 * U+200F, U+202A..U+202E, U+2066..U+2069), the line and paragraph
 * separators (U+2028, U+2029), and every byte that is not valid UTF-8.
 */
#ifndef OKRA_TEXT_H
#define OKRA_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A malloc'd copy of s (n bytes), escaped as above. The result is valid
 * UTF-8 with no control character and no bidirectional control.
 */
char *text_escape(const char *s, size_t n);

/*
 * The same for text that was escaped once already (a manifest's
 * source.path): a backslash stays a backslash, so a name is shown escaped
 * once; anything unsafe is still escaped.
 */
char *text_escape_again(const char *s, size_t n);

/* Length of a valid UTF-8 sequence at s (at most n bytes), or 0. */
size_t text_utf8_len(const unsigned char *s, size_t n);

/* Whether code point c must not reach a terminal as it is (see above). */
bool text_unsafe_cp(uint32_t c);

#endif
