/*
 * monitor.c: block device events, in the shape of libmount's monitor
 * (util-linux libmount/src/monitor.c): _new, _free, _get_fd for the
 * caller's poll loop, then _next until it says nothing is pending.
 *
 * Two sources:
 *
 *   udev    udevd's netlink group: events come after the rules ran, with
 *           ID_BUS, ID_SERIAL, ID_FS_TYPE, ID_FS_LABEL_ENC ... set. The loop
 *           follows systemd's test-libudev.c test_monitor().
 *   kernel  no udevd answers: the kernel's own uevents, which carry only
 *           MAJOR, MINOR, DEVNAME, DEVTYPE, DISKSEQ. The filesystem is then
 *           probed with libblkid in the reader's sandboxed child (as udev's
 *           builtin-blkid does, with the same ID_FS_* names and encodings;
 *           okra's own process parses no byte of the medium), and ID_BUS=usb, ID_SERIAL_SHORT,
 *           ID_VENDOR, ID_MODEL come from a USB device above it in sysfs.
 *           udev's database is not read in this mode: left behind by a udevd
 *           that stopped, it would be stale.
 *
 * Facts about the device itself (size, partitions, holders, the whole disk
 * of a partition) are read from sysfs in both modes.
 */
#include "mediawatch/mw_internal.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "mediawatch/reader/reader.h"

#include <blkid/blkid.h>
#include <dirent.h>
#include <fcntl.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

struct mw_monitor {
    struct udev         *udev;
    struct udev_monitor *mon;
    bool                 kernel;
};

bool
mw_udevd_running(void)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/run/udev/control" };
    int                fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    bool               up;

    if (fd < 0)
        return false;
    /* udevd leaves the socket file behind when it stops: only a connect tells */
    up = connect(fd, (const struct sockaddr *)&sa, sizeof sa) == 0 || errno == EAGAIN;
    close(fd);
    return up;
}

/* ---- sysfs ------------------------------------------------------------ */

static int
sysfs_read(const char *syspath, const char *attr, char *buf, size_t size)
{
    char    path[4096];
    ssize_t n;
    int     fd;

    if (snprintf(path, sizeof path, "%s/%s", syspath, attr) >= (int)sizeof path)
        return -ENAMETOOLONG;
    if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
        return -errno;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

uint64_t
mw_sysfs_size(const char *syspath)
{
    char buf[32];

    return syspath != NULL && sysfs_read(syspath, "size", buf, sizeof buf) == 0
        ? strtoull(buf, NULL, 10)
        : 0;
}

static uint64_t
sysfs_diskseq(const char *syspath)
{
    char buf[32];

    return sysfs_read(syspath, "diskseq", buf, sizeof buf) == 0 ? strtoull(buf, NULL, 10) : 0;
}

/* A disk's partitions are folders beside its attributes that hold a "partition" file. */
static bool
sysfs_has_partitions(const char *syspath)
{
    DIR           *dir = opendir(syspath);
    struct dirent *e;
    bool           found = false;

    if (dir == NULL)
        return false;
    while (!found && (e = readdir(dir)) != NULL) {
        char rel[300];

        if (e->d_type != DT_DIR || e->d_name[0] == '.')
            continue;
        snprintf(rel, sizeof rel, "%s/partition", e->d_name);
        found = faccessat(dirfd(dir), rel, F_OK, AT_SYMLINK_NOFOLLOW) == 0;
    }
    closedir(dir);
    return found;
}

static bool
sysfs_has_holders(const char *syspath)
{
    char           path[4096];
    DIR           *dir;
    struct dirent *e;
    bool           found = false;

    snprintf(path, sizeof path, "%s/holders", syspath);
    if ((dir = opendir(path)) == NULL)
        return false;
    while (!found && (e = readdir(dir)) != NULL)
        found = e->d_name[0] != '.';
    closedir(dir);
    return found;
}

/* ---- properties ------------------------------------------------------- */

static void
props_from_udev(struct mw_props *p, struct udev_device *ud)
{
    struct udev_list_entry *e;

    /* a property that is too long or one too many is left out, not fatal */
    udev_list_entry_foreach(e, udev_device_get_properties_list_entry(ud))
    {
        const char *k = udev_list_entry_get_name(e), *v = udev_list_entry_get_value(e);

        if (k != NULL && v != NULL)
            (void)mw_props_set(p, k, v);
    }
}

/* Kernel mode: the kernel's own KEY=VALUE lines from sysfs, not udev's database. */
static void
props_from_uevent_file(struct mw_props *p, const char *syspath)
{
    char   path[4096], *data, *line, *save = NULL;
    size_t len;

    snprintf(path, sizeof path, "%s/uevent", syspath);
    if (fs_read_file(AT_FDCWD, path, 65536, &data, &len) < 0)
        return;
    for (line = strtok_r(data, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');

        if (eq != NULL) {
            *eq = '\0';
            (void)mw_props_set(p, line, eq + 1);
        }
    }
    free(data);
}

/* Sets KEY (blkid_safe_string, as udev does) and KEY_ENC (blkid_encode_string). */
static void
set_encoded(struct mw_props *p, const char *key, const char *raw, bool safe_too)
{
    size_t len = strnlen(raw, MW_PROP_VALUE_MAX / 4);
    char  *buf = malloc(4 * len + 1), *copy = strndup(raw, len);
    char   enc_key[MW_PROP_KEY_MAX + 8];

    if (buf != NULL && copy != NULL) {
        snprintf(enc_key, sizeof enc_key, "%s_ENC", key);
        if (blkid_encode_string(copy, buf, 4 * len + 1) == 0)
            (void)mw_props_set(p, safe_too ? enc_key : key, buf);
        if (safe_too && blkid_safe_string(copy, buf, 4 * len + 1) == 0)
            (void)mw_props_set(p, key, buf);
    }
    free(buf);
    free(copy);
}

/* Kernel mode: ID_BUS=usb and the USB device's strings, when a USB device is above it. */
static void
props_from_usb(struct mw_props *p, struct udev_device *ud)
{
    struct udev_device *usb
        = udev_device_get_parent_with_subsystem_devtype(ud, "usb", "usb_device");
    const char *v;

    if (usb == NULL)
        return;
    (void)mw_props_set(p, "ID_BUS", "usb");
    if ((v = udev_device_get_sysattr_value(usb, "idVendor")) != NULL)
        set_encoded(p, "ID_VENDOR_ID", v, false);
    if ((v = udev_device_get_sysattr_value(usb, "idProduct")) != NULL)
        set_encoded(p, "ID_MODEL_ID", v, false);
    if ((v = udev_device_get_sysattr_value(usb, "serial")) != NULL)
        set_encoded(p, "ID_SERIAL_SHORT", v, false);
    if ((v = udev_device_get_sysattr_value(usb, "manufacturer")) != NULL)
        set_encoded(p, "ID_VENDOR", v, true);
    if ((v = udev_device_get_sysattr_value(usb, "product")) != NULL)
        set_encoded(p, "ID_MODEL", v, true);
}

/* libblkid's names, as udev's builtin-blkid turns them into properties. */
static const struct {
    const char *name, *key;
    bool        safe_too;
} probe_map[] = {
    { "TYPE", "ID_FS_TYPE", false },         { "USAGE", "ID_FS_USAGE", false },
    { "VERSION", "ID_FS_VERSION", false },   { "UUID", "ID_FS_UUID", true },
    { "LABEL", "ID_FS_LABEL", true },        { "PTTYPE", "ID_PART_TABLE_TYPE", false },
};

static void
probed(void *ctx, const char *name, const char *value)
{
    for (size_t i = 0; i < sizeof probe_map / sizeof probe_map[0]; i++)
        if (strcmp(name, probe_map[i].name) == 0)
            set_encoded(ctx, probe_map[i].key, value, probe_map[i].safe_too);
}

/*
 * What udev's builtin-blkid would have said, from libblkid run in the
 * reader's sandboxed child on our read-only descriptor. A probe that fails
 * is kept as OKRA_PROBE_FAILED (its reason), for the line saying why the
 * device is passed over. 0 or -errno.
 */
static int
props_from_probe(struct mw_props *p, const struct mw_dev *d)
{
    struct stat st;
    int         fd, rc;

    if (d->devnode == NULL)
        return -ENODEV;
    fd = open(d->devnode, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0)
        return -errno;
    if (fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) || st.st_rdev != d->devnum) {
        close(fd);
        return -ENODEV;
    }
    if ((rc = mw_reader_probe(fd, NULL, probed, p)) < 0)
        (void) mw_props_set(p, "OKRA_PROBE_FAILED", okra_errmsg());
    close(fd);
    return 0;
}

int
mw_dev_reprobe(struct mw_dev *d)
{
    struct mw_props fresh = { 0 };
    int             rc = props_from_probe(&fresh, d);

    if (rc == 0) {
        mw_props_unset_prefix(&d->props, "ID_FS_");
        mw_props_unset_prefix(&d->props, "ID_PART_TABLE_");
        mw_props_unset_prefix(&d->props, "OKRA_PROBE_");
        for (size_t i = 0; i < fresh.n && rc == 0; i++)
            rc = mw_props_set(&d->props, fresh.v[i].key, fresh.v[i].value);
    }
    mw_props_clear(&fresh);
    return rc;
}

/* ---- devices ---------------------------------------------------------- */

struct mw_dev *
mw_dev_free(struct mw_dev *d)
{
    if (d != NULL) {
        free(d->syspath);
        free(d->devnode);
        mw_props_clear(&d->props);
        free(d);
    }
    return NULL;
}

static enum mw_action
parse_action(const char *a)
{
    if (a == NULL)
        return MW_ACTION_ADD; /* enumerated: present now */
    if (strcmp(a, "add") == 0)
        return MW_ACTION_ADD;
    if (strcmp(a, "change") == 0)
        return MW_ACTION_CHANGE;
    if (strcmp(a, "remove") == 0)
        return MW_ACTION_REMOVE;
    return MW_ACTION_OTHER;
}

/* "/dev/" and the kernel's name; no "..", no empty component. stat() checks it later. */
static char *
make_devnode(const char *devnode)
{
    if (devnode == NULL || strncmp(devnode, "/dev/", 5) != 0 || strstr(devnode, "/..") != NULL
        || strstr(devnode, "//") != NULL || strlen(devnode) > 255)
        return NULL;
    return strdup(devnode);
}

/* Everything but the filesystem probe; the device is left out (NULL) when unusable. */
static struct mw_dev *
dev_new(const struct mw_monitor *m, struct udev_device *ud)
{
    struct mw_dev      *d = calloc(1, sizeof *d);
    const char         *type = udev_device_get_devtype(ud), *seq;
    struct udev_device *disk;

    if (d == NULL)
        return NULL;
    d->action = parse_action(udev_device_get_action(ud));
    d->devnum = udev_device_get_devnum(ud);
    d->seqnum = udev_device_get_seqnum(ud);
    d->partition = type != NULL && strcmp(type, "partition") == 0;
    d->syspath = udev_device_get_syspath(ud) ? strdup(udev_device_get_syspath(ud)) : NULL;
    d->devnode = make_devnode(udev_device_get_devnode(ud));
    if (d->syspath == NULL || d->devnum == 0)
        return mw_dev_free(d);
    if (d->action == MW_ACTION_REMOVE || d->action == MW_ACTION_OTHER)
        return d; /* sysfs is gone or does not matter: the device number is what counts */
    if (m->kernel) {
        props_from_uevent_file(&d->props, d->syspath);
        if (udev_device_get_property_value(ud, "DISK_MEDIA_CHANGE") != NULL)
            (void)mw_props_set(&d->props, "DISK_MEDIA_CHANGE", "1");
    } else {
        props_from_udev(&d->props, ud);
    }
    d->size = mw_sysfs_size(d->syspath);
    d->has_holders = sysfs_has_holders(d->syspath);
    if (d->partition
        && (disk = udev_device_get_parent_with_subsystem_devtype(ud, "block", "disk"))) {
        d->parent = udev_device_get_devnum(disk);
        d->diskseq = sysfs_diskseq(udev_device_get_syspath(disk));
    } else if (!d->partition) {
        d->has_partitions = sysfs_has_partitions(d->syspath);
        d->diskseq = sysfs_diskseq(d->syspath);
    }
    if (d->diskseq == 0 && (seq = mw_props_get(&d->props, "DISKSEQ")) != NULL)
        d->diskseq = strtoull(seq, NULL, 10);
    /* worth probing: a medium is in, and it is not a partitioned disk */
    if (m->kernel && d->size > 0 && !d->has_partitions) {
        props_from_usb(&d->props, ud);
        (void)props_from_probe(&d->props, d);
    }
    return d;
}

/* ---- the monitor ------------------------------------------------------ */

int
mw_monitor_new(enum mw_source source, struct mw_monitor **ret)
{
    struct mw_monitor *m = calloc(1, sizeof *m);
    int                rc;

    if (m == NULL)
        return -ENOMEM;
    m->kernel = source == MW_SOURCE_KERNEL || (source == MW_SOURCE_AUTO && !mw_udevd_running());
    if ((m->udev = udev_new()) == NULL) {
        rc = okra_fail_errno(errno ? errno : ENOMEM, "cannot start libudev");
        goto fail;
    }
    m->mon = udev_monitor_new_from_netlink(m->udev, m->kernel ? "kernel" : "udev");
    if (m->mon == NULL) {
        rc = okra_fail_errno(errno ? errno : EIO, "cannot listen for device events");
        goto fail;
    }
    if ((rc = udev_monitor_filter_add_match_subsystem_devtype(m->mon, "block", NULL)) < 0
        || (rc = udev_monitor_enable_receiving(m->mon)) < 0) {
        rc = okra_fail_errno(-rc, "cannot listen for device events");
        goto fail;
    }
    /* a burst of events while a medium is in use must not overflow the socket */
    (void)udev_monitor_set_receive_buffer_size(m->mon, 4 * 1024 * 1024);
    *ret = m;
    return 0;
fail:
    mw_monitor_free(m);
    return rc;
}

struct mw_monitor *
mw_monitor_free(struct mw_monitor *m)
{
    if (m != NULL) {
        udev_monitor_unref(m->mon);
        udev_unref(m->udev);
        free(m);
    }
    return NULL;
}

int
mw_monitor_get_fd(const struct mw_monitor *m)
{
    return udev_monitor_get_fd(m->mon);
}

bool
mw_monitor_is_kernel(const struct mw_monitor *m)
{
    return m->kernel;
}

int
mw_monitor_next(struct mw_monitor *m, struct mw_dev **ret)
{
    for (;;) {
        struct udev_device *ud;
        struct mw_dev      *d;

        errno = 0;
        if ((ud = udev_monitor_receive_device(m->mon)) == NULL) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == 0 || errno == EINTR)
                return 0;
            return errno == ENOBUFS ? -ENOBUFS
                                    : okra_fail_errno(errno, "cannot read device events");
        }
        d = dev_new(m, ud);
        udev_device_unref(ud);
        if (d != NULL) {
            *ret = d;
            return 1;
        }
    }
}

int
mw_monitor_enumerate(struct mw_monitor *m, void (*cb)(void *ctx, struct mw_dev *d), void *ctx)
{
    struct udev_enumerate  *e = udev_enumerate_new(m->udev);
    struct udev_list_entry *it;
    int                     rc;

    if (e == NULL)
        return -ENOMEM;
    if ((rc = udev_enumerate_add_match_subsystem(e, "block")) < 0
        || (!m->kernel && (rc = udev_enumerate_add_match_is_initialized(e)) < 0)
        || (rc = udev_enumerate_scan_devices(e)) < 0) {
        udev_enumerate_unref(e);
        return okra_fail_errno(-rc, "cannot list block devices");
    }
    udev_list_entry_foreach(it, udev_enumerate_get_list_entry(e))
    {
        struct udev_device *ud
            = udev_device_new_from_syspath(m->udev, udev_list_entry_get_name(it));
        struct mw_dev *d = ud != NULL ? dev_new(m, ud) : NULL;

        udev_device_unref(ud);
        if (d == NULL)
            continue;
        /* every device that holds a medium now: taken, or passed over with a line */
        if (d->size > 0)
            cb(ctx, d);
        else
            mw_dev_free(d);
    }
    udev_enumerate_unref(e);
    return 0;
}
