/* report.c: every line okra prints about a failure goes through here. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "common/err.h"
#include "common/text.h"

#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char *
cli_safe_dup(const char *s)
{
    return text_escape(s, strlen(s));
}

void
cli_put_safe(FILE *f, const char *s)
{
    char *c = cli_safe_dup(s);

    fputs(c ? c : "?", f);
    free(c);
}

void
cli_put_escaped(FILE *f, const char *s)
{
    char *c = text_escape_again(s, strlen(s));

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
    cli_progress_clear();
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
cli_error_raw_path(const char *escaped_path, const char *why)
{
    char *safe = cli_safe_dup(why);

    cli_progress_clear();
    fflush(stdout);
    fprintf(stderr, "okra: %s: %s\n", escaped_path, safe ? safe : why);
    free(safe);
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

bool
cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

void
cli_die_of_signal(int sig)
{
    fflush(stdout);
    signal(sig, SIG_DFL);
    raise(sig);
    _exit(128 + sig);
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

void
cli_row(const char *label, const char *value)
{
    if (value == NULL || !*value)
        return;
    printf("%-16s", label);
    cli_put_safe(stdout, value);
    putchar('\n');
}
