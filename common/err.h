/*
 * err.h: how modules report failure to the command line.
 *
 * Only cli/ prints or exits. A module returns 0 on success or a negative
 * errno-style code, and leaves a one-line, human reason in a thread-local
 * buffer (so worker threads do not clobber each other). The reason names
 * what went wrong and, where there is one, what to do; cli/ prefixes the
 * file or item it was working on.
 *
 * Codes in use:
 *   -EINVAL   malformed or unrecognised input
 *   -EBADMSG  an authentication failed (wrong password, bad MAC or signature)
 *   -ENOENT   a file or item does not exist
 *   -EEXIST   refusing to overwrite
 *   -EAGAIN   the vault is locked by another writer
 *   -ENOSPC, -EIO, -ENOMEM  as the system says
 */
#ifndef OKRA_ERR_H
#define OKRA_ERR_H

#include <errno.h>

/*
 * On every function whose result decides what is trusted: each verify, open,
 * decrypt and combine. Ignoring its result is a compile error (-Werror), so
 * a caller cannot act on what did not verify or decrypt.
 */
#define OKRA_MUST_CHECK __attribute__((warn_unused_result))

/* Sets the reason and returns code (which should be negative). */
int okra_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Like okra_fail, appending ": strerror(errno_value)". */
int okra_fail_errno(int errno_value, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Puts a prefix before the reason already set ("%s/station.key: " + reason);
 * returns code. Safe where fmt's arguments would include okra_errmsg().
 */
int okra_fail_prefix(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * For a failed write: "the disk is full (writing WHAT); free some space and
 * run the command again" for ENOSPC and EDQUOT, else like okra_fail_errno.
 */
int okra_fail_write(int errno_value, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The reason left by the last okra_fail in this thread ("" when none). */
const char *okra_errmsg(void);

void okra_clear_error(void);

#endif
