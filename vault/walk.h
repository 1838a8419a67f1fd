/*
 * walk.h: the safe walk of a folder from a medium (scan, mediawatch).
 *
 * No link is followed (openat2 RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_XDEV), nothing but regular files is returned, and limits on
 * depth, files read (regular, not empty) and folders bound the work; what is
 * passed over is reported, a line each, with a reason, and the walk goes on.
 * Only past ten times as many entries of any kind does the walk stop. Files
 * come in sorted path order (byte order of the whole path, as `LC_ALL=C
 * sort` gives), which fixes the order of prompts. Memory is bounded
 * whatever a folder holds (see WALK_WINDOW_BYTES).
 */
#ifndef OKRA_WALK_H
#define OKRA_WALK_H

#include <stdint.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 32
#define WALK_MAX_ENTRIES 100000 /* files read, and folders: past it a line each */
#define WALK_VISIT_FACTOR 10     /* every entry, listed or not: past 10x, the walk stops */
/*
 * A folder's names are held a window at a time, sorted: at most this many
 * bytes and names per open folder, however many the folder holds; the
 * folder is read again for each next window.
 */
#define WALK_WINDOW_BYTES (4 * 1024 * 1024)
#define WALK_WINDOW_NAMES 262144

struct walk_entry {
    int         dirfd;   /* the folder holding it (valid until the next vault_walk_next) */
    const char *name;    /* its name in that folder */
    const char *relpath; /* from the root, for display (valid until the next vault_walk_next) */
    struct stat st;      /* lstat of the entry */
};

struct walk_opts {
    unsigned max_depth;   /* 0: WALK_MAX_DEPTH */
    uint64_t max_entries; /* 0: WALK_MAX_ENTRIES */
    /* what was passed over, and why */
    void (*skip)(void *ctx, const char *relpath, const char *why);
    void *ctx;
};

struct walk;

int  vault_walk_new(int root_fd, const struct walk_opts *o, struct walk **ret);
/* 1 with the next regular file, 0 at the end, negative when the walk cannot go on. */
int  vault_walk_next(struct walk *w, struct walk_entry *ret);
void vault_walk_free(struct walk *w);

#endif
