/*
 * test_sharefile.c: the custodian's share file (doc/FORMAT.md,
 * 10.1): its plaintext lines both ways, paper backups (bare
 * mnemonics), file names, sealing with the age scrypt recipient and opening
 * again, and the reasons given for what is not a share.
 */
#include "unit.h"

#include "ceremony/sharefile.h"
#include "common/err.h"

#include <sodium.h>

static const char mnemonic[] =
    "duckling enlarge academic academic agency result length solution fridge kidney coal piece "
    "deal husband erode duke ajar critical decision keyboard";

static struct share_text *
sample(void)
{
    struct share_text *s = sharefile_text_new();

    assert_non_null(s);
    strcpy(s->vault_id, "0fd8dcfe249406e6d783b219615e53dd");
    strcpy(s->custodian, "Zoë Ünïcode");
    s->index = 2;
    s->count = 3;
    s->threshold = 2;
    strcpy(s->mnemonic, mnemonic);
    return s;
}

static void
test_format_parse(void **state)
{
    struct share_text *s = sample(), *t = sharefile_text_new();
    struct secbuf      b = { 0 };
    const char        *want = "okra-share: 1\nvault: 0fd8dcfe249406e6d783b219615e53dd\n"
                              "custodian: Zoë Ünïcode\nshare: 2 of 3, threshold 2\nmnemonic: ";

    (void) state;
    assert_int_equal(sharefile_format(s, &b), 0);
    assert_true(b.len > strlen(want));
    assert_memory_equal(b.p, want, strlen(want));
    assert_memory_equal(b.p + strlen(want), mnemonic, strlen(mnemonic));
    assert_int_equal(b.p[b.len - 1], '\n');
    assert_int_equal(sharefile_parse_text((const char *) b.p, b.len, t), 0);
    assert_false(t->bare);
    assert_string_equal(t->vault_id, s->vault_id);
    assert_string_equal(t->custodian, s->custodian);
    assert_int_equal(t->index, 2);
    assert_int_equal(t->count, 3);
    assert_int_equal(t->threshold, 2);
    assert_string_equal(t->mnemonic, mnemonic);
    secbuf_free(&b);
    secmem_free(s);
    secmem_free(t);
}

static void
test_parse_lenient(void **state)
{
    struct share_text *t = sharefile_text_new();
    /* CRLF line ends, a later version's extra field, blank lines */
    const char *text = "okra-share: 1\r\nvault: abcdef\r\ncomment: typed in again\r\n\r\n"
                       "custodian: bob\r\nshare: 1 of 1, threshold 1\r\nmnemonic: A  b\tC\r\n";

    (void) state;
    assert_int_equal(sharefile_parse_text(text, strlen(text), t), 0);
    assert_string_equal(t->custodian, "bob");
    assert_string_equal(t->mnemonic, "a b c");
    secmem_free(t);
}

static void
test_parse_bare(void **state)
{
    struct share_text *t = sharefile_text_new();
    const char        *paper = "\xef\xbb\xbf  Duckling ENLARGE\n academic\n\n";

    (void) state;
    assert_int_equal(sharefile_parse_text(paper, strlen(paper), t), 0);
    assert_true(t->bare);
    assert_string_equal(t->mnemonic, "duckling enlarge academic");
    assert_int_equal(sharefile_parse_text("mnemonic: a b\n", 14, t), 0);
    assert_true(t->bare);
    assert_string_equal(t->mnemonic, "a b");
    assert_int_equal(sharefile_parse_text("word 1 two\n", 11, t), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "neither"));
    assert_int_equal(sharefile_parse_text("   \n", 4, t), -EINVAL);
    secmem_free(t);
}

static void
expect_bad(const char *text, const char *reason)
{
    struct share_text *t = sharefile_text_new();

    assert_int_equal(sharefile_parse_text(text, strlen(text), t), -EINVAL);
    if (strstr(okra_errmsg(), reason) == NULL)
        fail_msg("'%s': reason '%s' lacks '%s'", text, okra_errmsg(), reason);
    /* nothing secret is left behind on failure */
    assert_int_equal(t->mnemonic[0], 0);
    secmem_free(t);
}

static void
test_parse_errors(void **state)
{
    (void) state;
    expect_bad("okra-share: 2\nvault: ab\n", "format '2'");
    expect_bad("okra-share: 1\ncustodian: a\nshare: 1 of 2, threshold 1\nmnemonic: a b\n",
               "no 'vault:'");
    expect_bad("okra-share: 1\nvault: ab\nshare: 1 of 2, threshold 1\nmnemonic: a b\n",
               "no 'custodian:'");
    expect_bad("okra-share: 1\nvault: ab\ncustodian: a\nmnemonic: a b\n", "no 'share:'");
    expect_bad("okra-share: 1\nvault: ab\ncustodian: a\nshare: 1 of 2, threshold 1\n",
               "no 'mnemonic:'");
    expect_bad("okra-share: 1\nvault: ab\nvault: ab\n", "two 'vault:'");
    expect_bad("okra-share: 1\nvault: AB\n", "not a vault id");
    expect_bad("okra-share: 1\nvault: ab\nshare: 1of 2, threshold 1\n", "'I of N, threshold M'");
    expect_bad("okra-share: 1\nvault: ab\nshare: 01 of 2, threshold 1\n", "'I of N, threshold M'");
    expect_bad("okra-share: 1\nvault: ab\nshare: 3 of 2, threshold 1\n", "impossible");
    expect_bad("okra-share: 1\nvault: ab\nshare: 1 of 2, threshold 3\n", "impossible");
    expect_bad("okra-share: 1\nvault: ab\nshare: 1 of 17, threshold 3\n", "impossible");
    expect_bad("okra-share: 1\nvault ab\n", "not 'key: value'");
    expect_bad("okra-share: 1\nvault: ab\ncustodian: \x01x\n", "control");
    expect_bad("okra-share: 1\nvault: ab\nmnemonic: a1 b\n", "neither");
}

static void
test_names(void **state)
{
    char out[SHARE_FILE_NAME_MAX];

    (void) state;
    assert_int_equal(sharefile_check_name("alice"), 0);
    assert_int_equal(sharefile_check_name("Zoë Ünïcode"), 0);
    assert_int_equal(sharefile_check_name(""), -EINVAL);
    assert_int_equal(sharefile_check_name(" alice"), -EINVAL);
    assert_int_equal(sharefile_check_name("a\nb"), -EINVAL);
    assert_int_equal(sharefile_check_name("\xff"), -EINVAL);
    assert_int_equal(sharefile_check_name("12345678901234567890123456789012345678901234567890"
                                          "123456789012345"),
                     -EINVAL);
    sharefile_file_name(1, 3, "alice", out, sizeof out);
    assert_string_equal(out, "share-1-of-3-alice.age");
    sharefile_file_name(2, 3, "custodian 2", out, sizeof out);
    assert_string_equal(out, "share-2-of-3-custodian_2.age");
    sharefile_file_name(3, 12, "Zoë / ../x", out, sizeof out);
    assert_string_equal(out, "share-03-of-12-Zo_.._x.age");
    sharefile_file_name(1, 1, "///", out, sizeof out);
    assert_string_equal(out, "share-1-of-1.age");
}

static int
to_secbuf(void *ctx, const uint8_t *p, size_t n)
{
    return secbuf_append(ctx, p, n);
}

static void
test_seal_open(void **state)
{
    struct share_text *s = sample(), *t = sharefile_text_new();
    struct secbuf      file = { 0 };

    (void) state;
    assert_int_equal(sharefile_seal(s, "", 10, to_secbuf, &file), -EINVAL);
    assert_int_equal(sharefile_seal(s, "correct horse", 10, to_secbuf, &file), 0);
    assert_true(age_looks_like(file.p, file.len));
    assert_null(memmem(file.p, file.len, "duckling", 8));
    assert_int_equal(sharefile_open(file.p, file.len, "wrong horse", t), -EKEYREJECTED);
    assert_non_null(strstr(okra_errmsg(), "passphrase does not open"));
    assert_int_equal(sharefile_open(file.p, file.len, "correct horse", t), 0);
    assert_string_equal(t->mnemonic, mnemonic);
    assert_string_equal(t->custodian, "Zoë Ünïcode");
    assert_int_equal(sharefile_open((const uint8_t *) "hello", 5, "x", t), -EINVAL);
    secbuf_free(&file);
    secmem_free(s);
    secmem_free(t);
}

/* A bare mnemonic sealed with age is not a share file. */
static void
test_open_bare_refused(void **state)
{
    struct share_text *t = sharefile_text_new();
    struct secbuf      file = { 0 };

    (void) state;
    assert_int_equal(age_encrypt_scrypt("pw", 10, (const uint8_t *) mnemonic, strlen(mnemonic),
                                        to_secbuf, &file),
                     0);
    assert_int_equal(sharefile_open(file.p, file.len, "pw", t), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "bare mnemonic"));
    assert_int_equal(t->mnemonic[0], 0);
    secbuf_free(&file);
    secmem_free(t);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_format_parse),   cmocka_unit_test(test_parse_lenient),
        cmocka_unit_test(test_parse_bare),     cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_names),          cmocka_unit_test(test_seal_open),
        cmocka_unit_test(test_open_bare_refused),
    };

    if (okra_crypto_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
