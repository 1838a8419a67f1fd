/* trusted.c: bundle bytes on disk into facts okra may act on (see trusted.h). */
#include "vault/trusted.h"
#include "vault/bundle_read.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/sha256.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct kept_member {
    char    name[64];
    uint8_t sha256[32];
    bool    seen;
};

struct trusted_bundle {
    int                 fd;
    uint64_t            seq;
    char                label[4200];
    char                sums[SHA256_HEX];
    char *const        *want;
    size_t              n_want;
    json_t             *items;   /* id -> verified manifest entry, of the wanted ones */
    struct kept_member *members; /* the wanted items' payloads */
    size_t              n_members;
    const struct bundle_hooks *outer;
    char                recipient[AGE_RECIPIENT_MAX]; /* a ceremony-init's, else "" */
    json_t             *policy;                       /* likewise, or NULL */
};

static bool
wanted(const struct trusted_bundle *tb, const char *id)
{
    size_t i;

    for (i = 0; id && i < tb->n_want; i++)
        if (strcmp(tb->want[i], id) == 0)
            return true;
    return false;
}

static int
keep_member(struct trusted_bundle *tb, const char *name)
{
    struct kept_member *m;

    if (name == NULL || strlen(name) >= sizeof m->name)
        return 0;
    if ((m = realloc(tb->members, (tb->n_members + 1) * sizeof *m)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    tb->members = m;
    m = &tb->members[tb->n_members++];
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    return 0;
}

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct trusted_bundle *tb = ctx;

    return tb->outer && tb->outer->on_field ? tb->outer->on_field(tb->outer->ctx, key, value) : 0;
}

static int
on_item(void *ctx, json_t *item, const char *text, size_t len, uint32_t pos)
{
    struct trusted_bundle *tb = ctx;
    const char            *id = json_string_value(json_object_get(item, "id"));
    int                    rc;

    if (wanted(tb, id) && json_object_get(tb->items, id) == NULL) {
        if (json_object_set(tb->items, id, item) < 0 ||
            (rc = keep_member(tb, json_string_value(json_object_get(item, "payload")))) < 0 ||
            (rc = keep_member(tb, json_string_value(json_object_get(item, "opened")))) < 0)
            return okra_fail(-ENOMEM, "out of memory");
    }
    return tb->outer && tb->outer->on_item ? tb->outer->on_item(tb->outer->ctx, item, text, len, pos)
                                            : 0;
}

static int
on_member(void *ctx, const char *name, const uint8_t sha256[32])
{
    struct trusted_bundle *tb = ctx;
    size_t                 i;

    for (i = 0; i < tb->n_members; i++)
        if (!tb->members[i].seen && strcmp(tb->members[i].name, name) == 0) {
            memcpy(tb->members[i].sha256, sha256, 32);
            tb->members[i].seen = true;
        }
    return 0;
}

/* The whole check of one bundle on tb's descriptor; its facts kept. */
static int
verify(struct vault *v, struct vindex *x, struct trusted_bundle *tb)
{
    struct bundle_hooks  h = { on_field, on_item, on_member, tb };
    struct bundle_check *c = calloc(1, sizeof *c);
    int                  rc = 0;

    if (c == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    c->by_fd = true;
    c->fd = tb->fd;
    snprintf(c->display, sizeof c->display, "%s", tb->label);
    c->key = &v->station_pub;
    c->hooks = &h;
    vault_verify_one_bundle(c);
    tb->policy = c->policy;
    memcpy(tb->recipient, c->recipient, sizeof tb->recipient);
    if (!c->ok)
        rc = okra_fail(-EBADMSG, "%s does not verify: %s", tb->label, c->why);
    else if (c->head.seq != tb->seq)
        rc = okra_fail(-EBADMSG, "%s holds bundle %llu, not bundle %llu as its name says (moved "
                                 "or replayed)", tb->label, (unsigned long long) c->head.seq,
                       (unsigned long long) tb->seq);
    else if (strcmp(c->head.vault_id, v->vault_id) != 0)
        rc = okra_fail(-EBADMSG, "%s belongs to vault %s, not this one", tb->label,
                       c->head.vault_id);
    else if (vindex_chain_check(x, tb->seq, c->sums) < 0)
        rc = okra_fail_prefix(-EBADMSG, "%s: ", tb->label);
    if (rc == 0)
        memcpy(tb->sums, c->sums, sizeof tb->sums);
    free(c);
    return rc;
}

int
trusted_open(struct vault *v, struct vindex *x, uint64_t seq, char *const *want, size_t n_want,
             const struct bundle_hooks *hooks, struct trusted_bundle **ret)
{
    struct trusted_bundle *tb = calloc(1, sizeof *tb);
    char                   name[64];
    int                    rc;

    if (tb == NULL || (tb->items = json_object()) == NULL) {
        free(tb);
        return okra_fail(-ENOMEM, "out of memory");
    }
    tb->seq = seq;
    tb->want = want;
    tb->n_want = n_want;
    tb->outer = hooks;
    vault_bundle_name(seq, name, sizeof name);
    snprintf(tb->label, sizeof tb->label, "%s/%s", v->dir, name);
    tb->fd = openat(v->dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (tb->fd < 0)
        rc = errno == ENOENT ? okra_fail(-EBADMSG, "%s does not exist", tb->label)
                             : okra_fail_errno(errno, "cannot open %s", tb->label);
    else
        rc = verify(v, x, tb);
    tb->want = NULL; /* the caller's, needed only while verifying */
    tb->n_want = 0;
    if (rc < 0) {
        char why[1024];

        snprintf(why, sizeof why, "%s", okra_errmsg());
        trusted_close(tb);
        return okra_fail(rc, "%s; nothing was decrypted from it (run 'okra verify')", why);
    }
    *ret = tb;
    return 0;
}

json_t *
trusted_item(const struct trusted_bundle *tb, const char *id)
{
    return json_object_get(tb->items, id);
}

uint64_t
trusted_seq(const struct trusted_bundle *tb)
{
    return tb->seq;
}

const char *
trusted_sums(const struct trusted_bundle *tb)
{
    return tb->sums;
}

/* An age source over one member, every byte hashed as it goes by. */
struct member_source {
    struct bundle_reader *r;
    struct sha256         h;
    const uint8_t        *p;
    size_t                n;
    bool                  end;
};

static long
member_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct member_source *s = ctx;
    size_t                take;

    while (s->n == 0 && !s->end) {
        int rc = bundle_data(s->r, &s->p, &s->n);

        if (rc < 0)
            return rc;
        if (rc == 0)
            s->end = true;
        else
            sha256_update(&s->h, s->p, s->n);
    }
    take = s->n < cap ? s->n : cap;
    if (take)
        memcpy(buf, s->p, take);
    s->p += take;
    s->n -= take;
    return (long) take;
}

static const struct kept_member *
kept(const struct trusted_bundle *tb, const char *member)
{
    size_t i;

    for (i = 0; member && i < tb->n_members; i++)
        if (tb->members[i].seen && strcmp(tb->members[i].name, member) == 0)
            return &tb->members[i];
    return NULL;
}

/* Decrypts the member the reader stands at into out, hashing it; the hash must be the verified one. */
static int
decrypt_member(struct trusted_bundle *tb, struct bundle_reader *r, const struct kept_member *m,
               const uint8_t identity[AGE_KEY_LEN], struct secbuf *out)
{
    const uint8_t (*keys)[AGE_KEY_LEN] = (const uint8_t (*)[AGE_KEY_LEN]) identity;
    struct age_identities ids = { .x25519 = keys, .n_x25519 = 1 };
    struct member_source  src = { .r = r };
    uint8_t               d[32];
    uint8_t               scratch[4096];
    long                  got;
    int                   rc;

    if (sha256_init(&src.h) < 0)
        return okra_fail(-ENOMEM, "cannot start SHA-256");
    rc = age_decrypt_stream(&ids, member_read, &src, age_sink_secbuf, out);
    /* what age did not read still counts */
    while (rc == 0 && (got = member_read(&src, scratch, sizeof scratch)) != 0)
        if (got < 0)
            rc = (int) got;
    sha256_final(&src.h, d);
    sha256_free(&src.h);
    if (rc < 0)
        return okra_fail_prefix(rc, "%s in %s: ", m->name, tb->label);
    if (memcmp(d, m->sha256, 32) != 0)
        return okra_fail(-EBADMSG, "%s in %s changed since it was verified; nothing was "
                                   "decrypted (run 'okra verify')", m->name, tb->label);
    return 0;
}

int
trusted_decrypt(struct trusted_bundle *tb, const char *member,
                const uint8_t identity[AGE_KEY_LEN], struct secbuf *out)
{
    const struct kept_member *m = kept(tb, member);
    struct bundle_reader     *r;
    const char               *name;
    uint64_t                  size;
    int                       rc;

    if (m == NULL)
        return okra_fail(-EINVAL, "internal: %s is not a verified member of %s",
                         member ? member : "(none)", tb->label);
    if ((rc = bundle_open_fd(tb->fd, tb->label, &r)) < 0)
        return okra_fail_prefix(rc, "%s: ", tb->label);
    while ((rc = bundle_next(r, &name, &size)) > 0 && strcmp(name, member) != 0)
        ;
    if (rc < 0)
        okra_fail_prefix(rc, "%s: ", tb->label);
    if (rc == 0)
        rc = okra_fail(-EBADMSG, "%s no longer holds %s (changed since it was verified)",
                       tb->label, member);
    if (rc > 0)
        rc = decrypt_member(tb, r, m, identity, out);
    bundle_close(r);
    if (rc < 0)
        secbuf_free(out);
    return rc < 0 ? rc : 0;
}

void
trusted_close(struct trusted_bundle *tb)
{
    if (tb == NULL)
        return;
    if (tb->fd >= 0)
        close(tb->fd);
    json_decref(tb->items);
    json_decref(tb->policy);
    free(tb->members);
    free(tb);
}

int
trusted_check_config(struct vault *v, struct vindex *x)
{
    struct trusted_bundle *tb;
    int                    rc = trusted_open(v, x, 0, NULL, 0, NULL, &tb);

    if (rc < 0)
        return rc;
    if (tb->recipient[0] && strcmp(tb->recipient, v->recipient_text) != 0)
        rc = okra_fail(-EBADMSG, "%s/okra.json: recipient %s is not the one the ceremony created "
                                 "(%s, in bundle 0); nothing was sealed (run 'okra verify')",
                       v->dir, v->recipient_text, tb->recipient);
    else if (tb->policy && !json_equal(tb->policy, vault_policy(v)))
        rc = okra_fail(-EBADMSG, "%s/okra.json: the policy is not the one the ceremony recorded in "
                                 "bundle 0 (edited since); nothing was sealed (run 'okra verify')",
                       v->dir);
    trusted_close(tb);
    return rc;
}
