/*
 * okra mediawatch: a medium goes in, its export files come out sealed, one
 * bundle per insertion (even with nothing new: the record of that medium).
 * Lines go to stdout and to syslog (journald under systemd).
 */
#include "cli/cli.h"
#include "cli/ingest_options.h"
#include "cli/ingest_report.h"
#include "cli/vault_access.h"
#include "cli/values.h"
#include "common/err.h"
#include "mediawatch/mediawatch.h"
#include "vault/vault.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

static const struct cmd mediawatch_cmd = {
    "mediawatch", NULL, 0,
    "mediawatch [--match PROP=GLOB]... [--mount-dir DIR] [--once] [--operator NAME] [--max-size BYTES]",
    NULL
};

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
    syslog(what == INGEST_FAILED ? LOG_WARNING : LOG_INFO, "%s %s%s%s", ingest_line_word(what),
           path, detail ? ": " : "", detail ? detail : "");
}

static json_t *
media_json(const struct mw_medium *m)
{
    json_t *j = json_object();

#define FIELD(f)                                                                                   \
    if (m->f)                                                                                      \
    json_object_set_new(j, #f, json_string(m->f))
    FIELD(devname);
    FIELD(vendor);
    FIELD(model);
    FIELD(serial);
    FIELD(fs_type);
    FIELD(fs_uuid);
    FIELD(fs_label);
    FIELD(mount_options);
#undef FIELD
    return j;
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

static int
on_medium(void *ctx, const struct mw_medium *m, int root_fd, const char *mount_path,
          volatile sig_atomic_t *abort)
{
    struct watch        *w = ctx;
    struct ingest_opts   o = w->opts;
    struct ingest_report rep;
    struct ingest_result r = { 0 };
    struct vault        *v;
    int                  rc;

    (void) mount_path;
    w->media_seen++;
    say(MW_INFO, "medium %s (%s%s%s, %s) mounted %s; scanning", m->devname ? m->devname : "?",
        m->fs_label ? "label " : "", m->fs_label ? m->fs_label : "no label",
        m->serial ? (m->fs_label ? ", serial set" : "") : "", m->fs_type ? m->fs_type : "?",
        m->mount_options ? m->mount_options : "read-only");
    if ((v = open_vault(w)) == NULL) {
        w->failures++;
        return -1;
    }
    o.media = media_json(m);
    o.abort = abort;
    ingest_report_init(&rep, w->cli, v, &o, "mediawatch");
    rep.also = to_syslog;
    rc = ingest_tree(v, root_fd, &o, &r);
    if (r.aborted || (abort && *abort)) {
        ingest_report_discard(&rep);
        say(MW_ERROR, "medium %s was removed during the scan: no bundle was committed; put it "
                      "back to scan it again", m->devname ? m->devname : "?");
        rc = -ECANCELED;
    } else {
        rc = ingest_report_finish(&rep, rc, &r, false) == EXIT_OK ? 0 : -1;
        if (r.committed)
            syslog(LOG_INFO, "bundle %llu committed: %llu sealed, %llu already, %llu skipped",
                   (unsigned long long) r.seq, (unsigned long long) r.sealed,
                   (unsigned long long) r.already, (unsigned long long) r.skipped);
    }
    if (rc < 0)
        w->failures++;
    json_decref(o.media);
    vault_close(v);
    say(MW_INFO, "medium %s done; unmounting, it can be taken out", m->devname ? m->devname : "?");
    return rc;
}

int
cmd_mediawatch(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        { "match", required_argument, NULL, 'M' }, { "mount-dir", required_argument, NULL, 'd' },
        { "once", no_argument, NULL, '1' },        { "operator", required_argument, NULL, 'o' },
        { "max-size", required_argument, NULL, 's' }, { NULL, 0, NULL, 0 },
    };
    struct watch      w = { .cli = cli };
    struct mw_options mo = { .log = mw_log, .on_medium = on_medium, .stop = &stop_requested };
    struct mw_match  *match = NULL;
    struct sigaction  sa = { .sa_handler = on_stop };
    struct vault     *v;
    const char      **serials = NULL, **uuids = NULL;
    size_t            n_match = 0, i;
    int               ch, rc;

    w.opts.kind = "import";
    w.opts.commit_empty = true;
    w.opts.max_size = INGEST_MAX_SIZE_DEFAULT;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (ch) {
        case 'M': {
            struct mw_match *m = realloc(match, (n_match + 1) * sizeof *m);

            if (m == NULL)
                return cli_usage(&mediawatch_cmd, "out of memory");
            match = m;
            if (mw_match_parse(optarg, &match[n_match]) < 0) {
                for (i = 0; i < n_match; i++)
                    mw_match_clear(&match[i]);
                free(match);
                return cli_usage(&mediawatch_cmd, "--match takes PROP=GLOB, e.g. ID_BUS=usb");
            }
            n_match++;
            break;
        }
        case 'd': mo.mount_dir = optarg; break;
        case '1': mo.once = true; break;
        case 'o': w.opts.operator_name = optarg; break;
        case 's':
            if (cli_value_size(&mediawatch_cmd, "--max-size", optarg, &w.opts.max_size) != 0)
                return EXIT_USAGE;
            break;
        default:
            return cli_usage(&mediawatch_cmd, "unknown option");
        }
    }
    if (optind < argc)
        return cli_usage(&mediawatch_cmd, "mediawatch takes no operand");
    w.opts.operator_name = cli_operator(w.opts.operator_name);
    /* fail at once on a missing vault or one without a recipient, not at the first medium */
    if (vault_open(cli->vault_dir, VAULT_READ, &v) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if (!v->has_recipient) {
        cli_error("the vault %s has no recovery recipient yet; run 'okra ceremony init' first", v->dir);
        vault_close(v);
        return EXIT_FAIL;
    }
    serials = cli_media_allow_list(vault_policy(v), "serials", &mo.n_allow_serials);
    uuids = cli_media_allow_list(vault_policy(v), "uuids", &mo.n_allow_uuids);
    mo.allow_serials = serials;
    mo.allow_uuids = uuids;
    mo.match = match;
    mo.n_match = n_match;
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
    for (i = 0; i < n_match; i++)
        mw_match_clear(&match[i]);
    free(match);
    if (stop_requested)
        say(MW_INFO, "stopped");
    return rc < 0 && !stop_requested ? EXIT_FAIL : (mo.once && w.failures ? EXIT_FAIL : EXIT_OK);
}
