/* verify.c: every bundle on both cores, then the chain, CHECKPOINT, the auditor's checkpoint, the index. */
#include "vault/verify.h"
#include "vault/checkpoint.h"
#include "vault/index.h"
#include "vault/index_row.h"
#include "vault/verify_bundle.h"
#include "common/err.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct job {
    struct bundle_check *checks;
    size_t               n;
    size_t               next;
    size_t               done;
    pthread_mutex_t      lock;
    const struct verify_opts *o;
};

static void *
worker(void *arg)
{
    struct job *j = arg;

    for (;;) {
        size_t i;

        pthread_mutex_lock(&j->lock);
        i = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (i >= j->n)
            return NULL;
        vault_verify_one_bundle(&j->checks[i]);
        pthread_mutex_lock(&j->lock);
        j->done++;
        if (j->o->progress) /* the caller decides how often to show it */
            j->o->progress(j->o->ctx, j->done, j->n);
        pthread_mutex_unlock(&j->lock);
    }
}

static void
check_all(struct bundle_check *checks, size_t n, const struct verify_opts *o)
{
    struct job j = { checks, n, 0, 0, PTHREAD_MUTEX_INITIALIZER, o };
    pthread_t  t[8];
    long       cores = sysconf(_SC_NPROCESSORS_ONLN);
    int        k, nt = cores < 1 ? 1 : cores > 8 ? 8 : (int) cores;

    if ((size_t) nt > n)
        nt = n ? (int) n : 1;
    for (k = 1; k < nt; k++)
        if (pthread_create(&t[k], NULL, worker, &j) != 0)
            break;
    nt = k;
    worker(&j);
    for (k = 1; k < nt; k++)
        pthread_join(t[k], NULL);
}

#define PROBLEM(...) (r->problems++, o->problem ? o->problem(o->ctx, __VA_ARGS__) : (void) 0)

static const char *
label(const struct bundle_check *c)
{
    return c->display;
}

/* A link between named bundles that could not be checked: said, not counted as holding. */
static void
note_unchecked(struct verify_result *r, uint64_t from, uint64_t to)
{
    size_t n = strlen(r->unchecked);
    char   gap[64];

    r->links_unchecked++;
    if (to == from + 2)
        snprintf(gap, sizeof gap, "bundle %llu", (unsigned long long) from + 1);
    else
        snprintf(gap, sizeof gap, "bundles %llu to %llu", (unsigned long long) from + 1,
                 (unsigned long long) to - 1);
    if (n + 80 < sizeof r->unchecked)
        snprintf(r->unchecked + n, sizeof r->unchecked - n, "%s%llu to %llu (%s not given)",
                 n ? ", " : "", (unsigned long long) from, (unsigned long long) to, gap);
}

/* Links each bundle to the one before it; in vault mode also to the vault. */
static void
check_chain(struct vault *v, struct bundle_check *c, size_t n, const struct verify_opts *o,
            struct verify_result *r)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!c[i].ok)
            continue;
        if (v && strcmp(c[i].head.vault_id, v->vault_id) != 0)
            PROBLEM("%s: belongs to vault %s, not this vault (%s)", label(&c[i]), c[i].head.vault_id,
                    v->vault_id);
        if (c[i].head.seq == 0 && c[i].head.prev[0])
            PROBLEM("%s: bundle 0 has a prev", label(&c[i]));
        if (c[i].head.seq > 0 && !c[i].head.prev[0])
            PROBLEM("%s: has no prev", label(&c[i]));
        if (i == 0 || !c[i - 1].ok)
            continue;
        if (c[i].head.seq == c[i - 1].head.seq + 1) {
            r->links_checked++;
            if (strcmp(c[i].head.vault_id, c[i - 1].head.vault_id) != 0)
                PROBLEM("%s: belongs to another vault than %s", label(&c[i]), label(&c[i - 1]));
            else if (strcmp(c[i].head.prev, c[i - 1].sums) != 0)
                PROBLEM("%s: its prev does not match bundle %llu (the chain is broken: a bundle "
                        "was altered, removed or swapped)", label(&c[i]),
                        (unsigned long long) c[i - 1].head.seq);
        } else if (c[i].head.seq <= c[i - 1].head.seq) {
            PROBLEM("%s: seq %llu does not follow %llu", label(&c[i]),
                    (unsigned long long) c[i].head.seq, (unsigned long long) c[i - 1].head.seq);
        } else {
            note_unchecked(r, c[i - 1].head.seq, c[i].head.seq);
        }
    }
}

/* A bundle must be the one its file name (or the seq it was named by) says. */
static void
check_names(struct bundle_check *c, const int64_t *expect, size_t n, const struct verify_opts *o,
            struct verify_result *r)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!c[i].ok || expect[i] < 0 || c[i].head.seq == (uint64_t) expect[i])
            continue;
        if (o->n_named)
            PROBLEM("%s: holds bundle %llu, not bundle %lld as its name says (moved, renamed or "
                    "replayed)", label(&c[i]), (unsigned long long) c[i].head.seq,
                    (long long) expect[i]);
        else
            PROBLEM("%s: is bundle %llu of its vault, stored as %lld (moved or replayed)",
                    label(&c[i]), (unsigned long long) c[i].head.seq, (long long) expect[i]);
    }
}

/* The vault's own bundles: 0..n-1 without gaps, and bundle 0 matching okra.json. */
static void
check_vault_shape(struct vault *v, struct bundle_check *c, const uint64_t *seqs, size_t n,
                  const struct verify_opts *o, struct verify_result *r)
{
    size_t i;

    if (n == 0) {
        PROBLEM("%s/bundles holds no bundle", v->dir);
        return;
    }
    for (i = 0; i < n; i++)
        if (seqs[i] != i) {
            PROBLEM("%s/bundles: bundle %zu is missing (removed)", v->dir, i);
            break;
        }
    if (seqs[0] == 0 && c[0].ok && c[0].recipient[0] && v->has_recipient &&
        strcmp(c[0].recipient, v->recipient_text) != 0)
        PROBLEM("%s/okra.json: recipient %s is not the one the ceremony created (%s)", v->dir,
                v->recipient_text, c[0].recipient);
    if (seqs[0] == 0 && c[0].ok && c[0].policy && !json_equal(c[0].policy, vault_policy(v)))
        PROBLEM("%s/okra.json: the policy is not the one the ceremony recorded in bundle 0 "
                "(edited since)", v->dir);
}

/* CHECKPOINT may be at the newest bundle or one behind it (a crash between the two). */
static void
check_checkpoint(struct vault *v, const struct mini_pubkey *key, struct bundle_check *c,
                 const uint64_t *seqs, size_t n, const struct verify_opts *o,
                 struct verify_result *r)
{
    struct checkpoint cp;
    uint64_t          last = seqs[n - 1];

    if (checkpoint_read(v, key, &cp) < 0) {
        PROBLEM("%s", okra_errmsg());
        return;
    }
    r->have_checkpoint = true;
    r->checkpoint_seq = cp.seq;
    if (strcmp(cp.vault_id, v->vault_id) != 0)
        PROBLEM("%s/CHECKPOINT names vault %s", v->dir, cp.vault_id);
    else if (cp.seq > last)
        PROBLEM("%s/CHECKPOINT names bundle %llu, but the newest bundle is %llu (bundles were "
                "removed)", v->dir, (unsigned long long) cp.seq, (unsigned long long) last);
    else if (cp.seq + 1 < last)
        PROBLEM("%s/CHECKPOINT names bundle %llu, more than one behind the newest (%llu)", v->dir,
                (unsigned long long) cp.seq, (unsigned long long) last);
    else if (cp.seq < n && seqs[cp.seq] == cp.seq && c[cp.seq].ok &&
             strcmp(c[cp.seq].sums, cp.sums) != 0)
        PROBLEM("%s/CHECKPOINT: bundle %llu is not the one it names (altered or replaced)", v->dir,
                (unsigned long long) cp.seq);
}

static void
check_auditor_checkpoint(struct vault *v, const struct mini_pubkey *key, struct bundle_check *c,
                         size_t n, const struct verify_opts *o, struct verify_result *r)
{
    struct checkpoint cp;
    size_t            i;

    if (checkpoint_parse_signed(o->checkpoint, o->checkpoint_len, key, &cp) < 0) {
        PROBLEM("the saved checkpoint: %s", okra_errmsg());
        return;
    }
    r->have_auditor_checkpoint = true;
    r->auditor_seq = cp.seq;
    if (v && strcmp(cp.vault_id, v->vault_id) != 0) {
        PROBLEM("the saved checkpoint is of vault %s, not this one (%s)", cp.vault_id, v->vault_id);
        return;
    }
    for (i = 0; i < n; i++)
        if (c[i].ok && c[i].head.seq == cp.seq && !strcmp(c[i].head.vault_id, cp.vault_id)) {
            if (strcmp(c[i].sums, cp.sums) != 0)
                PROBLEM("bundle %llu is not the one the saved checkpoint names (altered or "
                        "replaced since)", (unsigned long long) cp.seq);
            return;
        }
    PROBLEM("bundle %llu, which the saved checkpoint names, is gone (the vault was rolled back "
            "or truncated)", (unsigned long long) cp.seq);
}

/*
 * What index.sqlite must hold, gathered while each bundle is verified: its
 * bundle row, and a digest of its item rows' canonical forms in order.
 */
struct index_expect {
    struct bundle_check     *c;
    crypto_generichash_state st;
    json_t                  *media;
    char                    *medium, *operator_name, *media_text, *summary_text;
    json_t                  *summary;
    uint8_t                  digest[32];
};

static int
expect_field(void *ctx, const char *key, json_t *value)
{
    struct index_expect *e = ctx;

    if (!strcmp(key, "media")) {
        json_decref(e->media);
        e->media = json_incref(value);
        free(e->medium);
        e->medium = vindex_medium_text(value);
    } else if (!strcmp(key, "operator") && json_is_string(value)) {
        free(e->operator_name);
        e->operator_name = strdup(json_string_value(value));
    } else {
        vindex_summarise(e->summary, key, value);
    }
    return 0;
}

static int
expect_item(void *ctx, json_t *item, const char *text, size_t len, uint32_t pos)
{
    struct index_expect  *e = ctx;
    struct index_item_row r;
    int                   rc = index_item_row_from(&r, e->c->head.seq, pos, item, text, len,
                                                   e->medium);

    if (rc == 0)
        index_item_row_feed(&r, &e->st);
    index_item_row_clear(&r);
    return rc;
}

static const struct bundle_hooks expect_hooks = { expect_field, expect_item, NULL, NULL };

/* Compares index.sqlite, when there is one, with the bundles (all verified, 0..n-1). */
static void
check_index(struct vault *v, struct bundle_check *c, struct index_expect *e, size_t n,
            const struct verify_opts *o, struct verify_result *r)
{
    struct index_bundle_row *want = calloc(n ? n : 1, sizeof *want);
    uint8_t (*digest)[32] = calloc(n ? n : 1, sizeof *digest);
    char                     why[256];
    size_t                   i;
    int                      rc = -ENOMEM;

    for (i = 0; want && digest && i < n; i++) {
        want[i] = (struct index_bundle_row) { c[i].head.seq, c[i].sums, c[i].head.prev,
                                              c[i].head.kind, c[i].head.time,
                                              e[i].operator_name ? e[i].operator_name : "",
                                              e[i].media_text, c[i].n_items, e[i].summary_text };
        memcpy(digest[i], e[i].digest, 32);
    }
    if (want && digest)
        rc = vindex_audit(v, want, (const uint8_t (*)[32]) digest, n, &r->index_behind, why,
                          sizeof why);
    if (rc >= 0)
        r->index_checked = true;
    if (rc == 1)
        PROBLEM("%s/index.sqlite does not match the bundles (%s); run 'okra reindex'", v->dir, why);
    else if (rc == 0 && vindex_audit_seals(v) < 0)
        PROBLEM("%s", okra_errmsg());
    else if (rc < 0 && rc != -ENOENT)
        PROBLEM("%s/index.sqlite cannot be read to compare it with the bundles", v->dir);
    free(want);
    free(digest);
}

static void
expect_begin(struct index_expect *e, struct bundle_check *c)
{
    memset(e, 0, sizeof *e);
    e->c = c;
    e->summary = json_object();
    crypto_generichash_init(&e->st, NULL, 0, 32);
}

static void
expect_end(struct index_expect *e)
{
    crypto_generichash_final(&e->st, e->digest, 32);
    if (e->media && !json_is_null(e->media))
        e->media_text = json_dumps(e->media, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (json_object_size(e->summary))
        e->summary_text = json_dumps(e->summary, JSON_COMPACT | JSON_PRESERVE_ORDER);
}

static void
expect_free(struct index_expect *e, size_t n)
{
    size_t i;

    for (i = 0; e && i < n; i++) {
        json_decref(e[i].media);
        json_decref(e[i].summary);
        free(e[i].summary_text);
        free(e[i].medium);
        free(e[i].operator_name);
        free(e[i].media_text);
    }
    free(e);
}

/* "…/00000042.tar" names bundle 42; -1 for a name that says nothing. */
static int64_t
seq_of_file_name(const char *path)
{
    const char *base = strrchr(path, '/');
    size_t      n;

    base = base ? base + 1 : path;
    n = strspn(base, "0123456789");
    if (n < 8 || n > 18 || strcmp(base + n, ".tar") != 0)
        return -1;
    return (int64_t) strtoull(base, NULL, 10);
}

static int
prepare_named(struct vault *v, const struct verify_opts *o, struct bundle_check *c, int64_t *expect)
{
    size_t i;

    for (i = 0; i < o->n_named; i++) {
        const char *a = o->named[i];

        c[i].dirfd = AT_FDCWD;
        if (v && a[0] && strspn(a, "0123456789") == strlen(a) && strlen(a) < 19) {
            c[i].dirfd = v->dirfd;
            expect[i] = (int64_t) strtoull(a, NULL, 10);
            vault_bundle_name((uint64_t) expect[i], c[i].path, sizeof c[i].path);
            snprintf(c[i].display, sizeof c[i].display, "%s/%s", v->dir, c[i].path);
        } else {
            expect[i] = seq_of_file_name(a);
            snprintf(c[i].path, sizeof c[i].path, "%s", a);
            snprintf(c[i].display, sizeof c[i].display, "%s", a);
        }
    }
    return 0;
}

int
vault_verify(struct vault *v, const struct verify_opts *o, struct verify_result *r)
{
    const struct mini_pubkey *key = o->key ? o->key : (v ? &v->station_pub : NULL);
    struct bundle_check      *c;
    uint64_t                 *seqs = NULL;
    int64_t                  *expect_seq = NULL;
    struct index_expect      *expect = NULL;
    struct bundle_hooks      *hooks = NULL;
    struct stat               st;
    size_t                    n, i;
    int                       rc;

    memset(r, 0, sizeof *r);
    if (key == NULL)
        return okra_fail(-EINVAL, "verifying bundle files outside a vault needs --key STATION.pub");
    if (o->n_named) {
        n = o->n_named;
    } else if ((rc = vault_list_bundles(v, &seqs, &n)) < 0) {
        return rc;
    }
    if ((c = calloc(n ? n : 1, sizeof *c)) == NULL ||
        (expect_seq = calloc(n ? n : 1, sizeof *expect_seq)) == NULL) {
        free(c);
        free(seqs);
        return okra_fail(-ENOMEM, "out of memory");
    }
    if (o->n_named) {
        prepare_named(v, o, c, expect_seq);
    } else {
        for (i = 0; i < n; i++) {
            expect_seq[i] = (int64_t) seqs[i];
            c[i].dirfd = v->dirfd;
            vault_bundle_name(seqs[i], c[i].path, sizeof c[i].path);
            snprintf(c[i].display, sizeof c[i].display, "%s/%s", v->dir, c[i].path);
        }
    }
    /* the index is compared only when the whole vault is verified and it has one */
    if (!o->n_named && fstatat(v->dirfd, "index.sqlite", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
        (expect = calloc(n ? n : 1, sizeof *expect)) != NULL) {
        hooks = calloc(n ? n : 1, sizeof *hooks);
        for (i = 0; hooks && i < n; i++) {
            expect_begin(&expect[i], &c[i]);
            hooks[i] = expect_hooks;
            hooks[i].ctx = &expect[i];
            c[i].hooks = &hooks[i];
        }
    }
    for (i = 0; i < n; i++)
        c[i].key = key;
    check_all(c, n, o);
    for (i = 0; hooks && i < n; i++)
        expect_end(&expect[i]);
    for (i = 0; i < n; i++) {
        r->bundles++;
        r->items += c[i].n_items;
        if (!c[i].ok)
            PROBLEM("%s: %s", label(&c[i]), c[i].why);
    }
    check_names(c, expect_seq, n, o, r);
    check_chain(o->n_named ? NULL : v, c, n, o, r);
    if (!o->n_named) {
        check_vault_shape(v, c, seqs, n, o, r);
        if (n)
            check_checkpoint(v, key, c, seqs, n, o, r);
        if (hooks && !r->problems)
            check_index(v, c, expect, n, o, r);
    }
    if (o->checkpoint)
        check_auditor_checkpoint(o->n_named ? NULL : v, key, c, n, o, r);
    for (i = 0; i < n; i++)
        json_decref(c[i].policy);
    expect_free(expect, hooks ? n : 0);
    free(hooks);
    free(c);
    free(expect_seq);
    free(seqs);
    return r->problems ? 1 : 0;
}
