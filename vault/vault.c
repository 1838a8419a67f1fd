/* vault.c: opening, locking and creating a vault folder. */
#include "vault/vault.h"
#include "vault/station.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hex.h"
#include "common/secmem.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CONFIG_MAX (1024 * 1024)

void
vault_now(char out[32])
{
    struct timespec ts;
    struct tm       tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
vault_bundle_name(uint64_t seq, char *out, size_t cap)
{
    snprintf(out, cap, "bundles/%08llu.tar", (unsigned long long) seq);
}

int
vault_parse_config(struct vault *v, const char *text, size_t len)
{
    json_error_t jerr;
    const char  *id, *fmt, *rcpt;

    json_decref(v->config);
    v->config = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (v->config == NULL || !json_is_object(v->config))
        return okra_fail(-EINVAL, "%s/okra.json is damaged (line %d: %s)", v->dir, jerr.line,
                         jerr.text);
    fmt = json_string_value(json_object_get(v->config, "format"));
    id = json_string_value(json_object_get(v->config, "vault_id"));
    if (fmt == NULL || strcmp(fmt, VAULT_FORMAT) != 0)
        return okra_fail(-EINVAL, "%s/okra.json is not an %s vault", v->dir, VAULT_FORMAT);
    if (id == NULL || strlen(id) != VAULT_ID_HEX || strspn(id, "0123456789abcdef") != VAULT_ID_HEX)
        return okra_fail(-EINVAL, "%s/okra.json has no valid vault_id", v->dir);
    memcpy(v->vault_id, id, VAULT_ID_HEX + 1);
    rcpt = json_string_value(json_object_get(v->config, "recipient"));
    if (rcpt != NULL && *rcpt) {
        if (age_recipient_parse(rcpt, v->recipient) < 0)
            return okra_fail(-EINVAL, "%s/okra.json: recipient is not an age X25519 recipient",
                             v->dir);
        snprintf(v->recipient_text, sizeof v->recipient_text, "%s", rcpt);
        v->has_recipient = true;
    }
    if (json_object_get(v->config, "policy") && !json_is_object(json_object_get(v->config, "policy")))
        return okra_fail(-EINVAL, "%s/okra.json: policy is not an object", v->dir);
    return 0;
}

static int
load_config(struct vault *v)
{
    char  *text;
    size_t len;
    int    rc;

    rc = fs_read_file(v->dirfd, "okra.json", CONFIG_MAX, &text, &len);
    if (rc == -ENOENT)
        return okra_fail(-ENOENT, "no vault at %s (create one with 'okra ceremony init')", v->dir);
    if (rc < 0)
        return okra_fail_errno(-rc, "cannot read %s/okra.json", v->dir);
    rc = vault_parse_config(v, text, len);
    free(text);
    return rc;
}

int
vault_take_lock(struct vault *v)
{
    v->lockfd = openat(v->dirfd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (v->lockfd < 0 && (errno == EROFS || errno == EACCES || errno == EPERM))
        return okra_fail(-EACCES, "%s is not writable (%s): this command adds to the vault; on a "
                                  "read-only copy only list, show, log, verify and checkpoint "
                                  "work", v->dir, errno == EROFS ? "a read-only file system"
                                                                 : "permission denied");
    if (v->lockfd < 0)
        return okra_fail_errno(errno, "cannot open %s/lock", v->dir);
    if (flock(v->lockfd, LOCK_EX | LOCK_NB) < 0) {
        int e = errno;

        close(v->lockfd);
        v->lockfd = -1;
        if (e == EWOULDBLOCK)
            return okra_fail(-EAGAIN,
                             "%s is in use by another okra process (it holds %s/lock); "
                             "wait for it to finish, then try again",
                             v->dir, v->dir);
        return okra_fail_errno(e, "cannot lock %s/lock", v->dir);
    }
    return 0;
}

/* Removes what a writer that died left in tmp/ (we hold the lock, so none is running). */
static int
clear_staging(struct vault *v)
{
    int            fd;
    DIR           *d;
    struct dirent *e;

    if (mkdirat(v->dirfd, "tmp", 0700) < 0 && errno != EEXIST)
        return okra_fail_errno(errno, "cannot create %s/tmp", v->dir);
    if ((fd = openat(v->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return okra_fail_errno(errno, "cannot open %s/tmp", v->dir);
    if ((d = fdopendir(fd)) == NULL) {
        close(fd);
        return okra_fail_errno(errno, "cannot read %s/tmp", v->dir);
    }
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")))
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    /* and what an atomic write of okra.json or CHECKPOINT.minisig left in the folder itself */
    if ((fd = dup(v->dirfd)) >= 0 && (d = fdopendir(fd)) != NULL) {
        lseek(fd, 0, SEEK_SET);
        while ((e = readdir(d)) != NULL)
            if (e->d_name[0] == '.' && strstr(e->d_name, ".tmp.") != NULL &&
                e->d_type == DT_REG)
                unlinkat(v->dirfd, e->d_name, 0);
        closedir(d);
    } else if (fd >= 0) {
        close(fd);
    }
    return 0;
}

static struct vault *
vault_alloc(const char *dir)
{
    struct vault *v = calloc(1, sizeof *v);

    if (v == NULL)
        return NULL;
    v->dirfd = v->lockfd = -1;
    if ((v->dir = strdup(dir)) == NULL) {
        free(v);
        return NULL;
    }
    return v;
}

int
vault_open(const char *dir, int flags, struct vault **ret)
{
    struct vault *v = vault_alloc(dir);
    int           rc;

    if (v == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    v->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (v->dirfd < 0) {
        rc = errno == ENOENT ? okra_fail(-ENOENT,
                                         "no vault at %s (create one with 'okra ceremony init', "
                                         "or give --vault DIR)", dir)
                             : okra_fail_errno(errno, "cannot open the vault %s", dir);
        vault_close(v);
        return rc;
    }
    if ((rc = load_config(v)) < 0 || (rc = vault_station_load_public(v)) < 0) {
        vault_close(v);
        return rc;
    }
    if (flags & VAULT_WRITE) {
        if ((rc = vault_take_lock(v)) < 0 || (rc = clear_staging(v)) < 0 ||
            (rc = vault_station_load_secret(v)) < 0) {
            vault_close(v);
            return rc;
        }
    }
    *ret = v;
    return 0;
}

void
vault_close(struct vault *v)
{
    if (v == NULL)
        return;
    secmem_free(v->station_sk);
    if (v->lockfd >= 0)
        close(v->lockfd); /* releases the flock */
    if (v->dirfd >= 0)
        close(v->dirfd);
    json_decref(v->config);
    free(v->dir);
    free(v);
}

json_t *
vault_policy(struct vault *v)
{
    json_t *p = json_object_get(v->config, "policy");

    if (!json_is_object(p)) {
        p = json_object();
        json_object_set_new(v->config, "policy", p);
    }
    return p;
}

static int
cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

    return x < y ? -1 : x > y;
}

/* "00000042.tar" -> 42; 8 digits or more, digits only. */
static bool
parse_bundle_name(const char *name, uint64_t *seq)
{
    size_t n = strspn(name, "0123456789");

    if (n < 8 || n > 19 || strcmp(name + n, ".tar") != 0)
        return false;
    *seq = strtoull(name, NULL, 10);
    return true;
}

int
vault_list_bundles(struct vault *v, uint64_t **ret, size_t *ret_n)
{
    int            fd = openat(v->dirfd, "bundles", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR           *d;
    struct dirent *e;
    uint64_t      *seqs = NULL, seq;
    size_t         n = 0, cap = 0;

    if (fd < 0)
        return okra_fail_errno(errno, "cannot open %s/bundles", v->dir);
    if ((d = fdopendir(fd)) == NULL) {
        close(fd);
        return okra_fail_errno(errno, "cannot read %s/bundles", v->dir);
    }
    while ((e = readdir(d)) != NULL) {
        if (!parse_bundle_name(e->d_name, &seq))
            continue;
        if (n == cap) {
            uint64_t *s = realloc(seqs, (cap = cap ? cap * 2 : 64) * sizeof *s);

            if (s == NULL) {
                free(seqs);
                closedir(d);
                return okra_fail(-ENOMEM, "out of memory");
            }
            seqs = s;
        }
        seqs[n++] = seq;
    }
    closedir(d);
    if (n)
        qsort(seqs, n, sizeof *seqs, cmp_u64);
    *ret = seqs;
    *ret_n = n;
    return 0;
}
