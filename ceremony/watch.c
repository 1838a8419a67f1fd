/* watch.c: shares from the custodians' media (watch.h). */
#include "ceremony/watch.h"
#include "common/err.h"
#include "common/secmem.h"
#include "common/sha256.h"
#include "common/text.h"
#include "ceremony/slip39.h"
#include "crypto/age.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A share read from a medium, as the quorum's source: a copy into secure memory. */
static int
read_found(void *ctx, const char *label, char **ret_data, size_t *ret_len)
{
    const struct cer_watch *w = ctx;
    size_t                  i;

    for (i = 0; i < w->n_found; i++) {
        if (strcmp(w->found[i].label, label) != 0)
            continue;
        if ((*ret_data = secmem_alloc(w->found[i].len + 1)) == NULL)
            return -ENOMEM;
        memcpy(*ret_data, w->found[i].data, w->found[i].len);
        (*ret_data)[w->found[i].len] = '\0';
        *ret_len = w->found[i].len;
        return 0;
    }
    return -ENOENT;
}

void
cer_watch_free(struct cer_watch *w)
{
    size_t i;

    for (i = 0; i < w->n_found; i++) {
        secmem_free(w->found[i].data); /* wiped */
        free(w->found[i].label);
        w->found[i].data = NULL;
        w->found[i].label = NULL;
    }
    w->n_found = 0;
}

static void
watch_log(void *ctx, enum mw_log_level level, const char *fmt, ...)
{
    const struct cer_watch *w = ctx;
    char                    line[1024];
    va_list                 ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    cer_say(w->ui, level == MW_INFO ? CER_SAY_INFO : CER_SAY_WARN, "%s", line);
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
keep_share(struct cer_watch *w, uint8_t *buf, size_t len, const char *medium, const char *path)
{
    struct cer_watch_share *f = &w->found[w->n_found];
    char                   *shown;
    size_t                  i;

    if (w->n_found == CER_WATCH_MAX_SHARES || !looks_like_share(buf, len)) {
        secmem_free(buf);
        return 0;
    }
    sha256_oneshot(buf, len, f->hash);
    shown = text_escape(path, strlen(path));
    for (i = 0; i < w->n_found; i++)
        if (memcmp(w->found[i].hash, f->hash, 32) == 0) {
            cer_say(w->ui, CER_SAY_INFO, "already read: %s:%s (the same as %s)", medium,
                    shown ? shown : "?", w->found[i].label);
            secmem_free(buf);
            free(shown);
            return 0;
        }
    if (asprintf(&f->label, "%s:%s", medium, shown ? shown : "?") < 0) {
        f->label = NULL;
        secmem_free(buf);
        free(shown);
        return 0;
    }
    free(shown);
    f->data = buf;
    f->len = len;
    w->n_found++;
    return 1;
}

/*
 * The share files in a medium's top folder and the folders just below it,
 * from the reader. Returns how many were kept, or negative when the medium
 * could not be read (the reason is left).
 */
static int
collect(struct cer_watch *w, int dev_fd, struct mw_medium *m, volatile sig_atomic_t *abort)
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
        kept += keep_share(w, buf, e.size, medium, e.path);
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
    struct cer_watch *w = ctx;
    size_t            before = w->n_found, i;
    int               kept = collect(w, dev_fd, m, abort);

    if (kept < 0) {
        cer_say(w->ui, CER_SAY_WARN, "%s cannot be read (%s); take it out",
                m->devname ? m->devname : "a medium", okra_errmsg());
        return 0;
    }
    if (kept == 0)
        cer_say(w->ui, CER_SAY_WARN, "no new share file on %s; take it out (share files are read "
                "from its top folder and the folders just below)",
                m->fs_label ? m->fs_label : m->devname ? m->devname : "the medium");
    for (i = before; i < w->n_found; i++)
        cer_say(w->ui, CER_SAY_INFO, "share found: %s", w->found[i].label);
    if (w->n_found >= w->need)
        *w->stop = 1; /* enough: mw_run returns after this medium */
    else
        cer_say(w->ui, CER_SAY_INFO, "%zu of %u shares in; the next medium, please", w->n_found,
                w->need);
    return 0;
}

int
cer_watch_run(const struct cer_ui *ui, struct cer_watch *w)
{
    struct mw_options o = { .match = w->match, .n_match = w->n_match, .stop = w->stop,
                            .on_medium = on_medium, .log = watch_log, .ctx = w,
                            .allow_serials = w->allow_serials,
                            .n_allow_serials = w->n_allow_serials,
                            .allow_uuids = w->allow_uuids, .n_allow_uuids = w->n_allow_uuids };
    int               rc;

    w->ui = ui;
    w->source = (struct cer_share_source) { read_found, w };
    cer_say(ui, CER_SAY_INFO, "waiting for the custodians' media: %u share%s needed; plug them in "
                              "one after another (Ctrl-C to stop)", w->need,
            w->need == 1 ? "" : "s");
    *w->stop = 0;
    rc = mw_run(&o);
    if (w->n_found >= w->need)
        return 0;
    if (*w->stop)
        return -ECANCELED;
    if (rc < 0)
        cer_say_failure(ui, "watching for media");
    else
        cer_say(ui, CER_SAY_ERROR, "the watch for media ended with %zu of %u shares", w->n_found,
                w->need);
    return rc < 0 ? rc : -ENOENT;
}

char **
cer_watch_labels(const struct cer_watch *w)
{
    char **labels = calloc(w->n_found + 1, sizeof *labels);
    size_t i;

    for (i = 0; labels && i < w->n_found; i++)
        labels[i] = w->found[i].label;
    return labels;
}
