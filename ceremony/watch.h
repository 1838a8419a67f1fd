/*
 * watch.h: 'ceremony recover --watch': the custodians bring their share
 * files on their own media, one after another. Each medium is read in user
 * space by the sandboxed reader, as mediawatch reads media (never mounted);
 * the share files on it (age passphrase files, or a paper backup's mnemonic
 * in a text file) are copied into locked, wiped memory (secmem, never a
 * file) before any passphrase is asked, and handed to the quorum
 * (quorum.h) as a share source. Nothing on a medium is trusted: the files
 * are judged like any --share file.
 *
 * Secrets: the share files' bytes (a paper backup's words in the clear), in
 * the watch's secure memory until cer_watch_free wipes them.
 */
#ifndef OKRA_CER_WATCH_H
#define OKRA_CER_WATCH_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "ceremony/quorum.h"
#include "ceremony/ui.h"
#include "mediawatch/mediawatch.h"

#define CER_WATCH_MAX_SHARES 32

struct cer_watch_share {
    char    *label;    /* "LABEL:path", escaped */
    uint8_t *data;     /* its bytes, secure memory */
    size_t   len;
    uint8_t  hash[32]; /* the same file on two media (or one medium twice) counts once */
};

struct cer_watch {
    /* given */
    const struct mw_match  *match; /* NULL/0: mediawatch's default (ID_BUS=usb) */
    size_t                  n_match;
    const char *const      *allow_serials; /* the vault policy's media allow-list */
    size_t                  n_allow_serials;
    const char *const      *allow_uuids;
    size_t                  n_allow_uuids;
    volatile sig_atomic_t  *stop; /* the face's signal handler sets it to stop the watch */
    unsigned                need; /* shares to read */
    /* made */
    struct cer_watch_share  found[CER_WATCH_MAX_SHARES];
    size_t                  n_found;
    const struct cer_ui    *ui;
    struct cer_share_source source; /* the shares found, for cer_quorum */
};

/*
 * Waits for media until w->need share files are in. 0 then; -ECANCELED when
 * *w->stop was set first (the face says so); another negative code after
 * saying why.
 */
int cer_watch_run(const struct cer_ui *ui, struct cer_watch *w);

/* The labels of the shares found (a malloc'd array; the strings are w's), or NULL. */
char **cer_watch_labels(const struct cer_watch *w);

/* Wipes and frees what was read. */
void cer_watch_free(struct cer_watch *w);

#endif
