/* verify_bundle.c: one bundle, one pass over its bytes. */
#include "vault/verify_bundle.h"
#include "vault/bundle.h"
#include "vault/bundle_read.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/sha256.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SIG_MAX 4096

struct state {
    struct bundle_check *c;
    uint8_t             *opened;      /* bit per item: has an opened payload */
    size_t               opened_cap;
    uint8_t            (*hashes)[32]; /* per member, MANIFEST.json first */
    size_t               n_hashes, cap_hashes;
    char               **names_unused;
};

static int
fail(struct bundle_check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
fail(struct bundle_check *c, const char *fmt, ...)
{
    va_list ap;

    if (c->ok) {
        va_start(ap, fmt);
        vsnprintf(c->why, sizeof c->why, fmt, ap);
        va_end(ap);
        c->ok = false;
    }
    return -1;
}

static bool
opened_bit(struct state *s, uint32_t item)
{
    return item / 8 < s->opened_cap && (s->opened[item / 8] >> (item % 8) & 1);
}

static int
on_item(void *ctx, json_t *item, uint32_t index)
{
    struct state *s = ctx;
    const char   *payload = json_string_value(json_object_get(item, "payload"));
    json_t       *opened = json_object_get(item, "opened");
    char          want[64];

    bundle_payload_name(index, 0, want, sizeof want);
    if (payload == NULL || strcmp(payload, want) != 0)
        return okra_fail(-EINVAL, "item %u names payload '%s', not %s", index,
                         payload ? payload : "(none)", want);
    if (opened && !json_is_null(opened)) {
        bundle_payload_name(index, 1, want, sizeof want);
        if (!json_is_string(opened) || strcmp(json_string_value(opened), want) != 0)
            return okra_fail(-EINVAL, "item %u names an opened payload other than %s", index, want);
        if (index / 8 >= s->opened_cap) {
            size_t   cap = (index / 8 + 1) * 2;
            uint8_t *b = realloc(s->opened, cap);

            if (b == NULL)
                return okra_fail(-ENOMEM, "out of memory");
            memset(b + s->opened_cap, 0, cap - s->opened_cap);
            s->opened = b;
            s->opened_cap = cap;
        }
        s->opened[index / 8] |= (uint8_t) (1u << (index % 8));
    }
    s->c->n_items = index;
    if (s->c->observe && s->c->observe->on_item)
        return s->c->observe->on_item(s->c->observe->ctx, item, index);
    return 0;
}

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct state *s = ctx;

    if (!strcmp(key, "recipient") && json_is_string(value))
        snprintf(s->c->recipient, sizeof s->c->recipient, "%s", json_string_value(value));
    if (!strcmp(key, "policy") && s->c->policy == NULL)
        s->c->policy = json_incref(value);
    if (!strcmp(key, "station_key") && json_is_string(value))
        snprintf(s->c->station_key, sizeof s->c->station_key, "%s", json_string_value(value));
    if (s->c->observe && s->c->observe->on_field) {
        int rc = s->c->observe->on_field(s->c->observe->ctx, key, value);

        if (rc < 0)
            return rc;
    }
    return manifest_head_field(&s->c->head, key, value);
}

static int
keep_hash(struct state *s, const uint8_t h[32])
{
    if (s->n_hashes == s->cap_hashes) {
        size_t cap = s->cap_hashes ? s->cap_hashes * 2 : 64;
        void  *p = realloc(s->hashes, cap * 32);

        if (p == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        s->hashes = p;
        s->cap_hashes = cap;
    }
    memcpy(s->hashes[s->n_hashes++], h, 32);
    return 0;
}

/* The expected name of member k (0 = MANIFEST.json, then payloads in order), or NULL past them. */
static bool
expected_member(struct state *s, size_t k, uint32_t *item, int *opened, char *out, size_t cap)
{
    if (k == 0) {
        snprintf(out, cap, "MANIFEST.json");
        return true;
    }
    /* walk on from the previous expectation */
    if (*item == 0) {
        *item = 1;
        *opened = 0;
    } else if (*opened == 0 && opened_bit(s, *item)) {
        *opened = 1;
    } else {
        (*item)++;
        *opened = 0;
    }
    if (*item > s->c->n_items)
        return false;
    bundle_payload_name(*item, *opened, out, cap);
    return true;
}

/* Checks SHA256SUMS line by line against the members' hashes, in order. */
static int
check_sums_text(struct state *s, const char *text, size_t len)
{
    size_t   k = 0, pos = 0;
    uint32_t item = 0;
    int      opened = 0;

    while (pos < len) {
        const char *line = text + pos, *nl = memchr(line, '\n', len - pos);
        char        want[64], hex[SHA256_HEX];
        size_t      ll;

        if (nl == NULL)
            return fail(s->c, "SHA256SUMS does not end with a newline");
        ll = (size_t) (nl - line);
        pos += ll + 1;
        if (k >= s->n_hashes || !expected_member(s, k, &item, &opened, want, sizeof want))
            return fail(s->c, "SHA256SUMS lists more than the bundle holds");
        hex_encode(hex, s->hashes[k], 32);
        if (ll != 64 + 2 + strlen(want) || memcmp(line + 64, "  ", 2) != 0 ||
            memcmp(line + 66, want, strlen(want)) != 0)
            return fail(s->c, "SHA256SUMS line %zu is not '<sha256>  %s'", k + 1, want);
        if (memcmp(line, hex, 64) != 0)
            return fail(s->c, "%s does not match its checksum in SHA256SUMS (altered)", want);
        k++;
    }
    if (k != s->n_hashes)
        return fail(s->c, "SHA256SUMS does not list every member (%zu of %zu)", k, s->n_hashes);
    return 0;
}

static int
check_signature(struct state *s, const char *sigtext, size_t siglen, const uint8_t digest[64])
{
    struct bundle_check *c = s->c;
    struct mini_sig      sig;
    char                 tc[160];

    if (mini_sig_parse(sigtext, siglen, &sig) < 0)
        return fail(c, "SHA256SUMS.minisig is malformed: %s", okra_errmsg());
    if (mini_verify_prehashed(c->key, &sig, digest) < 0)
        return fail(c, "the signature does not verify: %s", okra_errmsg());
    bundle_trusted_comment(c->head.vault_id, c->head.seq, c->head.kind, tc, sizeof tc);
    if (strcmp(sig.trusted_comment, tc) != 0)
        return fail(c, "the signed comment '%s' does not match the manifest ('%s')",
                    sig.trusted_comment, tc);
    return 0;
}

/* Reads one member fully into a bounded buffer (SHA256SUMS, the signature). */
struct small {
    char  *p;
    size_t len, cap, max;
};

static int
small_add(struct small *b, const uint8_t *p, size_t n)
{
    if (b->len + n > b->max)
        return -1;
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char  *q = realloc(b->p, cap > b->max + 1 ? b->max + 1 : cap);

        if (q == NULL)
            return -1;
        b->p = q;
        b->cap = cap > b->max + 1 ? b->max + 1 : cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

static int
walk(struct state *s, struct bundle_reader *br)
{
    struct bundle_check    *c = s->c;
    struct manifest_cb      cb = { on_field, on_item, s };
    struct manifest_reader *mr = NULL;
    struct sha256           h = { 0 };
    struct mini_prehash     pre;
    struct small            sums = { .max = (size_t) 1 << 30 }, sig = { .max = SIG_MAX };
    uint8_t                 digest[64], d[32];
    const char             *name;
    uint64_t                size;
    size_t                  k = 0;
    uint32_t                item = 0;
    int                     opened = 0, rc, phase = 0; /* 0 manifest, 1 payloads, 2 sums, 3 sig, 4 end */

    while ((rc = bundle_next(br, &name, &size)) > 0) {
        const uint8_t *p;
        size_t         n;
        char           want[64];

        if (phase == 1 && !strcmp(name, "SHA256SUMS")) {
            if (expected_member(s, k, &item, &opened, want, sizeof want)) {
                fail(c, "member %s is missing", want);
                break;
            }
            phase = 2;
        } else if (phase == 2 && !strcmp(name, "SHA256SUMS.minisig")) {
            phase = 3;
        } else if (phase <= 1) {
            if (!expected_member(s, k, &item, &opened, want, sizeof want) || strcmp(name, want)) {
                fail(c, "member '%s' where %s belongs", name, phase ? want : "MANIFEST.json");
                break;
            }
        } else {
            fail(c, "member '%s' after %s (not part of a bundle)", name,
                 phase == 3 ? "the signature" : "SHA256SUMS");
            break;
        }
        sha256_init(&h);
        if (phase == 0 && (rc = manifest_reader_new(&cb, &mr)) < 0)
            break;
        if (phase == 2)
            mini_prehash_init(&pre);
        while ((rc = bundle_data(br, &p, &n)) > 0) {
            sha256_update(&h, p, n);
            if (phase == 0 && manifest_reader_feed(mr, p, n) < 0) {
                rc = -1;
                break;
            }
            if (phase == 2) {
                mini_prehash_update(&pre, p, n);
                if (small_add(&sums, p, n) < 0) {
                    rc = okra_fail(-EINVAL, "SHA256SUMS is too large");
                    break;
                }
            }
            if (phase == 3 && small_add(&sig, p, n) < 0) {
                rc = okra_fail(-EINVAL, "SHA256SUMS.minisig is too large");
                break;
            }
        }
        if (rc < 0) {
            fail(c, "%s: %s", name, okra_errmsg());
            break;
        }
        sha256_final(&h, d);
        if (phase <= 1) {
            if (phase == 0) {
                if (manifest_reader_finish(mr) < 0 || manifest_head_check(&c->head) < 0) {
                    fail(c, "%s", okra_errmsg());
                    break;
                }
                phase = 1;
            }
            if (keep_hash(s, d) < 0) {
                fail(c, "%s", okra_errmsg());
                break;
            }
            k++;
        } else if (phase == 2) {
            mini_prehash_final(&pre, digest);
            hex_encode(c->sums, d, 32);
        }
    }
    sha256_free(&h);
    manifest_reader_free(mr);
    if (c->ok && rc < 0)
        fail(c, "%s", okra_errmsg());
    if (c->ok && phase < 3)
        fail(c, "it ends before %s (truncated)", phase < 2 ? "SHA256SUMS" : "its signature");
    if (c->ok)
        check_sums_text(s, sums.p ? sums.p : "", sums.len);
    if (c->ok)
        check_signature(s, sig.p ? sig.p : "", sig.len, digest);
    free(sums.p);
    free(sig.p);
    return c->ok ? 0 : -1;
}

void
verify_one_bundle(struct bundle_check *c)
{
    struct state          s = { .c = c };
    struct bundle_reader *br;

    c->ok = true;
    c->why[0] = '\0';
    memset(&c->head, 0, sizeof c->head);
    c->sums[0] = c->recipient[0] = c->station_key[0] = '\0';
    c->policy = NULL;
    c->n_items = 0;
    if (bundle_open(c->dirfd, c->path, &br) < 0) {
        fail(c, "%s", okra_errmsg());
        return;
    }
    walk(&s, br);
    bundle_close(br);
    free(s.opened);
    free(s.hashes);
}
