/* ingest_internal.h: the pieces of ingest.c and ingest_item.c. */
#ifndef OKRA_INGEST_INTERNAL_H
#define OKRA_INGEST_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "formats/formats.h"
#include "vault/bundle.h"
#include "vault/ingest.h"

#define INGEST_INMEM_MAX (16u * 1024 * 1024) /* larger files are streamed, not inspected */
#define SLOT_SMALL (16u * 1024) /* a slot's own secure buffer; larger files get theirs */

/* One file on its way through the pipeline. */
struct slot {
    /* set by the producer */
    char             *path;     /* as shown and recorded (escaped, UTF-8) */
    uint8_t          *data;     /* secure memory: the whole file, or its head when streamed */
    size_t            len, cap;
    uint8_t          *small;    /* this slot's share of the window's secure arena */
    int               fd;       /* >= 0: streamed from here */
    uint64_t          size;
    int64_t           mtime;
    struct fmt_detect det;
    char             *password; /* secure; NULL when none asked */
    bool              decided;  /* the status is set already */
    /* opened by the producer while a person waited (check_passwords): the worker uses these */
    bool              opened_early;
    int               early_rc;       /* fmt_inspect's result */
    char             *early_why;      /* its reason when it failed (malloc'd) */
    struct fmt_info   early_info;
    struct secbuf     early_opened;   /* secret */
    /* a walked file the worker opens itself (no password to ask in order) */
    char             *relpath;  /* raw, beneath root_fd */
    int               root_fd;
    ino_t             ino;
    /* a large file from a medium's reader: the rest of its bytes come from here */
    const struct ingest_source *src;
    bool              damaged;  /* the source could not read its data */
    uint64_t          budget;   /* bytes counted in flight for it */
    /* set by a worker */
    enum ingest_line  status;
    char             *detail;   /* malloc'd */
    json_t           *item;
    struct bw_blob    payload, opened;
    bool              has_opened;
    bool              unopened; /* --inspect tried and failed: sealed uninspected */
    bool              reopened; /* sealed uninspected before, opened now: a new item, same id */
    uint64_t          reopened_from; /* the bundle that sealed it uninspected */
    bool              fatal;    /* the vault could not be written: the whole ingest stops */
    char              sha256[SHA256_HEX];
};

/* CA certificates of the vault's home-issuer policy (DER). */
struct home_issuers {
    uint8_t **der;
    size_t   *len;
    size_t    n;
};

struct item_ctx {
    const struct ingest_opts  *opts;
    const struct home_issuers *home;
    struct bw_stager          *stager;
    const char                *signing_allowed_by; /* "policy", "--allow-signing-keys", or NULL:
                                                      signing-only keys are refused */
};

/* Who lets this ingest seal signing-only keys: the vault's policy, the run's option, or NULL. */
const char *vault_signing_keys_allowed_by(struct vault *v, const struct ingest_opts *o);

/*
 * Reads an opened file (fd is taken) into the slot's secure buffer and
 * recognises it; sets status and decided (and returns -1) when it is not
 * to be sealed.
 */
int ingest_load_slot(const struct ingest_opts *o, struct slot *s, int fd, const struct stat *st);

/*
 * Reads a file from a source into the slot (size and mtime set already):
 * all of it into secure memory, or, past 16 MiB, its head, setting s->src
 * for the rest; recognises it. Returns 0 to seal it, 1 when it is not to be
 * sealed (status set, decided), or negative when the source failed.
 */
int ingest_load_stream(const struct ingest_opts *o, struct slot *s,
                       const struct ingest_source *src);

/* Why a walked file could not be taken: from open's negative errno, or >= 0 when it changed. */
const char *ingest_open_failure(int fd_or_error);

/* Worker: hash, inspect, encrypt and stage one file; fills status, detail, item, blobs. */
void ingest_process_slot(struct item_ctx *c, struct slot *s);

int  vault_home_issuers_load(struct vault *v, struct home_issuers *ret);
void vault_home_issuers_free(struct home_issuers *h);

/* Sets the slot's outcome; detail is formatted. */
void vault_slot_set(struct slot *s, enum ingest_line st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
