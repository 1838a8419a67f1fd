/*
 * test_mw_reader_wire.c: the records between the reader child and okra
 * (mediawatch/reader/wire.c). What the child writes, okra reads back; what
 * a child taken over by a hostile image could send instead (bad lengths,
 * paths, codes, order, more than the limits) okra refuses, each with a
 * reason.
 */
#include "unit.h"

#include "common/err.h"
#include "mediawatch/reader/rd_internal.h"

/* Records written into memory, then read back one by one through the checks. */
struct stream {
    uint8_t             buf[1 << 20];
    size_t              len, at;
    struct rd_out       out;
    struct rd_state     st;
    struct mw_read_opts o;
    uint8_t             payload[RD_RECORD_MAX + 1];
};

static int
sink(void *ctx, const uint8_t *p, size_t n)
{
    struct stream *s = ctx;

    assert_true(s->len + n <= sizeof s->buf);
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return 0;
}

static struct stream *
stream_new(void)
{
    struct stream *s = calloc(1, sizeof *s);

    assert_non_null(s);
    s->out.fd = -1;
    s->out.sink = sink;
    s->out.ctx = s;
    s->o = (struct mw_read_opts) { 1000, 4, 5, false, NULL };
    rd_state_init(&s->st, &s->o);
    return s;
}

/* The next record: 0 when it decodes and may come now, else the refusal's code. */
static int
next(struct stream *s, struct rd_record *rec)
{
    size_t len;
    int    rc;

    assert_int_equal(rd_flush(&s->out), 0);
    assert_true(s->len - s->at >= RD_HEADER);
    len = (size_t) s->buf[s->at + 4] | (size_t) s->buf[s->at + 5] << 8 |
          (size_t) s->buf[s->at + 6] << 16 | (size_t) s->buf[s->at + 7] << 24;
    assert_true(len <= RD_RECORD_MAX && s->at + RD_HEADER + len <= s->len);
    memcpy(s->payload, s->buf + s->at + RD_HEADER, len);
    rc = rd_decode((enum rd_type) s->buf[s->at], s->payload, len, rec);
    s->at += RD_HEADER + len;
    return rc < 0 ? rc : rd_check(&s->st, rec);
}

static void
volume(struct stream *s)
{
    struct rd_kv     kv[] = { { "fs", "fat32" }, { "LABEL", "KEYS" }, { "UUID", "1234-ABCD" } };
    struct rd_record r;

    assert_int_equal(rd_put_volume(&s->out, 0, 1, kv, 3), 0);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(r.type, RD_VOLUME);
    assert_int_equal(r.n_kv, 3);
    assert_string_equal(r.kv[1].key, "LABEL");
    assert_string_equal(r.kv[1].value, "KEYS");
    assert_string_equal(r.kv[2].value, "1234-ABCD");
}

static void
test_round_trip(void **state)
{
    struct stream   *s = stream_new();
    struct rd_record r;
    char            *why;

    (void) state;
    volume(s);
    assert_int_equal(rd_put_file(&s->out, 5, 1700000000, "keys/alice.pfx"), 0);
    assert_int_equal(rd_put_data(&s->out, "ab", 2), 0);
    assert_int_equal(rd_put_data(&s->out, "cde", 3), 0);
    assert_int_equal(rd_put_end(&s->out, false), 0);
    assert_int_equal(rd_put_skip(&s->out, RD_SKIP_HARDLINK, 0, "b", "keys/alice.pfx"), 0);
    assert_int_equal(rd_put_done(&s->out, 1, 1, 2), 0);

    assert_int_equal(next(s, &r), 0);
    assert_int_equal(r.type, RD_FILE);
    assert_string_equal(r.path, "keys/alice.pfx");
    assert_int_equal(r.a, 5);
    assert_int_equal(r.mtime, 1700000000);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(r.len, 2);
    assert_memory_equal(r.data, "ab", 2);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(r.type, RD_END);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(r.type, RD_SKIP);
    why = rd_skip_text(&r);
    assert_string_equal(why, "another name of keys/alice.pfx, read once (a hard link)");
    free(why);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(r.type, RD_DONE);
    assert_int_equal(s->st.phase, RD_PH_DONE);
    free(s);
}

/* A FILE record with this path, after a volume: refused or not. */
static int
file_with_path(const char *path)
{
    struct stream   *s = stream_new();
    struct rd_record r;
    int              rc;

    volume(s);
    assert_int_equal(rd_put_file(&s->out, 1, 0, path), 0);
    rc = next(s, &r);
    free(s);
    return rc;
}

static void
test_paths(void **state)
{
    char long_path[MW_READER_PATH_MAX + 2];

    (void) state;
    assert_int_equal(file_with_path("a/b/c.pfx"), 0);
    assert_int_equal(file_with_path("Zoë Ünïcödé.pfx"), 0);
    assert_int_equal(file_with_path("../etc/shadow"), -EBADMSG);
    assert_string_equal(okra_errmsg(), "the reader sent a malformed FILE record (a path that is "
                                        "empty, absolute, or has an empty, '.' or '..' part)");
    assert_int_equal(file_with_path("/etc/shadow"), -EBADMSG);
    assert_int_equal(file_with_path("a//b"), -EBADMSG);
    assert_int_equal(file_with_path("a/./b"), -EBADMSG);
    assert_int_equal(file_with_path("a/"), -EBADMSG);
    assert_int_equal(file_with_path(""), -EBADMSG);
    /* deeper than the limit (4 here), and one more for a partition's folder */
    assert_int_equal(file_with_path("p/a/b/c/d/f"), 0);
    assert_int_equal(file_with_path("p/a/b/c/d/e/f"), -EBADMSG);
    /* a path the writer cut to the limit still decodes; the limit is the limit */
    memset(long_path, 'x', sizeof long_path - 1);
    long_path[sizeof long_path - 1] = '\0';
    assert_int_equal(file_with_path(long_path), 0);
}

/* Raw records: a header and a payload as a hostile child would write them. */
static int
raw(enum rd_type t, const void *payload, size_t len, bool after_volume)
{
    struct stream   *s = stream_new();
    struct rd_record r;
    uint8_t          h[RD_HEADER] = { (uint8_t) t, 0, 0, 0, (uint8_t) len, (uint8_t) (len >> 8) };
    int              rc;

    if (after_volume)
        volume(s);
    sink(s, h, sizeof h);
    sink(s, payload, len);
    rc = next(s, &r);
    free(s);
    return rc;
}

static void
test_malformed(void **state)
{
    /* FILE: size, mtime, then a path length longer than what follows */
    static const uint8_t short_path[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0, 'a' };
    static const uint8_t nul_path[] = { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 'a', 0, 'b' };
    static const uint8_t trailing[] = { 0, 7 };
    static const uint8_t skip_code[] = { 99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 'a', 0, 0 };
    static const uint8_t bad_key[] = { 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 'f', '=', 1, 0, 'x' };
    static const uint8_t empty[1];

    (void) state;
    assert_int_equal(raw(RD_FILE, short_path, sizeof short_path, true), -EBADMSG);
    assert_int_equal(raw(RD_FILE, nul_path, sizeof nul_path, true), -EBADMSG);
    assert_int_equal(raw(RD_END, trailing, sizeof trailing, true), -EBADMSG);
    assert_int_equal(raw(RD_SKIP, skip_code, sizeof skip_code, true), -EBADMSG);
    assert_int_equal(raw(RD_VOLUME, bad_key, sizeof bad_key, false), -EBADMSG);
    assert_int_equal(raw(RD_DATA, empty, 0, true), -EBADMSG);
    assert_int_equal(raw((enum rd_type) 42, empty, 0, true), -EBADMSG);
    assert_int_equal(raw((enum rd_type) 0, empty, 0, true), -EBADMSG);
}

static void
test_order_and_limits(void **state)
{
    struct stream   *s;
    struct rd_record r;

    (void) state;
    /* a file before the filesystem's VOLUME */
    s = stream_new();
    assert_int_equal(rd_put_file(&s->out, 1, 0, "a"), 0);
    assert_int_equal(next(s, &r), -EBADMSG);
    free(s);

    /* more bytes than the file's size, and fewer */
    s = stream_new();
    volume(s);
    assert_int_equal(rd_put_file(&s->out, 3, 0, "a"), 0);
    assert_int_equal(rd_put_data(&s->out, "abcd", 4), 0);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(next(s, &r), -EBADMSG);
    assert_string_equal(okra_errmsg(), "the reader sent more bytes than the file's size");
    free(s);
    s = stream_new();
    volume(s);
    assert_int_equal(rd_put_file(&s->out, 3, 0, "a"), 0);
    assert_int_equal(rd_put_data(&s->out, "ab", 2), 0);
    assert_int_equal(rd_put_end(&s->out, false), 0);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(next(s, &r), -EBADMSG);
    free(s);

    /* fewer bytes, said to be damaged: the file is passed over, the walk goes on */
    s = stream_new();
    volume(s);
    assert_int_equal(rd_put_file(&s->out, 3, 0, "a"), 0);
    assert_int_equal(rd_put_data(&s->out, "ab", 2), 0);
    assert_int_equal(rd_put_end(&s->out, true), 0);
    assert_int_equal(rd_put_skip(&s->out, RD_SKIP_LINK, 0, "b", NULL), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(next(s, &r), 0);
    free(s);

    /* a skip, or the walk's end, in the middle of a file */
    s = stream_new();
    volume(s);
    assert_int_equal(rd_put_file(&s->out, 3, 0, "a"), 0);
    assert_int_equal(rd_put_done(&s->out, 0, 0, 0), 0);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(next(s, &r), -EBADMSG);
    free(s);

    /* larger than --max-size (1000 here): the child must have named it instead */
    s = stream_new();
    volume(s);
    assert_int_equal(rd_put_file(&s->out, 1001, 0, "a"), 0);
    assert_int_equal(next(s, &r), -EBADMSG);
    free(s);

    /* more files than the limit (5 here); empty files do not count */
    s = stream_new();
    volume(s);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(rd_put_file(&s->out, 0, 0, "empty"), 0);
        assert_int_equal(rd_put_end(&s->out, false), 0);
        assert_int_equal(next(s, &r), 0);
        assert_int_equal(next(s, &r), 0);
    }
    for (int i = 0; i < 6; i++) {
        assert_int_equal(rd_put_file(&s->out, 1, 0, "f"), 0);
        assert_int_equal(rd_put_data(&s->out, "x", 1), 0);
        assert_int_equal(rd_put_end(&s->out, false), 0);
        assert_int_equal(next(s, &r), i < 5 ? 0 : -EBADMSG);
        if (i < 5) {
            assert_int_equal(next(s, &r), 0);
            assert_int_equal(next(s, &r), 0);
        }
    }
    free(s);

    /* anything after the end */
    s = stream_new();
    volume(s);
    assert_int_equal(rd_put_done(&s->out, 0, 0, 0), 0);
    assert_int_equal(rd_put_skip(&s->out, RD_SKIP_LINK, 0, "b", NULL), 0);
    assert_int_equal(next(s, &r), 0);
    assert_int_equal(next(s, &r), -EBADMSG);
    free(s);
}

static void
test_texts(void **state)
{
    struct stream   *s = stream_new();
    struct rd_record r;
    char            *t;

    (void) state;
    /* a detail from the medium is made safe to print */
    assert_int_equal(rd_put_fail(&s->out, RD_FAIL_OPEN_FS, "bad\x1b[31m\nsector"), 0);
    assert_int_equal(next(s, &r), 0);
    t = rd_fail_text(&r);
    assert_string_equal(t, "its filesystem is damaged and cannot be read (bad\\x1b[31m\\nsector)");
    free(t);
    assert_int_equal(rd_put_fail(&s->out, RD_FAIL_UNSUPPORTED, "crypto_LUKS"), 0);
    assert_int_equal(next(s, &r), 0);
    t = rd_fail_text(&r);
    assert_non_null(strstr(t, "it holds a crypto_LUKS filesystem, which okra does not read"));
    free(t);
    free(s);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_order_and_limits),
        cmocka_unit_test(test_texts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
