/* recovery.c: a quorum decrypts items into a folder, recorded (recovery.h). */
#include "ceremony/recovery.h"
#include "ceremony/paths.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"
#include "formats/formats.h"
#include "ceremony/commit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *
sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static const char *
base_of(const char *path)
{
    const char *b = path ? strrchr(path, '/') : NULL;

    return b ? b + 1 : path ? path : "?";
}

void
cer_recovery_start(struct cer_recovery *r)
{
    memset(r, 0, sizeof *r);
    r->out.dirfd = -1;
}

/* ---- before any share is asked ---- */

/* Each query to one item; every unknown one is named. Duplicates count once. */
static int
look_up(const struct cer_ui *ui, struct cer_recovery *r)
{
    size_t i, j;
    int    bad = 0;

    if ((r->items = calloc(r->n_queries ? r->n_queries : 1, sizeof *r->items)) == NULL) {
        cer_say(ui, CER_SAY_ERROR, "out of memory");
        return -ENOMEM;
    }
    for (i = 0; i < r->n_queries; i++) {
        struct cer_recovery_item *it = &r->items[r->n_items];
        json_t                   *item;

        if (vindex_lookup(r->x, r->queries[i], &item) < 0) {
            cer_say_failure(ui, NULL);
            bad = 1;
            continue;
        }
        it->item = item;
        it->id = sget(item, "id");
        it->bundle = (uint64_t) json_integer_value(json_object_get(item, "bundle"));
        if (it->id == NULL) {
            json_decref(item);
            bad = 1;
            continue;
        }
        for (j = 0; j < r->n_items; j++)
            if (strcmp(r->items[j].id, it->id) == 0)
                break;
        if (j < r->n_items) {
            json_decref(item);
            continue;
        }
        r->n_items++;
    }
    if (bad)
        cer_say(ui, CER_SAY_ERROR, "nothing was recovered; no share was asked for");
    return bad ? -ENOENT : 0;
}

/* The verified bundle seq, opened once for every item in it. */
static struct trusted_bundle *
open_bundle(const struct cer_ui *ui, struct cer_recovery *r, uint64_t seq)
{
    struct trusted_bundle **all, *tb;
    char                  **want;
    size_t                  i, n = 0;

    for (i = 0; i < r->n_bundles; i++)
        if (trusted_seq(r->bundles[i]) == seq)
            return r->bundles[i];
    if ((want = calloc(r->n_items, sizeof *want)) == NULL ||
        (all = realloc(r->bundles, (r->n_bundles + 1) * sizeof *all)) == NULL) {
        free(want);
        cer_say(ui, CER_SAY_ERROR, "out of memory");
        return NULL;
    }
    r->bundles = all;
    for (i = 0; i < r->n_items; i++)
        if (r->items[i].bundle == seq)
            want[n++] = (char *) r->items[i].id;
    if (trusted_open(r->v, r->x, seq, want, n, NULL, &tb) < 0) {
        free(want);
        cer_say_failure(ui, NULL);
        return NULL;
    }
    free(want);
    r->bundles[r->n_bundles++] = tb;
    return tb;
}

/*
 * Every fact the recovery acts on, from the verified manifests: the index's
 * candidate must be in the bundle it names, with a well-formed id; its
 * payloads, its name and its format come from there.
 */
static int
verify_items(const struct cer_ui *ui, struct cer_recovery *r)
{
    size_t i;

    for (i = 0; i < r->n_items; i++) {
        struct cer_recovery_item *it = &r->items[i];

        if ((it->tb = open_bundle(ui, r, it->bundle)) == NULL) {
            cer_say(ui, CER_SAY_ERROR, "nothing was recovered; no share was asked for");
            return -EBADMSG;
        }
        if ((it->verified = trusted_item(it->tb, it->id)) == NULL) {
            cer_say(ui, CER_SAY_ERROR, "item %s: bundle %llu does not hold it, although "
                    "index.sqlite says so (the index was edited); nothing was recovered: run "
                    "'okra verify', then 'okra reindex'", it->id, (unsigned long long) it->bundle);
            return -EBADMSG;
        }
        it->id = sget(it->verified, "id");
        it->payload = sget(it->verified, "payload");
        it->opened = sget(it->verified, "opened");
        it->format = sget(it->verified, "format");
        it->source = sget(json_object_get(it->verified, "source"), "path");
        cer_out_name(it->id, it->source, r->repassword, it->out);
    }
    return 0;
}

/* --repassword needs a key okra can open; the folder must not hold any of the names. */
static int
check_targets(const struct cer_ui *ui, struct cer_recovery *r)
{
    size_t i;
    int    bad = 0;

    if (!cer_dirs_apart(r->out_dir, r->v->dir, r->v->dirfd)) {
        cer_say(ui, CER_SAY_ERROR, "--out %s and the vault %s must be apart (a link into the "
                "vault counts): recovered keys never go into the vault folder", r->out_dir,
                r->v->dir);
        return -EINVAL;
    }
    if (cer_out_precheck(r->out_dir) < 0) {
        cer_say_failure(ui, NULL);
        return -EINVAL;
    }
    for (i = 0; i < r->n_items; i++) {
        const struct cer_recovery_item *it = &r->items[i];
        char                            path[4096];
        struct stat                     st;

        if (r->repassword && !it->opened && it->format &&
            (!strcmp(it->format, "epf") || !strcmp(it->format, "kms"))) {
            cer_say(ui, CER_SAY_ERROR, "item %s is an opaque %s file, which okra cannot open to "
                    "re-export; recover it without --repassword", it->id, it->format);
            bad = 1;
        }
        snprintf(path, sizeof path, "%s/%s", r->out_dir, it->out);
        if (lstat(path, &st) == 0) {
            cer_say(ui, CER_SAY_ERROR, "%s exists already; okra never overwrites a file (move it "
                    "away or choose another --out)", path);
            bad = 1;
        }
    }
    return bad ? -EEXIST : 0;
}

int
cer_recovery_prepare(const struct cer_ui *ui, struct cer_recovery *r)
{
    int rc;

    if ((rc = look_up(ui, r)) < 0 || (rc = verify_items(ui, r)) < 0 ||
        (rc = check_targets(ui, r)) < 0)
        return rc;
    if ((rc = cer_sets_load(r->v, r->x, &r->sets)) < 0) {
        cer_say_failure(ui, "the vault's ceremony records");
        return rc;
    }
    return 0;
}

unsigned
cer_recovery_shares_needed(const struct cer_recovery *r)
{
    const struct cer_set *cur = cer_sets_current(&r->sets);
    unsigned              need = cur ? cur->threshold : 1;

    return r->n_shares >= need ? 0 : need - (unsigned) r->n_shares;
}

/* ---- the items, decrypted and staged ---- */

static int
fd_sink(void *ctx, const uint8_t *p, size_t n)
{
    int rc = fs_write_full(*(int *) ctx, p, n);

    return rc < 0 ? okra_fail_errno(-rc, "cannot write the recovered file") : 0;
}

/* cer_out_begin; a staged file with a name is removed if a signal ends okra before it is published. */
static int
begin_file(const struct cer_ui *ui, struct cer_recovery *r, const char *name, int *fd)
{
    int rc = cer_out_begin(&r->out, name, fd);

    /* an unnamed (O_TMPFILE) file needs no removing */
    if (rc == 0 && r->out.files[r->out.n - 1].tmp[0])
        cer_litter(ui, r->out.dirfd, r->out.files[r->out.n - 1].tmp, false);
    return rc;
}

static int
stage_bytes(const struct cer_ui *ui, struct cer_recovery *r, const char *name, const uint8_t *p,
            size_t n)
{
    int fd, rc;

    if ((rc = begin_file(ui, r, name, &fd)) < 0)
        return rc;
    if ((rc = fd_sink(&fd, p, n)) < 0) {
        cer_out_drop_last(&r->out, fd);
        return rc;
    }
    return cer_out_end(&r->out, fd);
}

/* The original bytes: out of secure memory only once their payload's hash held. */
static int
stage_original(const struct cer_ui *ui, struct cer_recovery *r, const uint8_t *identity,
               const struct cer_recovery_item *it)
{
    struct secbuf plain = { 0 };
    int           rc = trusted_decrypt(it->tb, it->payload, identity, &plain);

    if (rc == 0)
        rc = stage_bytes(ui, r, it->out, plain.p, plain.len);
    secbuf_free(&plain);
    return rc;
}

/* The opened key of an item sealed without --inspect: asks its old export password. */
static int
open_with_old_password(const struct cer_ui *ui, const uint8_t *identity,
                       const struct cer_recovery_item *it, struct secbuf *opened)
{
    struct secbuf     orig = { 0 };
    struct fmt_detect d;
    struct fmt_info   info;
    char              q[512];
    int               rc, tries = ui->interactive(ui->ctx) ? 3 : 1;

    if ((rc = trusted_decrypt(it->tb, it->payload, identity, &orig)) < 0)
        return rc;
    fmt_detect(orig.p, orig.len, orig.len, &d);
    if (d.kind == FMT_NONE || !d.inspectable) {
        secbuf_free(&orig);
        return okra_fail(-EINVAL, "its format (%s) cannot be opened to re-export",
                         d.name ? d.name : "unknown");
    }
    snprintf(q, sizeof q, "Old export password of %s (%s): ", it->id, base_of(it->source));
    do {
        char *pw = d.password ? ui->ask_secret(ui->ctx, q, false) : NULL;

        if (d.password && pw == NULL) {
            secbuf_free(&orig);
            return -ECANCELED;
        }
        memset(&info, 0, sizeof info);
        rc = fmt_inspect(orig.p, orig.len, &d, pw, &info, opened);
        fmt_info_free(&info);
        secmem_free(pw);
        if (rc == -EBADMSG && --tries > 0)
            cer_say(ui, CER_SAY_WARN, "item %s: that is not its export password; %d %s left",
                    it->id, tries, tries == 1 ? "try" : "tries");
    } while (rc == -EBADMSG && tries > 0 && d.password);
    secbuf_free(&orig);
    if (rc == -EBADMSG)
        return okra_fail(-EBADMSG, "wrong old export password");
    return rc;
}

static int
stage_pfx(const struct cer_ui *ui, struct cer_recovery *r, const uint8_t *identity,
          const struct cer_recovery_item *it)
{
    struct secbuf opened = { 0 }, pfx = { 0 };
    char          q[512], *pw = NULL;
    int           rc;

    if (it->opened)
        rc = trusted_decrypt(it->tb, it->opened, identity, &opened);
    else
        rc = open_with_old_password(ui, identity, it, &opened);
    if (rc == 0) {
        snprintf(q, sizeof q, "New export password for %s: ", it->out);
        if ((pw = ui->ask_secret(ui->ctx, q, true)) == NULL)
            rc = -ECANCELED;
        else if (*pw == '\0')
            rc = okra_fail(-EINVAL, "the new export password is empty; choose one");
    }
    if (rc == 0 && (rc = fmt_reexport(opened.p, opened.len, pw, r->legacy, &pfx)) == 0)
        rc = stage_bytes(ui, r, it->out, pfx.p, pfx.len);
    secmem_free(pw);
    secbuf_free(&opened);
    secbuf_free(&pfx);
    return rc;
}

/* The output folder, opened and decided on again as opened: a link swapped in meanwhile counts. */
static int
open_out(const struct cer_ui *ui, struct cer_recovery *r)
{
    if (r->repassword && fmt_init() < 0) {
        cer_say_failure(ui, NULL);
        return -EIO;
    }
    if (cer_out_open(r->out_dir, &r->out) < 0) {
        cer_say_failure(ui, NULL);
        return -EIO;
    }
    if (fs_dir_beneath(r->out.dirfd, r->v->dirfd) == 1 ||
        fs_dir_beneath(r->v->dirfd, r->out.dirfd) == 1) {
        cer_say(ui, CER_SAY_ERROR, "--out %s leads into the vault's folder; nothing was decrypted",
                r->out_dir);
        return -EINVAL;
    }
    return 0;
}

/* Every item into a staged file, with a progress line; identity is wiped by the caller. */
static int
decrypt_items(const struct cer_ui *ui, struct cer_recovery *r, const uint8_t *identity)
{
    size_t i;
    int    rc;

    if ((rc = open_out(ui, r)) < 0)
        return rc;
    cer_progress(ui, "items", 0, r->n_items);
    for (i = 0; rc == 0 && i < r->n_items; i++) {
        const struct cer_recovery_item *it = &r->items[i];

        rc = r->repassword ? stage_pfx(ui, r, identity, it) : stage_original(ui, r, identity, it);
        if (rc < 0 && rc != -ECANCELED)
            cer_say(ui, CER_SAY_ERROR, "item %s (%s): %s; nothing was written and nothing "
                    "recorded", it->id, base_of(it->source), okra_errmsg());
        cer_progress(ui, "items", rc < 0 ? r->n_items : i + 1, r->n_items);
    }
    return rc;
}

/* ---- the record ---- */

const char *
cer_recovery_as(const struct cer_recovery *r)
{
    return !r->repassword ? "original" : r->legacy ? "pfx-legacy" : "pfx";
}

static int
commit_record(const struct cer_ui *ui, struct cer_recovery *r)
{
    json_t *list = json_array(), *extra;
    size_t  i;
    int     rc;

    for (i = 0; i < r->n_items; i++)
        json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "id", r->items[i].id, "bundle",
                                              (json_int_t) r->items[i].bundle, "as",
                                              cer_recovery_as(r)));
    extra = cer_sets_json_recovery(list, cer_shares_json(&r->sets, r->given, r->n_shares),
                                   cer_sets_find(&r->sets, r->set) != NULL);
    rc = cer_commit(ui, r->v, r->x, "recovery", r->operator_name, extra,
                    "the recovered files were removed", &r->seq, r->sums);
    json_decref(list);
    json_decref(extra);
    return rc;
}

int
cer_recovery_run(const struct cer_ui *ui, struct cer_recovery *r)
{
    uint8_t *identity = NULL;
    int      rc;

    if ((rc = cer_quorum(ui, r->src, r->v, &r->sets, r->shares, r->n_shares, &r->given, &identity,
                         &r->set)) < 0)
        return rc;
    rc = decrypt_items(ui, r, identity);
    secmem_free(identity); /* wiped: the last payload is decrypted */
    if (rc < 0 || (rc = commit_record(ui, r)) < 0)
        return rc;
    rc = cer_out_publish(&r->out);
    cer_litter_forget(ui);
    if (rc < 0)
        cer_say(ui, CER_SAY_ERROR, "%s (the recovery is recorded in bundle %llu)", okra_errmsg(),
                (unsigned long long) r->seq);
    return rc;
}

void
cer_recovery_free(struct cer_recovery *r)
{
    size_t i;

    cer_out_close(&r->out);
    cer_quorum_free(r->given, r->n_shares);
    r->given = NULL;
    cer_sets_free(&r->sets);
    for (i = 0; i < r->n_items; i++)
        json_decref(r->items[i].item);
    free(r->items);
    r->items = NULL;
    for (i = 0; i < r->n_bundles; i++)
        trusted_close(r->bundles[i]);
    free(r->bundles);
    r->bundles = NULL;
}
