/*
 * bundle_internal.h: what the files of the bundle writer share.
 *
 *   bundle_write.c   the writer: position in the chain, header, items in order
 *   bundle_stage.c   stagers: payloads encrypted by worker threads into memory
 *   bundle_body.c    the payloads' tar entries, written as items are added
 *   bundle_commit.c  MANIFEST.json, the body, SHA256SUMS, the signature; publish
 */
#ifndef OKRA_BUNDLE_INTERNAL_H
#define OKRA_BUNDLE_INTERNAL_H

#include <archive.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "common/err.h"
#include "common/sha256.h"
#include "vault/bundle.h"

#define MEM_BLOB_MAX (1024 * 1024) /* larger payloads spill to the stager's file */
#define COPY_BUF (256 * 1024)
#define MAX_STAGERS 64

/*
 * A stager is one worker's: the payload being encrypted goes to memory and,
 * past MEM_BLOB_MAX, on to the stager's file in VAULT/tmp. Ciphertext is not
 * secret; plain malloc.
 */
struct bw_stager {
    struct bundle_writer *bw;
    uint32_t              id;
    int                   fd;       /* the spill file, opened on first need */
    uint64_t              end;      /* of what the file holds */
    uint8_t              *mem;      /* the blob being staged */
    size_t                len, cap;
    bool                  spilled;  /* this blob went to the file */
    uint64_t              start;    /* its offset there */
    struct sha256         sha;
};

/* Writes the tar entries of payloads as items come, so that commit only concatenates. */
struct body {
    struct archive *a;
    int             fd;
    bool            discard; /* libarchive's end-of-archive marker is not the body's */
    int             err;
    uint8_t        *buf;     /* libarchive writes unbuffered (header, data, padding): gather */
    size_t          len;
};

#define BODY_BUF (256 * 1024)

struct bundle_writer {
    struct vault     *v;
    int               tmpfd;
    uint64_t          seq;
    char              prev[SHA256_HEX]; /* "" for seq 0 */
    char              time[32];
    time_t            mtime;
    char             *kind;
    json_t           *header;
    FILE             *items, *sums;
    struct body       body;
    uint8_t          *copy_buf;
    uint32_t          n_items;
    char             *last_text; /* the item added last, as written */
    bool              committed;
    pthread_mutex_t   lock; /* stager creation */
    struct bw_stager *stagers[MAX_STAGERS];
    uint32_t          n_stagers;
};

OKRA_MUST_CHECK
int bw_body_open(struct bundle_writer *bw);
void bw_body_discard(struct bundle_writer *bw); /* closes and removes the staging file */
int  bw_body_flush(struct body *b);

/* A tar entry's header (regular file, 0644, the bundle's time); tar errors named. */
int bw_entry_header(struct archive *a, time_t mtime, const char *name, uint64_t size);
int bw_tar_fail(struct archive *a, const char *what);

#endif
