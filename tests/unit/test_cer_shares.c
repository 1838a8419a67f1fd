/*
 * test_cer_shares.c: judging and combining the shares of a ceremony:
 * another vault, a retired set, another set, a duplicate, a forged share
 * with a valid checksum among more than the threshold, too few, and a
 * quorum of another key; plus the output names and the staged output
 * folder of a recovery.
 */
#include "unit.h"

#include "ceremony/recover.h"
#include "ceremony/shares.h"
#include "common/err.h"
#include "crypto/age.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define VAULT "0fd8dcfe249406e6d783b219615e53dd"

struct fixture {
    uint8_t  *secret;
    uint8_t   recipient[AGE_KEY_LEN];
    uint16_t  id;
    char    (*mn)[SLIP39_MNEMONIC_MAX];
};

static void
make_set(struct fixture *f, uint8_t t, uint8_t n)
{
    f->secret = secmem_alloc(AGE_KEY_LEN);
    f->mn = secmem_alloc(n * sizeof *f->mn);
    randombytes_buf(f->secret, AGE_KEY_LEN);
    assert_int_equal(age_x25519_public(f->secret, f->recipient), 0);
    assert_int_equal(slip39_split(f->secret, AGE_KEY_LEN, "", 0, true, t, n, &f->id, f->mn), 0);
}

static void
free_set(struct fixture *f)
{
    secmem_free(f->secret);
    secmem_free(f->mn);
}

/* A share as cli/ would hand it over: from a share file (vault given) or bare. */
static void
load(struct cer_share *s, const char *label, const char *mnemonic, const char *vault)
{
    memset(s, 0, sizeof *s);
    s->label = label;
    s->text = sharefile_text_new();
    strcpy(s->text->mnemonic, mnemonic);
    if (vault) {
        struct slip39_share d;

        assert_int_equal(slip39_decode(mnemonic, &d), 0);
        strcpy(s->text->vault_id, vault);
        strcpy(s->text->custodian, label);
        s->text->index = d.member_index + 1u;
        s->text->count = 5;
        s->text->threshold = d.member_threshold;
        sodium_memzero(&d, sizeof d);
    } else {
        s->text->bare = true;
    }
    cer_share_decode(s);
}

static void
test_quorum(void **state)
{
    struct fixture   f;
    struct cer_sets  sets = { 0 };
    struct cer_share s[3];
    uint8_t         *id = secmem_alloc(AGE_KEY_LEN);
    int              set;

    (void) state;
    make_set(&f, 2, 3);
    load(&s[0], "a", f.mn[0], VAULT);
    load(&s[1], "c", f.mn[2], NULL);
    load(&s[2], "b", f.mn[1], VAULT);
    cer_shares_screen(s, 3, VAULT, &sets, &set);
    assert_int_equal(set, f.id);
    assert_true(s[0].usable && s[1].usable && s[2].usable);
    /* more than the threshold: all used, all agree */
    assert_int_equal(cer_shares_combine(s, 3, f.recipient, id), 0);
    assert_memory_equal(id, f.secret, AGE_KEY_LEN);
    cer_shares_clear(s, 3);
    secmem_free(id);
    free_set(&f);
}

static void
test_left_out(void **state)
{
    struct fixture     f, g;
    struct cer_retired r = { 0, 7 };
    struct cer_sets    sets = { 0 };
    struct cer_share   s[6];
    uint8_t           *id = secmem_alloc(AGE_KEY_LEN);
    int                set;

    (void) state;
    make_set(&f, 2, 3);
    make_set(&g, 2, 3);
    r.id = g.id;
    sets.retired = &r;
    sets.n_retired = 1;
    load(&s[0], "mine-1", f.mn[0], VAULT);
    load(&s[1], "other-vault", f.mn[1], "aaaa");
    load(&s[2], "retired", g.mn[0], VAULT);
    load(&s[3], "again", f.mn[0], NULL);
    load(&s[4], "broken", "academic acid", NULL);
    cer_shares_screen(s, 5, VAULT, &sets, &set);
    assert_int_equal(set, f.id);
    assert_true(s[0].usable);
    assert_non_null(strstr(s[1].why, "another vault (aaaa)"));
    assert_non_null(strstr(s[2].why, "was retired by the reshare in bundle 7"));
    assert_non_null(strstr(s[3].why, "is share 1 again (as mine-1)"));
    assert_false(s[4].usable);
    assert_non_null(strstr(s[4].why, "not a valid SLIP-0039 share"));
    assert_int_equal(cer_shares_combine(s, 5, f.recipient, id), -ENOENT);
    assert_non_null(strstr(okra_errmsg(), "needs 2 shares; 1 valid share given (1 more needed)"));
    cer_shares_clear(s, 5);
    /* two sets, neither current: the one most shares belong to is taken */
    load(&s[0], "g1", g.mn[0], NULL);
    load(&s[1], "f1", f.mn[0], NULL);
    load(&s[2], "f2", f.mn[1], NULL);
    sets.n_retired = 0;
    cer_shares_screen(s, 3, VAULT, &sets, &set);
    assert_int_equal(set, f.id);
    assert_false(s[0].usable);
    assert_non_null(strstr(s[0].why, "shares of two sets never combine"));
    assert_int_equal(cer_shares_combine(s, 3, f.recipient, id), 0);
    /* a quorum of another key */
    assert_int_equal(cer_shares_combine(s, 3, g.recipient, id), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "another key than this vault's"));
    cer_shares_clear(s, 3);
    secmem_free(id);
    free_set(&f);
    free_set(&g);
}

/* A share re-encoded with another value has a valid checksum; a threshold of the others opens. */
static void
test_forged_share(void **state)
{
    struct fixture      f;
    struct cer_sets     sets = { 0 };
    struct cer_share    s[3];
    struct slip39_share d;
    char                forged[SLIP39_MNEMONIC_MAX];
    uint8_t            *id = secmem_alloc(AGE_KEY_LEN);
    int                 set;

    (void) state;
    make_set(&f, 2, 3);
    assert_int_equal(slip39_decode(f.mn[1], &d), 0);
    d.value[0] ^= 1;
    assert_int_equal(slip39_encode(&d, forged), 0);
    load(&s[0], "forged", forged, NULL);
    load(&s[1], "good-1", f.mn[0], NULL);
    load(&s[2], "good-3", f.mn[2], NULL);
    cer_shares_screen(s, 3, VAULT, &sets, &set);
    assert_true(s[0].usable && s[1].usable && s[2].usable);
    assert_int_equal(cer_shares_combine(s, 3, f.recipient, id), 0);
    assert_memory_equal(id, f.secret, AGE_KEY_LEN);
    assert_false(s[0].usable);
    assert_non_null(strstr(s[0].why, "does not combine"));
    assert_true(s[1].usable && s[2].usable);
    /* the forged one and one good one: the digest fails, nothing is taken */
    cer_shares_clear(s, 3);
    load(&s[0], "forged", forged, NULL);
    load(&s[1], "good-1", f.mn[0], NULL);
    cer_shares_screen(s, 2, VAULT, &sets, &set);
    assert_true(cer_shares_combine(s, 2, f.recipient, id) < 0);
    cer_shares_clear(s, 2);
    sodium_memzero(&d, sizeof d);
    sodium_memzero(forged, sizeof forged);
    secmem_free(id);
    free_set(&f);
}

/* A share file whose 'share:' line was edited to claim another index. */
static void
test_altered_line(void **state)
{
    struct fixture   f;
    struct cer_share s;

    (void) state;
    make_set(&f, 2, 3);
    load(&s, "edited", f.mn[0], VAULT);
    assert_true(s.usable);
    s.text->index = 2;
    cer_share_decode(&s);
    assert_false(s.usable);
    assert_non_null(strstr(s.why, "disagrees with its mnemonic"));
    cer_shares_clear(&s, 1);
    free_set(&f);
}

static void
test_out_names(void **state)
{
    char out[CER_OUT_NAME_MAX];

    (void) state;
    cer_out_name("0123456789abcdef", "/media/usb/Alice Ünïcode (2003).pfx", false, out);
    assert_string_equal(out, "0123456789abcdef-Alice___n__code__2003_.pfx");
    cer_out_name("0123456789abcdef", "keys/a.p12", true, out);
    assert_string_equal(out, "0123456789abcdef.pfx");
    cer_out_name("0123456789abcdef", "plain.key", false, out);
    assert_string_equal(out, "0123456789abcdef-plain.key");
}

static int
entries(const char *dir)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    int            n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void
test_out_staging(void **state)
{
    char           dir[] = "/tmp/okra-unit-out.XXXXXX", sub[64], path[128];
    struct cer_out o;
    struct stat    st;
    int            fd;

    (void) state;
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof sub, "%s/new/out", dir);
    /* abandoned: nothing stays, the folder it made goes */
    assert_int_equal(cer_out_open(sub, &o), 0);
    assert_int_equal(stat(sub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(cer_out_begin(&o, "a.pfx", &fd), 0);
    assert_int_equal(write(fd, "key", 3), 3);
    assert_int_equal(cer_out_end(&o, fd), 0);
    cer_out_close(&o);
    assert_int_equal(stat(sub, &st), -1);
    /* published: the names appear, 0600; never over an existing file */
    assert_int_equal(cer_out_open(sub, &o), 0);
    assert_int_equal(cer_out_begin(&o, "a.pfx", &fd), 0);
    assert_int_equal(write(fd, "key", 3), 3);
    assert_int_equal(cer_out_end(&o, fd), 0);
    /* staged unnamed where the filesystem can: nothing in the folder until published */
    if (o.files[0].fd >= 0)
        assert_int_equal(entries(sub), 0);
    else
        assert_int_equal(entries(sub), 1);
    assert_int_equal(cer_out_check_free(&o, "a.pfx"), 0);
    assert_int_equal(cer_out_publish(&o), 0);
    assert_int_equal(cer_out_check_free(&o, "a.pfx"), -EEXIST);
    cer_out_close(&o);
    snprintf(path, sizeof path, "%s/a.pfx", sub);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(cer_out_open(sub, &o), 0);
    assert_int_equal(cer_out_begin(&o, "a.pfx", &fd), 0);
    assert_int_equal(cer_out_end(&o, fd), 0);
    assert_int_equal(cer_out_publish(&o), -EEXIST);
    cer_out_close(&o);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 3);
    unlink(path);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/new", dir);
    rmdir(sub);
    assert_int_equal(rmdir(dir), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quorum),        cmocka_unit_test(test_left_out),
        cmocka_unit_test(test_forged_share),  cmocka_unit_test(test_altered_line),
        cmocka_unit_test(test_out_names),     cmocka_unit_test(test_out_staging),
    };

    if (okra_crypto_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
