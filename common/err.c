#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_error[512];

int
okra_fail(int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    return code;
}

int
okra_fail_errno(int errno_value, const char *fmt, ...)
{
    va_list ap;
    size_t  n;

    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    n = strlen(last_error);
    snprintf(last_error + n, sizeof last_error - n, ": %s", strerror(errno_value));
    return -errno_value;
}

int
okra_fail_prefix(int code, const char *fmt, ...)
{
    char    reason[sizeof last_error];
    va_list ap;
    size_t  n;

    memcpy(reason, last_error, sizeof reason);
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
    n = strlen(last_error);
    snprintf(last_error + n, sizeof last_error - n, "%s", reason);
    return code;
}

int
okra_fail_write(int errno_value, const char *fmt, ...)
{
    char    what[256];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (errno_value == ENOSPC || errno_value == EDQUOT)
        return okra_fail(-ENOSPC, "the disk is full (writing %s); free some space and run the "
                                  "command again", what);
    return okra_fail(-errno_value, "cannot write %s: %s", what, strerror(errno_value));
}

const char *
okra_errmsg(void)
{
    return last_error;
}

void
okra_clear_error(void)
{
    last_error[0] = '\0';
}
