/* okra list and okra show: the items in the vault. */
#include "cli/cli.h"
#include "cli/ingest_options.h"
#include "cli/values.h"
#include "cli/vault_access.h"
#include "common/err.h"

#include <stdlib.h>
#include <string.h>

struct printer {
    bool     json;
    uint64_t n;
};

static const char *
str_or(json_t *j, const char *dflt)
{
    const char *t = json_string_value(j);

    return t ? t : dflt;
}

/* A field that came from a manifest, escaped, then padded to width columns. */
static void
put_padded(const char *s, int width)
{
    char *safe = cli_safe_dup(s);

    printf("%-*s", width, safe ? safe : "?");
    free(safe);
}

static int
print_row(void *ctx, const char *text)
{
    struct printer *p = ctx;
    json_t         *j, *cert;
    const char     *what;

    if (p->json) {
        fputs(p->n++ ? ",\n  " : "[\n  ", stdout);
        fputs(text, stdout);
        return 0;
    }
    if ((j = json_loads(text, 0, NULL)) == NULL)
        return 0;
    cert = json_object_get(j, "cert");
    what = json_string_value(json_object_get(cert, "subject"));
    cli_put_safe(stdout, str_or(json_object_get(j, "id"), "?"));
    fputs("  ", stdout);
    put_padded(str_or(json_object_get(j, "format"), "?"), 20);
    printf("  bundle %-6lld  ", (long long) json_integer_value(json_object_get(j, "bundle")));
    if (what && *what)
        cli_put_safe(stdout, what);
    else /* a path is recorded escaped once already */
        cli_put_escaped(stdout, str_or(json_object_get(json_object_get(j, "source"), "path"), ""));
    putchar('\n');
    json_decref(j);
    p->n++;
    return 0;
}

/*
 * A filter on certificate fields finds only inspected items: when it found
 * nothing, say what it could not see (on stderr, so --json stays one array).
 */
static void
note_uninspected(struct vindex *x)
{
    uint64_t n = 0;

    if (vindex_count_uninspected(x, &n) < 0 || n == 0)
        return;
    fflush(stdout);
    fprintf(stderr, "okra: no inspected item matches; %llu item%s sealed uninspected and %s no "
                    "certificate fields to match: look for %s with --path TEXT (or --medium TEXT)\n",
            (unsigned long long) n, n == 1 ? " was" : "s were", n == 1 ? "has" : "have",
            n == 1 ? "it" : "them");
}

struct list_args {
    struct vindex_filter f;
    char                 before[CLI_DATE_LEN]; /* --expires-before, in UTC */
};

static int
list_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct list_args *a = ctx;

    switch (key) {
    case OPT_PATH: a->f.path = value; break;
    case OPT_SUBJECT: a->f.subject = value; break;
    case OPT_ISSUER: a->f.issuer = value; break;
    case OPT_EXPIRES_BEFORE:
        a->f.expires_before = a->before;
        return cli_value_date(cli, key, value, a->before);
    case OPT_MEDIUM: a->f.medium = value; break;
    case OPT_FORMAT: a->f.format = value; break;
    case OPT_LIMIT: return cli_value_count(cli, key, value, 1, INT64_MAX, &a->f.limit);
    case OPT_OFFSET: return cli_value_count(cli, key, value, 0, INT64_MAX, &a->f.offset);
    }
    return 0;
}

int
cmd_list(struct cli *cli, int argc, char **argv)
{
    struct list_args a = { 0 };
    struct vindex_filter *f = &a.f;
    struct printer       p = { cli->json, 0 };
    struct vault        *v;
    struct vindex       *x;
    int                  first, rc;

    if ((rc = cli_parse_options(cli, argc, argv, list_option, &a, &first)) != 0)
        return rc;
    if (first < argc)
        return cli_usage(cli, "takes no operand (see 'okra show ITEM')");
    if (cli_open_indexed(cli, &v, &x) < 0)
        return EXIT_FAIL;
    rc = vindex_list(x, f, print_row, &p);
    if (cli->json)
        fputs(p.n ? "\n]\n" : "[]\n", stdout);
    if (rc == 0 && p.n == 0 && (f->subject || f->issuer || f->expires_before))
        note_uninspected(x);
    vindex_close(x);
    vault_close(v);
    if (rc < 0) {
        cli_error_from("list");
        return EXIT_FAIL;
    }
    return EXIT_OK;
}

static const char *
s(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void
show_human(json_t *j)
{
    json_t *src = json_object_get(j, "source"), *cert = json_object_get(j, "cert");
    json_t *key = json_object_get(j, "key");
    char    buf[512];

    cli_row("item", s(j, "id"));
    snprintf(buf, sizeof buf, "%lld", (long long) json_integer_value(json_object_get(j, "bundle")));
    cli_row("bundle", buf);
    snprintf(buf, sizeof buf, "%s, %s", s(j, "format"),
             json_is_true(json_object_get(j, "inspected")) ? "inspected" : "not inspected");
    cli_row("format", buf);
    if (s(src, "path")) { /* recorded escaped once already */
        printf("%-16s", "source");
        cli_put_escaped(stdout, s(src, "path"));
        putchar('\n');
    }
    snprintf(buf, sizeof buf, "%lld bytes, modified %s",
             (long long) json_integer_value(json_object_get(src, "size")), s(src, "mtime"));
    cli_row("", buf);
    cli_row("sha256", s(src, "sha256"));
    if (cert) {
        cli_row("subject", s(cert, "subject"));
        cli_row("issuer", s(cert, "issuer"));
        cli_row("serial", s(cert, "serial"));
        cli_row("thumbprint", s(cert, "sha1"));
        cli_row("cert sha256", s(cert, "sha256"));
        snprintf(buf, sizeof buf, "%s to %s", s(cert, "not_before"), s(cert, "not_after"));
        cli_row("valid", buf);
    }
    if (key) {
        json_t *m = json_object_get(key, "matches_cert");

        snprintf(buf, sizeof buf, "%s %lld%s", s(key, "type"),
                 (long long) json_integer_value(json_object_get(key, "bits")),
                 json_is_true(m) ? ", matches the certificate"
                 : json_is_false(m) ? ", DOES NOT match the certificate" : "");
        cli_row("key", buf);
    }
    cli_row("friendly name", s(j, "friendly_name"));
    if (json_is_true(json_object_get(j, "signing_only"))) {
        snprintf(buf, sizeof buf, "yes (key usage %s); sealed as allowed by %s",
                 s(cert, "key_usage") ? s(cert, "key_usage") : "?",
                 s(j, "signing_allowed_by") ? s(j, "signing_allowed_by") : "?");
        cli_row("signing only", buf);
    }
    if (json_object_get(j, "foreign"))
        cli_row("foreign", json_is_true(json_object_get(j, "foreign")) ? "yes (issued by another CA)" : "no");
    if (json_object_get(j, "reopened_from")) {
        snprintf(buf, sizeof buf, "sealed uninspected in bundle %lld, opened in bundle %lld",
                 (long long) json_integer_value(json_object_get(j, "reopened_from")),
                 (long long) json_integer_value(json_object_get(j, "bundle")));
        cli_row("history", buf);
    }
    cli_row("payload", s(j, "payload"));
    cli_row("opened payload", s(j, "opened"));
}

int
cmd_show(struct cli *cli, int argc, char **argv)
{
    struct vault  *v;
    struct vindex *x;
    json_t        *item = NULL;
    int            rc, first;

    if ((rc = cli_parse_no_options(cli, argc, argv, &first)) != 0)
        return rc;
    if (argc - first != 1)
        return cli_usage(cli, first == argc ? "name the ITEM to show" : "takes one ITEM");
    argv += first - 1;
    if (cli_open_indexed(cli, &v, &x) < 0)
        return EXIT_FAIL;
    rc = vindex_lookup(x, argv[1], &item);
    vindex_close(x);
    vault_close(v);
    if (rc < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if (cli->json) {
        json_dumpf(item, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        show_human(item);
    }
    json_decref(item);
    return EXIT_OK;
}
