/* ingest_item.c: what a worker does with one file. */
#include "vault/ingest_internal.h"
#include "common/err.h"
#include "common/hex.h"
#include "common/secmem.h"
#include "common/fsutil.h"
#include "common/sha256.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define STREAM_CHUNK (64 * 1024)
#define SHARED_NOTE ", with the password given for every file (--same-password)"

void
vault_slot_set(struct slot *s, enum ingest_line st, const char *fmt, ...)
{
    va_list ap;

    s->status = st;
    free(s->detail);
    s->detail = NULL;
    if (fmt) {
        va_start(ap, fmt);
        if (vasprintf(&s->detail, fmt, ap) < 0)
            s->detail = NULL;
        va_end(ap);
    }
}

static json_t *
cert_json(const struct fmt_cert *c)
{
    json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "subject",
                          c->subject ? c->subject : "", "issuer", c->issuer ? c->issuer : "",
                          "serial", c->serial, "sha1", c->sha1, "sha256", c->sha256, "not_before",
                          c->not_before, "not_after", c->not_after, "key_type", c->key_type,
                          "key_bits", c->key_bits);

    if (c->key_usage[0])
        json_object_set_new(j, "key_usage", json_string(c->key_usage));
    return j;
}

static void
rfc3339(int64_t t, char out[32])
{
    time_t    tt = (time_t) t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* The manifest item, without payload names (the writer adds them). */
static json_t *
build_item(const struct slot *s, const struct fmt_info *info, bool inspected, int foreign,
           const char *signing_allowed_by)
{
    char    id[17], mtime[32];
    json_t *item = json_object(), *src;

    memcpy(id, s->sha256, 16);
    id[16] = '\0';
    rfc3339(s->mtime, mtime);
    json_object_set_new(item, "id", json_string(id));
    json_object_set_new(item, "payload", json_null());
    json_object_set_new(item, "format", json_string(s->det.name));
    json_object_set_new(item, "inspected", json_boolean(inspected));
    src = json_pack("{s:s, s:I, s:s, s:s}", "path", s->path, "size", (json_int_t) s->size,
                    "sha256", s->sha256, "mtime", mtime);
    json_object_set_new(item, "source", src);
    if (inspected && info) {
        if (info->has_cert)
            json_object_set_new(item, "cert", cert_json(&info->cert));
        json_object_set_new(item, "key", json_pack("{s:s, s:i, s:O}", "type", info->key_type, "bits",
                                                   info->key_bits, "matches_cert",
                                                   info->has_cert ? json_boolean(info->key_matches)
                                                                  : json_null()));
        if (info->friendly_name)
            json_object_set_new(item, "friendly_name", json_string(info->friendly_name));
        if (info->n_certs > 1)
            json_object_set_new(item, "certificates", json_integer(info->n_certs));
        if (foreign >= 0)
            json_object_set_new(item, "foreign", json_boolean(foreign));
        /* a signature key sealed all the same: who allowed it */
        if (info->has_cert && info->cert.signing_only) {
            json_object_set_new(item, "signing_only", json_true());
            json_object_set_new(item, "signing_allowed_by", json_string(signing_allowed_by));
        }
    }
    return item;
}

/* 1 when no home issuer signed the certificate, 0 when one did, -1 when there is no policy. */
static int
is_foreign(const struct home_issuers *h, const struct fmt_info *info)
{
    size_t i;

    if (h == NULL || h->n == 0 || !info->has_cert)
        return -1;
    for (i = 0; i < h->n; i++)
        if (fmt_cert_issued_by(info->cert.der, info->cert.der_len, h->der[i], h->len[i]) == 1)
            return 0;
    return 1;
}

/* Reads the rest of a streamed file while hashing and encrypting it. */
static int
stage_stream(struct item_ctx *c, struct slot *s, uint8_t hash[32])
{
    struct age_writer *w;
    struct sha256      h = { 0 };
    uint8_t           *buf = secmem_alloc(STREAM_CHUNK);
    uint64_t           off = 0;
    int                rc;

    if (buf == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if ((rc = bw_stage_begin(c->stager, &w)) < 0) {
        secmem_free(buf);
        return rc;
    }
    sha256_init(&h);
    if (s->src != NULL) {
        /* the head is in memory already; the rest comes from the source, once */
        sha256_update(&h, s->data, s->len);
        rc = age_writer_write(w, s->data, s->len);
        off = s->len;
    }
    while (rc >= 0 && off < s->size) {
        ssize_t n;

        if (s->src != NULL) {
            n = s->size - off < STREAM_CHUNK ? (ssize_t) (s->size - off) : STREAM_CHUNK;
            if ((rc = s->src->read(s->src->ctx, buf, (size_t) n)) < 0) {
                s->damaged = rc == -EIO;
                break;
            }
        } else if ((n = pread(s->fd, buf, STREAM_CHUNK, (off_t) off)) <= 0) {
            rc = n < 0 ? okra_fail_errno(errno, "cannot be read") : okra_fail(-EIO, "shrank while being read");
            break;
        }
        sha256_update(&h, buf, (size_t) n);
        if ((rc = age_writer_write(w, buf, (size_t) n)) < 0)
            break;
        off += (uint64_t) n;
    }
    sha256_final(&h, hash);
    sha256_free(&h);
    secmem_free(buf);
    if (rc < 0) {
        bw_stage_abandon(c->stager, w);
        return rc;
    }
    return bw_stage_end(c->stager, w, &s->payload);
}

/* Inspects; returns 1 inspected, 0 sealed uninspected (detail set), -1 refused (status set). */
static int
inspect(struct item_ctx *c, struct slot *s, struct fmt_info *info, struct secbuf *opened)
{
    const struct ingest_opts *o = c->opts;
    const char               *why, *note;
    int                       rc;

    if (!o->inspect)
        return 0;
    if (!s->det.inspectable) {
        char what[512];

        fmt_opaque_note(&s->det, s->path, what, sizeof what);
        vault_slot_set(s, INGEST_UNINSPECTED, "%s", what);
        return 0;
    }
    if (s->fd >= 0 || s->src != NULL) {
        vault_slot_set(s, INGEST_UNINSPECTED, "too large to inspect (over %u MiB); sealed as it is",
                 INGEST_INMEM_MAX >> 20);
        return 0;
    }
    if (s->opened_early) {
        /* the producer opened it while the person who typed the password waited */
        rc = s->early_rc;
        *info = s->early_info;
        *opened = s->early_opened;
        memset(&s->early_info, 0, sizeof s->early_info);
        memset(&s->early_opened, 0, sizeof s->early_opened);
        why = s->early_why ? s->early_why : "cannot be opened";
    } else {
        rc = fmt_inspect(s->data, s->len, &s->det, s->password ? s->password : "", info, opened);
        why = okra_errmsg();
    }
    if (rc == 0)
        return 1;
    /* a wrong password: after three tries at a terminal, or the one given for every file */
    note = rc != -EBADMSG ? "" : s->opened_early ? ", after 3 tries"
                               : o->same_password ? SHARED_NOTE : "";
    if (o->all_or_nothing) {
        vault_slot_set(s, INGEST_FAILED, "%s%s", why, note);
        return -1;
    }
    vault_slot_set(s, INGEST_UNINSPECTED, "%s%s; sealed uninspected", why, note);
    s->unopened = true;
    return 0;
}

static int
slot_buffer(struct slot *s, size_t need)
{
    if (need <= s->cap)
        return 0;
    if (need <= SLOT_SMALL && s->small) {
        /* one sodium_malloc for the whole window: each costs syscalls and TLB shootdowns */
        s->data = s->small;
        s->cap = SLOT_SMALL;
        return 0;
    }
    if (s->data != s->small)
        secmem_free(s->data);
    s->cap = need;
    if ((s->data = secmem_alloc(s->cap)) == NULL) {
        s->cap = 0;
        return okra_fail(-ENOMEM, "out of secure memory for a file of %zu bytes", need);
    }
    return 0;
}

static int recognise(const struct ingest_opts *o, struct slot *s);

int
ingest_load_slot(const struct ingest_opts *o, struct slot *s, int fd, const struct stat *st)
{
    size_t                    want;
    ssize_t                   n = 0;

    s->size = (uint64_t) st->st_size;
    s->mtime = st->st_mtim.tv_sec;
    if (st->st_size == 0) {
        close(fd);
        vault_slot_set(s, o->all_or_nothing ? INGEST_FAILED : INGEST_SKIPPED, "is empty");
        s->decided = true;
        return -1;
    }
    if (s->size > o->max_size) {
        close(fd);
        vault_slot_set(s, o->all_or_nothing ? INGEST_FAILED : INGEST_SKIPPED,
                 "is larger than %llu bytes (--max-size)", (unsigned long long) o->max_size);
        s->decided = true;
        return -1;
    }
    want = s->size > INGEST_INMEM_MAX ? FMT_DETECT_HEAD : (size_t) s->size;
    if (slot_buffer(s, want) < 0 || (n = fs_pread_full(fd, s->data, want, 0)) < 0 ||
        (size_t) n != want) {
        close(fd);
        vault_slot_set(s, o->all_or_nothing ? INGEST_FAILED : INGEST_SKIPPED, "cannot be read%s",
                 n >= 0 ? " (it changed while being read)" : "");
        s->decided = true;
        return -1;
    }
    s->len = want;
    if (s->size > INGEST_INMEM_MAX)
        s->fd = fd;
    else
        close(fd);
    return recognise(o, s);
}

/* What the file in the slot is; -1 (status set) when it is not to be sealed. */
static int
recognise(const struct ingest_opts *o, struct slot *s)
{
    if (o->declared == FMT_OPAQUE) {
        const char *base = strrchr(s->path, '/');

        fmt_detect_opaque_key(s->data, s->len, s->size, base ? base + 1 : s->path, &s->det);
    } else if (o->declared != FMT_NONE) {
        fmt_detect_as(o->declared, &s->det);
    } else {
        const char *base = strrchr(s->path, '/');

        fmt_detect_named(s->data, s->len, s->size, base ? base + 1 : s->path, &s->det);
    }
    if (s->det.kind == FMT_NONE) {
        vault_slot_set(s, o->all_or_nothing ? INGEST_FAILED : INGEST_SKIPPED, "%s", s->det.why);
        s->decided = true;
        return -1;
    }
    return 0;
}

int
ingest_load_stream(const struct ingest_opts *o, struct slot *s, const struct ingest_source *src)
{
    size_t want = s->size > INGEST_INMEM_MAX ? FMT_DETECT_HEAD : (size_t) s->size;
    int    rc;

    if (s->size == 0 || s->size > o->max_size) {
        if (s->size == 0)
            vault_slot_set(s, INGEST_SKIPPED, "is empty");
        else
            vault_slot_set(s, INGEST_SKIPPED, "is larger than %llu bytes (--max-size)",
                     (unsigned long long) o->max_size);
        s->decided = true;
        return 1;
    }
    if (slot_buffer(s, want) < 0) {
        vault_slot_set(s, INGEST_SKIPPED, "cannot be read (%s)", okra_errmsg());
        s->decided = true;
        return 1;
    }
    if ((rc = src->read(src->ctx, s->data, want)) == -EIO) {
        vault_slot_set(s, INGEST_SKIPPED, "cannot be read (its data on the medium is damaged)");
        s->decided = true;
        return 1;
    }
    if (rc < 0)
        return rc;
    s->len = want;
    if (s->size > INGEST_INMEM_MAX)
        s->src = src;
    return recognise(o, s) < 0 ? 1 : 0;
}

const char *
ingest_open_failure(int fd_or_error)
{
    switch (fd_or_error) {
    case -EACCES:
    case -EPERM:
        return "cannot be read (permission denied)";
    case -ELOOP:
    case -EXDEV:
        return "reached through a link or another filesystem (not followed)";
    case -ENOENT:
        return "vanished while the medium was being read";
    default:
        return fd_or_error < 0 ? "cannot be opened" : "changed while the medium was being read";
    }
}

/*
 * A file the walk found, opened here rather than by the producer when no
 * password is asked (the producer then only walks). Beneath the walk's root,
 * no link followed, and the same file the walk saw.
 */
static int
load_deferred(struct item_ctx *c, struct slot *s)
{
    struct stat st;
    int         fd = fs_open_beneath(s->root_fd, s->relpath, O_RDONLY | O_NONBLOCK | O_NOCTTY);

    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_ino != s->ino) {
        if (fd >= 0)
            close(fd);
        vault_slot_set(s, INGEST_SKIPPED, "%s", ingest_open_failure(fd));
        s->decided = true;
        return -1;
    }
    if (st.st_nlink != 1) {
        close(fd);
        vault_slot_set(s, INGEST_SKIPPED, "has %lu hard links (only single-link files are read)",
                 (unsigned long) st.st_nlink);
        s->decided = true;
        return -1;
    }
    return ingest_load_slot(c->opts, s, fd, &st);
}

void
ingest_process_slot(struct item_ctx *c, struct slot *s)
{
    struct fmt_info info = { 0 };
    struct secbuf   opened = { 0 };
    uint8_t         hash[32];
    int             inspected, foreign = -1, rc;

    if (s->relpath && load_deferred(c, s) < 0)
        return;
    s->status = INGEST_SEALED;
    if (s->fd < 0 && s->src == NULL)
        sha256_oneshot(s->data, s->len, hash);
    inspected = inspect(c, s, &info, &opened);
    if (inspected < 0)
        goto out;
    if (inspected == 1 && (foreign = is_foreign(c->home, &info)) == 1 && !c->opts->foreign) {
        vault_slot_set(s, INGEST_FAILED,
                 "its certificate was issued by %s, a CA outside this vault's home issuers; give "
                 "--foreign to archive it anyway", info.cert.issuer ? info.cert.issuer : "another CA");
        goto out;
    }
    if (inspected == 1 && info.has_cert && info.cert.signing_only && !c->signing_allowed_by) {
        vault_slot_set(s, INGEST_FAILED,
                 "its certificate is for signing only (key usage %s): archiving a signature key "
                 "undoes its non-repudiation (NIST SP 800-57); give --allow-signing-keys to "
                 "archive it anyway", info.cert.key_usage);
        goto out;
    }
    rc = s->fd >= 0 || s->src != NULL ? stage_stream(c, s, hash)
                                       : bw_stage_plain(c->stager, s->data, s->len, &s->payload);
    if (rc == 0 && inspected == 1 && (rc = bw_stage_plain(c->stager, opened.p, opened.len,
                                                          &s->opened)) == 0)
        s->has_opened = true;
    if (rc < 0 && s->damaged) {
        vault_slot_set(s, INGEST_SKIPPED, "cannot be read (its data on the medium is damaged)");
        goto out;
    }
    if (rc < 0) {
        /* staging writes the vault's disk (or the medium's reader failed): fatal to the bundle */
        vault_slot_set(s, INGEST_FAILED, "%s", okra_errmsg());
        s->fatal = true;
        goto out;
    }
    hex_encode(s->sha256, hash, 32);
    s->item = build_item(s, &info, inspected == 1, foreign, c->signing_allowed_by);
    if (inspected == 1 && s->status == INGEST_SEALED) {
        const char *subj = info.has_cert && info.cert.subject ? info.cert.subject : NULL;

        vault_slot_set(s, INGEST_SEALED, "%s%s%s", s->det.name, subj ? ", " : ", key only",
                 subj ? subj : "");
    } else if (s->status == INGEST_SEALED &&
               (s->det.kind == FMT_KEYSTORE || s->det.kind == FMT_OPAQUE)) {
        char note[512];

        /* what it is and, for a keystore, how to have it inspected */
        fmt_opaque_note(&s->det, s->path, note, sizeof note);
        vault_slot_set(s, INGEST_SEALED, "%s; %s", s->det.name, note);
    } else if (s->status == INGEST_SEALED) {
        vault_slot_set(s, INGEST_SEALED, "%s", s->det.name);
    }
out:
    fmt_info_free(&info);
    secbuf_free(&opened);
    if (s->password) {
        secmem_free(s->password);
        s->password = NULL;
    }
    if (s->data && s->len)
        sodium_memzero(s->data, s->len);
}
