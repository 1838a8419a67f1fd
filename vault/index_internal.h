/* index_internal.h: shared by the index's files; not for other modules. */
#ifndef OKRA_INDEX_INTERNAL_H
#define OKRA_INDEX_INTERNAL_H

#include <sqlite3.h>
#include <stdbool.h>

#include "vault/index.h"

enum stmt_id {
    ST_ADD_BUNDLE,
    ST_ADD_ITEM,
    ST_FIND_SHA,
    ST_ID_TAKEN,
    ST_LAST,
    N_STMTS,
};

struct vindex {
    sqlite3      *db;
    sqlite3_stmt *st[N_STMTS];
    char         *path;
};

/* An item's stored JSON with its bundle spliced in after the id (malloc'd). */
char *vindex_item_with_bundle(const char *text, uint64_t seq);

int  vindex_db_fail(struct vindex *x, const char *what);
void vindex_bind_text(sqlite3_stmt *s, int i, const char *t);
void vindex_normalise_hex(const char *in, char *out, size_t cap, bool strip_zeros);

#endif
