/* shares.c: judging the shares a ceremony is given, and combining a quorum. */
#include "ceremony/shares.h"
#include "common/err.h"
#include "common/secmem.h"
#include "crypto/age.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Subsets of exactly the threshold tried when more shares are given than agree. */
#define MAX_SUBSET_TRIES 256

static void
leave_out(struct cer_share *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
leave_out(struct cer_share *s, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
    s->usable = false;
}

void
cer_share_decode(struct cer_share *s)
{
    const struct share_text *t = s->text;
    struct slip39_share     *d;

    s->usable = false;
    if (t == NULL)
        return;
    if (s->share == NULL && (s->share = secmem_alloc(sizeof *s->share)) == NULL) {
        leave_out(s, "out of secure memory");
        return;
    }
    d = s->share;
    if (slip39_decode(t->mnemonic, d) < 0) {
        leave_out(s, "its mnemonic is not a valid SLIP-0039 share: %s", okra_errmsg());
        return;
    }
    if (d->iteration_exponent > CER_MAX_ITERATION_EXPONENT) {
        leave_out(s, "its SLIP-0039 iteration exponent %u asks %u PBKDF2 rounds, over okra's "
                     "limit of exponent %d (%u rounds; okra writes 1)", d->iteration_exponent,
                  10000u << d->iteration_exponent, CER_MAX_ITERATION_EXPONENT,
                  10000u << CER_MAX_ITERATION_EXPONENT);
        return;
    }
    if (!t->bare && (d->group_count != 1 || d->member_index + 1u != t->index ||
                     d->member_threshold != t->threshold)) {
        leave_out(s, "its 'share: %u of %u, threshold %u' line disagrees with its mnemonic "
                     "(share %u, threshold %u); the file was altered",
                  t->index, t->count, t->threshold, d->member_index + 1u, d->member_threshold);
        return;
    }
    s->usable = true;
}

static void
screen_vault_and_retired(struct cer_share *s, size_t n, const char *vault_id,
                         const struct cer_sets *sets)
{
    size_t   i;
    uint64_t in;

    for (i = 0; i < n; i++) {
        if (!s[i].usable)
            continue;
        if (!s[i].text->bare && strcmp(s[i].text->vault_id, vault_id) != 0)
            leave_out(&s[i], "is a share of another vault (%s), not of this one (%s)",
                      s[i].text->vault_id, vault_id);
        else if (cer_sets_is_retired(sets, s[i].share->identifier, &in))
            leave_out(&s[i], "share set %u was retired by the reshare in bundle %llu; use the "
                             "new set's shares",
                      s[i].share->identifier, (unsigned long long) in);
    }
}

/* The set to combine: the current one when given, else the one most shares belong to. */
static int
choose_set(struct cer_share *s, size_t n, const struct cer_sets *sets)
{
    const struct cer_set *cur = cer_sets_current(sets);
    size_t                i, j, best_count = 0;
    int                   best = -1;

    for (i = 0; i < n; i++)
        if (s[i].usable && cur && s[i].share->identifier == cur->id)
            return cur->id;
    for (i = 0; i < n; i++) {
        size_t count = 0;

        if (!s[i].usable)
            continue;
        for (j = 0; j < n; j++)
            count += s[j].usable && s[j].share->identifier == s[i].share->identifier;
        if (count > best_count) {
            best_count = count;
            best = s[i].share->identifier;
        }
    }
    return best;
}

void
cer_shares_screen(struct cer_share *s, size_t n, const char *vault_id,
                  const struct cer_sets *sets, int *ret_set)
{
    size_t i, j;
    int    set;

    screen_vault_and_retired(s, n, vault_id, sets);
    set = choose_set(s, n, sets);
    for (i = 0; i < n; i++) {
        if (!s[i].usable)
            continue;
        if (s[i].share->identifier != set) {
            leave_out(&s[i], "belongs to share set %u, not to set %d of the other shares given; "
                             "shares of two sets never combine",
                      s[i].share->identifier, set);
            continue;
        }
        for (j = 0; j < i; j++) {
            if (!s[j].usable || s[j].share->identifier != s[i].share->identifier ||
                s[j].share->group_index != s[i].share->group_index ||
                s[j].share->member_index != s[i].share->member_index)
                continue;
            if (s[j].share->value_len == s[i].share->value_len &&
                sodium_memcmp(s[j].share->value, s[i].share->value, s[i].share->value_len) == 0)
                leave_out(&s[i], "is share %u again (as %s); each share counts once",
                          s[i].share->member_index + 1u, s[j].label);
            else
                leave_out(&s[i], "claims to be share %u, as %s does, with another value (one of "
                                 "them is damaged or forged)",
                          s[i].share->member_index + 1u, s[j].label);
            break;
        }
    }
    *ret_set = set;
}

/* try_combine: the shares agree, but on another key than the vault's */
#define WRONG_KEY 1

/* Combines the shares whose place in s is in pick[0..k); checks the recipient. */
static int
try_combine(struct cer_share *s, const size_t *pick, size_t k,
            const uint8_t recipient[AGE_KEY_LEN], uint8_t *secret)
{
    struct slip39_share *list = secmem_alloc(k * sizeof *list);
    uint8_t              pub[AGE_KEY_LEN];
    size_t               i, len = 0;
    int                  rc;

    if (list == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    for (i = 0; i < k; i++)
        list[i] = *s[pick[i]].share;
    rc = slip39_combine(list, k, "", secret, &len);
    secmem_free(list);
    if (rc < 0)
        return rc;
    if (len != AGE_KEY_LEN)
        return okra_fail(-EBADMSG, "the shares hold a %zu-bit secret; a vault's key is 256 bits",
                         len * 8);
    if ((rc = age_x25519_public(secret, pub)) < 0)
        return rc;
    if (sodium_memcmp(pub, recipient, AGE_KEY_LEN) != 0) {
        okra_fail(-EBADMSG, "the shares combine to another key than this vault's (wrong set or "
                            "another vault)");
        return WRONG_KEY;
    }
    return 0;
}

/* Next k-subset of 0..n-1 in lexicographic order; false after the last. */
static bool
next_subset(size_t *idx, size_t k, size_t n)
{
    size_t i = k;

    while (i > 0 && idx[i - 1] == n - k + i - 1)
        i--;
    if (i == 0)
        return false;
    idx[i - 1]++;
    for (; i < k; i++)
        idx[i] = idx[i - 1] + 1;
    return true;
}

/* More shares than agree: find a threshold of them that opens the recipient. */
static int
search_subsets(struct cer_share *s, const size_t *usable, size_t m, size_t t,
               const uint8_t recipient[AGE_KEY_LEN], uint8_t *secret)
{
    size_t idx[SLIP39_MAX_SHARES * 16], pick[SLIP39_MAX_SHARES * 16], i, tries = 0;
    bool   in[SLIP39_MAX_SHARES * 16];
    /* each try runs SLIP-0039's PBKDF2 once: the tries are bounded by its rounds too */
    size_t rounds = 10000u << s[usable[0]].share->iteration_exponent;
    size_t max_tries = CER_COMBINE_ROUNDS_MAX / rounds;

    if (max_tries > MAX_SUBSET_TRIES)
        max_tries = MAX_SUBSET_TRIES;

    for (i = 0; i < t; i++)
        idx[i] = i;
    do {
        for (i = 0; i < t; i++)
            pick[i] = usable[idx[i]];
        if (try_combine(s, pick, t, recipient, secret) == 0) {
            memset(in, 0, sizeof in);
            for (i = 0; i < t; i++)
                in[idx[i]] = true;
            for (i = 0; i < m; i++)
                if (!in[i])
                    leave_out(&s[usable[i]], "does not combine with the other shares (damaged, "
                                             "or of another split of this set's key)");
            return 0;
        }
    } while (++tries < max_tries && next_subset(idx, t, m));
    return -1;
}

int
cer_shares_combine(struct cer_share *s, size_t n, const uint8_t recipient[AGE_KEY_LEN],
                   uint8_t *ret_identity)
{
    size_t   usable[SLIP39_MAX_SHARES * 16], m = 0, i;
    uint8_t *secret;
    unsigned t = 0;
    int      rc;

    for (i = 0; i < n && m < sizeof usable / sizeof usable[0]; i++)
        if (s[i].usable)
            usable[m++] = i;
    if (m > 0)
        t = s[usable[0]].share->member_threshold;
    if (m == 0 || (s[usable[0]].share->group_count == 1 && m < t)) {
        if (m == 0)
            return okra_fail(-ENODATA, "no valid share given");
        return okra_fail(-ENOENT, "set %u needs %u shares; %zu valid share%s given (%zu more "
                                  "needed)",
                         s[usable[0]].share->identifier, t, m, m == 1 ? "" : "s", t - m);
    }
    if ((secret = secmem_alloc(SLIP39_MAX_SECRET)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    rc = try_combine(s, usable, m, recipient, secret);
    /* shares that disagree fail the digest when all are used; a threshold of them may not */
    if (rc < 0 && m > t && s[usable[0]].share->group_count == 1) {
        char why[512];

        snprintf(why, sizeof why, "%s", okra_errmsg());
        if (search_subsets(s, usable, m, t, recipient, secret) == 0)
            rc = 0;
        else
            okra_fail(rc, "%s", why);
    }
    if (rc == WRONG_KEY)
        rc = -EBADMSG;
    else if (rc < 0 && rc != -ENOMEM)
        okra_fail_prefix(rc, "the shares do not combine: ");
    if (rc == 0)
        memcpy(ret_identity, secret, AGE_KEY_LEN);
    secmem_free(secret);
    return rc;
}

void
cer_shares_clear(struct cer_share *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        secmem_free(s[i].text);
        secmem_free(s[i].share);
        s[i].text = NULL;
        s[i].share = NULL;
        s[i].usable = false;
    }
}
