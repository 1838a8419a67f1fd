/*
 * okra ceremony init: a new vault. The recovery identity (32 random bytes,
 * an age X25519 secret and the SLIP-0039 master secret at once) is made in
 * secure memory, split among the custodians, written into their share
 * files, proven by the roll call, and wiped; only its public key (the
 * recipient) stays in the vault. The vault is built in a staging folder and
 * appears only with its signed 'ceremony-init' bundle: a failure at any step
 * leaves no vault and no share file.
 */
#include "cli/ceremony.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "formats/formats.h"
#include "vault/bundle.h"
#include "vault/checkpoint.h"
#include "vault/vault.h"

#include <fcntl.h>
#include <unistd.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#define MAX_HOME_ISSUERS 64
#define CA_FILE_MAX (1024 * 1024)

struct init_opts {
    struct new_set     ns;
    struct newset_opts set; /* the options init and reshare share */
    const char        *issuers[MAX_HOME_ISSUERS];
    unsigned           n_issuers;
    const char        *serials[MAX_HOME_ISSUERS]; /* --medium-serial: the media mediawatch takes */
    unsigned           n_serials;
    const char        *uuids[MAX_HOME_ISSUERS];   /* --medium-uuid */
    unsigned           n_uuids;
    const char        *operator_name;
    const char        *pdf, *paper; /* --pdf FILE, --paper: the record, printable */
    bool               allow_signing_keys; /* policy.signing_keys: "allow", else "refuse" */
};

/* Appends value to a list of at most MAX_HOME_ISSUERS. */
static int
add_to(struct cli *cli, int key, const char *value, const char **list, unsigned *n)
{
    if (*n == MAX_HOME_ISSUERS)
        return cli_bad_value(cli, key, value, "64 values at most; this one is one too many");
    if (!*value)
        return cli_bad_value(cli, key, value, "a value that is not empty");
    list[(*n)++] = value;
    return 0;
}

static int
init_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct init_opts *o = ctx;

    switch (key) {
    case OPT_HOME_ISSUER: return add_to(cli, key, value, o->issuers, &o->n_issuers);
    case OPT_MEDIUM_SERIAL: return add_to(cli, key, value, o->serials, &o->n_serials);
    case OPT_MEDIUM_UUID: return add_to(cli, key, value, o->uuids, &o->n_uuids);
    case OPT_OPERATOR: o->operator_name = value; return 0;
    case OPT_PDF: o->pdf = value; return 0;
    case OPT_ALLOW_SIGNING_KEYS: o->allow_signing_keys = true; return 0;
    case OPT_PAPER: o->paper = value; return 0;
    default: return cli_newset_option(cli, key, value, &o->set);
    }
}

static int
parse_init(struct cli *cli, int argc, char **argv, struct init_opts *o)
{
    int first, rc;

    o->ns.log_n = AGE_SCRYPT_DEFAULT_LOG_N;
    o->set.ns = &o->ns;
    if ((rc = cli_parse_options(cli, argc, argv, init_option, o, &first)) != 0)
        return rc;
    if (first < argc)
        return cli_usage(cli, "takes no operand");
    return 0;
}

/* policy.home_issuers: [{subject, sha256, der (base64)}], from the CA files given. */
static int
home_issuers(const struct init_opts *o, json_t **ret)
{
    json_t  *list = json_array();
    unsigned i;

    for (i = 0; i < o->n_issuers; i++) {
        struct fmt_cert cert = { 0 };
        char           *data, *b64;
        size_t          len, bl;
        int             rc = fs_read_file(AT_FDCWD, o->issuers[i], CA_FILE_MAX, &data, &len);

        if (rc < 0) {
            cli_error("--home-issuer %s: %s", o->issuers[i], strerror(-rc));
            json_decref(list);
            return -1;
        }
        rc = fmt_load_ca_cert((const uint8_t *) data, len, &cert);
        free(data);
        if (rc < 0) {
            cli_error("--home-issuer %s: %s", o->issuers[i], okra_errmsg());
            json_decref(list);
            return -1;
        }
        bl = sodium_base64_ENCODED_LEN(cert.der_len, sodium_base64_VARIANT_ORIGINAL);
        if ((b64 = malloc(bl)) != NULL)
            sodium_bin2base64(b64, bl, cert.der, cert.der_len, sodium_base64_VARIANT_ORIGINAL);
        json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "subject",
                                              cert.subject ? cert.subject : "", "sha256",
                                              cert.sha256, "der", b64 ? b64 : ""));
        free(b64);
        fmt_cert_free(&cert);
    }
    /* the vault's standing answer on signature keys, in the signed record like the rest */
    *ret = json_pack("{s:o, s:s}", "home_issuers", list, "signing_keys",
                     o->allow_signing_keys ? "allow" : "refuse");
    if (o->n_serials || o->n_uuids) {
        /* mediawatch takes only media whose serial or filesystem UUID is listed */
        json_t *serials = json_array(), *uuids = json_array();

        for (i = 0; i < o->n_serials; i++)
            json_array_append_new(serials, json_string(o->serials[i]));
        for (i = 0; i < o->n_uuids; i++)
            json_array_append_new(uuids, json_string(o->uuids[i]));
        json_object_set_new(*ret, "media", json_pack("{s:o, s:o}", "serials", serials, "uuids", uuids));
    }
    return 0;
}

/* The checks that need no secret, before anyone is asked anything. */
static int
preflight(struct cli *cli, struct init_opts *o, json_t **ret_policy)
{
    int rc;

    if (o->ns.m > o->ns.n) {
        cli_error("threshold %u is more than the %u custodian%s; a threshold is 1 to the number "
                  "of custodians", o->ns.m, o->ns.n, o->ns.n == 1 ? "" : "s");
        return EXIT_USAGE;
    }
    if (o->ns.show_mnemonic && !cli_interactive(cli))
        return cli_usage(cli, "--show-mnemonic shows the words on the terminal; it cannot be used "
                              "with --passphrase-file");
    if (!cli_dirs_apart(o->ns.share_dir, cli->vault_dir, -1)) {
        cli_error("--share-dir %s and the vault %s must be apart: share files leave the station "
                  "with their custodians", o->ns.share_dir, cli->vault_dir);
        return EXIT_USAGE;
    }
    if (o->pdf && (rc = cli_record_pdf_check(cli, o->pdf, o->paper)) != EXIT_OK)
        return rc;
    if (vault_check_new_dir(cli->vault_dir) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if ((rc = cli_newset_prepare(&o->ns, o->set.names, o->set.n_names)) != 0)
        return rc;
    if (home_issuers(o, ret_policy) < 0)
        return EXIT_FAIL;
    return 0;
}

static json_t *
init_record(struct vault *v, const struct new_set *ns, json_t *policy)
{
    return json_pack("{s:o, s:s, s:s, s:O}", "set", cli_newset_record(ns), "station_key",
                     v->station_keyid, "recipient", v->recipient_text, "policy", policy);
}

/*
 * Commits bundle 0 into the staging vault and moves the vault into place. The
 * list of files an interrupt removes is emptied in between: once the folder is
 * the vault, its descriptor is the vault's.
 */
static int
commit_and_publish(struct cli *cli, struct vault *v, const struct init_opts *o, json_t *policy,
                   char sums[SHA256_HEX])
{
    json_t               *extra = init_record(v, &o->ns, policy);
    struct bundle_header  h = { "ceremony-init", cli_operator(o->operator_name), NULL, extra };
    struct bundle_writer *bw = NULL;
    int                   rc;

    if (extra == NULL)
        rc = okra_fail(-ENOMEM, "out of memory");
    else if ((rc = bw_begin(v, &h, &bw)) == 0)
        rc = bw_commit(bw, sums);
    bw_free(bw);
    json_decref(extra);
    if (rc < 0)
        return rc;
    cli_litter_clear();
    return vault_create_publish(v, cli->vault_dir);
}

static void
transcript(struct cli *cli, struct vault *v, const struct init_opts *o, const char *sums,
           const char *time)
{
    if (cli->json) {
        json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:i, s:s}", "vault", v->vault_id,
                              "folder", cli->vault_dir, "recipient", v->recipient_text,
                              "station_key", v->station_keyid, "set", cli_newset_record(&o->ns),
                              "share_dir", o->ns.share_dir, "bundle", 0, "sums", sums);
        json_t *files = json_array();
        char   *cp = NULL;
        unsigned i;

        for (i = 0; i < o->ns.n; i++)
            json_array_append_new(files, json_string(o->ns.files[i]));
        json_object_set_new(j, "share_files", files);
        json_object_set_new(j, "time", json_string(time));
        if (checkpoint_export(v, &cp) == 0)
            json_object_set_new(j, "checkpoint", json_string(cp));
        free(cp);
        json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(j);
        return;
    }
    printf("okra ceremony init: transcript, for the custodians and witnesses to sign\n\n");
    printf("vault:        %s\n", v->vault_id);
    printf("folder:       ");
    cli_put_safe(stdout, cli->vault_dir);
    printf("\nrecipient:    %s\n", v->recipient_text);
    printf("station key:  %s\n", v->station_keyid);
    printf("share set:    %u, threshold %u of %u (SLIP-0039, one group)\n", o->ns.id, o->ns.m,
           o->ns.n);
    printf("custodians and their share files:\n");
    cli_newset_print(&o->ns, stdout);
    printf("roll call:    every custodian opened their own share file\n");
    printf("time:         %s\n", time);
    printf("bundle 0:     ceremony-init, SHA256SUMS sha256 %s\n\n", sums);
    printf("signatures:   ______________________  ______________________  ______________________\n\n");
    printf("checkpoint (the auditor keeps a copy):\n");
    cli_print_checkpoint(v);
}

/* The staging vault goes too if a signal ends the ceremony (vault_create.c's layout). */
static int
litter_staging(struct vault *v)
{
    static const char *const files[] = { "okra.json", "station.key", "station.pub", "lock" };
    char                    *copy = strdup(v->dir), *slash;
    int                      parent;
    size_t                   i;

    if (copy == NULL)
        return -1;
    slash = strrchr(copy, '/');
    parent = open(slash ? (slash == copy ? "/" : (*slash = '\0', copy)) : ".",
                  O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (parent >= 0) {
        cli_litter_add_dir(parent, strrchr(v->dir, '/') ? strrchr(v->dir, '/') + 1 : v->dir);
        cli_litter_add_dir(v->dirfd, "bundles");
        cli_litter_add_dir(v->dirfd, "tmp");
        for (i = 0; i < sizeof files / sizeof files[0]; i++)
            cli_litter_add(v->dirfd, files[i]);
    }
    free(copy);
    return parent;
}

/* The ceremony proper, once the checks hold; identity is secure memory. */
static int
run(struct cli *cli, struct init_opts *o, json_t *policy, uint8_t *identity)
{
    struct vault_init init = { .policy = policy };
    struct vault     *v = NULL;
    char              sums[SHA256_HEX], time[32];
    int               parent, rc = EXIT_OK;

    randombytes_buf(identity, AGE_KEY_LEN);
    if (age_x25519_public(identity, init.recipient) < 0) {
        cli_error_from("cannot make the recovery key");
        return EXIT_FAIL;
    }
    if (cli_newset_split_and_ask(cli, &o->ns, identity, NULL, -1) < 0)
        return EXIT_FAIL;
    /* nothing of the identity is needed past the split */
    sodium_memzero(identity, AGE_KEY_LEN);
    if (vault_create_begin(cli->vault_dir, &init, &v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    parent = litter_staging(v);
    if (cli_newset_write_and_roll_call(cli, &o->ns, v->vault_id, v->dirfd) < 0) {
        cli_error("no vault was created, and the new share files were removed");
        rc = EXIT_FAIL;
    } else {
        vault_now(time);
        /* bundle 0 is written into the staging folder: keep its files on the list */
        cli_litter_add(v->dirfd, "CHECKPOINT");
        cli_litter_add(v->dirfd, "CHECKPOINT.minisig");
        if (commit_and_publish(cli, v, o, policy, sums) < 0) {
            cli_error_from("cannot create the vault");
            cli_newset_remove_files(&o->ns);
            rc = EXIT_FAIL;
        }
    }
    cli_litter_clear(); /* done: the vault and the share files are in place, or removed */
    if (parent >= 0)
        close(parent);
    if (rc != EXIT_OK) {
        vault_create_abandon(v);
        return rc;
    }
    cli_newset_free(&o->ns);
    transcript(cli, v, o, sums, time);
    rc = cli_ceremony_pdf(cli, v, 0, o->pdf, o->paper);
    vault_close(v);
    return rc;
}

int
cmd_ceremony_init(struct cli *cli, int argc, char **argv)
{
    struct init_opts  o = { 0 };
    json_t           *policy = NULL;
    uint8_t          *identity;
    int               rc;

    o.ns.dirfd = -1;
    if ((rc = parse_init(cli, argc, argv, &o)) != 0)
        return rc;
    if ((rc = preflight(cli, &o, &policy)) != 0)
        return rc;
    if ((identity = secmem_alloc(AGE_KEY_LEN)) == NULL) {
        cli_error("out of secure memory");
        json_decref(policy);
        return EXIT_FAIL;
    }
    rc = run(cli, &o, policy, identity);
    secmem_free(identity);
    cli_newset_free(&o.ns);
    json_decref(policy);
    return rc;
}
