/*
 * test_slip39.c: SLIP-0039 against the spec's word list and the 45 vectors
 * of the reference implementation (trezor/python-shamir-mnemonic), then
 * okra's own split/combine round trips, the hazmat layers, and the reasons
 * given for bad input.
 */
#include "unit.h"

#include "ceremony/shamir_hazmat.h"
#include "ceremony/slip39.h"
#include "common/err.h"
#include "common/hex.h"

#include <jansson.h>
#include <sodium.h>

#define VEC_DIR "slip39-trezor-python-shamir-mnemonic"

/* ---- word list ------------------------------------------------------- */

static void
test_wordlist(void **state)
{
    char    *list = (char *)read_vector(VEC_DIR "/wordlist.txt", NULL), *save = NULL, *w;
    unsigned n = 0;

    for (w = strtok_r(list, "\r\n", &save); w != NULL; w = strtok_r(NULL, "\r\n", &save), n++) {
        assert_true(n < 1024);
        assert_non_null(slip39_word(n));
        assert_string_equal(slip39_word(n), w);
        assert_int_equal(slip39_word_index(w, strlen(w)), (int)n);
        if (n > 0)
            assert_true(strcmp(slip39_word(n - 1), w) < 0);
    }
    assert_int_equal(n, 1024);
    assert_null(slip39_word(1024));
    assert_int_equal(slip39_word_index("ACADEMIC", 8), 0);
    assert_int_equal(slip39_word_index("Zero", 4), 1023);
    assert_int_equal(slip39_word_index("zer", 3), -1);
    assert_int_equal(slip39_word_index("zeros", 5), -1);
    assert_int_equal(slip39_word_index("academics", 9), -1);
    assert_int_equal(slip39_word_index("acid\0", 5), -1);
    assert_int_equal(slip39_word_index("", 0), -1);
    free(list);
}

/* ---- GF(256) ---------------------------------------------------------- */

/* The textbook definition: carry-less product, then reduction mod 0x11b. */
static uint8_t
ref_mul(uint8_t a, uint8_t b)
{
    unsigned p = 0, i;

    for (i = 0; i < 8; i++)
        if (b & (1u << i))
            p ^= (unsigned)a << i;
    for (i = 15; i >= 8; i--)
        if (p & (1u << i))
            p ^= 0x11bu << (i - 8);
    return (uint8_t)p;
}

static void
test_gf256(void **state)
{
    unsigned a, b;

    assert_int_equal(gf256_mul(0x57, 0x83), 0xc1); /* FIPS-197 section 4.2 */
    assert_int_equal(gf256_mul(0x57, 0x13), 0xfe);
    for (a = 0; a < 256; a++)
        for (b = 0; b < 256; b++)
            if (gf256_mul((uint8_t)a, (uint8_t)b) != ref_mul((uint8_t)a, (uint8_t)b))
                fail_msg("gf256_mul(%u, %u)", a, b);
    assert_int_equal(gf256_inv(0), 0);
    for (a = 1; a < 256; a++)
        assert_int_equal(gf256_mul((uint8_t)a, gf256_inv((uint8_t)a)), 1);
}

static void
test_interpolate(void **state)
{
    uint8_t        xs[3] = { 1, 2, 200 }, y0[2] = { 7, 9 }, y1[2] = { 100, 3 }, y2[2] = { 0, 255 };
    const uint8_t *ys[3] = { y0, y1, y2 };
    uint8_t        out[2], xs_dup[2] = { 4, 4 };
    unsigned       i;

    for (i = 0; i < 3; i++) {
        assert_int_equal(shamir_interpolate(xs[i], 3, xs, ys, 2, out), 0);
        assert_memory_equal(out, ys[i], 2);
    }
    assert_int_equal(shamir_interpolate(3, 1, xs, ys, 2, out), 0);
    assert_memory_equal(out, y0, 2); /* one point: a constant */
    assert_int_equal(shamir_interpolate(0, 2, xs_dup, ys, 2, out), -EINVAL);
    assert_int_equal(shamir_interpolate(0, 0, xs, ys, 2, out), -EINVAL);
}

static void
test_split_secret_hazmat(void **state)
{
    uint8_t *secret = secmem_alloc(32), *shares = secmem_alloc(5 * 32), *out = secmem_alloc(32);
    uint8_t  xs[3] = { 4, 0, 2 };
    const uint8_t *ys[3] = { shares + 4 * 32, shares, shares + 2 * 32 };

    randombytes_buf(secret, 32);
    assert_int_equal(shamir_split_secret(3, 5, secret, 32, shares), 0);
    assert_int_equal(shamir_recover_secret(3, 3, xs, ys, 32, out), 0);
    assert_memory_equal(out, secret, 32);
    assert_int_equal(shamir_recover_secret(3, 2, xs, ys, 32, out), -EINVAL);
    shares[2 * 32 + 5] ^= 1;
    assert_int_equal(shamir_recover_secret(3, 3, xs, ys, 32, out), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "digest"));
    assert_int_equal(shamir_split_secret(4, 3, secret, 32, shares), -EINVAL);
    assert_int_equal(shamir_split_secret(2, 17, secret, 32, shares), -EINVAL);
    assert_int_equal(shamir_split_secret(2, 3, secret, 15, shares), -EINVAL);
    secmem_free(secret);
    secmem_free(shares);
    secmem_free(out);
}

/* ---- the reference vectors ------------------------------------------- */

/* For a must-fail vector, a word its reason must contain (by its description). */
static const struct {
    const char *desc, *reason;
} expect_reason[] = {
    { "invalid checksum", "checksum" },
    { "invalid padding", "padding" },
    { "different identifiers", "identifiers" },
    { "different iteration exponents", "iteration exponents" },
    { "mismatching group thresholds", "group threshold" },
    { "mismatching group counts", "group threshold" },
    { "greater group threshold than group counts", "group count" },
    { "duplicate member indices", "given twice" },
    { "mismatching member thresholds", "member threshold" },
    { "invalid digest", "digest does not match" },
    { "Insufficient number of groups", "groups needed" },
    { "insufficient number of members", "groups needed" },
    { "insufficient length", "words" },
    { "invalid master secret length", "words" },
    { "Basic sharing 2-of-3", "1 more" },
};

static const char *
reason_for(const char *desc)
{
    size_t i;

    for (i = 0; i < sizeof expect_reason / sizeof expect_reason[0]; i++)
        if (strstr(desc, expect_reason[i].desc) != NULL)
            return expect_reason[i].reason;
    return NULL;
}

/* encode(decode(m)) == m for every mnemonic that decodes. */
static int
check_reencode(const char *m)
{
    struct slip39_share *s = secmem_alloc(sizeof *s);
    char                *out = secmem_alloc(SLIP39_MNEMONIC_MAX);
    int                  bad = 0;

    if (slip39_decode(m, s) == 0)
        bad = slip39_encode(s, out) != 0 || strcmp(out, m) != 0;
    secmem_free(s);
    secmem_free(out);
    return bad;
}

/* Runs one vector; returns 0 when it gives its expected outcome. */
static int
run_vector(json_t *v)
{
    const char *desc = json_string_value(json_array_get(v, 0));
    json_t     *mn = json_array_get(v, 1);
    const char *want = json_string_value(json_array_get(v, 2));
    const char *m[16], *why;
    uint8_t    *secret = secmem_alloc(SLIP39_MAX_SECRET);
    char        hex[2 * SLIP39_MAX_SECRET + 1];
    size_t      n = json_array_size(mn), i, len = 0;
    int         rc, bad = 0;

    assert_true(desc != NULL && want != NULL && n <= 16);
    for (i = 0; i < n; i++) {
        m[i] = json_string_value(json_array_get(mn, i));
        if (*want != '\0' && check_reencode(m[i])) {
            print_error("vector \"%s\": mnemonic %zu does not re-encode to itself\n", desc, i + 1);
            bad = 1;
        }
    }
    rc = slip39_combine_mnemonics(m, n, "TREZOR", secret, &len);
    if (*want == '\0') {
        why = reason_for(desc);
        if (rc == 0 || (why != NULL && strstr(okra_errmsg(), why) == NULL)) {
            print_error("vector \"%s\": want failure (\"%s\"), got %d: %s\n", desc, why ? why : "",
                rc, okra_errmsg());
            bad = 1;
        }
    } else {
        if (rc == 0)
            hex_encode(hex, secret, len);
        if (rc != 0 || strcmp(hex, want) != 0) {
            print_error(
                "vector \"%s\": want %s, got %d: %s\n", desc, want, rc, rc ? okra_errmsg() : hex);
            bad = 1;
        }
    }
    secmem_free(secret);
    return bad;
}

static void
test_vectors(void **state)
{
    char        *text = (char *)read_vector(VEC_DIR "/vectors.json", NULL);
    json_error_t jerr;
    json_t      *all = json_loads(text, 0, &jerr);
    size_t       i, failed = 0;

    if (all == NULL)
        fail_msg("vectors.json: %s (line %d)", jerr.text, jerr.line);
    assert_int_equal(json_array_size(all), 45);
    for (i = 0; i < json_array_size(all); i++)
        failed += (size_t)run_vector(json_array_get(all, i));
    print_message("slip39 vectors: %zu of %zu as expected\n", json_array_size(all) - failed,
        json_array_size(all));
    json_decref(all);
    free(text);
    assert_int_equal(failed, 0);
}

/* ---- split / combine round trips -------------------------------------- */

struct set {
    char (*m)[SLIP39_MNEMONIC_MAX];
    uint8_t *secret;
    size_t   len;
    uint8_t  threshold, count;
    uint16_t id;
};

static void
make_set(struct set *s, size_t len, uint8_t threshold, uint8_t count, bool ext, uint8_t e,
    const char *pass)
{
    s->m = secmem_alloc(count * sizeof *s->m);
    s->secret = secmem_alloc(SLIP39_MAX_SECRET);
    s->len = len, s->threshold = threshold, s->count = count;
    randombytes_buf(s->secret, len);
    if (slip39_split(s->secret, len, pass, e, ext, threshold, count, &s->id, s->m) != 0)
        fail_msg("split %u of %u, %zu bytes: %s", threshold, count, len, okra_errmsg());
}

static void
free_set(struct set *s)
{
    secmem_free(s->m);
    secmem_free(s->secret);
}

/* Combines the shares whose bits are set in mask (in a shuffled order). */
static int
combine_subset(const struct set *s, unsigned mask, const char *pass, uint8_t *out, size_t *len)
{
    const char *m[SLIP39_MAX_SHARES];
    size_t      n = 0, i;

    for (i = 0; i < s->count; i++)
        if (mask & (1u << i))
            m[n++] = s->m[i];
    for (i = n; i > 1; i--) {
        size_t      j = randombytes_uniform((uint32_t)i);
        const char *t = m[i - 1];

        m[i - 1] = m[j], m[j] = t;
    }
    return slip39_combine_mnemonics(m, n, pass, out, len);
}

static void
check_set(const struct set *s, const char *pass)
{
    uint8_t *out = secmem_alloc(SLIP39_MAX_SECRET);
    unsigned mask, ones;
    size_t   len;
    char     want[64];

    for (mask = 1; mask < (1u << s->count); mask++) {
        ones = (unsigned)__builtin_popcount(mask);
        if (ones == s->threshold) {
            len = 0;
            if (combine_subset(s, mask, pass, out, &len) != 0)
                fail_msg("%u of %u, subset %#x: %s", s->threshold, s->count, mask, okra_errmsg());
            assert_int_equal(len, s->len);
            assert_memory_equal(out, s->secret, s->len);
        } else if (ones == s->threshold - 1u) {
            assert_int_equal(combine_subset(s, mask, pass, out, &len), -EINVAL);
            snprintf(want, sizeof want, "%u shares needed, %u given (1 more)", s->threshold, ones);
            if (strstr(okra_errmsg(), want) == NULL)
                fail_msg("%u of %u with %u: \"%s\"", s->threshold, s->count, ones, okra_errmsg());
        }
    }
    secmem_free(out);
}

static void
test_roundtrip(void **state)
{
    static const uint8_t tn[][2] = { { 1, 1 }, { 2, 3 }, { 3, 5 }, { 5, 7 }, { 16, 16 } };
    static const size_t  lens[] = { 16, 32 };
    struct slip39_share *sh = secmem_alloc(sizeof *sh);
    struct set           s;
    size_t               i, l, k;

    for (l = 0; l < 2; l++)
        for (i = 0; i < sizeof tn / sizeof tn[0]; i++) {
            bool ext = (i + l) % 2 == 0;

            make_set(&s, lens[l], tn[i][0], tn[i][1], ext, 0, "");
            for (k = 0; k < s.count; k++) {
                assert_int_equal(slip39_decode(s.m[k], sh), 0);
                assert_int_equal(sh->identifier, s.id);
                assert_int_equal(sh->extendable, ext);
                assert_int_equal(sh->member_index, k);
                assert_int_equal(sh->member_threshold, s.threshold);
                assert_int_equal(sh->group_count, 1);
                assert_int_equal(sh->value_len, s.len);
                assert_int_equal(check_reencode(s.m[k]), 0);
            }
            check_set(&s, "");
            free_set(&s);
        }
    secmem_free(sh);
}

/* okra's own parameters, other lengths, a passphrase, and more shares than needed. */
static void
test_roundtrip_params(void **state)
{
    uint8_t   *out = secmem_alloc(SLIP39_MAX_SECRET);
    struct set s;
    size_t     len, l;

    make_set(&s, 32, 2, 3, true, 1, ""); /* okra's shares (doc/FORMAT.md, 10) */
    assert_int_equal(combine_subset(&s, 0x5, "", out, &len), 0);
    assert_memory_equal(out, s.secret, 32);
    assert_int_equal(combine_subset(&s, 0x7, "", out, &len), 0); /* all three: also fine */
    assert_memory_equal(out, s.secret, 32);
    free_set(&s);

    make_set(&s, 24, 3, 4, false, 0, "TREZOR");
    assert_int_equal(combine_subset(&s, 0xb, "TREZOR", out, &len), 0);
    assert_memory_equal(out, s.secret, 24);
    assert_int_equal(combine_subset(&s, 0xb, "trezor", out, &len), 0); /* no passphrase check */
    assert_memory_not_equal(out, s.secret, 24);
    free_set(&s);

    for (l = 16; l <= 32; l += 2) {
        make_set(&s, l, 2, 2, l % 4 == 0, 0, "");
        assert_int_equal(combine_subset(&s, 0x3, "", out, &len), 0);
        assert_int_equal(len, l);
        assert_memory_equal(out, s.secret, l);
        free_set(&s);
    }
    secmem_free(out);
}

/*
 * The extendable flag: set, the identifier is not in the salt, so a set
 * re-labelled with another identifier still gives the secret; unset, it is.
 */
static void
test_extendable_salt(void **state)
{
    struct slip39_share *sh = secmem_alloc(2 * sizeof *sh);
    uint8_t             *out = secmem_alloc(SLIP39_MAX_SECRET);
    struct set           s;
    size_t               len, k;
    int                  ext;

    for (ext = 0; ext < 2; ext++) {
        make_set(&s, 16, 2, 2, ext, 0, "");
        for (k = 0; k < 2; k++) {
            assert_int_equal(slip39_decode(s.m[k], &sh[k]), 0);
            sh[k].identifier ^= 0x1234;
        }
        assert_int_equal(slip39_combine(sh, 2, "", out, &len), 0);
        if (ext)
            assert_memory_equal(out, s.secret, 16);
        else
            assert_memory_not_equal(out, s.secret, 16);
        free_set(&s);
    }
    secmem_free(sh);
    secmem_free(out);
}

static void
test_split_bad_args(void **state)
{
    uint8_t secret[32] = { 1 };
    char(*m)[SLIP39_MNEMONIC_MAX] = secmem_alloc(17 * sizeof *m);

    assert_int_equal(slip39_split(secret, 32, "", 1, true, 3, 2, NULL, m), -EINVAL);
    assert_int_equal(slip39_split(secret, 32, "", 1, true, 0, 2, NULL, m), -EINVAL);
    assert_int_equal(slip39_split(secret, 32, "", 1, true, 2, 17, NULL, m), -EINVAL);
    assert_int_equal(slip39_split(secret, 15, "", 1, true, 2, 3, NULL, m), -EINVAL);
    assert_int_equal(slip39_split(secret, 17, "", 1, true, 2, 3, NULL, m), -EINVAL);
    assert_int_equal(slip39_split(secret, 34, "", 1, true, 2, 3, NULL, m), -EINVAL);
    assert_int_equal(slip39_split(secret, 32, "", 16, true, 2, 3, NULL, m), -EINVAL);
    assert_int_equal(slip39_split(secret, 32, "caf\xc3\xa9", 0, true, 2, 3, NULL, m), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "printable ASCII"));
    assert_int_equal(m[0][0], 0); /* wiped on failure */
    secmem_free(m);
}

/* ---- reasons for bad input -------------------------------------------- */

#define VEC1                                                                                       \
    "duckling enlarge academic academic agency result length solution fridge kidney "              \
    "coal piece deal husband erode duke ajar critical decision keyboard"

static void
expect_error(int rc, const char *part)
{
    assert_true(rc < 0);
    if (strstr(okra_errmsg(), part) == NULL)
        fail_msg("want \"%s\" in \"%s\"", part, okra_errmsg());
}

static void
test_decode_errors(void **state)
{
    struct slip39_share *sh = secmem_alloc(sizeof *sh);
    char                *buf = secmem_alloc(SLIP39_MNEMONIC_MAX * 2);
    char                *p;

    assert_int_equal(slip39_decode(VEC1, sh), 0);
    assert_int_equal(sh->identifier, 7945);
    /* any case, any white space */
    assert_int_equal(
        slip39_decode("  DUCKLING\tenlarge academic academic agency result length solution fridge "
                      "kidney coal piece deal husband erode duke ajar critical decision Keyboard\n",
            sh),
        0);
    expect_error(slip39_decode("duckling enlarge academic academic agency result foo solution", sh),
        "word 7 ('foo') is not in the SLIP-0039 word list");
    expect_error(slip39_decode("duckling enlarge academic academic agency result lengthy", sh),
        "word 7 ('lengthy')");
    expect_error(
        slip39_decode(
            "duckling enlarge academic academic agency result lengthlengthlengthlength", sh),
        "word 7 ('lengthlength...')");
    expect_error(slip39_decode("", sh), "empty mnemonic");
    expect_error(slip39_decode(" \n ", sh), "empty mnemonic");
    expect_error(slip39_decode("duckling enlarge academic", sh), "3 words");
    /* one word changed: checksum */
    strcpy(buf, VEC1);
    p = strstr(buf, "fridge");
    memcpy(p, "friar ", 6); /* "friar" is in the list */
    assert_int_equal(slip39_word_index("friar", 5) >= 0, 1);
    expect_error(slip39_decode(buf, sh), "checksum does not match");
    /* two words swapped: checksum */
    strcpy(buf, VEC1);
    p = strstr(buf, "coal piece");
    memcpy(p, "piece coal", 10);
    expect_error(slip39_decode(buf, sh), "checksum does not match");
    /* 34 words */
    snprintf(buf, SLIP39_MNEMONIC_MAX * 2, "%s %s", VEC1,
        "academic academic academic academic academic academic academic academic academic academic "
        "academic academic academic academic");
    expect_error(slip39_decode(buf, sh), "34 words");
    secmem_free(sh);
    secmem_free(buf);
}

static void
test_combine_errors(void **state)
{
    struct slip39_share *sh = secmem_alloc(4 * sizeof *sh);
    uint8_t             *out = secmem_alloc(SLIP39_MAX_SECRET);
    const char          *m[3];
    struct set           a, b;
    size_t               len;

    make_set(&a, 16, 2, 3, true, 0, "");
    make_set(&b, 16, 2, 3, true, 0, "");
    while (b.id == a.id) {
        free_set(&b);
        make_set(&b, 16, 2, 3, true, 0, "");
    }
    m[0] = a.m[0], m[1] = b.m[1];
    expect_error(slip39_combine_mnemonics(m, 2, "", out, &len),
        "shares belong to different sets (identifiers");
    m[0] = a.m[1], m[1] = a.m[1];
    expect_error(slip39_combine_mnemonics(m, 2, "", out, &len), "share 2 given twice");
    m[0] = a.m[2];
    expect_error(
        slip39_combine_mnemonics(m, 1, "", out, &len), "2 shares needed, 1 given (1 more)");
    expect_error(slip39_combine_mnemonics(m, 0, "", out, &len), "no shares");
    m[1] = "duckling enlarge academic academic agency result foo";
    expect_error(slip39_combine_mnemonics(m, 2, "", out, &len), "mnemonic 2: word 7 ('foo')");

    /* a share whose value was altered (re-encoded, so its checksum is fine) */
    assert_int_equal(slip39_decode(a.m[0], &sh[0]), 0);
    assert_int_equal(slip39_decode(a.m[1], &sh[1]), 0);
    assert_int_equal(slip39_decode(a.m[2], &sh[2]), 0);
    sh[1].value[3] ^= 0x40;
    expect_error(slip39_combine(sh, 2, "", out, &len), "digest does not match");
    /* a third share off the polynomial spoils a quorum that would work without it */
    sh[1].value[3] ^= 0x40;
    assert_int_equal(slip39_combine(sh, 3, "", out, &len), 0);
    sh[2].value[0] ^= 1;
    expect_error(slip39_combine(sh, 3, "", out, &len), "digest does not match");
    sh[2].value[0] ^= 1;
    sh[1].member_threshold = 3;
    expect_error(slip39_combine(sh, 3, "", out, &len), "member threshold");
    sh[1].member_threshold = 2;
    sh[1].value_len = 15;
    expect_error(slip39_combine(sh, 2, "", out, &len), "bytes is not possible");
    free_set(&a);
    free_set(&b);

    /* threshold 1: copies, which must agree */
    make_set(&a, 16, 1, 3, true, 0, "");
    assert_int_equal(combine_subset(&a, 0x4, "", out, &len), 0);
    assert_memory_equal(out, a.secret, 16);
    assert_int_equal(combine_subset(&a, 0x7, "", out, &len), 0);
    assert_int_equal(slip39_decode(a.m[0], &sh[0]), 0);
    assert_int_equal(slip39_decode(a.m[1], &sh[1]), 0);
    sh[1].value[15] ^= 1;
    expect_error(slip39_combine(sh, 2, "", out, &len), "must be copies");
    free_set(&a);
    secmem_free(sh);
    secmem_free(out);
}

/* Builds a two-group set by hand from the hazmat layers (okra only splits one group). */
static void
test_two_groups(void **state)
{
    uint8_t             *ms = secmem_alloc(32), *ems = secmem_alloc(32), *out = secmem_alloc(32);
    uint8_t             *gs = secmem_alloc(3 * 32), *mem = secmem_alloc(3 * 5 * 32);
    struct slip39_share *sh = secmem_alloc(8 * sizeof *sh);
    static const uint8_t mt[3] = { 2, 1, 3 }, mn[3] = { 3, 1, 5 };
    size_t               g, i, len;

    randombytes_buf(ms, 32);
    assert_int_equal(slip39_encrypt(ms, 32, "x", 0, 77, true, ems), 0);
    assert_int_equal(shamir_split_secret(2, 3, ems, 32, gs), 0);
    for (g = 0; g < 3; g++)
        assert_int_equal(shamir_split_secret(mt[g], mn[g], gs + g * 32, 32, mem + g * 5 * 32), 0);
#define SHARE(k, G, I)                                                                             \
    sh[k] = (struct slip39_share) { .identifier = 77,                                              \
        .extendable = true,                                                                        \
        .group_index = G,                                                                          \
        .group_threshold = 2,                                                                      \
        .group_count = 3,                                                                          \
        .member_index = I,                                                                         \
        .member_threshold = mt[G],                                                                 \
        .value_len = 32 };                                                                         \
    memcpy(sh[k].value, mem + ((G)*5 + (I)) * 32, 32)
    SHARE(0, 2, 4);
    SHARE(1, 0, 1);
    SHARE(2, 2, 0);
    SHARE(3, 0, 2);
    SHARE(4, 2, 3);
    SHARE(5, 1, 0);
    assert_int_equal(slip39_combine(sh, 5, "x", out, &len), 0); /* groups 0 and 2 */
    assert_memory_equal(out, ms, 32);
    assert_int_equal(slip39_combine(sh, 6, "x", out, &len), 0); /* all three groups */
    assert_memory_equal(out, ms, 32);
    assert_int_equal(slip39_combine(sh + 3, 3, "x", out, &len), -EINVAL); /* 0:1, 2:1, 1:1 */
    expect_error(-EINVAL, "groups needed");
    expect_error(slip39_combine(sh, 4, "x", out, &len), "group 3 has 2 of the 3 shares");
    /* each share round-trips through a mnemonic */
    for (i = 0; i < 6; i++) {
        char *m = secmem_alloc(SLIP39_MNEMONIC_MAX);

        assert_int_equal(slip39_encode(&sh[i], m), 0);
        assert_int_equal(slip39_decode(m, &sh[7]), 0);
        assert_memory_equal(&sh[7], &sh[i], sizeof sh[i]);
        secmem_free(m);
    }
#undef SHARE
    secmem_free(ms);
    secmem_free(ems);
    secmem_free(out);
    secmem_free(gs);
    secmem_free(mem);
    secmem_free(sh);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wordlist),
        cmocka_unit_test(test_gf256),
        cmocka_unit_test(test_interpolate),
        cmocka_unit_test(test_split_secret_hazmat),
        cmocka_unit_test(test_vectors),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_roundtrip_params),
        cmocka_unit_test(test_extendable_salt),
        cmocka_unit_test(test_split_bad_args),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_combine_errors),
        cmocka_unit_test(test_two_groups),
    };

    if (okra_crypto_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
