/* bundle_write.c: staging payloads, then assembling, signing and committing a bundle. */
#include "vault/bundle.h"
#include "vault/bundle_read.h"
#include "vault/checkpoint.h"
#include "vault/station.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/hex.h"
#include "common/sha256.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MEM_BLOB_MAX (1024 * 1024) /* larger payloads spill to the stager's file */
#define STAGE_BUF (256 * 1024)
#define COPY_BUF (256 * 1024)
#define MAX_STAGERS 64

/*
 * A stager is one worker's: the payload being encrypted goes to memory and,
 * past MEM_BLOB_MAX, on to the stager's file in VAULT/tmp. Ciphertext is not
 * secret; plain malloc.
 */
struct bw_stager {
    struct bundle_writer *bw;
    uint32_t              id;
    int                   fd;       /* the spill file, opened on first need */
    uint64_t              end;      /* of what the file holds */
    uint8_t              *mem;      /* the blob being staged */
    size_t                len, cap;
    bool                  spilled;  /* this blob went to the file */
    uint64_t              start;    /* its offset there */
    struct sha256         sha;
};

/* Writes the tar entries of payloads as items come, so that commit only concatenates. */
struct body {
    struct archive *a;
    int             fd;
    bool            discard; /* libarchive's end-of-archive marker is not the body's */
    int             err;
    uint8_t        *buf;     /* libarchive writes unbuffered (header, data, padding): gather */
    size_t          len;
};

#define BODY_BUF (256 * 1024)

struct bundle_writer {
    struct vault     *v;
    int               tmpfd;
    uint64_t          seq;
    char              prev[SHA256_HEX]; /* "" for seq 0 */
    char              time[32];
    time_t            mtime;
    char             *kind;
    json_t           *header;
    FILE             *items, *sums;
    struct body       body;
    uint8_t          *copy_buf;
    uint32_t          n_items;
    char             *last_text; /* the item added last, as written */
    bool              committed;
    pthread_mutex_t   lock; /* stager creation */
    struct bw_stager *stagers[MAX_STAGERS];
    uint32_t          n_stagers;
};

static int  body_open(struct bundle_writer *bw);
static void body_close(struct bundle_writer *bw);

void
bundle_payload_name(uint32_t item_no, int opened, char *out, size_t cap)
{
    snprintf(out, cap, "payload/%04u%s", item_no, opened ? ".p12.age" : ".age");
}

void
bundle_trusted_comment(const char *vault_id, uint64_t seq, const char *kind, char *out, size_t cap)
{
    snprintf(out, cap, "okra vault=%s seq=%llu kind=%s", vault_id, (unsigned long long) seq, kind);
}

/* The seq and prev of the next bundle. */
static int
find_position(struct bundle_writer *bw)
{
    struct vault     *v = bw->v;
    struct checkpoint cp;
    uint64_t         *seqs;
    size_t            n;
    int               rc;
    char              name[64];

    if ((rc = vault_list_bundles(v, &seqs, &n)) < 0)
        return rc;
    if (n == 0) {
        free(seqs);
        bw->seq = 0;
        bw->prev[0] = '\0';
        return 0;
    }
    bw->seq = seqs[n - 1] + 1;
    if (seqs[n - 1] != n - 1) {
        free(seqs);
        return okra_fail(-EINVAL, "%s/bundles has gaps (a bundle is missing); run 'okra verify' "
                                  "and restore the vault from a copy", v->dir);
    }
    free(seqs);
    rc = checkpoint_read(v, &v->station_pub, &cp);
    if (rc == 0 && cp.seq == bw->seq - 1) {
        memcpy(bw->prev, cp.sums, SHA256_HEX);
        return 0;
    }
    /* CHECKPOINT behind (a crash between bundle and checkpoint): read the bundle itself */
    vault_bundle_name(bw->seq - 1, name, sizeof name);
    return bundle_read_sums_hash(v->dirfd, name, bw->prev);
}

static FILE *
open_part(struct bundle_writer *bw, const char *name)
{
    int   fd = openat(bw->tmpfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    FILE *f;

    if (fd < 0)
        return NULL;
    if ((f = fdopen(fd, "w+")) == NULL) {
        close(fd);
        return NULL;
    }
    setvbuf(f, NULL, _IOFBF, 256 * 1024);
    return f;
}

static int
build_header(struct bundle_writer *bw, const struct bundle_header *h)
{
    json_t     *m = json_object();
    const char *key;
    json_t     *val;

    json_object_set_new(m, "format", json_string(BUNDLE_FORMAT));
    json_object_set_new(m, "vault_id", json_string(bw->v->vault_id));
    json_object_set_new(m, "seq", json_integer((json_int_t) bw->seq));
    json_object_set_new(m, "prev", bw->seq ? json_string(bw->prev) : json_null());
    json_object_set_new(m, "kind", json_string(h->kind));
    json_object_set_new(m, "time", json_string(bw->time));
    json_object_set_new(m, "operator", json_string(h->operator_name ? h->operator_name : ""));
    json_object_set_new(m, "media", h->media ? json_deep_copy(h->media) : json_null());
    if (h->extra)
        json_object_foreach(h->extra, key, val) json_object_set(m, key, val);
    bw->header = m;
    return 0;
}

int
bw_begin(struct vault *v, const struct bundle_header *h, struct bundle_writer **ret)
{
    struct bundle_writer *bw;
    struct tm             tm = { 0 };
    int                   rc;

    if (v->station_sk == NULL || v->lockfd < 0)
        return okra_fail(-EINVAL, "internal: the vault is not open for writing");
    if ((bw = calloc(1, sizeof *bw)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    bw->v = v;
    bw->tmpfd = -1;
    bw->body.fd = -1;
    pthread_mutex_init(&bw->lock, NULL);
    vault_now(bw->time);
    strptime(bw->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    bw->mtime = timegm(&tm);
    if ((bw->kind = strdup(h->kind)) == NULL) {
        bw_free(bw);
        return okra_fail(-ENOMEM, "out of memory");
    }
    bw->tmpfd = openat(v->dirfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (bw->tmpfd < 0) {
        rc = okra_fail_errno(errno, "cannot open %s/tmp", v->dir);
        bw_free(bw);
        return rc;
    }
    if ((rc = find_position(bw)) < 0 || (rc = build_header(bw, h)) < 0) {
        bw_free(bw);
        return rc;
    }
    bw->items = open_part(bw, "items");
    bw->sums = open_part(bw, "sums");
    bw->copy_buf = malloc(COPY_BUF);
    if (!bw->items || !bw->sums || !bw->copy_buf) {
        rc = okra_fail_errno(errno ? errno : ENOMEM, "cannot create staging files in %s/tmp", v->dir);
        bw_free(bw);
        return rc;
    }
    if ((rc = body_open(bw)) < 0) {
        bw_free(bw);
        return rc;
    }
    *ret = bw;
    return 0;
}

uint64_t
bw_seq(const struct bundle_writer *bw)
{
    return bw->seq;
}

const char *
bw_prev(const struct bundle_writer *bw)
{
    return bw->prev;
}

const char *
bw_time(const struct bundle_writer *bw)
{
    return bw->time;
}

const char *
bw_last_item_text(const struct bundle_writer *bw)
{
    return bw->last_text;
}

uint32_t
bw_item_count(const struct bundle_writer *bw)
{
    return bw->n_items;
}

/* ---- the body: payload entries, in order, as items are added ---- */

static int
body_flush(struct body *b)
{
    int rc;

    if (b->len && (rc = fs_write_full(b->fd, b->buf, b->len)) < 0) {
        b->err = -rc;
        return rc;
    }
    b->len = 0;
    return 0;
}

static la_ssize_t
body_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    struct body *b = ctx;
    int          rc = 0;

    if (b->discard)
        return (la_ssize_t) n;
    if (b->len + n > BODY_BUF && (rc = body_flush(b)) == 0 && n > BODY_BUF)
        rc = fs_write_full(b->fd, buf, n);
    else if (rc == 0)
        memcpy(b->buf + b->len, buf, n), b->len += n;
    if (rc < 0)
        b->err = -rc; /* kept for the commit; libarchive is told all went well (see tar_out_write) */
    (void) a;
    return (la_ssize_t) n;
}

static int
body_open(struct bundle_writer *bw)
{
    struct body *b = &bw->body;

    b->fd = openat(bw->tmpfd, "body", O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (b->fd < 0 || (b->buf = malloc(BODY_BUF)) == NULL)
        return okra_fail_errno(errno, "cannot create a staging file in %s/tmp", bw->v->dir);
    b->a = archive_write_new();
    archive_write_set_format_pax_restricted(b->a);
    /* unbuffered: what libarchive writes is exactly the entries, nothing held back */
    archive_write_set_bytes_per_block(b->a, 0);
    if (archive_write_open(b->a, b, NULL, body_write, NULL) != ARCHIVE_OK)
        return okra_fail(-EIO, "cannot start the bundle's body: %s", archive_error_string(b->a));
    return 0;
}

static void
body_close(struct bundle_writer *bw)
{
    struct body *b = &bw->body;

    if (b->a) {
        b->discard = true; /* the end-of-archive marker comes with the whole bundle */
        archive_write_free(b->a);
        b->a = NULL;
    }
    if (b->fd >= 0)
        close(b->fd);
    b->fd = -1;
    free(b->buf);
    b->buf = NULL;
}

/* ---- stagers ---- */

int
bw_stager_new(struct bundle_writer *bw, struct bw_stager **ret)
{
    struct bw_stager *s;

    pthread_mutex_lock(&bw->lock);
    if (bw->n_stagers == MAX_STAGERS) {
        pthread_mutex_unlock(&bw->lock);
        return okra_fail(-EINVAL, "internal: too many stagers");
    }
    if ((s = calloc(1, sizeof *s)) == NULL) {
        pthread_mutex_unlock(&bw->lock);
        return okra_fail(-ENOMEM, "out of memory");
    }
    s->bw = bw;
    s->id = bw->n_stagers;
    s->fd = -1;
    bw->stagers[bw->n_stagers++] = s;
    *ret = s;
    pthread_mutex_unlock(&bw->lock);
    return 0;
}

/* Moves what is in memory to the stager's file (a payload too large to hold). */
static int
spill(struct bw_stager *s)
{
    int rc;

    if (s->fd < 0) {
        char name[32];

        snprintf(name, sizeof name, "payload.%u", s->id);
        s->fd = openat(s->bw->tmpfd, name, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                       0600);
        if (s->fd < 0)
            return okra_fail_errno(errno, "cannot create a staging file in %s/tmp", s->bw->v->dir);
    }
    if (!s->spilled) {
        s->spilled = true;
        s->start = s->end;
    }
    if (s->len && (rc = (int) fs_pwrite_full(s->fd, s->mem, s->len, (off_t) s->end)) < 0)
        return okra_fail_write(-rc, "%s/tmp", s->bw->v->dir);
    s->end += s->len;
    s->len = 0;
    return 0;
}

/* The age writer's sink: hash, keep. */
static int
stager_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct bw_stager *s = ctx;

    sha256_update(&s->sha, p, n);
    if (s->len + n > s->cap) {
        size_t   cap = s->cap ? s->cap : 8192;
        uint8_t *m;

        while (cap < s->len + n && cap < MEM_BLOB_MAX)
            cap *= 2;
        if (s->len + n > cap) { /* past what a blob keeps in memory */
            int rc = spill(s);

            if (rc < 0)
                return rc;
            if (n > s->cap)
                return fs_pwrite_full(s->fd, p, n, (off_t) s->end) < 0
                           ? okra_fail_write(errno, "%s/tmp", s->bw->v->dir)
                           : (s->end += n, 0);
        } else {
            if ((m = realloc(s->mem, cap)) == NULL)
                return okra_fail(-ENOMEM, "out of memory");
            s->mem = m;
            s->cap = cap;
        }
    }
    memcpy(s->mem + s->len, p, n);
    s->len += n;
    return 0;
}

int
bw_stage_begin(struct bw_stager *s, struct age_writer **ret_writer)
{
    s->len = 0;
    s->spilled = false;
    if (sha256_init(&s->sha) < 0)
        return okra_fail(-ENOMEM, "cannot start SHA-256");
    return age_writer_new_x25519(ret_writer, s->bw->v->recipient, stager_sink, s);
}

int
bw_stage_end(struct bw_stager *s, struct age_writer *w, struct bw_blob *ret)
{
    int rc = age_writer_finish(w);

    age_writer_free(w);
    if (rc == 0 && s->spilled)
        rc = spill(s); /* the rest goes down too: the committer reads it from the file */
    if (rc < 0) {
        bw_stage_abandon(s, NULL);
        return rc;
    }
    memset(ret, 0, sizeof *ret);
    ret->stager = s->id;
    if (s->spilled) {
        ret->off = s->start;
        ret->len = s->end - s->start;
    } else {
        /* the blob takes the buffer; the next one starts a new one */
        ret->mem = s->mem;
        ret->len = s->len;
        s->mem = NULL;
        s->cap = s->len = 0;
    }
    sha256_final(&s->sha, ret->sha256);
    return 0;
}

void
bw_stage_abandon(struct bw_stager *s, struct age_writer *w)
{
    age_writer_free(w);
    if (s->spilled)
        s->end = s->start; /* later blobs overwrite what this one left */
    s->spilled = false;
    s->len = 0;
}

int
bw_stage_plain(struct bw_stager *s, const uint8_t *p, size_t n, struct bw_blob *ret)
{
    struct age_writer *w;
    int                rc;

    if ((rc = bw_stage_begin(s, &w)) < 0)
        return rc;
    if ((rc = age_writer_write(w, p, n)) < 0) {
        bw_stage_abandon(s, w);
        return rc;
    }
    return bw_stage_end(s, w, ret);
}

void
bw_blob_release(struct bw_blob *b)
{
    free(b->mem);
    b->mem = NULL;
}

/* ---- items, in order ---- */

static int
tar_fail(struct archive *a, const char *what)
{
    int no = archive_errno(a);

    if (no == ENOSPC || no == EDQUOT)
        return okra_fail_write(no, "%s", what);
    return okra_fail(-EIO, "cannot write %s: %s", what,
                     archive_error_string(a) ? archive_error_string(a) : "I/O error");
}

static int
entry_header(struct archive *a, time_t mtime, const char *name, uint64_t size)
{
    struct archive_entry *e = archive_entry_new();
    int                   rc;

    archive_entry_set_pathname(e, name);
    archive_entry_set_size(e, (la_int64_t) size);
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_mtime(e, mtime, 0);
    archive_entry_set_uid(e, 0);
    archive_entry_set_gid(e, 0);
    rc = archive_write_header(a, e);
    archive_entry_free(e);
    return rc == ARCHIVE_OK ? 0 : tar_fail(a, name);
}

/* One payload's tar entry into the body, from memory or the stager's file. */
static int
add_blob(struct bundle_writer *bw, uint32_t item_no, int opened, struct bw_blob *b, char *name,
         size_t cap)
{
    struct archive *a = bw->body.a;
    char            hex[SHA256_HEX];
    int             rc;

    if (bw->body.err)
        return okra_fail_write(bw->body.err, "staging files in %s/tmp", bw->v->dir);
    bundle_payload_name(item_no, opened, name, cap);
    hex_encode(hex, b->sha256, sizeof b->sha256);
    if (fprintf(bw->sums, "%s  %s\n", hex, name) < 0)
        return okra_fail_write(errno ? errno : EIO, "staging files in %s/tmp", bw->v->dir);
    if ((rc = entry_header(a, bw->mtime, name, b->len)) < 0)
        return rc;
    if (b->mem) {
        if (b->len && archive_write_data(a, b->mem, b->len) != (la_ssize_t) b->len)
            return tar_fail(a, name);
        bw_blob_release(b);
        /* the entry's padding goes down now, not with the next header */
        return archive_write_finish_entry(a) == ARCHIVE_OK ? 0 : tar_fail(a, name);
    }
    for (uint64_t off = b->off, left = b->len; left > 0;) {
        size_t  want = left > COPY_BUF ? COPY_BUF : (size_t) left;
        ssize_t n = fs_pread_full(bw->stagers[b->stager]->fd, bw->copy_buf, want, (off_t) off);

        if (n != (ssize_t) want)
            return okra_fail(-EIO, "cannot read staged %s", name);
        if (archive_write_data(a, bw->copy_buf, want) != (la_ssize_t) want)
            return tar_fail(a, name);
        off += want;
        left -= want;
    }
    return archive_write_finish_entry(a) == ARCHIVE_OK ? 0 : tar_fail(a, name);
}

int
bw_add_item(struct bundle_writer *bw, json_t *item, struct bw_blob *payload, struct bw_blob *opened)
{
    uint32_t no = bw->n_items + 1;
    char     name[64], *text;
    int      rc;

    if ((rc = add_blob(bw, no, 0, payload, name, sizeof name)) < 0)
        return rc;
    json_object_set_new(item, "payload", json_string(name));
    if (opened) {
        if ((rc = add_blob(bw, no, 1, opened, name, sizeof name)) < 0)
            return rc;
        json_object_set_new(item, "opened", json_string(name));
    }
    if ((text = json_dumps(item, JSON_PRESERVE_ORDER)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    rc = fprintf(bw->items, "%s\n    %s", no > 1 ? "," : "", text) < 0 ? -EIO : 0;
    free(bw->last_text);
    bw->last_text = text;
    if (rc < 0)
        return okra_fail_write(errno ? errno : EIO, "staging files in %s/tmp", bw->v->dir);
    bw->n_items = no;
    return (int) no;
}

/* ---- assembly: MANIFEST.json, the body as it is, SHA256SUMS, the signature ---- */

struct tar_out {
    struct archive      *a;
    int                  fd;
    int                  err;     /* errno of a failed write, kept (libarchive's is "Write error") */
    struct sha256        sha;     /* of the member being written, when hashing */
    bool                 hashing;
    struct mini_prehash *pre;     /* BLAKE2b for the signature, when set */
};

static int
member_data(struct tar_out *t, const void *p, size_t n, const char *name)
{
    if (n == 0)
        return 0;
    if (t->hashing)
        sha256_update(&t->sha, p, n);
    if (t->pre)
        mini_prehash_update(t->pre, p, n);
    if (archive_write_data(t->a, p, n) != (la_ssize_t) n)
        return tar_fail(t->a, name);
    return 0;
}

/* Copies len bytes of fd from offset 0 into the current member. */
static int
member_copy(struct tar_out *t, int fd, uint64_t len, const char *name, uint8_t *buf)
{
    for (uint64_t off = 0; off < len;) {
        size_t  want = len - off > COPY_BUF ? COPY_BUF : (size_t) (len - off);
        ssize_t n = fs_pread_full(fd, buf, want, (off_t) off);
        int     rc;

        if (n != (ssize_t) want)
            return okra_fail(-EIO, "cannot read staged %s", name);
        if ((rc = member_data(t, buf, want, name)) < 0)
            return rc;
        off += want;
    }
    return 0;
}

/* MANIFEST.json: the header fields, then the staged items. */
static int
write_manifest(struct bundle_writer *bw, struct tar_out *t, uint8_t hash[32])
{
    char       *head = json_dumps(bw->header, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    const char *tail = bw->n_items ? "\n  ]\n}\n" : "]\n}\n";
    const char *prefix = ",\n  \"items\": [";
    size_t      hl;
    uint64_t    items_len = (uint64_t) ftello(bw->items);
    int         rc;

    if (head == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    hl = strlen(head);
    while (hl && head[hl - 1] != '}') /* the dump ends "\n}": reopen the object */
        hl--;
    hl = hl ? hl - 1 : 0;
    while (hl && head[hl - 1] == '\n')
        hl--;
    head[hl] = '\0';
    t->hashing = true;
    sha256_init(&t->sha);
    if ((rc = entry_header(t->a, bw->mtime, "MANIFEST.json",
                           hl + strlen(prefix) + items_len + strlen(tail))) == 0 &&
        (rc = member_data(t, head, hl, "MANIFEST.json")) == 0 &&
        (rc = member_data(t, prefix, strlen(prefix), "MANIFEST.json")) == 0 &&
        (rc = member_copy(t, fileno(bw->items), items_len, "MANIFEST.json", bw->copy_buf)) == 0 &&
        (rc = member_data(t, tail, strlen(tail), "MANIFEST.json")) == 0 &&
        archive_write_finish_entry(t->a) != ARCHIVE_OK) /* its padding, before the body */
        rc = tar_fail(t->a, "MANIFEST.json");
    sha256_final(&t->sha, hash);
    t->hashing = false;
    free(head);
    return rc;
}

/* The payload entries, written as the items came: appended as they are. */
static int
append_body(struct bundle_writer *bw, struct tar_out *t)
{
    off_t in = 0, len = lseek(bw->body.fd, 0, SEEK_END);

    if (t->err)
        return okra_fail_write(t->err, "the bundle to %s/tmp", bw->v->dir);
    while (in < len) {
        ssize_t n = copy_file_range(bw->body.fd, &in, t->fd, NULL, (size_t) (len - in), 0);

        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EOPNOTSUPP || errno == EINVAL))
            break; /* no kernel copy here: copy by hand below */
        if (n < 0)
            return okra_fail_write(errno, "the bundle to %s/tmp", bw->v->dir);
        if (n == 0)
            return okra_fail(-EIO, "the bundle's body is short");
    }
    while (in < len) {
        size_t  want = (size_t) (len - in) > COPY_BUF ? COPY_BUF : (size_t) (len - in);
        ssize_t n = fs_pread_full(bw->body.fd, bw->copy_buf, want, in);
        int     rc;

        if (n != (ssize_t) want)
            return okra_fail(-EIO, "cannot read the bundle's body");
        if ((rc = fs_write_full(t->fd, bw->copy_buf, want)) < 0)
            return okra_fail_write(-rc, "the bundle to %s/tmp", bw->v->dir);
        in += (off_t) want;
    }
    return 0;
}

/* SHA256SUMS and its signature; fills the sums hash. */
static int
write_sums(struct bundle_writer *bw, struct tar_out *t, const uint8_t manifest_hash[32],
           uint8_t sums_hash[32])
{
    struct mini_prehash pre;
    uint8_t             digest[MINI_HASH_LEN];
    char                line[SHA256_HEX + 32], tc[160], *sig;
    uint64_t            sums_len = (uint64_t) ftello(bw->sums);
    size_t              ll;
    int                 rc;

    hex_encode(line, manifest_hash, 32);
    ll = strlen(line);
    memcpy(line + ll, "  MANIFEST.json\n", 17);
    ll += 16;
    mini_prehash_init(&pre);
    t->pre = &pre;
    t->hashing = true;
    sha256_init(&t->sha);
    if ((rc = entry_header(t->a, bw->mtime, "SHA256SUMS", ll + sums_len)) == 0 &&
        (rc = member_data(t, line, ll, "SHA256SUMS")) == 0)
        rc = member_copy(t, fileno(bw->sums), sums_len, "SHA256SUMS", bw->copy_buf);
    sha256_final(&t->sha, sums_hash);
    t->hashing = false;
    t->pre = NULL;
    mini_prehash_final(&pre, digest);
    if (rc < 0)
        return rc;
    bundle_trusted_comment(bw->v->vault_id, bw->seq, bw->kind, tc, sizeof tc);
    if ((sig = station_sign(bw->v, digest, tc)) == NULL)
        return okra_fail(-EIO, "cannot sign bundle %llu", (unsigned long long) bw->seq);
    if ((rc = entry_header(t->a, bw->mtime, "SHA256SUMS.minisig", strlen(sig))) == 0)
        rc = member_data(t, sig, strlen(sig), "SHA256SUMS.minisig");
    free(sig);
    return rc;
}

static int
flush_parts(struct bundle_writer *bw)
{
    body_flush(&bw->body);
    if (bw->body.err)
        return okra_fail_write(bw->body.err, "staging files in %s/tmp", bw->v->dir);
    if (fflush(bw->items) || fflush(bw->sums))
        return okra_fail_write(errno, "staging files in %s/tmp", bw->v->dir);
    return 0;
}

/*
 * Output for the bundle. A failed write is kept here and reported to
 * libarchive as done: libarchive 3.6 leaks its state after a fatal write
 * error, and its message would lose the errno (a full disk).
 */
static la_ssize_t
tar_out_write(struct archive *a, void *ctx, const void *buf, size_t n)
{
    struct tar_out *t = ctx;
    int             rc;

    (void) a;
    if (t->err == 0 && (rc = fs_write_full(t->fd, buf, n)) < 0)
        t->err = -rc;
    return (la_ssize_t) n;
}

static int
assemble(struct bundle_writer *bw, int fd, uint8_t sums_hash[32])
{
    struct tar_out t = { .fd = fd };
    uint8_t        manifest_hash[32];
    int            rc;

    t.a = archive_write_new();
    archive_write_set_format_pax_restricted(t.a);
    /* unbuffered, so that the body can go in between libarchive's own writes */
    archive_write_set_bytes_per_block(t.a, 0);
    if (archive_write_open(t.a, &t, NULL, tar_out_write, NULL) != ARCHIVE_OK)
        rc = tar_fail(t.a, "the bundle");
    else if ((rc = write_manifest(bw, &t, manifest_hash)) == 0 && (rc = append_body(bw, &t)) == 0 &&
             (rc = write_sums(bw, &t, manifest_hash, sums_hash)) == 0 &&
             archive_write_close(t.a) != ARCHIVE_OK)
        rc = tar_fail(t.a, "the bundle");
    if (t.err)
        rc = okra_fail_write(t.err, "the bundle to %s/tmp", bw->v->dir);
    archive_write_free(t.a);
    sha256_free(&t.sha);
    return rc;
}

/* Moves tmp/bundle.tar to bundles/N.tar, never over an existing bundle. */
static int
publish(struct bundle_writer *bw)
{
    char name[64];
    int  bfd, rc;

    vault_bundle_name(bw->seq, name, sizeof name);
    if (renameat2(bw->tmpfd, "bundle.tar", bw->v->dirfd, name, RENAME_NOREPLACE) < 0) {
        if (errno == EEXIST)
            return okra_fail(-EEXIST, "%s/%s exists already; another writer got there first",
                             bw->v->dir, name);
        return okra_fail_errno(errno, "cannot move the new bundle into %s/bundles", bw->v->dir);
    }
    /* from here the bundle is in place: a failure below is a warning, not a refusal */
    if ((bfd = openat(bw->v->dirfd, "bundles", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        okra_fail_errno(errno, "cannot open %s/bundles to sync it", bw->v->dir);
        return 1;
    }
    rc = fs_fsync_dir(bfd);
    close(bfd);
    return rc < 0 ? 1 : 0;
}

int
bw_commit(struct bundle_writer *bw, char ret_sums_hex[SHA256_HEX])
{
    uint8_t sums_hash[32];
    int     fd, rc;

    if ((rc = flush_parts(bw)) < 0)
        return rc;
    fd = openat(bw->tmpfd, "bundle.tar", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
                0644);
    if (fd < 0)
        return okra_fail_errno(errno, "cannot create a bundle in %s/tmp", bw->v->dir);
    rc = assemble(bw, fd, sums_hash);
    if (rc == 0 && fsync(fd) < 0)
        rc = okra_fail_write(errno, "the bundle to %s/tmp", bw->v->dir);
    if (close(fd) < 0 && rc == 0)
        rc = okra_fail_write(errno, "the bundle to %s/tmp", bw->v->dir);
    if (rc == 0)
        rc = publish(bw);
    if (rc < 0) {
        unlinkat(bw->tmpfd, "bundle.tar", 0);
        return rc;
    }
    bw->committed = true;
    hex_encode(ret_sums_hex, sums_hash, 32);
    if (rc == 1) /* in place, not known to be on disk: the reason is kept; no CHECKPOINT yet */
        return 1;
    /* the bundle is in place; a CHECKPOINT one behind is valid and the next commit mends it */
    return checkpoint_write(bw->v, bw->seq, ret_sums_hex) < 0 ? 1 : 0;
}

void
bw_free(struct bundle_writer *bw)
{
    uint32_t i;

    if (bw == NULL)
        return;
    body_close(bw);
    for (i = 0; i < bw->n_stagers; i++) {
        char name[32];

        snprintf(name, sizeof name, "payload.%u", i);
        if (bw->stagers[i]->fd >= 0) {
            close(bw->stagers[i]->fd);
            unlinkat(bw->tmpfd, name, 0);
        }
        sha256_free(&bw->stagers[i]->sha);
        free(bw->stagers[i]->mem);
        free(bw->stagers[i]);
    }
    if (bw->items)
        fclose(bw->items);
    if (bw->sums)
        fclose(bw->sums);
    if (bw->tmpfd >= 0) {
        unlinkat(bw->tmpfd, "items", 0);
        unlinkat(bw->tmpfd, "sums", 0);
        unlinkat(bw->tmpfd, "body", 0);
        unlinkat(bw->tmpfd, "bundle.tar", 0);
        close(bw->tmpfd);
    }
    free(bw->copy_buf);
    json_decref(bw->header);
    free(bw->last_text);
    free(bw->kind);
    pthread_mutex_destroy(&bw->lock);
    free(bw);
}
