/*
 * vault_fixture.h: a throw-away vault for the vault's unit tests, made
 * through the internal API as mkvault makes one (no ceremony, no scrypt):
 * a fresh folder under /tmp, an age identity the test keeps (in secure
 * memory) to open what was sealed, bundle 0 a ceremony-init record. The vault
 * is open for writing (it holds the lock and the station key).
 */
#ifndef OKRA_VAULT_FIXTURE_H
#define OKRA_VAULT_FIXTURE_H

#include "unit.h"

#include "common/err.h"
#include "crypto/age.h"
#include "vault/bundle.h"
#include "vault/vault.h"

#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

struct fixture {
    char          top[64];  /* the temporary folder */
    char          dir[128]; /* the vault in it */
    struct vault *v;        /* open for writing */
    uint8_t      *secret;   /* the recovery identity (secure memory) */
    char          sums0[SHA256_HEX];
};

/* A new vault with only bundle 0; fails the test on any error. */
static inline struct fixture *
fixture_new(void)
{
    struct fixture       *f = calloc(1, sizeof *f);
    struct vault_init     init = { 0 };
    struct vault         *v;
    struct bundle_writer *bw;
    json_t               *extra;

    assert_non_null(f);
    assert_int_equal(okra_crypto_init(), 0);
    strcpy(f->top, "/tmp/okra-unit-vault-XXXXXX");
    assert_non_null(mkdtemp(f->top));
    snprintf(f->dir, sizeof f->dir, "%s/vault", f->top);
    f->secret = secmem_alloc(AGE_KEY_LEN);
    assert_non_null(f->secret);
    randombytes_buf(f->secret, AGE_KEY_LEN);
    assert_int_equal(age_x25519_public(f->secret, init.recipient), 0);
    assert_int_equal(vault_create_begin(f->dir, &init, &v), 0);
    extra = json_pack("{s:s, s:s, s:{s:i, s:i, s:[s]}, s:O}", "recipient", v->recipient_text,
        "station_key", v->station_keyid, "set", "id", 7, "threshold", 1, "custodians", "test",
        "policy", vault_policy(v));
    assert_non_null(extra);
    {
        struct bundle_header h = { "ceremony-init", "fixture", NULL, extra };

        assert_int_equal(bw_begin(v, &h, &bw), 0);
    }
    assert_int_equal(bw_commit(bw, f->sums0), 0);
    bw_free(bw);
    json_decref(extra);
    assert_int_equal(vault_create_publish(v, f->dir), 0);
    vault_close(v);
    if (vault_open(f->dir, VAULT_WRITE, &f->v) != 0)
        fail_msg("cannot open the fixture's vault: %s", okra_errmsg());
    return f;
}

static inline void
fixture_free(struct fixture *f)
{
    char cmd[128];

    if (f == NULL)
        return;
    vault_close(f->v);
    secmem_free(f->secret);
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->top);
    assert_int_equal(system(cmd), 0);
    free(f);
}

/*
 * An item as ingest builds one, before the writer names its payloads: its id
 * the start of its sha256, as verify requires (here the id padded with zeros).
 */
static inline json_t *
fixture_item(const char *id, const char *path)
{
    char    sha[65];
    json_t *item;

    snprintf(sha, sizeof sha, "%s%0*d", id, (int) (64 - strlen(id)), 0);
    item = json_pack("{s:s, s:n, s:s, s:b, s:{s:s, s:i, s:s}}", "id", id, "payload", "format",
        "pkcs12", "inspected", 0, "source", "path", path, "size", 1, "sha256", sha);

    assert_non_null(item);
    return item;
}

/*
 * Commits an import bundle of n items whose payloads are plain[i] (len[i]
 * bytes), with an opened payload for those where opened[i] is not NULL
 * (olen[i] bytes). Fills the new bundle's sums hash; returns its seq.
 */
static inline uint64_t
fixture_commit(struct fixture *f, size_t n, const uint8_t *const *plain, const size_t *len,
    const uint8_t *const *opened, const size_t *olen, char sums[SHA256_HEX])
{
    struct bundle_header  h = { "import", "fixture", NULL, NULL };
    struct bundle_writer *bw;
    struct bw_stager     *st;
    uint64_t              seq;
    size_t                i;

    assert_int_equal(bw_begin(f->v, &h, &bw), 0);
    seq = bw_seq(bw);
    assert_int_equal(bw_stager_new(bw, &st), 0);
    for (i = 0; i < n; i++) {
        struct bw_blob p, o;
        char           id[17], path[32];
        json_t        *item;

        snprintf(id, sizeof id, "%016zx", (size_t) seq << 32 | i);
        snprintf(path, sizeof path, "file-%zu.pfx", i);
        item = fixture_item(id, path);
        assert_int_equal(bw_stage_plain(st, plain[i], len[i], &p), 0);
        if (opened && opened[i])
            assert_int_equal(bw_stage_plain(st, opened[i], olen[i], &o), 0);
        assert_int_equal(bw_add_item(bw, item, &p, opened && opened[i] ? &o : NULL), (int) i + 1);
        json_decref(item); /* the writer borrows it */
    }
    assert_int_equal(bw_commit(bw, sums), 0);
    bw_free(bw);
    return seq;
}

/* An attacker's edit of the fixture's index.sqlite: statement must run and change a row. */
static inline void
fixture_edit_index(struct fixture *f, const char *statement)
{
    char     path[256];
    sqlite3 *db;

    snprintf(path, sizeof path, "%s/index.sqlite", f->dir);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    if (sqlite3_exec(db, statement, NULL, NULL, NULL) != SQLITE_OK)
        fail_msg("%s: %s", statement, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_changes(db) > 0, 1);
    sqlite3_close(db);
}

#endif
