/*
 * index_audit.c: 'okra verify' holds index.sqlite against the bundles it
 * verified: every bundle row and every item row must be what the manifests
 * say (the canonical forms of vault/index_row.h), in order. The index is
 * read as it is, without its seals (an auditor has no station key) and
 * without writing anything.
 */
#include "vault/index.h"
#include "vault/index_internal.h"
#include "common/err.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int
open_read_only(struct vault *v, sqlite3 **ret)
{
    char        path[4200], uri[4300];
    struct stat st;

    snprintf(path, sizeof path, "%s/index.sqlite", v->dir);
    if (fstatat(v->dirfd, "index.sqlite", &st, AT_SYMLINK_NOFOLLOW) < 0)
        return -ENOENT;
    if (sqlite3_open_v2(path, ret, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW, NULL) == SQLITE_OK &&
        sqlite3_exec(*ret, "SELECT 1 FROM items LIMIT 1", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    sqlite3_close(*ret);
    /* a read-only copy without the WAL's shared memory: read the main file as it is */
    snprintf(uri, sizeof uri, "file:%s?immutable=1", path);
    if (sqlite3_open_v2(uri, ret, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
        sqlite3_exec(*ret, "SELECT 1 FROM items LIMIT 1", NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    sqlite3_close(*ret);
    *ret = NULL;
    return -EIO;
}

/* An index of another okra's schema is not compared (the next command makes it anew). */
static bool
current_schema(sqlite3 *db)
{
    sqlite3_stmt *s;
    bool          yes = false;

    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema'", -1, &s, NULL) ==
        SQLITE_OK) {
        yes = sqlite3_step(s) == SQLITE_ROW &&
              !strcmp((const char *) sqlite3_column_text(s, 0), SCHEMA_VERSION);
        sqlite3_finalize(s);
    }
    return yes;
}

static bool
same(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Bundle rows in order against the verified bundles. */
static int
audit_bundles(sqlite3 *db, const struct index_bundle_row *want, size_t n, size_t *ret_have,
              char *why, size_t cap)
{
    sqlite3_stmt *s;
    size_t        i = 0;
    int           rc, bad = 0;

    if (sqlite3_prepare_v2(db, "SELECT seq, sums, prev, kind, time, operator, media, items, "
                           "summary FROM bundles ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const struct index_bundle_row *w = i < n ? &want[i] : NULL;

        if (w == NULL || (uint64_t) sqlite3_column_int64(s, 0) != w->seq ||
            !same((const char *) sqlite3_column_text(s, 1), w->sums) ||
            !same((const char *) sqlite3_column_text(s, 2), w->prev) ||
            !same((const char *) sqlite3_column_text(s, 3), w->kind) ||
            !same((const char *) sqlite3_column_text(s, 4), w->time) ||
            !same((const char *) sqlite3_column_text(s, 5), w->operator_name) ||
            !same((const char *) sqlite3_column_text(s, 6), w->media) ||
            (uint32_t) sqlite3_column_int64(s, 7) != w->n_items ||
            !same((const char *) sqlite3_column_text(s, 8), w->summary)) {
            snprintf(why, cap, "its row of bundle %lld is not what the bundles say",
                     (long long) sqlite3_column_int64(s, 0));
            bad = 1;
        }
        i++;
    }
    sqlite3_finalize(s);
    *ret_have = i;
    return bad ? 1 : rc == SQLITE_DONE ? 0 : -EIO;
}

/* Item rows in order, a digest per bundle, against the manifests' items. */
static int
audit_items(sqlite3 *db, const uint8_t (*digest)[32], size_t have, char *why, size_t cap)
{
    sqlite3_stmt            *s;
    crypto_generichash_state st;
    uint8_t                  d[32];
    uint64_t                 seq = 0;
    int                      rc, bad = 0;

    if (sqlite3_prepare_v2(db, "SELECT " ITEM_COLUMNS " FROM items ORDER BY rowid", -1, &s,
                           NULL) != SQLITE_OK)
        return -EIO;
    crypto_generichash_init(&st, NULL, 0, 32);
    while (!bad && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct index_item_row r = {
            .id = (const char *) sqlite3_column_text(s, 0),
            .sha256 = (const char *) sqlite3_column_text(s, 1),
            .seq = (uint64_t) sqlite3_column_int64(s, 2),
            .pos = (uint32_t) sqlite3_column_int64(s, 3),
            .format = (const char *) sqlite3_column_text(s, 4),
            .serial = (const char *) sqlite3_column_text(s, 5),
            .sha1 = (const char *) sqlite3_column_text(s, 6),
            .subject = (const char *) sqlite3_column_text(s, 7),
            .issuer = (const char *) sqlite3_column_text(s, 8),
            .not_after = (const char *) sqlite3_column_text(s, 9),
            .medium = (const char *) sqlite3_column_text(s, 10),
            .json = (const char *) sqlite3_column_text(s, 11),
        };

        if (r.seq < seq || r.seq >= have) {
            snprintf(why, cap, "an item row names bundle %llu out of order or past the bundles",
                     (unsigned long long) r.seq);
            bad = 1;
            break;
        }
        /* close the bundles before this row's (a bundle with no item included) */
        for (; seq < r.seq; seq++) {
            crypto_generichash_final(&st, d, 32);
            crypto_generichash_init(&st, NULL, 0, 32);
            if (memcmp(d, digest[seq], 32) != 0) {
                snprintf(why, cap, "its item rows of bundle %llu are not what its manifest says "
                                   "(forged, altered, moved or removed)",
                         (unsigned long long) seq);
                bad = 1;
                break;
            }
        }
        if (!bad)
            index_item_row_feed(&r, &st);
    }
    for (; !bad && seq < have; seq++) {
        crypto_generichash_final(&st, d, 32);
        crypto_generichash_init(&st, NULL, 0, 32);
        if (memcmp(d, digest[seq], 32) != 0) {
            snprintf(why, cap, "its item rows of bundle %llu are not what its manifest says "
                               "(forged, altered, moved or removed)", (unsigned long long) seq);
            bad = 1;
        }
    }
    sqlite3_finalize(s);
    return bad ? 1 : rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : -EIO;
}

/* The summary row: as many bundles as it holds, the newest one's sums, every item row. */
static int
audit_state(sqlite3 *db, const struct index_bundle_row *want, size_t have, char *why, size_t cap)
{
    sqlite3_stmt *s;
    int           rc, bad = 0;

    if (sqlite3_prepare_v2(db, "SELECT bundles, items, last_sums, (SELECT count(*) FROM items) "
                           "FROM state", -1, &s, NULL) != SQLITE_OK)
        return -EIO;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *sums = (const char *) sqlite3_column_text(s, 2);

        bad = (uint64_t) sqlite3_column_int64(s, 0) != have ||
              sqlite3_column_int64(s, 1) != sqlite3_column_int64(s, 3) ||
              !same(sums, have ? want[have - 1].sums : "");
    } else {
        bad = have > 0;
    }
    if (bad)
        snprintf(why, cap, "its summary does not match its rows and the bundles");
    sqlite3_finalize(s);
    return bad ? 1 : rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -EIO;
}

static int
no_op(void *ctx, const struct vindex_bundle_row *r)
{
    (void) ctx, (void) r;
    return 0;
}

int
vindex_audit_seals(struct vault *v)
{
    struct vindex *x;
    int            rc;

    if ((rc = vindex_open(v, &x)) < 0)
        return rc;
    if (vindex_is_private(x))
        rc = 0;
    else if ((rc = vindex_check_all_items(x)) == 0 && (rc = vindex_bundles(x, no_op, NULL)) == 0)
        rc = 1;
    vindex_close(x);
    return rc;
}

int
vindex_audit(struct vault *v, const struct index_bundle_row *want,
             const uint8_t (*items_digest)[32], size_t n, bool *ret_behind, char *why, size_t cap)
{
    sqlite3 *db;
    size_t   have = 0;
    int      rc = open_read_only(v, &db);

    *ret_behind = false;
    if (rc < 0)
        return rc;
    if (!current_schema(db)) {
        sqlite3_close(db);
        return -ENOENT;
    }
    rc = audit_bundles(db, want, n, &have, why, cap);
    if (rc == 0)
        rc = audit_items(db, items_digest, have, why, cap);
    if (rc == 0)
        rc = audit_state(db, want, have, why, cap);
    sqlite3_close(db);
    if (rc == 0)
        *ret_behind = have < n;
    return rc;
}
