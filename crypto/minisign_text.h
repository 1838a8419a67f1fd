/*
 * minisign_text.h: the line and base64 framing that minisign.c (keys) and
 * minisign_sig.c (signatures) share. Private to those two files.
 *
 * Reading is strict about everything stock minisign writes and tolerant of
 * the one thing stock minisign also tolerates: a line may end in "\r\n" (its
 * trim() drops the '\r'), so a file that went through a Windows editor still
 * reads the same as with `minisign -V`. A '\r' anywhere else, a NUL, a blank
 * line or bytes after the last line are refused. The last line may lack its
 * '\n'.
 *
 * All inputs are public except where a function says otherwise.
 */
#ifndef OKRA_MINISIGN_TEXT_H
#define OKRA_MINISIGN_TEXT_H

#include <sodium.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MINI_UNTRUSTED_PREFIX "untrusted comment: "
#define MINI_TRUSTED_PREFIX "trusted comment: "

/*
 * Stock minisign reads a comment line with fgets() into 1024 bytes, so a line
 * longer than 1022 bytes plus '\n' breaks it. okra reads comments of up to
 * MINI_COMMENT_MAX bytes but writes untrusted comments only as long as stock
 * minisign can read back.
 */
#define MINI_WRITE_UNTRUSTED_MAX (1024 - sizeof MINI_UNTRUSTED_PREFIX - 1)

/* Characters of base64 (original alphabet, padded) for n bytes, without a NUL. */
#define MINI_B64_LEN(n) (sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL) - 1)

/* A cursor over a file's text; kind names the file in error reasons. */
struct mini_text {
    const char *p;
    size_t      left;
    const char *kind;
};

/* Reads the "untrusted comment: " line, whose text is not kept. */
int mini_read_untrusted(struct mini_text *t);

/* Reads a base64 line of exactly n bytes into bin (which may be secure memory). */
int mini_read_b64(struct mini_text *t, const char *what, uint8_t *bin, size_t n);

/* Reads the "trusted comment: " line; *ret points into the text. */
int mini_read_trusted(struct mini_text *t, const char **ret, size_t *ret_len);

/* Fails unless the cursor is at the end of the text. */
int mini_text_end(const struct mini_text *t);

/* True when s is UTF-8 without control characters (tab allowed), as stock minisign requires. */
bool mini_printable(const char *s, size_t len);

/* Check comments before they are written; 0 or -EINVAL with a reason. */
int mini_check_untrusted(const char *comment);
int mini_check_trusted(const char *comment);

/* Writes "PREFIXcomment\n" or "base64\n" at out; return the bytes written (no NUL). */
size_t mini_put_comment(char *out, const char *prefix, const char *comment);
size_t mini_put_b64(char *out, const uint8_t *bin, size_t n);

/* "untrusted comment: ...\n" base64(bin) "\n": a key file; in secure memory when secure. */
char *mini_key_text(const char *comment, const uint8_t *bin, size_t n, bool secure);

#endif
