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

struct cmd;

struct cli {
    const char       *vault_dir;       /* --vault, $OKRA_VAULT, else /var/lib/okra */
    const char       *passphrase_file; /* --passphrase-file */
    bool              json;            /* --json */
    const char       *command;         /* "import", "ceremony recover", ... for messages */
    const struct cmd *cmd;             /* its row in the table (commands.c) */
    struct prompter  *prompter;        /* opened on first prompt */
};

typedef int (*cmd_fn)(struct cli *cli, int argc, char **argv);

/*
 * One option of a command. commands.c holds every command's row and its
 * options: the only place a command's options, their value forms and their
 * help live. --help, the synopsis, usage errors and the parser are made
 * from it; okra(1) and dist/okra.bash-completion are checked against it
 * (tests/cli/t01-usage.t).
 */
struct cli_option {
    const char *name;  /* "share-dir", without the dashes */
    int         key;   /* enum cli_key: what the command's option function receives */
    const char *value; /* the value's form, "DIR", "kms|epf"; NULL: a flag, which takes none */
    unsigned    flags; /* OPT_REQUIRED, OPT_REPEAT: how the synopsis shows it */
    const char *help;  /* what it does; '\n' starts a continuation line */
};

#define OPT_REQUIRED 0x1u /* the command needs it (shown without brackets) */
#define OPT_REPEAT   0x2u /* may be given more than once */

/* Every option's key, one per option name (commands share the keys of like-named options). */
enum cli_key {
    OPT_ALLOW_SIGNING_KEYS = 0x100,
    OPT_AS,
    OPT_BUNDLE,
    OPT_CHECKPOINT,
    OPT_CUSTODIANS,
    OPT_DEVICE,
    OPT_EXPIRES_BEFORE,
    OPT_FOREIGN,
    OPT_FORMAT,
    OPT_HOME_ISSUER,
    OPT_IMAGE,
    OPT_INSPECT,
    OPT_ISSUER,
    OPT_KEY,
    OPT_LEGACY,
    OPT_LIMIT,
    OPT_MATCH,
    OPT_MAX_SIZE,
    OPT_MEDIUM,
    OPT_MEDIUM_SERIAL,
    OPT_MEDIUM_UUID,
    OPT_NAME,
    OPT_OFFSET,
    OPT_ONCE,
    OPT_OPERATOR,
    OPT_OUT,
    OPT_PAPER,
    OPT_PATH,
    OPT_PDF,
    OPT_PROGRESS,
    OPT_QR,
    OPT_QUIET,
    OPT_REPASSWORD,
    OPT_SAME_PASSWORD,
    OPT_SHARE,
    OPT_SHARE_DIR,
    OPT_SHOW_MNEMONIC,
    OPT_SUBJECT,
    OPT_THRESHOLD,
    OPT_WATCH,
    OPT_WORK_FACTOR,
    /* the global options (main.c takes them wherever they stand) */
    OPT_VAULT,
    OPT_JSON,
    OPT_PASSPHRASE_FILE,
    OPT_HELP,
    OPT_VERSION,
};

struct cmd {
    const char              *name;     /* "import"; "ceremony init" for a subcommand */
    cmd_fn                   fn;       /* NULL for a command with subcommands */
    unsigned                 flags;    /* CMD_* */
    const char              *operands; /* the synopsis after the options, "FILE..."; NULL: none */
    const char              *summary;  /* one line for 'okra --help' */
    const char              *help;     /* what --help prints below the synopsis */
    const struct cli_option *options;  /* ends with a NULL name; NULL: none */
    const struct cmd        *subcommands; /* CMD_SUBCOMMANDS: ends with a NULL name */
};

/* Command flags: what main() prepares before the command runs. */
#define CMD_SECRETS     0x1u /* holds secrets: core dumps off, not dumpable, memory locked */
#define CMD_SUBCOMMANDS 0x2u /* a second level of commands (ceremony): argv[1] names one */
#define CMD_LITTER      0x4u /* removes what it listed (cli_litter_add) when a signal ends it */

/* commands.c: the table. */
extern const struct cmd         cli_commands[];     /* ends with a NULL name */
extern const struct cli_option  cli_global_options[];

/*
 * usage.c: the command line as the table describes it.
 *
 * The return convention of the face's helpers: a function that can fail
 * returns 0, or, after printing why, the exit status the command ends with
 * (EXIT_FAIL, EXIT_USAGE); one that returns a pointer returns NULL after
 * printing why. Only cmd_*() return an exit status on success too (EXIT_OK).
 */

/* What a command does with one of its options; 0, or an exit status after printing why. */
typedef int (*cli_option_fn)(struct cli *cli, void *ctx, int key, const char *value);

/*
 * Parses argv[1..argc) against cli->cmd's options with getopt_long (options
 * and operands in any order, "--" ends the options, a unique prefix of an
 * option names it), calling fn for each. Returns 0 with *ret_first the index
 * of the first operand (argv is permuted so that they come last), or
 * EXIT_USAGE after a usage error that names the option and the form it
 * takes, with the nearest option when there is one.
 */
int cli_parse_options(struct cli *cli, int argc, char **argv, cli_option_fn fn, void *ctx,
                      int *ret_first);

/* cli_parse_options for a command without options: any option is a usage error. */
int cli_parse_no_options(struct cli *cli, int argc, char **argv, int *ret_first);

/* "okra: CMD: WHY", the synopsis and where help is; returns EXIT_USAGE. */
int cli_usage(struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A value an option cannot take: "--limit takes a whole number, 1 or more, not 'x'"; EXIT_USAGE. */
int cli_bad_value(struct cli *cli, int key, const char *value, const char *what);
/* The table row of an option of cli->cmd (or a global one), or NULL. */
const struct cli_option *cli_option_of(const struct cmd *c, int key);

/* --help of one command (its synopsis, what it does, its options) on stdout. */
void cli_help(const struct cmd *c);
/* 'okra --help': every command and the global options. */
void cli_general_help(FILE *f);
/* The row of name among cmds (a table ending with a NULL name), or NULL. */
const struct cmd *cli_find_command(const struct cmd *cmds, const char *name);
/* "'frob' is not an okra command; did you mean 'list'?" (parent NULL at the top); EXIT_USAGE. */
int cli_unknown_command(const struct cmd *parent, const char *name);

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
/* Flushes stdout, then dies of sig as if it had not been caught (Ctrl-C: the shell sees it). */
_Noreturn void cli_die_of_signal(int sig);
/* Checks stdout was written completely (a full disk is a failure). */
int cli_finish_stdout(int status);

/* Whether an option word is "-h" or "--help". */
bool cli_is_help(const char *arg);

/*
 * litter.c: files to remove if a signal ends the command before it is done
 * (staged recovered files, new share files not yet recorded), for commands
 * whose row has CMD_LITTER; cleared once they are published or removed.
 */
void cli_litter_catch_signals(void);
void cli_litter_add(int dirfd, const char *name);
void cli_litter_add_dir(int dirfd, const char *name); /* removed after what was added later */
void cli_litter_clear(void);

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

/*
 * confirm.c: a yes-or-no question at the terminal (echo on; nothing
 * secret). 0 for "yes" or "y"; otherwise EXIT_FAIL after saying so (also
 * when there is no terminal).
 */
int cli_confirm(struct cli *cli, const char *question);

/* The login name for manifests: --operator, else SUDO_USER, else the user. */
const char *cli_operator(const char *given);

/* commands: one file each (cmd_NAME.c), a row each in commands.c */
int cmd_ceremony_init(struct cli *cli, int argc, char **argv);
int cmd_ceremony_recover(struct cli *cli, int argc, char **argv);
int cmd_ceremony_check_share(struct cli *cli, int argc, char **argv);
int cmd_ceremony_reshare(struct cli *cli, int argc, char **argv);
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
int cmd_help(struct cli *cli, int argc, char **argv);
int cmd_version(struct cli *cli, int argc, char **argv);

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
