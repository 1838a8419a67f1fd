/* record_internal.h: shared by record.c (reading) and record_steps.c (describing). */
#ifndef OKRA_CER_RECORD_INTERNAL_H
#define OKRA_CER_RECORD_INTERNAL_H

#include "ceremony/record.h"

/* An item a recovery names, with what its own (verified) bundle says of it. */
struct rec_source {
    const char *id;      /* borrowed from facts->fields */
    uint64_t    bundle;
    const char *as;      /* "original", "pfx", "pfx-legacy" */
    json_t     *item;    /* {id, format, inspected, subject, path} from its bundle, or NULL */
};

/* What the verified bundle(s) say, before it is put into words. */
struct rec_facts {
    json_t            *fields;  /* the manifest's top-level fields the record uses */
    json_t            *items;   /* the bundle's own items, each {id, format, inspected, subject, path} */
    struct rec_source *recovered;
    size_t             n_recovered;
};

/* {id, format, inspected, subject, path} of a manifest item (escaped strings); NULL on no memory. */
json_t *record_item_summary(json_t *item);

/* Fills r's heading, steps, signers and json from the facts. 0 or -ENOMEM. */
int record_describe(struct cer_record *r, struct vault *v, const struct rec_facts *f);

/* Appends one step (text is formatted); 0 or -ENOMEM. */
int record_step(struct cer_record *r, const char *action, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
