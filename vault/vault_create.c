/*
 * vault_create.c: a new vault is built in a staging folder beside its final
 * place and renamed into place only when its first bundle is committed, so
 * an interrupted ceremony leaves no vault at all.
 */
#include "vault/vault.h"
#include "vault/index.h"
#include "vault/station.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hex.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int
vault_check_new_dir(const char *dir)
{
    struct stat    st;
    DIR           *d;
    struct dirent *e;
    char           cfg[4096];

    if (lstat(dir, &st) < 0)
        return errno == ENOENT ? 0 : okra_fail_errno(errno, "cannot use %s", dir);
    if (!S_ISDIR(st.st_mode))
        return okra_fail(-EEXIST, "%s exists and is not a folder; choose another --vault", dir);
    snprintf(cfg, sizeof cfg, "%s/okra.json", dir);
    if (access(cfg, F_OK) == 0)
        return okra_fail(-EEXIST,
                         "%s is already a vault; a vault is created once (use 'okra ceremony "
                         "reshare' for new custodians)", dir);
    if ((d = opendir(dir)) == NULL)
        return okra_fail_errno(errno, "cannot read %s", dir);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            closedir(d);
            return okra_fail(-EEXIST, "%s is not empty and is not a vault; give an empty or new "
                                      "folder as --vault", dir);
        }
    }
    closedir(d);
    return 0;
}

static char *
staging_path(const char *dir)
{
    char *copy1 = strdup(dir), *copy2 = strdup(dir), *out = NULL;

    if (copy1 && copy2 &&
        asprintf(&out, "%s/.okra-new-%s.%ld", dirname(copy1), basename(copy2), (long) getpid()) < 0)
        out = NULL;
    free(copy1);
    free(copy2);
    return out;
}

/* okra.json ends with a newline, as text files do. */
static int
json_dump_file_atomic(struct vault *v, const char *text)
{
    size_t n = strlen(text);
    char  *line = malloc(n + 2);
    int    rc;

    if (line == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    memcpy(line, text, n);
    line[n] = '\n';
    rc = fs_write_atomic(v->dirfd, "okra.json", line, n + 1, 0644);
    free(line);
    return rc;
}

static int
write_config(struct vault *v, const struct vault_init *init)
{
    char    created[32], *text;
    json_t *c, *policy = init->policy ? json_incref(init->policy) : json_object();
    int     rc;

    vault_now(created);
    c = json_pack("{s:s, s:s, s:s, s:s, s:s, s:o}", "format", VAULT_FORMAT, "vault_id", v->vault_id,
                  "recipient", v->recipient_text, "station_key", v->station_keyid, "created",
                  created, "policy", policy);
    if (c == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    text = json_dumps(c, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text == NULL) {
        json_decref(c);
        return okra_fail(-ENOMEM, "out of memory");
    }
    rc = json_dump_file_atomic(v, text);
    free(text);
    v->config = c;
    return rc;
}

int
vault_create_begin(const char *dir, const struct vault_init *init, struct vault **ret)
{
    struct vault *v;
    uint8_t       id[VAULT_ID_HEX / 2];
    char         *stage;
    int           rc;

    if ((rc = vault_check_new_dir(dir)) < 0)
        return rc;
    if ((stage = staging_path(dir)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    if (mkdir(stage, 0700) < 0) {
        rc = okra_fail_errno(errno, "cannot create %s", stage);
        free(stage);
        return rc;
    }
    if ((v = calloc(1, sizeof *v)) == NULL) {
        rmdir(stage);
        free(stage);
        return okra_fail(-ENOMEM, "out of memory");
    }
    v->dir = stage;
    v->lockfd = -1;
    v->dirfd = open(stage, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    randombytes_buf(id, sizeof id);
    hex_encode(v->vault_id, id, sizeof id);
    memcpy(v->recipient, init->recipient, AGE_KEY_LEN);
    age_recipient_format(v->recipient, v->recipient_text);
    v->has_recipient = true;
    if (v->dirfd < 0)
        rc = okra_fail_errno(errno, "cannot open %s", stage);
    else if (mkdirat(v->dirfd, "bundles", 0700) < 0 || mkdirat(v->dirfd, "tmp", 0700) < 0)
        rc = okra_fail_errno(errno, "cannot create folders in %s", stage);
    else if ((rc = vault_take_lock(v)) == 0 && (rc = vault_station_generate(v)) == 0 &&
             (rc = write_config(v, init)) == 0)
        rc = fs_fsync_dir(v->dirfd);
    if (rc < 0) {
        vault_create_abandon(v);
        return rc;
    }
    *ret = v;
    return 0;
}

int
vault_create_publish(struct vault *v, const char *dir)
{
    char *copy = strdup(dir), *parent;
    int   pfd, rc = 0;

    if (copy == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    /* tmp/ is the writer's staging: the published vault starts with it empty */
    unlinkat(v->dirfd, "tmp", AT_REMOVEDIR);
    mkdirat(v->dirfd, "tmp", 0700);
    if (rename(v->dir, dir) < 0) {
        rc = okra_fail_errno(errno, "cannot move the new vault into %s", dir);
    } else {
        parent = dirname(copy);
        if ((pfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
            rc = fs_fsync_dir(pfd);
            close(pfd);
        }
        free(v->dir);
        v->dir = strdup(dir);
        /* the index from the start, so that the first ingest need not build one */
        {
            struct vindex *x;

            /* best effort: an index that cannot be made now is built on first use */
            if (rc == 0 && vindex_open(v, &x) == 0) {
                if (vindex_sync(x, v, NULL, NULL) < 0)
                    okra_clear_error();
                vindex_close(x);
            }
            okra_clear_error();
        }
    }
    free(copy);
    return rc;
}

/* Removes a staging folder two levels deep (the vault's layout), nothing more. */
static void
remove_tree(int parent, const char *name, int depth)
{
    int            fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    DIR           *d;
    struct dirent *e;

    if (fd < 0 || (d = fdopendir(fd)) == NULL) {
        if (fd >= 0)
            close(fd);
        return;
    }
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno == EISDIR && depth > 0)
            remove_tree(dirfd(d), e->d_name, depth - 1);
    }
    closedir(d);
    unlinkat(parent, name, AT_REMOVEDIR);
}

void
vault_create_abandon(struct vault *v)
{
    if (v == NULL)
        return;
    if (v->dir)
        remove_tree(AT_FDCWD, v->dir, 2);
    vault_close(v);
}
