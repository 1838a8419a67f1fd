/*
 * ingest.h: sealing files into one bundle (import, scan, mediawatch).
 *
 * The caller gives sources in order; a producer (the calling thread) opens
 * each, reads it into locked memory, recognises it by content and, under
 * inspect, asks its export password in that order; worker threads (one per
 * core) hash, inspect, encrypt and stage; the calling thread commits the
 * results in order, skipping files already in the vault. One fsync'd
 * bundle at the end. Sealing needs no secret but the station's signing key.
 */
#ifndef OKRA_INGEST_H
#define OKRA_INGEST_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vault/vault.h"

#define INGEST_MAX_SIZE_DEFAULT (256ull * 1024 * 1024)

enum ingest_line {
    INGEST_SEALED,   /* sealed (detail: format, id, subject) */
    INGEST_UNINSPECTED, /* sealed, but could not be opened (detail: why) */
    INGEST_ALREADY,  /* in the vault already (detail: bundle and id) */
    INGEST_SKIPPED,  /* not sealed: not an export file, a link, too large... (detail: why) */
    INGEST_FAILED,   /* an export file that cannot be sealed (detail: why); import then
                        seals nothing, scan goes on and exits 1 */
};

struct ingest_opts {
    const char *kind;          /* "import" */
    const char *operator_name;
    json_t     *media;         /* borrowed, NULL when none */
    bool        inspect;
    bool        foreign;
    bool        allow_signing_keys; /* --allow-signing-keys: seal signing-only keys this run */
    bool        same_password;  /* --same-password: one answer for every file (the callee
                                   asks once); a file it does not open says so */
    bool        all_or_nothing; /* import: any failure seals nothing */
    bool        commit_empty;   /* mediawatch: a bundle even with no new item */
    uint64_t    max_size;
    bool        absolute_paths; /* import: source.path absolute */
    int         declared;       /* import --as: an enum fmt_kind (FMT_EPF, FMT_KMS) the operator
                                   declares every file to be, or FMT_OPAQUE (OpenSSH and
                                   OpenPGP secret keys taken as they are); 0 to recognise by
                                   content */
    /*
     * Asks the export password of one file (secure memory, caller frees with
     * secmem_free), in order; NULL stops the whole operation (no terminal,
     * end of the passphrase file: the callee has said why).
     */
    char *(*ask_password)(void *ctx, const char *path, const char *format, unsigned attempt);
    /*
     * A person answers (a terminal): each password is tried as it is given,
     * in order, and a wrong one is asked again, three tries a file (with
     * same_password, the shared answer first, then three of the file's own).
     * password_refused says why a try failed and how many are left; after the
     * last, the file is taken as with a wrong password.
     */
    bool  check_passwords;
    void (*password_refused)(void *ctx, const char *path, const char *why, unsigned tries_left);
    /* One line per file, in order. detail may be NULL. */
    void (*line)(void *ctx, enum ingest_line what, const char *path, const char *detail);
    /* Progress on long runs: files seen so far. */
    void (*progress)(void *ctx, uint64_t files, uint64_t sealed);
    void *ctx;
    volatile sig_atomic_t *abort; /* non-zero: stop, commit nothing */
};

struct ingest_result {
    uint64_t seen, sealed, uninspected, already, skipped, failed;
    uint64_t unopened;         /* of uninspected: files --inspect tried and could not open (a
                                  wrong password, damage, an algorithm okra lacks) */
    uint64_t reopened;         /* of sealed: files sealed uninspected before and opened now (an
                                  item with the same id and the opened payload) */
    bool     committed;
    bool     warning;          /* committed, but not all went well after: */
    char     warning_text[512];
    uint64_t seq;              /* of the committed bundle */
    char     sums[SHA256_HEX];
    bool     aborted;
};

/* import: the files named, each opened as given (a regular file). */
int ingest_files(struct vault *v, char *const *paths, size_t n, const struct ingest_opts *o,
                 struct ingest_result *ret);

/* scan and mediawatch: the regular files beneath root_fd, safely, in sorted path order. */
int ingest_tree(struct vault *v, int root_fd, const struct ingest_opts *o,
                struct ingest_result *ret);

/*
 * How many files an inspecting import (of these paths) or scan (beneath
 * root_fd) will ask a password for, read ahead from each file's first bytes:
 * the total in each prompt's "3 of 20". A guess if files change meanwhile.
 */
int ingest_count_passwords_files(char *const *paths, size_t n, const struct ingest_opts *o,
                                 uint64_t *ret);
int ingest_count_passwords_tree(int root_fd, const struct ingest_opts *o, uint64_t *ret);

/* One entry of a medium read in user space: a file whose bytes follow, or one passed over. */
struct ingest_entry {
    const char *path;  /* raw bytes, relative to the medium's root; NUL-terminated */
    const char *why;   /* non-NULL: passed over, and why */
    uint64_t    size;  /* a file's size: the bytes read() hands out */
    int64_t     mtime;
};

/*
 * Where such entries come from (a medium's reader; see mediawatch/reader):
 * next gives 1 and the next entry in sorted path order, 0 at the end, or
 * negative when the medium could not be read (the ingest then commits
 * nothing); bytes of a file not read are skipped by the next call. read
 * gives exactly len bytes of the current file: 0, -EIO when its data is
 * damaged on the medium (the file is passed over), other negative as next.
 */
struct ingest_source {
    int (*next)(void *ctx, struct ingest_entry *ret);
    int (*read)(void *ctx, void *buf, size_t len);
    void *ctx;
};

/* scan --device/--image and mediawatch: the files a source gives, in its order. */
int ingest_source(struct vault *v, const struct ingest_source *src, const struct ingest_opts *o,
                  struct ingest_result *ret);

#endif
