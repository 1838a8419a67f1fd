/* okra verify: what an auditor runs. Exit 0 only when everything holds. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/vault_access.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "vault/verify.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>


struct verify_out {
    json_t             *problems; /* --json */
    struct cli_progress progress;
};

static void
on_progress(void *ctx, uint64_t done, uint64_t total)
{
    struct verify_out *out = ctx;

    cli_progress_total(&out->progress, total);
    cli_progress_update(&out->progress, done, NULL);
}

static void
problem(void *ctx, const char *fmt, ...)
{
    struct verify_out *out = ctx;
    char               line[2048];
    va_list            ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (out->problems)
        json_array_append_new(out->problems, json_string(line));
    cli_error("verify: %s", line);
}

/* Whether the operands are all bundle files (an auditor's copy, no vault needed). */
static bool
only_files(char **names, int n)
{
    int i;

    for (i = 0; i < n; i++)
        if (names[i][strspn(names[i], "0123456789")] == '\0')
            return false;
    return n > 0;
}

static void
summary(struct cli *cli, const struct verify_result *r, int rc, bool named, struct verify_out *out)
{
    if (cli->json) {
        json_t *j = json_pack("{s:b, s:I, s:I, s:o, s:o, s:o}", "ok", rc == 0, "bundles",
                              (json_int_t) r->bundles, "items", (json_int_t) r->items, "checkpoint",
                              r->have_checkpoint ? json_integer((json_int_t) r->checkpoint_seq)
                                                 : json_null(),
                              "saved_checkpoint",
                              r->have_auditor_checkpoint ? json_integer((json_int_t) r->auditor_seq)
                                                         : json_null(),
                              "problems", out->problems);

        if (named) {
            json_object_set_new(j, "links_checked", json_integer((json_int_t) r->links_checked));
            json_object_set_new(j, "links_not_checked", json_string(r->unchecked));
        }
        out->problems = NULL;
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return;
    }
    if (rc != 0) {
        printf("verify FAILED: %llu problem%s in %llu bundles (see above)\n",
               (unsigned long long) r->problems, r->problems == 1 ? "" : "s",
               (unsigned long long) r->bundles);
        return;
    }
    printf("%llu bundle%s verified (%llu items): ", (unsigned long long) r->bundles,
           r->bundles == 1 ? "" : "s", (unsigned long long) r->items);
    if (!named) {
        printf("signatures, checksums, members and chain hold");
    } else {
        /* bundles handed over: say which links were checked, and which could not be */
        printf("signatures, checksums and members hold; %llu link%s between them checked",
               (unsigned long long) r->links_checked, r->links_checked == 1 ? "" : "s");
        if (r->links_unchecked)
            printf("; not checked: %s", r->unchecked);
    }
    if (r->have_checkpoint)
        printf("; CHECKPOINT at seq %llu", (unsigned long long) r->checkpoint_seq);
    if (r->have_auditor_checkpoint)
        printf("; reaches the saved checkpoint (seq %llu)", (unsigned long long) r->auditor_seq);
    if (r->index_checked)
        printf("; index %s", r->index_behind ? "behind (it catches up on next use)" : "matches");
    putchar('\n');
}

struct verify_args {
    const char *keyfile, *cpfile;
};

static int
verify_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct verify_args *a = ctx;

    if (key == OPT_KEY)
        a->keyfile = value;
    else if (key == OPT_CHECKPOINT)
        a->cpfile = value;
    return cli_progress_option(cli, ctx, key, value);
}

int
cmd_verify(struct cli *cli, int argc, char **argv)
{
    struct verify_args   a = { NULL, NULL };
    struct verify_opts   o = { .problem = problem };
    struct verify_result r;
    struct verify_out    out = { NULL };
    struct mini_pubkey   key;
    struct vault        *v = NULL;
    const char          *keyfile, *cpfile;
    char                *cp = NULL;
    size_t               cplen = 0;
    int                  first, rc;

    if ((rc = cli_parse_options(cli, argc, argv, verify_option, &a, &first)) != 0)
        return rc;
    keyfile = a.keyfile;
    cpfile = a.cpfile;
    o.progress = on_progress;
    o.ctx = &out;
    if (keyfile && cli_load_station_key(keyfile, &key) < 0)
        return EXIT_FAIL;
    o.key = keyfile ? &key : NULL;
    if (cpfile) {
        if ((rc = fs_read_file(AT_FDCWD, cpfile, 16384, &cp, &cplen)) < 0) {
            cli_error("%s: cannot read the saved checkpoint (%s)", cpfile, strerror(-rc));
            return EXIT_FAIL;
        }
        o.checkpoint = cp;
        o.checkpoint_len = cplen;
    }
    o.named = argv + first;
    o.n_named = (size_t) (argc - first);
    if (!(only_files(argv + first, argc - first) && keyfile) &&
        (rc = vault_open(cli->vault_dir, VAULT_READ, &v)) < 0) {
        /* an auditor with a copy or bundle files: no ceremony to suggest */
        if (rc == -ENOENT && only_files(argv + first, argc - first))
            cli_error("verifying bundle files needs the station's public key: give --key "
                      "station.pub (the copy the auditor took at the ceremony)");
        else if (rc == -ENOENT)
            cli_error("no vault at %s: give --vault DIR (a copy of the vault), or name bundle "
                      "files with --key station.pub", cli->vault_dir);
        else
            cli_error_from(NULL);
        free(cp);
        return EXIT_FAIL;
    }
    out.problems = cli->json ? json_array() : NULL;
    cli_progress_start(&out.progress, "verify", "bundles", 0);
    rc = vault_verify(v, &o, &r);
    cli_progress_finish(&out.progress);
    if (rc < 0)
        cli_error_from("verify");
    else
        summary(cli, &r, rc, o.n_named > 0, &out);
    json_decref(out.problems);
    vault_close(v);
    free(cp);
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
