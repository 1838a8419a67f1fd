/*
 * ui.h: what a ceremony asks of whoever runs it (cli/ceremony_ui.c for okra,
 * a script of answers in the unit tests), as vault's ingest_opts and
 * mediawatch's mw_options do. The ceremony flows (init.h, reshare.h, the
 * quorum, the new set, check-share) never print, prompt or catch signals
 * themselves: they ask through these callbacks.
 *
 * Secrets: ask_secret's answer (a passphrase) and show_words' mnemonic; both
 * in secure memory, wiped by whoever owns them.
 */
#ifndef OKRA_CER_UI_H
#define OKRA_CER_UI_H

#include <stdbool.h>
#include <stdint.h>

enum cer_say {
    CER_SAY_INFO,  /* a line for the people present ("roll call: custodian 1 opened ...") */
    CER_SAY_WARN,  /* something to notice that does not stop the ceremony ("2 tries left") */
    CER_SAY_ERROR, /* a share, a file or a step refused, with its reason */
};

struct cer_ui {
    void *ctx;
    /*
     * One secret: NUL-terminated, in secure memory (secmem_free), or NULL
     * when nobody answered (the reason said already; the ceremony stops).
     * confirm: a new secret, asked twice at a terminal.
     */
    char *(*ask_secret)(void *ctx, const char *question, bool confirm);
    /* Whether a person answers at a terminal (three tries each), rather than a file. */
    bool (*interactive)(void *ctx);
    /* One line, escaped by the face. */
    void (*say)(void *ctx, enum cer_say level, const char *text);
    /*
     * What to remove should a signal end the ceremony before it is done (a
     * new share file, a staged file, a staging folder with folder true, after
     * what is inside it); forget: all of it is in place or gone now. Both may
     * be NULL.
     */
    void (*litter)(void *ctx, int dirfd, const char *name, bool folder);
    void (*litter_forget)(void *ctx);
    /*
     * A custodian's share words shown for a paper backup, at the terminal
     * only, until they say they are written down; NULL: never shown.
     */
    void (*show_words)(void *ctx, const char *who, const char *mnemonic);
    /*
     * Long work under way: done of total units (what: "items"); the face may
     * show a progress line, which done == total ends. May be NULL.
     */
    void (*progress)(void *ctx, const char *what, uint64_t done, uint64_t total);
};

/* say() with printf's formatting (at most 2 KiB). */
void cer_say(const struct cer_ui *ui, enum cer_say level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The reason the last failure left (common/err.h), said as an error, prefixed when prefix is set. */
void cer_say_failure(const struct cer_ui *ui, const char *prefix);

/* progress(), when the face gave it. */
void cer_progress(const struct cer_ui *ui, const char *what, uint64_t done, uint64_t total);

/* litter() and litter_forget(), when the face gave them. */
void cer_litter(const struct cer_ui *ui, int dirfd, const char *name, bool folder);
void cer_litter_forget(const struct cer_ui *ui);

#endif
