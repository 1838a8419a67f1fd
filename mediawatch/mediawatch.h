/*
 * mediawatch.h: notice removable media and hand each one, opened read-only,
 * to a callback that reads it with the sandboxed reader (reader/reader.h).
 * okra never mounts a medium.
 *
 * The watcher listens on udev's netlink source (properties set by udevd),
 * or, when no udevd runs, on kernel events, and then has each device probed
 * by libblkid in the reader's sandboxed child (okra parses no byte of a
 * medium itself). It enables receiving first, then enumerates devices
 * already present (coldplug), so a medium inserted while okra starts is not
 * missed. Every udev property and label is untrusted: recorded, made safe,
 * never used to build a path. A device that is ignored (a --match rule it
 * fails, no filesystem, mounted elsewhere...) gets one line saying why.
 *
 * A medium in use is held open O_RDONLY | O_EXCL (nothing can mount it
 * meanwhile) and read-only at the block layer (BLKROSET) when okra may. A
 * `remove` of the device while the callback runs sets *abort for the
 * callback to see.
 *
 * Nothing here prints: events for the operator go through the log callback.
 *
 * Threads: mw_run calls on_medium in the calling thread. A watcher thread of
 * its own reads the event source the whole time (so no event is lost while a
 * medium is in use, and a `remove` is seen at once); log may be called from
 * either thread, never two calls at once. Signals are blocked in the watcher,
 * so SIGTERM reaches the caller's thread (and interrupts on_medium's reads).
 */
#ifndef OKRA_MEDIAWATCH_H
#define OKRA_MEDIAWATCH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "common/err.h"
#include "mediawatch/reader/reader.h"

/*
 * What is known of a medium (any field may be NULL); all untrusted text,
 * but made safe to print and to put in JSON: valid UTF-8, with control
 * characters, bidi overrides and invalid bytes written as "\xHH", at most
 * 512 bytes. Labels and model names are decoded from udev's *_ENC form.
 */
struct mw_medium {
    char *devname;  /* /dev/sdb1 */
    char *vendor;   /* ID_VENDOR */
    char *model;    /* ID_MODEL */
    char *serial;   /* ID_SERIAL_SHORT, else ID_SERIAL */
    char *fs_type;  /* ID_FS_TYPE / blkid TYPE */
    char *fs_uuid;
    char *fs_label; /* decoded from ID_FS_LABEL_ENC where present */
    char *mount_options; /* scan DIR: the options the folder's filesystem is mounted with */
    char *folder;   /* scan DIR: the folder given, absolute, escaped */
};

struct mw_match {
    char *prop; /* udev property name */
    char *glob; /* fnmatch(3) pattern */
};

enum mw_log_level { MW_INFO, MW_WARN, MW_ERROR };

/* Where events come from. AUTO: udevd's when it answers, else the kernel's. */
enum mw_source { MW_SOURCE_AUTO = 0, MW_SOURCE_UDEV, MW_SOURCE_KERNEL };

struct mw_options {
    const struct mw_match *match; /* every rule must match; NULL/0: ID_BUS=usb */
    size_t                 n_match;
    bool                   once;      /* handle one medium, then return */
    /* allow-list from the vault policy: when either is non-empty, a medium
       must have a listed serial or filesystem UUID */
    const char *const     *allow_serials;
    size_t                 n_allow_serials;
    const char *const     *allow_uuids;
    size_t                 n_allow_uuids;
    /* set by a signal handler to stop the loop (SIGTERM, SIGINT) */
    volatile sig_atomic_t *stop;

    /*
     * Called with the medium's block device open read-only at dev_fd
     * (O_EXCL, and read-only at the block layer when okra may), for the
     * callback to read with mw_reader_open. m holds what udev (or the probe)
     * said; the callback may fill its filesystem fields from what the reader
     * found (mw_medium_set_volume). abort becomes non-zero when the device
     * (or its whole disk) is removed during the call, its medium taken out
     * (size 0) or swapped (a new DISKSEQ). Returns 0, or negative on failure
     * (the loop goes on to the next medium). dev_fd stays mw_run's: the
     * callback must not close it.
     */
    int (*on_medium)(void *ctx, struct mw_medium *m, int dev_fd, volatile sig_atomic_t *abort);
    void (*log)(void *ctx, enum mw_log_level level, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
    void *ctx;
    enum mw_source source; /* addition: MW_SOURCE_AUTO unless testing */
};

/*
 * Runs the watcher until *stop, or after one medium with once. Returns 0 or
 * negative errno (with the reason in okra_errmsg()); with once, the return
 * value of on_medium for the medium it handled. A medium that cannot be
 * opened is logged and skipped; it does not count as the one.
 */
int mw_run(const struct mw_options *o);

void mw_medium_clear(struct mw_medium *m);

/*
 * What udev's database knows of block device devnum (vendor, model,
 * serial; not its filesystem, which the reader reports), with devnode as
 * its name; for 'scan --device'. 0 or -ENOMEM; fields udev lacks stay NULL.
 */
int mw_medium_describe(dev_t devnum, const char *devnode, struct mw_medium *ret);

/*
 * What can be known of the medium behind a folder scanned by hand (dirfd,
 * its absolute path folder): the folder, its filesystem's type and mount
 * options as the kernel has it mounted, and, when that filesystem is on a
 * block device, the device's name, vendor, model and serial and the
 * filesystem's UUID and label from udev's database. Reads no device.
 * 0 or negative errno; fields that cannot be known stay NULL.
 */
int mw_medium_of_folder(int dirfd, const char *folder, struct mw_medium *ret);

/* Sets the filesystem's type, UUID and label from what the reader found, made safe. 0 or -ENOMEM. */
int mw_medium_set_volume(struct mw_medium *m, const struct mw_volume *v);

/*
 * Opens a block device O_RDONLY | O_EXCL (no mount, no other exclusive
 * opener while okra holds it), checking it is still devnum when devnum is
 * not 0. Returns 0, or negative errno with the reason.
 */
OKRA_MUST_CHECK
int mw_device_open(const char *devnode, dev_t devnum, int *ret_fd);

/*
 * Makes the device read-only at the block layer (BLKROSET) while okra
 * reads it. Returns 1 when okra set it (undo with mw_device_release_ro), 0
 * when it was read-only already, negative when it cannot (no
 * CAP_SYS_ADMIN): the device is then read through okra's read-only
 * descriptor only.
 */
int  mw_device_hold_ro(int fd);
void mw_device_release_ro(int fd, int held);

/*
 * Parses "PROP=GLOB" (PROP: letters, digits, '_'; GLOB: fnmatch(3), may be
 * empty) into malloc'd strings; 0, -EINVAL or -ENOMEM; ret untouched on failure.
 */
int mw_match_parse(const char *s, struct mw_match *ret);

/* Frees what mw_match_parse allocated (addition); accepts NULL. */
void mw_match_clear(struct mw_match *m);

#endif
