/*
 * record_steps.c: a verified bundle's facts put into words, once, for every
 * rendering: the heading rows, the steps in the order the ceremony took
 * them (each initialled on paper), and who signs.
 */
#include "ceremony/record_internal.h"
#include "ceremony/sharefile.h"
#include "common/err.h"
#include "common/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Witness lines on every record, for names written by hand. */
#define RECORD_WITNESSES 2

static const char *
sget(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* A malloc'd escaped copy of a string field, or of dflt when it is missing. */
static char *
esc(json_t *o, const char *k, const char *dflt)
{
    const char *s = sget(o, k);

    if (s == NULL)
        s = dflt;
    return s ? text_escape(s, strlen(s)) : NULL;
}

static int
grow(void **p, size_t n, size_t size)
{
    /* room for 8, then doubled each time a power of two is full */
    if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
        return 0;
    {
        void *q = realloc(*p, (n ? n * 2 : 8) * size);

        if (q == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        *p = q;
    }
    return 0;
}

static int
heading(struct cer_record *r, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
heading(struct cer_record *r, const char *label, const char *fmt, ...)
{
    va_list ap;
    char   *v;
    int     n;

    if (grow((void **) &r->heading, r->n_heading, sizeof *r->heading) < 0)
        return -ENOMEM;
    va_start(ap, fmt);
    n = vasprintf(&v, fmt, ap);
    va_end(ap);
    if (n < 0)
        return okra_fail(-ENOMEM, "out of memory");
    r->heading[r->n_heading++] = (struct cer_record_row) { label, v };
    return 0;
}

int
record_step(struct cer_record *r, const char *action, const char *fmt, ...)
{
    va_list ap;
    char   *t;
    int     n;

    if (grow((void **) &r->steps, r->n_steps, sizeof *r->steps) < 0)
        return -ENOMEM;
    va_start(ap, fmt);
    n = vasprintf(&t, fmt, ap);
    va_end(ap);
    if (n < 0)
        return okra_fail(-ENOMEM, "out of memory");
    r->steps[r->n_steps++] = (struct cer_record_step) { action, t };
    return 0;
}

/* Adds a signer; a name already listed gets the role appended instead. */
static int
signer(struct cer_record *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
signer(struct cer_record *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    char   *role, *both;
    size_t  i;
    int     n;

    va_start(ap, fmt);
    n = vasprintf(&role, fmt, ap);
    va_end(ap);
    if (n < 0)
        return okra_fail(-ENOMEM, "out of memory");
    for (i = 0; *name && i < r->n_signers; i++)
        if (strcmp(r->signers[i].name, name) == 0) {
            if (asprintf(&both, "%s; %s", r->signers[i].role, role) < 0) {
                free(role);
                return okra_fail(-ENOMEM, "out of memory");
            }
            free(r->signers[i].role);
            free(role);
            r->signers[i].role = both;
            return 0;
        }
    if (grow((void **) &r->signers, r->n_signers, sizeof *r->signers) < 0) {
        free(role);
        return -ENOMEM;
    }
    r->signers[r->n_signers] = (struct cer_record_signer) { strdup(name), role };
    if (r->signers[r->n_signers].name == NULL) {
        free(role);
        return okra_fail(-ENOMEM, "out of memory");
    }
    r->n_signers++;
    return 0;
}

/* "LABEL (Vendor Model, serial S; ext4 UUID U, /dev/sdb1)" from a manifest's media. */
static char *
medium_text(json_t *m)
{
    char *label = esc(m, "fs_label", NULL), *dev = esc(m, "devname", NULL);
    char *vendor = esc(m, "vendor", NULL), *model = esc(m, "model", NULL);
    char *serial = esc(m, "serial", NULL), *fs = esc(m, "fs_type", NULL);
    char *uuid = esc(m, "fs_uuid", NULL), *out = NULL;

    if (asprintf(&out, "%s%s%s%s%s%s%s%s%s%s%s%s%s", label ? label : "medium",
                 vendor || model ? " (" : "", vendor ? vendor : "", vendor && model ? " " : "",
                 model ? model : "", vendor || model ? ")" : "", serial ? ", serial " : "",
                 serial ? serial : "", fs ? ", " : "", fs ? fs : "", uuid ? " UUID " : "",
                 uuid ? uuid : "", "") < 0)
        out = NULL;
    if (out && dev) {
        char *t;

        if (asprintf(&t, "%s, %s", out, dev) < 0)
            t = NULL;
        free(out);
        out = t;
    }
    free(label), free(dev), free(vendor), free(model), free(serial), free(fs), free(uuid);
    return out;
}

/* "4ddfa4acfcedfd18 (pkcs12): O=Example Corp, CN=Alice; exports/alice.pfx" */
static int
item_text(json_t *it, char **ret)
{
    const char *subject = sget(it, "subject"), *path = sget(it, "path");
    bool        inspected = json_is_true(json_object_get(it, "inspected"));

    if (asprintf(ret, "%s (%s%s): %s%s%s", sget(it, "id") ? sget(it, "id") : "?",
                 sget(it, "format") ? sget(it, "format") : "?", inspected ? "" : ", not inspected",
                 subject ? subject : inspected ? "key only, no certificate" : "not opened",
                 path ? "; from " : "", path ? path : "") < 0)
        return okra_fail(-ENOMEM, "out of memory");
    return 0;
}

static const char *
profile(const char *as)
{
    if (as && !strcmp(as, "pfx"))
        return "pfx: a new PKCS #12 (AES-256, SHA-256 MAC) under a new password";
    if (as && !strcmp(as, "pfx-legacy"))
        return "pfx-legacy: a new PKCS #12 (3DES, SHA-1 MAC) under a new password";
    if (as && !strcmp(as, "original"))
        return "original: the file's own bytes, under its old password";
    return as ? as : "?";
}

static int
sealed_steps(struct cer_record *r, const struct rec_facts *f)
{
    size_t i;
    int    rc = 0;

    for (i = 0; rc == 0 && i < json_array_size(f->items); i++) {
        char *t;

        if ((rc = item_text(json_array_get(f->items, i), &t)) == 0) {
            rc = record_step(r, "sealed", "%s", t);
            free(t);
        }
    }
    r->n_sealed = json_array_size(f->items);
    return rc;
}

/* The shares a recovery or reshare used; each custodian signs. */
static int
share_steps(struct cer_record *r, const struct rec_facts *f)
{
    json_t *shares = json_object_get(f->fields, "shares");
    size_t  i;
    int     rc = 0;

    for (i = 0; rc == 0 && i < json_array_size(shares); i++) {
        json_t    *s = json_array_get(shares, i);
        char      *who = esc(s, "custodian", NULL);
        json_int_t idx = json_integer_value(json_object_get(s, "index"));
        json_int_t set = json_integer_value(json_object_get(s, "set"));

        rc = record_step(r, "share used", "share %lld of set %lld: %s", (long long) idx,
                         (long long) set, who ? who : "a paper share (no custodian recorded)");
        if (rc == 0)
            rc = who ? signer(r, who, "custodian, share %lld of set %lld", (long long) idx,
                              (long long) set)
                     : signer(r, "", "holder of share %lld of set %lld", (long long) idx,
                              (long long) set);
        free(who);
        r->n_shares++;
    }
    return rc;
}

/* A set issued (init, reshare): its files written and the roll call, per custodian. */
static int
set_steps(struct cer_record *r, const struct rec_facts *f, const char *which)
{
    json_t    *set = json_object_get(f->fields, "set"), *names = json_object_get(set, "custodians");
    json_int_t id = json_integer_value(json_object_get(set, "id"));
    json_int_t thr = json_integer_value(json_object_get(set, "threshold"));
    size_t     i, n = json_array_size(names);
    int        rc;

    rc = record_step(r, "set issued", "%sset %lld: threshold %lld of %zu (SLIP-0039, one group)",
                     which, (long long) id, (long long) thr, n);
    for (i = 0; rc == 0 && i < n; i++) {
        const char *raw = json_string_value(json_array_get(names, i));
        char        file[SHARE_FILE_NAME_MAX], *name = text_escape(raw ? raw : "?",
                                                                     strlen(raw ? raw : "?"));

        sharefile_file_name((unsigned) i + 1, (unsigned) n, raw ? raw : "", file, sizeof file);
        rc = name ? record_step(r, "share file written", "share %zu of %zu for %s: %s", i + 1, n,
                                name, file)
                  : -ENOMEM;
        if (rc == 0)
            rc = record_step(r, "roll call", "%s opened %s with their own passphrase", name, file);
        if (rc == 0)
            rc = signer(r, name, "custodian, share %zu of set %lld", i + 1, (long long) id);
        free(name);
    }
    return rc;
}

static int
retired_steps(struct cer_record *r, const struct rec_facts *f)
{
    json_t *list = json_object_get(f->fields, "retired");
    size_t  i;
    int     rc = 0;

    for (i = 0; rc == 0 && i < json_array_size(list); i++)
        rc = record_step(r, "set retired", "set %lld: its shares recover nothing in okra from now "
                         "on; destroy its share files and papers",
                         (long long) json_integer_value(json_array_get(list, i)));
    return rc;
}

static int
recovered_steps(struct cer_record *r, const struct rec_facts *f)
{
    size_t i;
    int    rc = 0;

    for (i = 0; rc == 0 && i < f->n_recovered; i++) {
        char *t;

        if ((rc = item_text(f->recovered[i].item, &t)) < 0)
            break;
        rc = record_step(r, "recovered", "%s; sealed in bundle %llu; written as %s", t,
                         (unsigned long long) f->recovered[i].bundle, profile(f->recovered[i].as));
        free(t);
    }
    r->n_recovered = f->n_recovered;
    return rc;
}

static int
init_steps(struct cer_record *r, struct vault *v, const struct rec_facts *f)
{
    json_t *policy = json_object_get(f->fields, "policy");
    json_t *issuers = json_object_get(policy, "home_issuers");
    json_t *media = json_object_get(policy, "media");
    size_t  i;
    int     rc;

    rc = record_step(r, "vault created", "a recovery key made in locked memory; only its public "
                     "recipient stays in the vault");
    if (rc == 0)
        rc = set_steps(r, f, "");
    for (i = 0; rc == 0 && i < json_array_size(issuers); i++) {
        char *s = esc(json_array_get(issuers, i), "subject", "?");

        rc = s ? record_step(r, "home issuer", "%s", s) : -ENOMEM;
        free(s);
    }
    if (rc == 0 && (json_array_size(json_object_get(media, "serials")) ||
                    json_array_size(json_object_get(media, "uuids"))))
        rc = record_step(r, "media allowed", "%zu serial(s), %zu filesystem UUID(s): mediawatch "
                         "takes no other medium",
                         json_array_size(json_object_get(media, "serials")),
                         json_array_size(json_object_get(media, "uuids")));
    (void) v;
    return rc;
}

static int
kind_steps(struct cer_record *r, struct vault *v, const struct rec_facts *f)
{
    int rc = 0;

    if (!strcmp(r->kind, "ceremony-init"))
        return init_steps(r, v, f);
    if (!strcmp(r->kind, "recovery")) {
        rc = share_steps(r, f);
        return rc ? rc : recovered_steps(r, f);
    }
    if (!strcmp(r->kind, "reshare")) {
        rc = share_steps(r, f);
        if (rc == 0)
            rc = retired_steps(r, f);
        return rc ? rc : set_steps(r, f, "new ");
    }
    return sealed_steps(r, f);
}

static int
heading_rows(struct cer_record *r, struct vault *v, const struct rec_facts *f)
{
    json_t *media = json_object_get(f->fields, "media"), *set = json_object_get(f->fields, "set");
    json_t *shares = json_object_get(f->fields, "shares");
    char   *op = esc(f->fields, "operator", "-"), *m = json_is_object(media) ? medium_text(media) : NULL;
    int     rc;

    rc = heading(r, "vault", "%s", r->vault_id);
    if (rc == 0)
        rc = heading(r, "bundle", "%llu (%s)", (unsigned long long) r->seq, r->kind);
    if (rc == 0)
        rc = heading(r, "time", "%s", r->time);
    if (rc == 0)
        rc = heading(r, "station key", "%s (its signature on this bundle verified)",
                     v->station_keyid);
    if (rc == 0)
        rc = heading(r, "operator", "%s", op ? op : "-");
    if (rc == 0 && m)
        rc = heading(r, "medium", "%s", m);
    if (rc == 0 && sget(f->fields, "recipient"))
        rc = heading(r, "recipient", "%s", sget(f->fields, "recipient"));
    if (rc == 0 && json_is_object(set))
        rc = heading(r, shares ? "new share set" : "share set", "%lld, threshold %lld of %zu",
                     (long long) json_integer_value(json_object_get(set, "id")),
                     (long long) json_integer_value(json_object_get(set, "threshold")),
                     json_array_size(json_object_get(set, "custodians")));
    if (rc == 0 && json_is_boolean(json_object_get(f->fields, "set_issued_here")))
        rc = heading(r, "shares used", "%zu of set %lld, %s", json_array_size(shares),
                     (long long) json_integer_value(json_object_get(json_array_get(shares, 0),
                                                                    "set")),
                     json_is_true(json_object_get(f->fields, "set_issued_here"))
                         ? "a set this vault issued"
                         : "a set this vault did not issue (a paper backup re-split elsewhere)");
    free(op);
    free(m);
    return rc;
}

static int
signers(struct cer_record *r, const struct rec_facts *f)
{
    char *op = esc(f->fields, "operator", "");
    int   i, rc = op ? signer(r, op, "operator") : -ENOMEM;

    for (i = 0; rc == 0 && i < RECORD_WITNESSES; i++)
        rc = signer(r, "", "witness");
    free(op);
    return rc;
}

static int
record_json(struct cer_record *r, const struct rec_facts *f)
{
    json_t *steps = json_array(), *who = json_array(), *rec = json_array();
    size_t  i;

    for (i = 0; i < r->n_steps; i++)
        json_array_append_new(steps, json_pack("{s:s, s:s}", "action", r->steps[i].action, "text",
                                               r->steps[i].text));
    for (i = 0; i < r->n_signers; i++)
        json_array_append_new(who, json_pack("{s:s, s:s}", "name", r->signers[i].name, "role",
                                             r->signers[i].role));
    for (i = 0; i < f->n_recovered; i++) {
        json_t *o = json_deep_copy(f->recovered[i].item);

        json_object_set_new(o, "bundle", json_integer((json_int_t) f->recovered[i].bundle));
        json_object_set_new(o, "as", f->recovered[i].as ? json_string(f->recovered[i].as)
                                                        : json_null());
        json_array_append_new(rec, o);
    }
    r->json = json_pack("{s:s, s:I, s:s, s:s, s:O?, s:O?, s:s, s:s, s:O, s:o, s:O?, s:O?, s:O?,"
                        " s:O?, s:o, s:o, s:s?, s:s?}",
                        "vault", r->vault_id, "seq", (json_int_t) r->seq, "kind", r->kind, "time",
                        r->time, "operator", json_object_get(f->fields, "operator"), "media",
                        json_object_get(f->fields, "media"), "sums", r->sums, "sums_words",
                        r->words, "sealed", f->items, "recovered", rec, "shares",
                        json_object_get(f->fields, "shares"), "set",
                        json_object_get(f->fields, "set"), "retired",
                        json_object_get(f->fields, "retired"), "set_issued_here",
                        json_object_get(f->fields, "set_issued_here"), "steps", steps, "signers",
                        who, "checkpoint", r->checkpoint, "checkpoint_note", r->checkpoint_note);
    return r->json ? 0 : okra_fail(-ENOMEM, "out of memory");
}

int
record_describe(struct cer_record *r, struct vault *v, const struct rec_facts *f)
{
    int rc;

    snprintf(r->title, sizeof r->title, "bundle %llu: %s", (unsigned long long) r->seq, r->kind);
    rc = heading_rows(r, v, f);
    if (rc == 0)
        rc = kind_steps(r, v, f);
    if (rc == 0)
        rc = record_step(r, "recorded", "bundle %llu (%s) committed, signed by station key %s",
                         (unsigned long long) r->seq, r->kind, v->station_keyid);
    if (rc == 0)
        rc = signers(r, f);
    if (rc == 0)
        rc = record_json(r, f);
    return rc;
}
