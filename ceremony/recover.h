/*
 * recover.h: the output folder of a recovery. (Payloads are decrypted only
 * through the trust boundary, vault/trusted.h.)
 *
 *   - the output folder: files are staged as unnamed files in it (O_TMPFILE,
 *     0600, fsynced), then, once the recovery record is committed, linked
 *     under their final names without ever replacing a file. A process that
 *     dies before (even by SIGKILL) leaves nothing: the kernel frees an
 *     unnamed file with its last descriptor. Where the filesystem has no
 *     O_TMPFILE (vfat, exfat, some network filesystems), or past
 *     CER_OUT_TMPFILE_MAX open files, a file is staged under a hidden name
 *     (".okra-recover.PID.N", O_EXCL, 0600) and renamed instead; an abandoned
 *     output removes those too, but a SIGKILL can leave them.
 *
 * Secrets: the identity (caller's secure memory) and the plaintext (handed
 * to the caller's sink; staged files hold it on disk only in the folder the
 * custodians chose).
 */
#ifndef OKRA_CER_RECOVER_H
#define OKRA_CER_RECOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "crypto/age.h"
#include "vault/vault.h"

#define CER_OUT_NAME_MAX 256

/*
 * The output name of an item: "<id>-<base name>" with every byte but
 * A-Za-z0-9._- of the base name of source_path made '_', or "<id>.pfx" when
 * pfx. out holds CER_OUT_NAME_MAX.
 */
void cer_out_name(const char *id, const char *source_path, bool pfx, char *out);

#define CER_OUT_TMPFILE_MAX 256

struct cer_staged {
    int  fd;                        /* an unnamed (O_TMPFILE) file, kept open; else -1 */
    char tmp[CER_OUT_NAME_MAX + 32]; /* else its hidden name */
    char name[CER_OUT_NAME_MAX];
    bool published;
};

struct cer_out {
    char              *path;
    int                dirfd;
    bool               created; /* the folder was made here (removed again when empty) */
    struct cer_staged *files;
    size_t             n;
};

/*
 * Opens the output folder, creating it (and missing parents) 0700 when it
 * does not exist. Refuses a path that is not a folder.
 */
OKRA_MUST_CHECK
int cer_out_open(const char *path, struct cer_out *ret);
/* -EEXIST (with a reason naming it) when name exists in the folder. */
int cer_out_check_free(const struct cer_out *o, const char *name);
/* Whether the folder would be usable, without creating it: 0 or an error. */
int cer_out_precheck(const char *path);

/*
 * Starts staging name: returns an fd (0600) to write the plaintext to. The
 * staged file is o->files[o->n - 1]; its tmp is "" when it has no name.
 */
int cer_out_begin(struct cer_out *o, const char *name, int *ret_fd);
/* Fsyncs fd (and closes it unless the file is unnamed); on failure the staged file is dropped. */
int cer_out_end(struct cer_out *o, int fd);
/* Drops the file being staged (after a failed write); closes fd. */
void cer_out_drop_last(struct cer_out *o, int fd);

/*
 * Links (or renames) every staged file to its name, never over an existing
 * file, and fsyncs the folder. On failure the files not yet published stay staged
 * (cer_out_close removes them) and the reason names the first file refused.
 */
int cer_out_publish(struct cer_out *o);
/* Removes whatever is still staged (and the folder when it made it and it is empty). */
void cer_out_close(struct cer_out *o);

#endif
