/*
 * media_read.h: a medium read in user space by the sandboxed reader
 * (mediawatch/reader) and sealed as one bundle: 'scan --device', 'scan
 * --image' and mediawatch.
 */
#ifndef OKRA_MEDIA_READ_H
#define OKRA_MEDIA_READ_H

#include "mediawatch/mediawatch.h"
#include "vault/ingest.h"

#include <jansson.h>

/* The manifest's media: each field of m that is known (doc/FORMAT.md, 6.1). */
json_t *cli_media_json(const struct mw_medium *m);

/*
 * Reads the medium on fd (a block device or an image, read-only) and seals
 * what it holds. m names the device; the reader adds the filesystem's type,
 * UUID and label, and ready (when not NULL) is called with it once they are
 * known, before the first file. o->media is set for the ingest and put back
 * after. Returns what ingest_source returned: 0, or negative with the reason
 * (the medium could not be read, or the vault not written: nothing is then
 * committed).
 */
int cli_media_ingest(struct vault *v, int fd, struct mw_medium *m, struct ingest_opts *o,
                 struct ingest_result *r, void (*ready)(void *ctx, const struct mw_medium *m),
                 void *ctx);

#endif
