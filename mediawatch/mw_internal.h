/*
 * mw_internal.h: the pieces of mediawatch, shared between its files and its
 * unit tests. Not for the rest of okra: use mediawatch.h.
 *
 *   match.c    property sets, --match rules, allow-lists
 *   medium.c   untrusted text: ID_FS_LABEL_ENC decoding, sanitising, struct mw_medium
 *   monitor.c  the event source (udev or kernel netlink), coldplug, the sandboxed probe, sysfs
 *   blockdev.c opening a medium O_EXCL, BLKROSET while it is read, udev's facts for scan --device
 *   mountinfo.c whether something else has a device mounted
 *   watch.c    mw_run: the queue, the watcher thread, removal while in use
 *
 * Every string that came from a device (udev properties, labels, blkid
 * values) is attacker input: bounded in length, never used to build a path.
 */
#ifndef OKRA_MW_INTERNAL_H
#define OKRA_MW_INTERNAL_H

#include "mediawatch/mediawatch.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Caps on what a device can make us hold. */
#define MW_PROP_MAX 256 /* properties per device */
#define MW_PROP_KEY_MAX 64 /* bytes in a property name */
#define MW_PROP_VALUE_MAX 4096 /* bytes in a property value */
#define MW_TEXT_MAX 512 /* bytes in a decoded, sanitised mw_medium field */

/* ---- match.c ---------------------------------------------------------- */

struct mw_prop {
    char *key;
    char *value;
};

/* A device's properties: udev's, or in kernel mode the uevent's plus libblkid's. */
struct mw_props {
    struct mw_prop *v;
    size_t          n;
};

/* Sets key to value (replacing an earlier value). 0, -EINVAL (too long, too many), -ENOMEM. */
int mw_props_set(struct mw_props *p, const char *key, const char *value);

/* Removes every key that starts with prefix. */
void mw_props_unset_prefix(struct mw_props *p, const char *prefix);

/* The value of key, or NULL. */
const char *mw_props_get(const struct mw_props *p, const char *key);

void mw_props_clear(struct mw_props *p);

/* True when every rule matches (fnmatch(3), no flags); a missing property never matches. */
bool mw_props_match(const struct mw_props *p, const struct mw_match *rules, size_t n_rules);

/*
 * Why props fail the rules, as okra says it: "has ID_BUS=ata, which --match
 * ID_BUS=usb does not take", or "has no ID_BUS (--match ID_BUS=usb)", for
 * the first rule that fails (values made safe); NULL when every rule matches
 * (or on allocation failure). malloc'd.
 */
char *mw_props_mismatch(const struct mw_props *p, const struct mw_match *rules, size_t n_rules);

/* The default rule set: ID_BUS=usb. */
extern const struct mw_match mw_default_match;

/*
 * The vault's allow-list: true when both lists are empty, or the medium's
 * serial (ID_SERIAL_SHORT or ID_SERIAL) or filesystem UUID (ID_FS_UUID,
 * compared without regard to case) is listed.
 */
bool mw_props_allowed(const struct mw_props *p, const struct mw_options *o);

/* ---- medium.c --------------------------------------------------------- */

/*
 * Decodes udev/blkid "\xHH" escapes (ID_FS_LABEL_ENC, ID_MODEL_ENC) as
 * util-linux's unhexmangle_to_buffer does: "\x" and two hex digits become
 * that byte, anything else is copied. Stops at a decoded NUL. Returns a
 * malloc'd string (NULL on allocation failure), at most max bytes of input.
 */
char *mw_unhexmangle(const char *s, size_t max);

/*
 * Makes untrusted bytes safe to record and print: valid UTF-8 is kept; each
 * byte of an invalid sequence, of a control character (C0, DEL, C1) or of a
 * bidirectional override (U+202A-U+202E, U+2066-U+2069) becomes the text
 * "\xHH"; a backslash stays a backslash. The result is cut (on a character
 * boundary) to MW_TEXT_MAX bytes. malloc'd; NULL on allocation failure.
 */
char *mw_text_sanitize(const char *s);

/* Decodes then sanitises: what goes into struct mw_medium. NULL for NULL. */
char *mw_text_decode(const char *enc);

/* Fills m from the properties and devnode; 0 or -ENOMEM (m is cleared then). */
int mw_medium_from_props(struct mw_medium *m, const struct mw_props *p, const char *devnode);

/* ---- monitor.c -------------------------------------------------------- */

enum mw_action { MW_ACTION_OTHER, MW_ACTION_ADD, MW_ACTION_CHANGE, MW_ACTION_REMOVE };

/* One block device as an event or an enumeration saw it. */
struct mw_dev {
    enum mw_action  action;
    dev_t           devnum;
    dev_t           parent; /* the whole disk of a partition, else 0 */
    bool            partition;
    uint64_t        diskseq; /* DISKSEQ (Linux 5.15+), 0 when unknown */
    uint64_t        seqnum; /* the kernel's event number; 0 when enumerated */
    uint64_t        size; /* sectors, from sysfs; 0 for no medium */
    bool            has_partitions;
    bool            has_holders; /* device-mapper, md, ... stacked on it */
    char           *syspath; /* /sys/devices/...: from the kernel */
    char           *devnode; /* /dev/NAME: from the kernel's DEVNAME, checked */
    struct mw_props props;
};

struct mw_dev *mw_dev_free(struct mw_dev *d);

struct mw_monitor;

/*
 * Opens a netlink monitor on subsystem "block" and enables receiving.
 * MW_SOURCE_AUTO picks "udev" when udevd answers on its control socket, else
 * "kernel" (the monitor then probes filesystems with libblkid itself).
 * Returns: 0, or negative errno.
 */
int mw_monitor_new(enum mw_source source, struct mw_monitor **ret);

/* Returns: NULL. Accepts NULL. */
struct mw_monitor *mw_monitor_free(struct mw_monitor *m);

/* Returns: the file descriptor to poll for events. */
int mw_monitor_get_fd(const struct mw_monitor *m);

/* Returns: true when the monitor listens to kernel events (no udevd). */
bool mw_monitor_is_kernel(const struct mw_monitor *m);

/*
 * Receives one pending event. Returns: 1 and *ret (free with mw_dev_free), 0
 * when nothing is pending, -ENOBUFS when the kernel dropped events (the
 * caller should enumerate again), other negative errno.
 */
int mw_monitor_next(struct mw_monitor *m, struct mw_dev **ret);

/*
 * Enumerates block devices present now that hold a medium, calling cb
 * for each (cb takes ownership of the device). Returns: 0, or negative errno.
 */
int mw_monitor_enumerate(struct mw_monitor *m, void (*cb)(void *ctx, struct mw_dev *d), void *ctx);

/*
 * Probes d's filesystem again, with libblkid in the sandboxed reader child
 * (mw_reader_probe: okra parses no byte of the medium itself), replacing
 * every ID_FS_* and ID_PART_TABLE_* property: what the properties say is
 * then what is on the medium now, not what udev saw at the event. Returns:
 * 0, or negative errno when the device cannot be read.
 */
int mw_dev_reprobe(struct mw_dev *d);

/* True when udevd answers on /run/udev/control (a stale socket does not count). */
bool mw_udevd_running(void);

/* Reads /sys/.../size (sectors) of syspath; 0 when unreadable. */
uint64_t mw_sysfs_size(const char *syspath);

/* ---- mountinfo.c ------------------------------------------------------ */

/* True when /proc/self/mountinfo lists a mount of devnum. */
bool mw_devnum_mounted(dev_t devnum);

#endif
