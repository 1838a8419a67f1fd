/*
 * test_pgpwords.c: the PGP word list against published examples
 * (tests/vectors/pgpwords/, sources in tests/vectors/SOURCES.md), and the
 * list's own shape.
 */
#include "unit.h"

#include "common/hex.h"
#include "common/pgpwords.h"

#include <ctype.h>
#include <strings.h>

static void
test_published_vectors(void **state)
{
    char *all = (char *) read_vector("pgpwords/vectors.txt", NULL), *save = NULL, *line;
    int   n = 0;

    (void) state;
    for (line = strtok_r(all, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char    *tab = strchr(line, '\t'), out[2048];
        uint8_t  bytes[64];
        size_t   nb;

        if (line[0] == '#')
            continue;
        assert_non_null(tab);
        *tab = '\0';
        nb = strlen(line) / 2;
        assert_true(nb <= sizeof bytes);
        assert_int_equal(hex_decode(bytes, nb, line), 0);
        assert_int_equal(pgpwords_encode(bytes, nb, 0, out, sizeof out), (int) strlen(tab + 1));
        assert_string_equal(out, tab + 1);
        n++;
    }
    free(all);
    assert_int_equal(n, 3);
}

/*
 * Each list is alphabetical (case aside) but for one pair the original has
 * ("applicant", "Apollo" at odd 0x09 and 0x0a): a slip in the table shows.
 */
static void
test_lists_are_sorted(void **state)
{
    size_t parity;
    int    b;

    (void) state;
    for (parity = 0; parity < 2; parity++)
        for (b = 1; b < 256; b++) {
            const char *prev = pgpwords_word((uint8_t) (b - 1), parity);
            const char *cur = pgpwords_word((uint8_t) b, parity);

            if (parity == 1 && b == 0x0a)
                assert_string_equal(prev, "applicant"), assert_string_equal(cur, "Apollo");
            else if (strcasecmp(prev, cur) >= 0)
                fail_msg("list %zu: '%s' (0x%02x) before '%s'", parity, prev, b - 1, cur);
            assert_true(strlen(cur) <= PGPWORDS_WORD_MAX);
        }
    assert_string_equal(pgpwords_word(0x00, 0), "aardvark");
    assert_string_equal(pgpwords_word(0x00, 1), "adroitness");
    assert_string_equal(pgpwords_word(0xff, 2), "Zulu");
    assert_string_equal(pgpwords_word(0xff, 3), "Yucatan");
}

/* No word is in both lists: a word heard tells its parity. */
static void
test_lists_are_apart(void **state)
{
    int a, b;

    (void) state;
    for (a = 0; a < 256; a++)
        for (b = 0; b < 256; b++)
            assert_true(strcasecmp(pgpwords_word((uint8_t) a, 0), pgpwords_word((uint8_t) b, 1)));
}

static void
test_groups_and_bounds(void **state)
{
    static const uint8_t in[8] = { 0xe5, 0x82, 0x94, 0xf2, 0xe9, 0xa2, 0x27, 0x48 };
    char                 out[(PGPWORDS_WORD_MAX + 1) * 8 + 1];

    (void) state;
    assert_int_equal(pgpwords_encode(in, 8, 4, out, sizeof out),
                     (int) strlen("topmost Istanbul Pluto vagabond\ntreadmill Pacific brackish "
                                  "dictator"));
    assert_string_equal(out, "topmost Istanbul Pluto vagabond\ntreadmill Pacific brackish dictator");
    assert_int_equal(pgpwords_encode(in, 2, 0, out, 16), -1); /* "topmost Istanbul" needs 17 */
    assert_int_equal(pgpwords_encode(in, 2, 0, out, 17), 16);
    assert_int_equal(pgpwords_encode(in, 0, 0, out, 1), 0);
    assert_string_equal(out, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_published_vectors),
        cmocka_unit_test(test_lists_are_sorted),
        cmocka_unit_test(test_lists_are_apart),
        cmocka_unit_test(test_groups_and_bounds),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
