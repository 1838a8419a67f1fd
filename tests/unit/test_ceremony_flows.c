/*
 * test_ceremony_flows.c: the ceremonies as ceremony/ runs them, behind a
 * scripted struct cer_ui (answers in order, every line said kept): init
 * makes a vault whose shares combine to its recipient; a failed roll call
 * leaves no vault and no share file; names are checked; too few shares are
 * refused before any passphrase is asked; a reshare retires the old set, and
 * check-share then says so and what to do; a record commits as a bundle.
 */
#include "unit.h"

#include "ceremony/check_share.h"
#include "ceremony/init.h"
#include "ceremony/quorum.h"
#include "ceremony/recovery.h"
#include "ceremony/reshare.h"
#include "common/err.h"
#include "crypto/age.h"
#include "vault/index.h"
#include "vault/ingest.h"
#include "vault/record_commit.h"

#include <dirent.h>
#include <ftw.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_N 10 /* scrypt at its cheapest: the flows, not the work factor, are tested */

/* ---- a scripted face ---- */

struct script {
    const char *answers[16];
    size_t      n, next;
    bool        interactive;
    unsigned    asked;
    char        said[16384];
    unsigned    litter;
    uint64_t    progress_done, progress_total; /* the last progress call */
    unsigned    progress_calls;
};

static char *
ask(void *ctx, const char *question, bool confirm)
{
    struct script *s = ctx;
    char          *pw;

    (void) question, (void) confirm;
    s->asked++;
    if (s->next == s->n)
        return NULL;
    pw = secmem_alloc(strlen(s->answers[s->next]) + 1);
    strcpy(pw, s->answers[s->next++]);
    return pw;
}

static bool
interactive(void *ctx)
{
    return ((struct script *) ctx)->interactive;
}

static void
say(void *ctx, enum cer_say level, const char *text)
{
    struct script *s = ctx;
    size_t         len = strlen(s->said);

    snprintf(s->said + len, sizeof s->said - len, "%c: %s\n",
             level == CER_SAY_ERROR ? 'E' : level == CER_SAY_WARN ? 'W' : 'I', text);
}

static void
litter(void *ctx, int dirfd, const char *name, bool folder)
{
    (void) dirfd, (void) name, (void) folder;
    ((struct script *) ctx)->litter++;
}

static void
progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    struct script *s = ctx;

    assert_string_equal(what, "items");
    s->progress_done = done;
    s->progress_total = total;
    s->progress_calls++;
}

static struct cer_ui
face(struct script *s)
{
    return (struct cer_ui) { .ctx = s, .ask_secret = ask, .interactive = interactive, .say = say,
                             .litter = litter, .progress = progress };
}

static void
answers(struct script *s, const char *const *a, size_t n)
{
    memset(s, 0, sizeof *s);
    memcpy(s->answers, a, n * sizeof *a);
    s->n = n;
}

/* ---- a scratch folder ---- */

static char tmp[64];

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void) st, (void) flag, (void) ftw;
    return remove(path);
}

static int
setup(void **state)
{
    (void) state;
    strcpy(tmp, "/tmp/okra-unit-flows.XXXXXX");
    assert_non_null(mkdtemp(tmp));
    return 0;
}

static int
teardown(void **state)
{
    (void) state;
    nftw(tmp, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* tmp/rel, in one of 64 buffers used in turn (a test takes far fewer) */
static char *
path(const char *rel)
{
    static char p[64][256];
    static int  i;

    i = (i + 1) % 64;
    snprintf(p[i], sizeof p[i], "%s/%s", tmp, rel);
    return p[i];
}

static unsigned
entries(const char *dir)
{
    DIR           *d = opendir(dir);
    struct dirent *e;
    unsigned       n = 0;

    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* ---- the ceremonies ---- */

/* A 2-of-3 vault in tmp/vault, share files in tmp/shares, passphrases pw-1..pw-3. */
static void
make_vault(void)
{
    static const char *const pw[] = { "pw-1", "pw-2", "pw-3" };
    struct script            s;
    struct cer_ui            ui = face(&s);
    struct cer_init          c;

    answers(&s, pw, 3);
    cer_init_start(&c);
    c.vault_dir = path("vault");
    c.operator_name = "unit";
    c.set.n = 3;
    c.set.m = 2;
    c.set.share_dir = path("shares");
    c.set.log_n = LOG_N;
    assert_int_equal(cer_newset_name(&c.set, NULL, 0), 0);
    assert_int_equal(cer_init_prepare(&c), 0);
    assert_int_equal(cer_init_run(&ui, &c), 0);
    assert_int_equal(s.asked, 3);
    /* with answers from a file, the roll call reopens each file with the passphrase given */
    assert_string_equal(s.said, "I: writing 3 share files (scrypt, work factor 10: a moment "
                                "each)...\n");
    assert_true(s.litter > 0);
    cer_init_free(&c);
}

static void
open_vault(struct vault **v, struct vindex **x, struct cer_sets *sets)
{
    assert_int_equal(vault_open(path("vault"), VAULT_WRITE, v), 0);
    assert_int_equal(vindex_open(*v, x), 0);
    assert_int_equal(vindex_sync(*x, *v, NULL, NULL), 0);
    assert_int_equal(cer_sets_load(*v, *x, sets), 0);
}

static void
close_vault(struct vault *v, struct vindex *x, struct cer_sets *sets)
{
    cer_sets_free(sets);
    vindex_close(x);
    vault_close(v);
}

static void
test_init_then_quorum(void **state)
{
    static const char *const pw[] = { "pw-1", "pw-3" };
    char                    *labels[] = { path("shares/share-1-of-3-custodian_1.age"),
                                          path("shares/share-3-of-3-custodian_3.age") };
    struct script            s;
    struct cer_ui            ui = face(&s);
    struct cer_share        *given;
    struct cer_sets          sets;
    struct vault            *v;
    struct vindex           *x;
    uint8_t                 *identity, pub[AGE_KEY_LEN];
    uint16_t                 set;

    (void) state;
    make_vault();
    assert_int_equal(entries(path("shares")), 3);
    open_vault(&v, &x, &sets);
    assert_int_equal(sets.n, 1);
    assert_int_equal(sets.sets[0].threshold, 2);
    assert_string_equal(sets.sets[0].custodians[1], "custodian 2");
    answers(&s, pw, 2);
    assert_int_equal(cer_quorum(&ui, NULL, v, &sets, labels, 2, &given, &identity, &set), 0);
    assert_int_equal(set, sets.sets[0].id);
    assert_int_equal(age_x25519_public(identity, pub), 0);
    assert_memory_equal(pub, v->recipient, AGE_KEY_LEN);
    secmem_free(identity);
    cer_quorum_free(given, 2);
    close_vault(v, x, &sets);
}

static void
test_failed_roll_call_leaves_nothing(void **state)
{
    /* the new passphrase, then three wrong ones at the roll call */
    static const char *const pw[] = { "right", "wrong-1", "wrong-2", "wrong-3" };
    struct script            s;
    struct cer_ui            ui = face(&s);
    struct cer_init          c;

    (void) state;
    answers(&s, pw, 4);
    s.interactive = true;
    cer_init_start(&c);
    c.vault_dir = path("vault");
    c.set.n = c.set.m = 1;
    c.set.share_dir = path("shares");
    c.set.log_n = LOG_N;
    assert_int_equal(cer_newset_name(&c.set, (const char *[]) { "alice" }, 1), 0);
    assert_int_equal(cer_init_prepare(&c), 0);
    assert_true(cer_init_run(&ui, &c) < 0);
    assert_int_equal(s.asked, 4);
    assert_non_null(strstr(s.said, "W: that passphrase does not open share-1-of-1-alice.age; 2 tries left"));
    assert_non_null(strstr(s.said, "E: roll call: custodian 1 (alice) could not open"));
    assert_non_null(strstr(s.said, "E: no vault was created, and the new share files were removed"));
    assert_int_equal(access(path("vault"), F_OK), -1);
    assert_int_equal(access(path("shares"), F_OK), -1);
    assert_int_equal(entries(tmp), 0);
    cer_init_free(&c);
}

static void
test_names(void **state)
{
    struct cer_newset ns;

    (void) state;
    cer_newset_init(&ns);
    ns.n = 2;
    assert_int_equal(cer_newset_name(&ns, (const char *[]) { "a", "a" }, 2), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "custodians 1 and 2 are both named 'a'"));
    assert_int_equal(cer_newset_name(&ns, (const char *[]) { "a", "b", "c" }, 3), -EINVAL);
    assert_int_equal(cer_newset_name(&ns, (const char *[]) { "" }, 1), -EINVAL);
    assert_int_equal(cer_newset_name(&ns, (const char *[]) { "bob" }, 1), 0);
    assert_string_equal(ns.names[1], "custodian 2");
    ns.share_dir = tmp;
    assert_int_equal(mkdir(path("x"), 0700), 0);
    assert_true(cer_newset_check_dir(&ns) < 0);
    assert_non_null(strstr(okra_errmsg(), "is not empty"));
}

static void
test_too_few_shares_ask_nothing(void **state)
{
    char             *labels[] = { path("shares/share-2-of-3-custodian_2.age") };
    struct script     s;
    struct cer_ui     ui = face(&s);
    struct cer_share *given = NULL;
    struct cer_sets   sets;
    struct vault     *v;
    struct vindex    *x;
    uint8_t          *identity = NULL;
    uint16_t          set;

    (void) state;
    make_vault();
    open_vault(&v, &x, &sets);
    answers(&s, (const char *[]) { "pw-2" }, 1);
    assert_int_equal(cer_quorum(&ui, NULL, v, &sets, labels, 1, &given, &identity, &set), -ENOENT);
    assert_int_equal(s.asked, 0);
    assert_non_null(strstr(s.said, "needs 2 shares; 1 given (1 more needed): "));
    assert_non_null(strstr(s.said, "share-2-of-3-custodian_2.age; no passphrase was asked and "
                                   "nothing was decrypted"));
    assert_null(given);
    assert_null(identity);
    close_vault(v, x, &sets);
}

static void
test_reshare_retires_and_check_share_says_so(void **state)
{
    static const char *const pw[] = { "pw-1", "pw-2", "new-1", "new-2", "new-1" };
    char                    *old[] = { path("shares/share-1-of-3-custodian_1.age"),
                                       path("shares/share-2-of-3-custodian_2.age") };
    struct script            s;
    struct cer_ui            ui = face(&s);
    struct cer_reshare       r;
    struct cer_checked       checked;
    struct cer_sets          sets;
    struct vault            *v;
    struct vindex           *x;
    uint16_t                 old_id;

    (void) state;
    make_vault();
    answers(&s, pw, 4);
    cer_reshare_start(&r);
    open_vault(&r.v, &r.x, &sets);
    old_id = sets.sets[0].id;
    cer_sets_free(&sets);
    r.shares = old;
    r.n_shares = 2;
    r.operator_name = "unit";
    r.set.n = r.set.m = 2;
    r.set.share_dir = path("new");
    r.set.log_n = LOG_N;
    assert_int_equal(cer_newset_name(&r.set, (const char *[]) { "dave", "erin" }, 2), 0);
    assert_int_equal(cer_newset_check_dir(&r.set), 0);
    assert_int_equal(cer_reshare_run(&ui, &r), 0);
    assert_int_equal(r.seq, 1);
    assert_int_equal(json_integer_value(json_array_get(r.retired, 0)), old_id);
    assert_int_equal(entries(path("new")), 2);
    cer_reshare_free(&r);
    vindex_close(r.x);
    vault_close(r.v);

    open_vault(&v, &x, &sets);
    assert_true(sets.sets[0].retired);
    assert_ptr_equal(cer_sets_current(&sets), &sets.sets[1]);
    answers(&s, (const char *[]) { "pw-1" }, 1);
    assert_int_equal(cer_check_share(&ui, v, &sets, old[0], &checked), -EINVAL);
    assert_non_null(strstr(s.said, "was retired by the reshare in bundle 1; destroy this share "
                                   "file and its paper backup"));
    answers(&s, (const char *[]) { "new-1" }, 1);
    assert_int_equal(cer_check_share(&ui, v, &sets, path("new/share-1-of-2-dave.age"), &checked), 0);
    assert_string_equal(checked.custodian, "dave");
    assert_int_equal(checked.words, 33);
    cer_quorum_free(checked.share, 1);
    close_vault(v, x, &sets);
}

static int
kinds(void *ctx, const struct vindex_bundle_row *row)
{
    strcat(ctx, row->kind);
    strcat(ctx, " ");
    return 0;
}

static void
test_record_commit(void **state)
{
    struct cer_sets sets;
    struct vault   *v;
    struct vindex  *x;
    char            sums[SHA256_HEX], seen[256] = "";
    uint64_t        seq = 0;
    json_t         *extra = json_pack("{s:s}", "note", "a unit test");

    (void) state;
    make_vault();
    open_vault(&v, &x, &sets);
    assert_int_equal(vault_commit_record(v, x, "recovery", "unit", extra, &seq, sums), 0);
    assert_int_equal(seq, 1);
    assert_int_equal(strlen(sums), SHA256_HEX - 1);
    assert_int_equal(vindex_bundles(x, kinds, seen), 0);
    assert_string_equal(seen, "ceremony-init recovery ");
    assert_int_equal(vault_commit_record(v, x, "recovery", "unit", NULL, &seq, sums), -ENOMEM);
    json_decref(extra);
    close_vault(v, x, &sets);
}

static int
collect_ids(void *ctx, const char *text)
{
    json_t *j = json_loads(text, 0, NULL);

    json_array_append_new(ctx, json_string(json_string_value(json_object_get(j, "id"))));
    json_decref(j);
    return 0;
}

static void
no_line(void *ctx, enum ingest_line what, const char *p, const char *detail)
{
    (void) ctx, (void) what, (void) p, (void) detail;
}

/* An export file sealed (uninspected) into the vault, as 'okra import FILE' seals it. */
static void
seal(const char *file)
{
    struct ingest_opts   o = { .kind = "import", .operator_name = "unit", .all_or_nothing = true,
                               .max_size = INGEST_MAX_SIZE_DEFAULT, .line = no_line };
    struct ingest_result res = { 0 };
    struct vault        *v;
    char                *paths[] = { (char *) file };

    assert_int_equal(vault_open(path("vault"), VAULT_WRITE, &v), 0);
    assert_int_equal(ingest_files(v, paths, 1, &o, &res), 0);
    assert_int_equal(res.sealed, 1);
    vault_close(v);
}

/* A recovery of the one item q[0] into out/, with the two shares given. */
static void
recovery_of_one(struct cer_recovery *r, struct vault *v, struct vindex *x, char **q, char **shares)
{
    cer_recovery_start(r);
    r->v = v;
    r->x = x;
    r->queries = q;
    r->n_queries = 1;
    r->out_dir = path("out");
    r->operator_name = "unit";
    r->shares = shares;
    r->n_shares = 2;
}

static void
test_recovery(void **state)
{
    static const char *const pw[] = { "pw-2", "pw-3" };
    char                     vec[512], id[32], want[600];
    char                    *shares[] = { path("shares/share-2-of-3-custodian_2.age"),
                                          path("shares/share-3-of-3-custodian_3.age") };
    struct script            s;
    struct cer_ui            ui = face(&s);
    struct cer_recovery      r;
    struct vault            *v;
    struct vindex           *x;
    struct cer_sets          sets;
    json_t                  *items = json_array();
    uint8_t                 *a, *b;
    size_t                   alen, blen;
    char                    *q[1];

    (void) state;
    make_vault();
    snprintf(vec, sizeof vec, "%s/pkcs12-pyca-cryptography-vectors/name-1-no-pwd.p12", vectors_dir());
    seal(vec);
    open_vault(&v, &x, &sets);
    cer_sets_free(&sets);
    assert_int_equal(vindex_list(x, &(struct vindex_filter) { 0 }, collect_ids, items), 0);
    assert_int_equal(json_array_size(items), 1);
    snprintf(id, sizeof id, "%s", json_string_value(json_array_get(items, 0)));
    q[0] = id;
    answers(&s, pw, 2);
    recovery_of_one(&r, v, x, q, shares);
    assert_int_equal(cer_recovery_prepare(&ui, &r), 0);
    assert_int_equal(s.asked, 0); /* nothing asked before the quorum */
    assert_int_equal(cer_recovery_shares_needed(&r), 0);
    assert_int_equal(cer_recovery_run(&ui, &r), 0);
    assert_int_equal(s.asked, 2);
    assert_int_equal(r.seq, 2);
    assert_int_equal(s.progress_done, 1);
    assert_int_equal(s.progress_total, 1);
    snprintf(want, sizeof want, "%s/%s-name-1-no-pwd.p12", path("out"), id);
    a = unit_read_file(vec, &alen);
    b = unit_read_file(want, &blen);
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, alen);
    free(a);
    free(b);
    cer_recovery_free(&r);

    /* again into the same folder: the name is taken, so nothing is asked */
    answers(&s, pw, 2);
    recovery_of_one(&r, v, x, q, shares);
    assert_int_equal(cer_recovery_prepare(&ui, &r), -EEXIST);
    assert_non_null(strstr(s.said, "exists already; okra never overwrites a file"));
    assert_int_equal(s.asked, 0);
    cer_recovery_free(&r);
    json_decref(items);
    vindex_close(x);
    vault_close(v);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_then_quorum, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_roll_call_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_too_few_shares_ask_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reshare_retires_and_check_share_says_so, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_record_commit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_recovery, setup, teardown),
    };

    if (okra_crypto_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
