/*
 * slip39.c: SLIP-0039 split and combine (the two-level scheme: groups of
 * members; okra itself makes one group).
 *
 * Combining uses every share it is given: a group with more members than
 * its threshold is interpolated through all of them (so a share off the
 * polynomial fails the digest), and complete groups beyond the group
 * threshold likewise. The spec asks for exactly the threshold; giving more
 * only adds checks. A group with too few members is refused rather than
 * silently left out, so that the caller can say truthfully which shares
 * were used.
 */
#include "ceremony/shamir_hazmat.h"
#include "ceremony/slip39.h"
#include "ceremony/slip39_internal.h"
#include "common/err.h"
#include "common/secmem.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define MAX_GROUPS 16
#define MAX_COMBINE (MAX_GROUPS * SLIP39_MAX_SHARES)

struct group {
    uint8_t        threshold;
    uint8_t        n;
    uint8_t        xs[SLIP39_MAX_SHARES];
    const uint8_t *ys[SLIP39_MAX_SHARES];
};

/* Puts "what N: " before the reason already set; returns rc. */
static int
prefix_error(int rc, const char *what, size_t num)
{
    char reason[512];

    snprintf(reason, sizeof reason, "%s", okra_errmsg());
    okra_fail(rc, "%s %zu: %s", what, num, reason);
    sodium_memzero(reason, sizeof reason); /* may quote a word of a mnemonic */
    return rc;
}

/* Fields every share of one set has in common, checked against the first. */
static int
check_same_set(const struct slip39_share *a, const struct slip39_share *b)
{
    if (a->identifier != b->identifier)
        return okra_fail(-EINVAL, "shares belong to different sets (identifiers %u and %u)",
            a->identifier, b->identifier);
    if (a->extendable != b->extendable)
        return okra_fail(-EINVAL,
            "shares belong to different sets (extendable flag set on one, not on the other; "
            "identifier %u)",
            a->identifier);
    if (a->iteration_exponent != b->iteration_exponent)
        return okra_fail(-EINVAL, "shares belong to different sets (iteration exponents %u and %u)",
            a->iteration_exponent, b->iteration_exponent);
    if (a->group_threshold != b->group_threshold || a->group_count != b->group_count)
        return okra_fail(-EINVAL,
            "shares belong to different sets (group thresholds %u of %u and %u of %u)",
            a->group_threshold, a->group_count, b->group_threshold, b->group_count);
    if (a->value_len != b->value_len)
        return okra_fail(-EINVAL, "shares belong to different sets (%u-bit and %u-bit secrets)",
            a->value_len * 8, b->value_len * 8);
    return 0;
}

/* "" for a single group, else " of group N" (N counting from 1). */
static const char *
group_name(const struct slip39_share *s, char buf[16])
{
    if (s->group_count == 1)
        return "";
    snprintf(buf, 16, " of group %u", s->group_index + 1u);
    return buf;
}

static int
add_share(struct group *g, const struct slip39_share *s)
{
    char buf[16];

    if (g->n > 0 && g->threshold != s->member_threshold)
        return okra_fail(-EINVAL, "shares%s disagree on the member threshold (%u and %u)",
            group_name(s, buf), g->threshold, s->member_threshold);
    for (unsigned i = 0; i < g->n; i++)
        if (g->xs[i] == s->member_index)
            return okra_fail(-EINVAL, "share %u%s given twice (member index %u)",
                s->member_index + 1u, group_name(s, buf), s->member_index);
    g->threshold = s->member_threshold;
    g->xs[g->n] = s->member_index;
    g->ys[g->n] = s->value;
    g->n++;
    return 0;
}

static int
gather(const struct slip39_share *shares, size_t n, struct group g[MAX_GROUPS])
{
    size_t i;
    int    rc;

    if (n == 0)
        return okra_fail(-EINVAL, "no shares given");
    if (n > MAX_COMBINE)
        return okra_fail(-EINVAL, "%zu shares given; a set has at most %d", n, MAX_COMBINE);
    memset(g, 0, MAX_GROUPS * sizeof *g);
    for (i = 0; i < n; i++) {
        if ((rc = slip39_check_share(&shares[i])) < 0
            || (rc = check_same_set(&shares[0], &shares[i])) < 0
            || (rc = add_share(&g[shares[i].group_index], &shares[i])) < 0)
            return rc;
    }
    return 0;
}

/* Enough complete groups, and no incomplete one. Returns the complete count. */
static int
check_quorum(const struct group g[MAX_GROUPS], const struct slip39_share *s)
{
    int complete = 0, partial = -1, i;

    for (i = 0; i < MAX_GROUPS; i++) {
        if (g[i].n >= g[i].threshold && g[i].n > 0)
            complete++;
        else if (g[i].n > 0 && partial < 0)
            partial = i;
    }
    if (s->group_count == 1 && complete == 0)
        return okra_fail(-EINVAL, "%u shares needed, %u given (%u more)", g[partial].threshold,
            g[partial].n, g[partial].threshold - g[partial].n);
    if (complete < s->group_threshold && partial >= 0)
        return okra_fail(-EINVAL,
            "%u groups needed, %d complete given; group %d has %u of the %u shares it needs",
            s->group_threshold, complete, partial + 1, g[partial].n, g[partial].threshold);
    if (complete < s->group_threshold)
        return okra_fail(-EINVAL, "%u groups needed, %d given (%d more)", s->group_threshold,
            complete, s->group_threshold - complete);
    if (partial >= 0)
        return okra_fail(-EINVAL,
            "group %d has %u of the %u shares it needs; give them all or leave the group out",
            partial + 1, g[partial].n, g[partial].threshold);
    return complete;
}

struct combine_work {
    uint8_t gv[MAX_GROUPS][SLIP39_MAX_SECRET];
    uint8_t ems[SLIP39_MAX_SECRET];
};

/* Each group's share from its members, then the EMS from the group shares. */
static int
recover_two_levels(
    const struct group g[MAX_GROUPS], const struct slip39_share *s, struct combine_work *w)
{
    const uint8_t *gys[MAX_GROUPS];
    uint8_t        gxs[MAX_GROUPS];
    size_t         m = 0;
    int            i, rc;

    for (i = 0; i < MAX_GROUPS; i++) {
        if (g[i].n == 0)
            continue;
        if ((rc = shamir_recover_secret(
                 g[i].threshold, g[i].n, g[i].xs, g[i].ys, s->value_len, w->gv[i]))
            < 0)
            return s->group_count > 1 ? prefix_error(rc, "group", (size_t)i + 1) : rc;
        gxs[m] = (uint8_t)i;
        gys[m++] = w->gv[i];
    }
    return shamir_recover_secret(s->group_threshold, m, gxs, gys, s->value_len, w->ems);
}

int
slip39_combine_ems(const struct slip39_share *shares, size_t n, uint8_t *ret_ems, size_t *ret_len)
{
    struct group         g[MAX_GROUPS];
    struct combine_work *w;
    int                  rc;

    if ((rc = gather(shares, n, g)) < 0 || (rc = check_quorum(g, &shares[0])) < 0)
        return rc;
    if ((w = secmem_alloc(sizeof *w)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if ((rc = recover_two_levels(g, &shares[0], w)) == 0) {
        memcpy(ret_ems, w->ems, shares[0].value_len);
        *ret_len = shares[0].value_len;
    }
    secmem_free(w);
    return rc;
}

int
slip39_combine(const struct slip39_share *shares, size_t n, const char *passphrase,
    uint8_t *ret_secret, size_t *ret_len)
{
    uint8_t *ems;
    size_t   len = 0;
    int      rc;

    if ((ems = secmem_alloc(SLIP39_MAX_SECRET)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if ((rc = slip39_combine_ems(shares, n, ems, &len)) == 0
        && (rc = slip39_decrypt(ems, len, passphrase, shares[0].iteration_exponent,
                shares[0].identifier, shares[0].extendable, ret_secret))
            == 0)
        *ret_len = len;
    secmem_free(ems);
    return rc;
}

int
slip39_combine_mnemonics(const char *const *mnemonics, size_t n, const char *passphrase,
    uint8_t *ret_secret, size_t *ret_len)
{
    struct slip39_share *shares;
    size_t               i;
    int                  rc = 0;

    if (n == 0)
        return okra_fail(-EINVAL, "no shares given");
    if (n > MAX_COMBINE)
        return okra_fail(-EINVAL, "%zu shares given; a set has at most %d", n, MAX_COMBINE);
    if ((shares = secmem_alloc(n * sizeof *shares)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    for (i = 0; i < n && rc == 0; i++)
        if ((rc = slip39_decode(mnemonics[i], &shares[i])) < 0 && n > 1)
            prefix_error(rc, "mnemonic", i + 1);
    if (rc == 0)
        rc = slip39_combine(shares, n, passphrase, ret_secret, ret_len);
    secmem_free(shares);
    return rc;
}

static int
check_split(uint8_t threshold, uint8_t count)
{
    if (count < 1 || count > SLIP39_MAX_SHARES)
        return okra_fail(-EINVAL, "%u shares cannot be made (1 to %d)", count, SLIP39_MAX_SHARES);
    if (threshold < 1 || threshold > count)
        return okra_fail(-EINVAL, "threshold %u is not possible with %u shares (1 to %u)",
            threshold, count, count);
    return 0;
}

struct split_work {
    uint8_t             ems[SLIP39_MAX_SECRET];
    uint8_t             values[SLIP39_MAX_SHARES][SLIP39_MAX_SECRET];
    struct slip39_share share;
};

/* One group (threshold 1 of 1: its group share is the EMS), split among count members. */
static int
split_members(struct split_work *w, size_t len, uint8_t e, bool ext, uint16_t id, uint8_t threshold,
    uint8_t count, char (*ret_mnemonics)[SLIP39_MNEMONIC_MAX])
{
    uint8_t i;
    int     rc;

    if ((rc = shamir_split_secret(threshold, count, w->ems, len, &w->values[0][0])) < 0)
        return rc;
    for (i = 0; i < count && rc == 0; i++) {
        w->share = (struct slip39_share) {
            .identifier = id,
            .extendable = ext,
            .iteration_exponent = e,
            .group_index = 0,
            .group_threshold = 1,
            .group_count = 1,
            .member_index = i,
            .member_threshold = threshold,
            .value_len = (uint8_t)len,
        };
        memcpy(w->share.value, &w->values[0][0] + (size_t)i * len, len);
        rc = slip39_encode(&w->share, ret_mnemonics[i]);
    }
    return rc;
}

int
slip39_split(const uint8_t *secret, size_t len, const char *passphrase, uint8_t iteration_exponent,
    bool extendable, uint8_t threshold, uint8_t count, uint16_t *ret_identifier,
    char (*ret_mnemonics)[SLIP39_MNEMONIC_MAX])
{
    struct split_work *w;
    uint16_t           id;
    int                rc;

    if ((rc = check_split(threshold, count)) < 0 || (rc = okra_crypto_init()) < 0)
        return rc;
    if ((w = secmem_alloc(sizeof *w)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    id = (uint16_t)randombytes_uniform(0x8000);
    if ((rc = slip39_encrypt(secret, len, passphrase, iteration_exponent, id, extendable, w->ems))
        == 0)
        rc = split_members(
            w, len, iteration_exponent, extendable, id, threshold, count, ret_mnemonics);
    secmem_free(w);
    if (rc < 0)
        sodium_memzero(ret_mnemonics, (size_t)count * SLIP39_MNEMONIC_MAX);
    else if (ret_identifier != NULL)
        *ret_identifier = id;
    return rc;
}
