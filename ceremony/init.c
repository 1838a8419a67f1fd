/* init.c: a new vault and its first share set (init.h). */
#include "ceremony/init.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"
#include "formats/formats.h"
#include "vault/record_commit.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CA_FILE_MAX (1024 * 1024)

void
cer_init_start(struct cer_init *c)
{
    memset(c, 0, sizeof *c);
    cer_newset_init(&c->set);
}

/* One home issuer: {subject, sha256, der (base64)} from a CA certificate file. */
static int
home_issuer(const char *path, json_t *list)
{
    struct fmt_cert cert = { 0 };
    char           *data, *b64;
    size_t          len, bl;
    int             rc = fs_read_file(AT_FDCWD, path, CA_FILE_MAX, &data, &len);

    if (rc < 0)
        return okra_fail(rc, "the home issuer %s: %s", path, strerror(-rc));
    rc = fmt_load_ca_cert((const uint8_t *) data, len, &cert);
    free(data);
    if (rc < 0)
        return okra_fail_prefix(rc, "the home issuer %s: ", path);
    bl = sodium_base64_ENCODED_LEN(cert.der_len, sodium_base64_VARIANT_ORIGINAL);
    if ((b64 = malloc(bl)) != NULL)
        sodium_bin2base64(b64, bl, cert.der, cert.der_len, sodium_base64_VARIANT_ORIGINAL);
    json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "subject",
                                          cert.subject ? cert.subject : "", "sha256", cert.sha256,
                                          "der", b64 ? b64 : ""));
    free(b64);
    fmt_cert_free(&cert);
    return 0;
}

static json_t *
string_list(const char *const *s, unsigned n)
{
    json_t  *list = json_array();
    unsigned i;

    for (i = 0; i < n; i++)
        json_array_append_new(list, json_string(s[i]));
    return list;
}

/* policy: home_issuers, signing_keys, and media when a list of media is given. */
static int
make_policy(struct cer_init *c)
{
    json_t  *issuers = json_array();
    unsigned i;
    int      rc;

    for (i = 0; i < c->n_issuers; i++)
        if ((rc = home_issuer(c->issuers[i], issuers)) < 0) {
            json_decref(issuers);
            return rc;
        }
    /* the vault's standing answer on signature keys, in the signed record like the rest */
    c->policy = json_pack("{s:o, s:s}", "home_issuers", issuers, "signing_keys",
                          c->allow_signing_keys ? "allow" : "refuse");
    if (c->policy && (c->n_serials || c->n_uuids))
        /* mediawatch takes only media whose serial or filesystem UUID is listed */
        json_object_set_new(c->policy, "media",
                            json_pack("{s:o, s:o}", "serials", string_list(c->serials, c->n_serials),
                                      "uuids", string_list(c->uuids, c->n_uuids)));
    return c->policy ? 0 : okra_fail(-ENOMEM, "out of memory");
}

int
cer_init_prepare(struct cer_init *c)
{
    int rc;

    if (c->n_issuers > CER_POLICY_LIST_MAX || c->n_serials > CER_POLICY_LIST_MAX ||
        c->n_uuids > CER_POLICY_LIST_MAX)
        return okra_fail(-EINVAL, "at most %d home issuers, media serials and media UUIDs each",
                         CER_POLICY_LIST_MAX);
    if ((rc = vault_check_new_dir(c->vault_dir)) < 0 || (rc = cer_newset_check_dir(&c->set)) < 0)
        return rc;
    return make_policy(c);
}

/* The staging vault goes too if a signal ends the ceremony (vault_create.c's layout). */
static int
litter_staging(const struct cer_ui *ui, struct vault *v)
{
    static const char *const files[] = { "okra.json", "station.key", "station.pub", "lock" };
    char                    *copy = strdup(v->dir), *slash;
    const char              *base = strrchr(v->dir, '/') ? strrchr(v->dir, '/') + 1 : v->dir;
    int                      parent;
    size_t                   i;

    if (copy == NULL)
        return -1;
    slash = strrchr(copy, '/');
    parent = open(slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".",
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent >= 0) {
        cer_litter(ui, parent, base, true);
        cer_litter(ui, v->dirfd, "bundles", true);
        cer_litter(ui, v->dirfd, "tmp", true);
        for (i = 0; i < sizeof files / sizeof files[0]; i++)
            cer_litter(ui, v->dirfd, files[i], false);
    }
    free(copy);
    return parent;
}

/* Bundle 0 into the staging vault, then the vault into place. */
static int
commit_and_publish(const struct cer_ui *ui, struct cer_init *c)
{
    json_t  *set = cer_sets_json_set(c->set.id, c->set.m, c->set.names, c->set.n);
    json_t  *extra = set ? cer_sets_json_init(set, c->v->station_keyid, c->v->recipient_text,
                                              c->policy)
                         : NULL;
    uint64_t seq;
    int      rc;

    /* bundle 0 is written into the staging folder: its files go if a signal comes */
    cer_litter(ui, c->v->dirfd, "CHECKPOINT", false);
    cer_litter(ui, c->v->dirfd, "CHECKPOINT.minisig", false);
    vault_now(c->time);
    rc = vault_commit_record(c->v, NULL, "ceremony-init", c->operator_name, extra, &seq, c->sums);
    json_decref(set);
    json_decref(extra);
    if (rc < 0)
        return rc;
    /* once the folder is the vault, its descriptor is the vault's: nothing to remove */
    cer_litter_forget(ui);
    return vault_create_publish(c->v, c->vault_dir);
}

/* From the identity on; identity is secure memory, wiped as soon as it is split. */
static int
run(const struct cer_ui *ui, struct cer_init *c, uint8_t *identity)
{
    struct vault_init init = { .policy = c->policy };
    int               parent, rc;

    randombytes_buf(identity, AGE_KEY_LEN);
    if ((rc = age_x25519_public(identity, init.recipient)) < 0) {
        cer_say_failure(ui, "cannot make the recovery key");
        return rc;
    }
    rc = cer_newset_split_and_ask(ui, &c->set, identity, NULL, -1);
    sodium_memzero(identity, AGE_KEY_LEN); /* nothing of it is needed past the split */
    if (rc < 0)
        return rc;
    if ((rc = vault_create_begin(c->vault_dir, &init, &c->v)) < 0) {
        cer_say_failure(ui, NULL);
        return rc;
    }
    parent = litter_staging(ui, c->v);
    if ((rc = cer_newset_write_and_roll_call(ui, &c->set, c->v->vault_id, c->v->dirfd)) < 0) {
        cer_say(ui, CER_SAY_ERROR, "no vault was created, and the new share files were removed");
    } else if ((rc = commit_and_publish(ui, c)) < 0) {
        cer_say_failure(ui, "cannot create the vault");
        cer_newset_remove_files(ui, &c->set);
    }
    cer_litter_forget(ui); /* done: the vault and the share files are in place, or removed */
    if (parent >= 0)
        close(parent);
    if (rc < 0) {
        vault_create_abandon(c->v);
        c->v = NULL;
    }
    return rc;
}

int
cer_init_run(const struct cer_ui *ui, struct cer_init *c)
{
    uint8_t *identity = secmem_alloc(AGE_KEY_LEN);
    int      rc;

    if (identity == NULL) {
        cer_say(ui, CER_SAY_ERROR, "out of secure memory");
        return -ENOMEM;
    }
    rc = run(ui, c, identity);
    secmem_free(identity);
    if (rc == 0)
        cer_newset_free(&c->set); /* the custodians' secrets are in their files now */
    return rc;
}

void
cer_init_free(struct cer_init *c)
{
    cer_newset_free(&c->set);
    json_decref(c->policy);
    c->policy = NULL;
    vault_close(c->v);
    c->v = NULL;
}
