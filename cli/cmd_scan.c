/* okra scan: a folder walked safely, export files found by content, one bundle. */
#include "cli/cli.h"
#include "cli/ingest_options.h"
#include "cli/ingest_report.h"
#include "cli/media_read.h"
#include "cli/scan_medium.h"
#include "common/err.h"
#include "vault/vault.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scan_args {
    struct ingest_opts o;
    struct cli_scan_medium medium; /* --device, --image */
};

static int
scan_option(struct cli *cli, void *ctx, int key, const char *value)
{
    struct scan_args *a = ctx;
    const char      **slot = key == OPT_DEVICE ? &a->medium.device
                             : key == OPT_IMAGE ? &a->medium.image : NULL;

    if (slot == NULL)
        return cli_ingest_option(cli, &a->o, key, value);
    if (*slot)
        return cli_usage(cli, "--%s is given twice", key == OPT_DEVICE ? "device" : "image");
    if (!*value)
        return cli_bad_value(cli, key, value, "a path");
    *slot = value;
    return 0;
}

/* The manifest's media for a folder scanned by hand: the folder and what can be known of its medium. */
static json_t *
folder_media(const char *given, int fd)
{
    struct mw_medium m;
    char            *abs = realpath(given, NULL);
    json_t          *j;

    if (mw_medium_of_folder(fd, abs ? abs : given, &m) < 0) {
        cli_warn("%s: what medium it is on cannot be told; the bundle names the folder only", given);
        memset(&m, 0, sizeof m);
        m.folder = cli_safe_dup(abs ? abs : given);
    }
    free(abs);
    j = cli_media_json(&m);
    mw_medium_clear(&m);
    return j;
}

int
cmd_scan(struct cli *cli, int argc, char **argv)
{
    struct scan_args     a = { .o = { .kind = "import", .max_size = INGEST_MAX_SIZE_DEFAULT } };
    struct ingest_opts   o;
    struct cli_ingest_report rep;
    struct ingest_result r = { 0 };
    struct vault        *v;
    int                  first, rc, fd;

    if ((rc = cli_parse_options(cli, argc, argv, scan_option, &a, &first)) != 0 ||
        (rc = cli_ingest_options_done(cli, &a.o)) != 0)
        return rc;
    o = a.o;
    if (a.medium.device || a.medium.image) {
        if (argc - first != 0 || (a.medium.device && a.medium.image))
            return cli_usage(cli, "name one of DIR, --device DEV and --image FILE");
        return cli_scan_medium(cli, &a.medium, &o);
    }
    if (argc - first != 1)
        return cli_usage(cli, "name one DIR to scan (or --device DEV, or --image FILE)");
    fd = open(argv[first], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: %s", argv[first],
                  errno == ENOTDIR ? "is not a folder (use 'okra import' for files)"
                  : errno == ENOENT ? "does not exist" : "cannot be opened");
        return EXIT_FAIL;
    }
    if (vault_open(cli->vault_dir, VAULT_WRITE, &v) < 0) {
        cli_error_from(NULL);
        close(fd);
        return EXIT_FAIL;
    }
    o.media = folder_media(argv[first], fd);
    cli_ingest_report_init(&rep, cli, v, &o, "scan");
    cli_ingest_report_count_tree(&rep, &o, fd);
    rc = ingest_tree(v, fd, &o, &r);
    rc = cli_ingest_report_finish(&rep, rc, &r, false);
    json_decref(o.media);
    close(fd);
    vault_close(v);
    if (cli_ingest_report_interrupted())
        cli_die_of_signal(cli_ingest_report_interrupted());
    return rc;
}
