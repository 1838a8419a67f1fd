/*
 * cli.h: the command line. Only this folder prints or exits.
 *
 * Each command is a function in its own cmd_*.c file, listed in main.c's
 * table. It returns the exit status okra(1) fixes: 0 success, 1 the
 * operation or a verification failed, 2 usage error.
 */
#ifndef OKRA_CLI_H
#define OKRA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2 };

struct cli {
    const char *vault_dir;       /* --vault, $OKRA_VAULT, else /var/lib/okra */
    const char *passphrase_file; /* --passphrase-file */
    bool        json;            /* --json */
    const char *command;         /* "import", "ceremony recover", ... for messages */
    struct prompter *prompter;   /* opened on first prompt */
};

typedef int (*cmd_fn)(struct cli *cli, int argc, char **argv);

struct cmd {
    const char *name;
    cmd_fn      fn;
    unsigned    flags;
    const char *synopsis; /* one line after "usage: okra " */
    const char *help;     /* what --help prints below the synopsis */
};

/* Command flags: what main() prepares before the command runs. */
#define CMD_SECRETS 0x1u /* holds secrets: core dumps off, not dumpable, memory locked */

/* report.c */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_error_from(const char *what); /* "okra: WHAT: <okra_errmsg()>" */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "okra: PATH: WHY" where PATH is escaped already (ingest paths): not escaped twice. */
void cli_error_raw_path(const char *escaped_path, const char *why);
/*
 * Prints s with control characters, bidirectional controls and invalid
 * UTF-8 escaped (\n, \xe2\x80\xae, \xff): common/text.h's one escaping.
 */
void cli_put_safe(FILE *f, const char *s);
/* The same for text escaped once already (a manifest's source.path): backslashes kept. */
void cli_put_escaped(FILE *f, const char *s);
/* "label           value" on stdout (value escaped); nothing when value is empty. */
void cli_row(const char *label, const char *value);
/* The same, into a malloc'd string. */
char *cli_safe_dup(const char *s);
int  cli_usage(const struct cmd *c, const char *why); /* prints, returns EXIT_USAGE */
void cli_help(const struct cmd *c);
/* Flushes stdout, then dies of sig as if it had not been caught (Ctrl-C: the shell sees it). */
_Noreturn void cli_die_of_signal(int sig);
/* Checks stdout was written completely (a full disk is a failure). */
int cli_finish_stdout(int status);

/* Whether an option word is "-h" or "--help". */
bool cli_is_help(const char *arg);

/* hardening.c: core dumps off, not dumpable, memory locked where allowed. */
void cli_harden_process(void);

/* prompt.c: secrets from the terminal (echo off) or --passphrase-file. */
bool  cli_interactive(struct cli *cli); /* a terminal will be asked, not a file */
/*
 * Asks for one secret. With confirm and a terminal, asks twice until both
 * agree (three tries). Returns sodium_malloc'd NUL-terminated memory, or
 * NULL after printing why (no terminal, end of the passphrase file).
 */
char *cli_ask_secret(struct cli *cli, const char *question, bool confirm);
void  cli_prompter_close(struct cli *cli);
/*
 * Gives the terminal its echo back (input typed meanwhile discarded); echo
 * stays off between prompts. Async-signal-safe; a no-op when nothing was asked.
 */
void  cli_tty_restore(void);

/* The login name for manifests: --operator, else SUDO_USER, else the user. */
const char *cli_operator(const char *given);

/* commands */
int cmd_ceremony(struct cli *cli, int argc, char **argv);
int cmd_import(struct cli *cli, int argc, char **argv);
int cmd_scan(struct cli *cli, int argc, char **argv);
int cmd_mediawatch(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_show(struct cli *cli, int argc, char **argv);
int cmd_inspect(struct cli *cli, int argc, char **argv);
int cmd_log(struct cli *cli, int argc, char **argv);
int cmd_reindex(struct cli *cli, int argc, char **argv);
int cmd_verify(struct cli *cli, int argc, char **argv);
int cmd_checkpoint(struct cli *cli, int argc, char **argv);
int cmd_record(struct cli *cli, int argc, char **argv);

/*
 * cmd_record.c: the record of bundle seq as a PDF at path (paper "a4",
 * "letter" or NULL), after the bundle verified; a line on stderr says where.
 * Returns an exit status (printed why on failure). The ceremonies' --pdf.
 */
struct vault;
int cli_record_pdf(struct cli *cli, struct vault *v, uint64_t seq, const char *path,
                   const char *paper);
/* Before a ceremony: --pdf's folder exists and is not the vault's; EXIT_OK or prints why. */
int cli_record_pdf_check(struct cli *cli, const char *path, const char *paper);
/* After a ceremony committed bundle seq: its record as a PDF when pdf is set (a ceremony's --pdf). */
int cli_ceremony_pdf(struct cli *cli, struct vault *v, uint64_t seq, const char *pdf,
                     const char *paper);

#endif
