/*
 * gen-keys: many small export files for benchmarks (never installed).
 *
 *   gen-keys DIR N          N PEM files, each an Ed25519 key and a self-signed
 *                           certificate with its own serial, 500 to a folder
 *
 * OpenSSL in-process: a command per key would take hours at 100,000 keys.
 */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

static X509 *
self_signed(EVP_PKEY *k, long serial)
{
    X509      *x = X509_new();
    X509_NAME *n;
    char       cn[64];

    snprintf(cn, sizeof cn, "Bench User %06ld", serial);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial + 0x10000);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * (30 + serial % 700));
    n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (unsigned char *) cn, -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "O", MBSTRING_UTF8, (unsigned char *) "Bench Corp", -1, -1, 0);
    X509_set_issuer_name(x, n);
    X509_set_pubkey(x, k);
    X509_sign(x, k, NULL);
    return x;
}

int
main(int argc, char **argv)
{
    long i, n;

    if (argc != 3 || (n = atol(argv[2])) <= 0) {
        fprintf(stderr, "usage: gen-keys DIR N\n");
        return 2;
    }
    mkdir(argv[1], 0755);
    for (i = 0; i < n; i++) {
        char      path[4096];
        EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        X509     *x = self_signed(k, i);
        FILE     *f;

        snprintf(path, sizeof path, "%s/k%03ld", argv[1], i % 500);
        mkdir(path, 0755);
        snprintf(path, sizeof path, "%s/k%03ld/key%06ld.pem", argv[1], i % 500, i);
        if ((f = fopen(path, "w")) == NULL)
            return perror(path), 1;
        PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL);
        PEM_write_X509(f, x);
        fclose(f);
        X509_free(x);
        EVP_PKEY_free(k);
    }
    return 0;
}
