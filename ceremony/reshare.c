/* reshare.c: a quorum issues a new set; the old one is retired (reshare.h). */
#include "ceremony/reshare.h"
#include "common/err.h"
#include "common/secmem.h"
#include "ceremony/commit.h"

#include <string.h>

void
cer_reshare_start(struct cer_reshare *r)
{
    memset(r, 0, sizeof *r);
    cer_newset_init(&r->set);
}

/* The signed record that retires the old sets; 0, or a negative code after saying why. */
static int
commit_record(const struct cer_ui *ui, struct cer_reshare *r)
{
    bool    here = cer_sets_find(&r->sets, r->old_set) != NULL;
    json_t *set = cer_sets_json_set(r->set.id, r->set.m, r->set.names, r->set.n);
    json_t *shares = cer_shares_json(&r->sets, r->given, r->n_shares);
    json_t *extra = NULL;
    int     rc;

    r->retired = cer_sets_json_retired(&r->sets, r->old_set);
    if (set && shares && r->retired)
        extra = cer_sets_json_reshare(set, r->v->station_keyid, r->retired, shares, here);
    rc = cer_commit(ui, r->v, r->x, "reshare", r->operator_name, extra,
                    "the new share files were removed and the old set stays valid", &r->seq,
                    r->sums);
    json_decref(set);
    json_decref(shares);
    json_decref(extra);
    return rc;
}

int
cer_reshare_run(const struct cer_ui *ui, struct cer_reshare *r)
{
    uint8_t *identity = NULL;
    int      rc;

    if ((rc = cer_sets_load(r->v, r->x, &r->sets)) < 0) {
        cer_say_failure(ui, "the vault's ceremony records");
        return rc;
    }
    if ((rc = cer_quorum(ui, NULL, r->v, &r->sets, r->shares, r->n_shares, &r->given, &identity,
                         &r->old_set)) < 0)
        return rc;
    rc = cer_newset_split_and_ask(ui, &r->set, identity, &r->sets, r->old_set);
    secmem_free(identity); /* wiped: the new set is all that is needed */
    if (rc < 0)
        return rc;
    if ((rc = cer_newset_write_and_roll_call(ui, &r->set, r->v->vault_id, r->v->dirfd)) < 0) {
        cer_say(ui, CER_SAY_ERROR, "nothing was committed; the old share set stays valid");
        return rc;
    }
    if ((rc = commit_record(ui, r)) < 0) {
        cer_newset_remove_files(ui, &r->set);
        return rc;
    }
    cer_litter_forget(ui); /* the share files are recorded now */
    cer_newset_free(&r->set);
    return 0;
}

void
cer_reshare_free(struct cer_reshare *r)
{
    cer_newset_free(&r->set);
    cer_quorum_free(r->given, r->n_shares);
    r->given = NULL;
    cer_sets_free(&r->sets);
    json_decref(r->retired);
    r->retired = NULL;
}
