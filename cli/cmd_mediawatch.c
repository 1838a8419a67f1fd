/*
 * okra mediawatch: a medium goes in, its export files come out sealed, one
 * bundle per insertion (even with nothing new: the record of that medium).
 * Lines go to stdout and to syslog (journald under systemd).
 */
#include "cli/cli.h"
#include "cli/ingest_options.h"
#include "cli/ingest_report.h"
#include "cli/media_read.h"
#include "cli/vault_access.h"
#include "cli/values.h"
#include "common/err.h"
#include "mediawatch/mediawatch.h"
#include "vault/vault.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define LOCK_WAIT_S 60

static volatile sig_atomic_t stop_requested;

static void
on_stop(int sig)
{
    (void) sig;
    stop_requested = 1;
}

struct watch {
    struct cli        *cli;
    struct ingest_opts opts;
    int                media_seen, failures;
};

static void
say(enum mw_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
say(enum mw_log_level level, const char *fmt, ...)
{
    char    line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    syslog(level == MW_ERROR ? LOG_ERR : level == MW_WARN ? LOG_WARNING : LOG_INFO, "%s", line);
    if (level == MW_INFO) {
        cli_put_safe(stdout, line);
        putchar('\n');
        fflush(stdout);
    } else {
        cli_error("%s", line);
    }
}

static void
mw_log(void *ctx, enum mw_log_level level, const char *fmt, ...)
{
    char    line[2048];
    va_list ap;

    (void) ctx;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    say(level, "%s", line);
}

/* Each file's line also goes to syslog. */
static void
to_syslog(void *ctx, enum ingest_line what, const char *path, const char *detail)
{
    (void) ctx;
    syslog(what == INGEST_FAILED ? LOG_WARNING : LOG_INFO, "%s %s%s%s", cli_ingest_line_word(what),
           path, detail ? ": " : "", detail ? detail : "");
}

/* The vault for one medium: the writer's lock, waited for a while (an import may hold it). */
static struct vault *
open_vault(struct watch *w)
{
    struct vault *v;
    int           i, rc;

    for (i = 0; i < LOCK_WAIT_S * 4 && !stop_requested; i++) {
        if ((rc = vault_open(w->cli->vault_dir, VAULT_WRITE, &v)) == 0)
            return v;
        if (rc != -EAGAIN)
            break;
        usleep(250000);
    }
    say(MW_ERROR, "%s", okra_errmsg());
    return NULL;
}

/* Once the reader has found the medium's filesystem: what is read, as the officer sees it. */
static void
announce(void *ctx, const struct mw_medium *m)
{
    (void) ctx;
    say(MW_INFO, "medium %s (%s%s, %s): reading it in user space; nothing is mounted",
        m->devname ? m->devname : "?", m->fs_label ? "label " : "no label",
        m->fs_label ? m->fs_label : "", m->fs_type ? m->fs_type : "unknown filesystem");
}

static int
on_medium(void *ctx, struct mw_medium *m, int dev_fd, volatile sig_atomic_t *abort)
{
    struct watch        *w = ctx;
    struct ingest_opts   o = w->opts;
    struct cli_ingest_report rep;
    struct ingest_result r = { 0 };
    struct vault        *v;
    const char          *name = m->devname ? m->devname : "?";
    int                  rc;

    w->media_seen++;
    if ((v = open_vault(w)) == NULL) {
        w->failures++;
        return -1;
    }
    o.abort = abort;
    cli_ingest_report_init(&rep, w->cli, v, &o, "mediawatch");
    rep.also = to_syslog;
    rc = cli_media_ingest(v, dev_fd, m, &o, &r, announce, w);
    if (r.aborted || (abort && *abort)) {
        cli_ingest_report_discard(&rep);
        say(MW_ERROR, "medium %s was removed while it was read: no bundle was committed; put it "
                      "back to read it again", name);
        rc = -ECANCELED;
    } else {
        if (rc < 0) {
            okra_fail_prefix(rc, "medium %s: ", name);
            syslog(LOG_ERR, "%s; no bundle was committed", okra_errmsg());
        }
        rc = cli_ingest_report_finish(&rep, rc, &r, false) == EXIT_OK ? 0 : -1;
        if (r.committed)
            syslog(LOG_INFO, "bundle %llu committed: %llu sealed, %llu already, %llu skipped",
                   (unsigned long long) r.seq, (unsigned long long) r.sealed,
                   (unsigned long long) r.already, (unsigned long long) r.skipped);
    }
    if (rc < 0)
        w->failures++;
    vault_close(v);
    say(MW_INFO, "medium %s done; it can be taken out", name);
    return rc;
}

struct watch_args {
    struct watch      *w;
    struct mw_options *mo;
    struct cli_matches matches;
};

static int
watch_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct watch_args *a = ctx;

    switch (key) {
    case OPT_MATCH: return cli_match_add(cli, &a->matches, value);
    case OPT_ONCE: a->mo->once = true; break;
    case OPT_OPERATOR: a->w->opts.operator_name = value; break;
    case OPT_MAX_SIZE: return cli_value_size(cli, key, value, &a->w->opts.max_size);
    }
    return 0;
}

/* The vault, and a line when it cannot take media yet: at once, not at the first medium. */
static int
check_vault(struct cli *cli, struct vault **ret)
{
    if (vault_open(cli->vault_dir, VAULT_READ, ret) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if (!(*ret)->has_recipient) {
        cli_error("the vault %s has no recovery recipient yet; run 'okra ceremony init' first",
                  (*ret)->dir);
        vault_close(*ret);
        return EXIT_FAIL;
    }
    return 0;
}

int
cmd_mediawatch(struct cli *cli, int argc, char **argv)
{
    struct watch      w = { .cli = cli };
    struct mw_options mo = { .log = mw_log, .on_medium = on_medium, .stop = &stop_requested };
    struct watch_args a = { &w, &mo, { NULL, 0 } };
    struct sigaction  sa = { .sa_handler = on_stop };
    struct vault     *v;
    const char      **serials = NULL, **uuids = NULL;
    int               first, rc;

    w.opts.kind = "import";
    w.opts.commit_empty = true;
    w.opts.max_size = INGEST_MAX_SIZE_DEFAULT;
    if ((rc = cli_parse_options(cli, argc, argv, watch_option, &a, &first)) == 0 && first < argc)
        rc = cli_usage(cli, "takes no operand");
    if (rc == 0)
        rc = check_vault(cli, &v);
    if (rc != 0) {
        cli_matches_free(&a.matches);
        return rc;
    }
    w.opts.operator_name = cli_operator(w.opts.operator_name);
    serials = cli_media_allow_list(vault_policy(v), "serials", &mo.n_allow_serials);
    uuids = cli_media_allow_list(vault_policy(v), "uuids", &mo.n_allow_uuids);
    mo.allow_serials = serials;
    mo.allow_uuids = uuids;
    mo.match = a.matches.match;
    mo.n_match = a.matches.n;
    mo.ctx = &w;
    openlog("okra-mediawatch", LOG_PID, LOG_DAEMON);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    say(MW_INFO, "watching for media (vault %s); stop with Ctrl-C or SIGTERM", cli->vault_dir);
    rc = mw_run(&mo);
    if (rc < 0 && !stop_requested)
        cli_error_from("mediawatch");
    closelog();
    vault_close(v);
    free(serials);
    free(uuids);
    cli_matches_free(&a.matches);
    if (stop_requested)
        say(MW_INFO, "stopped");
    return rc < 0 && !stop_requested ? EXIT_FAIL : (mo.once && w.failures ? EXIT_FAIL : EXIT_OK);
}
