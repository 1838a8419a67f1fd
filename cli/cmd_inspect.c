/* okra inspect FILE: what okra sees in an export file, without a vault. */
#include "cli/cli.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"
#include "formats/formats.h"

#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define INSPECT_MAX (64u * 1024 * 1024)


static void
print_human(const char *path, const struct fmt_detect *d, const struct fmt_info *info, int rc)
{
    char buf[512];

    cli_row("file", path);
    snprintf(buf, sizeof buf, "%s%s", d->name, d->password ? " (password protected)" : "");
    cli_row("format", buf);
    if (!d->inspectable) {
        char note[600];

        fmt_opaque_note(d, path, buf, sizeof buf);
        snprintf(note, sizeof note, "no: %s", buf);
        cli_row("inspected", note);
        return;
    }
    if (rc < 0 && rc != -ENOKEY)
        return;
    cli_row("algorithms", info->algorithms);
    if (info->has_key) {
        snprintf(buf, sizeof buf, "%s %d%s", info->key_type, info->key_bits,
                 !info->has_cert ? "" : info->key_matches ? ", matches the certificate"
                                                          : ", DOES NOT match the certificate");
        cli_row("key", buf);
    } else {
        cli_row("key", "none (certificates only)");
    }
    if (info->n_keys > 1) {
        snprintf(buf, sizeof buf, "%d", info->n_keys);
        cli_row("keys", buf);
    }
    cli_row("friendly name", info->friendly_name);
    snprintf(buf, sizeof buf, "%d", info->n_certs);
    cli_row("certificates", buf);
    if (info->has_cert) {
        cli_row("subject", info->cert.subject);
        cli_row("issuer", info->cert.issuer);
        cli_row("serial", info->cert.serial);
        cli_row("thumbprint", info->cert.sha1);
        cli_row("cert sha256", info->cert.sha256);
        snprintf(buf, sizeof buf, "%s to %s", info->cert.not_before, info->cert.not_after);
        cli_row("valid", buf);
        snprintf(buf, sizeof buf, "%s %d", info->cert.key_type, info->cert.key_bits);
        cli_row("cert key", buf);
        cli_row("key usage", info->cert.key_usage);
    }
}

static void
print_json(const char *path, const struct fmt_detect *d, const struct fmt_info *info, int rc)
{
    json_t *j = json_pack("{s:s, s:s, s:b, s:b}", "file", path, "format", d->name, "password",
                          d->password, "inspected", d->inspectable && (rc == 0 || rc == -ENOKEY));

    if (!d->inspectable) {
        char note[512];

        fmt_opaque_note(d, path, note, sizeof note);
        json_object_set_new(j, "note", json_string(note));
    }
    if (d->inspectable && (rc == 0 || rc == -ENOKEY)) {
        json_object_set_new(j, "algorithms", json_string(info->algorithms));
        json_object_set_new(j, "has_key", json_boolean(info->has_key));
        if (info->has_key)
            json_object_set_new(j, "key", json_pack("{s:s, s:i, s:o}", "type", info->key_type,
                                                    "bits", info->key_bits, "matches_cert",
                                                    info->has_cert ? json_boolean(info->key_matches)
                                                                   : json_null()));
        json_object_set_new(j, "keys", json_integer(info->n_keys));
        json_object_set_new(j, "certificates", json_integer(info->n_certs));
        if (info->friendly_name)
            json_object_set_new(j, "friendly_name", json_string(info->friendly_name));
        if (info->has_cert)
            json_object_set_new(j, "cert",
                                json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "subject",
                                          info->cert.subject ? info->cert.subject : "", "issuer",
                                          info->cert.issuer ? info->cert.issuer : "", "serial",
                                          info->cert.serial, "sha1", info->cert.sha1, "sha256",
                                          info->cert.sha256, "not_before", info->cert.not_before,
                                          "not_after", info->cert.not_after, "key_type",
                                          info->cert.key_type, "key_bits", info->cert.key_bits));
        if (info->has_cert && info->cert.key_usage[0])
            json_object_set_new(json_object_get(j, "cert"), "key_usage",
                                json_string(info->cert.key_usage));
    }
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(j);
}

int
cmd_inspect(struct cli *cli, int argc, char **argv)
{
    struct fmt_detect d;
    struct fmt_info   info = { 0 };
    char             *data = NULL, *password = NULL, *base;
    size_t            len;
    int               rc, first;

    if ((rc = cli_parse_no_options(cli, argc, argv, &first)) != 0)
        return rc;
    if (argc - first != 1)
        return cli_usage(cli, "name one FILE to inspect");
    argv += first - 1;
    rc = fs_read_file_secure(AT_FDCWD, argv[1], INSPECT_MAX, &data, &len);
    if (rc < 0) {
        cli_error("%s: %s", argv[1],
                  rc == -ENOENT ? "does not exist" : rc == -EISDIR ? "is a folder, not a file"
                  : rc == -EFBIG ? "is larger than 64 MiB" : rc == -EINVAL ? "is not a regular file"
                                                           : strerror(-rc));
        return EXIT_FAIL;
    }
    if ((rc = fmt_init()) < 0) {
        cli_error_from(NULL);
        secmem_free(data);
        return EXIT_FAIL;
    }
    base = basename(argv[1]);
    fmt_detect_named((const uint8_t *) data, len, len, base, &d);
    if (d.kind == FMT_NONE) {
        cli_error("%s: %s", argv[1], len ? d.why : "is empty");
        secmem_free(data);
        return EXIT_FAIL;
    }
    rc = 0;
    if (d.inspectable) {
        if (d.password) {
            char q[1024], *safe = cli_safe_dup(argv[1]);

            snprintf(q, sizeof q, "Export password for %s (%s): ", safe ? safe : argv[1], d.name);
            free(safe);
            if ((password = cli_ask_secret(cli, q, false)) == NULL) {
                secmem_free(data);
                return EXIT_FAIL;
            }
        }
        rc = fmt_inspect((const uint8_t *) data, len, &d, password ? password : "", &info, NULL);
    }
    secmem_free(password);
    secmem_free(data);
    if (cli->json)
        print_json(argv[1], &d, &info, rc);
    else
        print_human(argv[1], &d, &info, rc);
    fmt_info_free(&info);
    if (rc < 0) {
        cli_error_from(argv[1]);
        return EXIT_FAIL;
    }
    return EXIT_OK;
}
