/*
 * record.h: one bundle's record, as the witnesses sign it and the auditor
 * reads it: what was sealed or recovered, by whom, with which shares and
 * custodians, which sets were issued or retired, on which medium.
 *
 * The description is built once, from the bundle itself after it verified
 * (station-key signature, SHA256SUMS, members; see vault/verify_bundle.h),
 * never from the index or a manifest alone, and rendered twice: as text
 * ('okra record N', cli/cmd_record.c) and as a printable PDF
 * (record_pdf.c). Both print the same heading rows, steps and signers, so
 * they cannot disagree.
 *
 * Nothing here is secret: the record holds ids, names, hashes and the signed
 * checkpoint, never a share's words or a passphrase. Every string that came
 * from a medium or a manifest is escaped (common/text.h) before it is kept.
 */
#ifndef OKRA_CER_RECORD_H
#define OKRA_CER_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "common/pgpwords.h"
#include "vault/vault.h"

/* One heading row: "vault", "056701cc..." */
struct cer_record_row {
    const char *label;
    char       *value;
};

/* One step of the table, each with a box for initials on paper. */
struct cer_record_step {
    const char *action; /* "share used", "recovered", "roll call", ... */
    char       *text;
};

/* One signature line: a printed name (empty: a witness writes theirs) and a role. */
struct cer_record_signer {
    char *name;
    char *role;
};

struct cer_record {
    char     title[96];   /* "bundle 3: recovery" */
    char     vault_id[VAULT_ID_HEX + 1];
    uint64_t seq;
    char     kind[32];
    char     time[40];
    char     sums[SHA256_HEX]; /* sha256 of the bundle's SHA256SUMS, hex */
    /* the same 32 bytes as PGP words, 8 lines of 4 (newline-separated) */
    char     words[32 * (PGPWORDS_WORD_MAX + 1) + 1];
    struct cer_record_row    *heading;
    size_t                    n_heading;
    struct cer_record_step   *steps;
    size_t                    n_steps;
    struct cer_record_signer *signers;
    size_t                    n_signers;
    /* counts, for 'okra log' and summaries */
    uint64_t n_sealed, n_recovered, n_shares;
    /*
     * The vault's signed checkpoint ('okra checkpoint' output), verified with
     * the station key, when it names this bundle or a later one; else NULL.
     */
    char    *checkpoint;
    uint64_t checkpoint_seq;
    char    *checkpoint_note; /* why there is none, or that it names a later bundle; or NULL */
    json_t  *json;            /* the facts as JSON, for --json */
};

/*
 * Builds the record of bundle seq of an open vault: verifies it with the
 * vault's station key (and, for a recovery, each bundle its items came
 * from, for their subjects), then describes it. -ENOENT when there is no
 * such bundle, -EBADMSG when one does not verify (the reason names it),
 * -ENOMEM. On failure *ret is untouched.
 */
int  cer_record_build(struct vault *v, uint64_t seq, struct cer_record **ret);
void cer_record_free(struct cer_record *r);

/* ---- the PDF (record_pdf.c) ---- */

enum cer_paper { CER_PAPER_A4, CER_PAPER_LETTER };

/*
 * Renders the record as a PDF (cairo's PDF surface, DejaVu fonts, the
 * checkpoint as a QR code by libqrencode) into fd, which the caller opened
 * for writing. -EIO when cairo fails (the reason says why), -ENOSPC when the
 * disk is full. Returns the page count on success.
 */
int cer_record_pdf(const struct cer_record *r, enum cer_paper paper, int fd);

/*
 * Writes the PDF to path atomically (a temporary file beside it, fsync,
 * rename, fsync of the folder), mode 0600. The folder must exist and must not
 * be the vault folder v_dirfd nor lie beneath it (decided on the opened
 * folders by device and inode, so no other spelling of the path, link or
 * bind mount gets around it): -EPERM then. On failure nothing is left.
 */
int cer_record_pdf_write(const struct cer_record *r, enum cer_paper paper, int v_dirfd,
                         const char *path);

/*
 * The same checks before a ceremony begins, on the path alone: its folder
 * exists, and is not the vault folder vault_dir (when that exists) nor
 * beneath it. 0, or negative with the reason.
 */
int cer_record_pdf_check(const char *path, const char *vault_dir);

#endif
