/*
 * contents.c: the keys and certificates an opened export file holds.
 *
 * Every format is reduced to this one list, so inspection (what the
 * manifest records) and the opened PKCS #12 (what recovery re-exports
 * from) treat a .pfx, a PEM and a DER key alike. Keys and certificates are
 * paired by public key, not by localKeyID: producers disagree on key ids,
 * never on mathematics.
 */
#include "formats/fmt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/err.h"

#define FRIENDLY_MAX 256 /* bytes of a friendly name kept */

/* Friendly names come from the file: no control characters, bounded length. */
static char *
clean_name(char *name)
{
    size_t n, i;

    if (name == NULL)
        return NULL;
    n = strlen(name);
    if (n > FRIENDLY_MAX) {
        n = FRIENDLY_MAX;
        while (n > 0 && ((unsigned char)name[n] & 0xc0) == 0x80)
            n--;
        name[n] = '\0';
    }
    for (i = 0; i < n; i++) {
        if ((unsigned char)name[i] < 0x20 || name[i] == 0x7f)
            name[i] = '?';
    }
    return name;
}

int
fmt_contents_add_key(struct fmt_contents *c, EVP_PKEY *pkey, char *name)
{
    struct fmt_key *k;
    int             rc;

    if ((rc = fmt_key_check(pkey)) < 0) {
        EVP_PKEY_free(pkey);
        OPENSSL_free(name);
        return rc;
    }
    if (c->n_keys >= FMT_MAX_KEYS) {
        EVP_PKEY_free(pkey);
        OPENSSL_free(name);
        return okra_fail(-EINVAL, "holds more than %d private keys", FMT_MAX_KEYS);
    }
    if ((k = realloc(c->keys, sizeof *k * (size_t)(c->n_keys + 1))) == NULL) {
        EVP_PKEY_free(pkey);
        OPENSSL_free(name);
        return okra_fail(-ENOMEM, "out of memory");
    }
    c->keys = k;
    k[c->n_keys].pkey = pkey;
    k[c->n_keys].name = clean_name(name);
    c->n_keys++;
    return 0;
}

int
fmt_contents_add_cert(struct fmt_contents *c, X509 *x, char *name)
{
    struct fmt_xcert *xc;

    if (c->n_certs >= FMT_MAX_CERTS) {
        X509_free(x);
        OPENSSL_free(name);
        return okra_fail(-EINVAL, "holds more than %d certificates", FMT_MAX_CERTS);
    }
    if ((xc = realloc(c->certs, sizeof *xc * (size_t)(c->n_certs + 1))) == NULL) {
        X509_free(x);
        OPENSSL_free(name);
        return okra_fail(-ENOMEM, "out of memory");
    }
    c->certs = xc;
    xc[c->n_certs].x = x;
    xc[c->n_certs].name = clean_name(name);
    c->n_certs++;
    return 0;
}

void
fmt_contents_free(struct fmt_contents *c)
{
    int i;

    for (i = 0; i < c->n_keys; i++) {
        EVP_PKEY_free(c->keys[i].pkey);
        OPENSSL_free(c->keys[i].name);
    }
    for (i = 0; i < c->n_certs; i++) {
        X509_free(c->certs[i].x);
        OPENSSL_free(c->certs[i].name);
    }
    struct fmt_kdf_budget spent = c->kdf;

    free(c->keys);
    free(c->certs);
    memset(c, 0, sizeof *c);
    c->kdf = spent;
}

void
fmt_contents_add_alg(struct fmt_contents *c, const char *name)
{
    size_t      used = strlen(c->algorithms), n = strlen(name);
    const char *at = c->algorithms;

    /* Already listed as a whole entry? */
    while ((at = strstr(at, name)) != NULL) {
        if ((at == c->algorithms || at[-1] == ' ') && (at[n] == ',' || at[n] == '\0'))
            return;
        at += n;
    }
    if (used + (used ? 2 : 0) + n + 1 > sizeof c->algorithms)
        return;
    snprintf(c->algorithms + used, sizeof c->algorithms - used, "%s%s", used ? ", " : "", name);
}

int
fmt_contents_cert_for(const struct fmt_contents *c, const EVP_PKEY *key)
{
    EVP_PKEY *pub;
    int       i;

    for (i = 0; i < c->n_certs; i++) {
        pub = X509_get0_pubkey(c->certs[i].x);
        if (pub != NULL && EVP_PKEY_eq(pub, key) == 1) {
            fmt_clear_openssl_errors();
            return i;
        }
    }
    fmt_clear_openssl_errors();
    return -1;
}

static char *
dup_name(const char *s)
{
    return s ? strdup(s) : NULL;
}

int
fmt_contents_info(const struct fmt_contents *c, struct fmt_info *info)
{
    int ci = -1, rc;

    info->n_keys = c->n_keys;
    info->n_certs = c->n_certs;
    info->has_key = c->n_keys > 0;
    snprintf(info->algorithms, sizeof info->algorithms, "%s", c->algorithms);
    if (info->has_key) {
        fmt_key_describe(c->keys[0].pkey, info->key_type, &info->key_bits);
        ci = fmt_contents_cert_for(c, c->keys[0].pkey);
        info->key_matches = ci >= 0;
        info->friendly_name = dup_name(c->keys[0].name ? c->keys[0].name
                : ci >= 0                              ? c->certs[ci].name
                                                       : NULL);
    }
    if (ci < 0 && c->n_certs > 0)
        ci = 0;
    if (ci >= 0) {
        if ((rc = fmt_cert_fill(c->certs[ci].x, &info->cert)) < 0)
            return rc;
        info->has_cert = true;
    }
    if (!info->has_key)
        return okra_fail(-ENOKEY, "holds no private key (certificates only)");
    return 0;
}
