/*
 * folder.c: what can be known of the medium behind a folder an officer
 * scans by hand ('okra scan DIR', a stick mounted or copied elsewhere):
 * the folder itself, the filesystem it lives on as the kernel has it
 * mounted (type, options, from /proc/self/mountinfo through libmount), and,
 * when that filesystem is on a block device, what udev's database says of
 * the device (name, vendor, model, serial) and of its filesystem (UUID,
 * label). Every string is untrusted (labels, serials) and made safe as
 * mediawatch makes the ones it records. Nothing is mounted, probed or read
 * from the device here: a copy on the station's own disk says so by naming
 * that disk.
 */
#include "mediawatch/mw_internal.h"
#include "common/text.h"

#include <errno.h>
#include <libmount.h>
#include <libudev.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The mounted filesystem holding devno: its type and options, from the kernel's table. */
static int
mount_facts(dev_t devno, struct mw_medium *m)
{
    struct libmnt_table *t = mnt_new_table();
    struct libmnt_fs    *fs;
    int                  rc = 0;

    if (t == NULL)
        return -ENOMEM;
    if (mnt_table_parse_mtab(t, NULL) == 0 &&
        (fs = mnt_table_find_devno(t, devno, MNT_ITER_BACKWARD)) != NULL) {
        const char *type = mnt_fs_get_fstype(fs), *opts = mnt_fs_get_vfs_options(fs);

        if (type && (m->fs_type = mw_text_sanitize(type)) == NULL)
            rc = -ENOMEM;
        if (rc == 0 && opts && (m->mount_options = mw_text_sanitize(opts)) == NULL)
            rc = -ENOMEM;
    }
    mnt_unref_table(t);
    return rc;
}

/* The block device devno, as udev's database knows it; 0 when it is none (tmpfs, NFS...). */
static int
device_facts(dev_t devno, struct mw_medium *m)
{
    struct udev            *u = udev_new();
    struct udev_device     *d = u ? udev_device_new_from_devnum(u, 'b', devno) : NULL;
    struct udev_list_entry *e;
    struct mw_props         p = { 0 };
    struct mw_medium        dev;
    int                     rc = 0;

    if (d != NULL) {
        udev_list_entry_foreach(e, udev_device_get_properties_list_entry(d))
        {
            const char *k = udev_list_entry_get_name(e), *v = udev_list_entry_get_value(e);

            if (k != NULL && v != NULL && (rc = mw_props_set(&p, k, v)) < 0)
                break;
        }
        if (rc == 0 && (rc = mw_medium_from_props(&dev, &p, udev_device_get_devnode(d))) == 0) {
            /* the kernel's word on the filesystem type wins over udev's probe */
            if (m->fs_type == NULL) {
                m->fs_type = dev.fs_type;
                dev.fs_type = NULL;
            }
            m->devname = dev.devname, m->vendor = dev.vendor, m->model = dev.model;
            m->serial = dev.serial, m->fs_uuid = dev.fs_uuid, m->fs_label = dev.fs_label;
            free(dev.fs_type);
            free(dev.mount_options);
        }
    }
    mw_props_clear(&p);
    udev_device_unref(d);
    udev_unref(u);
    return rc;
}

int
mw_medium_of_folder(int dirfd, const char *folder, struct mw_medium *ret)
{
    struct stat st;
    int         rc;

    memset(ret, 0, sizeof *ret);
    if (fstat(dirfd, &st) < 0)
        return -errno;
    if ((ret->folder = text_escape(folder, strlen(folder))) == NULL)
        return -ENOMEM;
    if ((rc = mount_facts(st.st_dev, ret)) < 0 || (rc = device_facts(st.st_dev, ret)) < 0) {
        mw_medium_clear(ret);
        return rc;
    }
    return 0;
}
