/*
 * ingest_count.c: how many files an inspecting ingest will ask a password
 * for, before it asks the first (the "3 of 20" in each prompt). Only what
 * detection needs is read: the first FMT_DETECT_HEAD bytes of each file. The
 * files are read again by the ingest itself, so a file that changes in
 * between makes the count a guess, never a decision.
 */
#include "vault/ingest_internal.h"
#include "vault/walk.h"
#include "common/fsutil.h"
#include "common/secmem.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

/* Whether the ingest will ask this open file's password (fd is closed). */
static bool
asks_password(const struct ingest_opts *o, int fd, const struct stat *st, const char *name,
              uint8_t *head)
{
    struct fmt_detect det;
    size_t            want;
    ssize_t           n;

    if (!S_ISREG(st->st_mode) || st->st_size <= 0 || (uint64_t) st->st_size > o->max_size ||
        (uint64_t) st->st_size > INGEST_INMEM_MAX) {
        close(fd);
        return false;
    }
    want = (uint64_t) st->st_size < FMT_DETECT_HEAD ? (size_t) st->st_size : FMT_DETECT_HEAD;
    n = fs_pread_full(fd, head, want, 0);
    close(fd);
    if (n != (ssize_t) want)
        return false;
    if (o->declared == FMT_OPAQUE)
        fmt_detect_opaque_key(head, want, (uint64_t) st->st_size, name, &det);
    else if (o->declared != FMT_NONE)
        fmt_detect_as(o->declared, &det);
    else
        fmt_detect_named(head, want, (uint64_t) st->st_size, name, &det);
    sodium_memzero(head, want);
    return det.kind != FMT_NONE && det.inspectable && det.password;
}

int
ingest_count_passwords_files(char *const *paths, size_t n, const struct ingest_opts *o,
                             uint64_t *ret)
{
    uint8_t *head = secmem_alloc(FMT_DETECT_HEAD);
    size_t   i;

    *ret = 0;
    if (head == NULL)
        return -ENOMEM;
    for (i = 0; i < n; i++) {
        struct stat st;
        const char *base = strrchr(paths[i], '/');
        int         fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

        if (fd < 0)
            continue;
        if (fstat(fd, &st) < 0) {
            close(fd);
            continue;
        }
        if (asks_password(o, fd, &st, base ? base + 1 : paths[i], head))
            (*ret)++;
    }
    secmem_free(head);
    return 0;
}

static void
no_skip(void *ctx, const char *relpath, const char *why)
{
    (void) ctx, (void) relpath, (void) why;
}

int
ingest_count_passwords_tree(int root_fd, const struct ingest_opts *o, uint64_t *ret)
{
    struct walk_opts  wo = { 0, 0, no_skip, NULL };
    struct walk_entry e;
    struct walk      *w;
    uint8_t          *head = secmem_alloc(FMT_DETECT_HEAD);
    int               rc;

    *ret = 0;
    if (head == NULL)
        return -ENOMEM;
    if ((rc = vault_walk_new(root_fd, &wo, &w)) < 0) {
        secmem_free(head);
        return rc;
    }
    while ((rc = vault_walk_next(w, &e)) > 0 && !(o->abort && *o->abort)) {
        struct stat st;
        int         fd = fs_open_beneath(e.dirfd, e.name, O_RDONLY | O_NONBLOCK | O_NOCTTY);

        if (fd < 0)
            continue;
        if (fstat(fd, &st) < 0 || st.st_ino != e.st.st_ino || st.st_nlink != 1) {
            close(fd);
            continue;
        }
        if (asks_password(o, fd, &st, e.name, head))
            (*ret)++;
    }
    vault_walk_free(w);
    secmem_free(head);
    return rc < 0 ? rc : 0;
}
