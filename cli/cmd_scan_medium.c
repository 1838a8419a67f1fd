/*
 * cmd_scan_medium.c: 'okra scan --device DEV' and 'okra scan --image FILE':
 * a stick, or a copy of one, read in user space by the sandboxed reader as
 * mediawatch reads it; never mounted.
 */
#include "cli/cli.h"
#include "cli/ingest_report.h"
#include "cli/media_read.h"
#include "cli/scan_medium.h"
#include "common/err.h"
#include "vault/vault.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Takes --device DEV and --image FILE (and their --opt=VALUE forms) out of argv. */
static int
open_medium(const struct cli_scan_medium *s, struct mw_medium *m, int *ret_fd)
{
    const char *path = s->device ? s->device : s->image;
    struct stat st;
    int         fd, rc;

    if (s->device) {
        if ((rc = mw_device_open(path, 0, &fd)) < 0)
            return okra_fail_prefix(rc, "%s: ", path);
    } else if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0) {
        return okra_fail(-errno, "%s: %s", path,
                         errno == ENOENT ? "does not exist" : errno == EACCES
                                                                  ? "cannot be read (permission denied)"
                                                                  : "cannot be opened");
    }
    if (fstat(fd, &st) < 0 || (s->device && !S_ISBLK(st.st_mode)) ||
        (s->image && !S_ISREG(st.st_mode))) {
        close(fd);
        return okra_fail(-EINVAL, "%s: %s", path,
                         s->device ? "is not a block device (give a disk image with --image)"
                                   : "is not a regular file (give a block device with --device)");
    }
    if (s->device) {
        rc = mw_medium_describe(st.st_rdev, path, m);
    } else {
        char *abs = realpath(path, NULL);

        rc = mw_medium_describe(0, abs ? abs : path, m);
        free(abs);
    }
    if (rc < 0) {
        close(fd);
        return okra_fail(-ENOMEM, "out of memory");
    }
    *ret_fd = fd;
    return 0;
}

static void
announce(void *ctx, const struct mw_medium *m)
{
    struct cli *cli = ctx;
    char        line[1024];

    if (cli->json)
        return;
    snprintf(line, sizeof line, "reading %s (%s%s%s) in user space, without mounting it",
             m->devname ? m->devname : "the medium", m->fs_type ? m->fs_type : "filesystem",
             m->fs_label ? ", label " : "", m->fs_label ? m->fs_label : "");
    puts(line); /* every part is made safe already */
}

int
cli_scan_medium(struct cli *cli, const struct cli_scan_medium *s, struct ingest_opts *o)
{
    struct cli_ingest_report rep;
    struct ingest_result r = { 0 };
    struct mw_medium     m;
    struct vault        *v;
    int                  fd = -1, held = 0, rc;
    const char          *name = s->device ? s->device : s->image;

    if (open_medium(s, &m, &fd) < 0) {
        cli_error_from(NULL);
        return EXIT_FAIL;
    }
    if (vault_open(cli->vault_dir, VAULT_WRITE, &v) < 0) {
        cli_error_from(NULL);
        mw_medium_clear(&m);
        close(fd);
        return EXIT_FAIL;
    }
    if (s->device && (held = mw_device_hold_ro(fd)) < 0)
        cli_warn("%s %s; it is read through a read-only descriptor only", name, okra_errmsg());
    cli_ingest_report_init(&rep, cli, v, o, "scan");
    rc = cli_media_ingest(v, fd, &m, o, &r, announce, cli);
    if (rc < 0)
        okra_fail_prefix(rc, "%s: ", name);
    rc = cli_ingest_report_finish(&rep, rc, &r, false);
    mw_device_release_ro(fd, held);
    vault_close(v);
    mw_medium_clear(&m);
    close(fd);
    if (cli_ingest_report_interrupted())
        cli_die_of_signal(cli_ingest_report_interrupted());
    return rc;
}
