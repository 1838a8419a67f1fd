/* okra log: the vault's history, one line per bundle, in columns. */
#include "cli/cli.h"
#include "cli/vault_access.h"
#include "common/err.h"
#include "common/text.h"

#include <stdlib.h>
#include <string.h>


/* A column wider than this does not widen the others' alignment. */
#define COLUMN_MAX 32

struct row {
    char    *cells[5]; /* seq, time, kind, operator, medium: escaped */
    char    *what;     /* "2 sealed", "1 recovered with 2 shares", ... */
};

struct log_ctx {
    bool        json;
    uint64_t    n;
    struct row *rows;
    size_t      n_rows, cap;
};

/* What a bundle did, in words, from its item count and its summary. */
static char *
what_text(const struct vindex_bundle_row *r, json_t *sum)
{
    json_t *set = json_object_get(sum, "set"), *retired = json_object_get(sum, "retired");
    char   *out = NULL, *tail = NULL;
    size_t  i;

    if (json_is_integer(json_object_get(sum, "recovered")))
        return asprintf(&out, "%lld recovered with %lld shares",
                        (long long) json_integer_value(json_object_get(sum, "recovered")),
                        (long long) json_integer_value(json_object_get(sum, "shares"))) < 0
                   ? NULL : out;
    if (!json_is_object(set))
        return asprintf(&out, "%u sealed", r->n_items) < 0 ? NULL : out;
    for (i = 0; i < json_array_size(retired); i++) {
        char *t;

        if (asprintf(&t, "%s%s%lld", tail ? tail : "; retired set ", tail ? ", " : "",
                     (long long) json_integer_value(json_array_get(retired, i))) < 0)
            t = NULL;
        free(tail);
        tail = t;
    }
    if (asprintf(&out, "set %lld issued, %lld of %lld%s",
                 (long long) json_integer_value(json_object_get(set, "id")),
                 (long long) json_integer_value(json_object_get(set, "threshold")),
                 (long long) json_integer_value(json_object_get(set, "custodians")),
                 tail ? tail : "") < 0)
        out = NULL;
    free(tail);
    return out;
}

static void
print_json(struct log_ctx *l, const struct vindex_bundle_row *r, json_t *media, json_t *sum)
{
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:O, s:I}", "seq", (json_int_t) r->seq, "time",
                          r->time ? r->time : "", "kind", r->kind ? r->kind : "", "operator",
                          r->operator_name ? r->operator_name : "", "media",
                          media ? media : json_null(), "items", (json_int_t) r->n_items);
    char   *t;

    json_object_update(j, sum);
    t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
    printf("%s  %s", l->n ? ",\n" : "[\n", t);
    free(t);
    json_decref(j);
}

static int
keep_row(struct log_ctx *l, const struct vindex_bundle_row *r, json_t *media, json_t *sum)
{
    struct row *row;
    char        seq[24];

    if (l->n_rows == l->cap) {
        struct row *p = realloc(l->rows, (l->cap = l->cap ? 2 * l->cap : 64) * sizeof *p);

        if (p == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        l->rows = p;
    }
    row = &l->rows[l->n_rows++];
    snprintf(seq, sizeof seq, "%llu", (unsigned long long) r->seq);
    row->cells[0] = strdup(seq);
    row->cells[1] = cli_safe_dup(r->time ? r->time : "");
    row->cells[2] = cli_safe_dup(r->kind ? r->kind : "");
    row->cells[3] = cli_safe_dup(r->operator_name ? r->operator_name : "-");
    {
        /* a manifest's media fields were escaped once when recorded: not twice */
        char *m = cli_media_text(media);

        row->cells[4] = text_escape_again(m ? m : "-", strlen(m ? m : "-"));
        free(m);
    }
    row->what = what_text(r, sum);
    return 0;
}

static int
each_bundle(void *ctx, const struct vindex_bundle_row *r)
{
    struct log_ctx *l = ctx;
    json_t         *media = r->media_json ? json_loads(r->media_json, 0, NULL) : NULL;
    json_t         *sum = r->summary_json ? json_loads(r->summary_json, 0, NULL) : NULL;
    int             rc = 0;

    if (sum == NULL)
        sum = json_object();
    if (l->json)
        print_json(l, r, media, sum);
    else
        rc = keep_row(l, r, media, sum);
    json_decref(media);
    json_decref(sum);
    l->n++;
    return rc;
}

/* Columns a cell takes on a terminal: its UTF-8 characters (escaped text has no control bytes). */
static size_t
columns(const char *s)
{
    size_t n = 0;

    for (; s && *s; s++)
        n += ((unsigned char) *s & 0xc0) != 0x80;
    return n;
}

static void
cell(const char *s, size_t w)
{
    size_t n = columns(s);

    fputs("  ", stdout);
    fputs(s ? s : "?", stdout);
    for (; n < w; n++)
        putchar(' ');
}

static void
print_rows(struct log_ctx *l)
{
    static const char *const head[5] = { "seq", "time", "kind", "operator", "medium" };
    size_t                   w[5], i, c;

    for (c = 0; c < 5; c++)
        w[c] = strlen(head[c]);
    for (i = 0; i < l->n_rows; i++)
        for (c = 0; c < 5; c++) {
            size_t n = columns(l->rows[i].cells[c]);

            if (n > w[c] && n <= COLUMN_MAX)
                w[c] = n;
        }
    printf("%*s  %-*s  %-*s  %-*s  %-*s  %s\n", (int) w[0], head[0], (int) w[1], head[1],
           (int) w[2], head[2], (int) w[3], head[3], (int) w[4], head[4], "record");
    for (i = 0; i < l->n_rows; i++) {
        struct row *r = &l->rows[i];

        printf("%*s", (int) w[0], r->cells[0] ? r->cells[0] : "?");
        for (c = 1; c < 5; c++)
            cell(r->cells[c], w[c]);
        printf("  %s\n", r->what ? r->what : "?");
    }
}

static void
free_rows(struct log_ctx *l)
{
    size_t i, c;

    for (i = 0; i < l->n_rows; i++) {
        for (c = 0; c < 5; c++)
            free(l->rows[i].cells[c]);
        free(l->rows[i].what);
    }
    free(l->rows);
}

int
cmd_log(struct cli *cli, int argc, char **argv)
{
    struct log_ctx l = { .json = cli->json };
    struct vault  *v;
    struct vindex *x;
    int            rc, first;

    if ((rc = cli_parse_no_options(cli, argc, argv, &first)) != 0)
        return rc;
    if (first != argc)
        return cli_usage(cli, "takes no operand");
    if (cli_open_indexed(cli, &v, &x) < 0)
        return EXIT_FAIL;
    rc = vindex_bundles(x, each_bundle, &l);
    if (cli->json)
        fputs(l.n ? "\n]\n" : "[]\n", stdout);
    else if (rc == 0)
        print_rows(&l);
    free_rows(&l);
    vindex_close(x);
    vault_close(v);
    if (rc < 0) {
        cli_error_from("log");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
