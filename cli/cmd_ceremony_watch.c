/*
 * cmd_ceremony_watch.c: 'ceremony recover --watch': the custodians bring
 * their share files on their own media, one after another. Each medium is
 * mounted read-only (mediawatch), the share files on it (age passphrase
 * files, or a paper backup's mnemonic typed into a text file) are copied
 * into locked, wiped memory (sodium_malloc, never a file), and the medium
 * is unmounted at once; when enough shares are in, the recovery goes on as
 * with --share. Nothing on a medium is trusted: the files are judged like
 * any --share file.
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
ceremony_watch_read(const char *label, char **ret_data, size_t *ret_len)
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
ceremony_watch_free(void)
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

/* Copies one file from the medium into secure memory; 1 kept, 0 not a share. */
static int
keep_file(int dirfd, const char *name, const char *medium, const char *rel)
{
    struct stat st;
    uint8_t    *buf;
    ssize_t     len;
    int         fd = fs_open_beneath(dirfd, name, O_RDONLY | O_NONBLOCK | O_NOCTTY);

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
        st.st_size > SHARE_FILE_MAX || n_found == WATCH_MAX_SHARES ||
        (buf = secmem_alloc((size_t) st.st_size)) == NULL) {
        close(fd);
        return 0;
    }
    len = fs_pread_full(fd, buf, (size_t) st.st_size, 0);
    close(fd);
    if (len != st.st_size || !looks_like_share(buf, (size_t) len)) {
        secmem_free(buf);
        return 0;
    }
    sha256_oneshot(buf, (size_t) len, found[n_found].hash);
    for (size_t i = 0; i < n_found; i++)
        if (memcmp(found[i].hash, found[n_found].hash, 32) == 0) {
            fprintf(stderr, "already read: %s:%s (the same as %s)\n", medium, rel, found[i].label);
            secmem_free(buf);
            return 0;
        }
    if (asprintf(&found[n_found].label, "%s:%s", medium, rel) < 0) {
        secmem_free(buf);
        return 0;
    }
    found[n_found].data = buf;
    found[n_found].len = (size_t) len;
    n_found++;
    return 1;
}

/* The share files in a medium's top folder and the folders just below it. */
static int
collect(int dirfd, const char *medium, const char *prefix, int depth)
{
    DIR           *d;
    struct dirent *e;
    int            fd = dup(dirfd), kept = 0;

    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char rel[1024];

        if (e->d_name[0] == '.')
            continue;
        snprintf(rel, sizeof rel, "%s%s", prefix, e->d_name);
        if (e->d_type == DT_DIR && depth > 0) {
            int sub = fs_open_beneath(dirfd, e->d_name, O_RDONLY | O_DIRECTORY);

            if (sub >= 0) {
                char p2[1100];

                snprintf(p2, sizeof p2, "%s/", rel);
                kept += collect(sub, medium, p2, depth - 1);
                close(sub);
            }
        } else if (e->d_type == DT_REG) {
            kept += keep_file(dirfd, e->d_name, medium, rel);
        }
    }
    closedir(d);
    return kept;
}

static int
on_medium(void *ctx, const struct mw_medium *m, int root_fd, const char *mount_path,
          volatile sig_atomic_t *abort)
{
    const char *name = m->fs_label ? m->fs_label : m->devname ? m->devname : "medium";
    size_t      before = n_found;
    int         kept;

    (void) ctx, (void) mount_path, (void) abort;
    kept = collect(root_fd, name, "", 1);
    if (kept == 0)
        cli_warn("no new share file on %s; take it out (share files are read from its top "
                 "folder and the folders just below)", name);
    for (size_t i = before; i < n_found; i++)
        fprintf(stderr, "share found: %s\n", found[i].label);
    if (n_found >= watch_need)
        watch_stop = 1; /* enough: mw_run returns after this medium is unmounted */
    else
        fprintf(stderr, "%zu of %u shares in; the next medium, please\n", n_found, watch_need);
    return 0;
}

int
ceremony_watch_shares(struct cli *cli, const struct ceremony_watch *w, unsigned need,
                      char ***ret_labels, size_t *ret_n)
{
    struct mw_options o = { .match = w->match, .n_match = w->n_match, .mount_dir = w->mount_dir,
                            .stop = &watch_stop, .on_medium = on_medium, .log = watch_log,
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
        ceremony_watch_free();
        return -1;
    }
    if ((labels = calloc(n_found, sizeof *labels)) == NULL) {
        ceremony_watch_free();
        return -1;
    }
    for (i = 0; i < n_found; i++)
        labels[i] = found[i].label;
    *ret_labels = labels;
    *ret_n = n_found;
    return 0;
}
