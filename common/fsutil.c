#include "common/fsutil.h"
#include "common/err.h"
#include "common/secmem.h"

#include <stdbool.h>

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <stdbool.h>
#include <unistd.h>

/* The path an fd was opened as, for messages ("?" when unknown). */
static void
fd_path(int fd, char *out, size_t cap)
{
    char    link[64];
    ssize_t n;

    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    n = readlink(link, out, cap - 1);
    if (n < 0)
        n = snprintf(out, cap, "?") > 0 ? 1 : 0;
    out[n] = '\0';
}

int
fs_fsync_dir(int dirfd)
{
    if (fsync(dirfd) < 0 && errno != EINVAL) {
        char path[4096];
        int  e = errno;

        fd_path(dirfd, path, sizeof path);
        return okra_fail_write(e, "the folder %s to disk", path);
    }
    return 0;
}

int
fs_write_full(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t) n;
    }
    return 0;
}

int
fs_pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
    const uint8_t *p = buf;

    while (len > 0) {
        ssize_t n = pwrite(fd, p, len, off);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t) n;
        off += n;
    }
    return 0;
}

ssize_t
fs_pread_full(int fd, void *buf, size_t len, off_t off)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = pread(fd, (uint8_t *) buf + done, len - done, off + (off_t) done);

        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        if (n == 0)
            break;
        done += (size_t) n;
    }
    return (ssize_t) done;
}

int
fs_write_atomic(int dirfd, const char *name, const void *data, size_t len, mode_t mode)
{
    char tmp[256];
    int  fd, rc;

    if (snprintf(tmp, sizeof tmp, ".%s.tmp.%ld", name, (long) getpid()) >= (int) sizeof tmp)
        return okra_fail(-ENAMETOOLONG, "file name too long: %s", name);
    fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0)
        return okra_fail_errno(errno, "cannot create %s", tmp);
    if ((rc = fs_write_full(fd, data, len)) < 0 || fchmod(fd, mode) < 0 || fsync(fd) < 0) {
        rc = rc < 0 ? rc : -errno;
        close(fd);
        unlinkat(dirfd, tmp, 0);
        return okra_fail_write(-rc, "%s", name);
    }
    if (close(fd) < 0 || renameat(dirfd, tmp, dirfd, name) < 0) {
        rc = errno;
        unlinkat(dirfd, tmp, 0);
        return okra_fail_write(rc, "%s", name);
    }
    return fs_fsync_dir(dirfd);
}

static int
read_file_with(int dirfd, const char *name, size_t max, bool secure, char **ret_data,
               size_t *ret_len)
{
    struct stat st;
    char       *buf;
    ssize_t     n;
    int         fd;

    fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        int e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        close(fd);
        return -e;
    }
    if ((uint64_t) st.st_size > max) {
        close(fd);
        return -EFBIG;
    }
    buf = secure ? secmem_alloc((size_t) st.st_size + 1) : malloc((size_t) st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        return -ENOMEM;
    }
    n = fs_pread_full(fd, buf, (size_t) st.st_size, 0);
    close(fd);
    if (n < 0) {
        if (secure)
            secmem_free(buf);
        else
            free(buf);
        return (int) n;
    }
    buf[n] = '\0';
    *ret_data = buf;
    *ret_len = (size_t) n;
    return 0;
}

int
fs_read_file(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len)
{
    return read_file_with(dirfd, name, max, false, ret_data, ret_len);
}

int
fs_read_file_secure(int dirfd, const char *name, size_t max, char **ret_data, size_t *ret_len)
{
    return read_file_with(dirfd, name, max, true, ret_data, ret_len);
}

/*
 * Without openat2 (kernels before 5.6, valgrind, some seccomp profiles): one
 * component at a time, no link followed, no "." or "..", not across a mount.
 */
static int
open_beneath_by_hand(int dirfd, const char *path, int flags)
{
    struct stat top, st;
    const char *p = path;
    int         cur = dirfd, fd;

    if (fstat(dirfd, &top) < 0)
        return -errno;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t      n = slash ? (size_t) (slash - p) : strlen(p);
        bool        last = slash == NULL;
        char        comp[NAME_MAX + 1];

        if (n == 0 || n > NAME_MAX || (n == 1 && p[0] == '.') ||
            (n == 2 && p[0] == '.' && p[1] == '.')) {
            fd = -EXDEV;
            break;
        }
        memcpy(comp, p, n);
        comp[n] = '\0';
        fd = openat(cur, comp, (last ? flags : O_RDONLY | O_DIRECTORY) | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) {
            fd = -errno;
            break;
        }
        if (fstat(fd, &st) < 0 || st.st_dev != top.st_dev) {
            close(fd);
            fd = -EXDEV;
            break;
        }
        if (cur != dirfd)
            close(cur);
        if (last)
            return fd;
        cur = fd;
        p = slash + 1;
    }
    if (cur != dirfd)
        close(cur);
    return fd;
}

int
fs_open_beneath(int dirfd, const char *path, int flags)
{
    struct open_how how = {
        .flags = (uint64_t) (flags | O_CLOEXEC | O_NOFOLLOW),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
    };
    long fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);

    if (fd < 0 && (errno == ENOSYS || errno == EPERM))
        return open_beneath_by_hand(dirfd, path, flags);
    return fd < 0 ? -errno : (int) fd;
}

int
fs_mkdirs(const char *path, mode_t mode)
{
    char  *p = strdup(path), *s;
    int    rc = 0;

    if (p == NULL)
        return -ENOMEM;
    for (s = p + 1; ; s++) {
        if (*s == '/' || *s == '\0') {
            char c = *s;
            *s = '\0';
            if (mkdir(p, mode) < 0 && errno != EEXIST) {
                rc = -errno;
                break;
            }
            if ((*s = c) == '\0')
                break;
        }
    }
    free(p);
    return rc;
}

/* Folders walked up at most: deeper than PATH_MAX allows anyway. */
#define BENEATH_MAX_DEPTH 4096

int
fs_dir_beneath(int dirfd, int ancestor)
{
    struct stat a, cur, up;
    int         fd, depth, rc = 0;

    if (fstat(ancestor, &a) < 0 || (fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -errno;
    for (depth = 0; depth < BENEATH_MAX_DEPTH; depth++) {
        int parent;

        if (fstat(fd, &cur) < 0) {
            rc = -errno;
            break;
        }
        if (cur.st_dev == a.st_dev && cur.st_ino == a.st_ino) {
            rc = 1;
            break;
        }
        if ((parent = openat(fd, "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            rc = -errno;
            break;
        }
        close(fd);
        fd = parent;
        if (fstat(fd, &up) < 0) {
            rc = -errno;
            break;
        }
        if (up.st_dev == cur.st_dev && up.st_ino == cur.st_ino)
            break; /* the root: ".." is itself */
    }
    close(fd);
    return rc;
}

int
fs_open_nearest_dir(const char *path, bool *ret_whole)
{
    char *p = strdup(*path ? path : ".");
    int   fd = -1;

    if (p == NULL)
        return -ENOMEM;
    *ret_whole = true;
    for (;;) {
        char *slash;

        if ((fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0 ||
            (errno != ENOENT && errno != ENOTDIR))
            break;
        *ret_whole = false;
        while ((slash = strrchr(p, '/')) != NULL && slash[1] == '\0' && slash != p)
            *slash = '\0'; /* trailing slashes */
        slash = strrchr(p, '/');
        if (slash == NULL)
            strcpy(p, ".");
        else if (slash == p)
            p[1] = '\0';
        else
            *slash = '\0';
    }
    free(p);
    return fd >= 0 ? fd : -errno;
}
