/*
 * provider.c: OpenSSL set-up for the export formats, once per process.
 *
 * Windows 2000/2003 and older OpenSSL protect the certificates of a
 * PKCS #12 with RC2-40, which OpenSSL 3 keeps in its legacy provider.
 * Loading "legacy" explicitly stops OpenSSL from loading "default" on its
 * own, so both are loaded, into the default library context that every
 * thread shares. Digests used on every file are fetched once: an implicit
 * fetch per call costs more than some of the work it serves.
 */
#include "formats/fmt_internal.h"

#include <pthread.h>
#include <stdio.h>

#include <openssl/err.h>
#include <openssl/provider.h>

#include "common/err.h"

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static bool           init_ok;
static bool           have_legacy;
static EVP_MD        *md_sha1;
static EVP_MD        *md_sha256;
/* Kept for the life of the process; held here so that leak checkers see them reachable. */
static OSSL_PROVIDER *prov_legacy __attribute__((used));
static OSSL_PROVIDER *prov_default __attribute__((used));

static void
init_providers(void)
{
    /* A missing legacy module is not fatal: modern files still open, RC2 ones say why not. */
    prov_legacy = OSSL_PROVIDER_load(NULL, "legacy");
    have_legacy = prov_legacy != NULL;
    if ((prov_default = OSSL_PROVIDER_load(NULL, "default")) == NULL) {
        ERR_clear_error();
        return;
    }
    md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
    md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    init_ok = md_sha1 != NULL && md_sha256 != NULL;
    ERR_clear_error();
}

int
fmt_init(void)
{
    pthread_once(&init_once, init_providers);
    if (!init_ok)
        return okra_fail(-EIO, "OpenSSL's default provider could not be loaded");
    return 0;
}

OSSL_LIB_CTX *
fmt_libctx(void)
{
    return NULL;
}

const EVP_MD *
fmt_md_sha1(void)
{
    return md_sha1;
}

const EVP_MD *
fmt_md_sha256(void)
{
    return md_sha256;
}

bool
fmt_have_legacy(void)
{
    return have_legacy;
}

int
fmt_fail_within(int code, const char *what)
{
    char why[512];

    snprintf(why, sizeof why, "%s", okra_errmsg());
    return okra_fail(code, "%s: %s", what, why);
}

void
fmt_clear_openssl_errors(void)
{
    ERR_clear_error();
}
