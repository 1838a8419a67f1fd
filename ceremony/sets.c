/* sets.c: which share sets this vault issued and retired, from its ceremony records. */
#include "ceremony/sets.h"
#include "vault/manifest.h"
#include "vault/trusted.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

struct kinds {
    uint64_t *seqs;
    size_t    n, cap;
};

static int
collect_ceremonies(void *ctx, const struct vindex_bundle_row *r)
{
    struct kinds *k = ctx;

    if (r->kind == NULL || (strcmp(r->kind, "ceremony-init") && strcmp(r->kind, "reshare")))
        return 0;
    if (k->n == k->cap) {
        uint64_t *s = realloc(k->seqs, (k->cap = k->cap ? k->cap * 2 : 8) * sizeof *s);

        if (s == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        k->seqs = s;
    }
    k->seqs[k->n++] = r->seq;
    return 0;
}

struct record {
    struct manifest_head head;
    json_t              *set;
    json_t              *retired;
};

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct record *r = ctx;

    if (!strcmp(key, "set")) {
        json_decref(r->set);
        r->set = json_incref(value);
    } else if (!strcmp(key, "retired")) {
        json_decref(r->retired);
        r->retired = json_incref(value);
    }
    return vault_manifest_head_field(&r->head, key, value);
}

/* Bundle seq through the trust boundary: its set and retirements only when it verifies. */
static int
read_record(struct vault *v, struct vindex *x, uint64_t seq, struct record *r)
{
    struct bundle_hooks    h = { on_field, NULL, NULL, r };
    struct trusted_bundle *tb;
    int                    rc;

    if ((rc = trusted_open(v, x, seq, NULL, 0, &h, &tb)) < 0)
        return rc;
    trusted_close(tb);
    return 0;
}

static bool
valid_id(json_t *j)
{
    return json_is_integer(j) && json_integer_value(j) >= 0 && json_integer_value(j) < 0x8000;
}

static int
add_set(struct cer_sets *s, struct vault *v, uint64_t seq, json_t *set)
{
    json_t         *names = json_object_get(set, "custodians");
    json_t         *thr = json_object_get(set, "threshold");
    struct cer_set *n, *e;
    size_t          i;

    if (!json_is_object(set) || !valid_id(json_object_get(set, "id")) || !json_is_integer(thr) ||
        !json_is_array(names))
        return okra_fail(-EINVAL, "%s: bundle %llu's ceremony record has no valid 'set'", v->dir,
                         (unsigned long long) seq);
    if ((n = realloc(s->sets, (s->n + 1) * sizeof *n)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    s->sets = n;
    e = &s->sets[s->n];
    memset(e, 0, sizeof *e);
    e->id = (uint16_t) json_integer_value(json_object_get(set, "id"));
    e->issued_in = seq;
    e->threshold = (unsigned) json_integer_value(thr);
    e->custodians = calloc(json_array_size(names) + 1, sizeof *e->custodians);
    if (e->custodians == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    s->n++;
    for (i = 0; i < json_array_size(names); i++) {
        const char *c = json_string_value(json_array_get(names, i));

        if ((e->custodians[i] = strdup(c ? c : "?")) == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        e->n_custodians = i + 1;
    }
    return 0;
}

static int
add_retired(struct cer_sets *s, struct vault *v, uint64_t seq, json_t *list)
{
    size_t i;

    if (list == NULL)
        return 0;
    if (!json_is_array(list))
        return okra_fail(-EINVAL, "%s: bundle %llu's 'retired' is not a list of set ids", v->dir,
                         (unsigned long long) seq);
    for (i = 0; i < json_array_size(list); i++) {
        json_t             *id = json_array_get(list, i);
        struct cer_retired *r;
        size_t              k;

        if (!valid_id(id))
            return okra_fail(-EINVAL, "%s: bundle %llu's 'retired' is not a list of set ids",
                             v->dir, (unsigned long long) seq);
        if ((r = realloc(s->retired, (s->n_retired + 1) * sizeof *r)) == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        s->retired = r;
        r[s->n_retired++] = (struct cer_retired) { (uint16_t) json_integer_value(id), seq };
        for (k = 0; k < s->n; k++)
            if (s->sets[k].id == (uint16_t) json_integer_value(id) && !s->sets[k].retired) {
                s->sets[k].retired = true;
                s->sets[k].retired_in = seq;
            }
    }
    return 0;
}

int
cer_sets_load(struct vault *v, struct vindex *x, struct cer_sets *ret)
{
    struct kinds k = { 0 };
    size_t       i;
    int          rc;

    memset(ret, 0, sizeof *ret);
    if ((rc = vindex_bundles(x, collect_ceremonies, &k)) < 0) {
        free(k.seqs);
        return rc;
    }
    for (i = 0; i < k.n && rc == 0; i++) {
        struct record r = { 0 };

        if ((rc = read_record(v, x, k.seqs[i], &r)) == 0 &&
            strcmp(r.head.vault_id, v->vault_id) != 0)
            rc = okra_fail(-EINVAL, "%s: bundle %llu belongs to another vault", v->dir,
                           (unsigned long long) k.seqs[i]);
        /* retirements first: a reshare's own new set is never among those it retires */
        if (rc == 0)
            rc = add_retired(ret, v, k.seqs[i], r.retired);
        if (rc == 0)
            rc = add_set(ret, v, k.seqs[i], r.set);
        json_decref(r.set);
        json_decref(r.retired);
    }
    free(k.seqs);
    if (rc < 0)
        cer_sets_free(ret);
    return rc;
}

void
cer_sets_free(struct cer_sets *s)
{
    size_t i, j;

    for (i = 0; i < s->n; i++) {
        for (j = 0; j < s->sets[i].n_custodians; j++)
            free(s->sets[i].custodians[j]);
        free(s->sets[i].custodians);
    }
    free(s->sets);
    free(s->retired);
    memset(s, 0, sizeof *s);
}

const struct cer_set *
cer_sets_find(const struct cer_sets *s, uint16_t id)
{
    size_t i;

    /* the newest issue of an identifier, should one ever come twice */
    for (i = s->n; i > 0; i--)
        if (s->sets[i - 1].id == id)
            return &s->sets[i - 1];
    return NULL;
}

bool
cer_sets_is_retired(const struct cer_sets *s, uint16_t id, uint64_t *ret_in)
{
    size_t i;

    for (i = 0; i < s->n_retired; i++)
        if (s->retired[i].id == id) {
            if (ret_in)
                *ret_in = s->retired[i].in;
            return true;
        }
    return false;
}

const struct cer_set *
cer_sets_current(const struct cer_sets *s)
{
    size_t i;

    for (i = s->n; i > 0; i--)
        if (!s->sets[i - 1].retired)
            return &s->sets[i - 1];
    return NULL;
}

bool
cer_sets_known(const struct cer_sets *s, uint16_t id)
{
    return cer_sets_find(s, id) != NULL || cer_sets_is_retired(s, id, NULL);
}

json_t *
cer_sets_json_set(uint16_t id, unsigned threshold, const char *const *names, unsigned n)
{
    json_t  *list = json_array();
    unsigned i;

    for (i = 0; i < n; i++)
        json_array_append_new(list, json_string(names[i]));
    return json_pack("{s:i, s:i, s:o}", "id", (int) id, "threshold", (int) threshold,
                     "custodians", list);
}

json_t *
cer_sets_json_retired(const struct cer_sets *s, uint16_t old_set)
{
    json_t *list = json_array();
    size_t  i, j;

    for (i = 0; i < s->n; i++) {
        for (j = 0; j < i; j++)
            if (s->sets[j].id == s->sets[i].id)
                break;
        if (j == i)
            json_array_append_new(list, json_integer(s->sets[i].id));
    }
    if (cer_sets_find(s, old_set) == NULL)
        json_array_append_new(list, json_integer(old_set));
    return list;
}

json_t *
cer_sets_json_init(json_t *set, const char *station_key, const char *recipient, json_t *policy)
{
    return json_pack("{s:O, s:s, s:s, s:O}", "set", set, "station_key", station_key, "recipient",
                     recipient, "policy", policy);
}

json_t *
cer_sets_json_reshare(json_t *set, const char *station_key, json_t *retired, json_t *shares,
                      bool set_issued_here)
{
    return json_pack("{s:O, s:s, s:O, s:O, s:b}", "set", set, "station_key", station_key,
                     "retired", retired, "shares", shares, "set_issued_here", set_issued_here);
}

json_t *
cer_sets_json_recovery(json_t *recovered, json_t *shares, bool set_issued_here)
{
    return json_pack("{s:O, s:o, s:b}", "recovered", recovered, "shares", shares,
                     "set_issued_here", set_issued_here);
}
