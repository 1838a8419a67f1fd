/*
 * test_bundle.c: the bundle writer and reader, and the streaming manifest
 * reader, on a throw-away vault (vault_fixture.h). What the writer commits is
 * read back member by member: the members and their order (doc/FORMAT.md, 5),
 * each payload opened with the vault's identity, SHA256SUMS against the
 * members, the manifest's header and item names, the signature and chain
 * (vault_verify_one_bundle), the checkpoint it leaves, and nothing left in tmp/.
 * Also: a writer freed without a commit leaves no trace, a commit never
 * replaces a bundle, and damaged or foreign bytes are refused by the reader.
 */
#include "vault_fixture.h"

#include "common/sha256.h"
#include "vault/bundle_read.h"
#include "vault/checkpoint.h"
#include "vault/manifest.h"
#include "vault/verify_bundle.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

/* ---- helpers ---- */

struct member {
    char     name[64];
    uint8_t *data;
    size_t   len;
};

/* Every member of a bundle, in order, read whole (the test's bundles are small). */
static size_t
read_members(struct fixture *f, uint64_t seq, struct member *m, size_t cap)
{
    struct bundle_reader *r;
    const char           *name;
    const uint8_t        *p;
    uint64_t              size;
    size_t                n = 0, got;
    char                  path[64];
    int                   rc;

    vault_bundle_name(seq, path, sizeof path);
    assert_int_equal(bundle_open(f->v->dirfd, path, &r), 0);
    while ((rc = bundle_next(r, &name, &size)) == 1) {
        assert_true(n < cap);
        snprintf(m[n].name, sizeof m[n].name, "%s", name);
        m[n].data = malloc(size + 1);
        assert_non_null(m[n].data);
        m[n].len = 0;
        while ((rc = bundle_data(r, &p, &got)) == 1) {
            assert_true(m[n].len + got <= size);
            memcpy(m[n].data + m[n].len, p, got);
            m[n].len += got;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(m[n].len, size);
        m[n].data[m[n].len] = '\0';
        n++;
    }
    assert_int_equal(rc, 0);
    bundle_close(r);
    return n;
}

static void
free_members(struct member *m, size_t n)
{
    while (n-- > 0)
        free(m[n].data);
}

static void
sha256_hex(const uint8_t *p, size_t n, char out[SHA256_HEX])
{
    uint8_t d[32];

    crypto_hash_sha256(d, p, n);
    sodium_bin2hex(out, SHA256_HEX, d, sizeof d);
}

struct plain {
    uint8_t *p;
    size_t   len, cap;
};

static int
plain_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct plain *b = ctx;

    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

/* The member decrypts with the vault's identity to exactly want. */
static void
assert_opens_to(struct fixture *f, const struct member *m, const uint8_t *want, size_t want_len)
{
    struct age_identities ids = { .x25519 = (const uint8_t(*)[AGE_KEY_LEN]) f->secret, .n_x25519 = 1 };
    struct plain          out = { 0 };

    if (age_decrypt(&ids, m->data, m->len, plain_sink, &out) != 0)
        fail_msg("%s does not open with the vault's identity: %s", m->name, okra_errmsg());
    assert_int_equal(out.len, want_len);
    assert_memory_equal(out.p, want, want_len);
    free(out.p);
}

static size_t
files_in(const char *dir)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    size_t         n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* ---- the writer, read back ---- */

static void
test_commit_read_back(void **state)
{
    struct fixture     *f = fixture_new();
    static const char   a[] = "the first export file", b[] = "the second", ob[] = "b, as opened";
    size_t              big_len = 3 * 1024 * 1024 + 17; /* past what a stager holds in memory */
    uint8_t            *big = malloc(big_len);
    const uint8_t      *plain[] = { (const uint8_t *) a, (const uint8_t *) b, big };
    const size_t        len[] = { sizeof a, sizeof b, big_len };
    const uint8_t      *opened[] = { NULL, (const uint8_t *) ob, NULL };
    const size_t        olen[] = { 0, sizeof ob, 0 };
    static const char  *order[] = { "MANIFEST.json", "payload/0001.age", "payload/0002.age",
        "payload/0002.p12.age", "payload/0003.age", "SHA256SUMS", "SHA256SUMS.minisig" };
    struct member       m[16];
    char                sums[SHA256_HEX], hex[SHA256_HEX], tmp[256], tc[160];
    size_t              n, i, off = 0;
    json_t             *man, *items;
    struct checkpoint   cp;
    struct bundle_check c = { .dirfd = f->v->dirfd, .key = &f->v->station_pub };

    (void) state;
    assert_non_null(big);
    randombytes_buf(big, big_len);
    assert_int_equal(fixture_commit(f, 3, plain, len, opened, olen, sums), 1);

    /* members, in the order of doc/FORMAT.md, and no others */
    n = read_members(f, 1, m, 16);
    assert_int_equal(n, 7);
    for (i = 0; i < n; i++)
        assert_string_equal(m[i].name, order[i]);

    /* each payload opens to what was staged */
    assert_opens_to(f, &m[1], plain[0], len[0]);
    assert_opens_to(f, &m[2], plain[1], len[1]);
    assert_opens_to(f, &m[3], opened[1], olen[1]);
    assert_opens_to(f, &m[4], plain[2], len[2]);

    /* SHA256SUMS: one "<hex>  <name>" line per member before it, in order, and nothing else */
    for (i = 0; i < 5; i++) {
        size_t nl = strlen(m[i].name);

        sha256_hex(m[i].data, m[i].len, hex);
        assert_true(off + 64 + 2 + nl + 1 <= m[5].len);
        assert_memory_equal(m[5].data + off, hex, 64);
        assert_memory_equal(m[5].data + off + 64, "  ", 2);
        assert_memory_equal(m[5].data + off + 66, m[i].name, nl);
        assert_int_equal(m[5].data[off + 66 + nl], '\n');
        off += 66 + nl + 1;
    }
    assert_int_equal(off, m[5].len);
    sha256_hex(m[5].data, m[5].len, hex);
    assert_string_equal(hex, sums);

    /* the manifest: its header, and the names the writer gave the items' payloads */
    man = json_loadb((const char *) m[0].data, m[0].len, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(man);
    assert_string_equal(json_string_value(json_object_get(man, "format")), "okra-bundle/1");
    assert_string_equal(json_string_value(json_object_get(man, "vault_id")), f->v->vault_id);
    assert_int_equal(json_integer_value(json_object_get(man, "seq")), 1);
    assert_string_equal(json_string_value(json_object_get(man, "prev")), f->sums0);
    assert_string_equal(json_string_value(json_object_get(man, "kind")), "import");
    assert_string_equal(json_string_value(json_object_get(man, "operator")), "fixture");
    assert_true(json_is_null(json_object_get(man, "media")));
    items = json_object_get(man, "items");
    assert_int_equal(json_array_size(items), 3);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "payload")),
        "payload/0002.age");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 1), "opened")),
        "payload/0002.p12.age");
    assert_null(json_object_get(json_array_get(items, 0), "opened"));
    json_decref(man);

    /* the signature's trusted comment binds vault, seq and kind */
    bundle_trusted_comment(f->v->vault_id, 1, "import", tc, sizeof tc);
    snprintf(tmp, sizeof tmp, "\ntrusted comment: %s\n", tc);
    assert_non_null(strstr((const char *) m[6].data, tmp));

    /* and the whole bundle verifies as okra verify checks one */
    snprintf(c.path, sizeof c.path, "bundles/00000001.tar");
    snprintf(c.display, sizeof c.display, "bundle 1");
    vault_verify_one_bundle(&c);
    if (!c.ok)
        fail_msg("the new bundle does not verify: %s", c.why);
    assert_int_equal(c.n_items, 3);
    assert_string_equal(c.sums, sums);
    json_decref(c.policy);

    /* CHECKPOINT names it; tmp/ is empty */
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), 0);
    assert_int_equal(cp.seq, 1);
    assert_string_equal(cp.sums, sums);
    snprintf(tmp, sizeof tmp, "%s/tmp", f->dir);
    assert_int_equal(files_in(tmp), 0);

    free_members(m, n);
    free(big);
    fixture_free(f);
}

/* Each bundle's prev is the sums hash of the one before. */
static void
test_chain(void **state)
{
    struct fixture *f = fixture_new();
    static const char x[] = "x", y[] = "y";
    const uint8_t  *px[] = { (const uint8_t *) x }, *py[] = { (const uint8_t *) y };
    const size_t    l[] = { 1 };
    char            s1[SHA256_HEX], s2[SHA256_HEX], prev[SHA256_HEX];
    struct member   m[8];
    size_t          n;
    json_t         *man;

    (void) state;
    assert_int_equal(fixture_commit(f, 1, px, l, NULL, NULL, s1), 1);
    assert_int_equal(fixture_commit(f, 1, py, l, NULL, NULL, s2), 2);
    n = read_members(f, 2, m, 8);
    man = json_loadb((const char *) m[0].data, m[0].len, 0, NULL);
    assert_non_null(man);
    assert_string_equal(json_string_value(json_object_get(man, "prev")), s1);
    json_decref(man);
    assert_int_equal(bundle_read_sums_hash(f->v->dirfd, "bundles/00000001.tar", prev), 0);
    assert_string_equal(prev, s1);
    assert_int_equal(bundle_read_sums_hash(f->v->dirfd, "bundles/00000002.tar", prev), 0);
    assert_string_equal(prev, s2);
    free_members(m, n);
    fixture_free(f);
}

/* A writer freed without a commit leaves nothing; the next one takes the same seq. */
static void
test_abandon(void **state)
{
    struct fixture       *f = fixture_new();
    struct bundle_header  h = { "import", "fixture", NULL, NULL };
    struct bundle_writer *bw;
    struct bw_stager     *st;
    struct bw_blob        p;
    json_t               *item = fixture_item("00000000000000aa", "a.pfx");
    uint8_t               big[2 * 1024 * 1024] = { 0 };
    uint64_t             *seqs;
    size_t                n;
    char                  tmp[160];

    (void) state;
    assert_int_equal(bw_begin(f->v, &h, &bw), 0);
    assert_int_equal(bw_seq(bw), 1);
    assert_int_equal(bw_stager_new(bw, &st), 0);
    assert_int_equal(bw_stage_plain(st, big, sizeof big, &p), 0); /* spilled to tmp/ */
    assert_int_equal(bw_add_item(bw, item, &p, NULL), 1);
    bw_free(bw);
    json_decref(item);
    snprintf(tmp, sizeof tmp, "%s/tmp", f->dir);
    assert_int_equal(files_in(tmp), 0);
    assert_int_equal(vault_list_bundles(f->v, &seqs, &n), 0);
    assert_int_equal(n, 1);
    free(seqs);
    assert_int_equal(bw_begin(f->v, &h, &bw), 0);
    assert_int_equal(bw_seq(bw), 1);
    bw_free(bw);
    fixture_free(f);
}

/* A commit never replaces a bundle that appeared under its name meanwhile. */
static void
test_never_overwrites(void **state)
{
    struct fixture       *f = fixture_new();
    struct bundle_header  h = { "import", "fixture", NULL, NULL };
    struct bundle_writer *bw;
    char                  sums[SHA256_HEX], path[192], *back;
    size_t                len;
    int                   fd;
    struct checkpoint     cp;

    (void) state;
    assert_int_equal(bw_begin(f->v, &h, &bw), 0);
    snprintf(path, sizeof path, "%s/bundles/00000001.tar", f->dir);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "in the way", 10), 10);
    close(fd);
    assert_true(bw_commit(bw, sums) < 0);
    assert_non_null(strstr(okra_errmsg(), "00000001.tar"));
    bw_free(bw);
    /* the file in the way is as it was, and CHECKPOINT still names bundle 0 */
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), 0);
    assert_int_equal(cp.seq, 0);
    back = (char *) unit_read_file(path, &len);
    assert_int_equal(len, 10);
    assert_memory_equal(back, "in the way", 10);
    free(back);
    fixture_free(f);
}

/* ---- the reader on damaged or foreign bytes ---- */

static void
write_file(const char *path, const void *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t) n);
    close(fd);
}

/* Reads every member to the end; the first negative code, or 0. */
static int
read_all(const char *path)
{
    struct bundle_reader *r;
    const char           *name;
    const uint8_t        *p;
    uint64_t              size;
    size_t                n;
    int                   rc;

    if ((rc = bundle_open(AT_FDCWD, path, &r)) < 0)
        return rc;
    while ((rc = bundle_next(r, &name, &size)) == 1)
        while ((rc = bundle_data(r, &p, &n)) == 1)
            ;
    bundle_close(r);
    return rc;
}

static void
test_reader_refuses(void **state)
{
    struct fixture *f = fixture_new();
    static const char x[] = "some key";
    const uint8_t  *px[] = { (const uint8_t *) x };
    const size_t    l[] = { sizeof x };
    char            sums[SHA256_HEX], good[192], bad[192], hex[SHA256_HEX];
    uint8_t        *data, junk[4096];
    size_t          len;

    (void) state;
    fixture_commit(f, 1, px, l, NULL, NULL, sums);
    snprintf(good, sizeof good, "%s/bundles/00000001.tar", f->dir);
    snprintf(bad, sizeof bad, "%s/bad.tar", f->top);
    data = unit_read_file(good, &len);
    assert_int_equal(read_all(good), 0);

    /* cut in the middle of a member */
    write_file(bad, data, len / 2);
    assert_true(read_all(bad) < 0);
    /* not a tar at all */
    memset(junk, 'A', sizeof junk);
    write_file(bad, junk, sizeof junk);
    assert_true(read_all(bad) < 0);
    /* a member that is not there */
    assert_int_equal(bundle_stream_member(AT_FDCWD, good, "payload/0002.age", plain_sink, NULL), -ENOENT);
    /* the sums hash needs the SHA256SUMS member */
    write_file(bad, data, 1024); /* MANIFEST.json's header and first block only */
    assert_true(bundle_read_sums_hash(AT_FDCWD, bad, hex) < 0);
    free(data);
    fixture_free(f);
}

static void
test_payload_names(void **state)
{
    char out[64], tc[160];

    (void) state;
    bundle_payload_name(1, 0, out, sizeof out);
    assert_string_equal(out, "payload/0001.age");
    bundle_payload_name(1, 1, out, sizeof out);
    assert_string_equal(out, "payload/0001.p12.age");
    bundle_payload_name(9999, 1, out, sizeof out);
    assert_string_equal(out, "payload/9999.p12.age");
    bundle_payload_name(10000, 0, out, sizeof out);
    assert_string_equal(out, "payload/10000.age");
    bundle_trusted_comment("0123456789abcdef0123456789abcdef", 42, "recovery", tc, sizeof tc);
    assert_string_equal(tc, "okra vault=0123456789abcdef0123456789abcdef seq=42 kind=recovery");
    vault_bundle_name(42, out, sizeof out);
    assert_string_equal(out, "bundles/00000042.tar");
    vault_bundle_name(123456789, out, sizeof out);
    assert_string_equal(out, "bundles/123456789.tar");
}

/* ---- the streaming manifest reader ---- */

struct seen {
    char     fields[256];
    uint32_t items, last_index;
    char     ids[256];
};

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct seen *s = ctx;

    (void) value;
    strcat(s->fields, key);
    strcat(s->fields, ",");
    return 0;
}

static int
on_item(void *ctx, json_t *item, uint32_t index)
{
    struct seen *s = ctx;

    s->items++;
    assert_int_equal(index, s->items);
    s->last_index = index;
    strcat(s->ids, json_string_value(json_object_get(item, "id")));
    strcat(s->ids, ",");
    return 0;
}

/* Feeds text step bytes at a time; the result of finish, or the first error. */
static int
feed(const char *text, size_t step, struct seen *s)
{
    struct manifest_cb      cb = { on_field, on_item, s };
    struct manifest_reader *r;
    size_t                  len = strlen(text), off;
    int                     rc = 0;

    memset(s, 0, sizeof *s);
    assert_int_equal(vault_manifest_reader_new(&cb, &r), 0);
    for (off = 0; off < len && rc == 0; off += step)
        rc = vault_manifest_reader_feed(r, (const uint8_t *) text + off, len - off < step ? len - off : step);
    if (rc == 0)
        rc = vault_manifest_reader_finish(r);
    vault_manifest_reader_free(r);
    return rc;
}

static void
test_manifest_reader(void **state)
{
    /* scalars end at ',', '}' or space: each must be handed over whole */
    static const char good[] = "{\"format\": \"okra-bundle/1\",\"seq\":3,\"prev\": null , \"ok\":true,"
                               "\"n\": -1.5e3,\"o\": {\"a\": [1, \"}\"]},\n\"items\": [\n"
                               "  {\"id\": \"a\\\"}\"},\n  {\"id\": \"b\", \"x\": {\"y\": [[]]}}\n],"
                               "\"after\":0}";
    static const char *bad[] = {
        "[]", "{\"items\": {}}", "{\"items\": [1]}", "{\"items\": [], \"items\": []}",
        "{\"items\": []} x", "{\"items\": [{\"id\": \"a\"}", "{\"seq\": 3}",
        "{\"items\": [{\"id\": \"a\", \"id\": \"b\"}]}", "{\"items\": [{\"id\": \"a\"} {\"id\": \"b\"}]}",
        "{\"seq\": 3x, \"items\": []}",
    };
    struct seen s;
    size_t      step, i;
    char       *huge;

    (void) state;
    for (step = 1; step <= sizeof good; step = step * 2 + 1) {
        if (feed(good, step, &s) != 0)
            fail_msg("fed %zu bytes at a time: %s", step, okra_errmsg());
        assert_string_equal(s.fields, "format,seq,prev,ok,n,o,after,");
        assert_int_equal(s.items, 2);
        assert_string_equal(s.ids, "a\"},b,");
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (feed(bad[i], 1, &s) != -EINVAL)
            fail_msg("taken: %s", bad[i]);
        assert_non_null(strstr(okra_errmsg(), "MANIFEST.json is malformed"));
    }
    /* one value over the ceiling is refused, not held */
    huge = malloc(MANIFEST_VALUE_MAX + 64);
    assert_non_null(huge);
    strcpy(huge, "{\"items\": [{\"id\": \"");
    memset(huge + strlen(huge), 'a', MANIFEST_VALUE_MAX);
    strcpy(huge + strlen("{\"items\": [{\"id\": \"") + MANIFEST_VALUE_MAX, "\"}]}");
    assert_int_equal(feed(huge, 65536, &s), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "larger than 1 MiB"));
    free(huge);
}

static void
test_manifest_head(void **state)
{
    struct manifest_head h;
    json_t              *v;

    (void) state;
    memset(&h, 0, sizeof h);
    assert_int_equal(vault_manifest_head_field(&h, "format", v = json_string("okra-bundle/1")), 0);
    json_decref(v);
    assert_int_equal(vault_manifest_head_check(&h), -EINVAL); /* the rest is missing */
    assert_int_equal(vault_manifest_head_field(&h, "vault_id", v = json_string("ab")), 0);
    json_decref(v);
    assert_int_equal(vault_manifest_head_field(&h, "seq", v = json_integer(7)), 0);
    json_decref(v);
    assert_int_equal(vault_manifest_head_field(&h, "prev", v = json_null()), 0);
    json_decref(v);
    assert_int_equal(vault_manifest_head_field(&h, "kind", v = json_string("import")), 0);
    json_decref(v);
    assert_int_equal(vault_manifest_head_field(&h, "time", v = json_string("2026-01-01T00:00:00Z")), 0);
    json_decref(v);
    assert_int_equal(vault_manifest_head_check(&h), 0);
    assert_int_equal(h.seq, 7);
    assert_string_equal(h.prev, "");
    /* twice, a negative seq, a seq that is text, a format of another version */
    assert_int_equal(vault_manifest_head_field(&h, "kind", v = json_string("import")), -EINVAL);
    json_decref(v);
    memset(&h, 0, sizeof h);
    assert_int_equal(vault_manifest_head_field(&h, "seq", v = json_integer(-1)), -EINVAL);
    json_decref(v);
    assert_int_equal(vault_manifest_head_field(&h, "seq", v = json_string("1")), -EINVAL);
    json_decref(v);
    memset(&h, 0, sizeof h);
    h.seen = 63;
    strcpy(h.format, "okra-bundle/2");
    assert_int_equal(vault_manifest_head_check(&h), -EINVAL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_read_back),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_abandon),
        cmocka_unit_test(test_never_overwrites),
        cmocka_unit_test(test_reader_refuses),
        cmocka_unit_test(test_payload_names),
        cmocka_unit_test(test_manifest_reader),
        cmocka_unit_test(test_manifest_head),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
