/* ingest_report.h: how import, scan and mediawatch report each file, and run an ingest. */
#ifndef OKRA_INGEST_REPORT_H
#define OKRA_INGEST_REPORT_H

#include <stdbool.h>

#include "cli/cli.h"
#include "vault/ingest.h"

struct ingest_report {
    struct cli *cli;
    json_t     *files;     /* --json: one object per file */
    bool        progress;  /* a progress line on stderr (a terminal, stdout redirected) */
    bool        quiet_ok;  /* print only problems (mediawatch logs elsewhere) */
    bool        hold;      /* import: the lines of what went well wait for the commit */
    FILE       *held;
    char       *held_text;
    size_t      held_len;
    void (*also)(void *ctx, enum ingest_line what, const char *path, const char *detail);
    void       *also_ctx;
};

/* Fills the callbacks of o with the report's. */
void ingest_report_init(struct ingest_report *rep, struct cli *cli, struct ingest_opts *o);
/* The closing line (or JSON), and the exit status. rc is what ingest_* returned. */
int ingest_report_finish(struct ingest_report *rep, int rc, const struct ingest_result *r,
                         bool import);

const char *ingest_line_word(enum ingest_line what);

#endif
