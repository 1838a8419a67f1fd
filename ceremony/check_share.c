/* check_share.c: one custodian's share against the vault's records (check_share.h). */
#include "ceremony/check_share.h"

#include <string.h>

/* The share against the vault's records; 0, or a negative code after saying why. */
static int
judge(const struct cer_ui *ui, struct vault *v, const struct cer_sets *sets, struct cer_share *s)
{
    const struct share_text *t = s->text;
    const struct cer_set    *set;
    uint64_t                 in;
    unsigned                 idx = s->share->member_index;

    if (!t->bare && strcmp(t->vault_id, v->vault_id) != 0) {
        cer_say(ui, CER_SAY_ERROR, "%s: is a share of another vault (%s), not of %s (%s)",
                s->label, t->vault_id, v->dir, v->vault_id);
        return -EINVAL;
    }
    if (cer_sets_is_retired(sets, s->share->identifier, &in)) {
        cer_say(ui, CER_SAY_ERROR, "%s: share set %u was retired by the reshare in bundle %llu; "
                "destroy this share file and its paper backup: okra refuses it, but outside "
                "okra it still combines with the other shares of its set into the recovery key "
                "(the custodian's new share file replaces it)", s->label, s->share->identifier,
                (unsigned long long) in);
        return -EINVAL;
    }
    if ((set = cer_sets_find(sets, s->share->identifier)) == NULL) {
        cer_say(ui, CER_SAY_ERROR, "%s: its share set %u was not issued by this vault", s->label,
                s->share->identifier);
        return -EINVAL;
    }
    if (set->threshold != s->share->member_threshold || idx >= set->n_custodians ||
        (!t->bare && (t->count != set->n_custodians ||
                      strcmp(t->custodian, set->custodians[idx]) != 0))) {
        cer_say(ui, CER_SAY_ERROR, "%s: its lines disagree with the vault's record of set %u "
                "(bundle %llu)", s->label, set->id, (unsigned long long) set->issued_in);
        return -EINVAL;
    }
    return 0;
}

int
cer_check_share(const struct cer_ui *ui, struct vault *v, const struct cer_sets *sets,
                char *label, struct cer_checked *ret)
{
    struct cer_share *s = cer_quorum_read(ui, NULL, &label, 1);
    const char       *p;
    int               rc;

    memset(ret, 0, sizeof *ret);
    if (s == NULL)
        return -ECANCELED;
    if (!s->usable || (rc = judge(ui, v, sets, s)) < 0) {
        cer_quorum_free(s, 1);
        return -EINVAL;
    }
    ret->share = s;
    ret->set = cer_sets_find(sets, s->share->identifier);
    ret->custodian = ret->set->custodians[s->share->member_index];
    ret->words = 1;
    for (p = s->text->mnemonic; *p; p++)
        ret->words += *p == ' ';
    return 0;
}
