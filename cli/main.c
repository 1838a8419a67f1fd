/*
 * main.c: okra's command table (git style) and the global options.
 *
 * To add a command: write cmd_NAME() in its own cmd_NAME.c, declare it in
 * cli.h, and add a row below with its synopsis and help. main() does the
 * common work the row's flags ask for before the command runs.
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

static int cmd_help(struct cli *cli, int argc, char **argv);
static int cmd_version(struct cli *cli, int argc, char **argv);

static const struct cmd commands[] = {
    { "ceremony", cmd_ceremony, CMD_SECRETS,
      "ceremony init|recover|check-share|reshare [options]",
      "The custodians' ceremonies (see 'okra ceremony SUBCOMMAND --help'):\n"
      "  init         create the vault and split its recovery key among custodians\n"
      "  recover      a quorum of shares decrypts items into a folder\n"
      "  check-share  a custodian checks their share file and passphrase\n"
      "  reshare      a quorum issues a new share set; the old one is retired\n" },
    { "import", cmd_import, CMD_SECRETS,
      "import [--inspect [--same-password]] [--foreign] [--allow-signing-keys]\n"
      "            [--operator NAME] [--max-size BYTES] [--as kms|epf|opaque] [--quiet|--progress]\n"
      "            FILE...",
      "Seals the files into one new bundle, all or nothing: a missing, empty or\n"
      "unrecognised file (or, with --inspect, a wrong password) seals nothing.\n\n"
      "  --inspect        open each file (asks each password-protected file's export\n"
      "                   password, in order) and record its certificate; the key is\n"
      "                   sealed a second time as opened, so that recovery can\n"
      "                   re-export it without the old password; each prompt counts\n"
      "                   the files (\"3 of 20\")\n"
      "  --same-password  with --inspect: ask one password, and use it for every file\n"
      "                   (never by default; with --passphrase-file, one line for all);\n"
      "                   a file it does not open is named as with a wrong password\n"
      "  --foreign        accept keys whose certificate a CA outside the vault's\n"
      "                   home issuers issued\n"
      "  --allow-signing-keys\n"
      "                   seal keys whose certificate is for signing only (key usage\n"
      "                   without key or data encipherment or key agreement), which\n"
      "                   are refused unless the vault's policy allows them\n"
      "  --operator NAME  who brought the files (default: the login name)\n"
      "  --as kms|epf     declare the files Exchange KMS exports or Entrust/Outlook\n"
      "                   profiles: sealed as they are (no public specification exists\n"
      "                   to recognise or open them)\n"
      "  --as opaque      seal OpenSSH and OpenPGP secret keys, which okra names but\n"
      "                   does not inspect, as they are (refused without it)\n"
      "  --max-size BYTES refuse files larger than this (default 256M)\n"
      "  --quiet          no progress line (by default one is shown on stderr when it is\n"
      "                   a terminal)\n"
      "  --progress       the progress line even when stderr is not a terminal\n\n"
      "Each file's line is printed once the bundle is committed; Ctrl-C before that\n"
      "seals nothing.\n" },
    { "scan", cmd_scan, CMD_SECRETS,
      "scan [--inspect [--same-password]] [--foreign] [--allow-signing-keys]\n"
      "            [--operator NAME] [--max-size BYTES] [--quiet|--progress]\n"
      "            DIR | --device DEV | --image FILE",
      "Walks DIR without following links, finds export files by their content,\n"
      "and seals what it can as one bundle; a line per file sealed or skipped.\n\n"
      "  --device DEV     read the block device DEV (a stick) without mounting it:\n"
      "                   its filesystem is read in user space by a sandboxed child\n"
      "  --image FILE     read a disk image (a stick copied with dd) the same way\n"
      "  --inspect        as for import; a file that cannot be opened is sealed\n"
      "                   uninspected, with a line saying why\n"
      "  --same-password  as for import: one password for every file\n"
      "  --foreign        as for import\n"
      "  --allow-signing-keys  as for import\n"
      "  --operator NAME  as for import\n"
      "  --max-size BYTES skip files larger than this (default 256M)\n"
      "  --quiet          no progress line (by default one is shown on stderr when it is\n"
      "                   a terminal)\n"
      "  --progress       the progress line even when stderr is not a terminal\n\n"
      "Each file's line is printed once the bundle is committed; Ctrl-C before that\n"
      "seals nothing.\n" },
    { "mediawatch", cmd_mediawatch, CMD_SECRETS,
      "mediawatch [--match PROP=GLOB]... [--mount-dir DIR] [--once]",
      "Waits for block devices whose udev properties match every --match (default\n"
      "ID_BUS=usb), mounts each read-only under DIR (default /run/okra/media),\n"
      "scans it, commits one bundle per insertion, and unmounts.\n\n"
      "  --once           handle one medium, then exit\n" },
    { "list", cmd_list, 0,
      "list [--path TEXT] [--subject TEXT] [--issuer TEXT] [--expires-before DATE]\n"
      "            [--medium TEXT] [--format FORMAT] [--limit N] [--offset N]",
      "The items in the vault, one line each (--json: an array of objects). Filters\n"
      "combine; TEXT matches anywhere, in any case.\n\n"
      "  --path TEXT            the path the file had on its medium or command line\n"
      "  --subject TEXT         the certificate's subject (inspected items only)\n"
      "  --issuer TEXT          the certificate's issuer (inspected items only)\n"
      "  --expires-before DATE  the certificate expires before DATE: YYYY-MM-DD\n"
      "                         (midnight UTC) or an RFC 3339 time, 2028-01-31T12:00:00Z\n"
      "  --medium TEXT          the medium's label, serial, vendor, model or UUID\n"
      "  --format FORMAT        exactly this format (pkcs12, pem-pkcs8, ...)\n"
      "  --limit N, --offset N  at most N items, after skipping the first N\n" },
    { "show", cmd_show, 0, "show ITEM",
      "One item: ITEM is an id, a unique id prefix (4 digits or more), a\n"
      "certificate serial or a SHA-1 thumbprint.\n" },
    { "inspect", cmd_inspect, CMD_SECRETS, "inspect FILE",
      "What okra sees in an export file, without a vault; asks the export password\n"
      "of a protected file.\n" },
    { "log", cmd_log, 0, "log",
      "The vault's history, one line per bundle: seq, time, kind, operator, medium, items.\n" },
    { "record", cmd_record, 0, "record N [--key PUBKEY] [--pdf FILE [--paper a4|letter]]",
      "One bundle's record, read from the bundle after it verified: what was sealed\n"
      "or recovered, by whom, with which shares and custodians, which share sets\n"
      "were issued or retired, the medium; the SHA256SUMS hash in hex and in PGP\n"
      "words; the checkpoint; a signature line per custodian, operator and witness.\n"
      "--json prints the same as one object.\n\n"
      "  --pdf FILE          write it as a printable PDF instead, with the checkpoint\n"
      "                      as a QR code (mode 0600, atomically; never inside the vault)\n"
      "  --paper a4|letter   the PDF's paper (default a4)\n"
      "  --key PUBKEY        check the signatures with the station key the auditor\n"
      "                      pinned (station.pub), not the vault's own copy\n" },
    { "reindex", cmd_reindex, 0, "reindex [--quiet|--progress]",
      "Rebuilds index.sqlite from the bundles.\n\n"
      "  --quiet     no progress line (by default one is shown on stderr when it is\n"
      "              a terminal)\n"
      "  --progress  the progress line even when stderr is not a terminal\n" },
    { "verify", cmd_verify, 0,
      "verify [--key PUBKEY] [--checkpoint FILE] [--quiet|--progress] [BUNDLE...]",
      "Checks every bundle (or those named, by seq or as bundle files): signatures,\n"
      "checksums, members, the chain, CHECKPOINT, and that the vault still reaches an\n"
      "auditor's saved checkpoint. Exit 0 only when all holds.\n\n"
      "  --key PUBKEY       the station key the auditor pinned (station.pub)\n"
      "  --checkpoint FILE  the output of 'okra checkpoint' the auditor kept\n"
      "  --quiet            no progress line (by default one is shown on stderr when\n"
      "                     it is a terminal)\n"
      "  --progress         the progress line even when stderr is not a terminal\n" },
    { "checkpoint", cmd_checkpoint, 0, "checkpoint [--qr]",
      "Prints the signed checkpoint (last seq and hash) for an auditor to keep.\n\n"
      "  --qr   draw it first as a QR code on the terminal (UTF-8 half blocks), the\n"
      "         code the printed record carries; a phone or zbarimg reads it back\n" },
    { "help", cmd_help, 0, "help [COMMAND]", NULL },
    { "version", cmd_version, 0, "version", NULL },
};

#define N_COMMANDS (sizeof commands / sizeof commands[0])

static const struct cmd *
find_command(const char *name)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

static void
general_usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: okra [--vault DIR] [--json] [--passphrase-file FILE] COMMAND [ARGS]\n\n"
               "okra, the Offline Key Recovery Archive: seals private keys brought on\n"
               "removable media into signed bundles that only a quorum of custodians can open.\n\n"
               "Commands:\n");
    for (i = 0; i < N_COMMANDS; i++)
        fprintf(f, "  okra %s\n", commands[i].synopsis);
    fprintf(f, "\nGlobal options:\n"
               "  --vault DIR             the vault (default $OKRA_VAULT, else /var/lib/okra)\n"
               "  --json                  machine output where a command has output\n"
               "  --passphrase-file FILE  answer each prompt with the next line of FILE\n"
               "  --help, --version\n\n"
               "Exit status: 0 success, 1 the operation or a verification failed, 2 usage error.\n"
               "See okra(1).\n");
}

static int
cmd_help(struct cli *cli, int argc, char **argv)
{
    const struct cmd *c;

    (void) cli;
    if (argc < 2) {
        general_usage(stdout);
        return EXIT_OK;
    }
    if ((c = find_command(argv[1])) == NULL) {
        fprintf(stderr, "okra: '%s' is not an okra command; see 'okra --help'\n", argv[1]);
        return EXIT_USAGE;
    }
    cli_help(c);
    return EXIT_OK;
}

static int
cmd_version(struct cli *cli, int argc, char **argv)
{
    (void) cli, (void) argc, (void) argv;
    printf("okra %s (%s, %s)\n", OKRA_VERSION, OKRA_COMMIT, OKRA_COMPILER);
    return EXIT_OK;
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
        const char *a = argv[i];
        const char **slot = NULL;
        const char *name = NULL;

        if (rest || strcmp(a, "--") == 0) {
            rest = true;
            argv[o++] = argv[i];
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            cli->json = true;
            continue;
        }
        if (strncmp(a, "--vault", 7) == 0 && (a[7] == '\0' || a[7] == '='))
            slot = &cli->vault_dir, name = "--vault";
        else if (strncmp(a, "--passphrase-file", 17) == 0 && (a[17] == '\0' || a[17] == '='))
            slot = &cli->passphrase_file, name = "--passphrase-file";
        if (slot == NULL) {
            argv[o++] = argv[i];
            continue;
        }
        if (a[strlen(name)] == '=') {
            *slot = a + strlen(name) + 1;
        } else if (i + 1 < argc) {
            *slot = argv[++i];
        } else {
            fprintf(stderr, "okra: %s needs a value\n", name);
            return -1;
        }
        if (**slot == '\0') {
            fprintf(stderr, "okra: %s needs a non-empty value\n", name);
            return -1;
        }
    }
    argv[o] = NULL;
    return o;
}

int
main(int argc, char **argv)
{
    struct cli        cli = { 0 };
    const struct cmd *c;
    int               rc;

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
        general_usage(stderr);
        return EXIT_USAGE;
    }
    if (cli_is_help(argv[1]))
        return cli_finish_stdout(cmd_help(&cli, 1, argv));
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0)
        return cli_finish_stdout(cmd_version(&cli, 1, argv));
    if ((c = find_command(argv[1])) == NULL) {
        fprintf(stderr, "okra: '%s' is not an okra command; see 'okra --help'\n", argv[1]);
        return EXIT_USAGE;
    }
    if (argc > 2 && cli_is_help(argv[2]) && c->fn != cmd_ceremony) {
        cli_help(c);
        return cli_finish_stdout(EXIT_OK);
    }
    if (c->flags & CMD_SECRETS)
        cli_harden_process();
    if (okra_crypto_init() < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    cli.command = c->name;
    rc = c->fn(&cli, argc - 1, argv + 1);
    cli_prompter_close(&cli);
    return cli_finish_stdout(rc);
}
