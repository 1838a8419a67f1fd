/*
 * record_file.c: where a printed record goes. Beside the vault, never in it
 * (a vault folder holds what its format says and nothing else, and a record
 * in it would travel with every copy as if it were part of it), written
 * atomically with mode 0600.
 */
#include "ceremony/record.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Opens the folder path names its file in; *ret_name points into *ret_copy. */
static int
open_folder(const char *path, char **ret_copy, const char **ret_name)
{
    char *a = strdup(path), *b = strdup(path), *dir;
    int   fd;

    if (a == NULL || b == NULL) {
        free(a), free(b);
        return okra_fail(-ENOMEM, "out of memory");
    }
    if (*path == '\0' || path[strlen(path) - 1] == '/') {
        free(a), free(b);
        return okra_fail(-EINVAL, "%s names a folder; give a file name for the PDF", path);
    }
    dir = dirname(a);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;

        okra_fail_errno(e, "cannot open its folder %s", dir);
        free(a), free(b);
        return -e;
    }
    free(a);
    *ret_copy = b;
    *ret_name = basename(b);
    return fd;
}

static int
refuse_in_vault(int folder, int v_dirfd)
{
    int rc = fs_dir_beneath(folder, v_dirfd);

    if (rc < 0)
        return okra_fail_errno(-rc, "cannot tell whether its folder lies inside the vault");
    if (rc == 1)
        return okra_fail(-EPERM, "its folder is the vault folder or lies inside it; a printed "
                         "record goes elsewhere (the vault holds its bundles and nothing else)");
    return 0;
}

int
cer_record_pdf_check(const char *path, const char *vault_dir)
{
    const char *name;
    char       *copy;
    int         folder = open_folder(path, &copy, &name), vfd, rc = 0;

    if (folder < 0)
        return folder;
    vfd = open(vault_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (vfd >= 0) {
        rc = refuse_in_vault(folder, vfd);
        close(vfd);
    } /* no vault folder yet: nothing can lie inside it */
    close(folder);
    free(copy);
    return rc;
}

static int
write_temp(const struct cer_record *r, enum cer_paper paper, int folder, const char *tmp)
{
    int fd = openat(folder, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int pages;

    if (fd < 0)
        return okra_fail_errno(errno, "cannot create %s", tmp);
    if ((pages = cer_record_pdf(r, paper, fd)) >= 0 && (fchmod(fd, 0600) < 0 || fsync(fd) < 0))
        pages = okra_fail_write(errno, "%s", tmp);
    if (close(fd) < 0 && pages >= 0)
        pages = okra_fail_write(errno, "%s", tmp);
    return pages;
}

int
cer_record_pdf_write(const struct cer_record *r, enum cer_paper paper, int v_dirfd,
                     const char *path)
{
    const char *name;
    char       *copy, tmp[300];
    int         folder = open_folder(path, &copy, &name), pages;

    if (folder < 0)
        return folder;
    if ((pages = refuse_in_vault(folder, v_dirfd)) == 0) {
        snprintf(tmp, sizeof tmp, ".%.200s.okra-%ld", name, (long) getpid());
        pages = write_temp(r, paper, folder, tmp);
        if (pages >= 0 && renameat(folder, tmp, folder, name) < 0)
            pages = okra_fail_write(errno, "%s", path);
        if (pages < 0)
            unlinkat(folder, tmp, 0);
        else if (fs_fsync_dir(folder) < 0)
            pages = -EIO;
    }
    close(folder);
    free(copy);
    return pages;
}
