/*
 * test_text.c: the one escaping of outside text (common/text.h): controls,
 * C1 controls, bidirectional controls, line separators and invalid UTF-8
 * are escaped byte by byte; ordinary UTF-8 stays as it is.
 */
#include "unit.h"

#include "common/text.h"

static void
check(const char *in, size_t n, const char *want)
{
    char *out = text_escape(in, n);

    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}

static void
test_plain_and_controls(void **state)
{
    (void) state;
    check("alice.pfx", 9, "alice.pfx");
    check("Zo\xc3\xab \xc3\x9c" "n\xc3\xaf" "code", 14, "Zo\xc3\xab \xc3\x9c" "n\xc3\xaf" "code");
    check("a\nb\tc\\d", 7, "a\\nb\\tc\\\\d");
    check("\x1b[2J", 4, "\\x1b[2J");
    check("\x7f", 1, "\\x7f");
    check("a\0b", 3, "a\\x00b");
}

static void
test_c1_and_bidi(void **state)
{
    (void) state;
    /* U+009B (CSI) as UTF-8 */
    check("x\xc2\x9b" "2J", 5, "x\\xc2\\x9b2J");
    /* a<RLO>xfp.pem shows as apem.pfx on a terminal: escaped */
    check("a\xe2\x80\xaexfp.pem", 11, "a\\xe2\\x80\\xaexfp.pem");
    check("\xe2\x81\xa6" "x" "\xe2\x81\xa9", 7, "\\xe2\\x81\\xa6x\\xe2\\x81\\xa9"); /* LRI, PDI */
    check("\xe2\x80\x8e\xe2\x80\x8f", 6, "\\xe2\\x80\\x8e\\xe2\\x80\\x8f");      /* LRM, RLM */
    check("\xd8\x9c", 2, "\\xd8\\x9c");                                      /* ALM */
    check("\xe2\x80\xa8", 3, "\\xe2\\x80\\xa8");                             /* LINE SEPARATOR */
    /* neighbours that are harmless stay */
    check("\xe2\x80\x94", 3, "\xe2\x80\x94"); /* EM DASH */
    check("\xc2\xa0", 2, "\xc2\xa0");         /* NO-BREAK SPACE */
}

static void
test_invalid_utf8(void **state)
{
    (void) state;
    check("\xff", 1, "\\xff");
    check("\xc0\xaf", 2, "\\xc0\\xaf");         /* overlong '/' */
    check("\xed\xa0\x80", 3, "\\xed\\xa0\\x80"); /* a surrogate */
    check("\xe2\x80", 2, "\\xe2\\x80");         /* cut short */
    check("\xf4\x90\x80\x80", 4, "\\xf4\\x90\\x80\\x80");
}

static void
test_escaped_once_keeps_backslashes(void **state)
{
    char *out;

    (void) state;
    out = text_escape_again("a\\nb\xe2\x80\xae", 7);
    assert_string_equal(out, "a\\nb\\xe2\\x80\\xae");
    free(out);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_controls),
        cmocka_unit_test(test_c1_and_bidi),
        cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_escaped_once_keeps_backslashes),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
