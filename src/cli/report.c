/* report.c: every line okra prints about a failure goes through here. */
#include "cli/cli.h"
#include "common/err.h"

#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Length of a valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
    size_t n, i;

    if (s[0] < 0x80)
        return 1;
    if ((s[0] & 0xe0) == 0xc0 && s[0] >= 0xc2)
        n = 2;
    else if ((s[0] & 0xf0) == 0xe0)
        n = 3;
    else if ((s[0] & 0xf8) == 0xf0 && s[0] <= 0xf4)
        n = 4;
    else
        return 0;
    for (i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    return n;
}

char *
cli_safe_dup(const char *s)
{
    size_t               cap = strlen(s) * 4 + 1, o = 0;
    char                *out = malloc(cap);
    const unsigned char *p = (const unsigned char *) s;

    if (out == NULL)
        return NULL;
    while (*p) {
        size_t n = utf8_len(p);

        if (n == 1 && *p >= 0x20 && *p != 0x7f) {
            out[o++] = (char) *p++;
        } else if (n > 1) {
            memcpy(out + o, p, n);
            o += n;
            p += n;
        } else if (*p == '\n') {
            memcpy(out + o, "\\n", 2), o += 2, p++;
        } else if (*p == '\t') {
            memcpy(out + o, "\\t", 2), o += 2, p++;
        } else {
            snprintf(out + o, 5, "\\x%02x", *p++);
            o += 4;
        }
    }
    out[o] = '\0';
    return out;
}

void
cli_put_safe(FILE *f, const char *s)
{
    char *c = cli_safe_dup(s);

    fputs(c ? c : "?", f);
    free(c);
}

static void
vreport(const char *prefix, const char *fmt, va_list ap)
{
    char  line[2048];
    char *safe;

    vsnprintf(line, sizeof line, fmt, ap);
    safe = cli_safe_dup(line);
    fflush(stdout);
    fprintf(stderr, "okra: %s%s\n", prefix, safe ? safe : line);
    free(safe);
}

void
cli_error(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("", fmt, ap);
    va_end(ap);
}

void
cli_warn(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vreport("warning: ", fmt, ap);
    va_end(ap);
}

void
cli_error_from(const char *what)
{
    const char *why = okra_errmsg();

    if (what && *what)
        cli_error("%s: %s", what, *why ? why : "failed");
    else
        cli_error("%s", *why ? why : "failed");
}

void
cli_help(const struct cmd *c)
{
    printf("usage: okra %s\n", c->synopsis);
    if (c->help)
        printf("\n%s", c->help);
}

int
cli_usage(const struct cmd *c, const char *why)
{
    if (why)
        cli_error("%s: %s", c->name, why);
    fprintf(stderr, "usage: okra %s\n(see 'okra %s --help')\n", c->synopsis, c->name);
    return EXIT_USAGE;
}

bool
cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int
cli_finish_stdout(int status)
{
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "okra: cannot write the output: %s\n", strerror(errno));
        return status == EXIT_OK ? EXIT_FAIL : status;
    }
    return status;
}

const char *
cli_operator(const char *given)
{
    const char *s;

    if (given && *given)
        return given;
    if ((s = getenv("SUDO_USER")) && *s)
        return s;
    {
        struct passwd *pw = getpwuid(geteuid());

        if (pw && pw->pw_name && *pw->pw_name)
            return pw->pw_name;
    }
    return "unknown";
}
