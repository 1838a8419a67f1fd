/* media_read.c: the reader's entries as an ingest source, and the medium in the manifest. */
#include "cli/media_read.h"
#include "common/err.h"

#include <stdio.h>
#include <stdlib.h>

json_t *
cli_media_json(const struct mw_medium *m)
{
    json_t *j = json_object();

#define FIELD(f)                                                                                   \
    if (m->f)                                                                                      \
    json_object_set_new(j, #f, json_string(m->f))
    FIELD(devname);
    FIELD(vendor);
    FIELD(model);
    FIELD(serial);
    FIELD(fs_type);
    FIELD(fs_uuid);
    FIELD(fs_label);
    FIELD(mount_options);
    FIELD(folder);
#undef FIELD
    return j;
}

/* The reader as an ingest source; its first entry was read ahead (it brings the volume). */
struct source {
    struct mw_reader *r;
    struct mw_entry   first;
    int               first_rc;
    bool              first_taken;
};

static int
source_next(void *ctx, struct ingest_entry *ret)
{
    struct source  *s = ctx;
    struct mw_entry e;
    int             rc;

    if (!s->first_taken) {
        s->first_taken = true;
        rc = s->first_rc;
        e = s->first;
    } else {
        rc = mw_reader_next(s->r, &e);
    }
    if (rc > 0)
        *ret = (struct ingest_entry) { e.path, e.why, e.size, e.mtime };
    return rc;
}

static int
source_read(void *ctx, void *buf, size_t len)
{
    struct source *s = ctx;

    return mw_reader_read(s->r, buf, len);
}

int
cli_media_ingest(struct vault *v, int fd, struct mw_medium *m, struct ingest_opts *o,
             struct ingest_result *r, void (*ready)(void *ctx, const struct mw_medium *m), void *ctx)
{
    struct mw_read_opts   ro = { .max_size = o->max_size, .abort = o->abort };
    struct source         s = { 0 };
    struct ingest_source  src = { source_next, source_read, &s };
    const struct mw_volume *vol;
    json_t               *before = o->media;
    int                   rc;

    if ((rc = mw_reader_open(fd, &ro, &s.r)) < 0)
        return rc;
    if ((s.first_rc = mw_reader_next(s.r, &s.first)) < 0) {
        /* closing says the same: the reader's first failure sticks */
        mw_reader_close(s.r);
        return s.first_rc;
    }
    if ((vol = mw_reader_volume(s.r)) != NULL && mw_medium_set_volume(m, vol) < 0) {
        mw_reader_close(s.r);
        return okra_fail(-ENOMEM, "out of memory");
    }
    if (ready != NULL)
        ready(ctx, m);
    o->media = cli_media_json(m);
    rc = ingest_source(v, &src, o, r);
    json_decref(o->media);
    o->media = before;
    if (rc < 0) {
        char why[512];

        /* the ingest's reason, not the one closing the reader leaves */
        snprintf(why, sizeof why, "%s", okra_errmsg());
        mw_reader_close(s.r);
        return okra_fail(rc, "%s", why);
    }
    /* the ingest ran to the reader's end, which the child closed cleanly: committed */
    (void) mw_reader_close(s.r);
    return 0;
}
