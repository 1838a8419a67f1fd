/* index.c: the SQLite cache of items and bundles: opening it, its seals, adding rows. */
#include "vault/index.h"
#include "vault/index_internal.h"
#include "vault/station.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/secmem.h"

#include <ctype.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>


static const char *const stmt_sql[N_STMTS] = {
    [ST_ADD_BUNDLE] = "INSERT INTO bundles(seq, sums, prev, kind, time, operator, media, items, "
                      "summary, seal) VALUES (?,?,?,?,?,?,?,?,?,?)",
    [ST_ADD_ITEM] = "INSERT INTO items(" ITEM_COLUMNS ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
    [ST_FIND_SHA] = "SELECT " ITEM_COLUMNS " FROM items WHERE sha256 = ?1 OR id = ?2",
    [ST_ID_TAKEN] = "SELECT " ITEM_COLUMNS " FROM items WHERE id = ?",
    [ST_PUT_STATE] = "INSERT OR REPLACE INTO state(one, bundles, items, last_sums, seal) "
                     "VALUES (1,?,?,?,?)",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS state(one INTEGER PRIMARY KEY CHECK (one = 1), bundles INTEGER,"
    " items INTEGER, last_sums TEXT, seal BLOB);"
    "CREATE TABLE IF NOT EXISTS bundles(seq INTEGER PRIMARY KEY, sums TEXT NOT NULL, prev TEXT,"
    " kind TEXT, time TEXT, operator TEXT, media TEXT, items INTEGER, summary TEXT, seal BLOB);"
    /*
     * Rows go in in vault order, so rowid order is (seq, pos) order: no index
     * for that (readers check it). An id or a sha256 may come twice only if a
     * file was sealed twice; the index holds what the bundles hold.
     */
    "CREATE TABLE IF NOT EXISTS items(id TEXT NOT NULL, sha256 TEXT NOT NULL,"
    " seq INTEGER NOT NULL, pos INTEGER NOT NULL, format TEXT, serial TEXT, sha1 TEXT,"
    " subject TEXT, issuer TEXT, not_after TEXT, medium TEXT, json TEXT NOT NULL, seal BLOB);"
    "CREATE INDEX IF NOT EXISTS items_id ON items(id);"
    "CREATE INDEX IF NOT EXISTS items_sha256 ON items(sha256);"
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

int
vindex_edited(struct vindex *x, const char *what)
{
    return okra_fail(-EBADMSG, "%s was edited (%s); nothing was done: run 'okra verify' to "
                               "check the bundles, then 'okra reindex'", x->path, what);
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

/* ---- the summary row ---- */

static int
count_rows(struct vindex *x, const char *sql, int64_t *ret)
{
    sqlite3_stmt *s;
    int           rc;

    if (sqlite3_prepare_v2(x->db, sql, -1, &s, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    rc = sqlite3_step(s);
    *ret = rc == SQLITE_ROW && sqlite3_column_type(s, 0) != SQLITE_NULL ? sqlite3_column_int64(s, 0)
                                                                      : -1;
    sqlite3_finalize(s);
    return rc == SQLITE_ROW ? 0 : vindex_db_fail(x, "reading");
}

/*
 * The summary must carry its seal and agree with the rows: as many bundle
 * rows as it says, numbered from 0, and as many item rows. That catches a
 * deleted or added row of either kind; an altered row is caught when read.
 */
static int
load_state(struct vindex *x)
{
    sqlite3_stmt *s;
    uint8_t       want[INDEX_SEAL_LEN];
    int64_t       n_bundles, max_seq, n_items;
    int           rc;

    if (sqlite3_prepare_v2(x->db, "SELECT bundles, items, last_sums, seal FROM state", -1, &s,
                           NULL) != SQLITE_OK)
        return vindex_db_fail(x, "reading");
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *sums = (const char *) sqlite3_column_text(s, 2);

        x->state.n_bundles = (uint64_t) sqlite3_column_int64(s, 0);
        x->state.n_items = (uint64_t) sqlite3_column_int64(s, 1);
        snprintf(x->state.last_sums, sizeof x->state.last_sums, "%s", sums ? sums : "");
        index_seal_state(x->key, x->vault_id, &x->state, want);
        if (!index_seal_ok(want, sqlite3_column_blob(s, 3), (size_t) sqlite3_column_bytes(s, 3)))
            rc = -1;
    }
    sqlite3_finalize(s);
    if (rc == -1)
        return vindex_edited(x, "its summary does not carry this station's seal");
    if ((rc != SQLITE_ROW && rc != SQLITE_DONE) ||
        count_rows(x, "SELECT count(*) FROM bundles", &n_bundles) < 0 ||
        count_rows(x, "SELECT max(seq) FROM bundles", &max_seq) < 0 ||
        count_rows(x, "SELECT count(*) FROM items", &n_items) < 0)
        return rc < 0 ? rc : vindex_db_fail(x, "reading");
    if (rc == SQLITE_DONE && (n_bundles || n_items))
        return vindex_edited(x, "it has rows but no summary");
    if ((uint64_t) n_bundles != x->state.n_bundles || max_seq + 1 != n_bundles)
        return vindex_edited(x, "a bundle row was added or removed");
    if ((uint64_t) n_items != x->state.n_items)
        return vindex_edited(x, "an item row was added or removed");
    return 0;
}

static int
put_state(struct vindex *x)
{
    sqlite3_stmt *s = x->st[ST_PUT_STATE];
    uint8_t       seal[INDEX_SEAL_LEN];
    int           rc;

    index_seal_state(x->key, x->vault_id, &x->state, seal);
    sqlite3_bind_int64(s, 1, (sqlite3_int64) x->state.n_bundles);
    sqlite3_bind_int64(s, 2, (sqlite3_int64) x->state.n_items);
    vindex_bind_text(s, 3, x->state.last_sums);
    sqlite3_bind_blob(s, 4, seal, sizeof seal, SQLITE_TRANSIENT);
    rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? 0 : vindex_db_fail(x, "updating");
}

/* ---- opening ---- */

static int
prepare_all(struct vindex *x)
{
    int i;

    for (i = 0; i < N_STMTS; i++)
        if (sqlite3_prepare_v3(x->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &x->st[i],
                               NULL) != SQLITE_OK)
            return vindex_db_fail(x, "preparing");
    return 0;
}

/* Opens the file and checks it is this vault's index of this schema; 1 when it must be replaced. */
static int
open_file(struct vindex *x, const char *file)
{
    sqlite3_stmt *s;
    int           ok = 0;

    if (sqlite3_open_v2(file, &x->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_NOFOLLOW, NULL) != SQLITE_OK)
        return vindex_db_fail(x, "opening");
    sqlite3_busy_timeout(x->db, 30000);
    /*
     * A cache needs no checkpoint (two fsyncs of the whole file) each time a
     * command ends: the WAL is folded in by SQLite's own auto-checkpoints.
     */
    sqlite3_db_config(x->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    if (exec(x, x->private_file ? "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                                : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;") < 0 ||
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
        else if (id && ver && !strcmp(id, x->vault_id) && !strcmp(ver, SCHEMA_VERSION))
            ok = 1;
    }
    sqlite3_finalize(s);
    if (ok == 0)
        return 1;
    if (ok == 2) {
        char sql[256];

        snprintf(sql, sizeof sql, "INSERT INTO meta VALUES ('vault_id','%s'),('schema','%s');",
                 x->vault_id, SCHEMA_VERSION);
        if (exec(x, sql) < 0)
            return -EIO;
    }
    return prepare_all(x);
}

static void
remove_files(const char *path)
{
    char side[4096];

    unlink(path);
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* The seal key from station.key: 0, or -1 when this process cannot read it (an auditor). */
static int
key_from_station(struct vault *v, struct index_key *key)
{
    bool loaded_here = v->station_sk == NULL;
    int  rc = 0;

    if (loaded_here && vault_station_load_secret(v) < 0)
        rc = -1;
    if (rc == 0)
        index_key_derive(v->station_sk, v->vault_id, key);
    if (loaded_here) {
        secmem_free(v->station_sk);
        v->station_sk = NULL;
    }
    okra_clear_error();
    return rc;
}

/* Whether okra may keep an index in the vault folder: it can write there. */
static bool
folder_writable(struct vault *v)
{
    struct statvfs sv;

    if (fstatvfs(v->dirfd, &sv) == 0 && (sv.f_flag & ST_RDONLY))
        return false;
    return faccessat(v->dirfd, ".", W_OK, AT_EACCESS) == 0;
}

static struct vindex *
vindex_alloc(struct vault *v)
{
    struct vindex *x = calloc(1, sizeof *x);

    if (x == NULL)
        return NULL;
    memcpy(x->vault_id, v->vault_id, sizeof x->vault_id);
    if ((x->key = secmem_alloc(sizeof *x->key)) == NULL) {
        free(x);
        return NULL;
    }
    return x;
}

/* A private index: a temporary file SQLite deletes when it is closed (never in the vault). */
static int
open_private(struct vindex *x)
{
    int rc;

    x->private_file = true;
    index_key_random(x->key);
    free(x->path);
    if ((x->path = strdup("the private index")) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    rc = open_file(x, "");
    if (rc == 1)
        rc = vindex_db_fail(x, "creating");
    return rc < 0 ? rc : put_state(x);
}

static int
open_index(struct vault *v, bool fresh, struct vindex **ret)
{
    struct vindex *x = vindex_alloc(v);
    int            rc;

    if (x == NULL || asprintf(&x->path, "%s/index.sqlite", v->dir) < 0) {
        vindex_close(x);
        return okra_fail(-ENOMEM, "out of memory");
    }
    if (key_from_station(v, x->key) < 0 || !folder_writable(v)) {
        rc = open_private(x);
    } else {
        if (fresh)
            remove_files(x->path);
        rc = open_file(x, x->path);
        if (rc == 1) {
            /* not ours, damaged, or an older schema: it is a cache, start afresh */
            close_db(x);
            remove_files(x->path);
            rc = open_file(x, x->path);
            if (rc == 1)
                rc = vindex_db_fail(x, "creating");
        }
        if (rc == 0)
            rc = load_state(x);
    }
    if (rc < 0) {
        vindex_close(x);
        return rc;
    }
    *ret = x;
    return 0;
}

int
vindex_open(struct vault *v, struct vindex **ret)
{
    return open_index(v, false, ret);
}

int
vindex_open_new(struct vault *v, struct vindex **ret)
{
    return open_index(v, true, ret);
}

bool
vindex_is_private(const struct vindex *x)
{
    return x->private_file;
}

void
vindex_close(struct vindex *x)
{
    if (x == NULL)
        return;
    if (x->in_tx)
        vindex_rollback(x);
    close_db(x);
    secmem_free(x->key);
    free(x->path);
    free(x);
}

/* ---- transactions ---- */

int
vindex_begin(struct vindex *x)
{
    int rc = exec(x, "BEGIN IMMEDIATE");

    if (rc == 0) {
        x->saved = x->state;
        x->in_tx = true;
    }
    return rc;
}

int
vindex_commit(struct vindex *x)
{
    char        wal[4096];
    struct stat st;
    int         rc = put_state(x);

    if (rc < 0) {
        vindex_rollback(x);
        return rc;
    }
    if ((rc = exec(x, "COMMIT")) < 0) {
        vindex_rollback(x);
        return rc;
    }
    x->in_tx = false;
    /*
     * A large transaction leaves a large WAL, and every later command would
     * read all of it to open the index: fold it in now and cut it back.
     */
    snprintf(wal, sizeof wal, "%s-wal", x->path);
    if (!x->private_file && stat(wal, &st) == 0 && st.st_size > 8 * 1024 * 1024)
        sqlite3_exec(x->db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    return 0;
}

void
vindex_rollback(struct vindex *x)
{
    sqlite3_exec(x->db, "ROLLBACK", NULL, NULL, NULL);
    if (x->in_tx)
        x->state = x->saved;
    x->in_tx = false;
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

/* ---- adding rows (inside a transaction) ---- */

int
vindex_add_bundle(struct vindex *x, const struct vindex_bundle *b)
{
    sqlite3_stmt           *s = x->st[ST_ADD_BUNDLE];
    char                   *media = b->media && !json_is_null(b->media)
                                        ? json_dumps(b->media, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    /* as the manifest holds them: no operator is "", no prev is "" */
    const char             *op = b->operator_name ? b->operator_name : "";
    char                   *summary = b->summary && json_object_size(b->summary)
                                          ? json_dumps(b->summary, JSON_COMPACT | JSON_PRESERVE_ORDER)
                                          : NULL;
    struct index_bundle_row r = { b->seq, b->sums, b->prev ? b->prev : "", b->kind, b->time, op,
                                  media, b->n_items, summary };
    uint8_t                 seal[INDEX_SEAL_LEN];
    int                     rc;

    /* the chain, as the index holds it: each bundle after the one before */
    if (b->seq != x->state.n_bundles)
        rc = okra_fail(-EINVAL, "internal: bundle %llu added to an index that holds %llu",
                       (unsigned long long) b->seq, (unsigned long long) x->state.n_bundles);
    else if (strcmp(b->prev ? b->prev : "", x->state.last_sums) != 0)
        rc = okra_fail(-EINVAL, "bundle %llu does not link to bundle %llu (its prev is not that "
                                "bundle's SHA256SUMS hash); run 'okra verify'",
                       (unsigned long long) b->seq, (unsigned long long) b->seq - 1);
    else
        rc = 0;
    if (rc == 0) {
        index_seal_bundle(x->key, &r, seal);
        sqlite3_bind_int64(s, 1, (sqlite3_int64) b->seq);
        vindex_bind_text(s, 2, b->sums);
        vindex_bind_text(s, 3, r.prev);
        vindex_bind_text(s, 4, b->kind);
        vindex_bind_text(s, 5, b->time);
        vindex_bind_text(s, 6, op);
        vindex_bind_text(s, 7, media);
        sqlite3_bind_int64(s, 8, b->n_items);
        vindex_bind_text(s, 9, summary);
        sqlite3_bind_blob(s, 10, seal, sizeof seal, SQLITE_TRANSIENT);
        rc = run(x, s, "updating");
    }
    if (rc == 0) {
        x->state.n_bundles = b->seq + 1;
        snprintf(x->state.last_sums, sizeof x->state.last_sums, "%s", b->sums);
    }
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

void
vindex_summarise(json_t *summary, const char *key, json_t *value)
{
    if ((!strcmp(key, "recovered") || !strcmp(key, "shares")) && json_is_array(value))
        json_object_set_new(summary, key, json_integer((json_int_t) json_array_size(value)));
    else if (!strcmp(key, "retired") && json_is_array(value))
        json_object_set(summary, key, value);
    else if (!strcmp(key, "set") && json_is_object(value))
        json_object_set_new(summary, key,
                            json_pack("{s:O?, s:O?, s:I}", "id", json_object_get(value, "id"),
                                      "threshold", json_object_get(value, "threshold"),
                                      "custodians", (json_int_t) json_array_size(
                                                        json_object_get(value, "custodians"))));
}

char *
vindex_medium_text(json_t *media)
{
    static const char *const keys[] = { "fs_label", "serial", "vendor", "model", "fs_uuid",
                                        "devname", "folder" };
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

int
vindex_add_item(struct vindex *x, uint64_t seq, uint32_t pos, json_t *item, const char *item_text,
                const char *medium)
{
    return vindex_add_item_n(x, seq, pos, item, item_text, item_text ? strlen(item_text) : 0,
                             medium);
}

int
vindex_add_item_n(struct vindex *x, uint64_t seq, uint32_t pos, json_t *item, const char *text,
                  size_t len, const char *medium)
{
    sqlite3_stmt         *s = x->st[ST_ADD_ITEM];
    struct index_item_row r;
    uint8_t               seal[INDEX_SEAL_LEN];
    int                   rc;

    if ((rc = index_item_row_from(&r, seq, pos, item, text, len, medium)) < 0)
        return rc;
    index_seal_item(x->key, &r, seal);
    vindex_bind_text(s, 1, r.id);
    vindex_bind_text(s, 2, r.sha256);
    sqlite3_bind_int64(s, 3, (sqlite3_int64) seq);
    sqlite3_bind_int64(s, 4, pos);
    vindex_bind_text(s, 5, r.format);
    vindex_bind_text(s, 6, r.serial);
    vindex_bind_text(s, 7, r.sha1);
    vindex_bind_text(s, 8, r.subject);
    vindex_bind_text(s, 9, r.issuer);
    vindex_bind_text(s, 10, r.not_after);
    vindex_bind_text(s, 11, r.medium);
    vindex_bind_text(s, 12, r.json);
    sqlite3_bind_blob(s, 13, seal, sizeof seal, SQLITE_TRANSIENT);
    rc = run(x, s, "updating");
    if (rc == 0)
        x->state.n_items++;
    index_item_row_clear(&r);
    return rc;
}
