/* verify.c: every bundle on both cores, then the chain, CHECKPOINT, the auditor's checkpoint, the index. */
#include "vault/verify.h"
#include "vault/checkpoint.h"
#include "vault/index.h"
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
        verify_one_bundle(&j->checks[i]);
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

/* Links each bundle to the one before it; in vault mode also to its file name and the vault. */
static void
check_chain(struct vault *v, struct bundle_check *c, const uint64_t *seqs, size_t n,
            const struct verify_opts *o, struct verify_result *r)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (!c[i].ok)
            continue;
        if (v && strcmp(c[i].head.vault_id, v->vault_id) != 0)
            PROBLEM("%s: belongs to vault %s, not this vault (%s)", label(&c[i]), c[i].head.vault_id,
                    v->vault_id);
        if (v && seqs && c[i].head.seq != seqs[i])
            PROBLEM("%s: is bundle %llu of its vault, stored as %llu (moved or replayed)",
                    label(&c[i]), (unsigned long long) c[i].head.seq, (unsigned long long) seqs[i]);
        if (c[i].head.seq == 0 && c[i].head.prev[0])
            PROBLEM("%s: bundle 0 has a prev", label(&c[i]));
        if (c[i].head.seq > 0 && !c[i].head.prev[0])
            PROBLEM("%s: has no prev", label(&c[i]));
        if (i > 0 && c[i - 1].ok && c[i].head.seq == c[i - 1].head.seq + 1) {
            if (strcmp(c[i].head.vault_id, c[i - 1].head.vault_id) != 0)
                PROBLEM("%s: belongs to another vault than %s", label(&c[i]), label(&c[i - 1]));
            else if (strcmp(c[i].head.prev, c[i - 1].sums) != 0)
                PROBLEM("%s: its prev does not match bundle %llu (the chain is broken: a bundle "
                        "was altered, removed or swapped)", label(&c[i]),
                        (unsigned long long) c[i - 1].head.seq);
        } else if (i > 0 && c[i - 1].ok && c[i].head.seq <= c[i - 1].head.seq) {
            PROBLEM("%s: seq %llu does not follow %llu", label(&c[i]),
                    (unsigned long long) c[i].head.seq, (unsigned long long) c[i - 1].head.seq);
        }
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

struct index_cmp {
    struct bundle_check *c;
    size_t               n;
    uint64_t             seen;
    bool                 mismatch;
};

static int
index_row(void *ctx, const struct vindex_bundle_row *row)
{
    struct index_cmp *ic = ctx;

    ic->seen++;
    /* a bundle that failed its own check is reported already; the index is judged on the rest */
    if (row->seq >= ic->n || !row->sums ||
        (ic->c[row->seq].ok && strcmp(row->sums, ic->c[row->seq].sums) != 0))
        ic->mismatch = true;
    return 0;
}

/* The index is a cache: behind is normal (it catches up); different is a problem. */
static void
check_index(struct vault *v, struct bundle_check *c, size_t n, const struct verify_opts *o,
            struct verify_result *r)
{
    struct stat      st;
    struct vindex   *x;
    struct index_cmp ic = { c, n, 0, false };

    if (fstatat(v->dirfd, "index.sqlite", &st, 0) < 0 || vindex_open(v, &x) < 0)
        return;
    if (vindex_bundles(x, index_row, &ic) == 0) {
        r->index_checked = true;
        r->index_behind = ic.seen < n;
        if (ic.mismatch)
            PROBLEM("%s/index.sqlite does not match the bundles; run 'okra reindex'", v->dir);
    }
    vindex_close(x);
}

static int
prepare_named(struct vault *v, const struct verify_opts *o, struct bundle_check *c)
{
    size_t i;

    for (i = 0; i < o->n_named; i++) {
        const char *a = o->named[i];

        c[i].dirfd = AT_FDCWD;
        if (v && a[0] && strspn(a, "0123456789") == strlen(a) && strlen(a) < 20) {
            c[i].dirfd = v->dirfd;
            vault_bundle_name(strtoull(a, NULL, 10), c[i].path, sizeof c[i].path);
            snprintf(c[i].display, sizeof c[i].display, "%s/%s", v->dir, c[i].path);
        } else {
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
    if ((c = calloc(n ? n : 1, sizeof *c)) == NULL) {
        free(seqs);
        return okra_fail(-ENOMEM, "out of memory");
    }
    if (o->n_named) {
        prepare_named(v, o, c);
    } else {
        for (i = 0; i < n; i++) {
            c[i].dirfd = v->dirfd;
            vault_bundle_name(seqs[i], c[i].path, sizeof c[i].path);
            snprintf(c[i].display, sizeof c[i].display, "%s/%s", v->dir, c[i].path);
        }
    }
    for (i = 0; i < n; i++)
        c[i].key = key;
    check_all(c, n, o);
    for (i = 0; i < n; i++) {
        r->bundles++;
        r->items += c[i].n_items;
        if (!c[i].ok)
            PROBLEM("%s: %s", label(&c[i]), c[i].why);
    }
    check_chain(o->n_named ? (v && !o->n_named ? v : NULL) : v, c, seqs, n, o, r);
    if (!o->n_named) {
        check_vault_shape(v, c, seqs, n, o, r);
        if (n)
            check_checkpoint(v, key, c, seqs, n, o, r);
        check_index(v, c, n, o, r);
    }
    if (o->checkpoint)
        check_auditor_checkpoint(o->n_named ? NULL : v, key, c, n, o, r);
    for (i = 0; i < n; i++)
        json_decref(c[i].policy);
    free(c);
    free(seqs);
    return r->problems ? 1 : 0;
}
