/*
 * progress.h: one progress line on stderr for long work (scan, import,
 * verify, reindex, index catch-up, bulk recovery).
 *
 * On a terminal the line is redrawn in place ("\r", erase line), at most a
 * few times a second, cut to the terminal's width, and erased before any
 * other line is printed (report.c calls cli_progress_clear()). On a pipe or
 * a file it is off, unless asked for (--progress): then it is a plain line
 * every few seconds. --quiet turns it off everywhere. One line at a time per
 * process; nothing here is secret.
 *
 *   struct cli_progress p;
 *   cli_progress_start(&p, "scan", "files", 0);    total 0: unknown
 *   cli_progress_update(&p, done, "12 sealed, 3 skipped");
 *   cli_progress_finish(&p);
 */
#ifndef OKRA_CLI_PROGRESS_H
#define OKRA_CLI_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

enum cli_progress_mode {
    CLI_PROGRESS_AUTO = 0, /* on when stderr is a terminal */
    CLI_PROGRESS_ON,       /* --progress: also on a pipe or a file */
    CLI_PROGRESS_OFF,      /* --quiet */
};

/* The run's choice, from the command's options; AUTO unless set. */
void cli_progress_mode(enum cli_progress_mode mode);

struct cli_progress {
    bool        on;
    const char *what;  /* "scan", "verify": the line starts with it */
    const char *unit;  /* "files", "bundles" */
    uint64_t    total; /* 0: unknown, so no share done and no time left */
    uint64_t    done;
    double      start, last; /* CLOCK_MONOTONIC seconds */
};

void cli_progress_start(struct cli_progress *p, const char *what, const char *unit, uint64_t total);
/* Sets the total once it is known (0: unknown). */
void cli_progress_total(struct cli_progress *p, uint64_t total);
/*
 * done units so far, and what to say beside them (may be NULL): drawn when
 * enough time has passed since the last line, else only counted. Cheap
 * enough to call per file.
 */
void cli_progress_update(struct cli_progress *p, uint64_t done, const char *extra);
/* The same in two steps, for a caller whose extra costs something to write:
   records done and says whether a line is due now; then draws it. */
bool cli_progress_due(struct cli_progress *p, uint64_t done);
void cli_progress_show(struct cli_progress *p, const char *extra);
/* Erases the line (if shown) for good. */
void cli_progress_finish(struct cli_progress *p);

/* Erases the line on the screen, if one is shown, so that another can be printed. */
void cli_progress_clear(void);

/*
 * --quiet and --progress, for the option function of a command that has
 * them (a cli_option_fn: 0; other keys are left alone).
 */
struct cli;
int cli_progress_option(struct cli *cli, void *ctx, int key, const char *value);

#endif
