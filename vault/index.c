/* index.c: the SQLite cache of items and bundles. */
#include "vault/index.h"
#include "vault/index_internal.h"
#include "vault/bundle_read.h"
#include "vault/manifest.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/sha256.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SCHEMA_VERSION "4"

static const char *const stmt_sql[N_STMTS] = {
    [ST_ADD_BUNDLE] = "INSERT OR REPLACE INTO bundles(seq, sums, prev, kind, time, operator, media, items, "
                      "summary) VALUES (?,?,?,?,?,?,?,?,?)",
    [ST_ADD_ITEM] = "INSERT OR IGNORE INTO items(id, sha256, seq, pos, format, serial, sha1, subject, "
                    "issuer, not_after, medium, json) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_FIND_SHA] = "SELECT seq, id, sha256 FROM items WHERE sha256 = ?1 OR id = ?2",
    [ST_ID_TAKEN] = "SELECT 1 FROM items WHERE id = ?",
    [ST_LAST] = "SELECT seq, sums FROM bundles ORDER BY seq DESC LIMIT 1",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS bundles(seq INTEGER PRIMARY KEY, sums TEXT NOT NULL, prev TEXT,"
    " kind TEXT, time TEXT, operator TEXT, media TEXT, items INTEGER, summary TEXT);"
    "CREATE TABLE IF NOT EXISTS items(id TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE,"
    " seq INTEGER NOT NULL, pos INTEGER NOT NULL, format TEXT, serial TEXT, sha1 TEXT,"
    " subject TEXT, issuer TEXT, not_after TEXT, medium TEXT, json TEXT NOT NULL);"
    /* rows go in in vault order, so rowid order is (seq, pos) order: no index for that */
    "CREATE INDEX IF NOT EXISTS items_serial ON items(serial) WHERE serial IS NOT NULL;"
    "CREATE INDEX IF NOT EXISTS items_sha1 ON items(sha1) WHERE sha1 IS NOT NULL;";



int
vindex_db_fail(struct vindex *x, const char *what)
{
    int e = sqlite3_errcode(x->db);

    if (e == SQLITE_FULL)
        return okra_fail(-ENOSPC, "the disk is full while %s %s", what, x->path);
    if (e == SQLITE_BUSY || e == SQLITE_LOCKED)
        return okra_fail(-EAGAIN, "%s is busy (another okra is writing it); try again", x->path);
    return okra_fail(-EIO, "%s %s: %s", what, x->path, sqlite3_errmsg(x->db));
}

static int
exec(struct vindex *x, const char *sql)
{
    return sqlite3_exec(x->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : vindex_db_fail(x, "updating");
}

static void
close_db(struct vindex *x)
{
    int i;

    for (i = 0; i < N_STMTS; i++) {
        sqlite3_finalize(x->st[i]);
        x->st[i] = NULL;
    }
    sqlite3_close(x->db);
    x->db = NULL;
}

/* Opens the file and checks it is this vault's index of this schema; 1 when it must be replaced. */
static int
open_db(struct vindex *x, struct vault *v)
{
    sqlite3_stmt *s;
    int           i, ok = 0;

    if (sqlite3_open_v2(x->path, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "opening");
    sqlite3_busy_timeout(x->db, 30000);
    /*
     * A cache needs no checkpoint (two fsyncs of the whole file) each time a
     * command ends: the WAL is folded in by SQLite's own auto-checkpoints.
     */
    sqlite3_db_config(x->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (exec(x, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") < 0 ||
        exec(x, schema) < 0)
        return 1;
    if (sqlite3_prepare_v2(x->db, "SELECT (SELECT value FROM meta WHERE key='vault_id'),"
                           " (SELECT value FROM meta WHERE key='schema')", -1, &s, NULL) != SQLITE_OK)
        return 1;
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *id = (const char *) sqlite3_column_text(s, 0);
        const char *ver = (const char *) sqlite3_column_text(s, 1);

        if (id == NULL && ver == NULL)
            ok = 2; /* new file */
        else if (id && ver && !strcmp(id, v->vault_id) && !strcmp(ver, SCHEMA_VERSION))
            ok = 1;
    }
    sqlite3_finalize(s);
    if (ok == 0)
        return 1;
    if (ok == 2) {
        char sql[256];

        snprintf(sql, sizeof sql, "INSERT INTO meta VALUES ('vault_id','%s'),('schema','%s');",
                 v->vault_id, SCHEMA_VERSION);
        if (exec(x, sql) < 0)
            return -EIO;
    }
    for (i = 0; i < N_STMTS; i++)
        if (sqlite3_prepare_v3(x->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &x->st[i],
                               NULL) != SQLITE_OK)
            return vindex_db_fail(x, "preparing");
    return 0;
}

int
vindex_open(struct vault *v, struct vindex **ret)
{
    struct vindex *x = calloc(1, sizeof *x);
    int            rc;

    if (x == NULL || asprintf(&x->path, "%s/index.sqlite", v->dir) < 0) {
        free(x);
        return okra_fail(-ENOMEM, "out of memory");
    }
    rc = open_db(x, v);
    if (rc == 1) {
        /* not ours, damaged, or an older schema: it is a cache, start afresh */
        char side[4096];

        close_db(x);
        unlink(x->path);
        snprintf(side, sizeof side, "%s-wal", x->path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", x->path);
        unlink(side);
        rc = open_db(x, v);
        if (rc == 1)
            rc = vindex_db_fail(x, "creating");
    }
    if (rc < 0) {
        vindex_close(x);
        return rc;
    }
    *ret = x;
    return 0;
}

void
vindex_close(struct vindex *x)
{
    if (x == NULL)
        return;
    close_db(x);
    free(x->path);
    free(x);
}

int
vindex_begin(struct vindex *x)
{
    return exec(x, "BEGIN IMMEDIATE");
}

int
vindex_commit(struct vindex *x)
{
    char        wal[4096];
    struct stat st;
    int         rc = exec(x, "COMMIT");

    /*
     * A large transaction leaves a large WAL, and every later command would
     * read all of it to open the index: fold it in now and cut it back.
     */
    snprintf(wal, sizeof wal, "%s-wal", x->path);
    if (rc == 0 && stat(wal, &st) == 0 && st.st_size > 8 * 1024 * 1024)
        sqlite3_exec(x->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    return rc;
}

void
vindex_rollback(struct vindex *x)
{
    sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
}

void
vindex_bind_text(sqlite3_stmt *s, int i, const char *t)
{
    if (t)
        sqlite3_bind_text(s, i, t, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(s, i);
}

static int
run(struct vindex *x, sqlite3_stmt *s, const char *what)
{
    int rc = sqlite3_step(s);

    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : vindex_db_fail(x, what);
}

int
vindex_add_bundle(struct vindex *x, const struct vindex_bundle *b)
{
    sqlite3_stmt *s = x->st[ST_ADD_BUNDLE];
    char         *media = b->media && !json_is_null(b->media)
                              ? json_dumps(b->media, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    char         *summary = b->summary && json_object_size(b->summary)
                                ? json_dumps(b->summary, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    int           rc;

    sqlite3_bind_int64(s, 1, (sqlite3_int64) b->seq);
    vindex_bind_text(s, 2, b->sums);
    vindex_bind_text(s, 3, b->prev);
    vindex_bind_text(s, 4, b->kind);
    vindex_bind_text(s, 5, b->time);
    vindex_bind_text(s, 6, b->operator_name);
    vindex_bind_text(s, 7, media);
    sqlite3_bind_int64(s, 8, b->n_items);
    vindex_bind_text(s, 9, summary);
    rc = run(x, s, "updating");
    free(media);
    free(summary);
    return rc;
}

/* Serials and thumbprints compare as bare lowercase hex without leading zeros (serials). */
void
vindex_normalise_hex(const char *in, char *out, size_t cap, bool strip_zeros)
{
    size_t o = 0;

    for (; *in && o + 1 < cap; in++) {
        if (*in == ':' || *in == ' ' || *in == '-')
            continue;
        if (strip_zeros && o == 0 && *in == '0' && in[1])
            continue;
        out[o++] = (char) tolower((unsigned char) *in);
    }
    out[o] = '\0';
}

char *
vindex_medium_text(json_t *media)
{
    static const char *const keys[] = { "fs_label", "serial", "vendor", "model", "fs_uuid",
                                        "devname" };
    char  *out = NULL;
    size_t i, len = 0;
    FILE  *f;

    if (!json_is_object(media) || (f = open_memstream(&out, &len)) == NULL)
        return NULL;
    for (i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const char *s = json_string_value(json_object_get(media, keys[i]));

        if (s)
            fprintf(f, "%s ", s);
    }
    fclose(f);
    return out;
}

static const char *
sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

int
vindex_add_item(struct vindex *x, uint64_t seq, uint32_t pos, json_t *item, const char *item_text,
                const char *medium)
{
    sqlite3_stmt *s = x->st[ST_ADD_ITEM];
    json_t       *cert = json_object_get(item, "cert"), *src = json_object_get(item, "source");
    char          serial[160] = "", sha1[64] = "", *own = NULL;
    int           rc;

    if (item_text == NULL)
        item_text = own = json_dumps(item, JSON_PRESERVE_ORDER);
    if (sget(cert, "serial"))
        vindex_normalise_hex(sget(cert, "serial"), serial, sizeof serial, true);
    if (sget(cert, "sha1"))
        vindex_normalise_hex(sget(cert, "sha1"), sha1, sizeof sha1, false);
    vindex_bind_text(s, 1, sget(item, "id"));
    vindex_bind_text(s, 2, sget(src, "sha256"));
    sqlite3_bind_int64(s, 3, (sqlite3_int64) seq);
    sqlite3_bind_int64(s, 4, pos);
    vindex_bind_text(s, 5, sget(item, "format"));
    vindex_bind_text(s, 6, *serial ? serial : NULL);
    vindex_bind_text(s, 7, *sha1 ? sha1 : NULL);
    vindex_bind_text(s, 8, sget(cert, "subject"));
    vindex_bind_text(s, 9, sget(cert, "issuer"));
    vindex_bind_text(s, 10, sget(cert, "not_after"));
    vindex_bind_text(s, 11, medium);
    vindex_bind_text(s, 12, item_text);
    rc = (sget(item, "id") && sget(src, "sha256") && item_text)
             ? run(x, s, "updating")
             : okra_fail(-EINVAL, "an item has no id or sha256");
    if (rc < 0)
        sqlite3_reset(s), sqlite3_clear_bindings(s);
    free(own);
    return rc;
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

int
vindex_find_sha256(struct vindex *x, const char *sha256_hex, const char *id, uint64_t *ret_seq,
                   char ret_id[65], bool *ret_id_taken)
{
    sqlite3_stmt *s = x->st[ST_FIND_SHA];
    int           rc, found = 0;

    if (ret_id_taken)
        *ret_id_taken = false;
    vindex_bind_text(s, 1, sha256_hex);
    vindex_bind_text(s, 2, id ? id : "");
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char *sha = (const char *) sqlite3_column_text(s, 2);

        if (sha && strcmp(sha, sha256_hex) == 0) {
            found = 1;
            if (ret_seq)
                *ret_seq = (uint64_t) sqlite3_column_int64(s, 0);
            if (ret_id)
                snprintf(ret_id, 65, "%s", (const char *) sqlite3_column_text(s, 1));
        } else if (ret_id_taken) {
            *ret_id_taken = true;
        }
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    return found;
}

int
vindex_id_taken(struct vindex *x, const char *id)
{
    sqlite3_stmt *s = x->st[ST_ID_TAKEN];
    int           rc;

    vindex_bind_text(s, 1, id);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return vindex_db_fail(x, "reading");
    return rc == SQLITE_ROW;
}

int
vindex_last(struct vindex *x, uint64_t *ret_seq, char ret_sums[SHA256_HEX])
{
    sqlite3_stmt *s = x->st[ST_LAST];
    int           rc = sqlite3_step(s), out = -ENOENT;

    if (rc == SQLITE_ROW) {
        *ret_seq = (uint64_t) sqlite3_column_int64(s, 0);
        snprintf(ret_sums, SHA256_HEX, "%s", (const char *) sqlite3_column_text(s, 1));
        out = 0;
    } else if (rc != SQLITE_DONE) {
        out = vindex_db_fail(x, "reading");
    }
    sqlite3_reset(s);
    return out;
}
