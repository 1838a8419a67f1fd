/*
 * usage.c: the command line as commands.c's table describes it: the option
 * parser (getopt_long over the row's options), usage errors that name the
 * option and its form and suggest the nearest one, and --help.
 */
#include "cli/cli.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define WIDTH       79 /* what a synopsis is wrapped at */
#define HELP_COLUMN 24 /* where an option's help starts */

/* The word that names a row: "init" for "ceremony init". */
static const char *
own_name(const struct cmd *c)
{
    const char *sp = strrchr(c->name, ' ');

    return sp ? sp + 1 : c->name;
}

const struct cmd *
cli_find_command(const struct cmd *cmds, const char *name)
{
    for (; cmds && cmds->name; cmds++)
        if (strcmp(own_name(cmds), name) == 0)
            return cmds;
    return NULL;
}

static const struct cli_option *
find_key(const struct cli_option *o, int key)
{
    for (; o && o->name; o++)
        if (o->key == key)
            return o;
    return NULL;
}

const struct cli_option *
cli_option_of(const struct cmd *c, int key)
{
    const struct cli_option *o = c ? find_key(c->options, key) : NULL;

    return o ? o : find_key(cli_global_options, key);
}

/* ---- the synopsis and --help ---- */

/* Words after a head, wrapped at WIDTH, continuation lines indented to line up after the head. */
struct wrap {
    FILE  *f;
    size_t col, indent;
    bool   fresh; /* at the start of a continuation line */
};

static void
wrap_word(struct wrap *w, const char *word)
{
    size_t n = strlen(word);

    if (!w->fresh && w->col + 1 + n > WIDTH) {
        fprintf(w->f, "\n%*s", (int) w->indent, "");
        w->col = w->indent;
    } else if (!w->fresh) {
        fputc(' ', w->f);
        w->col++;
    }
    fputs(word, w->f);
    w->col += n;
    w->fresh = false;
}

static void
synopsis(FILE *f, const struct cmd *c)
{
    struct wrap              w = { f, 0, 0, false };
    const struct cli_option *o;
    char                     word[128];

    w.col = (size_t) fprintf(f, "usage: okra %s", c->name);
    w.indent = w.col + 1;
    for (o = c->options; o && o->name; o++) {
        bool req = o->flags & OPT_REQUIRED;

        snprintf(word, sizeof word, "%s--%s%s%s%s%s", req ? "" : "[", o->name, o->value ? " " : "",
                 o->value ? o->value : "", req ? "" : "]", o->flags & OPT_REPEAT ? "..." : "");
        wrap_word(&w, word);
    }
    if (c->operands)
        wrap_word(&w, c->operands);
    fputc('\n', f);
}

/* An option: "--name VALUE", then its help wrapped from HELP_COLUMN (a '\n' in it is a space). */
static void
option_help(FILE *f, const struct cli_option *o)
{
    struct wrap w = { f, 0, HELP_COLUMN, true };
    const char *p = o->help;
    char        word[80];
    int         n;

    n = fprintf(f, "  --%s%s%s", o->name, o->value ? " " : "", o->value ? o->value : "");
    if (n + 2 > HELP_COLUMN)
        fprintf(f, "\n%*s", HELP_COLUMN, "");
    else
        fprintf(f, "%*s", HELP_COLUMN - n, "");
    w.col = HELP_COLUMN;
    while (*p) {
        size_t len = strcspn(p, " \n");

        if (len > 0) {
            snprintf(word, sizeof word, "%.*s", (int) (len < 79 ? len : 79), p);
            wrap_word(&w, word);
        }
        p += len;
        p += *p != '\0';
    }
    fputc('\n', f);
}

static void
command_list(FILE *f, const struct cmd *cmds)
{
    for (; cmds->name; cmds++) {
        int n = fprintf(f, "  %s", cmds->name);

        fprintf(f, "%*s%s\n", n + 2 > HELP_COLUMN ? 2 : HELP_COLUMN - n, "", cmds->summary);
    }
}

void
cli_help(const struct cmd *c)
{
    const struct cli_option *o;

    synopsis(stdout, c);
    if (c->help)
        printf("\n%s", c->help);
    if (c->subcommands) {
        printf("\nSubcommands:\n");
        command_list(stdout, c->subcommands);
    }
    if (c->options && c->options->name) {
        printf("\nOptions:\n");
        for (o = c->options; o->name; o++)
            option_help(stdout, o);
    }
    printf("\nThe global options (--vault, --json, --passphrase-file) go before or after\n"
           "the command; see 'okra --help' and okra(1).\n");
}

void
cli_general_help(FILE *f)
{
    const struct cli_option *o;

    fprintf(f, "usage: okra [--vault DIR] [--json] [--passphrase-file FILE] COMMAND [ARGS]\n\n"
               "okra, the Offline Key Recovery Archive: seals private keys brought on\n"
               "removable media into signed bundles that only a quorum of custodians can open.\n\n"
               "Commands:\n");
    command_list(f, cli_commands);
    fprintf(f, "\nGlobal options:\n");
    for (o = cli_global_options; o->name; o++)
        option_help(f, o);
    fprintf(f, "\n'okra COMMAND --help' or 'okra help COMMAND' tells more of each.\n"
               "Exit status: 0 success, 1 the operation or a verification failed, 2 usage error.\n"
               "See okra(1).\n");
}

/* ---- usage errors ---- */

static void
usage_tail(const struct cmd *c)
{
    synopsis(stderr, c);
    fprintf(stderr, "(see 'okra %s --help')\n", c->name);
}

int
cli_usage(struct cli *cli, const char *fmt, ...)
{
    char    why[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    cli_error("%s: %s", cli->cmd->name, why);
    usage_tail(cli->cmd);
    return EXIT_USAGE;
}

int
cli_bad_value(struct cli *cli, int key, const char *value, const char *what)
{
    const struct cli_option *o = cli_option_of(cli->cmd, key);

    char *safe = cli_safe_dup(value);
    int   rc = cli_usage(cli, "--%s takes %s, not '%.80s'", o ? o->name : "?", what,
                         safe ? safe : "?");

    free(safe);
    return rc;
}

/* Optimal string alignment distance (Damerau-Levenshtein without repeated edits), capped. */
static size_t
distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), i, j;
    size_t d[48][48];

    if (la >= 48 || lb >= 48)
        return 99;
    for (i = 0; i <= la; i++)
        d[i][0] = i;
    for (j = 0; j <= lb; j++)
        d[0][j] = j;
    for (i = 1; i <= la; i++)
        for (j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1], best = d[i - 1][j - 1] + cost;

            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

/* Whether typed is near enough to name to suggest it: one edit in a short word, two else. */
static bool
near(const char *typed, const char *name, size_t *best)
{
    size_t d = distance(typed, name), allowed = strlen(typed) <= 4 ? 1 : 2;

    if (d > allowed || d >= *best)
        return false;
    *best = d;
    return true;
}

static const char *
nearest_option(const struct cmd *c, const char *typed)
{
    const struct cli_option *lists[2] = { c->options, cli_global_options }, *o;
    const char              *found = NULL;
    size_t                   best = 99, i;

    for (i = 0; i < 2; i++)
        for (o = lists[i]; o && o->name; o++)
            if (near(typed, o->name, &best))
                found = o->name;
    return found;
}

/* The commands (up to three) that have an option of this name, as "import" or "list, show". */
static void
owners_of(const char *name, char *out, size_t cap)
{
    const struct cmd *tables[2] = { cli_commands, NULL }, *c;
    const struct cli_option *o;
    size_t            n = 0, t;

    *out = '\0';
    for (c = cli_commands; c->name; c++)
        if (c->subcommands)
            tables[1] = c->subcommands;
    for (t = 0; t < 2; t++)
        for (c = tables[t]; c && c->name; c++)
            for (o = c->options; o && o->name; o++)
                if (strcmp(o->name, name) == 0 && n < 3) {
                    size_t len = strlen(out);

                    snprintf(out + len, cap - len, "%s'%s'", n++ ? ", " : "", c->name);
                    break;
                }
}

/* An option getopt refused: unknown, ambiguous, or a flag given a value. */
static int
bad_option(struct cli *cli, const char *arg, int opt)
{
    const struct cli_option *o;
    char                     name[64], owners[160];
    const char              *hint;
    size_t                   len, n = 0;

    if (strncmp(arg, "--", 2) != 0) {
        if (opt)
            return cli_usage(cli, "unknown option -%c (okra's options are long: --NAME)", opt);
        return cli_usage(cli, "unknown option %.64s", arg);
    }
    len = strcspn(arg + 2, "=");
    snprintf(name, sizeof name, "%.*s", (int) (len < 63 ? len : 63), arg + 2);
    if (opt && (o = cli_option_of(cli->cmd, opt)) != NULL)
        return cli_usage(cli, "--%s takes no value (it is a flag)", o->name);
    for (o = cli->cmd->options; o && o->name; o++)
        n += strncmp(o->name, name, len) == 0;
    if (n > 1 && len > 0) {
        char list[256] = "";

        for (o = cli->cmd->options; o && o->name; o++)
            if (strncmp(o->name, name, len) == 0) {
                size_t l = strlen(list);

                snprintf(list + l, sizeof list - l, "%s--%s", l ? ", " : "", o->name);
            }
        return cli_usage(cli, "--%s is ambiguous: %s", name, list);
    }
    if ((hint = nearest_option(cli->cmd, name)) != NULL)
        return cli_usage(cli, "unknown option --%s; did you mean --%s?", name, hint);
    owners_of(name, owners, sizeof owners);
    if (*owners)
        return cli_usage(cli, "--%s is not an option of '%s' (it is one of %s)", name,
                         cli->cmd->name, owners);
    return cli_usage(cli, "unknown option --%s", name);
}

static int
missing_value(struct cli *cli, int opt)
{
    const struct cli_option *o = cli_option_of(cli->cmd, opt);

    if (o == NULL)
        return cli_usage(cli, "an option needs a value");
    return cli_usage(cli, "--%s needs a value: --%s %s", o->name, o->name, o->value);
}

static size_t
count_options(const struct cmd *c)
{
    const struct cli_option *o;
    size_t                   n = 0;

    for (o = c->options; o && o->name; o++)
        n++;
    return n;
}

/* getopt_long's list, made from the row. */
static struct option *
long_options(const struct cmd *c)
{
    const struct cli_option *o;
    struct option           *l;
    size_t                   i = 0;

    if ((l = calloc(count_options(c) + 1, sizeof *l)) == NULL)
        return NULL;
    for (o = c->options; o && o->name; o++, i++) {
        l[i].name = o->name;
        l[i].has_arg = o->value ? required_argument : no_argument;
        l[i].val = o->key;
    }
    return l;
}

/* The first option the row marks required that was not given, named with its form; or 0. */
static int
check_required(struct cli *cli, const bool *seen)
{
    const struct cli_option *o;
    size_t                   i = 0;

    for (o = cli->cmd->options; o && o->name; o++, i++)
        if ((o->flags & OPT_REQUIRED) && !seen[i])
            return cli_usage(cli, "--%s%s%s is needed: %.*s", o->name, o->value ? " " : "",
                             o->value ? o->value : "", (int) strcspn(o->help, "\n"), o->help);
    return 0;
}

int
cli_parse_options(struct cli *cli, int argc, char **argv, cli_option_fn fn, void *ctx,
                  int *ret_first)
{
    struct option *l = long_options(cli->cmd);
    bool          *seen = NULL;
    int            ch, idx, rc = 0;

    if (l == NULL || (seen = calloc(count_options(cli->cmd) + 1, sizeof *seen)) == NULL) {
        free(l);
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    optind = 0; /* glibc: start afresh */
    opterr = 0;
    while (rc == 0 && (ch = getopt_long(argc, argv, ":", l, &idx)) != -1) {
        if (ch == ':') {
            rc = missing_value(cli, optopt);
        } else if (ch == '?') {
            rc = bad_option(cli, argv[optind - 1], optopt);
        } else {
            seen[idx] = true;
            rc = fn(cli, ctx, ch, optarg);
        }
    }
    if (rc == 0)
        rc = check_required(cli, seen);
    free(seen);
    free(l);
    *ret_first = optind;
    return rc;
}

int
cli_unknown_command(const struct cmd *parent, const char *name)
{
    const struct cmd *c = parent ? parent->subcommands : cli_commands;
    const char       *found = NULL;
    size_t            best = 99;
    char              hint[96] = "";

    for (; c->name; c++)
        if (near(name, own_name(c), &best))
            found = own_name(c);
    if (found)
        snprintf(hint, sizeof hint, "; did you mean '%s'?", found);
    if (parent)
        cli_error("'%s' is not a %s subcommand%s (see 'okra %s --help')", name, parent->name, hint,
                  parent->name);
    else
        cli_error("'%s' is not an okra command%s (see 'okra --help')", name, hint);
    return EXIT_USAGE;
}

static int
no_option(struct cli *cli, void *ctx, int key, const char *value)
{
    (void) ctx, (void) key, (void) value;
    return cli_usage(cli, "takes no option");
}

int
cli_parse_no_options(struct cli *cli, int argc, char **argv, int *ret_first)
{
    return cli_parse_options(cli, argc, argv, no_option, NULL, ret_first);
}
