/*
 * quorum.c: the shares custodians bring, read and judged (quorum.h).
 *
 * In two passes: first every share's bytes are read (a paper backup's
 * mnemonic is decoded at once, it asks nothing), so that a missing file is
 * named, and too few shares refused, before anyone types a passphrase; then
 * each share file's passphrase is asked, in the order given.
 */
#include "ceremony/quorum.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A share file's bytes between the two passes (secure memory): still under its passphrase. */
struct sealed {
    char  *data;
    size_t len;
};

static const char *
base_name(const char *path)
{
    const char *b = strrchr(path, '/');

    return b && b[1] ? b + 1 : path;
}

static void
set_why(struct cer_share *s, const char *why)
{
    snprintf(s->why, sizeof s->why, "%s", why);
    s->usable = false;
}

/* Says why each share left out since the last call was left out, once. */
static void
say_left_out(const struct cer_ui *ui, struct cer_share *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!s[i].usable && !s[i].reported && s[i].why[0]) {
            cer_say(ui, CER_SAY_ERROR, "%s: %s", s[i].label, s[i].why);
            s[i].reported = true;
        }
}

/* Keeps the share's text only while it is in the running. */
static void
settle(struct cer_share *s)
{
    if (s->why[0] == '\0')
        cer_share_decode(s);
    if (!s->usable) {
        secmem_free(s->text);
        s->text = NULL;
    }
}

/* Pass one: the bytes; a share file is kept sealed in *ret, anything else is judged now. */
static void
load_one(const struct cer_share_source *src, struct cer_share *s, struct sealed *ret)
{
    char  *data = NULL;
    size_t len = 0;
    int    rc = src && src->read ? src->read(src->ctx, s->label, &data, &len) : -ENOENT;

    if (rc == -ENOENT)
        rc = fs_read_file_secure(AT_FDCWD, s->label, SHARE_FILE_MAX, &data, &len);
    if (rc < 0) {
        set_why(s, rc == -ENOENT  ? "does not exist"
                   : rc == -EISDIR ? "is a folder, not a share file"
                   : rc == -EFBIG  ? "is too large to be a share file or a mnemonic"
                   : rc == -EINVAL ? "is not a regular file"
                                   : strerror(-rc));
        return;
    }
    if ((s->text = sharefile_text_new()) == NULL) {
        secmem_free(data);
        set_why(s, "out of secure memory");
        return;
    }
    if (age_looks_like((const uint8_t *) data, len)) {
        ret->data = data;
        ret->len = len;
        s->usable = true; /* until its passphrase says otherwise */
        return;
    }
    if (sharefile_parse_text(data, len, s->text) < 0)
        set_why(s, okra_errmsg());
    secmem_free(data);
    settle(s);
}

/* Pass two: a share file's passphrase (three tries at a terminal). 0, or -ECANCELED. */
static int
open_one(const struct cer_ui *ui, struct cer_share *s, struct sealed *f)
{
    char question[SHARE_FILE_NAME_MAX + 64];
    int  tries = ui->interactive(ui->ctx) ? 3 : 1, rc = -EBADMSG;

    snprintf(question, sizeof question, "Passphrase for share file %s: ", base_name(s->label));
    while (tries-- > 0) {
        char *pw = ui->ask_secret(ui->ctx, question, false);

        if (pw == NULL)
            return -ECANCELED;
        rc = sharefile_open((const uint8_t *) f->data, f->len, pw, s->text);
        secmem_free(pw);
        if (rc != -EKEYREJECTED || tries == 0)
            break;
        cer_say(ui, CER_SAY_WARN, "%s: that passphrase does not open it; %d %s left", s->label,
                tries, tries == 1 ? "try" : "tries");
    }
    secmem_free(f->data);
    f->data = NULL;
    s->usable = false;
    if (rc < 0)
        set_why(s, okra_errmsg());
    settle(s);
    return 0;
}

/*
 * Whether the shares given can make a quorum at all: the share files may be
 * of the current set (whose threshold the verified records give), a paper
 * backup says its own set and threshold. 0, or -ENOENT after saying so.
 */
static int
enough(const struct cer_ui *ui, const struct cer_sets *sets, const struct cer_share *s,
       const struct sealed *f, size_t n)
{
    const struct cer_set *cur = sets ? cer_sets_current(sets) : NULL;
    size_t                i, j, files = 0, for_cur = 0;
    char                  names[1024];

    if (cur == NULL)
        return 0;
    for (i = 0; i < n; i++) {
        if (f[i].data)
            files++;
        else if (s[i].usable && s[i].share->identifier == cur->id)
            for_cur++;
    }
    if (files + for_cur >= cur->threshold)
        return 0;
    /* a paper backup re-split elsewhere recovers when a threshold of its own set is here */
    for (i = 0; i < n; i++) {
        size_t same = 0;

        if (f[i].data || !s[i].usable)
            continue;
        for (j = 0; j < n; j++)
            same += !f[j].data && s[j].usable &&
                    s[j].share->identifier == s[i].share->identifier;
        if (same >= s[i].share->member_threshold)
            return 0;
    }
    names[0] = '\0';
    for (i = 0; i < n; i++)
        if (f[i].data || (s[i].usable && s[i].share->identifier == cur->id)) {
            size_t len = strlen(names);

            snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", s[i].label);
        }
    cer_say(ui, CER_SAY_ERROR, "set %u needs %u shares; %zu given (%zu more needed): %s; no "
                               "passphrase was asked and nothing was decrypted", cur->id,
            cur->threshold, files + for_cur, cur->threshold - files - for_cur, names);
    return -ENOENT;
}

static void
free_sealed(struct sealed *f, size_t n)
{
    size_t i;

    for (i = 0; f && i < n; i++)
        secmem_free(f[i].data);
    free(f);
}

/* Both passes; sets (may be NULL) for the count before any passphrase. */
static int
read_shares(const struct cer_ui *ui, const struct cer_share_source *src,
            const struct cer_sets *sets, char **labels, size_t n, struct cer_share **ret)
{
    struct cer_share *s = calloc(n ? n : 1, sizeof *s);
    struct sealed    *f = calloc(n ? n : 1, sizeof *f);
    size_t            i;
    int               rc = 0;

    if (s == NULL || f == NULL) {
        free(s);
        free(f);
        cer_say(ui, CER_SAY_ERROR, "out of memory");
        return -ENOMEM;
    }
    for (i = 0; i < n; i++) {
        s[i].label = labels[i];
        load_one(src, &s[i], &f[i]);
    }
    /* named at once, so that the custodians hear of it while they are here */
    say_left_out(ui, s, n);
    rc = enough(ui, sets, s, f, n);
    for (i = 0; rc == 0 && i < n; i++)
        if (f[i].data) {
            rc = open_one(ui, &s[i], &f[i]);
            say_left_out(ui, &s[i], 1);
        }
    free_sealed(f, n);
    if (rc < 0) {
        cer_quorum_free(s, n);
        return rc;
    }
    *ret = s;
    return 0;
}

struct cer_share *
cer_quorum_read(const struct cer_ui *ui, const struct cer_share_source *src, char **labels,
                size_t n)
{
    struct cer_share *s;

    return read_shares(ui, src, NULL, labels, n, &s) == 0 ? s : NULL;
}

void
cer_quorum_free(struct cer_share *s, size_t n)
{
    if (s == NULL)
        return;
    cer_shares_clear(s, n);
    free(s);
}

int
cer_quorum(const struct cer_ui *ui, const struct cer_share_source *src, struct vault *v,
           const struct cer_sets *sets, char **labels, size_t n, struct cer_share **ret_shares,
           uint8_t **ret_identity, uint16_t *ret_set)
{
    const struct cer_set *cur = cer_sets_current(sets);
    struct cer_share     *s;
    uint8_t              *identity;
    int                   set, rc;

    if (!v->has_recipient) {
        cer_say(ui, CER_SAY_ERROR, "the vault %s has no recovery recipient; it was not made by "
                                   "'okra ceremony init'", v->dir);
        return -EINVAL;
    }
    if ((rc = read_shares(ui, src, sets, labels, n, &s)) < 0)
        return rc;
    cer_shares_screen(s, n, v->vault_id, sets, &set);
    say_left_out(ui, s, n);
    if ((identity = secmem_alloc(AGE_KEY_LEN)) == NULL) {
        cer_say(ui, CER_SAY_ERROR, "out of secure memory");
        cer_quorum_free(s, n);
        return -ENOMEM;
    }
    rc = cer_shares_combine(s, n, v->recipient, identity);
    say_left_out(ui, s, n);
    if (rc < 0) {
        if (rc == -ENODATA && cur)
            cer_say(ui, CER_SAY_ERROR, "no valid share given; %u shares of set %u are needed "
                                       "(nothing was decrypted)", cur->threshold, cur->id);
        else
            cer_say(ui, CER_SAY_ERROR, "%s (nothing was decrypted)", okra_errmsg());
        secmem_free(identity);
        cer_quorum_free(s, n);
        return rc;
    }
    *ret_shares = s;
    *ret_identity = identity;
    *ret_set = (uint16_t) set;
    return 0;
}

const char *
cer_share_custodian(const struct cer_sets *sets, const struct cer_share *s)
{
    const struct cer_set *set = cer_sets_find(sets, s->share->identifier);

    if (set && s->share->member_index < set->n_custodians)
        return set->custodians[s->share->member_index];
    if (s->text && !s->text->bare)
        return s->text->custodian;
    return NULL;
}

json_t *
cer_shares_json(const struct cer_sets *sets, const struct cer_share *s, size_t n)
{
    json_t *list = json_array();
    size_t  i;

    for (i = 0; i < n; i++) {
        const char *c;

        if (!s[i].usable)
            continue;
        c = cer_share_custodian(sets, &s[i]);
        json_array_append_new(list, json_pack("{s:o, s:i, s:i}", "custodian",
                                              c ? json_string(c) : json_null(), "index",
                                              s[i].share->member_index + 1,
                                              "set", (int) s[i].share->identifier));
    }
    return list;
}
