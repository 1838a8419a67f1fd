/*
 * index.h: VAULT/index.sqlite, a cache for lookups that cannot lie.
 *
 * It is filled only from bundles that verified (vault/verify_bundle.h),
 * each bundle linked to the one before it, and every row (item rows, bundle
 * rows, and a summary of how many of each and the newest bundle's
 * SHA256SUMS hash) carries a seal keyed from the station's secret key
 * (vault/index_row.h). Every row okra reads is checked against its seal,
 * and the summary against the rows when the index is opened, so an edit
 * (a forged, altered, moved or deleted row) makes the command refuse,
 * naming 'okra reindex', instead of acting on it. Where the station key
 * cannot be read (an auditor's copy) or the folder cannot be written (a
 * read-only copy), the index is built from the verified bundles in a
 * private temporary file that is never written into the vault, and thrown
 * away at the end.
 *
 * What the index cannot prove by itself is an absence: a row hidden by an
 * edit is caught when a list or a lookup that found nothing reads every row
 * (both do), and by 'okra verify', which compares every row with the
 * manifests. It never holds a secret.
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

/*
 * Opens (creating when missing) the index of a vault, or a private one (see
 * above). A damaged, foreign or older index file is replaced. An index whose
 * seals do not hold is refused (-EBADMSG, the reason names 'okra reindex').
 */
OKRA_MUST_CHECK
int  vindex_open(struct vault *v, struct vindex **ret);
/* For 'okra reindex': the index file is removed and made anew (the caller holds the lock). */
OKRA_MUST_CHECK
int  vindex_open_new(struct vault *v, struct vindex **ret);
void vindex_close(struct vindex *x);
/* Whether it lives in a private temporary file (not the vault's index.sqlite). */
bool vindex_is_private(const struct vindex *x);

/*
 * Brings the index up to date with bundles/: verifies and adds the bundles it
 * lacks, each linked to the one before, and checks CHECKPOINT against them.
 * A bundle that does not verify, a broken link, or bundles that are not the
 * ones the index was built from (gone, or replaced: a rollback or a restore)
 * are refused with a reason naming 'okra verify'. progress, when set, is
 * called now and then.
 */
OKRA_MUST_CHECK
int vindex_sync(struct vindex *x, struct vault *v,
                void (*progress)(void *ctx, uint64_t done, uint64_t total), void *ctx);
/* Drops everything and reads (and verifies) every bundle again, in one transaction. */
OKRA_MUST_CHECK
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
/* A manifest's field into a bundle's summary (struct vindex_bundle), when it is one it counts. */
void vindex_summarise(json_t *summary, const char *key, json_t *value);
/* The words a --medium filter matches, from a manifest's media (malloc'd; NULL when none). */
char *vindex_medium_text(json_t *media);

/*
 * Whether a file with this sha256 is sealed: 1 (with its bundle and id), 0,
 * or <0. With id, also whether another file holds that id (*ret_id_taken).
 */
int vindex_find_sha256(struct vindex *x, const char *sha256_hex, const char *id,
                       uint64_t *ret_seq, char ret_id[65], bool *ret_id_taken);
/*
 * Whether a sealed row of the file with this sha256 carries an opened payload
 * (it was inspected): 1, 0 (sealed uninspected only, or not at all), or <0.
 */
int vindex_sha256_opened(struct vindex *x, const char *sha256_hex);
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

/*
 * Verifies bundle seq (the next one the index lacks) and adds it: its rows
 * only when it verifies and links to the bundle before (inside the caller's
 * transaction).
 */
OKRA_MUST_CHECK
int vindex_add_bundle_file(struct vindex *x, struct vault *v, uint64_t seq);

/*
 * Whether bundle seq, whose SHA256SUMS hash is sums (computed by the caller
 * from the bytes it verified), is the one the index's sealed chain holds at
 * seq, linked through every later bundle to the newest (which the last sync
 * checked against CHECKPOINT). 0, or -EBADMSG/-EINVAL with the reason.
 */
OKRA_MUST_CHECK
int vindex_chain_check(struct vindex *x, uint64_t seq, const char *sums);

/*
 * For 'okra verify': compares the vault's index.sqlite, read only and as it
 * is (seals aside: an auditor has no station key), with what the verified
 * bundles say its rows must be. want[i] is bundle i's row and items_digest
 * the BLAKE2b-256 of its item rows' canonical forms in order
 * (index_item_row_feed). Returns 0 when it matches (*ret_behind when it
 * lacks the newest bundles), 1 when it does not (why says how), -ENOENT
 * when there is no index, <0 when it cannot be read.
 */
struct index_bundle_row;
OKRA_MUST_CHECK
int vindex_audit(struct vault *v, const struct index_bundle_row *want,
                 const uint8_t (*items_digest)[32], size_t n, bool *ret_behind, char *why,
                 size_t cap);

/*
 * For 'okra verify' after vindex_audit matched, where the station key can be
 * read: whether every row also carries its seal (an index whose rows say the
 * right things under broken seals makes every other command refuse). 1 all
 * hold, 0 not checked (no key, or a read-only copy), <0 with the reason.
 */
int vindex_audit_seals(struct vault *v);

#endif
