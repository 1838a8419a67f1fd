/* ingest_report.c: one line per file, printed once the bundle is committed, then one for the bundle. */
#include "cli/ingest_report.h"
#include "common/err.h"
#include "common/secmem.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    interrupted = sig;
}

int
cli_ingest_report_interrupted(void)
{
    return interrupted;
}

const char *
cli_ingest_line_word(enum ingest_line what)
{
    switch (what) {
    case INGEST_SEALED:
        return "sealed";
    case INGEST_UNINSPECTED:
        return "sealed uninspected";
    case INGEST_ALREADY:
        return "already sealed";
    case INGEST_SKIPPED:
        return "skipped";
    case INGEST_FAILED:
        return "not sealed";
    }
    return "?";
}

static const char *
json_word(enum ingest_line what)
{
    static const char *const w[] = { "sealed", "uninspected", "already", "skipped", "failed" };

    return w[what];
}

/* ---- the held lines: records of (what, path, detail) in an unnamed file ---- */

static FILE *
spool_open(struct vault *v)
{
    char  dir[4096];
    int   fd = -1;
    FILE *f;

    if (v && snprintf(dir, sizeof dir, "%s/tmp", v->dir) < (int) sizeof dir)
        fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 && (f = fdopen(fd, "w+")) != NULL)
        return f;
    if (fd >= 0)
        close(fd);
    return tmpfile(); /* the lines hold names and subjects, no secret */
}

static void
spool_put(FILE *f, enum ingest_line what, const char *path, const char *detail)
{
    uint32_t lp = (uint32_t) strlen(path), ld = detail ? (uint32_t) strlen(detail) : UINT32_MAX;
    uint8_t  w = (uint8_t) what;

    fwrite(&w, 1, 1, f);
    fwrite(&lp, sizeof lp, 1, f);
    fwrite(path, 1, lp, f);
    fwrite(&ld, sizeof ld, 1, f);
    if (detail)
        fwrite(detail, 1, ld, f);
}

static char *
spool_string(FILE *f, uint32_t len)
{
    char *s = malloc((size_t) len + 1);

    if (s == NULL || fread(s, 1, len, f) != len) {
        free(s);
        return NULL;
    }
    s[len] = '\0';
    return s;
}

/* Reads the next record; 1, 0 at the end, -1 when the spool cannot be read back. */
static int
spool_get(FILE *f, enum ingest_line *what, char **path, char **detail)
{
    uint8_t  w;
    uint32_t lp, ld;

    *path = *detail = NULL;
    if (fread(&w, 1, 1, f) != 1)
        return feof(f) ? 0 : -1;
    if (fread(&lp, sizeof lp, 1, f) != 1 || (*path = spool_string(f, lp)) == NULL ||
        fread(&ld, sizeof ld, 1, f) != 1 ||
        (ld != UINT32_MAX && (*detail = spool_string(f, ld)) == NULL)) {
        free(*path);
        return -1;
    }
    *what = (enum ingest_line) w;
    return 1;
}

/* One file's line, as a person reads it. */
static void
print_line(FILE *out, enum ingest_line what, const char *path, const char *detail)
{
    /* the path is escaped already (as the manifest records it): printed as it is */
    fprintf(out, "%-19s %s", cli_ingest_line_word(what), path);
    if (detail && *detail && (what == INGEST_SEALED || what == INGEST_UNINSPECTED)) {
        /* "ID rest": "as ID (rest)" */
        const char *sp = strchr(detail, ' ');

        fputs("  as ", out);
        fprintf(out, "%.*s", sp ? (int) (sp - detail) : (int) strlen(detail), detail);
        if (sp && sp[1]) {
            fputs(what == INGEST_SEALED ? " (" : ": ", out);
            cli_put_safe(out, sp + 1);
            fputs(what == INGEST_SEALED ? ")" : "", out);
        }
    } else if (detail && *detail) {
        fputs(": ", out);
        cli_put_safe(out, detail);
    }
    fputc('\n', out);
}

/* Prints the held lines, in order: the bundle is committed, or nothing in them says sealed. */
static void
spool_flush(struct cli_ingest_report *rep)
{
    enum ingest_line what;
    char            *path, *detail;
    int              rc;

    if (rep->spool == NULL)
        return;
    rewind(rep->spool);
    while ((rc = spool_get(rep->spool, &what, &path, &detail)) > 0) {
        print_line(stdout, what, path, detail);
        if (rep->also)
            rep->also(rep->also_ctx, what, path, detail);
        free(path);
        free(detail);
    }
    if (rc < 0)
        cli_warn("the lines of each file cannot be read back from the vault's tmp/ folder; "
                 "'okra list' shows what was sealed");
}

void
cli_ingest_report_discard(struct cli_ingest_report *rep)
{
    secmem_free(rep->shared);
    rep->shared = NULL;
    free(rep->shared_file);
    rep->shared_file = NULL;
    if (rep->spool)
        fclose(rep->spool);
    rep->spool = NULL;
    json_decref(rep->files);
    rep->files = NULL;
    cli_progress_finish(&rep->progress);
}

/* ---- the callbacks the ingest calls ---- */

static json_t *
json_line(enum ingest_line what, const char *path, const char *detail)
{
    json_t *f = json_pack("{s:s, s:s}", "path", path, "status", json_word(what));

    if (detail && (what == INGEST_SEALED || what == INGEST_UNINSPECTED)) {
        const char *sp = strchr(detail, ' ');

        json_object_set_new(f, "id", json_stringn(detail, sp ? (size_t) (sp - detail) : strlen(detail)));
        if (sp && sp[1])
            json_object_set_new(f, "detail", json_string(sp + 1));
    } else if (detail) {
        json_object_set_new(f, "detail", json_string(detail));
    }
    return f;
}

static void
count(struct cli_ingest_report *rep, enum ingest_line what)
{
    char extra[160];

    rep->n_files++;
    switch (what) {
    case INGEST_SEALED:
    case INGEST_UNINSPECTED: rep->n_staged++; break;
    case INGEST_ALREADY: rep->n_already++; break;
    case INGEST_SKIPPED: rep->n_skipped++; break;
    case INGEST_FAILED: rep->n_failed++; break;
    }
    if (!cli_progress_due(&rep->progress, rep->n_files))
        return;
    /* "staged": nothing is sealed before the commit */
    snprintf(extra, sizeof extra, "%llu staged, %llu already sealed, %llu skipped%s",
             (unsigned long long) rep->n_staged, (unsigned long long) rep->n_already,
             (unsigned long long) rep->n_skipped, rep->n_failed ? ", some not sealable" : "");
    cli_progress_show(&rep->progress, extra);
}

static void
on_line(void *ctx, enum ingest_line what, const char *path, const char *detail)
{
    struct cli_ingest_report *rep = ctx;

    count(rep, what);
    if (what == INGEST_FAILED) {
        /* true whatever happens next; after Ctrl-C, the one line says it all */
        if (!interrupted)
            cli_error_raw_path(path, detail ? detail : "cannot be sealed");
    }
    if (rep->files) {
        json_array_append_new(rep->files, json_line(what, path, detail));
        return;
    }
    if (what != INGEST_FAILED && rep->spool)
        spool_put(rep->spool, what, path, detail);
}

/* "Export password for alice.pfx (pkcs12), 3 of 20: ", with what --same-password adds */
static void
question(struct cli_ingest_report *rep, const char *path, const char *format, bool own, char *q,
         size_t size)
{
    char *safe = cli_safe_dup(path);
    int   n;

    n = snprintf(q, size, "Export password for %s (%s)", safe ? safe : path, format);
    free(safe);
    if (n < 0 || (size_t) n >= size)
        return;
    if (rep->n_protected >= rep->n_asked)
        n += snprintf(q + n, size - (size_t) n, ", %llu of %llu", (unsigned long long) rep->n_asked,
                      (unsigned long long) rep->n_protected);
    if ((size_t) n < size && rep->same_password)
        n += snprintf(q + n, size - (size_t) n, "%s",
                      own ? ", its own (the password given for every file does not open it)"
                          : ", to be used for every file (--same-password)");
    if ((size_t) n < size)
        snprintf(q + n, size - (size_t) n, ": ");
}

/* --same-password: whether this prompt's answer is the one for every file (the file it was first
   asked at, until a try there opens it) */
static bool
sets_shared(const struct cli_ingest_report *rep, const char *path)
{
    return rep->same_password && (rep->shared == NULL || strcmp(path, rep->shared_file) == 0);
}

static char *
on_password(void *ctx, const char *path, const char *format, unsigned attempt)
{
    struct cli_ingest_report *rep = ctx;
    char                  q[1024], *answer;
    bool                  shared;

    if (attempt == 0)
        rep->n_asked++;
    /* --same-password: the first answer, again, for every later file */
    rep->gave_shared = attempt == 0 && rep->shared && strcmp(path, rep->shared_file) != 0;
    if (rep->gave_shared)
        return secmem_strndup(rep->shared, strlen(rep->shared));
    shared = sets_shared(rep, path);
    question(rep, path, format, rep->same_password && !shared, q, sizeof q);
    cli_progress_clear();
    answer = cli_ask_secret(rep->cli, q, false);
    if (answer && shared) {
        secmem_free(rep->shared);
        free(rep->shared_file);
        rep->shared = secmem_strndup(answer, strlen(answer));
        rep->shared_file = strdup(path);
    }
    return answer;
}

/* At a terminal: a password that did not open the file, and how many tries are left. */
static void
on_refused(void *ctx, const char *path, const char *why, unsigned tries_left)
{
    struct cli_ingest_report *rep = ctx;
    char                 *safe = cli_safe_dup(path);

    if (rep->gave_shared)
        cli_warn("the password given for every file does not open %s; its own, please (%u tries)",
                 safe ? safe : path, tries_left);
    else
        cli_warn("that password does not open %s (%s); %u %s left", safe ? safe : path, why,
                 tries_left, tries_left == 1 ? "try" : "tries");
    free(safe);
}

void
cli_ingest_report_count_files(struct cli_ingest_report *rep, const struct ingest_opts *o,
                          char *const *paths, size_t n)
{
    if (o->inspect && cli_interactive(rep->cli) &&
        ingest_count_passwords_files(paths, n, o, &rep->n_protected) < 0)
        rep->n_protected = 0;
}

void
cli_ingest_report_count_tree(struct cli_ingest_report *rep, const struct ingest_opts *o, int root_fd)
{
    if (o->inspect && cli_interactive(rep->cli) &&
        ingest_count_passwords_tree(root_fd, o, &rep->n_protected) < 0)
        rep->n_protected = 0;
}

void
cli_ingest_report_init(struct cli_ingest_report *rep, struct cli *cli, struct vault *v,
                   struct ingest_opts *o, const char *what)
{
    memset(rep, 0, sizeof *rep);
    rep->cli = cli;
    rep->same_password = o->same_password;
    if (cli->json)
        rep->files = json_array();
    else if ((rep->spool = spool_open(v)) == NULL)
        cli_warn("no room to hold each file's line until the commit: only the summary will be "
                 "printed");
    cli_progress_start(&rep->progress, what, "files", 0);
    o->line = on_line;
    o->ask_password = on_password;
    o->password_refused = on_refused;
    /* a person answers: each password is tried as it is given, and asked again when wrong */
    o->check_passwords = o->inspect && cli_interactive(cli);
    o->ctx = rep;
    if (o->abort == NULL) {
        struct sigaction sa = { .sa_handler = on_signal };

        interrupted = 0;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &rep->old_int);
        sigaction(SIGTERM, &sa, &rep->old_term);
        sigaction(SIGHUP, &sa, &rep->old_hup);
        rep->own_signals = true;
        o->abort = &interrupted;
    }
}

/* --json: the files and the counts; a run that committed nothing seals nothing. */
static void
summary_json(struct cli_ingest_report *rep, const struct ingest_result *r, int rc, int status)
{
    uint64_t staged = r->sealed, unopened = r->uninspected;
    json_t  *j, *f;
    size_t   i;

    json_array_foreach (rep->files, i, f) {
        const char *s = json_string_value(json_object_get(f, "status"));

        if (r->committed || s == NULL)
            break;
        if (strcmp(s, "sealed") == 0 || strcmp(s, "uninspected") == 0)
            json_object_set_new(f, "status", json_string(strcmp(s, "sealed") == 0
                                                             ? "would-seal"
                                                             : "would-seal-uninspected"));
    }
    j = json_pack("{s:b, s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:o}", "committed", r->committed,
                  "bundle", r->committed ? json_integer((json_int_t) r->seq) : json_null(),
                  "sealed", (json_int_t) (r->committed ? staged : 0), "uninspected",
                  (json_int_t) (r->committed ? unopened : 0), "already", (json_int_t) r->already,
                  "skipped", (json_int_t) r->skipped, "failed", (json_int_t) r->failed, "ok",
                  status == 0, "files", rep->files);
    rep->files = NULL;
    if (!r->committed && staged)
        json_object_set_new(j, "would_seal", json_integer((json_int_t) staged));
    if (r->committed && r->unopened)
        json_object_set_new(j, "unopened", json_integer((json_int_t) r->unopened));
    if (r->committed && r->reopened)
        json_object_set_new(j, "reopened", json_integer((json_int_t) r->reopened));
    if (interrupted)
        json_object_set_new(j, "interrupted", json_true());
    if (interrupted || rc < 0)
        json_object_set_new(j, "error", json_string(interrupted ? "interrupted: nothing was sealed"
                                                                : okra_errmsg()));
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(j);
}

static void
summary_line(const struct ingest_result *r)
{
    printf("bundle %llu committed: %llu sealed", (unsigned long long) r->seq,
           (unsigned long long) r->sealed);
    if (r->uninspected)
        printf(" (%llu uninspected)", (unsigned long long) r->uninspected);
    if (r->reopened)
        printf(" (%llu sealed uninspected before, opened now)", (unsigned long long) r->reopened);
    if (r->already)
        printf(", %llu already sealed", (unsigned long long) r->already);
    if (r->skipped)
        printf(", %llu skipped", (unsigned long long) r->skipped);
    if (r->failed)
        printf(", %llu not sealed", (unsigned long long) r->failed);
    putchar('\n');
}

/* Why nothing was sealed, on stderr: the engine's reason, and what would have been. */
static void
refusal(const struct ingest_result *r, bool import)
{
    /* one bad file named alone already has its line */
    if (import && r->failed == 1 && r->seen == 1)
        return;
    if (r->sealed)
        cli_error("%s (%llu other file%s would have been)", okra_errmsg(),
                  (unsigned long long) r->sealed, r->sealed == 1 ? "" : "s");
    else
        cli_error_from(NULL);
}

/*
 * After the bundle line: every file sealed uninspected, and why, on stderr (a
 * recovery of it under a new password will ask its old one). The lines are
 * read back from the spool.
 */
static void
uninspected_summary(struct cli_ingest_report *rep, const struct ingest_result *r)
{
    enum ingest_line what;
    char            *path, *detail;

    if (rep->spool == NULL || r->uninspected == 0)
        return;
    cli_error("%llu file%s sealed uninspected; recovering %s under a new password will ask %s "
              "old export password:", (unsigned long long) r->uninspected,
              r->uninspected == 1 ? " was" : "s were", r->uninspected == 1 ? "it" : "them",
              r->uninspected == 1 ? "its" : "each one's");
    rewind(rep->spool);
    while (spool_get(rep->spool, &what, &path, &detail) > 0) {
        const char *why = detail ? strchr(detail, ' ') : NULL;

        if (what == INGEST_UNINSPECTED)
            cli_error_raw_path(path, why ? why + 1 : "not inspected");
        free(path);
        free(detail);
    }
    if (r->unopened)
        cli_error("not every file was inspected: %llu could not be opened (exit status 1); given "
                  "again with --inspect and the right password, each keeps its id and gains its "
                  "opened payload", (unsigned long long) r->unopened);
}

int
cli_ingest_report_finish(struct cli_ingest_report *rep, int rc, const struct ingest_result *r, bool import)
{
    /* under --inspect, a file okra could have opened and did not: not all went well */
    int status = rc < 0 || r->failed || (r->committed && r->unopened) ? EXIT_FAIL : EXIT_OK;

    cli_progress_finish(&rep->progress);
    if (rep->own_signals) {
        sigaction(SIGINT, &rep->old_int, NULL);
        sigaction(SIGTERM, &rep->old_term, NULL);
        sigaction(SIGHUP, &rep->old_hup, NULL);
    }
    if (interrupted && r->committed)
        interrupted = 0; /* too late to stop: the bundle is in, and reported as such */
    if (r->warning)
        cli_warn("bundle %llu is committed, but: %s", (unsigned long long) r->seq, r->warning_text);
    if (interrupted) {
        cli_error("interrupted: nothing was sealed");
        if (rep->files)
            summary_json(rep, r, rc, EXIT_FAIL);
        cli_ingest_report_discard(rep);
        return EXIT_FAIL;
    }
    if (rep->files) {
        if (rc < 0)
            refusal(r, import);
        summary_json(rep, r, rc, status);
        cli_ingest_report_discard(rep);
        return status;
    }
    if (r->committed || (rc == 0 && r->sealed == 0))
        spool_flush(rep);
    if (r->committed) {
        summary_line(r);
        uninspected_summary(rep, r);
    }
    cli_ingest_report_discard(rep);
    if (r->committed)
        return status;
    if (rc < 0) {
        refusal(r, import);
    } else if (!r->failed) {
        printf("nothing new to seal; no bundle committed (%llu already sealed, %llu skipped)\n",
               (unsigned long long) r->already, (unsigned long long) r->skipped);
    } else if (!import) {
        cli_error("%llu export files could not be sealed; no bundle committed",
                  (unsigned long long) r->failed);
    }
    return status;
}
