/* index_query.c: finding and listing items and bundles in the index. */
#include "vault/index_internal.h"
#include "common/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool
all_hex(const char *s)
{
    for (; *s; s++)
        if (!isxdigit((unsigned char) *s))
            return false;
    return true;
}

/* Runs a lookup query; collects up to 3 hits' JSON. */
static int
collect(struct vindex *x, const char *sql, const char *a, const char *b, json_t *hits)
{
    sqlite3_stmt *s;
    int           rc;

    if (sqlite3_prepare_v2(x->db, sql, -1, &s, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    vindex_bind_text(s, 1, a);
    if (b)
        vindex_bind_text(s, 2, b);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW && json_array_size(hits) < 3) {
        json_t *j = json_loads((const char *) sqlite3_column_text(s, 0), 0, NULL);

        if (j) {
            json_object_set_new(j, "bundle", json_integer(sqlite3_column_int64(s, 1)));
            json_array_append_new(hits, j);
        }
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    return 0;
}

static int
pick(json_t *hits, const char *query, const char *what, json_t **ret)
{
    size_t n = json_array_size(hits);

    if (n == 1) {
        *ret = json_incref(json_array_get(hits, 0));
        return 0;
    }
    if (n > 1) {
        const char *a = json_string_value(json_object_get(json_array_get(hits, 0), "id"));
        const char *b = json_string_value(json_object_get(json_array_get(hits, 1), "id"));

        return okra_fail(-EEXIST, "'%s' names several items by %s (%s, %s%s); give more digits "
                                  "or the full id", query, what, a ? a : "?", b ? b : "?",
                         n > 2 ? ", ..." : "");
    }
    return -ENOENT;
}

int
vindex_lookup(struct vindex *x, const char *query, json_t **ret_item)
{
    char    norm[160], upper[168];
    json_t *hits = json_array();
    int     rc = -ENOENT;

    vindex_normalise_hex(query, norm, sizeof norm, false);
    if (!all_hex(norm) || strlen(norm) < 4) {
        json_decref(hits);
        return okra_fail(-ENOENT, "'%s' is not an item id, id prefix (4 hex digits or more), "
                                  "serial or thumbprint", query);
    }
    /* an exact id, then a serial, then a thumbprint, then an id prefix */
    rc = collect(x, "SELECT json, seq FROM items WHERE id = ?", norm, NULL, hits);
    if (rc == 0 && (rc = pick(hits, query, "id", ret_item)) == -ENOENT) {
        char serial[160];

        vindex_normalise_hex(query, serial, sizeof serial, true);
        if ((rc = collect(x, "SELECT json, seq FROM items WHERE serial = ? AND serial IS NOT NULL", serial, NULL, hits)) == 0)
            rc = pick(hits, query, "serial", ret_item);
    }
    if (rc == -ENOENT && strlen(norm) == 40 &&
        (rc = collect(x, "SELECT json, seq FROM items WHERE sha1 = ? AND sha1 IS NOT NULL", norm, NULL, hits)) == 0)
        rc = pick(hits, query, "thumbprint", ret_item);
    if (rc == -ENOENT) {
        snprintf(upper, sizeof upper, "%sg", norm); /* every id with the prefix sorts below */
        if ((rc = collect(x, "SELECT json, seq FROM items WHERE id >= ? AND id < ? ORDER BY id LIMIT 3",
                          norm, upper, hits)) == 0)
            rc = pick(hits, query, "id prefix", ret_item);
    }
    json_decref(hits);
    if (rc == -ENOENT)
        return okra_fail(-ENOENT, "no item '%s' in the vault (see 'okra list')", query);
    return rc;
}

/* Builds the WHERE clause of a list; binds in order. */
static char *
list_sql(const struct vindex_filter *f, const char **binds, int *n)
{
    char  *sql = NULL;
    size_t len = 0;
    FILE  *m = open_memstream(&sql, &len);

    *n = 0;
    if (m == NULL)
        return NULL;
    fputs("SELECT json, seq FROM items WHERE 1", m);
    if (f->subject)
        fputs(" AND subject LIKE '%' || ? || '%'", m), binds[(*n)++] = f->subject;
    if (f->issuer)
        fputs(" AND issuer LIKE '%' || ? || '%'", m), binds[(*n)++] = f->issuer;
    if (f->expires_before)
        fputs(" AND not_after IS NOT NULL AND not_after < ?", m), binds[(*n)++] = f->expires_before;
    if (f->medium)
        fputs(" AND medium LIKE '%' || ? || '%'", m), binds[(*n)++] = f->medium;
    if (f->format)
        fputs(" AND format = ?", m), binds[(*n)++] = f->format;
    if (f->path)
        fputs(" AND instr(lower(json_extract(json, '$.source.path')), lower(?)) > 0", m),
            binds[(*n)++] = f->path;
    fputs(" ORDER BY rowid", m);
    if (f->limit || f->offset)
        fprintf(m, " LIMIT %lld OFFSET %llu", f->limit ? (long long) f->limit : -1LL,
                (unsigned long long) f->offset);
    fclose(m);
    return sql;
}

int
vindex_list(struct vindex *x, const struct vindex_filter *f,
            int (*each)(void *ctx, const char *json_text), void *ctx)
{
    const char   *binds[8];
    int           n, i, rc;
    char         *sql = list_sql(f, binds, &n);
    sqlite3_stmt *s;

    if (sql == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    rc = sqlite3_prepare_v2(x->db, sql, -1, &s, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    for (i = 0; i < n; i++)
        vindex_bind_text(s, i + 1, binds[i]);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char *text = vindex_item_with_bundle((const char *) sqlite3_column_text(s, 0),
                                             (uint64_t) sqlite3_column_int64(s, 1));
        int   r = text ? each(ctx, text) : okra_fail(-ENOMEM, "out of memory");

        free(text);
        if (r < 0) {
            sqlite3_finalize(s);
            return r;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : vindex_db_fail(x, "reading");
}

int
vindex_count_uninspected(struct vindex *x, uint64_t *ret)
{
    sqlite3_stmt *s;
    int           rc;

    if (sqlite3_prepare_v2(x->db, "SELECT count(*) FROM items WHERE json_extract(json, "
                           "'$.inspected') IS NOT 1", -1, &s, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    if ((rc = sqlite3_step(s)) == SQLITE_ROW)
        *ret = (uint64_t) sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : vindex_db_fail(x, "reading");
}

int
vindex_bundles(struct vindex *x, int (*each)(void *ctx, const struct vindex_bundle_row *r),
               void *ctx)
{
    sqlite3_stmt *s;
    int           rc;

    if (sqlite3_prepare_v2(x->db, "SELECT seq, time, kind, operator, media, items, sums, summary FROM bundles "
                           "ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct vindex_bundle_row r = {
            .seq = (uint64_t) sqlite3_column_int64(s, 0),
            .time = (const char *) sqlite3_column_text(s, 1),
            .kind = (const char *) sqlite3_column_text(s, 2),
            .operator_name = (const char *) sqlite3_column_text(s, 3),
            .media_json = (const char *) sqlite3_column_text(s, 4),
            .n_items = (uint32_t) sqlite3_column_int64(s, 5),
            .sums = (const char *) sqlite3_column_text(s, 6),
            .summary_json = (const char *) sqlite3_column_text(s, 7),
        };
        int r2 = each(ctx, &r);

        if (r2 < 0) {
            sqlite3_finalize(s);
            return r2;
        }
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : vindex_db_fail(x, "reading");
}
