/*
 * test_formats.c: export-file formats against the outside vectors.
 *
 * Every PKCS #12 in vectors/pkcs12-* must give the outcome PKCS12-INDEX.json
 * records; the opened form of each must read back the same; detection must
 * tell export files from everything else, cheaply. The OpenSSL-CLI-made
 * shapes are in test_formats_fixtures.c.
 */
#include "unit.h"

#include <errno.h>
#include <pthread.h>
#include <time.h>

#include <jansson.h>

#include "common/err.h"
#include "formats/formats.h"

/* ---- helpers ---- */

static double
now_us(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

static json_t *
load_index(void)
{
    char    path[4096];
    json_t *idx;

    snprintf(path, sizeof path, "%s/PKCS12-INDEX.json", vectors_dir());
    idx = json_load_file(path, 0, NULL);
    if (idx == NULL || !json_is_array(idx))
        fail_msg("cannot read %s", path);
    return idx;
}

/* What the index's "expect" and OpenSSL's counts ask of fmt_inspect. */
struct expectation {
    int         rc;
    const char *reason; /* a word the reason must hold, or NULL */
    int         keys, certs; /* -1: not known */
};

static void
expectation_of(json_t *e, struct expectation *x)
{
    const char *expect = json_string_value(json_object_get(e, "expect"));
    const char *ossl = json_string_value(json_object_get(e, "openssl_3_0_legacy"));

    x->keys = x->certs = -1;
    x->reason = NULL;
    if (strncmp(expect, "success", 7) == 0) {
        if (ossl != NULL && sscanf(ossl, "OK (rc=0, keys=%d, certs=%d)", &x->keys, &x->certs) != 2)
            x->keys = x->certs = -1;
        x->rc = x->keys == 0 ? -ENOKEY : 0;
        if (x->rc == -ENOKEY)
            x->reason = "holds no private key";
    } else if (strncmp(expect, "MAC failure", 11) == 0) {
        x->rc = -EBADMSG;
        x->reason = "wrong password";
    } else if (strncmp(expect, "reject", 6) == 0) {
        x->rc = -EINVAL;
        x->reason = "PBMAC1";
    } else {
        x->rc = -EINVAL;
        x->reason = "damaged";
    }
}

/* The opened form reads back with no password to the same key and certificates. */
static void
check_opened(const struct secbuf *op, const struct fmt_info *info)
{
    struct fmt_detect d;
    struct fmt_info   back;

    fmt_detect(op->p, op->len, op->len, &d);
    assert_int_equal(d.kind, FMT_PKCS12);
    assert_int_equal(fmt_inspect(op->p, op->len, &d, NULL, &back, NULL), 0);
    assert_int_equal(back.n_keys, info->n_keys);
    assert_int_equal(back.n_certs, info->n_certs);
    assert_int_equal(back.has_cert, info->has_cert);
    if (info->has_cert)
        assert_string_equal(back.cert.sha1, info->cert.sha1);
    assert_string_equal(back.key_type, info->key_type);
    if (info->friendly_name)
        assert_string_equal(back.friendly_name, info->friendly_name);
    fmt_info_free(&back);
}

static void
check_vector(json_t *e)
{
    const char        *file = json_string_value(json_object_get(e, "file"));
    const char        *pw = json_string_value(json_object_get(e, "password"));
    struct expectation x;
    struct fmt_detect  d;
    struct fmt_info    info;
    struct secbuf      op = { NULL, 0, 0 };
    size_t             len;
    uint8_t           *data = read_vector(file, &len);
    int                rc;

    expectation_of(e, &x);
    fmt_detect(data, len, len, &d);
    if (d.kind != FMT_PKCS12)
        fail_msg("%s: detected as %d (%s)", file, d.kind, d.why);
    assert_true(d.password && d.inspectable);
    rc = fmt_inspect(data, len, &d, pw, &info, &op);
    if (rc != x.rc)
        fail_msg("%s: rc %d, expected %d (%s)", file, rc, x.rc, okra_errmsg());
    if (x.reason && strstr(okra_errmsg(), x.reason) == NULL)
        fail_msg("%s: reason \"%s\" does not say \"%s\"", file, okra_errmsg(), x.reason);
    if (x.keys >= 0) {
        assert_int_equal(info.n_keys, x.keys);
        assert_int_equal(info.n_certs, x.certs);
    }
    if (rc == 0) {
        assert_true(info.has_key);
        /* Every vector with a certificate holds the key's own certificate. */
        assert_true(info.key_matches == info.has_cert);
        assert_int_equal(strlen(info.cert.sha1), info.has_cert ? 40 : 0);
        assert_true(info.algorithms[0] != '\0');
        check_opened(&op, &info);
    } else {
        assert_null(op.p);
    }
    fmt_info_free(&info);
    secbuf_free(&op);
    free(data);
}

static void
test_index_vectors(void **state)
{
    json_t *idx = load_index(), *e;
    size_t  i;

    assert_int_equal(json_array_size(idx), 57);
    json_array_foreach(idx, i, e) check_vector(e);
    json_decref(idx);
}

/* ---- what inspection records, on known files ---- */

static void
inspect_vector(const char *rel, const char *pw, int want, struct fmt_info *info)
{
    struct fmt_detect d;
    size_t            len;
    uint8_t          *data = read_vector(rel, &len);
    int               rc;

    fmt_detect(data, len, len, &d);
    rc = fmt_inspect(data, len, &d, pw, info, NULL);
    if (rc != want)
        fail_msg("%s: rc %d (%s)", rel, rc, okra_errmsg());
    free(data);
}

static void
test_pyca_ca(void **state)
{
    struct fmt_info info;
    struct fmt_cert ca;
    size_t          len;
    uint8_t *pem = read_vector("pkcs12-pyca-cryptography-vectors/x509-custom-ca/ca.pem", &len);

    assert_int_equal(fmt_load_ca_cert(pem, len, &ca), 0);
    assert_string_equal(ca.subject, "CN=cryptography CA, C=US");
    inspect_vector(
        "pkcs12-pyca-cryptography-vectors/cert-rc2-key-3des.p12", "cryptography", 0, &info);
    assert_string_equal(info.cert.sha1, ca.sha1);
    assert_string_equal(info.cert.sha256, ca.sha256);
    assert_string_equal(info.cert.subject, "CN=cryptography CA, C=US");
    assert_string_equal(info.cert.issuer, "CN=cryptography CA, C=US");
    assert_string_equal(info.key_type, "EC P-256");
    assert_int_equal(info.key_bits, 256);
    assert_true(info.key_matches);
    assert_non_null(strstr(info.algorithms, "pbeWithSHA1And40BitRC2-CBC"));
    assert_non_null(strstr(info.algorithms, "pbeWithSHA1And3-KeyTripleDES-CBC"));
    assert_non_null(strstr(info.algorithms, "MAC SHA-1"));
    /* A self-signed CA issued itself. */
    assert_int_equal(fmt_cert_issued_by(ca.der, ca.der_len, ca.der, ca.der_len), 1);
    fmt_info_free(&info);
    fmt_cert_free(&ca);
    free(pem);
}

static void
test_friendly_names(void **state)
{
    struct fmt_info info;

    inspect_vector("pkcs12-pyca-cryptography-vectors/name-1-pwd.p12", "password", 0, &info);
    assert_string_equal(info.friendly_name, "name");
    fmt_info_free(&info);
    inspect_vector("pkcs12-pyca-cryptography-vectors/name-unicode-no-pwd.p12", "", 0, &info);
    assert_string_equal(info.friendly_name, "\xe2\x98\xba"); /* U+263A */
    fmt_info_free(&info);
    inspect_vector("pkcs12-pyca-cryptography-vectors/no-name-pwd.p12", "password", 0, &info);
    assert_null(info.friendly_name);
    fmt_info_free(&info);
    /* Windows 7 puts the friendly name on the key bag only. */
    inspect_vector("pkcs12-boringssl/windows.p12", "foo", 0, &info);
    assert_string_equal(info.friendly_name, "ee6d8805-06d9-42e2-8b68-feab5ef28270");
    fmt_info_free(&info);
}

static void
test_passwords(void **state)
{
    struct fmt_info info;

    /* NULL and "" are the same empty password; both forms are tried. */
    inspect_vector("pkcs12-boringssl/null_password.p12", NULL, 0, &info);
    fmt_info_free(&info);
    inspect_vector("pkcs12-boringssl/empty_password.p12", NULL, 0, &info);
    fmt_info_free(&info);
    inspect_vector("pkcs12-golang-x-crypto/windows-azure-tools_nullpw.pfx", "", 0, &info);
    assert_string_equal(info.cert.subject, "CN=Windows Azure Tools");
    fmt_info_free(&info);
    inspect_vector(
        "pkcs12-boringssl/unicode_password.p12", "Hello, \xe4\xb8\x96\xe7\x95\x8c", 0, &info);
    fmt_info_free(&info);
    inspect_vector("pkcs12-boringssl/windows.p12", "bar", -EBADMSG, &info);
    assert_string_equal(okra_errmsg(), "wrong password (the MAC does not verify)");
    inspect_vector("pkcs12-boringssl/windows.p12", "", -EBADMSG, &info);
    inspect_vector(
        "pkcs12-sslmate-go-pkcs12/pbmac1-short-key-bypass.p12", "fakepassword", -EINVAL, &info);
    assert_string_equal(
        okra_errmsg(), "uses PBMAC1 with a 1-byte key, refused (RFC 9579 requires at least 20)");
}

static void
test_key_only_and_cert_only(void **state)
{
    struct fmt_info info;

    inspect_vector(
        "pkcs12-pyca-cryptography-vectors/no-cert-key-aes256cbc.p12", "cryptography", 0, &info);
    assert_true(info.has_key);
    assert_false(info.has_cert);
    assert_false(info.key_matches);
    fmt_info_free(&info);
    inspect_vector("pkcs12-pyca-cryptography-vectors/cert-aes256cbc-no-key.p12", "cryptography",
        -ENOKEY, &info);
    assert_string_equal(okra_errmsg(), "holds no private key (certificates only)");
    assert_false(info.has_key);
    assert_true(info.has_cert);
    assert_string_equal(info.cert.subject, "CN=cryptography CA, C=US");
    fmt_info_free(&info);
}

/* ---- detection ---- */

static void
detect_bytes(const void *p, size_t len, uint64_t size, struct fmt_detect *d)
{
    fmt_detect(p, len, size, d);
    if (d->kind == FMT_NONE)
        assert_true(d->why[0] != '\0');
}

static void
test_detect_not_export(void **state)
{
    struct fmt_detect d;
    uint8_t           rnd[3000];
    size_t            i;
    const char       *text = "this is not a PKCS #12 file\n";

    for (i = 0; i < sizeof rnd; i++)
        rnd[i] = (uint8_t)(i * 131 + 7 + (i >> 3) * 17);
    detect_bytes(rnd, sizeof rnd, sizeof rnd, &d);
    assert_int_equal(d.kind, FMT_NONE);
    rnd[0] = 0x30; /* a plausible start does not make a structure */
    detect_bytes(rnd, sizeof rnd, sizeof rnd, &d);
    assert_int_equal(d.kind, FMT_NONE);
    detect_bytes(text, strlen(text), strlen(text), &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "not an export file"));
    detect_bytes("", 0, 0, &d);
    assert_string_equal(d.why, "empty file");
    memset(rnd, 0, sizeof rnd); /* the start of a sparse file */
    detect_bytes(rnd, sizeof rnd, (uint64_t)3 << 30, &d);
    assert_int_equal(d.kind, FMT_NONE);
}

static void
test_detect_lengths(void **state)
{
    struct fmt_detect d;
    size_t            len;
    uint8_t          *p12 = read_vector("pkcs12-boringssl/windows.p12", &len), *padded;

    /* The head of a larger file is enough. */
    detect_bytes(p12, 64, len, &d);
    assert_int_equal(d.kind, FMT_PKCS12);
    /* Truncated: named as such. */
    detect_bytes(p12, 1500, 1500, &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "PKCS #12"));
    assert_non_null(strstr(d.why, "truncated"));
    /* Zero padding in view is accepted, anything else after the structure is not. */
    padded = calloc(1, len + 512);
    memcpy(padded, p12, len);
    detect_bytes(padded, len + 512, len + 512, &d);
    assert_int_equal(d.kind, FMT_PKCS12);
    padded[len + 3] = '\n';
    detect_bytes(padded, len + 512, len + 512, &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "after"));
    /* Padding we cannot see is not accepted. */
    detect_bytes(padded, len, len + 512, &d);
    assert_int_equal(d.kind, FMT_NONE);
    free(padded);
    free(p12);
    /* BER (indefinite lengths), as NSS writes. */
    p12 = read_vector("pkcs12-boringssl/nss.p12", &len);
    detect_bytes(p12, len, len, &d);
    assert_int_equal(d.kind, FMT_PKCS12);
    detect_bytes(p12, len - 4, len - 4, &d);
    assert_int_equal(d.kind, FMT_NONE);
    free(p12);
}

static void
test_detect_pem(void **state)
{
    struct fmt_detect d;
    size_t            len, klen;
    uint8_t *cert = read_vector("pkcs12-pyca-cryptography-vectors/x509-custom-ca/ca.pem", &len);
    uint8_t *key = read_vector("pkcs12-pyca-cryptography-vectors/x509-custom-ca/ca_key.pem", &klen);
    char    *both = malloc(len + klen + 1);

    detect_bytes(cert, len, len, &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_string_equal(d.why, "holds a certificate but no private key");
    detect_bytes(key, klen, klen, &d);
    assert_int_equal(d.kind, FMT_PEM);
    assert_false(d.password);
    /* Certificates alongside a key: the key decides; no END line is a truncated key. */
    memcpy(both, cert, len);
    memcpy(both + len, key, klen);
    detect_bytes(both, len + klen, len + klen, &d);
    assert_int_equal(d.kind, FMT_PEM);
    detect_bytes(both, len + klen - 30, len + klen - 30, &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "truncated"));
    /* Text that quotes a header mid-line is no PEM. */
    detect_bytes("see -----BEGIN PRIVATE KEY----- here\n", 37, 37, &d);
    assert_int_equal(d.kind, FMT_NONE);
    detect_bytes("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
        76, 76, &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "OpenSSH"));
    free(both);
    free(cert);
    free(key);
}

static void
test_detect_proc_type(void **state)
{
    static const char pem[] = "-----BEGIN RSA PRIVATE KEY-----\n"
                              "Proc-Type: 4,ENCRYPTED\n"
                              "DEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\n"
                              "AAAA\n"
                              "-----END RSA PRIVATE KEY-----\n";
    struct fmt_detect d;

    detect_bytes(pem, sizeof pem - 1, sizeof pem - 1, &d);
    assert_int_equal(d.kind, FMT_PEM);
    assert_string_equal(d.name, "pem-pkcs1-encrypted");
    assert_true(d.password);
}

static const char PROFILE[]
    = "[Entrust Profile]\n"
      "Version=4\n"
      "[Keys]\n"
      "Salt=QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5"
      "ejAxMjM0NTY3ODk=\n";

static void
test_detect_epf(void **state)
{
    struct fmt_detect d;
    char              plain[sizeof PROFILE];
    char             *p;

    detect_bytes(PROFILE, sizeof PROFILE - 1, sizeof PROFILE - 1, &d);
    assert_int_equal(d.kind, FMT_EPF);
    assert_string_equal(d.name, "epf");
    assert_false(d.inspectable);
    /* The same shape without the word is any .ini file, unless it is called .epf. */
    memcpy(plain, PROFILE, sizeof PROFILE);
    p = strstr(plain, "Entrust");
    memcpy(p, "Example", 7);
    detect_bytes(plain, sizeof plain - 1, sizeof plain - 1, &d);
    assert_int_equal(d.kind, FMT_NONE);
    fmt_detect_named((const uint8_t *)plain, sizeof plain - 1, sizeof plain - 1, "Alice.EPF", &d);
    assert_int_equal(d.kind, FMT_EPF);
    fmt_detect_named((const uint8_t *)"\xff\xff\xff\x7f\x01\x02", 6, 6, "report.epf", &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "1C"));
    fmt_detect_named(
        (const uint8_t *)"#Eclipse\nfile_export_version=3.0\n", 33, 33, "prefs.epf", &d);
    assert_int_equal(d.kind, FMT_NONE);
    fmt_detect_named((const uint8_t *)"\x11\x93\x07\x80"
                                      "binary",
        10, 10, "old.epf", &d);
    assert_int_equal(d.kind, FMT_EPF);
    /* What content recognises as something else stays that, whatever its name. */
    fmt_detect_named(
        (const uint8_t *)"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", 59, 59,
        "cert.epf", &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "certificate"));
    /* Another name: only content counts. */
    fmt_detect_named((const uint8_t *)plain, sizeof plain - 1, sizeof plain - 1, "x.ini", &d);
    assert_int_equal(d.kind, FMT_NONE);
}

static void
test_opaque_kinds(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;

    assert_int_equal(fmt_detect_as(FMT_KMS, &d), 0);
    assert_int_equal(d.kind, FMT_KMS);
    assert_string_equal(d.name, "kms");
    assert_false(d.inspectable);
    assert_false(d.password);
    assert_int_equal(fmt_detect_as(FMT_PKCS12, &d), -EINVAL);
    assert_int_equal(fmt_detect_as(FMT_EPF, &d), 0);
    assert_int_equal(
        fmt_inspect((const uint8_t *)PROFILE, sizeof PROFILE - 1, &d, "x", &info, NULL), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), ".epf"));
}

static void
test_detect_speed(void **state)
{
    static uint8_t    big[FMT_DETECT_HEAD];
    struct fmt_detect d;
    double            t0, per;
    size_t            i, len;
    uint8_t          *p12 = read_vector("pkcs12-boringssl/windows.p12", &len);

    for (i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 2654435761u >> 13);
    t0 = now_us();
    for (i = 0; i < 200; i++) {
        fmt_detect(big, sizeof big, sizeof big, &d);
        fmt_detect(p12, len, len, &d);
    }
    per = (now_us() - t0) / 400;
    print_message("fmt_detect: %.1f us per file (64 KiB of noise and a PKCS #12)\n", per);
    assert_true(per < 1000); /* generous: sanitizer builds are slower */
    free(p12);
}

/* ---- two threads at once, as ingest runs it ---- */

struct worker {
    const char *files[4];
    const char *pw[4];
    char        sha1[4][41];
    int         rounds;
    int         failures;
};

static void *
worker_run(void *arg)
{
    struct worker    *w = arg;
    struct fmt_detect d;
    struct fmt_info   info;
    struct secbuf     op;
    size_t            len;
    uint8_t          *data;
    int               r, i;

    for (r = 0; r < w->rounds; r++) {
        for (i = 0; i < 4; i++) {
            data = read_vector(w->files[i], &len);
            fmt_detect(data, len, len, &d);
            memset(&op, 0, sizeof op);
            if (fmt_inspect(data, len, &d, w->pw[i], &info, &op) != 0
                || strcmp(info.cert.sha1, w->sha1[i]) != 0)
                w->failures++;
            fmt_info_free(&info);
            secbuf_free(&op);
            free(data);
        }
    }
    return NULL;
}

static void
test_two_threads(void **state)
{
    struct worker   w = { { "pkcs12-boringssl/windows.p12",
                              "pkcs12-golang-x-crypto/windows-azure-tools_nullpw.pfx",
                              "pkcs12-sslmate-go-pkcs12/rfc9579-a2.p12",
                              "pkcs12-pyca-cryptography-vectors/name-all-pwd.p12" },
          { "foo", "", "1234", "password" }, { { 0 } }, 5, 0 };
    struct worker   w2;
    struct fmt_info info;
    pthread_t       t1, t2;
    int             i;

    for (i = 0; i < 4; i++) {
        inspect_vector(w.files[i], w.pw[i], 0, &info);
        memcpy(w.sha1[i], info.cert.sha1, 41);
        fmt_info_free(&info);
    }
    w2 = w;
    assert_int_equal(pthread_create(&t1, NULL, worker_run, &w), 0);
    assert_int_equal(pthread_create(&t2, NULL, worker_run, &w2), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    assert_int_equal(w.failures, 0);
    assert_int_equal(w2.failures, 0);
}

static void
test_legacy_timing(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;
    struct secbuf     op = { NULL, 0, 0 };
    size_t            len;
    uint8_t          *data = read_vector("pkcs12-boringssl/windows.p12", &len);
    double            t0, per;
    int               i, n = 40;

    fmt_detect(data, len, len, &d);
    t0 = now_us();
    for (i = 0; i < n; i++) {
        assert_int_equal(fmt_inspect(data, len, &d, "foo", &info, &op), 0);
        fmt_info_free(&info);
    }
    per = (now_us() - t0) / n;
    print_message("fmt_inspect of a Windows-style legacy PKCS #12 (RC2-40, 3DES, SHA-1 MAC, 2000 "
                  "iterations) with its opened form: %.0f us\n",
        per);
    assert_true(per < 2e6); /* a sanity bound only: valgrind runs it 50 times slower */
    secbuf_free(&op);
    free(data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_index_vectors),
        cmocka_unit_test(test_pyca_ca),
        cmocka_unit_test(test_friendly_names),
        cmocka_unit_test(test_passwords),
        cmocka_unit_test(test_key_only_and_cert_only),
        cmocka_unit_test(test_detect_not_export),
        cmocka_unit_test(test_detect_lengths),
        cmocka_unit_test(test_detect_pem),
        cmocka_unit_test(test_detect_proc_type),
        cmocka_unit_test(test_detect_epf),
        cmocka_unit_test(test_opaque_kinds),
        cmocka_unit_test(test_detect_speed),
        cmocka_unit_test(test_two_threads),
        cmocka_unit_test(test_legacy_timing),
    };

    if (okra_crypto_init() < 0 || fmt_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
