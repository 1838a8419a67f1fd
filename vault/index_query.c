/*
 * index_query.c: finding and listing items and bundles in the index. Every
 * row is checked against its seal as it is read; rows come in vault order,
 * which is checked too; a lookup that finds nothing reads every row, so a
 * row hidden by an edit is caught rather than reported as absent.
 */
#include "vault/index_internal.h"
#include "common/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A row that a later row of the same file re-opened (an item sealed
 * uninspected, given again with --inspect): list shows the later one only.
 */
#define SUPERSEDED                                                                                 \
    "EXISTS (SELECT 1 FROM items AS later WHERE later.sha256 = items.sha256 AND "                 \
    "later.rowid > items.rowid AND json_extract(later.json, '$.reopened_from') IS NOT NULL)"

static const char *
col_text(sqlite3_stmt *s, int i)
{
    return (const char *) sqlite3_column_text(s, i);
}

int
vindex_item_row_read(struct vindex *x, sqlite3_stmt *s, struct index_item_row *r)
{
    uint8_t want[INDEX_SEAL_LEN];
    char    what[200];

    memset(r, 0, sizeof *r);
    r->id = col_text(s, 0);
    r->sha256 = col_text(s, 1);
    r->seq = (uint64_t) sqlite3_column_int64(s, 2);
    r->pos = (uint32_t) sqlite3_column_int64(s, 3);
    r->format = col_text(s, 4);
    r->serial = col_text(s, 5);
    r->sha1 = col_text(s, 6);
    r->subject = col_text(s, 7);
    r->issuer = col_text(s, 8);
    r->not_after = col_text(s, 9);
    r->medium = col_text(s, 10);
    r->json = col_text(s, 11);
    index_seal_item(x->key, r, want);
    if (r->json && index_seal_ok(want, sqlite3_column_blob(s, 12),
                                 (size_t) sqlite3_column_bytes(s, 12)))
        return 0;
    snprintf(what, sizeof what, "the row of item %.64s, bundle %llu, item %u, does not carry "
             "this station's seal",
             r->id ? r->id : "(no id)", (unsigned long long) r->seq, r->pos);
    return vindex_edited(x, what);
}

/* Rows in rowid order must be in vault order: (seq, pos) rising. */
static int
in_order(struct vindex *x, const struct index_item_row *r, uint64_t *last_seq, uint32_t *last_pos)
{
    if (r->seq < *last_seq || (r->seq == *last_seq && r->pos <= *last_pos))
        return vindex_edited(x, "item rows were moved");
    *last_seq = r->seq;
    *last_pos = r->pos;
    return 0;
}

int
vindex_check_all_items(struct vindex *x)
{
    sqlite3_stmt         *s;
    struct index_item_row r;
    uint64_t              n = 0, last_seq = 0;
    uint32_t              last_pos = 0;
    int                   rc, bad = 0;

    if (sqlite3_prepare_v2(x->db, "SELECT " ITEM_COLUMNS " FROM items ORDER BY rowid", -1, &s,
                           NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    while (bad == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((bad = vindex_item_row_read(x, s, &r)) == 0)
            bad = in_order(x, &r, &last_seq, &last_pos);
        n++;
    }
    sqlite3_finalize(s);
    if (bad)
        return bad;
    if (rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    if (n != x->state.n_items)
        return vindex_edited(x, "an item row was added or removed");
    return 0;
}

static bool
all_hex(const char *s)
{
    for (; *s; s++)
        if (!isxdigit((unsigned char) *s))
            return false;
    return true;
}

/* Runs a lookup query (ITEM_COLUMNS); collects up to 3 hits' JSON, each row's seal checked. */
static int
collect(struct vindex *x, const char *where, const char *a, const char *b, json_t *hits)
{
    sqlite3_stmt *s;
    char          sql[512];
    int           rc;

    snprintf(sql, sizeof sql, "SELECT " ITEM_COLUMNS " FROM items WHERE %s ORDER BY rowid LIMIT 4",
             where);
    if (sqlite3_prepare_v2(x->db, sql, -1, &s, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    vindex_bind_text(s, 1, a);
    if (b)
        vindex_bind_text(s, 2, b);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct index_item_row r;
        json_t               *j;

        if ((rc = vindex_item_row_read(x, s, &r)) < 0) {
            sqlite3_finalize(s);
            return rc;
        }
        if (json_array_size(hits) >= 3)
            continue;
        if ((j = json_loads(r.json, 0, NULL)) == NULL) {
            sqlite3_finalize(s);
            return vindex_edited(x, "an item row's JSON is damaged");
        }
        json_object_set_new(j, "bundle", json_integer((json_int_t) r.seq));
        json_array_append_new(hits, j);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    return 0;
}

static const char *
hit_str(json_t *hits, size_t i, const char *k)
{
    json_t *h = json_array_get(hits, i);

    if (!strcmp(k, "sha256"))
        return json_string_value(json_object_get(json_object_get(h, "source"), "sha256"));
    return json_string_value(json_object_get(h, k));
}

/* One hit, or several of one file (a file sealed twice: its first bundle), else why not. */
static int
pick(json_t *hits, const char *query, const char *what, json_t **ret)
{
    size_t n = json_array_size(hits), i;

    for (i = 1; i < n; i++) {
        const char *a = hit_str(hits, 0, "sha256"), *b = hit_str(hits, i, "sha256");

        if (!a || !b || strcmp(a, b) != 0)
            break;
    }
    if (n >= 1 && i == n) {
        /* one file sealed more than once: the newest that was opened (re-inspected), else the first */
        size_t pick_i = 0, k;

        for (k = 0; k < n; k++)
            if (json_is_string(json_object_get(json_array_get(hits, k), "opened")))
                pick_i = k;
        *ret = json_incref(json_array_get(hits, pick_i));
        return 0;
    }
    if (n > 1) {
        const char *a = hit_str(hits, 0, "id"), *b = hit_str(hits, i, "id");

        return okra_fail(-EEXIST, "'%s' names several items by %s (%s, %s%s); give more digits "
                                  "or the full id", query, what, a ? a : "?", b ? b : "?",
                         n > 2 ? ", ..." : "");
    }
    return -ENOENT;
}

int
vindex_lookup(struct vindex *x, const char *query, json_t **ret_item)
{
    char    norm[160], upper[168], serial[160];
    json_t *hits = json_array();
    int     rc;

    vindex_normalise_hex(query, norm, sizeof norm, false);
    if (!all_hex(norm) || strlen(norm) < 4) {
        json_decref(hits);
        return okra_fail(-ENOENT, "'%s' is not an item id, id prefix (4 hex digits or more), "
                                  "serial or thumbprint", query);
    }
    /* an exact id, then a serial, then a thumbprint, then an id prefix */
    rc = collect(x, "id = ?", norm, NULL, hits);
    if (rc == 0 && (rc = pick(hits, query, "id", ret_item)) == -ENOENT) {
        vindex_normalise_hex(query, serial, sizeof serial, true);
        if ((rc = collect(x, "serial = ? AND serial IS NOT NULL", serial, NULL, hits)) == 0)
            rc = pick(hits, query, "serial", ret_item);
    }
    if (rc == -ENOENT && strlen(norm) == 40 &&
        (rc = collect(x, "sha1 = ? AND sha1 IS NOT NULL", norm, NULL, hits)) == 0)
        rc = pick(hits, query, "thumbprint", ret_item);
    if (rc == -ENOENT) {
        snprintf(upper, sizeof upper, "%sg", norm); /* every id with the prefix sorts below */
        if ((rc = collect(x, "id >= ? AND id < ?", norm, upper, hits)) == 0)
            rc = pick(hits, query, "id prefix", ret_item);
    }
    json_decref(hits);
    /* nothing found: only if no row was hidden by an edit */
    if (rc == -ENOENT && (rc = vindex_check_all_items(x)) == 0)
        return okra_fail(-ENOENT, "no item '%s' in the vault (see 'okra list')", query);
    return rc;
}

/* The filter as an SQL expression over a row (1 when it matches); binds in order. */
static char *
filter_sql(const struct vindex_filter *f, const char **binds, int *n)
{
    char  *sql = NULL;
    size_t len = 0;
    FILE  *m = open_memstream(&sql, &len);

    *n = 0;
    if (m == NULL)
        return NULL;
    fputs("SELECT " ITEM_COLUMNS ", (1", m);
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
    fputs(" AND NOT " SUPERSEDED ") IS 1 FROM items ORDER BY rowid", m);
    fclose(m);
    return sql;
}

/*
 * Every row in vault order, each checked, the filter applied to checked rows:
 * a row edited so that it no longer matches is caught, not left out. Rows
 * after the last one shown change nothing and are not read.
 */
int
vindex_list(struct vindex *x, const struct vindex_filter *f,
            int (*each)(void *ctx, const char *json_text), void *ctx)
{
    const char           *binds[8];
    int                   n, i, rc, r = 0;
    char                 *sql = filter_sql(f, binds, &n);
    sqlite3_stmt         *s;
    uint64_t              skipped = 0, shown = 0, last_seq = 0, rows = 0;
    uint32_t              last_pos = 0;
    struct index_item_row row;

    if (sql == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    rc = sqlite3_prepare_v2(x->db, sql, -1, &s, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    for (i = 0; i < n; i++)
        vindex_bind_text(s, i + 1, binds[i]);
    while ((!f->limit || shown < f->limit) && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        char *text;

        rows++;
        if ((r = vindex_item_row_read(x, s, &row)) < 0 ||
            (r = in_order(x, &row, &last_seq, &last_pos)) < 0)
            break;
        if (sqlite3_column_int(s, ITEM_N_COLUMNS) != 1 || skipped++ < f->offset)
            continue;
        text = vindex_item_with_bundle(row.json, row.seq);
        r = text ? each(ctx, text) : okra_fail(-ENOMEM, "out of memory");
        free(text);
        if (r < 0)
            break;
        shown++;
    }
    sqlite3_finalize(s);
    if (r < 0)
        return r;
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return vindex_db_fail(x, "reading");
    if (rc == SQLITE_DONE && rows != x->state.n_items)
        return vindex_edited(x, "an item row was added or removed");
    return 0;
}

int
vindex_count_uninspected(struct vindex *x, uint64_t *ret)
{
    sqlite3_stmt *s;
    int           rc;

    if (sqlite3_prepare_v2(x->db, "SELECT count(*) FROM items WHERE json_extract(json, "
                           "'$.inspected') IS NOT 1 AND NOT " SUPERSEDED, -1, &s, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    if ((rc = sqlite3_step(s)) == SQLITE_ROW)
        *ret = (uint64_t) sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : vindex_db_fail(x, "reading");
}

/* A bundle row, its seal checked, and its link to the row before (prev = that row's sums). */
static int
bundle_row_read(struct vindex *x, sqlite3_stmt *s, struct index_bundle_row *b, uint64_t want_seq,
                const char *prev_sums)
{
    uint8_t want[INDEX_SEAL_LEN];
    char    what[120];

    b->seq = (uint64_t) sqlite3_column_int64(s, 0);
    b->sums = col_text(s, 1);
    b->prev = col_text(s, 2);
    b->kind = col_text(s, 3);
    b->time = col_text(s, 4);
    b->operator_name = col_text(s, 5);
    b->media = col_text(s, 6);
    b->n_items = (uint32_t) sqlite3_column_int64(s, 7);
    b->summary = col_text(s, 8);
    index_seal_bundle(x->key, b, want);
    snprintf(what, sizeof what, "the row of bundle %llu does not carry this station's seal",
             (unsigned long long) b->seq);
    if (!b->sums || !index_seal_ok(want, sqlite3_column_blob(s, 9),
                                   (size_t) sqlite3_column_bytes(s, 9)))
        return vindex_edited(x, what);
    if (b->seq != want_seq || (prev_sums && strcmp(b->prev ? b->prev : "", prev_sums) != 0))
        return vindex_edited(x, "a bundle row was moved or replaced");
    return 0;
}

#define BUNDLE_COLUMNS "seq, sums, prev, kind, time, operator, media, items, summary, seal"

/* Bundle rows from seq on, in order, each checked and linked, up to the newest the summary names. */
static int
walk_bundles(struct vindex *x, uint64_t from, const char *from_sums,
             int (*each)(void *ctx, const struct index_bundle_row *r), void *ctx)
{
    sqlite3_stmt           *s;
    struct index_bundle_row b;
    char                    prev[SHA256_HEX] = "";
    uint64_t                seq = from;
    int                     rc, r = 0;

    if (sqlite3_prepare_v2(x->db, "SELECT " BUNDLE_COLUMNS " FROM bundles WHERE seq >= ? "
                           "ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    sqlite3_bind_int64(s, 1, (sqlite3_int64) from);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((r = bundle_row_read(x, s, &b, seq, seq == from ? (from ? NULL : "") : prev)) < 0)
            break;
        if (seq == from && from_sums && strcmp(b.sums, from_sums) != 0) {
            r = okra_fail(-EBADMSG, "bundle %llu is not the one the vault's chain holds (its "
                                    "SHA256SUMS differs): it was replaced; run 'okra verify'",
                          (unsigned long long) from);
            break;
        }
        snprintf(prev, sizeof prev, "%s", b.sums);
        if (each && (r = each(ctx, &b)) < 0)
            break;
        seq++;
    }
    sqlite3_finalize(s);
    if (r < 0)
        return r;
    if (rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    if (seq != x->state.n_bundles || (seq > from && strcmp(prev, x->state.last_sums) != 0))
        return vindex_edited(x, "a bundle row was added or removed");
    return 0;
}

struct bundles_each {
    int (*each)(void *ctx, const struct vindex_bundle_row *r);
    void *ctx;
};

static int
to_public_row(void *ctx, const struct index_bundle_row *b)
{
    struct bundles_each     *e = ctx;
    struct vindex_bundle_row r = { .seq = b->seq, .time = b->time, .kind = b->kind,
                                   .operator_name = b->operator_name, .media_json = b->media,
                                   .sums = b->sums, .summary_json = b->summary,
                                   .n_items = b->n_items };

    return e->each(e->ctx, &r);
}

int
vindex_bundles(struct vindex *x, int (*each)(void *ctx, const struct vindex_bundle_row *r),
               void *ctx)
{
    struct bundles_each e = { each, ctx };

    return walk_bundles(x, 0, NULL, to_public_row, &e);
}

int
vindex_chain_check(struct vindex *x, uint64_t seq, const char *sums)
{
    if (seq >= x->state.n_bundles)
        return okra_fail(-EINVAL, "bundle %llu is not in the vault's chain (the index holds %llu "
                                  "bundles); run 'okra verify'", (unsigned long long) seq,
                         (unsigned long long) x->state.n_bundles);
    return walk_bundles(x, seq, sums, NULL, NULL);
}

char *
vindex_item_with_bundle(const char *text, uint64_t seq)
{
    char  *out = NULL;
    size_t n;

    /* '{"id": "<hex>"' as okra writes it: the bundle goes right after the id */
    if (strncmp(text, "{\"id\": \"", 8) == 0 && (n = strcspn(text + 8, "\"")) < 130 &&
        text[8 + n] == '"') {
        if (asprintf(&out, "%.*s, \"bundle\": %llu%s", (int) (9 + n), text,
                     (unsigned long long) seq, text + 9 + n) < 0)
            out = NULL;
    } else if (asprintf(&out, "{\"bundle\": %llu%s%s", (unsigned long long) seq,
                        strcmp(text, "{}") ? ", " : "", text + 1) < 0) {
        out = NULL;
    }
    return out;
}

/*
 * De-duplication trusts only a row that carries its seal: "already sealed"
 * is never said on the word of an edited row.
 */
int
vindex_find_sha256(struct vindex *x, const char *sha256_hex, const char *id, uint64_t *ret_seq,
                   char ret_id[65], bool *ret_id_taken)
{
    sqlite3_stmt         *s = x->st[ST_FIND_SHA];
    struct index_item_row r;
    int                   rc, found = 0, bad = 0;

    if (ret_id_taken)
        *ret_id_taken = false;
    vindex_bind_text(s, 1, sha256_hex);
    vindex_bind_text(s, 2, id ? id : "");
    while (bad == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((bad = vindex_item_row_read(x, s, &r)) < 0)
            break;
        if (strcmp(r.sha256, sha256_hex) == 0) {
            if (found++)
                continue; /* sealed twice: the first bundle is the answer */
            if (ret_seq)
                *ret_seq = r.seq;
            if (ret_id)
                snprintf(ret_id, 65, "%s", r.id);
        } else if (ret_id_taken) {
            *ret_id_taken = true;
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (bad)
        return bad;
    if (rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    return found ? 1 : 0;
}

int
vindex_sha256_opened(struct vindex *x, const char *sha256_hex)
{
    sqlite3_stmt         *s;
    struct index_item_row r;
    int                   rc, opened = 0, bad = 0;

    if (sqlite3_prepare_v2(x->db, "SELECT " ITEM_COLUMNS " FROM items WHERE sha256 = ?", -1, &s,
                           NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    vindex_bind_text(s, 1, sha256_hex);
    while (bad == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        json_t *j;

        /* every row's seal is checked: the answer rests on sealed rows only */
        if ((bad = vindex_item_row_read(x, s, &r)) < 0)
            break;
        if ((j = json_loads(r.json, 0, NULL)) == NULL) {
            bad = vindex_edited(x, "an item row's JSON is damaged");
            break;
        }
        if (json_is_string(json_object_get(j, "opened")))
            opened = 1;
        json_decref(j);
    }
    sqlite3_finalize(s);
    if (bad)
        return bad;
    if (rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    return opened;
}

int
vindex_id_taken(struct vindex *x, const char *id)
{
    sqlite3_stmt         *s = x->st[ST_ID_TAKEN];
    struct index_item_row r;
    int                   rc, taken = 0, bad = 0;

    vindex_bind_text(s, 1, id);
    while (bad == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW)
        if ((bad = vindex_item_row_read(x, s, &r)) == 0)
            taken = 1;
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (bad)
        return bad;
    if (rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    return taken;
}
