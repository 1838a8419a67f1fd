/* okra verify: what an auditor runs. Exit 0 only when everything holds. */
#include "cli/cli.h"
#include "cli/progress.h"
#include "cli/vault_access.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "vault/verify.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const struct cmd verify_cmd = {
    "verify", NULL, 0, "verify [--key PUBKEY] [--checkpoint FILE] [--quiet|--progress] [BUNDLE...]",
    NULL
};

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

static int
load_key(const char *path, struct mini_pubkey *key)
{
    char  *text;
    size_t len;
    int    rc = fs_read_file(AT_FDCWD, path, 4096, &text, &len);

    if (rc < 0) {
        cli_error("%s: cannot read the station key (%s)", path, strerror(-rc));
        return -1;
    }
    rc = mini_pubkey_parse(text, len, key);
    free(text);
    if (rc < 0) {
        cli_error("%s: not a minisign public key: %s", path, okra_errmsg());
        return -1;
    }
    return 0;
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
summary(struct cli *cli, const struct verify_result *r, int rc, struct verify_out *out)
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
    printf("%llu bundle%s verified (%llu items): signatures, checksums, members and chain hold",
           (unsigned long long) r->bundles, r->bundles == 1 ? "" : "s",
           (unsigned long long) r->items);
    if (r->have_checkpoint)
        printf("; CHECKPOINT at seq %llu", (unsigned long long) r->checkpoint_seq);
    if (r->have_auditor_checkpoint)
        printf("; reaches the saved checkpoint (seq %llu)", (unsigned long long) r->auditor_seq);
    if (r->index_checked)
        printf("; index %s", r->index_behind ? "behind (it catches up on next use)" : "matches");
    putchar('\n');
}

int
cmd_verify(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "key", required_argument, NULL, 'k' },
        { "checkpoint", required_argument, NULL, 'c' },
        { "quiet", no_argument, NULL, 'q' },
        { "progress", no_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    struct verify_opts   o = { .problem = problem };
    struct verify_result r;
    struct verify_out    out = { .problems = cli->json ? json_array() : NULL };
    struct mini_pubkey   key;
    struct vault        *v = NULL;
    const char          *keyfile = NULL, *cpfile = NULL;
    char                *cp = NULL;
    size_t               cplen = 0;
    int                  ch, rc;

    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        if (ch == 'k')
            keyfile = optarg;
        else if (ch == 'c')
            cpfile = optarg;
        else if (ch == 'q' || ch == 'p')
            cli_progress_mode(ch == 'q' ? CLI_PROGRESS_OFF : CLI_PROGRESS_ON);
        else
            return cli_usage(&verify_cmd, "unknown option");
    }
    o.progress = on_progress;
    o.ctx = &out;
    if (keyfile && load_key(keyfile, &key) < 0)
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
    o.named = argv + optind;
    o.n_named = (size_t) (argc - optind);
    if (!(only_files(argv + optind, argc - optind) && keyfile) &&
        vault_open(cli->vault_dir, VAULT_READ, &v) < 0) {
        cli_error_from(NULL);
        free(cp);
        return EXIT_FAIL;
    }
    cli_progress_start(&out.progress, "verify", "bundles", 0);
    rc = vault_verify(v, &o, &r);
    cli_progress_finish(&out.progress);
    if (rc < 0)
        cli_error_from("verify");
    else
        summary(cli, &r, rc, &out);
    json_decref(out.problems);
    vault_close(v);
    free(cp);
    return rc == 0 ? EXIT_OK : EXIT_FAIL;
}
