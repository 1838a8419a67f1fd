/*
 * okra ceremony: the custodians' ceremonies, a second level of commands
 * (git's 'bundle' style): init, recover, check-share, reshare.
 */
#include "cli/ceremony.h"
#include "ceremony/recover.h"
#include "common/err.h"
#include "vault/checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cmd subcommands[] = {
    { "ceremony init", cmd_ceremony_init, CMD_SECRETS,
      "ceremony init --custodians N --threshold M --share-dir DIR [--name NAME]...\n"
      "                     [--show-mnemonic] [--work-factor N] [--home-issuer CA.pem]...\n"
      "                     [--medium-serial SERIAL]... [--medium-uuid UUID]...\n"
      "                     [--allow-signing-keys] [--pdf FILE [--paper a4|letter]]",
      "Creates the vault (--vault; it must not exist, or be an empty folder), its\n"
      "station key and its recovery identity; splits the identity into N SLIP-0039\n"
      "shares of threshold M; asks one passphrase per custodian (twice on a\n"
      "terminal) and writes one passphrase-protected share file per custodian into\n"
      "DIR, which must be new or empty. Then each custodian opens their own share\n"
      "file (the roll call); if one cannot, the share files are removed and no\n"
      "vault is created. Prints a transcript for the witnesses, ending with the\n"
      "checkpoint for the auditor.\n\n"
      "  --custodians N       how many custodians (1 to 16)\n"
      "  --threshold M        how many of them recover (1 to N)\n"
      "  --share-dir DIR      where the share files go (created 0700)\n"
      "  --name NAME          the custodians' names, in order (default 'custodian I')\n"
      "  --show-mnemonic      on the terminal, show each custodian their share's words\n"
      "                       for a paper backup (the screen is cleared after each)\n"
      "  --work-factor N      scrypt work factor of the share files, log2 (10 to 22;\n"
      "                       default 18, as age)\n"
      "  --home-issuer FILE   a CA certificate (PEM or DER) whose keys the vault\n"
      "                       archives; keys of other CAs then need --foreign\n"
      "  --medium-serial SERIAL, --medium-uuid UUID\n"
      "                       mediawatch then takes only media with a listed serial\n"
      "                       or filesystem UUID (repeat)\n"
      "  --allow-signing-keys the vault archives keys whose certificate is for signing\n"
      "                       only (by default each import or scan refuses them unless\n"
      "                       given --allow-signing-keys); kept in the signed policy\n"
      "  --operator NAME      who ran the ceremony (default: the login name)\n"
      "  --pdf FILE           also write the record as a printable PDF for the\n"
      "                       witnesses to sign (as 'okra record 0 --pdf FILE');\n"
      "                       its folder must exist, outside the vault\n"
      "  --paper a4|letter    the PDF's paper (default a4)\n" },
    { "ceremony recover", cmd_ceremony_recover, CMD_SECRETS,
      "ceremony recover {--share FILE... | --watch} --out DIR [--repassword [--legacy]]\n"
      "                     [--pdf FILE [--paper a4|letter]] ITEM...",
      "Asks each share file's passphrase (in the order given; a text file with a\n"
      "bare mnemonic asks none), combines a quorum, checks it against the vault's\n"
      "recipient, and writes each ITEM into DIR (created 0700) as <id>-<name>\n"
      "(original bytes), never overwriting. Commits a signed 'recovery' bundle\n"
      "naming the items and the shares used. ITEM is an id, a unique id prefix,\n"
      "a certificate serial or a SHA-1 thumbprint.\n\n"
      "  --share FILE    a share file or a paper backup's mnemonic (repeat)\n"
      "  --out DIR       where the recovered files go\n"
      "  --repassword    write <id>.pfx instead: a fresh PKCS #12 under a new password\n"
      "                  (AES-256, SHA-256 MAC); an item sealed without --inspect asks\n"
      "                  its old export password first\n"
      "  --legacy        with --repassword: 3DES and a SHA-1 MAC, for Windows XP/2003\n"
      "  --operator NAME who ran the ceremony (default: the login name)\n"
      "  --watch         read the (further) shares from the custodians' media as they\n"
      "                  plug them in, one after another, until the threshold is met;\n"
      "                  each medium is mounted read-only and unmounted at once\n"
      "  --match PROP=GLOB, --mount-dir DIR   as for 'okra mediawatch'\n"
      "  --pdf FILE      also write the recovery's record as a printable PDF (as\n"
      "                  'okra record N --pdf FILE'); --paper a4|letter as for init\n" },
    { "ceremony check-share", cmd_ceremony_check_share, CMD_SECRETS, "ceremony check-share FILE",
      "A custodian checks their share file alone: asks its passphrase, and checks\n"
      "that it opens, belongs to this vault and to its current share set, and that\n"
      "its mnemonic's checksum holds. Prints custodian, share I of N, threshold and\n"
      "set. Exit 1 when any of it fails.\n" },
    { "ceremony reshare", cmd_ceremony_reshare, CMD_SECRETS,
      "ceremony reshare --share FILE... --custodians N --threshold M --share-dir DIR\n"
      "                     [--name NAME]... [--show-mnemonic] [--work-factor N]\n"
      "                     [--pdf FILE [--paper a4|letter]]",
      "A quorum of the current set issues a new set for the same recovery key:\n"
      "asks the given shares' passphrases, combines and checks them, splits the\n"
      "key anew among N custodians with threshold M, asks one passphrase per new\n"
      "custodian, writes and checks the new share files (the roll call), and only\n"
      "then commits the 'reshare' record that retires every earlier set. A failure\n"
      "before that leaves the old set valid. Options as for 'ceremony init',\n"
      "--pdf and --paper included.\n" },
};

#define N_SUB (sizeof subcommands / sizeof subcommands[0])

static const struct cmd ceremony_cmd = { "ceremony", NULL, 0,
                                         "ceremony init|recover|check-share|reshare [options]",
                                         NULL };

/* Whether a long option that getopt refused is one of ours that wants a value. */
static bool
ceremony_option_takes_value(const char *opt)
{
    static const char *const with_value[] = { "--custodians", "--threshold", "--share-dir",
                                              "--name",       "--work-factor", "--home-issuer",
                                              "--operator",   "--share",     "--out",
                                              "--pdf",        "--paper" };
    size_t                   i;

    for (i = 0; i < sizeof with_value / sizeof with_value[0]; i++)
        if (strcmp(opt, with_value[i]) == 0)
            return true;
    return false;
}

const struct cmd *
ceremony_subcommand(const char *name)
{
    size_t i;

    for (i = 0; i < N_SUB; i++)
        if (strcmp(subcommands[i].name + strlen("ceremony "), name) == 0)
            return &subcommands[i];
    return NULL;
}

static void
ceremony_help(void)
{
    size_t i;

    printf("usage: okra ceremony SUBCOMMAND [options]\n\n"
           "The custodians' ceremonies:\n");
    for (i = 0; i < N_SUB; i++)
        printf("  okra %s\n", subcommands[i].synopsis);
    printf("\nSee 'okra ceremony SUBCOMMAND --help'.\n");
}

int
ceremony_bad_option(const struct cmd *c, int argc, char **argv)
{
    char        why[160];
    const char *opt = optind > 0 && optind <= argc ? argv[optind - 1] : "?";

    if (optopt != 0 && strncmp(opt, "--", 2) != 0)
        snprintf(why, sizeof why, "unknown option -%c", optopt);
    else if (strchr(opt, '=') == NULL && ceremony_option_takes_value(opt))
        snprintf(why, sizeof why, "%.100s needs a value", opt);
    else
        snprintf(why, sizeof why, "unknown option %.100s", opt);
    return cli_usage(c, why);
}

/* An absolute, lexically normalised copy of path ("." and ".." folded, no trailing '/'). */
static char *
absolute(const char *path)
{
    char  *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0), *joined = NULL, *out, *save = NULL, *seg;
    size_t o = 0;

    if (asprintf(&joined, "%s/%s", cwd ? cwd : "", path) < 0) {
        free(cwd);
        return NULL;
    }
    free(cwd);
    if ((out = malloc(strlen(joined) + 2)) == NULL) {
        free(joined);
        return NULL;
    }
    for (seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            while (o > 0 && out[--o] != '/')
                ;
            continue;
        }
        o += (size_t) sprintf(out + o, "/%s", seg);
    }
    out[o] = '\0';
    free(joined);
    return out;
}

bool
ceremony_path_inside(const char *path, const char *dir)
{
    char *p = absolute(path), *d = absolute(dir);
    bool  inside = false;

    if (p && d) {
        size_t n = strlen(d);

        inside = strncmp(p, d, n) == 0 && (p[n] == '/' || p[n] == '\0' || n == 0);
    }
    free(p);
    free(d);
    return inside;
}

int
ceremony_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *ret)
{
    char         *end;
    unsigned long n;

    if (s == NULL || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    n = strtoul(s, &end, 10);
    if (errno || *end || n < lo || n > hi)
        return -1;
    *ret = (unsigned) n;
    return 0;
}

void
ceremony_print_checkpoint(struct vault *v)
{
    char *text = NULL;

    if (checkpoint_export(v, &text) < 0) {
        cli_warn("cannot print the checkpoint: %s (run 'okra checkpoint')", okra_errmsg());
        return;
    }
    fputs(text, stdout);
    free(text);
}

/*
 * What an interrupted ceremony leaves behind: staged recovered files (keys in
 * the clear), new share files of a set never recorded. The handler removes
 * them (unlinkat is async-signal-safe), then dies of the signal as it would
 * have. prompt.c restores this handler after each prompt and re-raises.
 */
#define LITTER_MAX 1024

static struct {
    int  dirfd;
    int  flags; /* AT_REMOVEDIR for an (empty) folder */
    char name[CER_OUT_NAME_MAX + 32];
} litter[LITTER_MAX];
static volatile sig_atomic_t n_litter;

static void
litter_add(int dirfd, const char *name, int flags)
{
    if (n_litter == LITTER_MAX || strlen(name) >= sizeof litter[0].name)
        return;
    litter[n_litter].dirfd = dirfd;
    litter[n_litter].flags = flags;
    strcpy(litter[n_litter].name, name);
    n_litter++;
}

void
ceremony_litter_add(int dirfd, const char *name)
{
    litter_add(dirfd, name, 0);
}

void
ceremony_litter_add_dir(int dirfd, const char *name)
{
    litter_add(dirfd, name, AT_REMOVEDIR);
}

void
ceremony_litter_clear(void)
{
    n_litter = 0;
}

static void
on_interrupt(int sig)
{
    sig_atomic_t i;

    /* newest first: a folder's files go before the folder */
    for (i = n_litter; i > 0; i--)
        unlinkat(litter[i - 1].dirfd, litter[i - 1].name, litter[i - 1].flags);
    signal(sig, SIG_DFL);
    raise(sig);
}

static void
catch_interrupts(void)
{
    struct sigaction sa = { .sa_handler = on_interrupt };

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

int
cmd_ceremony(struct cli *cli, int argc, char **argv)
{
    const struct cmd *c;
    int               i;

    if (argc < 2)
        return cli_usage(&ceremony_cmd, "name a subcommand: init, recover, check-share or reshare");
    if (cli_is_help(argv[1])) {
        ceremony_help();
        return EXIT_OK;
    }
    if ((c = ceremony_subcommand(argv[1])) == NULL) {
        cli_error("'%s' is not a ceremony subcommand (init, recover, check-share, reshare)",
                  argv[1]);
        return EXIT_USAGE;
    }
    for (i = 2; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (cli_is_help(argv[i])) {
            cli_help(c);
            return EXIT_OK;
        }
    cli->command = c->name;
    catch_interrupts();
    return c->fn(cli, argc - 1, argv + 1);
}
