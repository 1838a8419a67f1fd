/* index_sync.c: bringing the index up to date from the bundles themselves. */
#include "vault/index_internal.h"
#include "vault/bundle_read.h"
#include "vault/checkpoint.h"
#include "vault/manifest.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/sha256.h"

#include <stdlib.h>
#include <string.h>

struct reading {
    struct vindex       *x;
    uint64_t             seq;
    struct manifest_head head;
    json_t              *media;
    char                *medium; /* its --medium words */
    char                *operator_name;
    uint32_t             n_items;
    json_t              *summary; /* see struct vindex_bundle */
};

/* The counts 'okra log' shows for a ceremony record, from its manifest's fields. */
static void
summarise(json_t *summary, const char *key, json_t *value)
{
    if ((!strcmp(key, "recovered") || !strcmp(key, "shares")) && json_is_array(value))
        json_object_set_new(summary, key, json_integer((json_int_t) json_array_size(value)));
    else if (!strcmp(key, "retired") && json_is_array(value))
        json_object_set(summary, key, value);
    else if (!strcmp(key, "set") && json_is_object(value))
        json_object_set_new(summary, key,
                            json_pack("{s:O?, s:O?, s:I}", "id", json_object_get(value, "id"),
                                      "threshold", json_object_get(value, "threshold"),
                                      "custodians", (json_int_t) json_array_size(
                                                        json_object_get(value, "custodians"))));
}

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct reading *r = ctx;

    if (!strcmp(key, "media")) {
        json_decref(r->media);
        r->media = json_incref(value);
        free(r->medium);
        r->medium = vindex_medium_text(value);
    } else if (!strcmp(key, "operator") && json_is_string(value)) {
        free(r->operator_name);
        r->operator_name = strdup(json_string_value(value));
    } else {
        summarise(r->summary, key, value);
    }
    return manifest_head_field(&r->head, key, value);
}

static int
on_item(void *ctx, json_t *item, uint32_t index)
{
    struct reading *r = ctx;

    r->n_items = index;
    return vindex_add_item(r->x, r->seq, index, item, NULL, r->medium);
}

/* One pass over the bundle: its manifest into the index, its SHA256SUMS hashed. */
int
vindex_add_bundle_file(struct vindex *x, struct vault *v, uint64_t seq)
{
    struct reading          r = { .x = x, .seq = seq, .summary = json_object() };
    struct manifest_cb      cb = { on_field, on_item, &r };
    struct manifest_reader *mr = NULL;
    struct bundle_reader   *br;
    struct sha256           h = { 0 };
    char                    name[64], sums[SHA256_HEX] = "";
    const char             *member;
    uint64_t                size;
    int                     rc;

    vault_bundle_name(seq, name, sizeof name);
    if ((rc = bundle_open(v->dirfd, name, &br)) < 0)
        return rc;
    while (rc >= 0 && (rc = bundle_next(br, &member, &size)) > 0) {
        const uint8_t *p;
        size_t         n;
        bool           man = !strcmp(member, "MANIFEST.json"), sum = !strcmp(member, "SHA256SUMS");

        if (!man && !sum)
            continue;
        if (man && (rc = manifest_reader_new(&cb, &mr)) < 0)
            break;
        if (sum)
            sha256_init(&h);
        while ((rc = bundle_data(br, &p, &n)) > 0) {
            if (sum)
                sha256_update(&h, p, n);
            else if ((rc = manifest_reader_feed(mr, p, n)) < 0)
                break;
        }
        if (sum && rc == 0) {
            uint8_t d[32];

            sha256_final(&h, d);
            hex_encode(sums, d, 32);
        }
        if (man && rc == 0)
            rc = manifest_reader_finish(mr);
    }
    bundle_close(br);
    sha256_free(&h);
    manifest_reader_free(mr);
    if (rc == 0 && (mr == NULL || !*sums))
        rc = okra_fail(-EINVAL, "%s/%s lacks MANIFEST.json or SHA256SUMS", v->dir, name);
    if (rc == 0 && (rc = manifest_head_check(&r.head)) == 0) {
        struct vindex_bundle b = { seq, sums, r.head.prev, r.head.kind, r.head.time,
                                   r.operator_name, r.media, r.n_items, r.summary };

        if (r.head.seq != seq)
            rc = okra_fail(-EINVAL, "%s/%s says it is bundle %llu; run 'okra verify'", v->dir, name,
                           (unsigned long long) r.head.seq);
        else
            rc = vindex_add_bundle(x, &b);
    }
    json_decref(r.media);
    json_decref(r.summary);
    free(r.medium);
    free(r.operator_name);
    if (rc < 0 && strstr(okra_errmsg(), name) == NULL)
        okra_fail_prefix(rc, "%s/%s: ", v->dir, name);
    return rc;
}

static int
add_from(struct vindex *x, struct vault *v, const uint64_t *seqs, size_t n, size_t from,
         void (*progress)(void *, uint64_t, uint64_t), void *ctx)
{
    size_t i;
    int    rc;

    if ((rc = vindex_begin(x)) < 0)
        return rc;
    for (i = from; i < n; i++) {
        if ((rc = vindex_add_bundle_file(x, v, seqs[i])) < 0) {
            vindex_rollback(x);
            return rc;
        }
        if (progress)
            progress(ctx, i + 1 - from, n - from);
    }
    return vindex_commit(x);
}

int
vindex_rebuild(struct vindex *x, struct vault *v,
               void (*progress)(void *, uint64_t, uint64_t), void *ctx)
{
    uint64_t *seqs;
    size_t    n;
    int       rc;

    if ((rc = vault_list_bundles(v, &seqs, &n)) < 0)
        return rc;
    if (sqlite3_exec(x->db, "BEGIN IMMEDIATE; DELETE FROM items; DELETE FROM bundles; COMMIT;",
                     NULL, NULL, NULL) != SQLITE_OK)
        rc = vindex_db_fail(x, "clearing");
    else
        rc = add_from(x, v, seqs, n, 0, progress, ctx);
    free(seqs);
    return rc;
}

int
vindex_sync(struct vindex *x, struct vault *v,
            void (*progress)(void *, uint64_t, uint64_t), void *ctx)
{
    uint64_t *seqs, last;
    size_t    n, have;
    char      sums[SHA256_HEX], actual[SHA256_HEX], name[64];
    int       rc;

    if ((rc = vault_list_bundles(v, &seqs, &n)) < 0)
        return rc;
    rc = vindex_last(x, &last, sums);
    if (rc == -ENOENT) {
        rc = add_from(x, v, seqs, n, 0, progress, ctx);
        free(seqs);
        return rc;
    }
    have = 0;
    while (have < n && seqs[have] <= last)
        have++;
    /*
     * The index's newest bundle must be a bundle on disk with the same sums:
     * the signed CHECKPOINT says so cheaply when it is current; else the
     * bundle's SHA256SUMS is read.
     */
    if (rc == 0 && have > 0 && seqs[have - 1] == last) {
        struct checkpoint cp;
        bool              same = checkpoint_read(v, &v->station_pub, &cp) == 0 && cp.seq == last &&
                    !strcmp(cp.sums, sums);

        vault_bundle_name(last, name, sizeof name);
        if (same || (bundle_read_sums_hash(v->dirfd, name, actual) == 0 && !strcmp(actual, sums))) {
            rc = have == n ? 0 : add_from(x, v, seqs, n, have, progress, ctx);
            free(seqs);
            return rc;
        }
    }
    free(seqs);
    return vindex_rebuild(x, v, progress, ctx);
}
