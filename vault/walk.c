/*
 * walk.c: depth-first, sorted, bounded, never following a link.
 *
 * A folder's names are read a window at a time: the smallest names after
 * the last one taken, as many as fit in WALK_WINDOW_BYTES, sorted; when the
 * window is used up the folder is read again for the next one. So a folder
 * of any size (500,000 names, or a million of 255 bytes) costs at most one
 * window of memory per open folder, and the order stays that of whole paths.
 */
#include "vault/walk.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A name in a window: a flag byte ('d' a folder, which sorts as "name/"; 'f' anything else), the name. */
struct name {
    uint32_t off; /* into the arena: the flag byte, the name, a NUL */
};

struct frame {
    int          fd;
    DIR         *dir;        /* read again for each window */
    char        *arena;      /* the window's names */
    size_t       arena_len, arena_cap;
    struct name *names;
    size_t       n, next, cap;
    char        *last;       /* the greatest name taken so far, with its flag byte; NULL at first */
    bool         done;       /* no name past this window */
    size_t       prefix_len; /* of w->path for this folder */
};

struct walk {
    struct walk_opts opts;
    struct frame    *stack;
    size_t           depth, cap;
    uint64_t         files;   /* files to be read (regular, not empty) */
    uint64_t         folders;
    uint64_t         visited; /* every entry, listed or not */
    bool             stopped;
    char            *path;
    size_t           path_cap;
    char            *current; /* the name returned last */
};

/* Compares two flagged names as whole paths compare (a folder as if it ended in '/'). */
static int
cmp_flagged(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *) a + 1, *q = (const unsigned char *) b + 1;
    int                  c1, c2;

    while (*p && *p == *q)
        p++, q++;
    c1 = *p ? *p : (a[0] == 'd' ? '/' : 0);
    c2 = *q ? *q : (b[0] == 'd' ? '/' : 0);
    return c1 - c2;
}

static char *arena_for_sort; /* qsort has no context argument; one walk sorts at a time */

static int
cmp_names(const void *a, const void *b)
{
    return cmp_flagged(arena_for_sort + ((const struct name *) a)->off,
                       arena_for_sort + ((const struct name *) b)->off);
}

static void
sort_window(struct frame *f)
{
    arena_for_sort = f->arena;
    qsort(f->names, f->n, sizeof *f->names, cmp_names);
}

static void
skip(struct walk *w, const char *relpath, const char *why)
{
    if (w->opts.skip)
        w->opts.skip(w->opts.ctx, relpath, why);
}

static int
set_path(struct walk *w, size_t prefix, const char *name)
{
    size_t nl = strlen(name), need = prefix + nl + 2;

    if (need > w->path_cap) {
        char *p = realloc(w->path, need * 2);

        if (p == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        w->path = p;
        w->path_cap = need * 2;
    }
    memcpy(w->path + prefix, name, nl + 1);
    return 0;
}

/*
 * The window is full: keep its smaller half, and from now on take only names
 * below the first one dropped (cutoff, a copy the caller frees).
 */
static int
halve(struct frame *f, char **cutoff)
{
    size_t keep = f->n / 2, i, len = 0;
    char  *arena;

    sort_window(f);
    free(*cutoff);
    if ((*cutoff = strdup(f->arena + f->names[keep].off)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    if ((arena = malloc(f->arena_cap)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    for (i = 0; i < keep; i++) {
        const char *s = f->arena + f->names[i].off;
        size_t      sl = strlen(s) + 1;

        memcpy(arena + len, s, sl);
        f->names[i].off = (uint32_t) len;
        len += sl;
    }
    free(f->arena);
    f->arena = arena;
    f->arena_len = len;
    f->n = keep;
    return 0;
}

/* Appends a flagged name to the window, growing it up to its limits (the caller checked them). */
static int
append(struct frame *f, char flag, const char *name, size_t nl)
{
    if (f->arena_len + nl + 2 > f->arena_cap) {
        size_t cap = f->arena_cap ? f->arena_cap * 2 : 4096;
        char  *a;

        while (cap < f->arena_len + nl + 2)
            cap *= 2;
        if (cap > WALK_WINDOW_BYTES)
            cap = WALK_WINDOW_BYTES;
        if ((a = realloc(f->arena, cap)) == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        f->arena = a;
        f->arena_cap = cap;
    }
    if (f->n == f->cap) {
        size_t       cap = f->cap ? f->cap * 2 : 256;
        struct name *nn;

        if (cap > WALK_WINDOW_NAMES)
            cap = WALK_WINDOW_NAMES;
        if ((nn = realloc(f->names, cap * sizeof *nn)) == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        f->names = nn;
        f->cap = cap;
    }
    f->names[f->n++].off = (uint32_t) f->arena_len;
    f->arena[f->arena_len++] = flag;
    memcpy(f->arena + f->arena_len, name, nl + 1);
    f->arena_len += nl + 1;
    return 0;
}

/* Whether one more name of nl bytes fits in a window. */
static bool
window_full(const struct frame *f, size_t nl)
{
    return f->n > 0 && (f->arena_len + nl + 2 > WALK_WINDOW_BYTES || f->n == WALK_WINDOW_NAMES);
}

static bool
is_folder(int fd, const struct dirent *e)
{
    struct stat st;

    if (e->d_type != DT_UNKNOWN)
        return e->d_type == DT_DIR;
    return fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The next window: the smallest names after f->last, as many as fit. The
 * folder is read whole each time; only the window is kept.
 */
static int
fill_window(struct frame *f)
{
    struct dirent *e;
    char          *cutoff = NULL, flagged[258];
    int            rc = 0;

    f->n = f->next = f->arena_len = 0;
    rewinddir(f->dir);
    while (rc == 0) {
        size_t nl;

        errno = 0;
        if ((e = readdir(f->dir)) == NULL)
            break;
        nl = strlen(e->d_name);

        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || nl > 255)
            continue;
        flagged[0] = is_folder(f->fd, e) ? 'd' : 'f';
        memcpy(flagged + 1, e->d_name, nl + 1);
        if ((f->last && cmp_flagged(flagged, f->last) <= 0) ||
            (cutoff && cmp_flagged(flagged, cutoff) >= 0))
            continue;
        while (rc == 0 && window_full(f, nl))
            rc = halve(f, &cutoff);
        /* the name may be past the new cutoff */
        if (rc < 0 || (cutoff && cmp_flagged(flagged, cutoff) >= 0))
            continue;
        rc = append(f, flagged[0], e->d_name, nl);
    }
    if (rc == 0 && errno != 0)
        rc = okra_fail_errno(errno, "cannot read a folder");
    if (rc == 0)
        sort_window(f);
    f->done = cutoff == NULL;
    free(cutoff);
    return rc;
}

/* Opens a folder for the walk; its first window read. */
static int
push(struct walk *w, int fd, size_t prefix_len)
{
    struct frame f = { .fd = fd, .prefix_len = prefix_len };
    int          dfd, rc;

    if (w->depth == w->cap) {
        struct frame *s = realloc(w->stack, (w->cap = w->cap ? w->cap * 2 : 16) * sizeof *s);

        if (s == NULL) {
            close(fd);
            return okra_fail(-ENOMEM, "out of memory");
        }
        w->stack = s;
    }
    if ((dfd = dup(fd)) >= 0 && (f.dir = fdopendir(dfd)) == NULL)
        close(dfd);
    rc = f.dir == NULL ? okra_fail_errno(errno, "cannot read a folder") : fill_window(&f);
    if (rc < 0) {
        free(f.arena);
        free(f.names);
        if (f.dir)
            closedir(f.dir);
        close(fd);
        return rc;
    }
    w->stack[w->depth++] = f;
    return 0;
}

static void
pop(struct walk *w)
{
    struct frame *f = &w->stack[--w->depth];

    free(f->arena);
    free(f->names);
    free(f->last);
    closedir(f->dir);
    close(f->fd);
}

int
vault_walk_new(int root_fd, const struct walk_opts *o, struct walk **ret)
{
    struct walk *w = calloc(1, sizeof *w);
    int          fd, rc;

    if (w == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    w->opts = *o;
    if (!w->opts.max_depth)
        w->opts.max_depth = WALK_MAX_DEPTH;
    if (!w->opts.max_entries)
        w->opts.max_entries = WALK_MAX_ENTRIES;
    if ((fd = fcntl(root_fd, F_DUPFD_CLOEXEC, 3)) < 0 || (rc = set_path(w, 0, "")) < 0 ||
        (rc = push(w, fd, 0)) < 0) {
        rc = fd < 0 ? okra_fail_errno(errno, "cannot read the folder") : rc;
        vault_walk_free(w);
        return rc;
    }
    *ret = w;
    return 0;
}

static const char *
kind_of(mode_t m)
{
    return S_ISLNK(m) ? "a symbolic link (not followed)"
           : S_ISFIFO(m) ? "a FIFO, not a regular file"
           : S_ISCHR(m) ? "a character device, not a regular file"
           : S_ISBLK(m) ? "a block device, not a regular file"
           : S_ISSOCK(m) ? "a socket, not a regular file"
                         : "not a regular file";
}

/* The window's next name, taken: w->current (valid until the next vault_walk_next). */
static int
take_name(struct walk *w, struct frame *f)
{
    const char *flagged = f->arena + f->names[f->next++].off;

    free(f->last);
    if ((f->last = strdup(flagged)) == NULL || (w->current = strdup(flagged + 1)) == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    return 0;
}

/* Handles one entry of the top frame: 1 a file to return, 0 go on, <0 stop. */
static int
visit(struct walk *w, struct walk_entry *ret)
{
    struct frame *f = &w->stack[w->depth - 1];
    struct stat   st;
    const char   *name;
    int           rc, fd;

    if ((rc = take_name(w, f)) < 0 || (rc = set_path(w, f->prefix_len, w->current)) < 0)
        return rc;
    name = w->current;
    if (++w->visited > w->opts.max_entries * WALK_VISIT_FACTOR) {
        /* what costs only a line (links, empty files...) is bounded too: the one stop */
        char why[128];

        snprintf(why, sizeof why, "the walk stops here: more than %llu entries on the medium",
                 (unsigned long long) w->opts.max_entries * WALK_VISIT_FACTOR);
        skip(w, w->path, why);
        w->stopped = true;
    } else if (fstatat(f->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        skip(w, w->path, "cannot be read");
    } else if (S_ISDIR(st.st_mode) ? ++w->folders > w->opts.max_entries
                                   : (S_ISREG(st.st_mode) && st.st_size > 0 &&
                                      ++w->files > w->opts.max_entries)) {
        /* a line each, not a stop: what is past the limit is named, never opened */
        char why[96];

        snprintf(why, sizeof why, "past the %llu%s %s: not read",
                 (unsigned long long) w->opts.max_entries, "th",
                 S_ISDIR(st.st_mode) ? "folder" : "file");
        skip(w, w->path, why);
    } else if (S_ISDIR(st.st_mode)) {
        if (w->depth > w->opts.max_depth) {
            skip(w, w->path, "a folder deeper than 32 levels (not walked)");
        } else if ((fd = fs_open_beneath(f->fd, name, O_RDONLY | O_DIRECTORY)) < 0) {
            skip(w, w->path, fd == -EXDEV ? "another filesystem mounted here (not walked)"
                                          : "a folder that cannot be opened");
        } else {
            size_t prefix = strlen(w->path);

            w->path[prefix] = '/';
            w->path[prefix + 1] = '\0';
            return push(w, fd, prefix + 1);
        }
    } else if (!S_ISREG(st.st_mode)) {
        skip(w, w->path, kind_of(st.st_mode));
    } else {
        ret->dirfd = f->fd;
        ret->name = name;
        ret->relpath = w->path;
        ret->st = st;
        return 1;
    }
    return 0;
}

int
vault_walk_next(struct walk *w, struct walk_entry *ret)
{
    while (w->depth > 0 && !w->stopped) {
        struct frame *f = &w->stack[w->depth - 1];
        int           rc;

        free(w->current);
        w->current = NULL;
        if (f->next == f->n) {
            if (f->done) {
                pop(w);
                continue;
            }
            if ((rc = fill_window(f)) < 0)
                return rc;
            continue;
        }
        if ((rc = visit(w, ret)) != 0)
            return rc;
    }
    return 0;
}

void
vault_walk_free(struct walk *w)
{
    if (w == NULL)
        return;
    while (w->depth > 0)
        pop(w);
    free(w->stack);
    free(w->path);
    free(w->current);
    free(w);
}
