/*
 * bundle.h: writing one bundle (doc/FORMAT.md, 5 to 8).
 *
 *   MANIFEST.json
 *   payload/0001.age        the original bytes, age-encrypted to the vault recipient
 *   payload/0001.p12.age    for an inspected item: the key and certificates as opened
 *   ...
 *   SHA256SUMS              sha256sum(1) lines for MANIFEST.json and every payload
 *   SHA256SUMS.minisig      signed by the station key, trusted comment
 *                           "okra vault=<id> seq=<n> kind=<kind>"
 *
 * Memory stays bounded however many items a bundle holds: worker threads
 * encrypt payloads into memory (a large one spills to its stager's file in
 * VAULT/tmp); as each item is added, in order, its payloads' tar entries go
 * to a body file and its manifest line and checksum lines to two more; the
 * commit writes MANIFEST.json, appends the body as it is, then SHA256SUMS
 * and the signature. Commit is atomic and
 * durable: the tar is written to tmp/, fsynced, renamed into bundles/ (never
 * over an existing bundle), the folder fsynced, then CHECKPOINT updated.
 */
#ifndef OKRA_BUNDLE_H
#define OKRA_BUNDLE_H

#include <stdint.h>

#include <jansson.h>

#include "crypto/age.h"
#include "vault/vault.h"

struct bundle_writer;
struct bw_stager;

/* A staged payload: in memory (mem), or, when large, in its stager's file. */
struct bw_blob {
    uint8_t *mem;        /* malloc'd ciphertext, or NULL */
    uint32_t stager;
    uint64_t off;
    uint64_t len;
    uint8_t  sha256[32]; /* of the staged (encrypted) bytes */
};

/* Frees a blob that will not be added (a file found already sealed). */
void bw_blob_release(struct bw_blob *b);

struct bundle_header {
    const char *kind;     /* "import", "ceremony-init", "recovery", ... */
    const char *operator_name;
    json_t     *media;    /* borrowed; NULL when no medium */
    json_t     *extra;    /* borrowed; kind-specific fields merged in before "items" */
};

/*
 * Starts the next bundle of an open-for-writing vault: its seq follows the
 * newest bundle, prev is that bundle's SHA256SUMS hash (from CHECKPOINT when
 * it is current, else read from the bundle).
 */
int bw_begin(struct vault *v, const struct bundle_header *h, struct bundle_writer **ret);
uint64_t bw_seq(const struct bundle_writer *bw);
const char *bw_time(const struct bundle_writer *bw);
const char *bw_prev(const struct bundle_writer *bw); /* "" for seq 0 */

/* A stager per thread; stagers are freed with the writer. */
int bw_stager_new(struct bundle_writer *bw, struct bw_stager **ret);

/* Encrypts plaintext to the vault recipient into the stager (streaming). */
int bw_stage_begin(struct bw_stager *s, struct age_writer **ret_writer);
int bw_stage_end(struct bw_stager *s, struct age_writer *w, struct bw_blob *ret);
void bw_stage_abandon(struct bw_stager *s, struct age_writer *w);

/* One-shot: plaintext in memory to a blob. */
int bw_stage_plain(struct bw_stager *s, const uint8_t *p, size_t n, struct bw_blob *ret);

/*
 * Adds an item, in order (one thread). Sets the item's "payload" (and
 * "opened" when opened is not NULL) to its member names. Returns the item's
 * place in the bundle (from 1).
 */
int bw_add_item(struct bundle_writer *bw, json_t *item, struct bw_blob *payload,
                struct bw_blob *opened);
/* The JSON text of the item added last, as the manifest holds it (valid until the next add). */
const char *bw_last_item_text(const struct bundle_writer *bw);
uint32_t bw_item_count(const struct bundle_writer *bw);

/*
 * Assembles, signs and commits; fills the new bundle's SHA256SUMS hash (hex).
 * Returns 0; 1 when the bundle is committed but CHECKPOINT could not be
 * updated (the reason is left; the next commit brings it up to date); or
 * negative when nothing was committed.
 */
int bw_commit(struct bundle_writer *bw, char ret_sums_hex[SHA256_HEX]);

/* Frees the writer; without a commit, removes its staging files. NULL ok. */
void bw_free(struct bundle_writer *bw);

/* "payload/0001.age", "payload/0001.p12.age" */
void bundle_payload_name(uint32_t item_no, int opened, char *out, size_t cap);

/* The trusted comment of bundle seq. out holds 160. */
void bundle_trusted_comment(const char *vault_id, uint64_t seq, const char *kind, char *out,
                            size_t cap);

#endif
