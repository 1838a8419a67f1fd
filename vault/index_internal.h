/* index_internal.h: shared by the index's files; not for other modules. */
#ifndef OKRA_INDEX_INTERNAL_H
#define OKRA_INDEX_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "vault/index.h"
#include "vault/index_row.h"

enum stmt_id {
    ST_ADD_BUNDLE,
    ST_ADD_ITEM,
    ST_FIND_SHA,
    ST_ID_TAKEN,
    ST_PUT_STATE,
    N_STMTS,
};

#define SCHEMA_VERSION "5" /* 5: rows sealed */

/* The item columns every query reads, in this order (then what the query adds). */
#define ITEM_COLUMNS "id, sha256, seq, pos, format, serial, sha1, subject, issuer, not_after, " \
                     "medium, json, seal"
#define ITEM_N_COLUMNS 13

struct vindex {
    sqlite3           *db;
    sqlite3_stmt      *st[N_STMTS];
    char              *path;      /* how messages name it */
    char               vault_id[VAULT_ID_HEX + 1];
    struct index_key  *key;       /* secure memory */
    bool               private_file; /* built in a private temporary file, thrown away at close */
    struct index_state state;     /* as sealed, plus this transaction's rows */
    struct index_state saved;     /* at the start of the transaction */
    bool               in_tx;
};

/* vindex_add_item with the item's text given with its length (not NUL-terminated). */
int vindex_add_item_n(struct vindex *x, uint64_t seq, uint32_t pos, json_t *item, const char *text,
                      size_t len, const char *medium);

/* An item's stored JSON with its bundle spliced in after the id (malloc'd). */
char *vindex_item_with_bundle(const char *text, uint64_t seq);

int  vindex_db_fail(struct vindex *x, const char *what);
void vindex_bind_text(sqlite3_stmt *s, int i, const char *t);
void vindex_normalise_hex(const char *in, char *out, size_t cap, bool strip_zeros);

/* The refusal when a row or the summary does not carry its seal: names the row and the fix. */
int vindex_edited(struct vindex *x, const char *what);

/*
 * Reads the ITEM_COLUMNS of a step's row (from column 0) and checks its seal:
 * 0, or vindex_edited(). The row's strings live until the next step.
 */
int vindex_item_row_read(struct vindex *x, sqlite3_stmt *s, struct index_item_row *r);

/* Reads every item row and checks each seal: what a lookup that found nothing runs. */
int vindex_check_all_items(struct vindex *x);

#endif
