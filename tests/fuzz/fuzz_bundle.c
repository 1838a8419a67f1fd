/*
 * fuzz_bundle.c: a bundle file as an auditor might be handed one, through
 * the same single-pass check 'okra verify' runs (libarchive's tar reader,
 * the manifest reader, SHA256SUMS, the signature). Nothing unsigned passes.
 */
#include "common/secmem.h"
#include "vault/verify_bundle.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct mini_pubkey key;
static char               path[64];

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct mini_seckey *sk;

    (void) argc, (void) argv;
    if (okra_crypto_init() < 0 || (sk = secmem_alloc(sizeof *sk)) == NULL ||
        mini_keypair(sk, &key) < 0)
        abort();
    secmem_free(sk);
    snprintf(path, sizeof path, "/tmp/okra-fuzz-bundle.%ld.tar", (long) getpid());
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct bundle_check c;
    int                        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    if (fd < 0)
        return 0;
    if (write(fd, data, size) != (ssize_t) size) {
        close(fd);
        return 0;
    }
    close(fd);
    memset(&c, 0, sizeof c);
    c.dirfd = AT_FDCWD;
    snprintf(c.path, sizeof c.path, "%s", path);
    snprintf(c.display, sizeof c.display, "fuzz");
    c.key = &key;
    vault_verify_one_bundle(&c);
    json_decref(c.policy); /* the caller's (bundle 0's policy, when the manifest has one) */
    if (c.ok) /* signed by a key made a moment ago: impossible */
        abort();
    unlink(path);
    return 0;
}
