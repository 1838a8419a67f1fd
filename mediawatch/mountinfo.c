/*
 * mountinfo.c: whether something has a device mounted (okra leaves such a
 * device alone), from /proc/self/mountinfo. okra itself mounts nothing.
 */
#include "mediawatch/mw_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>

/* Undoes mountinfo's octal escapes (\040 for a space) in place. */
static void
unescape_octal(char *s)
{
    char *o = s;

    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0'
            && s[3] <= '7') {
            *o++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
            s += 3;
        } else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

/* Calls fn for each mountinfo line with its device number and mount point; stops when fn returns
 * true. */
static bool
each_mount(bool (*fn)(void *ctx, dev_t dev, const char *target), void *ctx)
{
    FILE  *f = fopen("/proc/self/mountinfo", "re");
    char  *line = NULL;
    size_t cap = 0;
    bool   found = false;

    if (f == NULL)
        return false;
    while (!found && getline(&line, &cap, f) > 0) {
        unsigned maj, min;
        char     target[4096];

        /* 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue */
        if (sscanf(line, "%*d %*d %u:%u %*s %4095s", &maj, &min, target) != 3)
            continue;
        unescape_octal(target);
        found = fn(ctx, makedev(maj, min), target);
    }
    free(line);
    fclose(f);
    return found;
}

static bool
same_dev(void *ctx, dev_t dev, const char *target)
{
    return dev == *(const dev_t *)ctx;
}

bool
mw_devnum_mounted(dev_t devnum)
{
    return each_mount(same_dev, &devnum);
}
