/*
 * test_trust.c: the pieces of the trust boundary (SECURITY.md, "Trust
 * boundary") on their own: the index rows' seals, the index refusing an edit,
 * trusted_open and trusted_decrypt on a real bundle (and on one swapped
 * after it verified), the strict tar reader's end, the folders' nearest
 * ancestor, and the key-derivation budgets.
 */
#include "unit.h"
#include "vault_fixture.h"

#include "common/fsutil.h"
#include "formats/fmt_internal.h"
#include "vault/bundle_read.h"
#include "vault/index.h"
#include "vault/index_row.h"
#include "vault/trusted.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

static json_t *
item(void)
{
    json_t *i = fixture_item("00000000000000aa", "a.pfx");

    json_object_set_new(i, "payload", json_string("payload/0001.age"));
    return i;
}

static void
test_seal_binds_every_field(void **state)
{
    struct index_key      k;
    struct index_item_row r;
    uint8_t               a[INDEX_SEAL_LEN], b[INDEX_SEAL_LEN];
    json_t               *i = item();
    const char           *saved;

    (void) state;
    index_key_random(&k);
    assert_int_equal(index_item_row_from(&r, 1, 1, i, NULL, 0, NULL), 0);
    index_seal_item(&k, &r, a);
    index_seal_item(&k, &r, b);
    assert_memory_equal(a, b, INDEX_SEAL_LEN);
    r.pos = 2; /* the same item at another place */
    index_seal_item(&k, &r, b);
    assert_memory_not_equal(a, b, INDEX_SEAL_LEN);
    r.pos = 1;
    saved = r.id;
    r.id = "../victim/pwned";
    index_seal_item(&k, &r, b);
    assert_memory_not_equal(a, b, INDEX_SEAL_LEN);
    r.id = saved;
    r.medium = ""; /* NULL and "" differ */
    index_seal_item(&k, &r, b);
    assert_memory_not_equal(a, b, INDEX_SEAL_LEN);
    r.medium = NULL;
    index_key_random(&k); /* another key */
    index_seal_item(&k, &r, b);
    assert_memory_not_equal(a, b, INDEX_SEAL_LEN);
    assert_false(index_seal_ok(a, b, INDEX_SEAL_LEN));
    assert_false(index_seal_ok(a, a, INDEX_SEAL_LEN - 1));
    index_item_row_clear(&r);
    json_decref(i);
}

/* One sealed bundle of two items, and its index. */
static struct fixture *
vault_with_items(char sums[SHA256_HEX])
{
    static const uint8_t  p1[] = "first", p2[] = "second";
    const uint8_t *const  plain[] = { p1, p2 };
    const size_t          len[] = { sizeof p1, sizeof p2 };
    struct fixture       *f = fixture_new();
    struct vindex        *x;

    assert_int_equal(fixture_commit(f, 2, plain, len, NULL, NULL, sums), 1);
    assert_int_equal(vindex_open(f->v, &x), 0);
    assert_int_equal(vindex_sync(x, f->v, NULL, NULL), 0);
    vindex_close(x);
    return f;
}

static void
test_index_refuses_edits(void **state)
{
    char            sums[SHA256_HEX];
    struct fixture *f = vault_with_items(sums);
    struct vindex  *x;
    json_t         *it = NULL;

    (void) state;
    assert_int_equal(vindex_open(f->v, &x), 0);
    assert_int_equal(vindex_lookup(x, "0000000100000000", &it), 0);
    json_decref(it);
    assert_int_equal(vindex_chain_check(x, 1, sums), 0);
    assert_int_equal(vindex_chain_check(x, 1, "00"), -EBADMSG);
    vindex_close(x);
    /* an altered row: caught when read */
    fixture_edit_index(f, "UPDATE items SET subject = 'CN=Mallory' WHERE pos = 1");
    assert_int_equal(vindex_open(f->v, &x), 0);
    assert_int_equal(vindex_lookup(x, "0000000100000000", &it), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "okra reindex"));
    /* a lookup that finds nothing reads every row: the edit is caught there too */
    assert_int_equal(vindex_lookup(x, "ffffffff", &it), -EBADMSG);
    vindex_close(x);
    /* a deleted row: caught when the index is opened */
    fixture_edit_index(f, "DELETE FROM items WHERE pos = 1");
    assert_int_equal(vindex_open(f->v, &x), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "an item row was added or removed"));
    fixture_free(f);
}

static void
test_trusted_decrypt(void **state)
{
    char                   sums[SHA256_HEX], name[64], *ids[] = { "0000000100000001" };
    struct fixture        *f = vault_with_items(sums);
    struct trusted_bundle *tb;
    struct vindex         *x;
    struct secbuf          out = { 0 };
    json_t                *it;

    (void) state;
    assert_int_equal(vindex_open(f->v, &x), 0);
    assert_int_equal(trusted_open(f->v, x, 1, ids, 1, NULL, &tb), 0);
    assert_string_equal(trusted_sums(tb), sums);
    assert_non_null(it = trusted_item(tb, "0000000100000001"));
    assert_null(trusted_item(tb, "0000000100000000")); /* not asked for */
    assert_int_equal(trusted_decrypt(tb, json_string_value(json_object_get(it, "payload")),
                                     f->secret, &out), 0);
    assert_int_equal(out.len, sizeof "second");
    assert_memory_equal(out.p, "second", out.len);
    secbuf_free(&out);
    /* the file replaced after it verified: the same descriptor reads the old bytes */
    vault_bundle_name(0, name, sizeof name);
    {
        char from[256], to[256];

        snprintf(from, sizeof from, "%s/%s", f->dir, name);
        vault_bundle_name(1, name, sizeof name);
        snprintf(to, sizeof to, "%s/%s", f->dir, name);
        assert_int_equal(rename(from, to), 0);
    }
    assert_int_equal(trusted_decrypt(tb, json_string_value(json_object_get(it, "payload")),
                                     f->secret, &out), 0);
    assert_memory_equal(out.p, "second", out.len);
    secbuf_free(&out);
    trusted_close(tb);
    /* opened again by name, the swapped file is refused */
    assert_int_equal(trusted_open(f->v, x, 1, ids, 1, NULL, &tb), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "nothing was decrypted"));
    vindex_close(x);
    fixture_free(f);
}

static void
test_tar_end(void **state)
{
    char                  sums[SHA256_HEX], path[256];
    struct fixture       *f = vault_with_items(sums);
    struct bundle_reader *r;
    const char           *name;
    uint64_t              size;
    int                   fd, rc;

    (void) state;
    snprintf(path, sizeof path, "%s/bundles/00000001.tar", f->dir);
    fd = open(path, O_WRONLY | O_APPEND);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    close(fd);
    assert_int_equal(bundle_open(AT_FDCWD, path, &r), 0);
    while ((rc = bundle_next(r, &name, &size)) > 0)
        ;
    assert_int_equal(rc, -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "after the end of its archive"));
    bundle_close(r);
    fixture_free(f);
}

static void
test_nearest_dir(void **state)
{
    char        top[] = "/tmp/okra-unit-near.XXXXXX", deep[128];
    struct stat a, b;
    bool        whole;
    int         fd, topfd;

    (void) state;
    assert_non_null(mkdtemp(top));
    snprintf(deep, sizeof deep, "%s/not/yet/there/", top);
    fd = fs_open_nearest_dir(deep, &whole);
    assert_true(fd >= 0);
    assert_false(whole);
    topfd = open(top, O_RDONLY | O_DIRECTORY);
    fstat(fd, &a);
    fstat(topfd, &b);
    assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
    assert_int_equal(fs_dir_beneath(fd, topfd), 1);
    close(fd);
    fd = fs_open_nearest_dir(top, &whole);
    assert_true(whole);
    close(fd);
    close(topfd);
    rmdir(top);
}

static void
test_kdf_budget(void **state)
{
    struct fmt_kdf_budget b = { 0 };

    (void) state;
    assert_int_equal(fmt_kdf_charge_rounds(&b, 2048, "its MAC"), 0);
    assert_int_equal(fmt_kdf_charge_rounds(&b, FMT_MAX_ITERATIONS + 1ull, "a bag"), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "over okra's limit"));
    while (fmt_kdf_charge_rounds(&b, FMT_MAX_ITERATIONS, "a bag") == 0)
        ;
    assert_non_null(strstr(okra_errmsg(), "iterations per file"));
    assert_true(b.rounds <= FMT_MAX_ROUNDS_PER_FILE);
    memset(&b, 0, sizeof b);
#ifndef OKRA_FUZZING
    assert_int_equal(fmt_kdf_charge_scrypt(&b, 32768, 8, 1, "a key"), 0); /* RustCrypto's */
    assert_int_equal(fmt_kdf_charge_scrypt(&b, 1u << 18, 8, 1, "a key"), 0); /* age's */
#endif
    assert_int_equal(fmt_kdf_charge_scrypt(&b, 16384, 8, 200000, "a key"), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "p=200000"));
    assert_int_equal(fmt_kdf_charge_scrypt(&b, 1u << 22, 8, 1, "a key"), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "MiB"));
    assert_int_equal(fmt_kdf_charge_scrypt(&b, 3, 8, 1, "a key"), -EINVAL); /* not a power of 2 */
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seal_binds_every_field),
        cmocka_unit_test(test_index_refuses_edits),
        cmocka_unit_test(test_trusted_decrypt),
        cmocka_unit_test(test_tar_end),
        cmocka_unit_test(test_nearest_dir),
        cmocka_unit_test(test_kdf_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
