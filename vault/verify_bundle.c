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
#define SUMS_LINE_MAX 160 /* "<64 hex>  payload/1000000.p12.age" and room */

/* Where the expectation of members stands: MANIFEST.json, then each item's payloads. */
struct member_walk {
    size_t   k;      /* members so far */
    uint32_t item;   /* 0: before the first payload */
    int      opened; /* 1: the item's opened payload */
};

struct state {
    struct bundle_check *c;
    uint8_t             *opened;      /* bit per item: has an opened payload */
    size_t               opened_cap;
    struct manifest_reader *mr;       /* while MANIFEST.json streams */
    uint8_t            (*hashes)[32]; /* per member, MANIFEST.json first */
    size_t               n_hashes, cap_hashes;
    /* SHA256SUMS, checked line by line as it streams */
    struct member_walk   sums_walk;
    char                 line[SUMS_LINE_MAX + 1];
    size_t               line_len;
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

static bool
lower_hex(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;

    return n >= min && n <= max && strspn(s, "0123456789abcdef") == n;
}

int
vault_verify_item_id(json_t *item)
{
    const char *id = json_string_value(json_object_get(item, "id"));
    const char *sha = json_string_value(json_object_get(json_object_get(item, "source"), "sha256"));

    if (!lower_hex(sha, 64, 64))
        return okra_fail(-EINVAL, "an item's source.sha256 is not 64 lowercase hex digits");
    if (!lower_hex(id, 16, 64))
        return okra_fail(-EINVAL, "an item's id is not 16 to 64 lowercase hex digits");
    if (strncmp(id, sha, strlen(id)) != 0)
        return okra_fail(-EINVAL, "item %s: its id is not the start of its sha256", id);
    return 0;
}

static int
set_opened(struct state *s, uint32_t index)
{
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
    return 0;
}

static int
on_item(void *ctx, json_t *item, uint32_t index)
{
    struct state *s = ctx;
    const char   *payload = json_string_value(json_object_get(item, "payload"));
    json_t       *opened = json_object_get(item, "opened");
    char          want[64];
    int           rc;

    if (index > BUNDLE_ITEMS_MAX)
        return okra_fail(-EINVAL, "it holds more than %u items", BUNDLE_ITEMS_MAX);
    if (vault_verify_item_id(item) < 0)
        return okra_fail_prefix(-EINVAL, "item %u: ", index);
    bundle_payload_name(index, 0, want, sizeof want);
    if (payload == NULL || strcmp(payload, want) != 0)
        return okra_fail(-EINVAL, "item %u names payload '%s', not %s", index,
                         payload ? payload : "(none)", want);
    if (opened && !json_is_null(opened)) {
        bundle_payload_name(index, 1, want, sizeof want);
        if (!json_is_string(opened) || strcmp(json_string_value(opened), want) != 0)
            return okra_fail(-EINVAL, "item %u names an opened payload other than %s", index, want);
        if ((rc = set_opened(s, index)) < 0)
            return rc;
    }
    s->c->n_items = index;
    if (s->c->observe && s->c->observe->on_item &&
        (rc = s->c->observe->on_item(s->c->observe->ctx, item, index)) < 0)
        return rc;
    if (s->c->hooks && s->c->hooks->on_item) {
        size_t      len;
        const char *text = vault_manifest_reader_item_text(s->mr, &len);

        return s->c->hooks->on_item(s->c->hooks->ctx, item, text, len, index);
    }
    return 0;
}

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct state *s = ctx;
    int           rc;

    if (!strcmp(key, "recipient") && json_is_string(value))
        snprintf(s->c->recipient, sizeof s->c->recipient, "%s", json_string_value(value));
    if (!strcmp(key, "policy") && s->c->policy == NULL)
        s->c->policy = json_incref(value);
    if (!strcmp(key, "station_key") && json_is_string(value))
        snprintf(s->c->station_key, sizeof s->c->station_key, "%s", json_string_value(value));
    if ((rc = vault_manifest_head_field(&s->c->head, key, value)) < 0)
        return rc;
    if (s->c->observe && s->c->observe->on_field &&
        (rc = s->c->observe->on_field(s->c->observe->ctx, key, value)) < 0)
        return rc;
    if (s->c->hooks && s->c->hooks->on_field)
        return s->c->hooks->on_field(s->c->hooks->ctx, key, value);
    return 0;
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

/* The name of the next member the walk expects; false past the last payload. */
static bool
expected_member(struct state *s, struct member_walk *w, char *out, size_t cap)
{
    if (w->k++ == 0) {
        snprintf(out, cap, "MANIFEST.json");
        return true;
    }
    if (w->item == 0) {
        w->item = 1;
        w->opened = 0;
    } else if (w->opened == 0 && opened_bit(s, w->item)) {
        w->opened = 1;
    } else {
        w->item++;
        w->opened = 0;
    }
    if (w->item > s->c->n_items)
        return false;
    bundle_payload_name(w->item, w->opened, out, cap);
    return true;
}

/* One line of SHA256SUMS against the next member's hash. */
static int
sums_line(struct state *s, const char *line, size_t ll)
{
    size_t k = s->sums_walk.k;
    char   want[64], hex[SHA256_HEX];

    if (k >= s->n_hashes || !expected_member(s, &s->sums_walk, want, sizeof want))
        return fail(s->c, "SHA256SUMS lists more than the bundle holds");
    hex_encode(hex, s->hashes[k], 32);
    if (ll != 64 + 2 + strlen(want) || memcmp(line + 64, "  ", 2) != 0 ||
        memcmp(line + 66, want, strlen(want)) != 0)
        return fail(s->c, "SHA256SUMS line %zu is not '<sha256>  %s'", k + 1, want);
    if (memcmp(line, hex, 64) != 0)
        return fail(s->c, "%s does not match its checksum in SHA256SUMS (altered)", want);
    return 0;
}

/* SHA256SUMS as it streams: never held whole, each line at most SUMS_LINE_MAX bytes. */
static int
sums_feed(struct state *s, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] == '\n') {
            if (sums_line(s, s->line, s->line_len) < 0)
                return -1;
            s->line_len = 0;
            continue;
        }
        if (s->line_len == SUMS_LINE_MAX)
            return fail(s->c, "SHA256SUMS line %zu is too long for a checksum line",
                        s->sums_walk.k + 1);
        s->line[s->line_len++] = (char) p[i];
    }
    return 0;
}

static int
sums_finish(struct state *s)
{
    if (s->line_len)
        return fail(s->c, "SHA256SUMS does not end with a newline");
    if (s->sums_walk.k != s->n_hashes)
        return fail(s->c, "SHA256SUMS does not list every member (%zu of %zu)", s->sums_walk.k,
                    s->n_hashes);
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

/* The signature member, held whole (bounded). */
struct small {
    char   p[SIG_MAX + 1];
    size_t len;
};

/* Where the walk is in a bundle's members, in their order (doc/FORMAT.md, 5). */
enum phase { P_MANIFEST, P_PAYLOADS, P_SUMS, P_SIG };

/*
 * Moves *phase to the one member name opens; false, after saying why, when
 * the name does not belong there.
 */
static bool
next_phase(struct state *s, struct member_walk *w, enum phase *phase, const char *name)
{
    char want[64];

    if (*phase == P_PAYLOADS && !strcmp(name, "SHA256SUMS")) {
        if (expected_member(s, w, want, sizeof want)) {
            fail(s->c, "member %s is missing", want);
            return false;
        }
        *phase = P_SUMS;
        return true;
    }
    if (*phase == P_SUMS && !strcmp(name, "SHA256SUMS.minisig")) {
        *phase = P_SIG;
        return true;
    }
    if (*phase <= P_PAYLOADS) {
        if (!expected_member(s, w, want, sizeof want) || strcmp(name, want)) {
            fail(s->c, "member '%s' where %s belongs", name,
                 *phase == P_PAYLOADS ? want : "MANIFEST.json");
            return false;
        }
        return true;
    }
    fail(s->c, "member '%s' after %s (not part of a bundle)", name,
         *phase == P_SIG ? "the signature" : "SHA256SUMS");
    return false;
}

/* One member's bytes: hashed, and fed to the manifest reader, the sums check or the signature. */
static int
read_member(struct state *s, struct bundle_reader *br, enum phase phase, struct manifest_reader *mr,
            struct mini_prehash *pre, struct small *sig, uint8_t d[32])
{
    struct sha256  h = { 0 };
    const uint8_t *p;
    size_t         n;
    int            rc;

    if (sha256_init(&h) < 0)
        return okra_fail(-ENOMEM, "cannot start SHA-256");
    while ((rc = bundle_data(br, &p, &n)) > 0) {
        sha256_update(&h, p, n);
        if (phase == P_MANIFEST && (rc = vault_manifest_reader_feed(mr, p, n)) < 0)
            break;
        if (phase == P_SUMS) {
            mini_prehash_update(pre, p, n);
            if ((rc = sums_feed(s, p, n)) < 0)
                break;
        }
        if (phase == P_SIG) {
            if (sig->len + n > SIG_MAX) {
                rc = okra_fail(-EINVAL, "it is too large for a signature");
                break;
            }
            memcpy(sig->p + sig->len, p, n);
            sig->len += n;
        }
    }
    sha256_final(&h, d);
    sha256_free(&h);
    return rc;
}

/* After a member: the manifest parsed, a payload's hash kept and shown to the hooks. */
static int
member_done(struct state *s, enum phase phase, const char *name, struct manifest_reader *mr,
            const uint8_t d[32])
{
    struct bundle_check *c = s->c;

    if (phase == P_MANIFEST &&
        (vault_manifest_reader_finish(mr) < 0 || vault_manifest_head_check(&c->head) < 0))
        return fail(c, "%s", okra_errmsg());
    if (phase == P_SUMS) {
        hex_encode(c->sums, d, 32);
        return sums_finish(s);
    }
    if (phase > P_PAYLOADS)
        return 0;
    if (keep_hash(s, d) < 0)
        return fail(c, "%s", okra_errmsg());
    if (phase == P_PAYLOADS && c->hooks && c->hooks->on_member &&
        c->hooks->on_member(c->hooks->ctx, name, d) < 0)
        return fail(c, "%s", okra_errmsg());
    return 0;
}

static int
walk(struct state *s, struct bundle_reader *br)
{
    struct bundle_check    *c = s->c;
    struct manifest_cb      cb = { on_field, on_item, s };
    struct manifest_reader *mr = NULL;
    struct mini_prehash     pre;
    struct member_walk      w = { 0 };
    struct small           *sig = calloc(1, sizeof *sig);
    uint8_t                 digest[64], d[32];
    const char             *name;
    uint64_t                size;
    enum phase              phase = P_MANIFEST;
    int                     rc = 0;

    if (sig == NULL)
        return fail(c, "out of memory");
    while (c->ok && (rc = bundle_next(br, &name, &size)) > 0) {
        if (!next_phase(s, &w, &phase, name))
            break;
        if (phase == P_MANIFEST && (rc = vault_manifest_reader_new(&cb, &mr)) < 0)
            break;
        s->mr = mr;
        if (phase == P_SUMS)
            mini_prehash_init(&pre);
        if ((rc = read_member(s, br, phase, mr, &pre, sig, d)) < 0) {
            fail(c, "%s: %s", name, okra_errmsg());
            break;
        }
        if (member_done(s, phase, name, mr, d) < 0)
            break;
        if (phase == P_MANIFEST)
            phase = P_PAYLOADS;
        if (phase == P_SUMS)
            mini_prehash_final(&pre, digest);
    }
    vault_manifest_reader_free(mr);
    if (c->ok && rc < 0)
        fail(c, "%s", okra_errmsg());
    if (c->ok && phase < P_SIG)
        fail(c, "it ends before %s (truncated)", phase < P_SUMS ? "SHA256SUMS" : "its signature");
    if (c->ok)
        check_signature(s, sig->p, sig->len, digest);
    free(sig);
    return c->ok ? 0 : -1;
}

void
vault_verify_one_bundle(struct bundle_check *c)
{
    struct state          s = { .c = c };
    struct bundle_reader *br;
    int                   rc;

    c->ok = true;
    c->why[0] = '\0';
    memset(&c->head, 0, sizeof c->head);
    c->sums[0] = c->recipient[0] = c->station_key[0] = '\0';
    c->policy = NULL;
    c->n_items = 0;
    rc = c->by_fd ? bundle_open_fd(c->fd, c->display, &br) : bundle_open(c->dirfd, c->path, &br);
    if (rc < 0) {
        fail(c, "%s", okra_errmsg());
        return;
    }
    walk(&s, br);
    bundle_close(br);
    free(s.opened);
    free(s.hashes);
}
