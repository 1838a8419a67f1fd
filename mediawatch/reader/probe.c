/*
 * probe.c: libblkid's view of a medium, in the child: the filesystem's type,
 * UUID and label (the names udev gives as ID_FS_*), or a partition table.
 * blkid_do_safeprobe refuses a medium that carries two filesystems'
 * signatures, and so does okra.
 */
#include "mediawatch/reader/rd_internal.h"

#include <blkid/blkid.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static void
copy(blkid_probe pr, const char *name, char *out, size_t size)
{
    const char *v;
    size_t      len;

    out[0] = '\0';
    if (blkid_probe_lookup_value(pr, name, &v, &len) == 0 && v != NULL)
        snprintf(out, size, "%.*s", (int) strnlen(v, len), v);
}

int
rd_probe(int fd, uint64_t offset, uint64_t size, bool want_pt, struct rd_probe *ret)
{
    blkid_probe pr = blkid_new_probe();
    int         rc;

    memset(ret, 0, sizeof *ret);
    if (pr == NULL)
        return -ENOMEM;
    if (blkid_probe_set_device(pr, fd, (blkid_loff_t) offset, (blkid_loff_t) size) < 0) {
        blkid_free_probe(pr);
        return -EIO;
    }
    blkid_probe_enable_superblocks(pr, 1);
    blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_LABEL | BLKID_SUBLKS_UUID |
                                              BLKID_SUBLKS_TYPE | BLKID_SUBLKS_USAGE |
                                              BLKID_SUBLKS_VERSION);
    blkid_probe_enable_partitions(pr, want_pt);
    rc = blkid_do_safeprobe(pr);
    if (rc == 0) {
        copy(pr, "TYPE", ret->type, sizeof ret->type);
        copy(pr, "USAGE", ret->usage, sizeof ret->usage);
        copy(pr, "VERSION", ret->version, sizeof ret->version);
        copy(pr, "UUID", ret->uuid, sizeof ret->uuid);
        copy(pr, "LABEL", ret->label, sizeof ret->label);
        copy(pr, "PTTYPE", ret->pttype, sizeof ret->pttype);
    }
    ret->ambivalent = rc == -2;
    blkid_free_probe(pr);
    return rc == -1 ? -EIO : 0;
}

size_t
rd_probe_kv(const struct rd_probe *p, struct rd_kv *kv)
{
    const struct rd_kv all[] = {
        { "TYPE", p->type },   { "USAGE", p->usage }, { "VERSION", p->version },
        { "UUID", p->uuid },   { "LABEL", p->label }, { "PTTYPE", p->pttype },
    };
    size_t n = 0;

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (all[i].value[0] != '\0')
            kv[n++] = all[i];
    return n;
}
