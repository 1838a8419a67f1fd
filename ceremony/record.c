/*
 * record.c: reading a bundle's record from the bundle itself, in the pass
 * that verifies it, and the vault's checkpoint with its signature checked.
 */
#include "ceremony/record_internal.h"
#include "vault/checkpoint.h"
#include "vault/verify_bundle.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/text.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The manifest fields a record is made of (the head is verify's own). */
static const char *const kept_fields[] = {
    "operator", "media",  "set",         "retired",   "shares", "recovered",
    "set_issued_here", "station_key", "recipient", "policy",
};

struct reading {
    json_t *fields;
    json_t *items;
};

static int
keep_field(void *ctx, const char *key, json_t *value)
{
    struct reading *r = ctx;
    size_t          i;

    for (i = 0; i < sizeof kept_fields / sizeof kept_fields[0]; i++)
        if (strcmp(key, kept_fields[i]) == 0)
            return json_object_set(r->fields, key, value) < 0 ? okra_fail(-ENOMEM, "out of memory")
                                                              : 0;
    return 0;
}

static int
keep_item(void *ctx, json_t *item, uint32_t index)
{
    struct reading *r = ctx;
    json_t         *s = record_item_summary(item);

    (void) index;
    if (s == NULL || json_array_append_new(r->items, s) < 0)
        return okra_fail(-ENOMEM, "out of memory");
    return 0;
}

static const char *
escaped(json_t *o, const char *key, char **tofree)
{
    const char *s = json_string_value(json_object_get(o, key));

    *tofree = s ? text_escape(s, strlen(s)) : NULL;
    return *tofree;
}

json_t *
record_item_summary(json_t *item)
{
    json_t *cert = json_object_get(item, "cert"), *out;
    char   *id, *fmt, *subject, *path;

    escaped(item, "id", &id);
    escaped(item, "format", &fmt);
    escaped(cert, "subject", &subject);
    escaped(json_object_get(item, "source"), "path", &path);
    out = json_pack("{s:s?, s:s?, s:b, s:s?, s:s?}", "id", id, "format", fmt, "inspected",
                    json_is_true(json_object_get(item, "inspected")), "subject", subject, "path",
                    path);
    free(id);
    free(fmt);
    free(subject);
    free(path);
    return out;
}

/*
 * Verifies bundle seq with the station key, handing each field and item to
 * observe; its sums and head when asked. -ENOENT when it does not exist; -EBADMSG when it does not verify.
 */
static int
verify_bundle(struct vault *v, uint64_t seq, const struct manifest_cb *observe,
              char sums[SHA256_HEX], struct manifest_head *head)
{
    struct bundle_check *c = calloc(1, sizeof *c);
    struct stat          st;
    int                  rc = 0;

    if (c == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    vault_bundle_name(seq, c->path, sizeof c->path);
    snprintf(c->display, sizeof c->display, "%s/%s", v->dir, c->path);
    if (fstatat(v->dirfd, c->path, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        rc = errno == ENOENT ? okra_fail(-ENOENT, "%s has no bundle %llu (see 'okra log')", v->dir,
                                         (unsigned long long) seq)
                             : okra_fail_errno(errno, "%s", c->display);
        free(c);
        return rc;
    }
    c->dirfd = v->dirfd;
    c->key = &v->station_pub;
    c->observe = observe;
    vault_verify_one_bundle(c);
    json_decref(c->policy);
    if (!c->ok)
        rc = okra_fail(-EBADMSG, "%s does not verify: %s; run 'okra verify'", c->display, c->why);
    else if (c->head.seq != seq || strcmp(c->head.vault_id, v->vault_id) != 0)
        rc = okra_fail(-EBADMSG, "%s is not bundle %llu of this vault; run 'okra verify'",
                       c->display, (unsigned long long) seq);
    if (rc == 0 && sums)
        memcpy(sums, c->sums, SHA256_HEX);
    if (rc == 0 && head)
        *head = c->head;
    free(c);
    return rc;
}

/* ---- the items a recovery names, looked up in their own bundles ---- */

static int
by_bundle_then_id(const void *a, const void *b)
{
    const struct rec_source *x = *(const struct rec_source *const *) a;
    const struct rec_source *y = *(const struct rec_source *const *) b;

    if (x->bundle != y->bundle)
        return x->bundle < y->bundle ? -1 : 1;
    return strcmp(x->id, y->id);
}

struct source_pass {
    struct rec_source **from; /* the sources of one bundle, sorted by id */
    size_t              n;
};

static int
match_item(void *ctx, json_t *item, uint32_t index)
{
    struct source_pass *p = ctx;
    const char         *id = json_string_value(json_object_get(item, "id"));
    struct rec_source   key = { .id = id }, *kp = &key;
    struct rec_source **hit;

    (void) index;
    if (id == NULL)
        return 0;
    key.bundle = p->from[0]->bundle;
    hit = bsearch(&kp, p->from, p->n, sizeof *p->from, by_bundle_then_id);
    /* the same id may be named twice; each gets it */
    while (hit && hit > p->from && !strcmp(hit[-1]->id, id))
        hit--;
    for (; hit && hit < p->from + p->n && !strcmp((*hit)->id, id); hit++)
        if ((*hit)->item == NULL && ((*hit)->item = record_item_summary(item)) == NULL)
            return okra_fail(-ENOMEM, "out of memory");
    return 0;
}

static int
take_recovered(struct rec_facts *f, uint64_t seq)
{
    json_t *list = json_object_get(f->fields, "recovered");
    size_t  i;

    if (list == NULL)
        return 0;
    if (!json_is_array(list))
        return okra_fail(-EBADMSG, "bundle %llu's 'recovered' is not a list",
                         (unsigned long long) seq);
    if ((f->recovered = calloc(json_array_size(list) + 1, sizeof *f->recovered)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    for (i = 0; i < json_array_size(list); i++) {
        json_t            *e = json_array_get(list, i), *b = json_object_get(e, "bundle");
        struct rec_source *s = &f->recovered[i];

        s->id = json_string_value(json_object_get(e, "id"));
        s->as = json_string_value(json_object_get(e, "as"));
        if (s->id == NULL || !json_is_integer(b) || json_integer_value(b) < 0 ||
            (uint64_t) json_integer_value(b) >= seq)
            return okra_fail(-EBADMSG, "bundle %llu's 'recovered' entry %zu names no earlier "
                             "bundle and id", (unsigned long long) seq, i + 1);
        s->bundle = (uint64_t) json_integer_value(b);
        f->n_recovered = i + 1;
    }
    return 0;
}

/* Each bundle the recovered items came from, verified, for their subjects and formats. */
static int
look_up_sources(struct vault *v, struct rec_facts *f)
{
    struct rec_source **sorted;
    size_t              i, j;
    int                 rc = 0;

    if (f->n_recovered == 0)
        return 0;
    if ((sorted = malloc(f->n_recovered * sizeof *sorted)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    for (i = 0; i < f->n_recovered; i++)
        sorted[i] = &f->recovered[i];
    qsort(sorted, f->n_recovered, sizeof *sorted, by_bundle_then_id);
    for (i = 0; i < f->n_recovered && rc == 0; i = j) {
        struct source_pass p = { sorted + i, 0 };
        struct manifest_cb cb = { NULL, match_item, &p };

        for (j = i; j < f->n_recovered && sorted[j]->bundle == sorted[i]->bundle; j++)
            p.n++;
        rc = verify_bundle(v, sorted[i]->bundle, &cb, NULL, NULL);
    }
    free(sorted);
    for (i = 0; rc == 0 && i < f->n_recovered; i++)
        if (f->recovered[i].item == NULL)
            rc = okra_fail(-EBADMSG, "the record names item %s of bundle %llu, which that bundle "
                           "does not hold; run 'okra verify'", f->recovered[i].id,
                           (unsigned long long) f->recovered[i].bundle);
    return rc;
}

/* ---- the checkpoint ---- */

static void
take_checkpoint(struct vault *v, struct cer_record *r)
{
    struct checkpoint cp;
    char             *text = NULL;

    if (checkpoint_export(v, &text) < 0 ||
        checkpoint_parse_signed(text, strlen(text), &v->station_pub, &cp) < 0) {
        if (asprintf(&r->checkpoint_note, "no checkpoint: %s", okra_errmsg()) < 0)
            r->checkpoint_note = NULL;
        free(text);
        return;
    }
    if (cp.seq < r->seq || (cp.seq == r->seq && strcmp(cp.sums, r->sums) != 0)) {
        if (asprintf(&r->checkpoint_note, cp.seq < r->seq
                         ? "no checkpoint: the vault's CHECKPOINT names bundle %llu, before this "
                           "one; the next commit brings it up to date ('okra checkpoint')"
                         : "no checkpoint: the vault's CHECKPOINT disagrees with bundle %llu; run "
                           "'okra verify'",
                     (unsigned long long) cp.seq) < 0)
            r->checkpoint_note = NULL;
        free(text);
        return;
    }
    r->checkpoint = text;
    r->checkpoint_seq = cp.seq;
    if (cp.seq > r->seq &&
        asprintf(&r->checkpoint_note, "the vault's newest checkpoint, at bundle %llu, which "
                 "reaches this one", (unsigned long long) cp.seq) < 0)
        r->checkpoint_note = NULL;
}

static void
take_words(struct cer_record *r)
{
    uint8_t h[32];

    if (hex_decode(h, sizeof h, r->sums) == 0)
        pgpwords_encode(h, sizeof h, 4, r->words, sizeof r->words);
}

static void
facts_free(struct rec_facts *f)
{
    size_t i;

    for (i = 0; i < f->n_recovered; i++)
        json_decref(f->recovered[i].item);
    free(f->recovered);
    json_decref(f->fields);
    json_decref(f->items);
}

int
cer_record_build(struct vault *v, uint64_t seq, struct cer_record **ret)
{
    struct cer_record *r = calloc(1, sizeof *r);
    struct reading     rd = { json_object(), json_array() };
    struct manifest_cb cb = { keep_field, keep_item, &rd };
    struct rec_facts   f = { 0 };
    struct manifest_head head;
    int                rc;

    if (r == NULL || rd.fields == NULL || rd.items == NULL) {
        free(r);
        json_decref(rd.fields);
        json_decref(rd.items);
        return okra_fail(-ENOMEM, "out of memory");
    }
    f.fields = rd.fields;
    f.items = rd.items;
    r->seq = seq;
    snprintf(r->vault_id, sizeof r->vault_id, "%s", v->vault_id);
    rc = verify_bundle(v, seq, &cb, r->sums, &head);
    if (rc == 0) {
        char *kind = text_escape(head.kind, strlen(head.kind));

        snprintf(r->kind, sizeof r->kind, "%s", kind ? kind : "?");
        free(kind);
        snprintf(r->time, sizeof r->time, "%s", head.time);
        rc = take_recovered(&f, seq);
    }
    if (rc == 0)
        rc = look_up_sources(v, &f);
    if (rc == 0) {
        take_words(r);
        take_checkpoint(v, r);
        rc = record_describe(r, v, &f);
    }
    facts_free(&f);
    if (rc < 0) {
        cer_record_free(r);
        return rc;
    }
    *ret = r;
    return 0;
}

void
cer_record_free(struct cer_record *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->n_heading; i++)
        free(r->heading[i].value);
    for (i = 0; i < r->n_steps; i++)
        free(r->steps[i].text);
    for (i = 0; i < r->n_signers; i++) {
        free(r->signers[i].name);
        free(r->signers[i].role);
    }
    free(r->heading);
    free(r->steps);
    free(r->signers);
    free(r->checkpoint);
    free(r->checkpoint_note);
    json_decref(r->json);
    free(r);
}
