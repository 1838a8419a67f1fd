/*
 * manifest.h: reading MANIFEST.json as a stream.
 *
 * A manifest of a large bundle holds hundreds of thousands of items; this
 * reader keeps one top-level value or one item at a time (each at most
 * MANIFEST_VALUE_MAX bytes), parses it with jansson, and hands it over, so
 * memory stays bounded. It accepts exactly one JSON object whose "items" is
 * an array of objects; anything else is refused.
 */
#ifndef OKRA_MANIFEST_H
#define OKRA_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#define MANIFEST_VALUE_MAX (1024 * 1024)

struct manifest_cb {
    /* each top-level field but "items" (value borrowed) */
    int (*on_field)(void *ctx, const char *key, json_t *value);
    /* each item in order, from 1 (borrowed) */
    int (*on_item)(void *ctx, json_t *item, uint32_t index);
    void *ctx;
};

struct manifest_reader;

int  vault_manifest_reader_new(const struct manifest_cb *cb, struct manifest_reader **ret);
int  vault_manifest_reader_feed(struct manifest_reader *r, const uint8_t *p, size_t n);
int  vault_manifest_reader_finish(struct manifest_reader *r); /* the object must be complete */
/*
 * Inside on_item: the item's text exactly as the manifest holds it (not
 * NUL-terminated; valid until on_item returns).
 */
const char *vault_manifest_reader_item_text(const struct manifest_reader *r, size_t *ret_len);
void vault_manifest_reader_free(struct manifest_reader *r);

/* The header fields every bundle's manifest has. */
struct manifest_head {
    char     format[32];
    char     vault_id[64];
    uint64_t seq;
    char     prev[72]; /* "" for null */
    char     kind[32];
    char     time[40];
    int      seen;     /* bit per field found */
};

/* An on_field helper that fills a struct manifest_head (ctx). */
int vault_manifest_head_field(struct manifest_head *h, const char *key, json_t *value);
/* Whether all of format, vault_id, seq, prev, kind, time were found and well formed. */
int vault_manifest_head_check(const struct manifest_head *h);

#endif
