/*
 * shareopen: prints the plaintext of an age passphrase file (a custodian's
 * share file), so that the ceremony tests can make paper backups (bare
 * mnemonics) and inspect what a share file holds. The passphrase is the
 * first line of PASSPHRASE_FILE. Tests only; never installed. The
 * interoperable path is stock age and typage, which tests t34 and t35 use.
 *
 *   shareopen SHARE_FILE PASSPHRASE_FILE
 */
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"
#include "crypto/age.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int
to_stdout(void *ctx, const uint8_t *p, size_t n)
{
    (void) ctx;
    return fwrite(p, 1, n, stdout) == n ? 0 : -EIO;
}

int
main(int argc, char **argv)
{
    struct age_identities ids = { 0 };
    char                 *file, *pw;
    size_t                len, pl;
    int                   rc;

    if (argc != 3) {
        fprintf(stderr, "usage: shareopen SHARE_FILE PASSPHRASE_FILE\n");
        return 2;
    }
    if (okra_crypto_init() < 0 || fs_read_file(AT_FDCWD, argv[1], 1 << 20, &file, &len) < 0 ||
        fs_read_file_secure(AT_FDCWD, argv[2], 4096, &pw, &pl) < 0) {
        fprintf(stderr, "shareopen: cannot read %s or %s\n", argv[1], argv[2]);
        return 1;
    }
    pw[strcspn(pw, "\r\n")] = '\0';
    ids.passphrase = pw;
    rc = age_decrypt(&ids, (const uint8_t *) file, len, to_stdout, NULL);
    secmem_free(pw);
    free(file);
    if (rc < 0) {
        fprintf(stderr, "shareopen: %s\n", okra_errmsg());
        return 1;
    }
    return fflush(stdout) == 0 ? 0 : 1;
}
