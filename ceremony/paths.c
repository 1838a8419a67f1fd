/* paths.c: whether two folders are apart (paths.h). */
#include "ceremony/paths.h"
#include "common/fsutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* An absolute, lexically normalised copy of path ("." and ".." folded, no trailing '/'). */
static char *
absolute(const char *path)
{
    char  *cwd = path[0] == '/' ? NULL : getcwd(NULL, 0), *joined = NULL, *out, *save = NULL, *seg;
    size_t o = 0;

    if (asprintf(&joined, "%s/%s", cwd ? cwd : "", path) < 0) {
        free(cwd);
        return NULL;
    }
    free(cwd);
    if ((out = malloc(strlen(joined) + 2)) == NULL) {
        free(joined);
        return NULL;
    }
    for (seg = strtok_r(joined, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
        if (strcmp(seg, ".") == 0)
            continue;
        if (strcmp(seg, "..") == 0) {
            while (o > 0 && out[--o] != '/')
                ;
            continue;
        }
        o += (size_t) sprintf(out + o, "/%s", seg);
    }
    out[o] = '\0';
    free(joined);
    return out;
}

bool
cer_path_inside(const char *path, const char *dir)
{
    char *p = absolute(path), *d = absolute(dir);
    bool  inside = false;

    if (p && d) {
        size_t n = strlen(d);

        inside = strncmp(p, d, n) == 0 && (p[n] == '/' || p[n] == '\0' || n == 0);
    }
    free(p);
    free(d);
    return inside;
}

/*
 * Apart, decided on the folders themselves: the deepest existing folder of
 * a must not lie in b (when b exists), nor b in a (when a exists whole).
 * The lexical check comes first, for paths that do not exist yet.
 */
bool
cer_dirs_apart(const char *a, const char *b, int b_fd)
{
    bool a_whole, b_whole = true;
    int  fa, fb = b_fd, in_b = 0, in_a = 0;

    if (cer_path_inside(a, b) || cer_path_inside(b, a))
        return false;
    if ((fa = fs_open_nearest_dir(a, &a_whole)) < 0)
        return true;
    if (fb < 0 && (fb = fs_open_nearest_dir(b, &b_whole)) < 0) {
        close(fa);
        return true;
    }
    if (b_whole)
        in_b = fs_dir_beneath(fa, fb);
    if (a_whole)
        in_a = fs_dir_beneath(fb, fa);
    close(fa);
    if (fb != b_fd)
        close(fb);
    return in_b != 1 && in_a != 1;
}
