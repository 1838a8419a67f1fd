/*
 * okra record N [--pdf FILE]: one bundle's record, from the bundle after it
 * verified (ceremony/record.h): as text, as JSON, or as a printable PDF for
 * the witnesses to initial and sign. The ceremonies' --pdf comes here too.
 */
#include "cli/cli.h"
#include "cli/vault_access.h"
#include "ceremony/record.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * --key: an auditor's pinned station key stands in for the vault's own
 * station.pub (which a tamperer could have replaced) in every check.
 */
static int
pin_key(struct vault *v, const char *path)
{
    if (cli_load_station_key(path, &v->station_pub) < 0)
        return -1;
    mini_keyid_hex(v->station_pub.keyid, v->station_keyid);
    return 0;
}

/* ---- text ---- */

static void
print_heading(const struct cer_record *r)
{
    size_t i, w = 0;

    for (i = 0; i < r->n_heading; i++)
        if (strlen(r->heading[i].label) > w)
            w = strlen(r->heading[i].label);
    for (i = 0; i < r->n_heading; i++)
        printf("%-*s  %s\n", (int) w, r->heading[i].label, r->heading[i].value);
}

static void
print_steps(const struct cer_record *r)
{
    size_t i, w = 0;

    for (i = 0; i < r->n_steps; i++)
        if (strlen(r->steps[i].action) > w)
            w = strlen(r->steps[i].action);
    printf("\nsteps (each initialled on the printed record):\n");
    for (i = 0; i < r->n_steps; i++)
        printf("%4zu  %-*s  %s\n", i + 1, (int) w, r->steps[i].action, r->steps[i].text);
}

/* The hash as 8 groups of 8 hex digits, each beside its 4 words. */
static void
print_hash(const struct cer_record *r)
{
    const char *w = r->words;
    int         g;

    printf("\nSHA256SUMS sha256 %s\nin PGP words, to read aloud:\n", r->sums);
    for (g = 0; g < 8; g++) {
        size_t len = strcspn(w, "\n");

        printf("  %d  %.8s  %.*s\n", g + 1, r->sums + 8 * g, (int) len, w);
        w += len + (w[len] == '\n');
    }
}

static void
print_signers(const struct cer_record *r)
{
    size_t i;

    printf("\nsignatures:\n");
    for (i = 0; i < r->n_signers; i++)
        printf("  ______________________________  %s%s%s\n",
               *r->signers[i].name ? r->signers[i].name : "name: ______________________",
               ", ", r->signers[i].role);
}

static void
print_record(const struct cer_record *r)
{
    printf("okra record of %s\n\n", r->title);
    print_heading(r);
    print_steps(r);
    print_hash(r);
    printf("\ncheckpoint (the auditor keeps a copy):\n");
    if (r->checkpoint_note)
        printf("(%s)\n", r->checkpoint_note);
    if (r->checkpoint)
        fputs(r->checkpoint, stdout);
    print_signers(r);
}

/* ---- the PDF ---- */

static int
parse_paper(const char *s, enum cer_paper *ret)
{
    if (!strcmp(s, "a4") || !strcmp(s, "A4"))
        *ret = CER_PAPER_A4;
    else if (!strcmp(s, "letter"))
        *ret = CER_PAPER_LETTER;
    else
        return -1;
    return 0;
}

int
cli_record_pdf(struct cli *cli, struct vault *v, uint64_t seq, const char *path,
               const char *paper)
{
    struct cer_record *r;
    enum cer_paper     p = CER_PAPER_A4;
    int                pages;

    if (paper && parse_paper(paper, &p) < 0) {
        cli_error("--paper is a4 or letter");
        return EXIT_USAGE;
    }
    if (cer_record_build(v, seq, &r) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    pages = cer_record_pdf_write(r, p, v->dirfd, path);
    cer_record_free(r);
    if (pages < 0) {
        cli_error_from(path);
        return EXIT_FAIL;
    }
    /* on stderr: stdout may be the record itself, or JSON */
    fprintf(stderr, "okra: the record of bundle %llu is in %s (%d page%s), to print and sign\n",
            (unsigned long long) seq, path, pages, pages == 1 ? "" : "s");
    (void) cli;
    return EXIT_OK;
}

static int
parse_seq(const char *s, uint64_t *ret)
{
    char *end;

    if (*s < '0' || *s > '9' || strlen(s) > 19)
        return -1;
    *ret = strtoull(s, &end, 10);
    return *end ? -1 : 0;
}

struct record_args {
    const char *pdf, *paper, *key;
};

static int
record_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct record_args *a = ctx;
    enum cer_paper      p;

    if (key == OPT_PDF)
        a->pdf = value;
    if (key == OPT_KEY)
        a->key = value;
    if (key == OPT_PAPER) {
        if (parse_paper(value, &p) < 0)
            return cli_bad_value(cli, key, value, "a4 or letter");
        a->paper = value;
    }
    return 0;
}

int
cmd_record(struct cli *cli, int argc, char **argv)
{
    struct record_args a = { NULL, NULL, NULL };
    const char        *pdf, *paper;
    struct vault      *v;
    struct cer_record *r;
    uint64_t           seq;
    int                first, rc;

    if ((rc = cli_parse_options(cli, argc, argv, record_option, &a, &first)) != 0)
        return rc;
    pdf = a.pdf;
    paper = a.paper;
    if (first + 1 != argc || parse_seq(argv[first], &seq) < 0)
        return cli_usage(cli, "name one bundle by its seq (see 'okra log')");
    if (paper && pdf == NULL)
        return cli_usage(cli, "--paper goes with --pdf");
    if (vault_open(cli->vault_dir, VAULT_READ, &v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if (a.key && pin_key(v, a.key) < 0) {
        vault_close(v);
        return EXIT_FAIL;
    }
    if (pdf) {
        rc = cli_record_pdf(cli, v, seq, pdf, paper);
        vault_close(v);
        return rc;
    }
    if (cer_record_build(v, seq, &r) < 0) {
        cli_error_from(NULL);
        vault_close(v);
        return EXIT_FAIL;
    }
    if (cli->json) {
        json_dumpf(r->json, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
    } else {
        print_record(r);
    }
    cer_record_free(r);
    vault_close(v);
    return EXIT_OK;
}

int
cli_record_pdf_check(struct cli *cli, const char *path, const char *paper)
{
    enum cer_paper p;

    if (paper && parse_paper(paper, &p) < 0) {
        cli_error("--paper is a4 or letter");
        return EXIT_USAGE;
    }
    if (cer_record_pdf_check(path, cli->vault_dir) < 0) {
        cli_error("--pdf %s: %s", path, okra_errmsg());
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

int
cli_ceremony_pdf(struct cli *cli, struct vault *v, uint64_t seq, const char *pdf,
                 const char *paper)
{
    int rc;

    if (pdf == NULL)
        return EXIT_OK;
    if ((rc = cli_record_pdf(cli, v, seq, pdf, paper)) != EXIT_OK)
        cli_error("the ceremony is recorded in bundle %llu all the same; print its record with "
                  "'okra record %llu --pdf FILE'", (unsigned long long) seq,
                  (unsigned long long) seq);
    return rc;
}
