/*
 * sharefile.h: a custodian's share file (doc/FORMAT.md, 10.1). An age
 * file encrypted to the custodian's passphrase (scrypt recipient), whose
 * plaintext is UTF-8 lines:
 *
 *   okra-share: 1
 *   vault: <vault_id>
 *   custodian: <name>
 *   share: <I> of <N>, threshold <M>
 *   mnemonic: <the SLIP-0039 mnemonic, words separated by single spaces>
 *
 * A paper backup is the mnemonic alone; sharefile_parse_text reads either.
 *
 * Secrets: the mnemonic (it is the share), the plaintext and the passphrase.
 * struct share_text holds the mnemonic: allocate it with secmem_alloc
 * (sharefile_text_new does). Public: vault id, custodian name, I, N, M.
 *
 * Failure: 0 or a negative code with a reason (common/err.h); the caller
 * adds the file name. On failure ret_ outputs hold nothing secret that the
 * caller must wipe beyond what secmem_free does.
 */
#ifndef OKRA_SHAREFILE_H
#define OKRA_SHAREFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ceremony/slip39.h"
#include "common/err.h"
#include "common/secmem.h"
#include "crypto/age.h"

#define SHARE_VAULT_ID_MAX 64
#define SHARE_NAME_MAX 64         /* bytes of a custodian's name */
#define SHARE_FILE_MAX (64 * 1024) /* a share file or paper backup is far smaller */
#define SHARE_FILE_NAME_MAX 128
/*
 * The scrypt work factor (log2 N, r=8) a share file may ask, written or read:
 * 2^20 is 1 GiB of locked memory and several seconds per try. A file asking
 * more is refused before its passphrase is tried; stock age still opens it.
 */
#define SHARE_FILE_MAX_LOG_N 20

struct share_text {
    bool     bare;                            /* a bare mnemonic: only mnemonic is set */
    char     vault_id[SHARE_VAULT_ID_MAX + 1];
    char     custodian[SHARE_NAME_MAX + 1];
    unsigned index;                           /* I, from 1 */
    unsigned count;                           /* N */
    unsigned threshold;                       /* M */
    char     mnemonic[SLIP39_MNEMONIC_MAX];   /* secret */
};

/* A zeroed struct share_text in secure memory (free with secmem_free), or NULL. */
struct share_text *sharefile_text_new(void);

/*
 * Whether name can be a custodian's name: 1 to SHARE_NAME_MAX bytes of
 * valid UTF-8 without control characters, not starting or ending with a
 * space. Returns 0 or -EINVAL with a reason.
 */
int sharefile_check_name(const char *name);

/* "share-2-of-3-alice.age": the index zero-padded to N's width, the name made safe. */
void sharefile_file_name(unsigned index, unsigned count, const char *custodian, char *out,
                         size_t cap);

/* The plaintext lines of s, into ret (the caller's secbuf, emptied first). */
int sharefile_format(const struct share_text *s, struct secbuf *ret);

/*
 * Parses plaintext: an okra share file's lines (ret->bare = false) or, when
 * the text does not start with "okra-share:", a bare mnemonic (ret->bare =
 * true; whitespace collapsed to single spaces, lower case). Does not decode
 * the mnemonic: slip39_decode does that. ret: the caller's secure memory.
 */
int sharefile_parse_text(const char *text, size_t len, struct share_text *ret);

/*
 * The share file: age scrypt encryption of sharefile_format(s) to
 * passphrase (not empty) at work factor log_n (0: age's default), to sink.
 */
int sharefile_seal(const struct share_text *s, const char *passphrase, int log_n,
                   age_sink_fn sink, void *ctx);

/*
 * Opens a share file (binary or armored age) with its passphrase and parses
 * it. -EKEYREJECTED: the passphrase does not open it (ask again);
 * -EBADMSG: the file was altered; -EINVAL: not an age passphrase file, or
 * the plaintext is not a share. A bare mnemonic is
 * refused here (-EINVAL): call sharefile_parse_text for text files.
 */
OKRA_MUST_CHECK
int sharefile_open(const uint8_t *file, size_t len, const char *passphrase,
                   struct share_text *ret);

#endif
