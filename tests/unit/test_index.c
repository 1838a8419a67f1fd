/*
 * test_index.c: index.sqlite kept in step with the bundles (vindex_sync), on
 * a throw-away vault (vault_fixture.h). A sync adds exactly the bundles the
 * index lacks and finds their items; a second sync changes nothing; a bundle
 * that does not verify, bundles removed (a rollback) and a bundle replaced
 * are refused with a reason naming 'okra verify', and what the index holds
 * stays as it was; a row edited in the file is refused naming 'okra
 * reindex', and a rebuild from the bundles puts it right.
 */
#include "vault_fixture.h"

#include "common/fsutil.h"
#include "vault/index.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>

/* ---- helpers ---- */

static int
count_row(void *ctx, const char *json_text)
{
    (void) json_text;
    (*(size_t *) ctx)++;
    return 0;
}

static size_t
n_items(struct vindex *x)
{
    struct vindex_filter f = { 0 };
    size_t               n = 0;

    assert_int_equal(vindex_list(x, &f, count_row, &n), 0);
    return n;
}

struct rows {
    uint64_t seq[16];
    char     kind[16][32];
    char     sums[16][SHA256_HEX];
    size_t   n;
};

static int
keep_bundle(void *ctx, const struct vindex_bundle_row *r)
{
    struct rows *b = ctx;

    assert_true(b->n < 16);
    b->seq[b->n] = r->seq;
    snprintf(b->kind[b->n], sizeof b->kind[0], "%s", r->kind);
    snprintf(b->sums[b->n], sizeof b->sums[0], "%s", r->sums);
    b->n++;
    return 0;
}

static struct rows
bundles_of(struct vindex *x)
{
    struct rows b = { .n = 0 };

    assert_int_equal(vindex_bundles(x, keep_bundle, &b), 0);
    return b;
}

/* Commits one import bundle of n one-line items; returns its sums hash in sums. */
static uint64_t
commit_items(struct fixture *f, size_t n, char sums[SHA256_HEX])
{
    static const char *text[] = { "first key", "second key", "third key", "fourth key" };
    const uint8_t     *p[4];
    size_t             l[4], i;

    assert_true(n <= 4);
    for (i = 0; i < n; i++) {
        p[i] = (const uint8_t *) text[i];
        l[i] = strlen(text[i]);
    }
    return fixture_commit(f, n, p, l, NULL, NULL, sums);
}

static struct vindex *
open_synced(struct fixture *f)
{
    struct vindex *x;

    if (vindex_open(f->v, &x) != 0)
        fail_msg("vindex_open: %s", okra_errmsg());
    if (vindex_sync(x, f->v, NULL, NULL) != 0)
        fail_msg("vindex_sync: %s", okra_errmsg());
    return x;
}

/* ---- sync ---- */

static void
test_sync_adds_what_is_missing(void **state)
{
    struct fixture *f = fixture_new();
    struct vindex  *x;
    struct rows     b;
    char            s1[SHA256_HEX], s2[SHA256_HEX], id[65], want_id[17];
    uint64_t        seq;
    bool            taken;
    json_t         *item;

    (void) state;
    x = open_synced(f);
    assert_int_equal(bundles_of(x).n, 1); /* bundle 0 */
    assert_int_equal(n_items(x), 0);
    vindex_close(x);

    assert_int_equal(commit_items(f, 2, s1), 1);
    assert_int_equal(commit_items(f, 3, s2), 2);
    x = open_synced(f);
    b = bundles_of(x);
    assert_int_equal(b.n, 3);
    assert_int_equal(b.seq[2], 2);
    assert_string_equal(b.kind[0], "ceremony-init");
    assert_string_equal(b.kind[1], "import");
    assert_string_equal(b.sums[0], f->sums0);
    assert_string_equal(b.sums[1], s1);
    assert_string_equal(b.sums[2], s2);
    assert_int_equal(n_items(x), 5);

    /* the items are found by id, prefix and sha256 (the fixture's ids: seq << 32 | place) */
    snprintf(want_id, sizeof want_id, "%016llx", (unsigned long long) (2ull << 32 | 1));
    assert_int_equal(vindex_id_taken(x, want_id), 1);
    assert_int_equal(vindex_id_taken(x, "00000000deadbeef"), 0);
    assert_int_equal(vindex_lookup(x, want_id, &item), 0);
    assert_int_equal(json_integer_value(json_object_get(item, "bundle")), 2);
    assert_string_equal(json_string_value(json_object_get(item, "payload")), "payload/0002.age");
    json_decref(item);
    {
        char sha[65];

        snprintf(sha, sizeof sha, "%s%048d", want_id, 0);
        assert_int_equal(vindex_find_sha256(x, sha, NULL, &seq, id, &taken), 1);
        assert_int_equal(seq, 2);
        assert_string_equal(id, want_id);
    }
    assert_int_equal(vindex_lookup(x, "0000000200000009", &item), -ENOENT);

    /* nothing new: a second sync changes nothing */
    assert_int_equal(vindex_sync(x, f->v, NULL, NULL), 0);
    assert_int_equal(bundles_of(x).n, 3);
    assert_int_equal(n_items(x), 5);

    /* one more: only it is added */
    commit_items(f, 1, s1);
    assert_int_equal(vindex_sync(x, f->v, NULL, NULL), 0);
    assert_int_equal(bundles_of(x).n, 4);
    assert_int_equal(n_items(x), 6);
    vindex_close(x);
    fixture_free(f);
}

/* A bundle that does not verify is not added; neither are the ones after it. */
static void
test_sync_refuses_a_damaged_bundle(void **state)
{
    struct fixture *f = fixture_new();
    struct vindex  *x;
    char            s[SHA256_HEX], path[192];
    struct stat     st;
    int             fd;
    uint8_t         c;

    (void) state;
    x = open_synced(f);
    vindex_close(x);
    commit_items(f, 2, s);
    commit_items(f, 1, s);
    /* a byte of bundle 1's first payload, well inside it */
    snprintf(path, sizeof path, "%s/bundles/00000001.tar", f->dir);
    assert_int_equal(stat(path, &st), 0);
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, &c, 1, 2048 + 100), 1);
    c ^= 1;
    assert_int_equal(pwrite(fd, &c, 1, 2048 + 100), 1);
    close(fd);

    assert_int_equal(vindex_open(f->v, &x), 0);
    assert_true(vindex_sync(x, f->v, NULL, NULL) < 0);
    assert_non_null(strstr(okra_errmsg(), "00000001.tar"));
    assert_non_null(strstr(okra_errmsg(), "okra verify"));
    assert_int_equal(bundles_of(x).n, 1);
    assert_int_equal(n_items(x), 0);
    vindex_close(x);
    fixture_free(f);
}

/* Bundles the index knew, removed with CHECKPOINT put back (a rollback): refused. */
static void
test_sync_refuses_a_rollback(void **state)
{
    struct fixture *f = fixture_new();
    struct vindex  *x;
    char            s[SHA256_HEX], *cp_text, *cp_sig;
    size_t          tl, sl;

    (void) state;
    commit_items(f, 1, s);
    assert_int_equal(fs_read_file(f->v->dirfd, "CHECKPOINT", 4096, &cp_text, &tl), 0);
    assert_int_equal(fs_read_file(f->v->dirfd, "CHECKPOINT.minisig", 4096, &cp_sig, &sl), 0);
    commit_items(f, 1, s);
    x = open_synced(f);
    assert_int_equal(bundles_of(x).n, 3);
    vindex_close(x);

    assert_int_equal(unlinkat(f->v->dirfd, "bundles/00000002.tar", 0), 0);
    assert_int_equal(fs_write_atomic(f->v->dirfd, "CHECKPOINT.minisig", cp_sig, sl, 0644), 0);
    assert_int_equal(fs_write_atomic(f->v->dirfd, "CHECKPOINT", cp_text, tl, 0644), 0);
    assert_int_equal(vindex_open(f->v, &x), 0);
    assert_int_equal(vindex_sync(x, f->v, NULL, NULL), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "rolled back"));
    assert_int_equal(bundles_of(x).n, 3); /* what it held, unchanged */
    vindex_close(x);
    free(cp_text);
    free(cp_sig);
    fixture_free(f);
}

/*
 * The newest bundle replaced by another that verifies, with a CHECKPOINT
 * that names it (a vault restored from another copy): not the bundle the
 * index was built from.
 */
static void
test_sync_refuses_a_replaced_bundle(void **state)
{
    struct fixture *f = fixture_new();
    struct vindex  *x;
    char            s1[SHA256_HEX], s1b[SHA256_HEX];

    (void) state;
    assert_int_equal(commit_items(f, 1, s1), 1);
    x = open_synced(f);
    vindex_close(x);
    assert_int_equal(unlinkat(f->v->dirfd, "bundles/00000001.tar", 0), 0);
    assert_int_equal(commit_items(f, 3, s1b), 1); /* another bundle 1, signed by the station */
    assert_string_not_equal(s1, s1b);
    assert_int_equal(vindex_open(f->v, &x), 0);
    assert_int_equal(vindex_sync(x, f->v, NULL, NULL), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "is not the bundle"));
    assert_int_equal(n_items(x), 1); /* what it held, unchanged */
    vindex_close(x);
    fixture_free(f);
}

/* A row edited in index.sqlite is refused, naming 'okra reindex'; a rebuild puts it right. */
static void
test_edited_row_refused_then_rebuilt(void **state)
{
    struct fixture *f = fixture_new();
    struct vindex  *x;
    char            s[SHA256_HEX];
    json_t         *item;
    int             rc;

    (void) state;
    commit_items(f, 2, s);
    x = open_synced(f);
    vindex_close(x);
    fixture_edit_index(f, "UPDATE items SET json = replace(json, 'file-0.pfx', '../../etc/pwned') WHERE pos = 1");
    rc = vindex_open(f->v, &x);
    if (rc == 0) {
        /* the summary may hold; the row's seal does not, when it is read */
        rc = vindex_lookup(x, "0000000100000000", &item);
        if (rc != -EBADMSG)
            fail_msg("an edited row was read back (%d): %s", rc, okra_errmsg());
        vindex_close(x);
    } else {
        assert_int_equal(rc, -EBADMSG);
    }
    assert_non_null(strstr(okra_errmsg(), "okra reindex"));

    /* a rebuild from the bundles, as 'okra reindex' does */
    assert_int_equal(vindex_open_new(f->v, &x), 0);
    assert_int_equal(vindex_rebuild(x, f->v, NULL, NULL), 0);
    assert_int_equal(vindex_lookup(x, "0000000100000000", &item), 0);
    assert_string_equal(json_string_value(json_object_get(json_object_get(item, "source"), "path")),
        "file-0.pfx");
    json_decref(item);
    assert_int_equal(n_items(x), 2);
    vindex_close(x);
    fixture_free(f);
}

/* A row deleted from the file: the summary no longer matches the rows. */
static void
test_deleted_row_refused(void **state)
{
    struct fixture *f = fixture_new();
    struct vindex  *x;
    char            s[SHA256_HEX];
    json_t         *item = NULL;
    int             rc;

    (void) state;
    commit_items(f, 3, s);
    x = open_synced(f);
    vindex_close(x);
    fixture_edit_index(f, "DELETE FROM items WHERE pos = 2");
    rc = vindex_open(f->v, &x);
    if (rc == 0) {
        rc = vindex_lookup(x, "0000000100000001", &item);
        vindex_close(x);
    }
    assert_int_equal(rc, -EBADMSG);
    assert_null(item);
    assert_non_null(strstr(okra_errmsg(), "okra reindex"));
    fixture_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sync_adds_what_is_missing),
        cmocka_unit_test(test_sync_refuses_a_damaged_bundle),
        cmocka_unit_test(test_sync_refuses_a_rollback),
        cmocka_unit_test(test_sync_refuses_a_replaced_bundle),
        cmocka_unit_test(test_edited_row_refused_then_rebuilt),
        cmocka_unit_test(test_deleted_row_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
