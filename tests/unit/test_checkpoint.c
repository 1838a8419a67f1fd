/*
 * test_checkpoint.c: VAULT/CHECKPOINT and its signature (doc/FORMAT.md, 9),
 * on a throw-away vault (vault_fixture.h): what a commit leaves, the printed
 * form an auditor keeps and gives back, the crash between the two renames,
 * and every way a checkpoint is refused: another key, an altered text, a
 * comment for another seq, a form okra did not write.
 */
#include "vault_fixture.h"

#include "common/fsutil.h"
#include "crypto/minisign.h"
#include "vault/checkpoint.h"
#include "vault/station.h"

#include <fcntl.h>

static char *
slurp_at(struct fixture *f, const char *name)
{
    char path[192];

    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    return (char *) unit_read_file(path, NULL);
}

static void
spit_at(struct fixture *f, const char *name, const char *text)
{
    assert_int_equal(fs_write_atomic(f->v->dirfd, name, text, strlen(text), 0644), 0);
}

/* A commit leaves the five lines, signed, naming the new bundle and its sums hash. */
static void
test_after_commit(void **state)
{
    struct fixture   *f = fixture_new();
    static const char x[] = "k";
    const uint8_t    *p[] = { (const uint8_t *) x };
    const size_t      l[] = { 1 };
    char              sums[SHA256_HEX], want[512], tc[160], *text, *sig;
    struct checkpoint cp;

    (void) state;
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), 0);
    assert_int_equal(cp.seq, 0);
    assert_string_equal(cp.sums, f->sums0);
    fixture_commit(f, 1, p, l, NULL, NULL, sums);
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), 0);
    assert_int_equal(cp.seq, 1);
    assert_string_equal(cp.sums, sums);
    assert_string_equal(cp.vault_id, f->v->vault_id);
    text = slurp_at(f, "CHECKPOINT");
    snprintf(want, sizeof want, "okra-checkpoint: 1\nvault: %s\nseq: 1\nsums: %s\ntime: %s\n",
        f->v->vault_id, sums, cp.time);
    assert_string_equal(text, want);
    assert_int_equal(strlen(cp.time), 20); /* 2026-12-03T11:14:05Z */
    sig = slurp_at(f, "CHECKPOINT.minisig");
    snprintf(tc, sizeof tc, "\ntrusted comment: okra vault=%s checkpoint seq=1\n", f->v->vault_id);
    assert_non_null(strstr(sig, tc));
    assert_null(strstr(text, "CHECKPOINT.next"));
    free(text);
    free(sig);
    fixture_free(f);
}

/* What `okra checkpoint` prints parses back with the station key, and only with it. */
static void
test_printed_form(void **state)
{
    struct fixture     *f = fixture_new();
    struct checkpoint   cp;
    struct mini_seckey *sk = secmem_alloc(sizeof *sk);
    struct mini_pubkey  other;
    char               *out, *bad;

    (void) state;
    assert_int_equal(checkpoint_export(f->v, &out), 0);
    assert_int_equal(strncmp(out, "okra-checkpoint: 1\n", 19), 0);
    assert_int_equal(checkpoint_parse_signed(out, strlen(out), &f->v->station_pub, &cp), 0);
    assert_int_equal(cp.seq, 0);
    assert_string_equal(cp.sums, f->sums0);

    /* another station's key */
    assert_int_equal(mini_keypair(sk, &other), 0);
    assert_int_equal(checkpoint_parse_signed(out, strlen(out), &other, &cp), -EBADMSG);

    /* a digit of the hash changed */
    bad = strdup(out);
    bad[strstr(bad, "sums: ") - bad + 6] ^= 1;
    assert_int_equal(checkpoint_parse_signed(bad, strlen(bad), &f->v->station_pub, &cp), -EBADMSG);
    free(bad);

    /* the text alone, with no signature after it */
    bad = strndup(out, (size_t) (strstr(out, "untrusted comment:") - out));
    assert_int_equal(checkpoint_parse_signed(bad, strlen(bad), &f->v->station_pub, &cp), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "no signature"));
    free(bad);
    free(out);
    secmem_free(sk);
    fixture_free(f);
}

/*
 * A text and signature okra would never have written, signed by the station
 * key itself: only the canonical five lines, with the comment for their seq,
 * are taken.
 */
static int
signed_text(struct fixture *f, const char *text, const char *comment, struct checkpoint *cp)
{
    uint8_t             digest[MINI_HASH_LEN];
    struct mini_prehash pre;
    char               *sig, *both;
    int                 rc;

    mini_prehash_init(&pre);
    mini_prehash_update(&pre, (const uint8_t *) text, strlen(text));
    mini_prehash_final(&pre, digest);
    sig = vault_station_sign(f->v, digest, comment);
    assert_non_null(sig);
    assert_true(asprintf(&both, "%s%s", text, sig) > 0);
    rc = checkpoint_parse_signed(both, strlen(both), &f->v->station_pub, cp);
    free(sig);
    free(both);
    return rc;
}

static void
test_refused_forms(void **state)
{
    struct fixture   *f = fixture_new();
    struct checkpoint cp;
    char              text[512], tc[160], other[160];
    const char       *id = f->v->vault_id;

    (void) state;
    snprintf(tc, sizeof tc, "okra vault=%s checkpoint seq=4", id);
    snprintf(text, sizeof text, "okra-checkpoint: 1\nvault: %s\nseq: 4\nsums: %s\ntime: %s\n", id,
        f->sums0, "2026-01-01T00:00:00Z");
    assert_int_equal(signed_text(f, text, tc, &cp), 0); /* the canonical form, as a control */
    assert_int_equal(cp.seq, 4);

    /* signed, but the comment names another seq or another vault */
    snprintf(other, sizeof other, "okra vault=%s checkpoint seq=5", id);
    assert_int_equal(signed_text(f, text, other, &cp), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "does not match"));
    assert_int_equal(signed_text(f, text, "okra vault=0000 checkpoint seq=4", &cp), -EBADMSG);

    /* signed, but not in okra's form: a leading zero, an extra line, a later version, no number */
    snprintf(text, sizeof text, "okra-checkpoint: 1\nvault: %s\nseq: 04\nsums: %s\ntime: 2026-01-01T00:00:00Z\n", id, f->sums0);
    assert_int_equal(signed_text(f, text, tc, &cp), -EINVAL);
    snprintf(text, sizeof text, "okra-checkpoint: 1\nvault: %s\nseq: 4\nsums: %s\ntime: 2026-01-01T00:00:00Z\nx: y\n", id, f->sums0);
    assert_int_equal(signed_text(f, text, tc, &cp), -EINVAL);
    snprintf(text, sizeof text, "okra-checkpoint: 2\nvault: %s\nseq: 4\nsums: %s\ntime: 2026-01-01T00:00:00Z\n", id, f->sums0);
    assert_int_equal(signed_text(f, text, tc, &cp), -EINVAL);
    snprintf(text, sizeof text, "okra-checkpoint: 1\nvault: %s\nseq: four\nsums: %s\ntime: 2026-01-01T00:00:00Z\n", id, f->sums0);
    assert_int_equal(signed_text(f, text, tc, &cp), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "not a number"));
    snprintf(text, sizeof text, "okra-checkpoint: 1\nvault: %s\nsums: %s\ntime: 2026-01-01T00:00:00Z\n", id, f->sums0);
    assert_int_equal(signed_text(f, text, tc, &cp), -EINVAL);
    fixture_free(f);
}

/*
 * A writer stopped between replacing the signature and renaming the new text
 * into place leaves CHECKPOINT.next beside the old CHECKPOINT: the pair it
 * completes is taken, anything else is not.
 */
static void
test_crash_between_renames(void **state)
{
    struct fixture   *f = fixture_new();
    static const char x[] = "k";
    const uint8_t    *p[] = { (const uint8_t *) x };
    const size_t      l[] = { 1 };
    char              sums[SHA256_HEX], *old, *new;
    struct checkpoint cp;

    (void) state;
    old = slurp_at(f, "CHECKPOINT");              /* seq 0 */
    fixture_commit(f, 1, p, l, NULL, NULL, sums); /* seq 1, signature and text */
    new = slurp_at(f, "CHECKPOINT");
    spit_at(f, "CHECKPOINT.next", new);
    spit_at(f, "CHECKPOINT", old);                /* as if the last rename had not happened */
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), 0);
    assert_int_equal(cp.seq, 1);
    assert_string_equal(cp.sums, sums);

    /* a CHECKPOINT.next that does not match the signature completes nothing */
    spit_at(f, "CHECKPOINT.next", old);
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), -EBADMSG);
    assert_non_null(strstr(okra_errmsg(), "CHECKPOINT"));

    /* the next commit puts the pair right and removes CHECKPOINT.next */
    fixture_commit(f, 1, p, l, NULL, NULL, sums);
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), 0);
    assert_int_equal(cp.seq, 2);
    assert_int_equal(faccessat(f->v->dirfd, "CHECKPOINT.next", F_OK, 0), -1);
    free(old);
    free(new);
    fixture_free(f);
}

static void
test_missing(void **state)
{
    struct fixture   *f = fixture_new();
    struct checkpoint cp;

    (void) state;
    assert_int_equal(unlinkat(f->v->dirfd, "CHECKPOINT", 0), 0);
    assert_int_equal(checkpoint_read(f->v, &f->v->station_pub, &cp), -ENOENT);
    assert_non_null(strstr(okra_errmsg(), "has no CHECKPOINT"));
    fixture_free(f);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_after_commit),
        cmocka_unit_test(test_printed_form),
        cmocka_unit_test(test_refused_forms),
        cmocka_unit_test(test_crash_between_renames),
        cmocka_unit_test(test_missing),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
