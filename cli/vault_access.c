#include "cli/vault_access.h"
#include "cli/progress.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct cli_progress bulk;

void
cli_progress(void *ctx, uint64_t done, uint64_t total)
{
    const char *what = ctx ? ctx : "working";

    if (bulk.what != what) {
        cli_progress_finish(&bulk);
        cli_progress_start(&bulk, what, "bundles", total);
    }
    cli_progress_total(&bulk, total);
    cli_progress_update(&bulk, done, NULL);
}

void
cli_progress_end(void)
{
    cli_progress_finish(&bulk);
    bulk.what = NULL;
}

int
cli_open_indexed(struct cli *cli, struct vault **ret_v, struct vindex **ret_x)
{
    struct vault  *v;
    struct vindex *x;

    if (vault_open(cli->vault_dir, VAULT_READ, &v) < 0) {
        cli_error_from(NULL);
        return -1;
    }
    if (vindex_open(v, &x) < 0) {
        cli_error_from(NULL);
        vault_close(v);
        return -1;
    }
    if (vindex_sync(x, v, cli_progress, "indexing") < 0) {
        cli_progress_end();
        cli_error_from(NULL);
        vindex_close(x);
        vault_close(v);
        return -1;
    }
    cli_progress_end();
    *ret_v = v;
    *ret_x = x;
    return 0;
}

char *
cli_media_text(json_t *media)
{
    const char *label = json_string_value(json_object_get(media, "fs_label"));
    const char *dev = json_string_value(json_object_get(media, "devname"));
    const char *serial = json_string_value(json_object_get(media, "serial"));
    const char *model = json_string_value(json_object_get(media, "model"));
    const char *folder = json_string_value(json_object_get(media, "folder"));
    char       *out = NULL;
    int         rc;

    if (!json_is_object(media))
        return strdup("-");
    if (folder) /* scan DIR: the folder, then the medium it is on */
        rc = asprintf(&out, "%s (%s%s%s%s%s)", folder, label ? label : dev ? dev : "?",
                      model ? " " : "", model ? model : "", serial ? " serial " : "",
                      serial ? serial : "");
    else
        rc = asprintf(&out, "%s%s%s%s%s", label ? label : dev ? dev : "medium", model ? " " : "",
                      model ? model : "", serial ? " serial " : "", serial ? serial : "");
    return rc < 0 ? NULL : out;
}

const char **
cli_media_allow_list(json_t *policy, const char *key, size_t *n)
{
    json_t      *a = json_object_get(json_object_get(policy, "media"), key);
    const char **out;
    size_t       i;

    *n = json_array_size(a);
    if (*n == 0 || (out = calloc(*n, sizeof *out)) == NULL) {
        *n = 0;
        return NULL;
    }
    for (i = 0; i < *n; i++) {
        const char *s = json_string_value(json_array_get(a, i));

        out[i] = s ? s : "";
    }
    return out;
}

int
cli_load_station_key(const char *path, struct mini_pubkey *key)
{
    char  *text;
    size_t len;
    int    rc = fs_read_file(AT_FDCWD, path, 4096, &text, &len);

    if (rc < 0) {
        cli_error("%s: cannot read the station key (%s)", path, strerror(-rc));
        return -1;
    }
    rc = mini_pubkey_parse(text, len, key);
    free(text);
    if (rc < 0) {
        cli_error("%s: not a minisign public key: %s", path, okra_errmsg());
        return -1;
    }
    return 0;
}
