/* checkpoint.c: the signed pointer to the newest bundle. */
#include "vault/checkpoint.h"
#include "vault/station.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECKPOINT_MAX 4096

static int
format_text(const char *vault_id, uint64_t seq, const char *sums, const char *time, char *out,
            size_t cap)
{
    int n = snprintf(out, cap, "okra-checkpoint: 1\nvault: %s\nseq: %llu\nsums: %s\ntime: %s\n",
                     vault_id, (unsigned long long) seq, sums, time);

    return n > 0 && (size_t) n < cap ? n : -1;
}

static void
expected_comment(const char *vault_id, uint64_t seq, char *out, size_t cap)
{
    snprintf(out, cap, "okra vault=%s checkpoint seq=%llu", vault_id, (unsigned long long) seq);
}

int
checkpoint_write(struct vault *v, uint64_t seq, const char *sums_hex)
{
    char                text[512], tc[160], now[32], *sig;
    uint8_t             digest[MINI_HASH_LEN];
    struct mini_prehash pre;
    int                 n, rc, fd;

    vault_now(now);
    if ((n = format_text(v->vault_id, seq, sums_hex, now, text, sizeof text)) < 0)
        return okra_fail(-EINVAL, "internal: checkpoint too long");
    mini_prehash_init(&pre);
    mini_prehash_update(&pre, (const uint8_t *) text, (size_t) n);
    mini_prehash_final(&pre, digest);
    expected_comment(v->vault_id, seq, tc, sizeof tc);
    if ((sig = vault_station_sign(v, digest, tc)) == NULL)
        return okra_fail(-EIO, "cannot sign the checkpoint");
    /* the new text goes down first, durably, so that it can complete the pair after a crash */
    fd = openat(v->dirfd, "CHECKPOINT.next", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                0644);
    if (fd < 0 || fs_write_full(fd, text, (size_t) n) < 0 || fsync(fd) < 0) {
        rc = okra_fail_errno(errno, "cannot write %s/CHECKPOINT", v->dir);
        if (fd >= 0)
            close(fd);
        free(sig);
        return rc;
    }
    close(fd);
    rc = fs_write_atomic(v->dirfd, "CHECKPOINT.minisig", sig, strlen(sig), 0644);
    free(sig);
    if (rc < 0)
        return rc;
    if (renameat(v->dirfd, "CHECKPOINT.next", v->dirfd, "CHECKPOINT") < 0)
        return okra_fail_errno(errno, "cannot write %s/CHECKPOINT", v->dir);
    return fs_fsync_dir(v->dirfd);
}

static int
field(const char *text, const char *key, char *out, size_t cap)
{
    const char *p = text;
    size_t      kl = strlen(key);

    while (p && *p) {
        if (strncmp(p, key, kl) == 0 && p[kl] == ':' && p[kl + 1] == ' ') {
            const char *v = p + kl + 2, *e = strchr(v, '\n');
            size_t      l = e ? (size_t) (e - v) : strlen(v);

            if (l >= cap)
                return -1;
            memcpy(out, v, l);
            out[l] = '\0';
            return 0;
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : NULL;
    }
    return -1;
}

/* Parses and checks the text of a checkpoint (exactly the five lines). */
static int
parse_text(const char *text, size_t len, struct checkpoint *ret)
{
    char seq[24], again[512], version[8];

    if (len >= 512 || field(text, "okra-checkpoint", version, sizeof version) < 0 ||
        strcmp(version, "1") != 0 || field(text, "vault", ret->vault_id, sizeof ret->vault_id) < 0 ||
        field(text, "seq", seq, sizeof seq) < 0 || field(text, "sums", ret->sums, sizeof ret->sums) < 0 ||
        field(text, "time", ret->time, sizeof ret->time) < 0)
        return okra_fail(-EINVAL, "not an okra checkpoint");
    if (seq[0] == '\0' || strspn(seq, "0123456789") != strlen(seq) || strlen(seq) > 19)
        return okra_fail(-EINVAL, "the checkpoint's seq is not a number");
    ret->seq = strtoull(seq, NULL, 10);
    /* canonical form only: what okra wrote, byte for byte */
    if (format_text(ret->vault_id, ret->seq, ret->sums, ret->time, again, sizeof again) != (int) len ||
        memcmp(again, text, len) != 0)
        return okra_fail(-EINVAL, "the checkpoint is not in okra's form");
    return 0;
}

static int
check_signature(const char *text, size_t len, const char *sigtext, size_t siglen,
                const struct mini_pubkey *key, struct checkpoint *ret)
{
    struct mini_sig     sig;
    struct mini_prehash pre;
    uint8_t             digest[MINI_HASH_LEN];
    char                tc[160];
    int                 rc;

    if ((rc = parse_text(text, len, ret)) < 0)
        return rc;
    if ((rc = mini_sig_parse(sigtext, siglen, &sig)) < 0)
        return okra_fail_prefix(-EINVAL, "the checkpoint's signature is malformed: ");
    mini_prehash_init(&pre);
    mini_prehash_update(&pre, (const uint8_t *) text, len);
    mini_prehash_final(&pre, digest);
    if ((rc = mini_verify_prehashed(key, &sig, digest)) < 0)
        return okra_fail_prefix(-EBADMSG, "the checkpoint's signature does not verify: ");
    expected_comment(ret->vault_id, ret->seq, tc, sizeof tc);
    if (strcmp(sig.trusted_comment, tc) != 0)
        return okra_fail(-EBADMSG, "the checkpoint's signed comment '%s' does not match it",
                         sig.trusted_comment);
    return 0;
}

int
checkpoint_read(struct vault *v, const struct mini_pubkey *key, struct checkpoint *ret)
{
    char  *text = NULL, *sig = NULL, *next = NULL;
    size_t tl, sl, nl;
    int    rc;

    rc = fs_read_file(v->dirfd, "CHECKPOINT.minisig", CHECKPOINT_MAX, &sig, &sl);
    if (rc == 0)
        rc = fs_read_file(v->dirfd, "CHECKPOINT", CHECKPOINT_MAX, &text, &tl);
    if (rc == -ENOENT) {
        rc = okra_fail(-ENOENT, "%s has no CHECKPOINT", v->dir);
    } else if (rc < 0) {
        rc = okra_fail_errno(-rc, "cannot read %s/CHECKPOINT", v->dir);
    } else if ((rc = check_signature(text, tl, sig, sl, key, ret)) < 0 &&
               fs_read_file(v->dirfd, "CHECKPOINT.next", CHECKPOINT_MAX, &next, &nl) == 0) {
        /* a writer stopped between its two renames: the fsynced next text completes the pair */
        char why[512];

        snprintf(why, sizeof why, "%s", okra_errmsg());
        if (check_signature(next, nl, sig, sl, key, ret) == 0)
            rc = 0;
        else
            okra_fail(rc, "%s", why);
    }
    if (rc < 0 && rc != -ENOENT && strncmp(okra_errmsg(), v->dir, strlen(v->dir)) != 0)
        okra_fail_prefix(rc, "%s/CHECKPOINT: ", v->dir);
    free(text);
    free(sig);
    free(next);
    return rc;
}

int
checkpoint_parse_signed(const char *text, size_t len, const struct mini_pubkey *key,
                        struct checkpoint *ret)
{
    const char *sig = strstr(text, "untrusted comment:");

    if (sig == NULL || sig == text || sig[-1] != '\n')
        return okra_fail(-EINVAL, "not the output of 'okra checkpoint' (no signature after the text)");
    return check_signature(text, (size_t) (sig - text), sig, len - (size_t) (sig - text), key, ret);
}

int
checkpoint_export(struct vault *v, char **ret_text)
{
    struct checkpoint cp;
    char              text[512], *sig = NULL, *out;
    size_t            sl;
    int               rc, n;

    if ((rc = checkpoint_read(v, &v->station_pub, &cp)) < 0)
        return rc;
    if ((n = format_text(cp.vault_id, cp.seq, cp.sums, cp.time, text, sizeof text)) < 0)
        return okra_fail(-EINVAL, "internal: checkpoint too long");
    if ((rc = fs_read_file(v->dirfd, "CHECKPOINT.minisig", CHECKPOINT_MAX, &sig, &sl)) < 0)
        return okra_fail_errno(-rc, "cannot read %s/CHECKPOINT.minisig", v->dir);
    if (asprintf(&out, "%s%s", text, sig) < 0)
        out = NULL;
    free(sig);
    if (out == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    *ret_text = out;
    return 0;
}
