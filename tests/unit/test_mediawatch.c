/*
 * test_mediawatch.c: the parts of mediawatch that need no device: match
 * rules and what okra says of a device they pass over, allow-lists, hostile
 * labels, argument checks.
 * tests/unit/test_mediawatch_loop.c drives real loop devices.
 */
#include "unit.h"

#include "mediawatch/mw_internal.h"
#include "mediawatch/reader/reader.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

static void
props(struct mw_props *p, const char *const *kv)
{
    for (; kv[0] != NULL; kv += 2)
        assert_int_equal(mw_props_set(p, kv[0], kv[1]), 0);
}

static void
test_match_parse(void **state)
{
    struct mw_match m = { 0 }, untouched = { (char *)"x", (char *)"y" };

    assert_int_equal(mw_match_parse("ID_BUS=usb", &m), 0);
    assert_string_equal(m.prop, "ID_BUS");
    assert_string_equal(m.glob, "usb");
    mw_match_clear(&m);
    assert_null(m.prop);

    assert_int_equal(mw_match_parse("ID_FS_LABEL=OFFICER[12]", &m), 0);
    assert_string_equal(m.glob, "OFFICER[12]");
    mw_match_clear(&m);

    /* the first '=' splits: the pattern may hold more */
    assert_int_equal(mw_match_parse("ID_X=a=b", &m), 0);
    assert_string_equal(m.prop, "ID_X");
    assert_string_equal(m.glob, "a=b");
    mw_match_clear(&m);

    assert_int_equal(mw_match_parse("ID_FS_LABEL=", &m), 0);
    assert_string_equal(m.glob, "");
    mw_match_clear(&m);
    mw_match_clear(NULL);

    m = untouched;
    assert_int_equal(mw_match_parse("noequals", &m), -EINVAL);
    assert_int_equal(mw_match_parse("=usb", &m), -EINVAL);
    assert_int_equal(mw_match_parse("ID BUS=usb", &m), -EINVAL);
    assert_int_equal(mw_match_parse("ID-BUS=usb", &m), -EINVAL);
    assert_int_equal(mw_match_parse("ID_\xc3\xa9=usb", &m), -EINVAL);
    assert_int_equal(mw_match_parse(NULL, &m), -EINVAL);
    char long_key[100];
    memset(long_key, 'A', 80);
    strcpy(long_key + 80, "=x");
    assert_int_equal(mw_match_parse(long_key, &m), -EINVAL);
    assert_ptr_equal(m.prop, untouched.prop); /* ret untouched on failure */
    assert_ptr_equal(m.glob, untouched.glob);
}

static void
test_match_rules(void **state)
{
    static const char *const kv[]
        = { "ID_BUS", "usb", "ID_FS_LABEL", "OFFICER1", "ID_FS_TYPE", "ext4", NULL };
    struct mw_props p = { 0 };
    struct mw_match label = { (char *)"ID_FS_LABEL", (char *)"OFFICER[12]" };
    struct mw_match two[]
        = { { (char *)"ID_BUS", (char *)"usb" }, { (char *)"ID_FS_TYPE", (char *)"ext[234]" } };
    struct mw_match ata = { (char *)"ID_BUS", (char *)"ata" };
    struct mw_match missing = { (char *)"ID_SERIAL", (char *)"*" };

    props(&p, kv);
    assert_true(mw_props_match(&p, NULL, 0)); /* default: ID_BUS=usb */
    assert_true(mw_props_match(&p, &label, 1));
    assert_true(mw_props_match(&p, two, 2));
    assert_false(mw_props_match(&p, &ata, 1));
    assert_false(mw_props_match(&p, &missing, 1)); /* "*" needs the property to exist */
    two[1].glob = (char *)"vfat";
    assert_false(mw_props_match(&p, two, 2)); /* every rule must match */

    /* no ID_BUS at all (a loop device, a SATA disk): the default refuses it */
    assert_int_equal(mw_props_set(&p, "ID_BUS", "ata"), 0);
    assert_false(mw_props_match(&p, NULL, 0));
    mw_props_clear(&p);
    assert_false(mw_props_match(&p, NULL, 0));
    mw_props_clear(&p);
}

static void
test_props_caps(void **state)
{
    struct mw_props p = { 0 };
    char           *big = malloc(MW_PROP_VALUE_MAX + 2);
    char            key[32];

    assert_int_equal(mw_props_set(&p, "A", "1"), 0);
    assert_int_equal(mw_props_set(&p, "A", "2"), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(mw_props_get(&p, "A"), "2");
    assert_null(mw_props_get(&p, "B"));

    memset(big, 'x', MW_PROP_VALUE_MAX + 1);
    big[MW_PROP_VALUE_MAX + 1] = '\0';
    assert_int_equal(mw_props_set(&p, "BIG", big), -EINVAL);
    big[MW_PROP_VALUE_MAX] = '\0';
    assert_int_equal(mw_props_set(&p, "BIG", big), 0);
    free(big);

    for (int i = (int)p.n; i < MW_PROP_MAX; i++) {
        snprintf(key, sizeof key, "K%d", i);
        assert_int_equal(mw_props_set(&p, key, "v"), 0);
    }
    assert_int_equal(mw_props_set(&p, "ONE_TOO_MANY", "v"), -EINVAL);
    assert_int_equal(mw_props_set(&p, "A", "3"), 0); /* replacing still works */
    mw_props_clear(&p);
    assert_int_equal(p.n, 0);
}

static void
test_allow_list(void **state)
{
    static const char *const kv[] = { "ID_SERIAL_SHORT", "4C530001", "ID_SERIAL",
        "SanDisk_Cruzer_4C530001-0:0", "ID_FS_UUID", "0b2f-1A2c", NULL };
    const char *const        serials[] = { "OTHER", "4C530001" };
    const char *const        long_serial[] = { "SanDisk_Cruzer_4C530001-0:0" };
    const char *const        uuids[] = { "0B2F-1A2C" };
    const char *const        other[] = { "1234-5678" };
    struct mw_props          p = { 0 };
    struct mw_options        o = { 0 };

    props(&p, kv);
    assert_true(mw_props_allowed(&p, &o)); /* no list: everything */

    o.allow_serials = serials;
    o.n_allow_serials = 2;
    assert_true(mw_props_allowed(&p, &o));
    o.allow_serials = long_serial;
    o.n_allow_serials = 1;
    assert_true(mw_props_allowed(&p, &o));

    o.allow_serials = other;
    assert_false(mw_props_allowed(&p, &o));
    o.allow_uuids = uuids; /* either list may let it in; UUIDs without regard to case */
    o.n_allow_uuids = 1;
    assert_true(mw_props_allowed(&p, &o));
    o.allow_uuids = other;
    assert_false(mw_props_allowed(&p, &o));

    /* serials are compared exactly */
    static const char *const lower[] = { "4c530001" };
    o.allow_serials = lower;
    o.n_allow_uuids = 0;
    assert_false(mw_props_allowed(&p, &o));
    mw_props_clear(&p);
    o.allow_serials = serials;
    o.n_allow_serials = 2;
    assert_false(mw_props_allowed(&p, &o)); /* nothing known: refused */
}

static void
check_decode(const char *enc, const char *want)
{
    char *got = mw_text_decode(enc);

    assert_non_null(got);
    if (strcmp(got, want) != 0)
        fail_msg("decode \"%s\": got \"%s\", want \"%s\"", enc, got, want);
    free(got);
}

static void
test_unhexmangle(void **state)
{
    static const struct {
        const char *in, *out;
    } v[] = {
        { "My\\x20Keys", "My Keys" },
        { "OFFICER\\x201", "OFFICER 1" },
        { "\\x5c", "\\" },
        { "a\\x5cx41", "a\\x41" }, /* one pass only */
        { "abc\\x4", "abc\\x4" }, /* truncated escape: copied */
        { "abc\\x", "abc\\x" },
        { "\\xZZ", "\\xZZ" },
        { "\\X41", "\\X41" },
        { "ok\\x00hidden", "ok" }, /* a decoded NUL ends it, as in util-linux */
        { "\\xff\\xfe", "\xff\xfe" },
        { "", "" },
    };

    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        char *got = mw_unhexmangle(v[i].in, 4096);

        assert_non_null(got);
        if (strcmp(got, v[i].out) != 0)
            fail_msg("unhexmangle \"%s\": got \"%s\"", v[i].in, got);
        free(got);
    }
    /* the input cap is honoured */
    char *got = mw_unhexmangle("abcdef", 3);
    assert_string_equal(got, "abc");
    free(got);
}

static void
test_label_hostile(void **state)
{
    /* what blkid_encode_string makes of hostile labels, decoded and made safe */
    check_decode("KEYS", "KEYS");
    check_decode("Zo\\xc3\\xab", "Zo\xc3\xab"); /* UTF-8 kept */
    check_decode("\\xe6\\x97\\xa5\\xe6\\x9c\\xac", "日本");
    check_decode("a\\x0ab", "a\\x0ab"); /* newline */
    check_decode("\\x1b[31mred\\x1b]0;title\\x07", "\\x1b[31mred\\x1b]0;title\\x07");
    check_decode("bad\\xff\\xfe", "bad\\xff\\xfe"); /* invalid UTF-8 */
    check_decode("\\xc0\\xaf", "\\xc0\\xaf"); /* overlong '/' */
    check_decode("\\xed\\xa0\\x80", "\\xed\\xa0\\x80"); /* a surrogate */
    check_decode("\\xf4\\x90\\x80\\x80", "\\xf4\\x90\\x80\\x80"); /* past U+10FFFF */
    check_decode("\\xc2\\x85", "\\xc2\\x85"); /* C1 NEL */
    check_decode("\\x7f", "\\x7f");
    check_decode("x\\xe2\\x80\\xaetxt.exe", "x\\xe2\\x80\\xaetxt.exe"); /* RLO */
    check_decode("\\xe2\\x81\\xa6", "\\xe2\\x81\\xa6"); /* LRI */
    check_decode("\\xe3\\x81", "\\xe3\\x81"); /* cut short */
    check_decode("../../etc/passwd", "../../etc/passwd"); /* text, never a path */
    check_decode("a\\x00b", "a");
    assert_null(mw_text_decode(NULL));
}

static void
test_sanitize_caps(void **state)
{
    char *in = malloc(5001), *out;

    memset(in, 'A', 5000);
    in[5000] = '\0';
    out = mw_text_sanitize(in);
    assert_int_equal(strlen(out), MW_TEXT_MAX);
    free(out);

    /* escapes are never cut in half */
    memset(in, 0x01, 5000);
    out = mw_text_sanitize(in);
    assert_true(strlen(out) <= MW_TEXT_MAX);
    assert_int_equal(strlen(out) % 4, 0);
    free(out);

    /* nor are characters */
    for (int i = 0; i < 4998; i += 2)
        memcpy(in + i, "\xc3\xab", 2);
    in[4998] = '\0';
    out = mw_text_sanitize(in);
    assert_int_equal(strlen(out), MW_TEXT_MAX);
    assert_int_equal((unsigned char)out[MW_TEXT_MAX - 1], 0xab);
    free(out);
    free(in);
}

static void
test_medium_from_props(void **state)
{
    static const char *const kv[] = { "ID_VENDOR", "SanDisk", "ID_VENDOR_ENC", "SanDisk\\x20\\x20",
        "ID_MODEL", "Cruzer_Blade", "ID_MODEL_ENC", "Cruzer\\x20Blade\\x20\\x20\\x20", "ID_SERIAL",
        "SanDisk_Cruzer_Blade_4C53-0:0", "ID_SERIAL_SHORT", "4C53\x1b[2J", "ID_FS_TYPE", "vfat",
        "ID_FS_UUID", "0B2F-1A2C", "ID_FS_UUID_ENC", "0B2F-1A2C", "ID_FS_LABEL", "MY_KEYS",
        "ID_FS_LABEL_ENC", "MY\\x20KEYS\\x0a", NULL };
    struct mw_props          p = { 0 };
    struct mw_medium         m;

    props(&p, kv);
    assert_int_equal(mw_medium_from_props(&m, &p, "/dev/sdb1"), 0);
    assert_string_equal(m.devname, "/dev/sdb1");
    assert_string_equal(m.vendor, "SanDisk");
    assert_string_equal(m.model, "Cruzer Blade");
    assert_string_equal(m.serial, "4C53\\x1b[2J");
    assert_string_equal(m.fs_type, "vfat");
    assert_string_equal(m.fs_uuid, "0B2F-1A2C");
    assert_string_equal(m.fs_label, "MY KEYS\\x0a");
    mw_medium_clear(&m);
    assert_null(m.devname);
    mw_medium_clear(NULL);
    mw_props_clear(&p);

    /* only what is known; an all-space model is no model */
    static const char *const few[] = { "ID_SERIAL", "Generic_1234", "ID_MODEL_ENC", "\\x20\\x20",
        "ID_FS_LABEL", "PLAIN", NULL };
    props(&p, few);
    assert_int_equal(mw_medium_from_props(&m, &p, NULL), 0);
    assert_null(m.devname);
    assert_null(m.vendor);
    assert_null(m.model);
    assert_string_equal(m.serial, "Generic_1234");
    assert_string_equal(m.fs_label, "PLAIN");
    assert_null(m.fs_uuid);
    mw_medium_clear(&m);
    mw_props_clear(&p);
}

/* What okra says of a device a rule passes over (one line each, item 9 of the officer's list). */
static void
test_mismatch(void **state)
{
    static const char *const kv[] = { "ID_BUS", "ata", "ID_FS_LABEL", "EVIL\x1b[2J\n", NULL };
    struct mw_props          p = { 0 };
    struct mw_match          rules[] = { { (char *)"ID_FS_LABEL", (char *)"EVIL*" },
                                         { (char *)"ID_SERIAL", (char *)"4C53*" } };
    char                    *why;

    props(&p, kv);
    /* the default rule, ID_BUS=usb */
    why = mw_props_mismatch(&p, NULL, 0);
    assert_string_equal(why, "has ID_BUS=ata, which --match ID_BUS=usb does not take");
    free(why);
    /* the first rule that fails; a missing property said as such */
    why = mw_props_mismatch(&p, rules, 2);
    assert_string_equal(why, "has no ID_SERIAL (--match ID_SERIAL=4C53*)");
    free(why);
    /* a value from the device is made safe before it is said */
    rules[0].glob = (char *)"GOOD";
    why = mw_props_mismatch(&p, rules, 1);
    assert_string_equal(why, "has ID_FS_LABEL=EVIL\\x1b[2J\\x0a, which --match ID_FS_LABEL=GOOD does not take");
    free(why);
    /* all match: nothing to say */
    rules[0].glob = (char *)"EVIL*";
    assert_null(mw_props_mismatch(&p, rules, 1));
    mw_props_clear(&p);
}

static int
never(void *ctx, struct mw_medium *m, int dev_fd, volatile sig_atomic_t *abort_flag)
{
    fail_msg("no medium expected");
    return 0;
}

static void
test_run_arguments(void **state)
{
    struct mw_options     o = { .on_medium = never };
    struct mw_match       bad = { (char *)"ID_BUS", NULL };
    volatile sig_atomic_t stop = 1;
    int                   rc;

    assert_int_equal(mw_run(&(struct mw_options) { 0 }), -EINVAL);
    assert_int_equal(mw_run(NULL), -EINVAL);
    o.match = &bad;
    o.n_match = 1;
    assert_int_equal(mw_run(&o), -EINVAL);
    o.match = NULL;
    o.n_match = 0;

    /* a stop already asked for returns at once */
    o.stop = &stop;
    o.source = MW_SOURCE_KERNEL;
    rc = mw_run(&o);
    if (rc == -EPERM || rc == -EACCES || rc == -EPROTONOSUPPORT || rc == -EAFNOSUPPORT)
        unit_skip_na("no uevent netlink socket here (a sandbox): %s", strerror(-rc));
    assert_int_equal(rc, 0);
}

int
main(int argc, char **argv)
{
    /* mw_run may start a reader, which is this program again (it spawns /proc/self/exe):
       without this, every reader would run the whole suite and start readers of its own */
    if (argc > 1 && strcmp(argv[1], MW_READER_CHILD_ARG) == 0)
        return mw_reader_child_main(argc, argv);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_parse),
        cmocka_unit_test(test_match_rules),
        cmocka_unit_test(test_props_caps),
        cmocka_unit_test(test_allow_list),
        cmocka_unit_test(test_unhexmangle),
        cmocka_unit_test(test_label_hostile),
        cmocka_unit_test(test_sanitize_caps),
        cmocka_unit_test(test_medium_from_props),
        cmocka_unit_test(test_mismatch),
        cmocka_unit_test(test_run_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
