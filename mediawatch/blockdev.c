/*
 * blockdev.c: a medium's block device, opened and held read-only while
 * okra reads it, and what udev knows of it.
 *
 * The device is opened O_RDONLY | O_EXCL: the kernel then refuses to mount
 * it, or to let another exclusive opener in, for as long as okra holds it,
 * and okra cannot take a device something has mounted. BLKROSET makes the
 * block layer refuse writes to it from anyone, restored afterwards. It needs
 * CAP_SYS_ADMIN: the systemd unit keeps no such capability, and the udev
 * rule (dist/90-okra-media.rules) sets the device read-only as it appears
 * instead; okra then finds it read-only already.
 */
#include "mediawatch/mw_internal.h"
#include "common/err.h"

#include <fcntl.h>
#include <libudev.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int
mw_device_open(const char *devnode, dev_t devnum, int *ret_fd)
{
    struct stat st;
    int         fd = open(devnode, O_RDONLY | O_EXCL | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);

    if (fd < 0) {
        return errno == EBUSY ? okra_fail(-EBUSY, "is in use (mounted, or held by another "
                                                  "program); okra reads only devices nobody uses")
               : errno == ENOENT || errno == ENXIO ? okra_fail(-ENODEV, "is gone")
               : errno == ENOMEDIUM                 ? okra_fail(-ENOMEDIUM, "holds no medium")
                                                    : okra_fail_errno(errno, "cannot be opened");
    }
    if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || (devnum != 0 && st.st_rdev != devnum)) {
        close(fd);
        return okra_fail(-ENODEV, "is not the block device it was");
    }
    *ret_fd = fd;
    return 0;
}

int
mw_device_hold_ro(int fd)
{
    int ro = 0, one = 1;

    if (ioctl(fd, BLKROGET, &ro) == 0 && ro)
        return 0;
    if (ioctl(fd, BLKROSET, &one) < 0)
        return okra_fail_errno(errno, "cannot be made read-only at the block layer (BLKROSET)");
    return 1;
}

void
mw_device_release_ro(int fd, int held)
{
    int zero = 0;

    if (held == 1)
        (void) ioctl(fd, BLKROSET, &zero);
}

int
mw_medium_describe(dev_t devnum, const char *devnode, struct mw_medium *ret)
{
    struct udev        *u = udev_new();
    struct udev_device *d = u ? udev_device_new_from_devnum(u, 'b', devnum) : NULL;
    struct mw_props     p = { 0 };
    int                 rc;

    if (d != NULL) {
        struct udev_list_entry *e;

        udev_list_entry_foreach(e, udev_device_get_properties_list_entry(d))
        {
            const char *k = udev_list_entry_get_name(e), *v = udev_list_entry_get_value(e);

            /* the filesystem's fields come from the reader, not from udev's probe */
            if (k != NULL && v != NULL && strncmp(k, "ID_FS_", 6) != 0)
                (void) mw_props_set(&p, k, v);
        }
    }
    rc = mw_medium_from_props(ret, &p, devnode);
    mw_props_clear(&p);
    udev_device_unref(d);
    udev_unref(u);
    return rc;
}

int
mw_medium_set_volume(struct mw_medium *m, const struct mw_volume *v)
{
    char **fields[] = { &m->fs_type, &m->fs_uuid, &m->fs_label };
    const char *values[] = { v->fs_type, v->fs_uuid, v->fs_label };

    for (size_t i = 0; i < 3; i++) {
        free(*fields[i]);
        *fields[i] = NULL;
        if (values[i] != NULL && (*fields[i] = mw_text_sanitize(values[i])) == NULL)
            return -ENOMEM;
    }
    return 0;
}
