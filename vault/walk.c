/* walk.c: depth-first, sorted, bounded, never following a link. */
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

struct name {
    char *s;
    bool  dir; /* sorts as "name/" */
};

struct frame {
    int          fd;
    struct name *names;
    size_t       n, next;
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

static int
cmp_names(const void *a, const void *b)
{
    const struct name *x = a, *y = b;
    const unsigned char *p = (const unsigned char *) x->s, *q = (const unsigned char *) y->s;

    /* compare as if folders ended in '/' so that the order is that of whole paths */
    while (*p && *p == *q)
        p++, q++;
    {
        int c1 = *p ? *p : (x->dir ? '/' : 0);
        int c2 = *q ? *q : (y->dir ? '/' : 0);

        return c1 - c2;
    }
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

/* Reads and sorts a folder's names. */
static int
push(struct walk *w, int fd, size_t prefix_len)
{
    DIR           *d;
    struct dirent *e;
    struct frame   f = { .fd = fd, .prefix_len = prefix_len };
    size_t         cap = 0;

    if (w->depth == w->cap) {
        struct frame *s = realloc(w->stack, (w->cap = w->cap ? w->cap * 2 : 16) * sizeof *s);

        if (s == NULL) {
            close(fd);
            return okra_fail(-ENOMEM, "out of memory");
        }
        w->stack = s;
    }
    if ((d = fdopendir(dup(fd))) == NULL) {
        close(fd);
        return okra_fail_errno(errno, "cannot read a folder");
    }
    /* the duplicate shares the position: a folder walked before is read from its start again */
    rewinddir(d);
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (f.n == cap) {
            struct name *nn = realloc(f.names, (cap = cap ? cap * 2 : 32) * sizeof *nn);

            if (nn == NULL)
                break;
            f.names = nn;
        }
        f.names[f.n].dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) {
            struct stat st;

            f.names[f.n].dir = fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                               S_ISDIR(st.st_mode);
        }
        if ((f.names[f.n].s = strdup(e->d_name)) == NULL)
            break;
        f.n++;
    }
    closedir(d);
    if (e != NULL) {
        while (f.n)
            free(f.names[--f.n].s);
        free(f.names);
        close(fd);
        return okra_fail(-ENOMEM, "out of memory");
    }
    if (f.n)
        qsort(f.names, f.n, sizeof *f.names, cmp_names);
    w->stack[w->depth++] = f;
    return 0;
}

static void
pop(struct walk *w)
{
    struct frame *f = &w->stack[--w->depth];

    while (f->next < f->n)
        free(f->names[f->next++].s);
    free(f->names);
    close(f->fd);
}

int
walk_new(int root_fd, const struct walk_opts *o, struct walk **ret)
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
        walk_free(w);
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

/* Handles one entry of the top frame: 1 a file to return, 0 go on, <0 stop. */
static int
visit(struct walk *w, struct walk_entry *ret)
{
    struct frame *f = &w->stack[w->depth - 1];
    char         *name = f->names[f->next].s;
    struct stat   st;
    int           rc, fd;

    f->names[f->next++].s = NULL; /* ours now */
    if ((rc = set_path(w, f->prefix_len, name)) < 0) {
        free(name);
        return rc;
    }
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
            free(name);
            return push(w, fd, prefix + 1);
        }
    } else if (!S_ISREG(st.st_mode)) {
        skip(w, w->path, kind_of(st.st_mode));
    } else {
        ret->dirfd = f->fd;
        ret->name = name;
        ret->relpath = w->path;
        ret->st = st;
        w->current = name; /* freed by the next call */
        return 1;
    }
    free(name);
    return 0;
}

int
walk_next(struct walk *w, struct walk_entry *ret)
{
    while (w->depth > 0 && !w->stopped) {
        struct frame *f = &w->stack[w->depth - 1];
        int           rc;

        free(w->current);
        w->current = NULL;
        if (f->next == f->n) {
            pop(w);
            continue;
        }
        if ((rc = visit(w, ret)) != 0)
            return rc;
    }
    return 0;
}

void
walk_free(struct walk *w)
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
