/*
 * cmd_ceremony_watch.c: 'ceremony recover --watch': the custodians bring
 * their share files on their own media, one after another. Each medium is
 * read in user space by the sandboxed reader, as mediawatch reads media
 * (never mounted); the share files on it (age passphrase files, or a paper
 * backup's mnemonic typed into a text file) are copied into locked, wiped
 * memory (sodium_malloc, never a file) before any passphrase is asked; when
 * enough shares are in, the recovery goes on as with --share. Nothing on a
 * medium is trusted: the files are judged like any --share file.
 */
#include "cli/ceremony.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"
#include "common/sha256.h"
#include "ceremony/slip39.h"
#include "crypto/age.h"
#include "mediawatch/mediawatch.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WATCH_MAX_SHARES 32

/* Shares read from media: how messages name them, and where their bytes are. */
static struct {
    char    *label;  /* "LABEL:path" */
    uint8_t *data;   /* its bytes, in secure memory (a paper backup is the share itself) */
    size_t   len;
    uint8_t  hash[32]; /* the same file on two media (or one medium twice) counts once */
} found[WATCH_MAX_SHARES];
static size_t n_found;

int
cli_ceremony_watch_read(const char *label, char **ret_data, size_t *ret_len)
{
    size_t i;

    for (i = 0; i < n_found; i++) {
        if (strcmp(found[i].label, label) != 0)
            continue;
        if ((*ret_data = secmem_alloc(found[i].len + 1)) == NULL)
            return -ENOMEM;
        memcpy(*ret_data, found[i].data, found[i].len);
        (*ret_data)[found[i].len] = '\0';
        *ret_len = found[i].len;
        return 0;
    }
    return -ENOENT;
}

void
cli_ceremony_watch_free(void)
{
    size_t i;

    for (i = 0; i < n_found; i++) {
        secmem_free(found[i].data); /* wiped */
        free(found[i].label);
    }
    n_found = 0;
}

static volatile sig_atomic_t watch_stop; /* Ctrl-C, or enough shares in */
static bool                  user_stop;
static unsigned              watch_need;

static void
on_stop(int sig)
{
    (void) sig;
    user_stop = true;
    watch_stop = 1;
}

static void
watch_log(void *ctx, enum mw_log_level level, const char *fmt, ...)
{
    char    line[1024];
    va_list ap;

    (void) ctx;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (level == MW_INFO) {
        cli_put_safe(stderr, line);
        fputc('\n', stderr);
    } else {
        cli_warn("%s", line);
    }
}

/* Whether the bytes are a share file, or a paper backup's mnemonic that decodes. */
static bool
looks_like_share(const uint8_t *p, size_t n)
{
    struct share_text   *t;
    struct slip39_share *sh;
    bool                 yes = false;

    if (age_looks_like(p, n))
        return true;
    t = sharefile_text_new();
    sh = secmem_alloc(sizeof *sh);
    if (t && sh && sharefile_parse_text((const char *) p, n, t) == 0)
        yes = slip39_decode(t->mnemonic, sh) == 0;
    secmem_free(sh);
    secmem_free(t);
    okra_clear_error();
    return yes;
}

/* A name the custodian hid (a part starting with '.'): passed over. */
static bool
hidden(const char *path)
{
    return path[0] == '.' || strstr(path, "/.") != NULL;
}

/* Keeps the file's bytes (in secure memory) when they are a share not seen before; 1 kept. */
static int
keep_share(uint8_t *buf, size_t len, const char *medium, const char *path)
{
    char *shown = cli_safe_dup(path);

    if (!looks_like_share(buf, len) || n_found == WATCH_MAX_SHARES) {
        secmem_free(buf);
        free(shown);
        return 0;
    }
    sha256_oneshot(buf, len, found[n_found].hash);
    for (size_t i = 0; i < n_found; i++)
        if (memcmp(found[i].hash, found[n_found].hash, 32) == 0) {
            fprintf(stderr, "already read: %s:%s (the same as %s)\n", medium,
                    shown ? shown : "?", found[i].label);
            secmem_free(buf);
            free(shown);
            return 0;
        }
    if (asprintf(&found[n_found].label, "%s:%s", medium, shown ? shown : "?") < 0) {
        secmem_free(buf);
        free(shown);
        return 0;
    }
    free(shown);
    found[n_found].data = buf;
    found[n_found].len = len;
    n_found++;
    return 1;
}

/*
 * The share files in a medium's top folder and the folders just below it,
 * from the reader. Returns how many were kept, or negative when the medium
 * could not be read (the reason is left).
 */
static int
collect(int dev_fd, struct mw_medium *m, volatile sig_atomic_t *abort)
{
    struct mw_read_opts o = { .max_size = SHARE_FILE_MAX, .max_depth = 1, .abort = abort };
    struct mw_reader   *r;
    struct mw_entry     e;
    const char         *medium = NULL;
    int                 kept = 0, rc;

    if ((rc = mw_reader_open(dev_fd, &o, &r)) < 0)
        return rc;
    while ((rc = mw_reader_next(r, &e)) > 0) {
        uint8_t *buf;

        if (medium == NULL) {
            if (mw_reader_volume(r) != NULL)
                (void) mw_medium_set_volume(m, mw_reader_volume(r));
            medium = m->fs_label ? m->fs_label : m->devname ? m->devname : "medium";
        }
        if (e.why != NULL || e.size == 0 || hidden(e.path))
            continue;
        if ((buf = secmem_alloc(e.size)) == NULL) {
            rc = -ENOMEM;
            break;
        }
        if ((rc = mw_reader_read(r, buf, e.size)) < 0) {
            secmem_free(buf);
            if (rc == -EIO)
                continue; /* damaged on the medium: not a share */
            break;
        }
        kept += keep_share(buf, e.size, medium, e.path);
    }
    {
        int rc2 = mw_reader_close(r);

        if (rc == 0)
            rc = rc2;
    }
    return rc < 0 ? rc : kept;
}

static int
on_medium(void *ctx, struct mw_medium *m, int dev_fd, volatile sig_atomic_t *abort)
{
    size_t before = n_found;
    int    kept;

    (void) ctx;
    kept = collect(dev_fd, m, abort);
    if (kept < 0) {
        cli_warn("%s cannot be read (%s); take it out", m->devname ? m->devname : "a medium",
                 okra_errmsg());
        return 0;
    }
    if (kept == 0)
        cli_warn("no new share file on %s; take it out (share files are read from its top "
                 "folder and the folders just below)",
                 m->fs_label ? m->fs_label : m->devname ? m->devname : "the medium");
    for (size_t i = before; i < n_found; i++)
        fprintf(stderr, "share found: %s\n", found[i].label);
    if (n_found >= watch_need)
        watch_stop = 1; /* enough: mw_run returns after this medium */
    else
        fprintf(stderr, "%zu of %u shares in; the next medium, please\n", n_found, watch_need);
    return 0;
}

int
cli_ceremony_watch_shares(struct cli *cli, const struct ceremony_watch *w, unsigned need,
                      char ***ret_labels, size_t *ret_n)
{
    struct mw_options o = { .match = w->match, .n_match = w->n_match, .stop = &watch_stop, .on_medium = on_medium, .log = watch_log,
                            .allow_serials = w->allow_serials, .n_allow_serials = w->n_allow_serials,
                            .allow_uuids = w->allow_uuids, .n_allow_uuids = w->n_allow_uuids };
    struct sigaction  sa = { .sa_handler = on_stop }, old_int, old_term;
    char            **labels;
    size_t            i;
    int               rc;

    (void) cli;
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    fprintf(stderr, "waiting for the custodians' media: %u share%s needed; plug them in one "
                    "after another (Ctrl-C to stop)\n", need, need == 1 ? "" : "s");
    watch_need = need;
    watch_stop = 0;
    user_stop = false;
    rc = mw_run(&o);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (user_stop || n_found < need) {
        if (!user_stop && rc < 0)
            cli_error_from("watching for media");
        else if (!user_stop)
            cli_error("the watch for media ended with %zu of %u shares", n_found, need);
        else
            cli_error("stopped while waiting for media; nothing was recovered");
        cli_ceremony_watch_free();
        return -1;
    }
    if ((labels = calloc(n_found, sizeof *labels)) == NULL) {
        cli_ceremony_watch_free();
        return -1;
    }
    for (i = 0; i < n_found; i++)
        labels[i] = found[i].label;
    *ret_labels = labels;
    *ret_n = n_found;
    return 0;
}
