/* progress.c: the progress line on stderr (see progress.h). */
#include "cli/progress.h"
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FIRST_AFTER 0.5  /* seconds of work before the first line: short runs show none */
#define TTY_EVERY   0.2  /* redraws on a terminal */
#define PIPE_EVERY  5.0  /* plain lines when asked for on a pipe */

static enum cli_progress_mode mode;
static bool                   on_screen; /* a line is drawn and not erased */

void
cli_progress_mode(enum cli_progress_mode m)
{
    mode = m;
}

static double
now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static bool
terminal(void)
{
    return isatty(STDERR_FILENO) == 1;
}

void
cli_progress_start(struct cli_progress *p, const char *what, const char *unit, uint64_t total)
{
    memset(p, 0, sizeof *p);
    p->on = mode == CLI_PROGRESS_ON || (mode == CLI_PROGRESS_AUTO && terminal());
    p->what = what;
    p->unit = unit;
    p->total = total;
    p->start = now();
    p->last = p->start + FIRST_AFTER - (terminal() ? TTY_EVERY : PIPE_EVERY);
}

void
cli_progress_total(struct cli_progress *p, uint64_t total)
{
    p->total = total;
}

/* "about 3 min left" */
static void
time_left(char *out, size_t size, double seconds)
{
    long s = (long) (seconds + 0.5);

    if (s < 60)
        snprintf(out, size, ", about %ld s left", s < 1 ? 1 : s);
    else if (s < 3600)
        snprintf(out, size, ", about %ld min left", (s + 30) / 60);
    else
        snprintf(out, size, ", about %ld h %ld min left", s / 3600, (s % 3600 + 30) / 60);
}

static void
draw(struct cli_progress *p, const char *extra, bool tty)
{
    char           line[512], left[64] = "";
    double         elapsed = now() - p->start;
    double         rate = elapsed > 0 ? (double) p->done / elapsed : 0;
    struct winsize ws;
    size_t         width = sizeof line - 1;
    int            n;

    if (p->total && rate > 0 && p->done < p->total)
        time_left(left, sizeof left, (double) (p->total - p->done) / rate);
    if (p->total)
        n = snprintf(line, sizeof line, "%s: %llu of %llu %s%s%s, %.0f %s/s%s", p->what,
                     (unsigned long long) p->done, (unsigned long long) p->total, p->unit,
                     extra ? ", " : "", extra ? extra : "", rate, p->unit, left);
    else
        n = snprintf(line, sizeof line, "%s: %llu %s%s%s, %.0f %s/s", p->what,
                     (unsigned long long) p->done, p->unit, extra ? ", " : "", extra ? extra : "",
                     rate, p->unit);
    if (n < 0)
        return;
    if (tty) {
        /* never wider than the terminal: a wrapped line cannot be redrawn in place */
        if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && ws.ws_col - 1u < width)
            width = ws.ws_col - 1u;
        if (strlen(line) > width)
            line[width] = '\0';
        fprintf(stderr, "\r\033[K%s", line);
        on_screen = true;
    } else {
        fprintf(stderr, "%s\n", line);
    }
    fflush(stderr);
}

bool
cli_progress_due(struct cli_progress *p, uint64_t done)
{
    double t;

    p->done = done;
    if (!p->on)
        return false;
    t = now();
    if (t - p->last < (terminal() ? TTY_EVERY : PIPE_EVERY))
        return false;
    p->last = t;
    return true;
}

void
cli_progress_show(struct cli_progress *p, const char *extra)
{
    if (p->on)
        draw(p, extra, terminal());
}

void
cli_progress_update(struct cli_progress *p, uint64_t done, const char *extra)
{
    if (cli_progress_due(p, done))
        cli_progress_show(p, extra);
}

void
cli_progress_clear(void)
{
    if (!on_screen)
        return;
    fputs("\r\033[K", stderr);
    fflush(stderr);
    on_screen = false;
}

void
cli_progress_finish(struct cli_progress *p)
{
    cli_progress_clear();
    p->on = false;
}

int
cli_progress_option(struct cli *cli, void *ctx, int key, const char *value)
{
    (void) cli, (void) ctx, (void) value;
    if (key == OPT_QUIET)
        cli_progress_mode(CLI_PROGRESS_OFF);
    else if (key == OPT_PROGRESS)
        cli_progress_mode(CLI_PROGRESS_ON);
    return 0;
}
