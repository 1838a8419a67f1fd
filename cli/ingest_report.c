/* ingest_report.c: one line per file, then one line for the bundle. */
#include "cli/ingest_report.h"
#include "common/err.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *
ingest_line_word(enum ingest_line what)
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

static void print_line(FILE *out, enum ingest_line what, const char *path, const char *detail);

static void
on_line(void *ctx, enum ingest_line what, const char *path, const char *detail)
{
    struct ingest_report *rep = ctx;

    if (rep->also)
        rep->also(rep->also_ctx, what, path, detail);
    if (rep->files) {
        json_t *f = json_pack("{s:s, s:s}", "path", path, "status", json_word(what));

        if (detail && (what == INGEST_SEALED || what == INGEST_UNINSPECTED)) {
            const char *sp = strchr(detail, ' ');

            json_object_set_new(f, "id", json_stringn(detail, sp ? (size_t) (sp - detail) : strlen(detail)));
            if (sp && sp[1])
                json_object_set_new(f, "detail", json_string(sp + 1));
        } else if (detail) {
            json_object_set_new(f, "detail", json_string(detail));
        }
        json_array_append_new(rep->files, f);
        if (what == INGEST_FAILED)
            cli_error_raw_path(path, detail ? detail : "cannot be sealed");
        return;
    }
    if (rep->progress)
        fputs("\r\033[K", stderr);
    if (what == INGEST_FAILED) {
        cli_error_raw_path(path, detail ? detail : "cannot be sealed");
        return;
    }
    if (rep->quiet_ok && what != INGEST_SKIPPED && what != INGEST_UNINSPECTED)
        return;
    {
        FILE *out = rep->held ? rep->held : stdout;

        print_line(out, what, path, detail);
    }
}

/* One file's line, as a person reads it. */
static void
print_line(FILE *out, enum ingest_line what, const char *path, const char *detail)
{
    /* the path is escaped already (as the manifest records it): printed as it is */
    fprintf(out, "%-19s %s", ingest_line_word(what), path);
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

static char *
on_password(void *ctx, const char *path, const char *format)
{
    struct ingest_report *rep = ctx;
    char                  q[1024], *safe = cli_safe_dup(path);

    snprintf(q, sizeof q, "Export password for %s (%s): ", safe ? safe : path, format);
    free(safe);
    if (rep->progress)
        fputs("\r\033[K", stderr);
    return cli_ask_secret(rep->cli, q, false);
}

static void
on_progress(void *ctx, uint64_t files, uint64_t sealed)
{
    struct ingest_report *rep = ctx;

    if (rep->progress)
        fprintf(stderr, "\r\033[K%llu files read, %llu sealed...", (unsigned long long) files,
                (unsigned long long) sealed);
}

void
ingest_report_init(struct ingest_report *rep, struct cli *cli, struct ingest_opts *o)
{
    memset(rep, 0, sizeof *rep);
    rep->cli = cli;
    if (cli->json)
        rep->files = json_array();
    rep->progress = !cli->json && isatty(STDERR_FILENO) && !isatty(STDOUT_FILENO);
    /* all or nothing: "sealed" is only true once the bundle is committed */
    if (o->all_or_nothing && !cli->json)
        rep->held = open_memstream(&rep->held_text, &rep->held_len);
    o->line = on_line;
    o->ask_password = on_password;
    o->progress = on_progress;
    o->ctx = rep;
}

static void
summary_json(struct ingest_report *rep, const struct ingest_result *r, int rc)
{
    json_t *j = json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:b, s:o}", "bundle",
                          r->committed ? json_integer((json_int_t) r->seq) : json_null(), "sealed",
                          (json_int_t) r->sealed, "uninspected", (json_int_t) r->uninspected,
                          "already", (json_int_t) r->already, "skipped", (json_int_t) r->skipped,
                          "failed", (json_int_t) r->failed, "ok", rc == 0, "files", rep->files);

    rep->files = NULL;
    json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    json_decref(j);
}

int
ingest_report_finish(struct ingest_report *rep, int rc, const struct ingest_result *r, bool import)
{
    int status = EXIT_OK;

    if (rep->progress)
        fputs("\r\033[K", stderr);
    if (rep->held) {
        fclose(rep->held);
        rep->held = NULL;
        if (rc == 0 && !r->failed && rep->held_text)
            fputs(rep->held_text, stdout);
        free(rep->held_text);
        rep->held_text = NULL;
    }
    if (r->warning)
        cli_warn("bundle %llu is committed, but: %s", (unsigned long long) r->seq, r->warning_text);
    if (rc < 0) {
        /* one bad file already has its line; with several, say that none went in */
        if (!(import && r->failed == 1 && r->seen == 1))
            cli_error_from(NULL);
        status = EXIT_FAIL;
    } else if (r->failed) {
        status = EXIT_FAIL;
    }
    if (rep->cli->json) {
        summary_json(rep, r, status);
        return status;
    }
    if (r->committed) {
        printf("bundle %llu committed: %llu sealed", (unsigned long long) r->seq,
               (unsigned long long) r->sealed);
        if (r->uninspected)
            printf(" (%llu uninspected)", (unsigned long long) r->uninspected);
        if (r->already)
            printf(", %llu already sealed", (unsigned long long) r->already);
        if (r->skipped)
            printf(", %llu skipped", (unsigned long long) r->skipped);
        if (r->failed)
            printf(", %llu not sealed", (unsigned long long) r->failed);
        putchar('\n');
    } else if (rc == 0 && !r->failed) {
        printf("nothing new to seal; no bundle committed (%llu already sealed, %llu skipped)\n",
               (unsigned long long) r->already, (unsigned long long) r->skipped);
    } else if (rc == 0 && r->failed && !import) {
        cli_error("%llu export files could not be sealed; no bundle committed",
                  (unsigned long long) r->failed);
    }
    return status;
}
