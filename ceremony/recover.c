/* recover.c: sealed payloads out of bundles, into a staged output folder. */
#include "ceremony/recover.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void
cer_out_name(const char *id, const char *source_path, bool pfx, char *out)
{
    const char *base = source_path ? strrchr(source_path, '/') : NULL;
    size_t      o, i;

    if (pfx || source_path == NULL) {
        snprintf(out, CER_OUT_NAME_MAX, "%s%s", id, pfx ? ".pfx" : "");
        return;
    }
    base = base ? base + 1 : source_path;
    o = (size_t) snprintf(out, CER_OUT_NAME_MAX, "%s-", id);
    for (i = 0; base[i] && o < CER_OUT_NAME_MAX - 1; i++) {
        unsigned char c = (unsigned char) base[i];
        bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';

        out[o++] = ok ? (char) c : '_';
    }
    out[o] = '\0';
}

int
cer_out_precheck(const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return errno == ENOENT ? 0 : okra_fail_errno(errno, "cannot use --out %s", path);
    if (!S_ISDIR(st.st_mode))
        return okra_fail(-ENOTDIR, "--out %s is not a folder", path);
    return 0;
}

int
cer_out_open(const char *path, struct cer_out *ret)
{
    struct stat st;
    int         rc;

    memset(ret, 0, sizeof *ret);
    ret->dirfd = -1;
    if ((rc = cer_out_precheck(path)) < 0)
        return rc;
    if (stat(path, &st) < 0) {
        if ((rc = fs_mkdirs(path, 0700)) < 0)
            return okra_fail_errno(-rc, "cannot create the output folder %s", path);
        ret->created = true;
    }
    if ((ret->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return okra_fail_errno(errno, "cannot open the output folder %s", path);
    if ((ret->path = strdup(path)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    return 0;
}

int
cer_out_check_free(const struct cer_out *o, const char *name)
{
    struct stat st;

    if (fstatat(o->dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT)
        return okra_fail(-EEXIST, "%s/%s exists already; okra never overwrites a file (move it "
                                  "away or choose another --out)", o->path, name);
    return 0;
}

/* Open unnamed staged files: each holds a descriptor until it is published. */
static size_t
open_tmpfiles(const struct cer_out *o)
{
    size_t i, n = 0;

    for (i = 0; i < o->n; i++)
        n += o->files[i].fd >= 0;
    return n;
}

int
cer_out_begin(struct cer_out *o, const char *name, int *ret_fd)
{
    struct cer_staged *f = realloc(o->files, (o->n + 1) * sizeof *f);
    int                fd = -1;

    if (f == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    o->files = f;
    f = &o->files[o->n];
    memset(f, 0, sizeof *f);
    f->fd = -1;
    snprintf(f->name, sizeof f->name, "%s", name);
    if (open_tmpfiles(o) < CER_OUT_TMPFILE_MAX)
        fd = openat(o->dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
    if (fd >= 0) {
        f->fd = fd;
    } else {
        snprintf(f->tmp, sizeof f->tmp, ".okra-recover.%ld.%zu", (long) getpid(), o->n);
        fd = openat(o->dirfd, f->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
            return okra_fail_errno(errno, "cannot create a file in %s", o->path);
    }
    o->n++;
    *ret_fd = fd;
    return 0;
}

void
cer_out_drop_last(struct cer_out *o, int fd)
{
    if (fd >= 0)
        close(fd);
    if (o->n > 0) {
        struct cer_staged *f = &o->files[--o->n];

        if (f->fd < 0)
            unlinkat(o->dirfd, f->tmp, 0);
        /* an unnamed file is gone with its descriptor */
    }
}

int
cer_out_end(struct cer_out *o, int fd)
{
    struct cer_staged *f = &o->files[o->n - 1];
    int                e = fsync(fd) < 0 ? errno : 0;

    if (f->fd < 0 && close(fd) < 0 && e == 0)
        e = errno;
    if (e != 0) {
        int rc = okra_fail_errno(e, "cannot write %s/%s", o->path, f->name);

        cer_out_drop_last(o, f->fd < 0 ? -1 : fd);
        return rc;
    }
    return 0;
}

/* Gives an unnamed file its name; EEXIST when the name is taken. */
static int
link_tmpfile(struct cer_out *o, struct cer_staged *f)
{
    char proc[64];

    if (linkat(f->fd, "", o->dirfd, f->name, AT_EMPTY_PATH) == 0)
        return 0;
    if (errno != ENOENT && errno != EPERM)
        return -errno;
    /* AT_EMPTY_PATH needs CAP_DAC_READ_SEARCH; the /proc link does not */
    snprintf(proc, sizeof proc, "/proc/self/fd/%d", f->fd);
    return linkat(AT_FDCWD, proc, o->dirfd, f->name, AT_SYMLINK_FOLLOW) == 0 ? 0 : -errno;
}

int
cer_out_publish(struct cer_out *o)
{
    size_t i;

    for (i = 0; i < o->n; i++) {
        struct cer_staged *f = &o->files[i];
        int                rc = 0;

        if (f->fd >= 0)
            rc = link_tmpfile(o, f);
        else if (renameat2(o->dirfd, f->tmp, o->dirfd, f->name, RENAME_NOREPLACE) < 0)
            rc = -errno;
        if (rc < 0) {
            fs_fsync_dir(o->dirfd);
            if (rc == -EEXIST)
                return okra_fail(-EEXIST, "%s/%s appeared while okra worked; okra never "
                                          "overwrites a file", o->path, f->name);
            return okra_fail_errno(-rc, "cannot name %s/%s", o->path, f->name);
        }
        f->published = true;
        if (f->fd >= 0) {
            close(f->fd);
            f->fd = -1;
        }
    }
    return fs_fsync_dir(o->dirfd);
}

void
cer_out_close(struct cer_out *o)
{
    size_t i;
    bool   any = false;

    for (i = 0; i < o->n; i++) {
        if (o->files[i].fd >= 0)
            close(o->files[i].fd); /* an unnamed file goes with it */
        else if (!o->files[i].published)
            unlinkat(o->dirfd, o->files[i].tmp, 0);
        any |= o->files[i].published;
    }
    if (o->dirfd >= 0)
        close(o->dirfd);
    if (o->created && !any && o->path)
        rmdir(o->path);
    free(o->files);
    free(o->path);
    memset(o, 0, sizeof *o);
    o->dirfd = -1;
}
