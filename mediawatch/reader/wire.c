/*
 * wire.c: the records between the reader child and okra (see rd_internal.h).
 *
 * The child writes them; the parent decodes each one with every check it
 * can make (lengths, codes, strings, paths) and holds the sequence to its
 * order and to the walk's limits. A child that has been taken over by a
 * hostile filesystem image can send anything: what passes here is only a
 * path, a size, a time and bytes, each bounded.
 */
#include "mediawatch/reader/rd_internal.h"
#include "common/err.h"
#include "common/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- writing (the child) ---------------------------------------------------------------------- */

static int
out_write(struct rd_out *o, const uint8_t *p, size_t n)
{
    if (o->fd < 0)
        return o->sink(o->ctx, p, n);
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);

        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -EPIPE;
        p += w;
        n -= (size_t) w;
    }
    return 0;
}

int
rd_flush(struct rd_out *o)
{
    if (o->broken)
        return -EPIPE;
    if (o->len > 0 && out_write(o, o->buf, o->len) < 0) {
        o->broken = true;
        return -EPIPE;
    }
    o->len = 0;
    return 0;
}

/* Room for n more bytes in the buffer (flushing first when needed). */
static uint8_t *
room(struct rd_out *o, size_t n)
{
    if (o->len + n > sizeof o->buf && rd_flush(o) < 0)
        return NULL;
    return n <= sizeof o->buf ? o->buf + o->len : NULL;
}

static void
le(uint8_t *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (uint8_t) (v >> (8 * i));
}

/* A record being built in the buffer. */
struct rec {
    struct rd_out *o;
    uint8_t       *start;
    size_t         len;
    bool           ok;
};

static struct rec
rec_begin(struct rd_out *o, enum rd_type t, size_t max_len)
{
    struct rec r = { o, room(o, RD_HEADER + max_len), 0, true };

    if (r.start == NULL) {
        r.ok = false;
        return r;
    }
    memset(r.start, 0, RD_HEADER);
    r.start[0] = (uint8_t) t;
    return r;
}

static void
rec_int(struct rec *r, uint64_t v, int bytes)
{
    le(r->start + RD_HEADER + r->len, v, bytes);
    r->len += (size_t) bytes;
}

/* A string, cut at max bytes. */
static void
rec_str(struct rec *r, const char *s, size_t max)
{
    size_t n = s ? strnlen(s, max) : 0;

    rec_int(r, n, 2);
    memcpy(r->start + RD_HEADER + r->len, s ? s : "", n);
    r->len += n;
}

static int
rec_end(struct rec *r)
{
    if (!r->ok)
        return -EPIPE;
    le(r->start + 4, r->len, 4);
    r->o->len += RD_HEADER + r->len;
    return 0;
}

static size_t
kv_room(size_t n)
{
    return n * (4 + RD_KEY_MAX + MW_READER_TEXT_MAX);
}

static void
rec_kv(struct rec *r, const struct rd_kv *kv, size_t n)
{
    for (size_t i = 0; i < n && i < RD_KV_MAX; i++) {
        rec_str(r, kv[i].key, RD_KEY_MAX);
        rec_str(r, kv[i].value, MW_READER_TEXT_MAX);
    }
}

int
rd_put_probe(struct rd_out *o, const struct rd_kv *kv, size_t n)
{
    struct rec r = rec_begin(o, RD_PROBE, kv_room(n));

    if (r.ok)
        rec_kv(&r, kv, n);
    return rec_end(&r);
}

int
rd_put_volume(struct rd_out *o, uint32_t partition, uint32_t filesystems, const struct rd_kv *kv,
              size_t n)
{
    struct rec r = rec_begin(o, RD_VOLUME, 8 + kv_room(n));

    if (r.ok) {
        rec_int(&r, partition, 4);
        rec_int(&r, filesystems, 4);
        rec_kv(&r, kv, n);
    }
    return rec_end(&r);
}

int
rd_put_file(struct rd_out *o, uint64_t size, int64_t mtime, const char *path)
{
    struct rec r = rec_begin(o, RD_FILE, 18 + MW_READER_PATH_MAX);

    if (r.ok) {
        rec_int(&r, size, 8);
        rec_int(&r, (uint64_t) mtime, 8);
        rec_str(&r, path, MW_READER_PATH_MAX);
    }
    return rec_end(&r);
}

int
rd_put_data(struct rd_out *o, const void *p, size_t n)
{
    struct rec r = rec_begin(o, RD_DATA, n);

    if (n == 0 || n > RD_DATA_MAX)
        return -EINVAL;
    if (r.ok) {
        memcpy(r.start + RD_HEADER, p, n);
        r.len = n;
    }
    return rec_end(&r);
}

int
rd_put_end(struct rd_out *o, bool damaged)
{
    struct rec r = rec_begin(o, RD_END, 1);

    if (r.ok)
        rec_int(&r, damaged, 1);
    return rec_end(&r);
}

int
rd_put_skip(struct rd_out *o, enum rd_skip why, uint64_t arg, const char *path, const char *other)
{
    struct rec r = rec_begin(o, RD_SKIP, 14 + 2 * MW_READER_PATH_MAX);

    if (r.ok) {
        rec_int(&r, why, 2);
        rec_int(&r, arg, 8);
        rec_str(&r, path, MW_READER_PATH_MAX);
        rec_str(&r, other, MW_READER_PATH_MAX);
    }
    return rec_end(&r);
}

int
rd_put_done(struct rd_out *o, uint64_t files, uint64_t folders, uint64_t entries)
{
    struct rec r = rec_begin(o, RD_DONE, 24);

    if (r.ok) {
        rec_int(&r, files, 8);
        rec_int(&r, folders, 8);
        rec_int(&r, entries, 8);
    }
    return rec_end(&r);
}

int
rd_put_fail(struct rd_out *o, enum rd_fail why, const char *detail)
{
    struct rec r = rec_begin(o, RD_FAIL, 4 + MW_READER_TEXT_MAX);

    if (r.ok) {
        rec_int(&r, why, 2);
        rec_str(&r, detail, MW_READER_TEXT_MAX);
    }
    return rec_end(&r);
}

/* ---- decoding (the parent) -------------------------------------------------------------------- */

struct cursor {
    uint8_t *p;
    size_t   len, at;
    bool     bad;
};

static uint64_t
take_int(struct cursor *c, int bytes)
{
    uint64_t v = 0;

    if (c->bad || c->len - c->at < (size_t) bytes) {
        c->bad = true;
        return 0;
    }
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t) c->p[c->at + (size_t) i] << (8 * i);
    c->at += (size_t) bytes;
    return v;
}

static bool
valid_key(const char *k)
{
    if (*k == '\0')
        return false;
    for (; *k; k++)
        if (!((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') || *k == '_'))
            return false;
    return true;
}

/* A FILE's path: relative, '/'-separated, no empty, "." or ".." part. */
static bool
valid_path(const char *p)
{
    if (*p == '\0' || strlen(p) > MW_READER_PATH_MAX)
        return false;
    for (;;) {
        size_t n = strcspn(p, "/");

        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (p[n] == '\0')
            return true;
        p += n + 1;
    }
}

/*
 * Strings are decoded as (offset, length) first and terminated at the end,
 * since the byte after one string is the first byte of the next field.
 */
struct strref {
    size_t off, len;
};

static bool
ref_str(struct cursor *c, size_t max, struct strref *ret)
{
    size_t n = (size_t) take_int(c, 2);

    if (c->bad || n > max || c->len - c->at < n || memchr(c->p + c->at, '\0', n) != NULL) {
        c->bad = true;
        return false;
    }
    ret->off = c->at;
    ret->len = n;
    c->at += n;
    return true;
}

static const char *
ref_end(struct cursor *c, const struct strref *r)
{
    c->p[r->off + r->len] = '\0';
    return (const char *) c->p + r->off;
}

static int
decode_kv(struct cursor *c, struct rd_record *rec)
{
    struct strref k[RD_KV_MAX], v[RD_KV_MAX];
    size_t        n = 0;

    while (c->at < c->len && !c->bad) {
        if (n == RD_KV_MAX || !ref_str(c, RD_KEY_MAX, &k[n]) ||
            !ref_str(c, MW_READER_TEXT_MAX, &v[n]))
            return -1;
        n++;
    }
    if (c->bad)
        return -1;
    /* all read: now the NULs can go in (each over the next field's length bytes) */
    for (size_t i = 0; i < n; i++) {
        rec->kv[i].key = ref_end(c, &k[i]);
        rec->kv[i].value = ref_end(c, &v[i]);
        if (!valid_key(rec->kv[i].key))
            return -1;
    }
    rec->n_kv = n;
    return 0;
}

static const char *const type_names[] = {
    [RD_PROBE] = "PROBE", [RD_VOLUME] = "VOLUME", [RD_FILE] = "FILE", [RD_DATA] = "DATA",
    [RD_END] = "END",     [RD_SKIP] = "SKIP",     [RD_DONE] = "DONE", [RD_FAIL] = "FAIL",
};

static int
malformed(enum rd_type t, const char *what)
{
    return okra_fail(-EBADMSG, "the reader sent a malformed %s record (%s)",
                     t >= RD_PROBE && t <= RD_FAIL ? type_names[t] : "unknown", what);
}

int
rd_decode(enum rd_type type, uint8_t *payload, size_t len, struct rd_record *rec)
{
    struct cursor c = { payload, len, 0, false };
    struct strref a = { 0, 0 }, b = { 0, 0 };

    memset(rec, 0, sizeof *rec);
    rec->type = type;
    switch (type) {
    case RD_PROBE:
        if (decode_kv(&c, rec) < 0)
            return malformed(type, "bad key or value");
        break;
    case RD_VOLUME:
        rec->a = take_int(&c, 4);
        rec->b = take_int(&c, 4);
        if (c.bad || rec->b == 0 || rec->b > 16 || rec->a > 64 || decode_kv(&c, rec) < 0)
            return malformed(type, "bad partition, count, key or value");
        break;
    case RD_FILE:
        rec->a = take_int(&c, 8);
        rec->mtime = (int64_t) take_int(&c, 8);
        if (!ref_str(&c, MW_READER_PATH_MAX, &a))
            return malformed(type, "bad path length");
        break;
    case RD_DATA:
        if (len == 0 || len > RD_DATA_MAX)
            return malformed(type, "no bytes, or too many");
        rec->data = payload;
        rec->len = len;
        return 0;
    case RD_END:
        rec->a = take_int(&c, 1);
        if (rec->a > 1)
            return malformed(type, "bad status");
        break;
    case RD_SKIP:
        rec->a = take_int(&c, 2);
        rec->b = take_int(&c, 8);
        if (!ref_str(&c, MW_READER_PATH_MAX, &a) || !ref_str(&c, MW_READER_PATH_MAX, &b))
            return malformed(type, "bad path length");
        if (rec->a < 1 || rec->a > RD_SKIP_MAX_)
            return malformed(type, "unknown reason");
        break;
    case RD_DONE:
        rec->a = take_int(&c, 8);
        rec->b = take_int(&c, 8);
        rec->c = take_int(&c, 8);
        break;
    case RD_FAIL:
        rec->a = take_int(&c, 2);
        if (!ref_str(&c, MW_READER_TEXT_MAX, &a) || rec->a < 1 || rec->a > RD_FAIL_MAX_)
            return malformed(type, "unknown reason or bad detail");
        break;
    default:
        return malformed(type, "unknown type");
    }
    if (c.bad || c.at != c.len)
        return malformed(type, c.bad ? "shorter than its fields" : "bytes after its fields");
    if (type == RD_FILE || type == RD_SKIP || type == RD_FAIL) {
        rec->path = ref_end(&c, &a);
        if (type == RD_SKIP)
            rec->other = ref_end(&c, &b);
    }
    if (type == RD_FILE && !valid_path(rec->path))
        return malformed(type, "a path that is empty, absolute, or has an empty, '.' or '..' part");
    if (type == RD_SKIP && rec->path[0] == '\0')
        return malformed(type, "an empty path");
    return 0;
}

/* ---- the order of records, and the limits ----------------------------------------------------- */

void
rd_state_init(struct rd_state *s, const struct mw_read_opts *o)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    s->phase = RD_PH_START;
}

static int
out_of_order(const struct rd_record *r, const char *where)
{
    return okra_fail(-EBADMSG, "the reader sent a %s record %s", type_names[r->type], where);
}

static int
path_depth_ok(const struct rd_state *s, const char *path)
{
    unsigned depth = 0;

    for (; *path; path++)
        depth += *path == '/';
    /* a partition's files sit in one more folder ("partN/") when there are several */
    return depth <= s->o->max_depth + 1;
}

int
rd_check(struct rd_state *s, const struct rd_record *r)
{
    uint64_t max_entries = s->o->max_entries;

    if (r->type == RD_FAIL)
        return s->phase == RD_PH_FILE ? out_of_order(r, "in the middle of a file") : 0;
    if (s->phase == RD_PH_DONE)
        return out_of_order(r, "after the end");
    if (s->phase == RD_PH_FILE) {
        if (r->type == RD_DATA) {
            if (r->len > s->remaining)
                return okra_fail(-EBADMSG, "the reader sent more bytes than the file's size");
            s->remaining -= r->len;
            return 0;
        }
        if (r->type != RD_END)
            return out_of_order(r, "in the middle of a file");
        if (r->a == 0 && s->remaining != 0)
            return okra_fail(-EBADMSG, "the reader sent fewer bytes than the file's size");
        s->phase = RD_PH_WALK;
        return 0;
    }
    switch (r->type) {
    case RD_PROBE:
        if (!s->o->probe_only || s->phase != RD_PH_START)
            return out_of_order(r, "outside a probe");
        s->phase = RD_PH_WALK;
        return 0;
    case RD_VOLUME:
        if (s->o->probe_only)
            return out_of_order(r, "in a probe");
        s->got_volume = true;
        s->phase = RD_PH_WALK;
        return 0;
    case RD_FILE:
    case RD_SKIP:
        if (!s->got_volume)
            return out_of_order(r, "before the filesystem's");
        if (++s->entries > max_entries * MW_READER_VISIT_FACTOR + 16)
            return okra_fail(-EBADMSG, "the reader sent more than %llu entries",
                             (unsigned long long) max_entries * MW_READER_VISIT_FACTOR);
        if (!path_depth_ok(s, r->path))
            return okra_fail(-EBADMSG, "the reader sent a path deeper than %u folders",
                             s->o->max_depth);
        if (r->type == RD_SKIP)
            return 0;
        if (r->a > s->o->max_size)
            return okra_fail(-EBADMSG, "the reader sent a file larger than %llu bytes",
                             (unsigned long long) s->o->max_size);
        if (r->a > 0 && ++s->files > max_entries)
            return okra_fail(-EBADMSG, "the reader sent more than %llu files",
                             (unsigned long long) max_entries);
        s->remaining = r->a;
        s->phase = RD_PH_FILE;
        return 0;
    case RD_DONE:
        if (s->phase == RD_PH_START)
            return out_of_order(r, "before anything else");
        s->phase = RD_PH_DONE;
        return 0;
    default:
        return out_of_order(r, "outside a file");
    }
}

/* ---- in okra's words -------------------------------------------------------------------------- */

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
    char   *s = NULL;
    va_list ap;

    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

char *
rd_skip_text(const struct rd_record *r)
{
    unsigned long long arg = (unsigned long long) r->b;

    switch ((enum rd_skip) r->a) {
    case RD_SKIP_LINK: return fmt("a symbolic link (not followed)");
    case RD_SKIP_FIFO: return fmt("a FIFO, not a regular file");
    case RD_SKIP_CHR: return fmt("a character device, not a regular file");
    case RD_SKIP_BLK: return fmt("a block device, not a regular file");
    case RD_SKIP_SOCK: return fmt("a socket, not a regular file");
    case RD_SKIP_OTHER: return fmt("not a regular file");
    case RD_SKIP_TOO_DEEP: return fmt("a folder deeper than %llu levels (not walked)", arg);
    case RD_SKIP_PAST_FILES: return fmt("past the %lluth file: not read", arg);
    case RD_SKIP_PAST_FOLDERS: return fmt("past the %lluth folder: not read", arg);
    case RD_SKIP_STOP:
        return fmt("the walk stops here: more than %llu entries on the medium", arg);
    case RD_SKIP_TOO_LARGE: return fmt("is larger than %llu bytes (--max-size)", arg);
    case RD_SKIP_HARDLINK: {
        char *first = text_escape(r->other, strlen(r->other)), *s;

        s = fmt("another name of %s, read once (a hard link)", first ? first : "a file");
        free(first);
        return s;
    }
    case RD_SKIP_LOOP: return fmt("a folder seen already (a loop on the medium: not walked again)");
    case RD_SKIP_BAD_ENTRY: return fmt("cannot be read (its entry on the medium is damaged)");
    case RD_SKIP_BAD_FOLDER: return fmt("a folder that cannot be read (damaged on the medium)");
    case RD_SKIP_BAD_NAME: return fmt("a name with '/' in it (a damaged entry): not read");
    case RD_SKIP_LONG_PATH: return fmt("a path longer than %llu bytes: not read", arg);
    }
    return fmt("passed over");
}

char *
rd_fail_text(const struct rd_record *r)
{
    char       *detail = r->path && *r->path ? text_escape(r->path, strlen(r->path)) : NULL, *s;
    char        paren[MW_READER_TEXT_MAX * 4 + 8] = "";
    const char *d = detail ? detail : "unknown";

    if (detail != NULL)
        snprintf(paren, sizeof paren, " (%s)", detail);
    switch ((enum rd_fail) r->a) {
    case RD_FAIL_SANDBOX: s = fmt("the reader could not set up its sandbox%s", paren); break;
    case RD_FAIL_USAGE: s = fmt("the reader was started wrongly%s", paren); break;
    case RD_FAIL_NO_FS:
        s = fmt("no filesystem okra reads is on it (okra reads FAT12/16/32, exFAT, NTFS, "
                "ext2/3/4 and ISO 9660)");
        break;
    case RD_FAIL_UNSUPPORTED:
        s = fmt("it holds a %s filesystem, which okra does not read (okra reads FAT12/16/32, "
                "exFAT, NTFS, ext2/3/4 and ISO 9660)", d);
        break;
    case RD_FAIL_AMBIVALENT:
        s = fmt("it carries the signatures of more than one filesystem; okra reads none of them");
        break;
    case RD_FAIL_OPEN_FS: s = fmt("its filesystem is damaged and cannot be read%s", paren); break;
    case RD_FAIL_ROOT:
        s = fmt("the top folder of its filesystem is damaged and cannot be read%s", paren);
        break;
    case RD_FAIL_IO: s = fmt("it cannot be read%s", paren); break;
    default: s = fmt("it cannot be read"); break;
    }
    free(detail);
    return s;
}
