/* index_row.c: what an index row must hold, and its seal. */
#include "vault/index_row.h"
#include "vault/index_internal.h"
#include "common/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char key_context[] = "okra index.sqlite seal v1";

void
index_key_derive(const struct mini_seckey *sk, const char *vault_id, struct index_key *ret)
{
    crypto_generichash_state st;

    /* BLAKE2b keyed with the Ed25519 seed (the first half of the secret key) */
    crypto_generichash_init(&st, sk->sk, 32, sizeof ret->k);
    crypto_generichash_update(&st, (const uint8_t *) key_context, sizeof key_context);
    crypto_generichash_update(&st, (const uint8_t *) vault_id, strlen(vault_id));
    crypto_generichash_final(&st, ret->k, sizeof ret->k);
    sodium_memzero(&st, sizeof st);
}

void
index_key_random(struct index_key *ret)
{
    randombytes_buf(ret->k, sizeof ret->k);
}

static const char *
sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int
index_item_row_from(struct index_item_row *r, uint64_t seq, uint32_t pos, json_t *item,
                    const char *item_text, size_t text_len, const char *medium)
{
    json_t *cert = json_object_get(item, "cert"), *src = json_object_get(item, "source");

    memset(r, 0, sizeof *r);
    r->seq = seq;
    r->pos = pos;
    r->id = sget(item, "id");
    r->sha256 = sget(src, "sha256");
    if (r->id == NULL || r->sha256 == NULL)
        return okra_fail(-EINVAL, "an item has no id or sha256");
    r->format = sget(item, "format");
    if (sget(cert, "serial")) {
        vindex_normalise_hex(sget(cert, "serial"), r->serial_buf, sizeof r->serial_buf, true);
        r->serial = *r->serial_buf ? r->serial_buf : NULL;
    }
    if (sget(cert, "sha1")) {
        vindex_normalise_hex(sget(cert, "sha1"), r->sha1_buf, sizeof r->sha1_buf, false);
        r->sha1 = *r->sha1_buf ? r->sha1_buf : NULL;
    }
    r->subject = sget(cert, "subject");
    r->issuer = sget(cert, "issuer");
    r->not_after = sget(cert, "not_after");
    r->medium = medium;
    /* a copy: the text may be a slice of the manifest reader's buffer */
    r->own_json = item_text ? strndup(item_text, text_len) : json_dumps(item, JSON_PRESERVE_ORDER);
    if (r->own_json == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    r->json = r->own_json;
    return 0;
}

void
index_item_row_clear(struct index_item_row *r)
{
    free(r->own_json);
    r->own_json = NULL;
}

static void
feed_u64(crypto_generichash_state *st, uint64_t v)
{
    uint8_t b[8];
    int     i;

    for (i = 0; i < 8; i++)
        b[i] = (uint8_t) (v >> (8 * i));
    crypto_generichash_update(st, b, sizeof b);
}

/* A string with its length; NULL is not "". */
static void
feed_str(crypto_generichash_state *st, const char *s)
{
    feed_u64(st, s ? (uint64_t) strlen(s) : UINT64_MAX);
    if (s)
        crypto_generichash_update(st, (const uint8_t *) s, strlen(s));
}

void
index_item_row_feed(const struct index_item_row *r, crypto_generichash_state *st)
{
    crypto_generichash_update(st, (const uint8_t *) "item", 5);
    feed_u64(st, r->seq);
    feed_u64(st, r->pos);
    feed_str(st, r->id);
    feed_str(st, r->sha256);
    feed_str(st, r->format);
    feed_str(st, r->serial);
    feed_str(st, r->sha1);
    feed_str(st, r->subject);
    feed_str(st, r->issuer);
    feed_str(st, r->not_after);
    feed_str(st, r->medium);
    feed_str(st, r->json);
}

void
index_bundle_row_feed(const struct index_bundle_row *r, crypto_generichash_state *st)
{
    crypto_generichash_update(st, (const uint8_t *) "bundle", 7);
    feed_u64(st, r->seq);
    feed_str(st, r->sums);
    feed_str(st, r->prev);
    feed_str(st, r->kind);
    feed_str(st, r->time);
    feed_str(st, r->operator_name);
    feed_str(st, r->media);
    feed_u64(st, r->n_items);
    feed_str(st, r->summary);
}

static void
seal_begin(const struct index_key *k, crypto_generichash_state *st)
{
    crypto_generichash_init(st, k->k, sizeof k->k, INDEX_SEAL_LEN);
}

void
index_seal_item(const struct index_key *k, const struct index_item_row *r,
                uint8_t out[INDEX_SEAL_LEN])
{
    crypto_generichash_state st;

    seal_begin(k, &st);
    index_item_row_feed(r, &st);
    crypto_generichash_final(&st, out, INDEX_SEAL_LEN);
}

void
index_seal_bundle(const struct index_key *k, const struct index_bundle_row *r,
                  uint8_t out[INDEX_SEAL_LEN])
{
    crypto_generichash_state st;

    seal_begin(k, &st);
    index_bundle_row_feed(r, &st);
    crypto_generichash_final(&st, out, INDEX_SEAL_LEN);
}

void
index_seal_state(const struct index_key *k, const char *vault_id, const struct index_state *s,
                 uint8_t out[INDEX_SEAL_LEN])
{
    crypto_generichash_state st;

    seal_begin(k, &st);
    crypto_generichash_update(&st, (const uint8_t *) "state", 6);
    feed_str(&st, vault_id);
    feed_u64(&st, s->n_bundles);
    feed_u64(&st, s->n_items);
    feed_str(&st, s->last_sums);
    crypto_generichash_final(&st, out, INDEX_SEAL_LEN);
}

bool
index_seal_ok(const uint8_t want[INDEX_SEAL_LEN], const void *got, size_t got_len)
{
    return got != NULL && got_len == INDEX_SEAL_LEN && sodium_memcmp(want, got, INDEX_SEAL_LEN) == 0;
}
