/*
 * ingest_report.h: how import, scan and mediawatch report each file.
 *
 * A file's line says "sealed" only once its bundle is committed: the lines
 * are held (in an unnamed file in the vault's tmp/, so a medium of 100,000
 * files costs no memory) and printed, in order, after the commit. A line for
 * a file that cannot be sealed goes to stderr at once. A run that commits
 * nothing prints no "sealed" line; with --json, such files are "would-seal",
 * never "sealed". import and scan stop on SIGINT, SIGTERM or SIGHUP with one
 * line, "interrupted: nothing was sealed", and the vault as it was.
 */
#ifndef OKRA_INGEST_REPORT_H
#define OKRA_INGEST_REPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

#include "cli/cli.h"
#include "cli/progress.h"
#include "vault/ingest.h"

struct cli_ingest_report {
    struct cli         *cli;
    json_t             *files;    /* --json: one object per file */
    FILE               *spool;    /* the held lines */
    struct cli_progress progress;
    uint64_t            n_files, n_staged, n_skipped, n_already, n_failed;
    uint64_t            n_asked;     /* passwords asked so far */
    uint64_t            n_protected; /* files that will ask one (0: not known) */
    bool                same_password;
    char               *shared;      /* secret: --same-password's one answer */
    char               *shared_file; /* the file it was asked at */
    bool                gave_shared; /* the last answer given was it, not asked */
    bool                own_signals; /* import, scan: Ctrl-C stops the run cleanly */
    struct sigaction    old_int, old_term, old_hup;
    void (*also)(void *ctx, enum ingest_line what, const char *path, const char *detail);
    void               *also_ctx;
};

/*
 * Fills the callbacks of o with the report's. v: the vault being written (its
 * tmp/ holds the spool). Unless o->abort is set already (mediawatch), SIGINT,
 * SIGTERM and SIGHUP stop the run until cli_ingest_report_finish.
 */
void cli_ingest_report_init(struct cli_ingest_report *rep, struct cli *cli, struct vault *v,
                        struct ingest_opts *o, const char *what);
/* The held lines (when committed) and the closing line (or JSON); the exit status.
   rc is what ingest_* returned. */
int cli_ingest_report_finish(struct cli_ingest_report *rep, int rc, const struct ingest_result *r,
                         bool import);
/*
 * Counts ahead the files whose password will be asked, for the "3 of 20" in
 * each prompt: only when a person answers at a terminal (with a passphrase
 * file the prompts are not shown). A count that cannot be made is left out.
 */
void cli_ingest_report_count_files(struct cli_ingest_report *rep, const struct ingest_opts *o,
                               char *const *paths, size_t n);
void cli_ingest_report_count_tree(struct cli_ingest_report *rep, const struct ingest_opts *o, int root_fd);
/* Drops what is held without a word (mediawatch: a medium pulled out). */
void cli_ingest_report_discard(struct cli_ingest_report *rep);
/* After finish: the signal that interrupted the run (then re-raise it), or 0. */
int cli_ingest_report_interrupted(void);

const char *cli_ingest_line_word(enum ingest_line what);

#endif
