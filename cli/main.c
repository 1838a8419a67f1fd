/*
 * main.c: the global options, then the command's row (commands.c), the
 * common work its flags ask for, and the command.
 */
#include "cli/cli.h"
#include "common/secmem.h"
#include "mediawatch/reader/reader.h"

#include <stdlib.h>
#include <string.h>

/* The Makefile names the commit; a build without it says so. */
#ifndef OKRA_COMMIT
#define OKRA_COMMIT "built without okra's Makefile: commit unknown"
#endif
#ifdef __clang__
#define OKRA_COMPILER "clang " __clang_version__
#else
#define OKRA_COMPILER "gcc " __VERSION__
#endif

int
cmd_help(struct cli *cli, int argc, char **argv)
{
    const struct cmd *c;

    (void) cli;
    if (argc < 2) {
        cli_general_help(stdout);
        return EXIT_OK;
    }
    if ((c = cli_find_command(cli_commands, argv[1])) == NULL)
        return cli_unknown_command(NULL, argv[1]);
    if (argc > 2 && c->subcommands) {
        const struct cmd *sub = cli_find_command(c->subcommands, argv[2]);

        if (sub == NULL)
            return cli_unknown_command(c, argv[2]);
        c = sub;
    }
    cli_help(c);
    return EXIT_OK;
}

int
cmd_version(struct cli *cli, int argc, char **argv)
{
    (void) cli, (void) argc, (void) argv;
    printf("okra %s (%s, %s)\n", OKRA_VERSION, OKRA_COMMIT, OKRA_COMPILER);
    return EXIT_OK;
}

/* The global option that word is ("--vault", "--vault=DIR"), or NULL. */
static const struct cli_option *
global_option(const char *word)
{
    const struct cli_option *o;

    if (strncmp(word, "--", 2) != 0)
        return NULL;
    for (o = cli_global_options; o->name; o++) {
        size_t n = strlen(o->name);

        if (o->key == OPT_HELP || o->key == OPT_VERSION)
            continue; /* main() and the commands' help take these */
        if (strncmp(word + 2, o->name, n) == 0 &&
            (word[2 + n] == '\0' || (word[2 + n] == '=' && o->value)))
            return o;
    }
    return NULL;
}

static int
set_global(struct cli *cli, const struct cli_option *o, const char *value)
{
    if (o->value && *value == '\0') {
        cli_error("--%s needs a non-empty value: --%s %s", o->name, o->name, o->value);
        return EXIT_USAGE;
    }
    switch (o->key) {
    case OPT_VAULT: cli->vault_dir = value; break;
    case OPT_PASSPHRASE_FILE: cli->passphrase_file = value; break;
    case OPT_JSON: cli->json = true; break;
    }
    return 0;
}

/*
 * Takes the global options out of argv wherever they stand (before or after
 * the command, never after "--"), so "okra list --json" and
 * "okra --json list" mean the same. Returns the new argc, or -1.
 */
static int
take_global_options(struct cli *cli, int argc, char **argv)
{
    int  i, o = 1;
    bool rest = false;

    for (i = 1; i < argc; i++) {
        const struct cli_option *g = rest ? NULL : global_option(argv[i]);
        const char              *eq;

        if (strcmp(argv[i], "--") == 0)
            rest = true;
        if (g == NULL) {
            argv[o++] = argv[i];
            continue;
        }
        if (g->value && (eq = strchr(argv[i], '=')) != NULL) {
            if (set_global(cli, g, eq + 1) != 0)
                return -1;
        } else if (g->value && i + 1 >= argc) {
            cli_error("--%s needs a value: --%s %s", g->name, g->name, g->value);
            return -1;
        } else if (set_global(cli, g, g->value ? argv[++i] : "") != 0) {
            return -1;
        }
    }
    argv[o] = NULL;
    return o;
}

/* Whether -h or --help stands among the command's words (before "--"). */
static bool
asks_help(int argc, char **argv)
{
    int i;

    for (i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (cli_is_help(argv[i]))
            return true;
    return false;
}

/* The row to run: argv[1]'s, or its subcommand's; *ret_skip words name it. EXIT_OK: help was printed. */
static int
find_row(int argc, char **argv, const struct cmd **ret, int *ret_skip)
{
    const struct cmd *c = cli_find_command(cli_commands, argv[1]), *sub;

    if (c == NULL)
        return cli_unknown_command(NULL, argv[1]);
    *ret_skip = 1;
    if (c->flags & CMD_SUBCOMMANDS) {
        if (argc < 3 || cli_is_help(argv[2])) {
            if (argc >= 3) {
                cli_help(c);
                return EXIT_OK;
            }
            cli_error("%s: name a subcommand (see 'okra %s --help')", c->name, c->name);
            return EXIT_USAGE;
        }
        if ((sub = cli_find_command(c->subcommands, argv[2])) == NULL)
            return cli_unknown_command(c, argv[2]);
        c = sub;
        *ret_skip = 2;
    }
    *ret = c;
    return -1;
}

int
main(int argc, char **argv)
{
    struct cli        cli = { 0 };
    const struct cmd *c = NULL;
    int               rc, skip = 1;

    /* okra run again as the sandboxed reader of a medium: nothing else happens first */
    if (argc > 1 && strcmp(argv[1], MW_READER_CHILD_ARG) == 0)
        return mw_reader_child_main(argc, argv);
    if ((argc = take_global_options(&cli, argc, argv)) < 0)
        return EXIT_USAGE;
    if (cli.vault_dir == NULL)
        cli.vault_dir = getenv("OKRA_VAULT");
    if (cli.vault_dir == NULL || *cli.vault_dir == '\0')
        cli.vault_dir = "/var/lib/okra";
    if (argc < 2) {
        cli_general_help(stderr);
        return EXIT_USAGE;
    }
    if (cli_is_help(argv[1]))
        return cli_finish_stdout(cmd_help(&cli, 1, argv));
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cli_finish_stdout(cmd_version(&cli, 1, argv));
    if ((rc = find_row(argc, argv, &c, &skip)) >= 0)
        return cli_finish_stdout(rc);
    argc -= skip - 1, argv += skip - 1; /* argv[1]: the command's own word */
    if (asks_help(argc - 1, argv + 1)) {
        cli_help(c);
        return cli_finish_stdout(EXIT_OK);
    }
    if (c->flags & CMD_SECRETS)
        cli_harden_process();
    if (c->flags & CMD_LITTER)
        cli_litter_catch_signals();
    if (okra_crypto_init() < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    cli.command = c->name;
    cli.cmd = c;
    rc = c->fn(&cli, argc - 1, argv + 1);
    cli_prompter_close(&cli);
    return cli_finish_stdout(rc);
}
