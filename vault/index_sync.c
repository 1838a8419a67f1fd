/*
 * index_sync.c: the index filled from the bundles themselves, and only from
 * bundles that verified: each one checked whole (vault/verify_bundle.h)
 * while its items go in under a savepoint that is kept only when it
 * verifies, is the bundle its name says, and links to the bundle before.
 */
#include "vault/index_internal.h"
#include "vault/bundle_read.h"
#include "vault/checkpoint.h"
#include "vault/verify_bundle.h"
#include "common/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct adder {
    struct vindex *x;
    uint64_t       seq;
    json_t        *media;
    char          *medium; /* its --medium words */
    char          *operator_name;
    json_t        *summary; /* see struct vindex_bundle */
};

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct adder *a = ctx;

    if (!strcmp(key, "media")) {
        json_decref(a->media);
        a->media = json_incref(value);
        free(a->medium);
        a->medium = vindex_medium_text(value);
    } else if (!strcmp(key, "operator") && json_is_string(value)) {
        free(a->operator_name);
        a->operator_name = strdup(json_string_value(value));
    } else {
        vindex_summarise(a->summary, key, value);
    }
    return 0;
}

/* The item's text as the manifest holds it: what ingest stored, without a dump per item. */
static int
on_item(void *ctx, json_t *item, const char *text, size_t len, uint32_t pos)
{
    struct adder *a = ctx;

    return vindex_add_item_n(a->x, a->seq, pos, item, text, len, a->medium);
}

/* Verifies the bundle while its items go in; its bundle row and the link once it verified. */
static int
verify_and_add(struct vindex *x, struct vault *v, uint64_t seq, struct adder *a)
{
    struct bundle_hooks h = { on_field, on_item, NULL, a };
    struct bundle_check *c = calloc(1, sizeof *c);
    int                  rc;

    if (c == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    c->dirfd = v->dirfd;
    vault_bundle_name(seq, c->path, sizeof c->path);
    snprintf(c->display, sizeof c->display, "%s/%s", v->dir, c->path);
    c->key = &v->station_pub;
    c->hooks = &h;
    vault_verify_one_bundle(c);
    json_decref(c->policy);
    if (!c->ok)
        rc = okra_fail(-EBADMSG, "%s does not verify: %s; nothing was done (run 'okra verify')",
                       c->display, c->why);
    else if (c->head.seq != seq)
        rc = okra_fail(-EBADMSG, "%s holds bundle %llu, not bundle %llu as its name says "
                                 "(moved or replayed); run 'okra verify'", c->display,
                       (unsigned long long) c->head.seq, (unsigned long long) seq);
    else if (strcmp(c->head.vault_id, v->vault_id) != 0)
        rc = okra_fail(-EBADMSG, "%s belongs to vault %s, not this one; run 'okra verify'",
                       c->display, c->head.vault_id);
    else {
        struct vindex_bundle b = { seq, c->sums, c->head.prev, c->head.kind, c->head.time,
                                   a->operator_name, a->media, c->n_items, a->summary };

        if ((rc = vindex_add_bundle(x, &b)) < 0)
            okra_fail_prefix(rc, "%s: ", c->display);
    }
    free(c);
    return rc;
}

int
vindex_add_bundle_file(struct vindex *x, struct vault *v, uint64_t seq)
{
    struct adder       a = { .x = x, .seq = seq, .summary = json_object() };
    struct index_state before = x->state;
    int                rc;

    if (sqlite3_exec(x->db, "SAVEPOINT bundle", NULL, NULL, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "updating");
    rc = verify_and_add(x, v, seq, &a);
    if (rc < 0) {
        sqlite3_exec(x->db, "ROLLBACK TO bundle", NULL, NULL, NULL);
        x->state = before;
    }
    sqlite3_exec(x->db, "RELEASE bundle", NULL, NULL, NULL);
    json_decref(a.media);
    json_decref(a.summary);
    free(a.medium);
    free(a.operator_name);
    return rc;
}

static int
add_from(struct vindex *x, struct vault *v, size_t from, size_t n,
         void (*progress)(void *, uint64_t, uint64_t), void *ctx)
{
    size_t i;
    int    rc;

    if ((rc = vindex_begin(x)) < 0)
        return rc;
    for (i = from; i < n; i++) {
        if ((rc = vindex_add_bundle_file(x, v, i)) < 0) {
            vindex_rollback(x);
            return rc;
        }
        if (progress)
            progress(ctx, i + 1 - from, n - from);
    }
    return vindex_commit(x);
}

/* bundles/ holds 0 .. n-1 without a gap (a gap breaks the chain). */
static int
list_contiguous(struct vault *v, size_t *ret_n)
{
    uint64_t *seqs;
    size_t    n, i;
    int       rc;

    if ((rc = vault_list_bundles(v, &seqs, &n)) < 0)
        return rc;
    for (i = 0; i < n; i++)
        if (seqs[i] != i) {
            free(seqs);
            return okra_fail(-EBADMSG, "%s/bundles: bundle %zu is missing (removed); run 'okra "
                                       "verify'", v->dir, i);
        }
    free(seqs);
    *ret_n = n;
    return 0;
}

/* The newest bundle the index holds must still be the one on disk. */
static int
same_newest(struct vindex *x, struct vault *v, const struct checkpoint *cp, bool have_cp)
{
    uint64_t last = x->state.n_bundles - 1;
    char     name[64], actual[SHA256_HEX];

    if (have_cp && cp->seq == last && !strcmp(cp->sums, x->state.last_sums))
        return 0;
    vault_bundle_name(last, name, sizeof name);
    if (bundle_read_sums_hash(v->dirfd, name, actual) == 0 && !strcmp(actual, x->state.last_sums))
        return 0;
    return okra_fail(-EBADMSG, "%s/%s is not the bundle %s was built from (replaced, or the "
                               "vault was restored from a copy); run 'okra verify', then 'okra "
                               "reindex' if this vault was restored", v->dir, name, x->path);
}

/* CHECKPOINT, when there is one, must name a bundle of the chain with its sums, not one ahead. */
static int
check_checkpoint(struct vindex *x, struct vault *v, const struct checkpoint *cp)
{
    if (strcmp(cp->vault_id, v->vault_id) != 0)
        return okra_fail(-EBADMSG, "%s/CHECKPOINT names vault %s; run 'okra verify'", v->dir,
                         cp->vault_id);
    if (cp->seq >= x->state.n_bundles)
        return okra_fail(-EBADMSG, "%s/CHECKPOINT names bundle %llu, but the newest bundle is "
                                   "%lld (bundles were removed); run 'okra verify'", v->dir,
                         (unsigned long long) cp->seq, (long long) x->state.n_bundles - 1);
    if (vindex_chain_check(x, cp->seq, cp->sums) < 0)
        return okra_fail_prefix(-EBADMSG, "%s/CHECKPOINT: ", v->dir);
    return 0;
}

/* A CHECKPOINT that cannot be read or does not carry the station's signature. */
static int
checkpoint_refused(void)
{
    char why[512];

    snprintf(why, sizeof why, "%s", okra_errmsg());
    return okra_fail(-EBADMSG, "%s; run 'okra verify'", why);
}

int
vindex_sync(struct vindex *x, struct vault *v,
            void (*progress)(void *, uint64_t, uint64_t), void *ctx)
{
    struct checkpoint cp;
    size_t            n;
    int               rc, cprc;

    if ((rc = list_contiguous(v, &n)) < 0)
        return rc;
    cprc = checkpoint_read(v, &v->station_pub, &cp);
    if (cprc < 0 && cprc != -ENOENT)
        return checkpoint_refused();
    if (x->state.n_bundles > n)
        return okra_fail(-EBADMSG, "%s knew bundles up to %llu, but %s/bundles ends at %lld: "
                                   "bundles were removed or the vault was rolled back; run 'okra "
                                   "verify', then 'okra reindex' if this vault was restored",
                         x->path, (unsigned long long) x->state.n_bundles - 1, v->dir,
                         (long long) n - 1);
    if (x->state.n_bundles > 0 && (rc = same_newest(x, v, &cp, cprc == 0)) < 0)
        return rc;
    if (x->state.n_bundles < n && (rc = add_from(x, v, x->state.n_bundles, n, progress, ctx)) < 0)
        return rc;
    return cprc == 0 ? check_checkpoint(x, v, &cp) : 0;
}

int
vindex_rebuild(struct vindex *x, struct vault *v,
               void (*progress)(void *, uint64_t, uint64_t), void *ctx)
{
    struct checkpoint cp;
    size_t            n, i;
    int               rc;

    if ((rc = list_contiguous(v, &n)) < 0 || (rc = vindex_begin(x)) < 0)
        return rc;
    if (sqlite3_exec(x->db, "DELETE FROM items; DELETE FROM bundles;", NULL, NULL, NULL) !=
        SQLITE_OK) {
        rc = vindex_db_fail(x, "clearing");
        vindex_rollback(x);
        return rc;
    }
    memset(&x->state, 0, sizeof x->state);
    for (i = 0; i < n; i++) {
        if ((rc = vindex_add_bundle_file(x, v, i)) < 0) {
            vindex_rollback(x);
            return rc;
        }
        if (progress)
            progress(ctx, i + 1, n);
    }
    if ((rc = vindex_commit(x)) < 0)
        return rc;
    if ((rc = checkpoint_read(v, &v->station_pub, &cp)) == -ENOENT)
        return 0;
    return rc < 0 ? checkpoint_refused() : check_checkpoint(x, v, &cp);
}
