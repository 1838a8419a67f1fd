/*
 * okra ceremony recover: a quorum of shares decrypts items into a folder.
 *
 * Order: the items are looked up in the index, which only says where to
 * look; each bundle they are in is then opened once and verified whole
 * through the trust boundary (vault/trusted.h), and every fact the
 * recovery acts on (the item's id, its payloads, its name, its format) is
 * taken from that verified manifest. A bundle that does not verify is named
 * and nothing is asked, decrypted or recorded. Then --out is checked (apart
 * from the vault, decided on the opened folders; none of the output names
 * taken) before any share is asked for; then the shares (in --share order),
 * combined and checked against the vault's recipient before anything is
 * decrypted; then, item by item, the payload is read again from the same
 * descriptor, re-hashed against the verified SHA256SUMS as it is decrypted
 * into secure memory, and only then staged in --out (with --repassword: an
 * old export password when the item was not inspected, a new one, and a
 * fresh PKCS #12). The identity is wiped as soon as the last payload is
 * decrypted.
 *
 * Fail closed: the staged files get their names only after the signed
 * 'recovery' bundle is committed. If anything fails before (a wrong old
 * password, a damaged payload, a full disk, the commit itself), every staged
 * file is removed and nothing is recorded, so no key leaves the vault
 * without its record.
 */
#include "cli/ceremony.h"
#include "cli/vault_access.h"
#include "ceremony/recover.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "formats/formats.h"
#include "vault/bundle.h"
#include "vault/checkpoint.h"
#include "vault/index.h"
#include "vault/trusted.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct rec_item {
    json_t                *item;   /* the index's candidate, with "bundle": where to look */
    const char            *id;     /* from here on, from the verified manifest: */
    uint64_t               bundle;
    struct trusted_bundle *tb;     /* the verified bundle (rec's) */
    json_t                *verified; /* its manifest entry (the bundle's) */
    const char            *payload;
    const char            *opened; /* NULL when not inspected */
    const char            *source; /* source.path */
    char                   out[CER_OUT_NAME_MAX];
};

struct rec {
    char           **shares;
    size_t           n_shares;
    bool             watch; /* --watch: more shares from the custodians' media */
    struct ceremony_watch media;
    size_t           n_match;
    const char      *out_dir;
    bool             repassword, legacy;
    const char      *operator_name;
    const char      *pdf, *paper; /* --pdf FILE, --paper: the record, printable */
    char           **queries;
    size_t           n_queries;
    struct rec_item *items;
    size_t           n_items;
    struct trusted_bundle **bundles; /* each bundle the items are in, verified once */
    size_t           n_bundles;
    /* during the ceremony */
    struct vault     *v;
    struct vindex    *x;
    struct cer_sets   sets;
    struct cer_share *given;
    uint8_t          *identity;
    uint16_t          set;
    struct cer_out    out;
};

static int
recover_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct rec *r = ctx;

    switch (key) {
    case OPT_SHARE: r->shares[r->n_shares++] = (char *) value; break;
    case OPT_OUT: r->out_dir = value; break;
    case OPT_REPASSWORD: r->repassword = true; break;
    case OPT_LEGACY: r->legacy = true; break;
    case OPT_OPERATOR: r->operator_name = value; break;
    case OPT_WATCH: r->watch = true; break;
    case OPT_MATCH:
        if (mw_match_parse(value, &r->media.match[r->media.n_match]) < 0)
            return cli_bad_value(cli, key, value, "a udev property and a pattern, e.g. ID_BUS=usb");
        r->media.n_match++;
        break;
    case OPT_PDF: r->pdf = value; break;
    case OPT_PAPER: r->paper = value; break;
    }
    return 0;
}

static int
parse_recover(struct cli *cli, int argc, char **argv, struct rec *r)
{
    int first, rc;

    if ((r->shares = calloc((size_t) argc + 1, sizeof *r->shares)) == NULL ||
        (r->media.match = calloc((size_t) argc + 1, sizeof *r->media.match)) == NULL)
        return EXIT_FAIL;
    if ((rc = cli_parse_options(cli, argc, argv, recover_option, r, &first)) != 0)
        return rc;
    r->queries = argv + first;
    r->n_queries = (size_t) (argc - first);
    if (r->n_shares == 0 && !r->watch)
        return cli_usage(cli, "give the shares with --share FILE (one per custodian present), or "
                              "--watch to read them from the custodians' media");
    if (!r->watch && r->media.n_match)
        return cli_usage(cli, "--match goes with --watch");
    if (r->n_queries == 0)
        return cli_usage(cli, "name at least one ITEM to recover (see 'okra list')");
    if (r->legacy && !r->repassword)
        return cli_usage(cli, "--legacy goes with --repassword");
    return 0;
}

static const char *
sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Each query to one item; every unknown one is named. Duplicates count once. */
static int
look_up(struct rec *r)
{
    size_t i, j;
    int    bad = 0;

    if ((r->items = calloc(r->n_queries, sizeof *r->items)) == NULL)
        return -1;
    for (i = 0; i < r->n_queries; i++) {
        struct rec_item *it = &r->items[r->n_items];
        json_t          *item;

        if (vindex_lookup(r->x, r->queries[i], &item) < 0) {
            cli_error("%s", okra_errmsg());
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
    return bad ? -1 : 0;
}

/* The verified bundle seq, opened once for every item in it. */
static struct trusted_bundle *
open_bundle(struct rec *r, uint64_t seq)
{
    struct trusted_bundle **all, *tb;
    char                  **want;
    size_t                  i, n = 0;
    int                     rc;

    for (i = 0; i < r->n_bundles; i++)
        if (trusted_seq(r->bundles[i]) == seq)
            return r->bundles[i];
    if ((want = calloc(r->n_items, sizeof *want)) == NULL ||
        (all = realloc(r->bundles, (r->n_bundles + 1) * sizeof *all)) == NULL) {
        free(want);
        cli_error("out of memory");
        return NULL;
    }
    r->bundles = all;
    for (i = 0; i < r->n_items; i++)
        if (r->items[i].bundle == seq)
            want[n++] = (char *) r->items[i].id;
    rc = trusted_open(r->v, r->x, seq, want, n, NULL, &tb);
    free(want);
    if (rc < 0) {
        cli_error_from(NULL);
        return NULL;
    }
    r->bundles[r->n_bundles++] = tb;
    return tb;
}

/*
 * Every fact the recovery acts on, from the verified manifests: the index's
 * candidate must be in the bundle it names, with a well-formed id; its
 * payloads, its name and its format come from there.
 */
static int
verify_items(struct rec *r)
{
    size_t i;

    for (i = 0; i < r->n_items; i++) {
        struct rec_item *it = &r->items[i];

        if ((it->tb = open_bundle(r, it->bundle)) == NULL) {
            cli_error("nothing was recovered; no share was asked for");
            return -1;
        }
        if ((it->verified = trusted_item(it->tb, it->id)) == NULL) {
            cli_error("item %s: bundle %llu does not hold it, although index.sqlite says so "
                      "(the index was edited); nothing was recovered: run 'okra verify', then "
                      "'okra reindex'", it->id, (unsigned long long) it->bundle);
            return -1;
        }
        it->id = sget(it->verified, "id");
        it->payload = sget(it->verified, "payload");
        it->opened = sget(it->verified, "opened");
        it->source = sget(json_object_get(it->verified, "source"), "path");
        cer_out_name(it->id, it->source, r->repassword, it->out);
    }
    return 0;
}

/* --repassword needs a key okra can open; --out must not hold any of the names. */
static int
check_targets(struct rec *r)
{
    size_t i;
    int    bad = 0;

    if (!cli_dirs_apart(r->out_dir, r->v->dir, r->v->dirfd)) {
        cli_error("--out %s and the vault %s must be apart (a link into the vault counts): "
                  "recovered keys never go into the vault folder", r->out_dir, r->v->dir);
        return -1;
    }
    if (cer_out_precheck(r->out_dir) < 0) {
        cli_error_from(NULL);
        return -1;
    }
    for (i = 0; i < r->n_items; i++) {
        const char *fmt = sget(r->items[i].verified, "format");
        char        path[4096];
        struct stat st;

        if (r->repassword && !r->items[i].opened && fmt &&
            (!strcmp(fmt, "epf") || !strcmp(fmt, "kms"))) {
            cli_error("item %s is an opaque %s file, which okra cannot open to re-export; "
                      "recover it without --repassword", r->items[i].id, fmt);
            bad = 1;
        }
        snprintf(path, sizeof path, "%s/%s", r->out_dir, r->items[i].out);
        if (lstat(path, &st) == 0) {
            cli_error("%s exists already; okra never overwrites a file (move it away or choose "
                      "another --out)", path);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

static int
fd_sink(void *ctx, const uint8_t *p, size_t n)
{
    int rc = fs_write_full(*(int *) ctx, p, n);

    return rc < 0 ? okra_fail_errno(-rc, "cannot write the recovered file") : 0;
}

/* Stages bytes (already in memory) under name. */
/* cer_out_begin, and the staged file is removed if a signal ends okra before it is published. */
static int
begin_file(struct rec *r, const char *name, int *fd)
{
    int rc = cer_out_begin(&r->out, name, fd);

    /* an unnamed (O_TMPFILE) file needs no removing */
    if (rc == 0 && r->out.files[r->out.n - 1].tmp[0])
        cli_litter_add(r->out.dirfd, r->out.files[r->out.n - 1].tmp);
    return rc;
}

static int
stage_bytes(struct rec *r, const char *name, const uint8_t *p, size_t n)
{
    int fd, rc;

    if ((rc = begin_file(r, name, &fd)) < 0)
        return rc;
    if ((rc = fd_sink(&fd, p, n)) < 0) {
        cer_out_drop_last(&r->out, fd);
        return rc;
    }
    return cer_out_end(&r->out, fd);
}

/* The original bytes: out of secure memory only once their payload's hash held. */
static int
stage_original(struct rec *r, const struct rec_item *it)
{
    struct secbuf plain = { 0 };
    int           rc = trusted_decrypt(it->tb, it->payload, r->identity, &plain);

    if (rc == 0)
        rc = stage_bytes(r, it->out, plain.p, plain.len);
    secbuf_free(&plain);
    return rc;
}

static const char *
base_of(const char *path)
{
    const char *b = path ? strrchr(path, '/') : NULL;

    return b ? b + 1 : path ? path : "?";
}

/* The opened key of an item sealed without --inspect: asks its old export password. */
static int
open_with_old_password(struct cli *cli, struct rec *r, const struct rec_item *it,
                       struct secbuf *opened)
{
    struct secbuf    orig = { 0 };
    struct fmt_detect d;
    struct fmt_info   info;
    char              q[512];
    int               rc, tries = cli_interactive(cli) ? 3 : 1;

    if ((rc = trusted_decrypt(it->tb, it->payload, r->identity, &orig)) < 0)
        return rc;
    fmt_detect(orig.p, orig.len, orig.len, &d);
    if (d.kind == FMT_NONE || !d.inspectable) {
        secbuf_free(&orig);
        return okra_fail(-EINVAL, "its format (%s) cannot be opened to re-export",
                         d.name ? d.name : "unknown");
    }
    snprintf(q, sizeof q, "Old export password of %s (%s): ", it->id, base_of(it->source));
    do {
        char *pw = d.password ? cli_ask_secret(cli, q, false) : NULL;

        if (d.password && pw == NULL) {
            secbuf_free(&orig);
            return -ECANCELED;
        }
        memset(&info, 0, sizeof info);
        rc = fmt_inspect(orig.p, orig.len, &d, pw, &info, opened);
        fmt_info_free(&info);
        secmem_free(pw);
        if (rc == -EBADMSG && --tries > 0)
            cli_warn("item %s: that is not its export password; %d %s left", it->id, tries,
                     tries == 1 ? "try" : "tries");
    } while (rc == -EBADMSG && tries > 0 && d.password);
    secbuf_free(&orig);
    if (rc == -EBADMSG)
        return okra_fail(-EBADMSG, "wrong old export password");
    return rc;
}

static int
stage_pfx(struct cli *cli, struct rec *r, const struct rec_item *it)
{
    struct secbuf opened = { 0 }, pfx = { 0 };
    char          q[512], *pw = NULL;
    int           rc;

    if (it->opened)
        rc = trusted_decrypt(it->tb, it->opened, r->identity, &opened);
    else
        rc = open_with_old_password(cli, r, it, &opened);
    if (rc == 0) {
        snprintf(q, sizeof q, "New export password for %s: ", it->out);
        if ((pw = cli_ask_secret(cli, q, true)) == NULL)
            rc = -ECANCELED;
        else if (*pw == '\0')
            rc = okra_fail(-EINVAL, "the new export password is empty; choose one");
    }
    if (rc == 0 && (rc = fmt_reexport(opened.p, opened.len, pw, r->legacy, &pfx)) == 0)
        rc = stage_bytes(r, it->out, pfx.p, pfx.len);
    secmem_free(pw);
    secbuf_free(&opened);
    secbuf_free(&pfx);
    return rc;
}

/* Every item into a staged file; the identity is wiped at the end whatever happens. */
static int
decrypt_items(struct cli *cli, struct rec *r)
{
    size_t i;
    int    rc = 0;

    if (r->repassword && fmt_init() < 0) {
        cli_error_from(NULL);
        rc = -1;
    } else if (cer_out_open(r->out_dir, &r->out) < 0) {
        cli_error_from(NULL);
        rc = -1;
    } else if (fs_dir_beneath(r->out.dirfd, r->v->dirfd) == 1 ||
               fs_dir_beneath(r->v->dirfd, r->out.dirfd) == 1) {
        /* decided again on the folder as opened: a link swapped in meanwhile counts */
        cli_error("--out %s leads into the vault's folder; nothing was decrypted", r->out_dir);
        rc = -1;
    }
    for (i = 0; rc == 0 && i < r->n_items; i++) {
        const struct rec_item *it = &r->items[i];

        rc = r->repassword ? stage_pfx(cli, r, it) : stage_original(r, it);
        if (rc < 0 && rc != -ECANCELED)
            cli_error("item %s (%s): %s; nothing was written and nothing recorded", it->id,
                      base_of(it->source), okra_errmsg());
    }
    secmem_free(r->identity);
    r->identity = NULL;
    return rc < 0 ? -1 : 0;
}

static const char *
as_word(const struct rec *r)
{
    return !r->repassword ? "original" : r->legacy ? "pfx-legacy" : "pfx";
}

static json_t *
recovery_record(struct rec *r)
{
    json_t *list = json_array();
    size_t  i;

    for (i = 0; i < r->n_items; i++)
        json_array_append_new(list, json_pack("{s:s, s:I, s:s}", "id", r->items[i].id, "bundle",
                                              (json_int_t) r->items[i].bundle, "as", as_word(r)));
    return json_pack("{s:o, s:o, s:b}", "recovered", list, "shares",
                     cli_ceremony_shares_json(&r->sets, r->given, r->n_shares), "set_issued_here",
                     cer_sets_find(&r->sets, r->set) != NULL);
}

/* Commits the record; 0 with *seq, or -1 (printed). */
static int
commit_record(struct cli *cli, struct rec *r, uint64_t *seq)
{
    json_t               *extra = recovery_record(r);
    struct bundle_header  h = { "recovery", cli_operator(r->operator_name), NULL, extra };
    struct bundle_writer *bw = NULL;
    char                  sums[SHA256_HEX];
    int                   rc;

    if (extra == NULL)
        rc = okra_fail(-ENOMEM, "out of memory");
    else if ((rc = bw_begin(r->v, &h, &bw)) == 0)
        rc = bw_commit(bw, sums);
    if (rc >= 0)
        *seq = bw_seq(bw);
    bw_free(bw);
    json_decref(extra);
    if (rc < 0) {
        cli_error("the recovery cannot be recorded: %s; the recovered files were removed",
                  okra_errmsg());
        return -1;
    }
    if (rc == 1)
        cli_warn("CHECKPOINT was not updated (%s); the next commit brings it up to date",
                 okra_errmsg());
    if (vindex_begin(r->x) == 0) {
        if (vindex_add_bundle_file(r->x, r->v, *seq) < 0 || vindex_commit(r->x) < 0)
            vindex_rollback(r->x);
    }
    return 0;
}

static void
report(struct cli *cli, struct rec *r, uint64_t seq)
{
    size_t i;

    if (cli->json) {
        json_t *files = json_array(), *j;
        char   *cp = NULL;

        for (i = 0; i < r->n_items; i++)
            json_array_append_new(files, json_pack("{s:s, s:s, s:s}", "id", r->items[i].id,
                                                   "file", r->items[i].out, "as", as_word(r)));
        j = json_pack("{s:o, s:s, s:I, s:i, s:b, s:o}", "files", files, "out", r->out_dir,
                      "bundle", (json_int_t) seq, "set", (int) r->set, "set_issued_here",
                      cer_sets_find(&r->sets, r->set) != NULL, "shares",
                      cli_ceremony_shares_json(&r->sets, r->given, r->n_shares));
        if (checkpoint_export(r->v, &cp) == 0)
            json_object_set_new(j, "checkpoint", json_string(cp));
        free(cp);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return;
    }
    for (i = 0; i < r->n_items; i++) {
        printf("recovered  %s  ", r->items[i].id);
        cli_put_safe(stdout, r->out_dir);
        printf("/%s  (%s, from bundle %llu)\n", r->items[i].out, as_word(r),
               (unsigned long long) r->items[i].bundle);
    }
    printf("recorded as bundle %llu (recovery), share set %u%s; shares used:\n",
           (unsigned long long) seq, r->set,
           cer_sets_find(&r->sets, r->set) ? "" : " (not issued by this vault)");
    for (i = 0; i < r->n_shares; i++) {
        const char *c;

        if (!r->given[i].usable)
            continue;
        c = cli_ceremony_custodian(&r->sets, &r->given[i]);
        printf("  share %u  ", r->given[i].share->member_index + 1u);
        cli_put_safe(stdout, c ? c : "(a paper share)");
        fputs("  ", stdout);
        cli_put_safe(stdout, r->given[i].label);
        putchar('\n');
    }
    printf("\ncheckpoint (the auditor keeps a copy):\n");
    cli_print_checkpoint(r->v);
}

/* From an open vault on: the whole ceremony. */
/* --watch: the shares still needed for the vault's current set, from media, after --share's. */
static int
watch_media(struct cli *cli, struct rec *r)
{
    const struct cer_set *cur = cer_sets_current(&r->sets);
    unsigned              need = cur ? cur->threshold : 1;
    char                **labels;
    size_t                n, i;
    int                   rc;

    need = r->n_shares >= need ? 0 : need - (unsigned) r->n_shares;
    if (need == 0)
        return 0;
    r->media.allow_serials = cli_media_allow_list(vault_policy(r->v), "serials",
                                                  &r->media.n_allow_serials);
    r->media.allow_uuids = cli_media_allow_list(vault_policy(r->v), "uuids", &r->media.n_allow_uuids);
    rc = cli_ceremony_watch_shares(cli, &r->media, need, &labels, &n);
    free(r->media.allow_serials);
    free(r->media.allow_uuids);
    if (rc < 0)
        return -1;
    /* r->shares has room for argc entries; --watch shares go after the given ones */
    {
        char **all = realloc(r->shares, (r->n_shares + n + 1) * sizeof *all);

        if (all == NULL) {
            free(labels);
            return -1;
        }
        r->shares = all;
    }
    for (i = 0; i < n; i++)
        r->shares[r->n_shares++] = labels[i];
    free(labels);
    return 0;
}

static int
run(struct cli *cli, struct rec *r)
{
    uint64_t seq = 0;
    int      rc;

    if (look_up(r) < 0) {
        if (r->items == NULL)
            cli_error("out of memory");
        else
            cli_error("nothing was recovered; no share was asked for");
        return EXIT_FAIL;
    }
    if (verify_items(r) < 0 || check_targets(r) < 0)
        return EXIT_FAIL;
    if (r->pdf && (rc = cli_record_pdf_check(cli, r->pdf, r->paper)) != EXIT_OK)
        return rc;
    if (cer_sets_load(r->v, r->x, &r->sets) < 0) {
        cli_error_from("the vault's ceremony records");
        return EXIT_FAIL;
    }
    if (r->watch && watch_media(cli, r) < 0)
        return EXIT_FAIL;
    if (cli_ceremony_quorum(cli, r->v, &r->sets, r->shares, r->n_shares, &r->given, &r->identity,
                        &r->set) < 0)
        return EXIT_FAIL;
    if (decrypt_items(cli, r) < 0 || commit_record(cli, r, &seq) < 0)
        return EXIT_FAIL;
    rc = cer_out_publish(&r->out);
    cli_litter_clear();
    if (rc < 0) {
        cli_error("%s (the recovery is recorded in bundle %llu)", okra_errmsg(),
                  (unsigned long long) seq);
        return EXIT_FAIL;
    }
    report(cli, r, seq);
    return cli_ceremony_pdf(cli, r->v, seq, r->pdf, r->paper);
}

int
cmd_ceremony_recover(struct cli *cli, int argc, char **argv)
{
    struct rec        r = { 0 };
    size_t            i;
    int               rc;

    r.out.dirfd = -1;
    if ((rc = parse_recover(cli, argc, argv, &r)) != 0) {
        for (i = 0; i < r.media.n_match; i++)
            mw_match_clear(&r.media.match[i]);
        free(r.shares);
        free(r.media.match);
        return rc;
    }
    if (vault_open(cli->vault_dir, VAULT_WRITE, &r.v) < 0) {
        cli_error_from(NULL);
        free(r.shares);
        free(r.media.match);
        return EXIT_FAIL;
    }
    if (vindex_open(r.v, &r.x) < 0 || vindex_sync(r.x, r.v, cli_progress, "indexing") < 0) {
        cli_progress_end();
        cli_error_from("index.sqlite");
        rc = EXIT_FAIL;
    } else {
        cli_progress_end();
        rc = run(cli, &r);
    }
    cer_out_close(&r.out);
    cli_litter_clear();
    secmem_free(r.identity);
    cli_ceremony_free_shares(r.given, r.n_shares);
    cer_sets_free(&r.sets);
    for (i = 0; i < r.n_items; i++)
        json_decref(r.items[i].item);
    free(r.items);
    for (i = 0; i < r.n_bundles; i++)
        trusted_close(r.bundles[i]);
    free(r.bundles);
    free(r.shares);
    cli_ceremony_watch_free();
    for (i = 0; i < r.media.n_match; i++)
        mw_match_clear(&r.media.match[i]);
    free(r.media.match);
    vindex_close(r.x);
    vault_close(r.v);
    return rc;
}
