/*
 * tskwalk.c: the medium read with The Sleuth Kit's library, in the child.
 *
 * The image is the pre-opened descriptor itself (tsk_img_open_external with
 * a pread callback: nothing is opened). libblkid says what is on it: one
 * filesystem, or a partition table whose partitions hold filesystems. Only
 * FAT12/16/32, exFAT, NTFS, ext2/3/4 and ISO 9660 are read, each opened as
 * the type libblkid named (no guessing among every type the library knows).
 *
 * The walk is the folder walk's (vault/walk.c), over the library's
 * directories: depth first, names sorted as whole paths sort, no link
 * followed, regular files only, at most 32 folders deep, 100,000 files read
 * and 100,000 folders walked (a line each past that), and a stop past
 * 1,000,000 entries of any kind. What the library lists but is not a file
 * of the medium is left out without a word: deleted names, its virtual
 * files ($MBR, $FAT1, $OrphanFiles), NTFS's system files ($MFT, $Bitmap,
 * ... and $Extend), exFAT's bitmap, up-case table and label entries, FAT's
 * volume label entry. A file with several names (a hard link) is read
 * under its first; a folder met again (a loop) is walked once.
 */
#include "mediawatch/reader/rd_internal.h"

#include <tsk/libtsk.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_FILESYSTEMS 16
#define NTFS_FIRST_USER_INODE 16 /* 0-15: $MFT ... $Extend; the library lists them as files */

/* ---- the image: the descriptor, read with pread ---------------------------------------------- */

struct img {
    TSK_IMG_INFO info; /* first: the library takes a pointer to it as the whole */
    int          fd;
};

static ssize_t
img_read(TSK_IMG_INFO *info, TSK_OFF_T off, char *buf, size_t len)
{
    struct img *im = (struct img *) info;
    size_t      done = 0;

    while (done < len) {
        ssize_t n = pread(im->fd, buf + done, len - done, (off_t) off + (off_t) done);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return done > 0 ? (ssize_t) done : -1;
        if (n == 0)
            break;
        done += (size_t) n;
    }
    return (ssize_t) done;
}

static void
img_close(TSK_IMG_INFO *info)
{
    free(info);
}

static void
img_stat(TSK_IMG_INFO *info, FILE *f)
{
    (void) info, (void) f;
}

static TSK_IMG_INFO *
img_open(int fd, uint64_t size, unsigned sector_size)
{
    struct img   *im = calloc(1, sizeof *im);
    TSK_IMG_INFO *info;

    if (im == NULL)
        return NULL;
    im->fd = fd;
    info = tsk_img_open_external(im, (TSK_OFF_T) size, sector_size, img_read, img_close, img_stat);
    if (info == NULL)
        free(im);
    return info;
}

/* ---- sets of inode numbers -------------------------------------------------------------------- */

struct slot {
    uint64_t key; /* inode + 1; 0: empty */
    char    *path;
};

struct set {
    struct slot *v;
    size_t       n, cap;
};

static struct slot *
set_find(struct set *s, uint64_t inode)
{
    size_t i;

    if (s->cap == 0)
        return NULL;
    for (i = (size_t) (inode * 0x9e3779b97f4a7c15ull) & (s->cap - 1); s->v[i].key != 0;
         i = (i + 1) & (s->cap - 1))
        if (s->v[i].key == inode + 1)
            return &s->v[i];
    return NULL;
}

static int
set_add(struct set *s, uint64_t inode, const char *path)
{
    size_t i;

    if ((s->n + 1) * 2 > s->cap) {
        struct set bigger = { calloc(s->cap ? s->cap * 2 : 64, sizeof *s->v), 0,
                              s->cap ? s->cap * 2 : 64 };

        if (bigger.v == NULL)
            return -ENOMEM;
        for (i = 0; i < s->cap; i++)
            if (s->v[i].key != 0) {
                size_t j = (size_t) ((s->v[i].key - 1) * 0x9e3779b97f4a7c15ull) & (bigger.cap - 1);

                while (bigger.v[j].key != 0)
                    j = (j + 1) & (bigger.cap - 1);
                bigger.v[j] = s->v[i];
            }
        bigger.n = s->n;
        free(s->v);
        *s = bigger;
    }
    for (i = (size_t) (inode * 0x9e3779b97f4a7c15ull) & (s->cap - 1); s->v[i].key != 0;
         i = (i + 1) & (s->cap - 1))
        ;
    s->v[i].key = inode + 1;
    if (path != NULL && (s->v[i].path = strdup(path)) == NULL)
        return -ENOMEM;
    s->n++;
    return 0;
}

static void
set_free(struct set *s)
{
    for (size_t i = 0; i < s->cap; i++)
        free(s->v[i].path);
    free(s->v);
    memset(s, 0, sizeof *s);
}

/* ---- the walk --------------------------------------------------------------------------------- */

struct walk {
    TSK_FS_INFO            *fs;
    uint64_t                medium_size; /* no folder is larger: one that says so is damaged */
    struct rd_out          *out;
    const struct rd_limits *lim;
    char                    path[MW_READER_PATH_MAX + 512];
    uint64_t                files, folders, visited;
    bool                    stopped;
    struct set              dirs, linked; /* folders walked; files with several names read */
    uint8_t                 buf[RD_DATA_MAX];
};

struct name {
    char      *s;
    TSK_INUM_T addr;
    bool       dir; /* sorts as "name/" */
};

static int
cmp_names(const void *a, const void *b)
{
    const struct name   *x = a, *y = b;
    const unsigned char *p = (const unsigned char *) x->s, *q = (const unsigned char *) y->s;

    while (*p && *p == *q)
        p++, q++;
    {
        int c1 = *p ? *p : (x->dir ? '/' : 0);
        int c2 = *q ? *q : (y->dir ? '/' : 0);

        return c1 - c2;
    }
}

static bool
ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), t = strlen(tail);

    return n >= t && strcmp(s + n - t, tail) == 0;
}

/* What the library lists that is not one of the medium's files. */
static bool
not_a_file_of_the_medium(const struct walk *w, const TSK_FS_NAME *nm)
{
    static const char *const exfat_own[] = { "$ALLOC_BITMAP", "$UPCASE_TABLE", "$VOLUME_GUID",
                                             "$TEX_FAT", "$ACCESS_CONTROL_TABLE",
                                             "$EMPTY_VOLUME_LABEL" };
    TSK_FS_TYPE_ENUM t = w->fs->ftype;

    if (!(nm->flags & TSK_FS_NAME_FLAG_ALLOC) || nm->name == NULL || nm->name[0] == '\0' ||
        !strcmp(nm->name, ".") || !strcmp(nm->name, "..") || nm->type == TSK_FS_NAME_TYPE_VIRT ||
        nm->type == TSK_FS_NAME_TYPE_VIRT_DIR)
        return true;
    if (TSK_FS_TYPE_ISNTFS(t))
        return nm->meta_addr < NTFS_FIRST_USER_INODE;
    if (TSK_FS_TYPE_ISFAT(t) && ends_with(nm->name, " (Volume Label Entry)"))
        return true;
    if (t == TSK_FS_TYPE_EXFAT)
        for (size_t i = 0; i < sizeof exfat_own / sizeof exfat_own[0]; i++)
            if (strcmp(nm->name, exfat_own[i]) == 0)
                return true;
    return false;
}

static void
free_names(struct name *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i].s);
    free(v);
}

/*
 * Whether the folder's own size is one a medium can hold. A damaged inode
 * can claim terabytes, and the library then spends minutes mapping blocks
 * that are not there.
 */
static bool
plausible_folder(struct walk *w, TSK_INUM_T addr)
{
    TSK_FS_FILE *f = tsk_fs_file_open_meta(w->fs, NULL, addr);
    bool         ok = f != NULL && f->meta != NULL && f->meta->size >= 0 &&
              (uint64_t) f->meta->size <= w->medium_size;

    tsk_fs_file_close(f);
    tsk_error_reset();
    return ok;
}

/* A folder's names, sorted; NULL (with *n = 0) for an empty folder. -1 when it cannot be read. */
static int
list_folder(struct walk *w, TSK_INUM_T addr, struct name **ret, size_t *ret_n)
{
    TSK_FS_DIR  *d = plausible_folder(w, addr) ? tsk_fs_dir_open_meta(w->fs, addr) : NULL;
    struct name *v = NULL;
    size_t       n = 0, total;

    *ret = NULL;
    *ret_n = 0;
    if (d == NULL) {
        tsk_error_reset();
        return -1;
    }
    total = tsk_fs_dir_getsize(d);
    if (total > 0 && (v = calloc(total, sizeof *v)) == NULL) {
        tsk_fs_dir_close(d);
        return -1;
    }
    for (size_t i = 0; i < total; i++) {
        const TSK_FS_NAME *nm = tsk_fs_dir_get_name(d, i);

        if (nm == NULL || not_a_file_of_the_medium(w, nm))
            continue;
        if ((v[n].s = strdup(nm->name)) == NULL) {
            free_names(v, n);
            tsk_fs_dir_close(d);
            return -1;
        }
        v[n].addr = nm->meta_addr;
        v[n].dir = nm->type == TSK_FS_NAME_TYPE_DIR;
        n++;
    }
    tsk_fs_dir_close(d);
    tsk_error_reset();
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_names);
    *ret = v;
    *ret_n = n;
    return 0;
}

static void
skip(struct walk *w, enum rd_skip why, uint64_t arg, const char *other)
{
    rd_put_skip(w->out, why, arg, w->path, other);
}

/* Sends the file's bytes: DATA records, then END. */
static void
send_file(struct walk *w, TSK_FS_FILE *f, uint64_t size)
{
    uint64_t off = 0;

    if (rd_put_file(w->out, size, (int64_t) f->meta->mtime, w->path) < 0)
        return;
    while (off < size && !w->out->broken) {
        size_t  want = size - off < sizeof w->buf ? (size_t) (size - off) : sizeof w->buf;
        ssize_t n = tsk_fs_file_read(f, (TSK_OFF_T) off, (char *) w->buf, want,
                                     TSK_FS_FILE_READ_FLAG_NONE);

        if (n <= 0) {
            tsk_error_reset();
            break;
        }
        if ((size_t) n > want)
            n = (ssize_t) want;
        rd_put_data(w->out, w->buf, (size_t) n);
        off += (uint64_t) n;
    }
    rd_put_end(w->out, off != size);
}

static void
regular_file(struct walk *w, TSK_FS_FILE *f, TSK_INUM_T addr)
{
    uint64_t size = f->meta->size > 0 ? (uint64_t) f->meta->size : 0;

    if (size > 0 && ++w->files > w->lim->max_entries) {
        skip(w, RD_SKIP_PAST_FILES, w->lim->max_entries, NULL);
        return;
    }
    if (f->meta->nlink > 1) {
        const struct slot *seen = set_find(&w->linked, addr);

        if (seen != NULL) {
            skip(w, RD_SKIP_HARDLINK, 0, seen->path);
            return;
        }
        (void) set_add(&w->linked, addr, w->path);
    }
    if (size > w->lim->max_size)
        skip(w, RD_SKIP_TOO_LARGE, w->lim->max_size, NULL);
    else
        send_file(w, f, size);
}

static int walk_folder(struct walk *w, TSK_INUM_T addr, size_t prefix_len, unsigned depth);

static void
folder(struct walk *w, TSK_INUM_T addr, unsigned depth)
{
    size_t prefix = strlen(w->path);

    if (++w->folders > w->lim->max_entries) {
        skip(w, RD_SKIP_PAST_FOLDERS, w->lim->max_entries, NULL);
    } else if (depth > w->lim->max_depth) {
        skip(w, RD_SKIP_TOO_DEEP, w->lim->max_depth, NULL);
    } else if (set_find(&w->dirs, addr) != NULL) {
        skip(w, RD_SKIP_LOOP, 0, NULL);
    } else if (set_add(&w->dirs, addr, NULL) < 0) {
        skip(w, RD_SKIP_BAD_FOLDER, 0, NULL);
    } else {
        w->path[prefix] = '/';
        w->path[prefix + 1] = '\0';
        if (walk_folder(w, addr, prefix + 1, depth + 1) < 0) {
            w->path[prefix] = '\0';
            skip(w, RD_SKIP_BAD_FOLDER, 0, NULL);
        }
    }
}

static enum rd_skip
kind_of(TSK_FS_META_TYPE_ENUM t)
{
    switch (t) {
    case TSK_FS_META_TYPE_LNK: return RD_SKIP_LINK;
    case TSK_FS_META_TYPE_FIFO: return RD_SKIP_FIFO;
    case TSK_FS_META_TYPE_CHR: return RD_SKIP_CHR;
    case TSK_FS_META_TYPE_BLK: return RD_SKIP_BLK;
    case TSK_FS_META_TYPE_SOCK: return RD_SKIP_SOCK;
    default: return RD_SKIP_OTHER;
    }
}

/* One entry of a folder whose path ends at prefix_len; depth is the folder's own. */
static void
visit(struct walk *w, const struct name *e, size_t prefix_len, unsigned depth)
{
    size_t       n = strlen(e->s);
    TSK_FS_FILE *f;

    if (prefix_len + n > MW_READER_PATH_MAX) {
        snprintf(w->path + prefix_len, sizeof w->path - prefix_len, "%s", e->s);
        skip(w, RD_SKIP_LONG_PATH, MW_READER_PATH_MAX, NULL);
        return;
    }
    memcpy(w->path + prefix_len, e->s, n + 1);
    if (++w->visited > w->lim->max_entries * MW_READER_VISIT_FACTOR) {
        skip(w, RD_SKIP_STOP, w->lim->max_entries * MW_READER_VISIT_FACTOR, NULL);
        w->stopped = true;
        return;
    }
    if (strchr(e->s, '/') != NULL) {
        skip(w, RD_SKIP_BAD_NAME, 0, NULL);
        return;
    }
    if ((f = tsk_fs_file_open_meta(w->fs, NULL, e->addr)) == NULL || f->meta == NULL ||
        !(f->meta->flags & TSK_FS_META_FLAG_ALLOC)) {
        tsk_error_reset();
        skip(w, RD_SKIP_BAD_ENTRY, 0, NULL);
    } else if (f->meta->type == TSK_FS_META_TYPE_DIR) {
        folder(w, e->addr, depth);
    } else if (f->meta->type == TSK_FS_META_TYPE_REG) {
        regular_file(w, f, e->addr);
    } else {
        skip(w, kind_of(f->meta->type), 0, NULL);
    }
    tsk_fs_file_close(f);
}

/* Walks the folder at addr whose path (with its '/') ends at prefix_len; -1 when it cannot be read. */
static int
walk_folder(struct walk *w, TSK_INUM_T addr, size_t prefix_len, unsigned depth)
{
    struct name *v;
    size_t       n;

    if (list_folder(w, addr, &v, &n) < 0)
        return -1;
    for (size_t i = 0; i < n && !w->stopped && !w->out->broken; i++)
        visit(w, &v[i], prefix_len, depth);
    free_names(v, n);
    return 0;
}

/* ---- filesystems ------------------------------------------------------------------------------ */

struct fsloc {
    uint64_t         offset, size;
    unsigned         partition; /* 0: the whole medium */
    TSK_FS_TYPE_ENUM tsk_type;
    struct rd_probe  probe;
};

static TSK_FS_TYPE_ENUM
tsk_type_of(const struct rd_probe *p)
{
    static const struct {
        const char      *blkid;
        TSK_FS_TYPE_ENUM tsk;
    } map[] = {
        { "vfat", TSK_FS_TYPE_FAT_DETECT }, { "exfat", TSK_FS_TYPE_EXFAT },
        { "ntfs", TSK_FS_TYPE_NTFS },       { "ext2", TSK_FS_TYPE_EXT_DETECT },
        { "ext3", TSK_FS_TYPE_EXT_DETECT }, { "ext4", TSK_FS_TYPE_EXT_DETECT },
        { "iso9660", TSK_FS_TYPE_ISO9660 },
    };

    if (strcmp(p->usage, "filesystem") != 0)
        return TSK_FS_TYPE_UNSUPP;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(p->type, map[i].blkid) == 0)
            return map[i].tsk;
    return TSK_FS_TYPE_UNSUPP;
}

/* The partitions of a partition table that hold a filesystem okra reads. */
static size_t
partitions(int fd, TSK_IMG_INFO *img, const char *pttype, struct fsloc *locs, char *unsupported,
           size_t unsupported_size)
{
    TSK_VS_INFO *vs = tsk_vs_open(img, 0,
                                  !strcmp(pttype, "gpt") ? TSK_VS_TYPE_GPT
                                  : !strcmp(pttype, "dos") ? TSK_VS_TYPE_DOS
                                                           : TSK_VS_TYPE_UNSUPP);
    size_t       n = 0;
    unsigned     number = 0;

    if (vs == NULL) {
        tsk_error_reset();
        return 0;
    }
    for (TSK_PNUM_T i = 0; i < vs->part_count && n < MAX_FILESYSTEMS; i++) {
        const TSK_VS_PART_INFO *p = tsk_vs_part_get(vs, i);

        if (p == NULL || !(p->flags & TSK_VS_PART_FLAG_ALLOC))
            continue;
        number++;
        locs[n].offset = (uint64_t) p->start * vs->block_size;
        locs[n].size = (uint64_t) p->len * vs->block_size;
        locs[n].partition = number;
        if (rd_probe(fd, locs[n].offset, locs[n].size, false, &locs[n].probe) < 0)
            continue;
        if ((locs[n].tsk_type = tsk_type_of(&locs[n].probe)) != TSK_FS_TYPE_UNSUPP)
            n++;
        else if (locs[n].probe.type[0] != '\0' && unsupported[0] == '\0')
            snprintf(unsupported, unsupported_size, "%s", locs[n].probe.type);
    }
    tsk_vs_close(vs);
    tsk_error_reset();
    return n;
}

/* Where the filesystems are; 0 after a FAIL record. */
static size_t
find_filesystems(int fd, uint64_t size, TSK_IMG_INFO *img, struct rd_out *out, struct fsloc *locs)
{
    struct rd_probe whole;
    char            unsupported[MW_READER_TEXT_MAX + 1] = "";
    size_t          n;

    if (rd_probe(fd, 0, size, true, &whole) < 0) {
        rd_put_fail(out, RD_FAIL_IO, "libblkid cannot read it");
        return 0;
    }
    if (whole.ambivalent) {
        rd_put_fail(out, RD_FAIL_AMBIVALENT, NULL);
        return 0;
    }
    if (whole.type[0] != '\0') {
        locs[0] = (struct fsloc) { 0, size, 0, tsk_type_of(&whole), whole };
        if (locs[0].tsk_type != TSK_FS_TYPE_UNSUPP)
            return 1;
        rd_put_fail(out, RD_FAIL_UNSUPPORTED, whole.type);
        return 0;
    }
    if (whole.pttype[0] != '\0' &&
        (n = partitions(fd, img, whole.pttype, locs, unsupported, sizeof unsupported)) > 0)
        return n;
    if (unsupported[0] != '\0')
        rd_put_fail(out, RD_FAIL_UNSUPPORTED, unsupported);
    else
        rd_put_fail(out, RD_FAIL_NO_FS, NULL);
    return 0;
}

static void
volume_record(struct rd_out *out, const struct fsloc *l, size_t n, const TSK_FS_INFO *fs)
{
    struct rd_kv kv[RD_KV_MAX] = { { "fs", tsk_fs_type_toname(fs->ftype) } };
    size_t       k = 1 + rd_probe_kv(&l->probe, kv + 1);

    rd_put_volume(out, l->partition, (uint32_t) n, kv, k);
}

/* Opens and walks one filesystem; -1 after a FAIL record. */
static int
read_filesystem(TSK_IMG_INFO *img, const struct fsloc *l, size_t n, struct rd_out *out,
                struct walk *w)
{
    TSK_FS_INFO *fs = tsk_fs_open_img(img, (TSK_OFF_T) l->offset, l->tsk_type);
    size_t       prefix = 0;

    if (fs == NULL) {
        rd_put_fail(out, RD_FAIL_OPEN_FS, tsk_error_get());
        tsk_error_reset();
        return -1;
    }
    w->fs = fs;
    volume_record(out, l, n, fs);
    if (n > 1)
        prefix = (size_t) snprintf(w->path, sizeof w->path, "part%u/", l->partition);
    w->path[prefix] = '\0';
    if (set_add(&w->dirs, fs->root_inum, NULL) < 0 ||
        walk_folder(w, fs->root_inum, prefix, 1) < 0) {
        rd_put_fail(out, RD_FAIL_ROOT, tsk_error_get());
        tsk_error_reset();
        tsk_fs_close(fs);
        return -1;
    }
    tsk_fs_close(fs);
    return 0;
}

int
rd_read_medium(int fd, uint64_t size, unsigned sector_size, const struct rd_limits *lim,
               struct rd_out *out, int (*tighten)(void))
{
    TSK_IMG_INFO *img = img_open(fd, size, sector_size);
    struct fsloc  locs[MAX_FILESYSTEMS];
    struct walk  *w = calloc(1, sizeof *w);
    size_t        n;
    int           rc = -1;

    if (img == NULL || w == NULL) {
        rd_put_fail(out, RD_FAIL_IO, img == NULL ? tsk_error_get() : "out of memory");
        goto out;
    }
    n = find_filesystems(fd, size, img, out, locs);
    if (tighten != NULL && tighten() < 0) {
        rd_put_fail(out, RD_FAIL_SANDBOX, "its second seccomp filter");
        goto out;
    }
    if (n == 0)
        goto out;
    w->out = out;
    w->lim = lim;
    w->medium_size = size;
    for (size_t i = 0; i < n && !w->stopped && !out->broken; i++) {
        /* a second filesystem's inode numbers are its own */
        set_free(&w->dirs);
        set_free(&w->linked);
        if (read_filesystem(img, &locs[i], n, out, w) < 0)
            goto out;
    }
    rd_put_done(out, w->files, w->folders, w->visited);
    rc = out->broken ? -1 : 0;
out:
    if (w != NULL) {
        set_free(&w->dirs);
        set_free(&w->linked);
        free(w);
    }
    if (img != NULL)
        tsk_img_close(img);
    rd_flush(out);
    return rc;
}
