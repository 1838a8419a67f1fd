/*
 * recover_items.c: a recovery's items chosen in bulk (a departed employee's
 * keys, one issuer's, one medium's), listed and confirmed before any share
 * is asked; and the report of what was recovered.
 */
#include "cli/recover.h"
#include "common/err.h"
#include "vault/checkpoint.h"

#include <stdlib.h>
#include <string.h>

bool
cli_recover_filtered(const struct cli_recover *o)
{
    return o->filter.subject || o->filter.path || o->by_bundle;
}

/* ---- items chosen in bulk ---- */

static int
choose(void *ctx, const char *text)
{
    struct cli_recover *o = ctx;
    json_t     *j = json_loads(text, 0, NULL);
    const char *id = json_string_value(json_object_get(j, "id"));
    char      **grown;

    if (id && (!o->by_bundle ||
               (uint64_t) json_integer_value(json_object_get(j, "bundle")) == o->bundle)) {
        if ((grown = realloc(o->chosen, (o->n_chosen + 1) * sizeof *grown)) == NULL ||
            (grown[o->n_chosen] = strdup(id)) == NULL) {
            if (grown)
                o->chosen = grown;
            json_decref(j);
            return okra_fail(-ENOMEM, "out of memory");
        }
        o->chosen = grown;
        o->n_chosen++;
    }
    json_decref(j);
    return 0;
}

/*
 * The filters' items beside the ITEMs named: the index says which (each is
 * then read from its verified bundle, as a named ITEM is).
 */
int
cli_recover_select(struct cli *cli, struct cli_recover *o)
{
    char **all;
    size_t i;

    if (!cli_recover_filtered(o))
        return 0;
    if (vindex_list(o->r.x, &o->filter, choose, o) < 0) {
        cli_error_from("the items to recover");
        return EXIT_FAIL;
    }
    if (o->n_chosen == 0 && o->r.n_queries == 0) {
        cli_error("no item matches%s%s%s%s%s; nothing was recovered and no share was asked for",
                  o->filter.subject ? " --subject " : "", o->filter.subject ? o->filter.subject : "",
                  o->filter.path ? " --path " : "", o->filter.path ? o->filter.path : "",
                  o->by_bundle ? " --bundle" : "");
        return EXIT_FAIL;
    }
    if ((all = calloc(o->r.n_queries + o->n_chosen + 1, sizeof *all)) == NULL) {
        cli_error("out of memory");
        return EXIT_FAIL;
    }
    for (i = 0; i < o->r.n_queries; i++)
        all[i] = o->r.queries[i];
    for (i = 0; i < o->n_chosen; i++)
        all[o->r.n_queries + i] = o->chosen[i];
    o->r.queries = all;
    o->r.n_queries += o->n_chosen;
    return 0;
}

/* Several items: the list, on stderr, and at a terminal a yes before any share is asked. */
int
cli_recover_confirm(struct cli *cli, struct cli_recover *o)
{
    const struct cer_recovery *r = &o->r;
    char                       q[512];
    size_t                     i;

    if (r->n_items < 2 && !cli_recover_filtered(o))
        return 0;
    fflush(stdout);
    fprintf(stderr, "%zu item%s to recover into ", r->n_items, r->n_items == 1 ? "" : "s");
    cli_put_safe(stderr, r->out_dir);
    fputs(":\n", stderr);
    for (i = 0; i < r->n_items; i++) {
        const struct cer_recovery_item *it = &r->items[i];
        const char *what = json_string_value(
            json_object_get(json_object_get(it->verified, "cert"), "subject"));

        fprintf(stderr, "  %-16s  %-20s  bundle %-6llu  ", it->id, it->format ? it->format : "?",
                (unsigned long long) it->bundle);
        cli_put_safe(stderr, what && *what ? what : it->source ? it->source : "");
        fputc('\n', stderr);
    }
    if (!cli_interactive(cli))
        return 0; /* --passphrase-file: a scripted recovery, as given */
    snprintf(q, sizeof q, "Recover these %zu items? Type yes to go on, before any share is "
                          "asked: ", r->n_items);
    return cli_confirm(cli, q);
}

/* ---- the report ---- */

static void
report_json(const struct cer_recovery *r)
{
    json_t *files = json_array(), *j;
    size_t  i;

    for (i = 0; i < r->n_items; i++)
        json_array_append_new(files, json_pack("{s:s, s:s, s:s}", "id", r->items[i].id, "file",
                                               r->items[i].out, "as", cer_recovery_as(r)));
    j = json_pack("{s:o, s:s, s:I, s:i, s:b, s:o}", "files", files, "out", r->out_dir, "bundle",
                  (json_int_t) r->seq, "set", (int) r->set, "set_issued_here",
                  cer_sets_find(&r->sets, r->set) != NULL, "shares",
                  cer_shares_json(&r->sets, r->given, r->n_shares));
    cli_print_json_transcript(r->v, j);
}

void
cli_recover_report(struct cli *cli, const struct cer_recovery *r)
{
    size_t i;

    if (cli->json) {
        report_json(r);
        return;
    }
    for (i = 0; i < r->n_items; i++) {
        printf("recovered  %s  ", r->items[i].id);
        cli_put_safe(stdout, r->out_dir);
        printf("/%s  (%s, from bundle %llu)\n", r->items[i].out, cer_recovery_as(r),
               (unsigned long long) r->items[i].bundle);
    }
    printf("recorded as bundle %llu (recovery), share set %u%s; shares used:\n",
           (unsigned long long) r->seq, r->set,
           cer_sets_find(&r->sets, r->set) ? "" : " (not issued by this vault)");
    cli_print_shares_used(&r->sets, r->given, r->n_shares, true);
    printf("\ncheckpoint (the auditor keeps a copy):\n");
    cli_print_checkpoint(r->v);
}
