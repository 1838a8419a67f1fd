/*
 * ceremony_common.c: what the ceremony subcommands share: paths, numbers,
 * the new set's options and lines, the checkpoint, the quorum for recover.
 */
#include "cli/ceremony.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "vault/checkpoint.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
cli_path_inside(const char *path, const char *dir)
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
cli_parse_uint(const char *s, unsigned lo, unsigned hi, unsigned *ret)
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
cli_print_checkpoint(struct vault *v)
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
 * Apart, decided on the folders themselves: the deepest existing folder of
 * a must not lie in b (when b exists), nor b in a (when a exists whole).
 * The lexical check comes first, for paths that do not exist yet.
 */
bool
cli_dirs_apart(const char *a, const char *b, int b_fd)
{
    bool a_whole, b_whole = true;
    int  fa, fb = b_fd, in_b = 0, in_a = 0;

    if (cli_path_inside(a, b) || cli_path_inside(b, a))
        return false;
    if ((fa = fs_open_nearest_dir(a, &a_whole)) < 0)
        return true;
    if (fb < 0 && (fb = fs_open_nearest_dir(b, &b_whole)) < 0) {
        close(fa);
        return true;
    }
    if (b_whole)
        in_b = fs_dir_beneath(fa, fb);
    if (a_whole)
        in_a = fs_dir_beneath(fb, fa);
    close(fa);
    if (fb != b_fd)
        close(fb);
    return in_b != 1 && in_a != 1;
}

int
cli_newset_option(struct cli *cli, int key, const char *value, struct newset_opts *o)
{
    unsigned wf;

    switch (key) {
    case OPT_CUSTODIANS:
        if (cli_parse_uint(value, 1, SLIP39_MAX_SHARES, &o->ns->n) < 0)
            return cli_bad_value(cli, key, value, "a number from 1 to 16");
        return 0;
    case OPT_THRESHOLD:
        if (cli_parse_uint(value, 1, SLIP39_MAX_SHARES, &o->ns->m) < 0)
            return cli_bad_value(cli, key, value, "a number from 1 to 16");
        return 0;
    case OPT_SHARE_DIR:
        o->ns->share_dir = value;
        return 0;
    case OPT_NAME:
        if (o->n_names == SLIP39_MAX_SHARES)
            return cli_usage(cli, "--name may be given 16 times at most");
        o->names[o->n_names++] = value;
        return 0;
    case OPT_SHOW_MNEMONIC:
        o->ns->show_words = true;
        return 0;
    case OPT_WORK_FACTOR:
        if (cli_parse_uint(value, CER_LOG_N_MIN, CER_LOG_N_MAX, &wf) < 0)
            return cli_bad_value(cli, key, value, "a number from 10 to 20 (log2 of scrypt's N)");
        o->ns->log_n = (int) wf;
        return 0;
    default:
        return 0;
    }
}

int
cli_newset_check(struct cli *cli, const struct cer_newset *ns)
{
    if (ns->m > ns->n) {
        cli_error("threshold %u is more than the %u custodian%s; a threshold is 1 to the number "
                  "of custodians", ns->m, ns->n, ns->n == 1 ? "" : "s");
        return EXIT_USAGE;
    }
    if (ns->show_words && !cli_interactive(cli))
        return cli_usage(cli, "--show-mnemonic shows the words on the terminal; it cannot be used "
                              "with --passphrase-file");
    if (!cli_dirs_apart(ns->share_dir, cli->vault_dir, -1)) {
        cli_error("--share-dir %s and the vault %s must be apart: share files leave the station "
                  "with their custodians", ns->share_dir, cli->vault_dir);
        return EXIT_USAGE;
    }
    return 0;
}

void
cli_print_set(const struct cer_newset *ns, FILE *f)
{
    unsigned i;
    size_t   width = 0;

    for (i = 0; i < ns->n; i++)
        if (strlen(ns->names[i]) > width)
            width = strlen(ns->names[i]);
    for (i = 0; i < ns->n; i++) {
        char *safe = cli_safe_dup(ns->names[i]);

        fprintf(f, "  %2u  %-*s  %s/%s\n", i + 1, (int) width, safe ? safe : "?", ns->share_dir,
                ns->files[i]);
        free(safe);
    }
}

/* ---- the quorum, for recover ---- */

static int
media_share(void *ctx, const char *label, char **ret_data, size_t *ret_len)
{
    (void) ctx;
    return cli_ceremony_watch_read(label, ret_data, ret_len);
}

int
cli_ceremony_quorum(struct cli *cli, struct vault *v, const struct cer_sets *sets, char **paths,
                    size_t n, struct cer_share **ret_shares, uint8_t **ret_identity,
                    uint16_t *ret_set)
{
    struct cer_share_source src = { media_share, NULL };
    struct cer_ui           ui;

    cli_ceremony_ui(cli, &ui);
    return cer_quorum(&ui, &src, v, sets, paths, n, ret_shares, ret_identity, ret_set) < 0 ? -1
                                                                                         : 0;
}

void
cli_ceremony_free_shares(struct cer_share *s, size_t n)
{
    cer_quorum_free(s, n);
}

const char *
cli_ceremony_custodian(const struct cer_sets *sets, const struct cer_share *s)
{
    return cer_share_custodian(sets, s);
}

json_t *
cli_ceremony_shares_json(const struct cer_sets *sets, const struct cer_share *s, size_t n)
{
    return cer_shares_json(sets, s, n);
}
