/*
 * mount.c: mount a medium read-only at a private folder, and take it away
 * again, whatever happened in between.
 *
 * mount(2) itself, never /bin/mount (no helper programs, no fstab, no
 * mount.<type> helpers found in $PATH). The folder's name comes from okra's
 * pid and a counter, never from the device. Only filesystems on okra's
 * allow-list and already known to the kernel are mounted: asking mount(2)
 * for a type the kernel lacks would make it load a module for it.
 */
#include "mediawatch/mw_internal.h"
#include "common/err.h"

#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256 /* Linux 5.10 */
#endif
#ifndef ST_NOSYMFOLLOW
#define ST_NOSYMFOLLOW 0x2000
#endif
#ifndef UMOUNT_NOFOLLOW
#define UMOUNT_NOFOLLOW 8
#endif

#define MW_MS_FLAGS                                                                                \
    (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOSYMFOLLOW | MS_NOATIME | MS_SILENT)
#define MW_ST_NEEDED (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC)

/* fmask 0177 and dmask 0077: files 0600, folders 0700, all root's, whatever the medium says */
#define MW_FAT_OWNER "fmask=0177,dmask=0077,uid=0,gid=0"

static const struct {
    const char *type;
    const char *data;
} fs_table[] = {
    { "vfat", MW_FAT_OWNER ",utf8" },
    { "exfat", MW_FAT_OWNER ",iocharset=utf8" },
    { "ntfs3", MW_FAT_OWNER ",iocharset=utf8" },
    { "ext2", "" },
    { "ext3", "noload" }, /* no journal replay: a read-only mount must not write */
    { "ext4", "noload" },
    { "iso9660", "" },
    { "udf", "" },
};

const char *
mw_fs_data_options(const char *fs_type)
{
    if (fs_type == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof fs_table / sizeof fs_table[0]; i++)
        if (strcmp(fs_table[i].type, fs_type) == 0)
            return fs_table[i].data;
    return NULL;
}

bool
mw_fs_allowed(const char *fs_type)
{
    return mw_fs_data_options(fs_type) != NULL;
}

bool
mw_fs_in_list(const char *text, const char *fs_type)
{
    size_t      tl = strlen(fs_type);
    const char *line = text;

    while (line != NULL && *line != '\0') {
        const char *nl = strchr(line, '\n');
        size_t      len = nl != NULL ? (size_t)(nl - line) : strlen(line);

        /* "nodev\tproc" is no block filesystem; "\text4" is */
        if (len == tl + 1 && line[0] == '\t' && memcmp(line + 1, fs_type, tl) == 0)
            return true;
        line = nl != NULL ? nl + 1 : NULL;
    }
    return false;
}

bool
mw_fs_available(const char *fs_type)
{
    char    buf[16384];
    size_t  len = 0;
    ssize_t n;
    int     fd = open("/proc/filesystems", O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return false;
    while (len < sizeof buf - 1 && (n = read(fd, buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    close(fd);
    buf[len] = '\0';
    return mw_fs_in_list(buf, fs_type);
}

int
mw_format_options(unsigned long f, const char *data, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s%s%s%s%s%s%s%s", f & ST_RDONLY ? "ro" : "rw",
        f & ST_NOSUID ? ",nosuid" : "", f & ST_NODEV ? ",nodev" : "",
        f & ST_NOEXEC ? ",noexec" : "", f & ST_NOSYMFOLLOW ? ",nosymfollow" : "",
        f & ST_NOATIME ? ",noatime" : "", data != NULL && *data ? "," : "",
        data != NULL ? data : "");

    return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

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

static bool
beneath(void *ctx, dev_t dev, const char *target)
{
    const char *dir = ctx;
    size_t      n = strlen(dir);

    while (n > 1 && dir[n - 1] == '/')
        n--;
    return strncmp(target, dir, n) == 0 && (target[n] == '\0' || target[n] == '/');
}

bool
mw_path_has_mounts(const char *mount_dir)
{
    return each_mount(beneath, (void *)mount_dir);
}

/* A new 0700 folder in dir_fd named from the pid and a counter. */
static int
make_mount_point(int dir_fd, struct mw_mount *ret)
{
    static atomic_uint counter;

    for (int tries = 0; tries < 100; tries++) {
        snprintf(ret->name, sizeof ret->name, "okra-%ld-%u", (long)getpid(),
            atomic_fetch_add(&counter, 1) + 1);
        if (mkdirat(dir_fd, ret->name, 0700) == 0)
            return fchmodat(dir_fd, ret->name, 0700, 0) < 0 ? -errno : 0;
        if (errno != EEXIST)
            return okra_fail_errno(errno, "cannot make a mount folder");
    }
    return okra_fail(-EEXIST, "cannot make a mount folder: every name is taken");
}

/* The device node must still be the device the event named. */
static int
check_node(const struct mw_dev *d)
{
    struct stat st;

    if (d->devnode == NULL || stat(d->devnode, &st) < 0)
        return okra_fail(-ENODEV, "the device is gone");
    if (!S_ISBLK(st.st_mode) || st.st_rdev != d->devnum)
        return okra_fail(-ENODEV, "%s is no longer the device that appeared", d->devnode);
    return 0;
}

/* After mount(2): what the kernel applied must be what okra asked for. */
static int
check_mounted(struct mw_mount *m, const struct mw_dev *d, const char *data)
{
    struct statvfs sv;
    struct stat    st;

    m->root_fd = open(m->path, O_DIRECTORY | O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (m->root_fd < 0)
        return okra_fail_errno(errno, "cannot open the mounted medium");
    if (fstatvfs(m->root_fd, &sv) < 0 || fstat(m->root_fd, &st) < 0)
        return okra_fail_errno(errno, "cannot check the mounted medium");
    if ((sv.f_flag & MW_ST_NEEDED) != MW_ST_NEEDED)
        return okra_fail(-EPERM, "the kernel did not mount it ro,nosuid,nodev,noexec");
    if (st.st_dev != d->devnum)
        return okra_fail(-EXDEV, "something else is mounted at the mount folder");
    return mw_format_options(sv.f_flag, data, m->options, sizeof m->options);
}

int
mw_mount(int dir_fd, const char *dir, const struct mw_dev *d, struct mw_mount *ret)
{
    const char     *type = mw_props_get(&d->props, "ID_FS_TYPE");
    const char     *data = mw_fs_data_options(type);
    struct mw_mount m = { .root_fd = -1 };
    int             rc;

    if (data == NULL)
        return okra_fail(
            -EMEDIUMTYPE, "okra does not mount %s filesystems", type ? type : "unknown");
    if (!mw_fs_available(type))
        return okra_fail(
            -EMEDIUMTYPE, "this kernel has no %s filesystem (okra loads no modules)", type);
    if ((rc = check_node(d)) < 0 || (rc = make_mount_point(dir_fd, &m)) < 0)
        return rc;
    if (asprintf(&m.path, "%s/%s", dir, m.name) < 0) {
        m.path = NULL;
        rc = -ENOMEM;
    } else if (mount(d->devnode, m.path, type, MW_MS_FLAGS, data) < 0) {
        rc = okra_fail_errno(errno, "cannot mount %s as %s", d->devnode, type);
    } else if ((rc = check_mounted(&m, d, data)) < 0) {
        if (m.root_fd >= 0)
            close(m.root_fd);
        m.root_fd = -1;
        umount2(m.path, UMOUNT_NOFOLLOW | MNT_DETACH);
    }
    if (rc < 0) {
        unlinkat(dir_fd, m.name, AT_REMOVEDIR);
        free(m.path);
        return rc;
    }
    *ret = m;
    return 0;
}

int
mw_unmount(int dir_fd, struct mw_mount *m)
{
    int rc = 0;

    if (m->root_fd >= 0)
        close(m->root_fd);
    m->root_fd = -1;
    if (m->path == NULL)
        return 0;
    if (umount2(m->path, UMOUNT_NOFOLLOW) < 0) {
        int e = errno;

        if (e == EBUSY && umount2(m->path, UMOUNT_NOFOLLOW | MNT_DETACH) == 0)
            rc = 1; /* something still holds a file open: gone from the tree, freed when closed */
        else if (e == EBUSY)
            rc = okra_fail_errno(errno, "cannot unmount %s", m->path);
        else if (e != EINVAL) /* EINVAL: not mounted any more */
            rc = okra_fail_errno(e, "cannot unmount %s", m->path);
    }
    if (unlinkat(dir_fd, m->name, AT_REMOVEDIR) < 0 && rc >= 0)
        rc = okra_fail_errno(errno, "cannot remove the mount folder %s", m->path);
    free(m->path);
    m->path = NULL;
    return rc;
}
