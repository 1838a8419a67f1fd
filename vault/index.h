/*
 * index.h: VAULT/index.sqlite, a cache for lookups. Always rebuildable from
 * bundles/; every command works without it (it is rebuilt, or brought up to
 * date, on first use). It never holds a secret.
 *
 * Items by id, id prefix, serial, thumbprint, subject, medium and bundle;
 * bundles by seq.
 */
#ifndef OKRA_INDEX_H
#define OKRA_INDEX_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "common/err.h"
#include "vault/vault.h"

struct vindex;

/* Opens (creating when missing) the index of a vault. A damaged or foreign
   index file is replaced. */
OKRA_MUST_CHECK
int vindex_open(struct vault *v, struct vindex **ret);
void vindex_close(struct vindex *x);

/*
 * Brings the index up to date with bundles/: adds the bundles it lacks; when
 * it disagrees with the bundles (a bundle's sums differ, or it knows bundles
 * that are gone), rebuilds it. progress, when set, is called now and then.
 */
int vindex_sync(struct vindex *x, struct vault *v,
                void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);
/* Drops everything and reads every bundle again. */
int vindex_rebuild(struct vindex *x, struct vault *v,
                   void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);

/* A writer's transaction around adding one bundle. */
int vindex_begin(struct vindex *x);
int vindex_commit(struct vindex *x);
void vindex_rollback(struct vindex *x);

struct vindex_bundle {
    uint64_t    seq;
    const char *sums;     /* hex sha256 of its SHA256SUMS */
    const char *prev;     /* "" for seq 0 */
    const char *kind;
    const char *time;
    const char *operator_name;
    json_t     *media;    /* borrowed, may be NULL */
    uint32_t    n_items;
    /*
     * What a ceremony record holds beside items (borrowed, may be NULL):
     * {"recovered": n, "shares": n, "set": {"id", "threshold", "custodians": n},
     *  "retired": [ids]}, each when the manifest has it.
     */
    json_t     *summary;
};
int vindex_add_bundle(struct vindex *x, const struct vindex_bundle *b);
/*
 * Adds an item. item_text: its JSON as the manifest holds it (NULL: dumped
 * here); medium: vindex_medium_text() of its bundle's media, or NULL.
 */
int vindex_add_item(struct vindex *x, uint64_t seq, uint32_t pos, json_t *item,
                    const char *item_text, const char *medium);
/* The words a --medium filter matches, from a manifest's media (malloc'd; NULL when none). */
char *vindex_medium_text(json_t *media);

/*
 * Whether a file with this sha256 is sealed: 1 (with its bundle and id), 0,
 * or <0. With id, also whether another file holds that id (*ret_id_taken).
 */
int vindex_find_sha256(struct vindex *x, const char *sha256_hex, const char *id,
                       uint64_t *ret_seq, char ret_id[65], bool *ret_id_taken);
/* Whether an item id is taken: 1, 0, or <0. */
int vindex_id_taken(struct vindex *x, const char *id);

/*
 * Looks an item up by id, unique id prefix (4 hex digits or more), serial
 * or SHA-1 thumbprint (any case, with or without ':' or spaces). Returns 0
 * with the item (new reference, with "bundle"), -ENOENT, or -EEXIST when the
 * query names several (the reason lists them).
 */
int vindex_lookup(struct vindex *x, const char *query, json_t **ret_item);

struct vindex_filter {
    const char *subject;        /* substring, any case */
    const char *issuer;
    const char *expires_before; /* RFC 3339 or YYYY-MM-DD */
    const char *medium;         /* substring of label, serial, vendor, model or UUID */
    const char *format;
    const char *path;           /* substring of source.path, any case (ASCII) */
    uint64_t    limit;          /* 0: all */
    uint64_t    offset;
};
/* Items in vault order; each as stored JSON text (with "bundle"). */
int vindex_list(struct vindex *x, const struct vindex_filter *f,
                int (*each)(void *ctx, const char *json_text), void *ctx);

/* How many items were sealed uninspected (no certificate fields to match). */
int vindex_count_uninspected(struct vindex *x, uint64_t *ret);

/* Bundles in order: seq, time, kind, operator, media and summary (JSON text or NULL), items. */
struct vindex_bundle_row {
    uint64_t    seq;
    const char *time, *kind, *operator_name, *media_json, *sums, *summary_json;
    uint32_t    n_items;
};
int vindex_bundles(struct vindex *x, int (*each)(void *ctx, const struct vindex_bundle_row *r),
                   void *ctx);

/* Last bundle the index holds: seq and sums; -ENOENT when empty. */
int vindex_last(struct vindex *x, uint64_t *ret_seq, char ret_sums[SHA256_HEX]);

/* Reads one bundle's manifest and sums into the index (used by sync and ingest). */
int vindex_add_bundle_file(struct vindex *x, struct vault *v, uint64_t seq);

#endif
