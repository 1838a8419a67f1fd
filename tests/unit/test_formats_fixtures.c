/*
 * test_formats_fixtures.c: export files made by the OpenSSL command line.
 *
 * The 13 export shapes officers bring (the same as make_exports in
 * tests/lib/exports.sh), plus DSA, explicit-curve EC, old
 * "Proc-Type" PEM, DER keys, a chain, several keys and OpenSSL 1.0's
 * password encoding, are made at test time in a temporary folder. Every
 * result is held against the same OpenSSL: thumbprints against
 * `openssl x509 -fingerprint`, re-exports and opened forms against
 * `openssl pkcs12`.
 */
#include "unit.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/err.h"
#include "formats/formats.h"

static char dir[64];

/* The fixtures: the acceptance shapes first, then ours. Passwords are test data. */
static const char MAKE[]
    = "set -e; exec 2>/dev/null\n"
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.crt -subj '/CN=Alice "
      "Officer/O=Example Corp' -days 700\n"
      "openssl req -x509 -newkey rsa:4096 -nodes -keyout rsa4k.key -out rsa4k.crt -subj '/CN=Bob "
      "Big/O=Example Corp' -days 700\n"
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout p256.key -out "
      "p256.crt -subj '/CN=Carol Curve' -days 700\n"
      "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-384 -nodes -keyout p384.key -out "
      "p384.crt -subj '/CN=Dan Curve/OU=PKI' -days 700\n"
      "openssl req -x509 -newkey ed25519 -nodes -keyout ed.key -out ed.crt -subj '/CN=Erin "
      "Edwards' -days 700\n"
      "openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.crt -subj '/CN=Example "
      "Root CA' -days 900\n"
      "openssl req -newkey rsa:2048 -nodes -keyout int.key -out int.csr -subj '/CN=Example Issuing "
      "CA'\n"
      "printf 'basicConstraints=critical,CA:TRUE\\nkeyUsage=keyCertSign,cRLSign\\n' >ca.ext\n"
      "openssl x509 -req -in int.csr -CA root.crt -CAkey root.key -CAcreateserial -out int.crt "
      "-days 800 -extfile ca.ext\n"
      "openssl req -newkey rsa:2048 -nodes -keyout leaf.key -out leaf.csr -subj '/CN=Frank "
      "Leaf/emailAddress=frank@example.com'\n"
      "openssl x509 -req -in leaf.csr -CA int.crt -CAkey int.key -CAcreateserial -out leaf.crt "
      "-days 700\n"
      "cat int.crt root.crt >chain.pem\n"
      "openssl pkcs12 -export -legacy -in rsa.crt -inkey rsa.key -name 'Alice (Windows 2003 "
      "export)' -out 01-win2003-legacy.pfx -passout pass:Legacy-RC2-pw\n"
      "openssl pkcs12 -export -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -in "
      "rsa.crt -inkey rsa.key -out 02-tripledes-sha1.pfx -passout pass:TripleDES-pw\n"
      "openssl pkcs12 -export -in rsa4k.crt -inkey rsa4k.key -out 03-aes256-sha256.pfx -passout "
      "pass:Aes256-pw\n"
      "openssl pkcs12 -export -in p256.crt -inkey p256.key -out 04-ec-p256.pfx -passout "
      "pass:P256-pw\n"
      "openssl pkcs12 -export -in p384.crt -inkey p384.key -certpbe NONE -out "
      "05-ec-p384-plain-certs.pfx -passout pass:P384-pw\n"
      "openssl pkcs12 -export -in ed.crt -inkey ed.key -out 06-ed25519.pfx -passout "
      "pass:Ed25519-pw\n"
      "openssl pkcs12 -export -in leaf.crt -inkey leaf.key -certfile chain.pem -out 07-chain.pfx "
      "-passout pass:Chain-pw\n"
      "openssl pkcs12 -export -legacy -in rsa.crt -inkey rsa.key -name 'Zo\xc3\xab "
      "\xc3\x9cn\xc3\xaf"
      "code' -out 08-unicode.pfx -passout 'pass:p\xc3\xa4ssw\xc3\xb6rd-\xce\xa9'\n"
      "openssl pkcs12 -export -in p256.crt -inkey p256.key -iter 200000 -out 09-high-iter.pfx "
      "-passout pass:Iter-pw\n"
      "openssl pkcs12 -export -in rsa.crt -inkey rsa.key -out 10-empty-password.pfx -passout "
      "pass:\n"
      "openssl pkcs8 -topk8 -v2 aes-256-cbc -in rsa.key -out 11-pkcs8-encrypted.pem -passout "
      "pass:Pkcs8-pw\n"
      "openssl pkcs8 -topk8 -nocrypt -in p256.key -outform DER -out 12-pkcs8.der\n"
      "openssl pkey -in rsa4k.key -traditional -out 13-pkcs1.key\n"
      /* ours */
      "openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa.param\n"
      "openssl req -x509 -newkey dsa:dsa.param -nodes -keyout dsa.key -out dsa.crt -subj '/CN=Dora "
      "DSA' -days 700\n"
      "openssl pkcs12 -export -in dsa.crt -inkey dsa.key -out dsa.pfx -passout pass:Dsa-pw\n"
      "openssl pkey -in dsa.key -traditional -out dsa-trad.pem\n"
      "openssl pkey -in dsa-trad.pem -outform DER -out dsa-trad.der\n"
      "openssl ecparam -name prime256v1 -param_enc explicit -genkey -noout -out ecx.key\n"
      "openssl req -x509 -key ecx.key -out ecx.crt -subj '/CN=Xavier Explicit' -days 700\n"
      "openssl pkcs12 -export -in ecx.crt -inkey ecx.key -out ecx.pfx -passout pass:Ecx-pw\n"
      "openssl ec -in ecx.key -outform DER -out ecx-sec1.der\n"
      "openssl ec -in p256.key -out p256-sec1.pem\n"
      "openssl rsa -in rsa.key -traditional -aes128 -passout pass:Trad-pw -out rsa-trad-enc.pem\n"
      "openssl rsa -in rsa.key -traditional -outform DER -out rsa-pkcs1.der\n"
      "openssl pkcs8 -topk8 -v2 aes-128-cbc -in p256.key -outform DER -out p256-enc.der -passout "
      "pass:Der-pw\n"
      "openssl pkcs8 -topk8 -v1 PBE-SHA1-3DES -in rsa.key -out rsa-pbe1.pem -passout pass:Pbe1-pw\n"
      "openssl pkcs8 -topk8 -v2 aes-128-cbc -in rsa.key -out rsa-emptypw.pem -passout pass:\n"
      "cat leaf.key leaf.crt int.crt >leaf-bundle.pem\n"
      "cat rsa.key rsa.crt p256.key p256.crt >two-keys.pem\n"
      "openssl pkcs12 -export -nokeys -in rsa.crt -out certonly.pfx -passout pass:Cert-pw\n"
      "openssl pkcs12 -export -in rsa.crt -inkey rsa.key -out cast.pfx -passout \"pass:$CAST_PW\"\n"
      "for f in rsa rsa4k p256 p384 ed leaf int root dsa ecx; do\n"
      "  openssl x509 -in $f.crt -noout -fingerprint -sha1 | cut -d= -f2 | tr -d : | tr A-F a-f "
      ">$f.sha1\n"
      "  openssl pkey -in $f.key -pubout -out $f.pub; openssl x509 -in $f.crt -outform DER -out "
      "$f.der\n"
      "done\n";

/* OpenSSL 1.0 cast each byte of the password to a BMP character: "pässwörd" as "pÃ¤sswÃ¶rd". */
static const char CAST_PW_UTF8[] = "p\xc3\xa4sswort";
static const char CAST_PW_AS_10[] = "p\xc3\x83\xc2\xa4sswort";

static int
setup(void **state)
{
    char cmd[256];

    snprintf(dir, sizeof dir, "/tmp/okra-fmt-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return -1;
    if (setenv("CAST_PW", CAST_PW_AS_10, 1) < 0)
        return -1;
    snprintf(cmd, sizeof cmd, "cd %s && sh -c \"$MAKE_FIXTURES\"", dir);
    if (setenv("MAKE_FIXTURES", MAKE, 1) < 0 || system(cmd) != 0) {
        fprintf(stderr, "fixtures: openssl failed in %s\n", dir);
        return -1;
    }
    return 0;
}

static int
teardown(void **state)
{
    char cmd[128];

    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- helpers ---- */

static uint8_t *
fixture(const char *name, size_t *len)
{
    char     path[256];
    FILE    *f;
    uint8_t *buf;
    long     n;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    if ((f = fopen(path, "rb")) == NULL)
        fail_msg("no fixture %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    buf[n] = 0;
    *len = (size_t)n;
    return buf;
}

static void
write_fixture(const char *name, const uint8_t *p, size_t len)
{
    char  path[256];
    FILE *f;

    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static char *
text_of(const char *name)
{
    size_t len;
    char  *t = (char *)fixture(name, &len);

    while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r'))
        t[--len] = '\0';
    return t;
}

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
    char    cmd[2048];
    va_list ap;
    int     n;

    n = snprintf(cmd, sizeof cmd, "cd %s && { ", dir);
    va_start(ap, fmt);
    vsnprintf(cmd + n, sizeof cmd - (size_t)n, fmt, ap);
    va_end(ap);
    strncat(cmd, "; } >/dev/null 2>&1", sizeof cmd - strlen(cmd) - 1);
    return system(cmd);
}

/* Inspects a fixture; returns its rc, and the opened form in op when asked. */
static int
inspect(const char *name, const char *pw, struct fmt_detect *d, struct fmt_info *info,
    struct secbuf *op)
{
    size_t   len;
    uint8_t *data = fixture(name, &len);
    int      rc;

    fmt_detect(data, len, len, d);
    rc = fmt_inspect(data, len, d, pw, info, op);
    free(data);
    return rc;
}

static void
assert_ok(int rc, const char *what)
{
    if (rc != 0)
        fail_msg("%s: rc %d: %s", what, rc, okra_errmsg());
}

/* ---- the 13 acceptance shapes ---- */

static const struct shape {
    const char *file, *pw, *name, *cert, *key_type;
    int         bits, certs;
} SHAPES[] = {
    { "01-win2003-legacy.pfx", "Legacy-RC2-pw", "pkcs12", "rsa", "RSA", 2048, 1 },
    { "02-tripledes-sha1.pfx", "TripleDES-pw", "pkcs12", "rsa", "RSA", 2048, 1 },
    { "03-aes256-sha256.pfx", "Aes256-pw", "pkcs12", "rsa4k", "RSA", 4096, 1 },
    { "04-ec-p256.pfx", "P256-pw", "pkcs12", "p256", "EC P-256", 256, 1 },
    { "05-ec-p384-plain-certs.pfx", "P384-pw", "pkcs12", "p384", "EC P-384", 384, 1 },
    { "06-ed25519.pfx", "Ed25519-pw", "pkcs12", "ed", "Ed25519", 256, 1 },
    { "07-chain.pfx", "Chain-pw", "pkcs12", "leaf", "RSA", 2048, 3 },
    { "08-unicode.pfx", "p\xc3\xa4ssw\xc3\xb6rd-\xce\xa9", "pkcs12", "rsa", "RSA", 2048, 1 },
    { "09-high-iter.pfx", "Iter-pw", "pkcs12", "p256", "EC P-256", 256, 1 },
    { "10-empty-password.pfx", "", "pkcs12", "rsa", "RSA", 2048, 1 },
    { "11-pkcs8-encrypted.pem", "Pkcs8-pw", "pem-pkcs8-encrypted", NULL, "RSA", 2048, 0 },
    { "12-pkcs8.der", "", "der-pkcs8", NULL, "EC P-256", 256, 0 },
    { "13-pkcs1.key", "", "pem-pkcs1", NULL, "RSA", 4096, 0 },
};

static void
check_shape(const struct shape *s)
{
    struct fmt_detect d;
    struct fmt_info   info;
    struct secbuf     op = { NULL, 0, 0 };
    char              sha1[64], *want;

    assert_ok(inspect(s->file, s->pw, &d, &info, &op), s->file);
    assert_string_equal(d.name, s->name);
    assert_string_equal(info.key_type, s->key_type);
    assert_int_equal(info.key_bits, s->bits);
    assert_int_equal(info.n_keys, 1);
    assert_int_equal(info.n_certs, s->certs);
    if (s->cert != NULL) {
        snprintf(sha1, sizeof sha1, "%s.sha1", s->cert);
        want = text_of(sha1);
        assert_string_equal(info.cert.sha1, want);
        assert_true(info.key_matches);
        assert_string_equal(info.cert.key_type, s->key_type);
        free(want);
    }
    /* Stock OpenSSL opens the opened form with an empty password. */
    write_fixture("opened.p12", op.p, op.len);
    if (sh("openssl pkcs12 -in opened.p12 -nodes -passin pass: -out opened.pem") != 0)
        fail_msg("%s: openssl cannot open the opened form", s->file);
    assert_int_equal(sh("test $(grep -c 'BEGIN PRIVATE KEY' opened.pem) = 1"), 0);
    fmt_info_free(&info);
    secbuf_free(&op);
}

static void
test_acceptance_shapes(void **state)
{
    size_t i;

    for (i = 0; i < sizeof SHAPES / sizeof SHAPES[0]; i++)
        check_shape(&SHAPES[i]);
}

static void
test_shape_details(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;

    assert_ok(inspect("01-win2003-legacy.pfx", "Legacy-RC2-pw", &d, &info, NULL), "01");
    assert_string_equal(info.friendly_name, "Alice (Windows 2003 export)");
    assert_string_equal(info.cert.subject, "O=Example Corp, CN=Alice Officer");
    assert_string_equal(info.cert.subject, info.cert.issuer);
    assert_non_null(strstr(info.algorithms, "pbeWithSHA1And40BitRC2-CBC"));
    assert_int_equal(strlen(info.cert.sha256), 64);
    assert_int_equal(strlen(info.cert.not_before), 20);
    assert_int_equal(info.cert.not_before[10], 'T');
    fmt_info_free(&info);
    assert_ok(inspect("08-unicode.pfx", "p\xc3\xa4ssw\xc3\xb6rd-\xce\xa9", &d, &info, NULL), "08");
    assert_string_equal(info.friendly_name,
        "Zo\xc3\xab \xc3\x9cn\xc3\xaf"
        "code");
    fmt_info_free(&info);
    assert_ok(inspect("03-aes256-sha256.pfx", "Aes256-pw", &d, &info, NULL), "03");
    assert_non_null(strstr(info.algorithms, "PBES2 AES-256-CBC PBKDF2-HMAC-SHA-256"));
    assert_non_null(strstr(info.algorithms, "MAC SHA-256"));
    fmt_info_free(&info);
    assert_ok(inspect("07-chain.pfx", "Chain-pw", &d, &info, NULL), "07");
    assert_string_equal(info.cert.subject, "emailAddress=frank@example.com, CN=Frank Leaf");
    assert_string_equal(info.cert.issuer, "CN=Example Issuing CA");
    fmt_info_free(&info);
}

/* ---- re-export ---- */

static void
reexport(const char *file, const char *pw, bool legacy, const char *out)
{
    struct fmt_detect d;
    struct fmt_info   info;
    struct secbuf     op = { NULL, 0, 0 }, p12 = { NULL, 0, 0 };

    assert_ok(inspect(file, pw, &d, &info, &op), file);
    assert_ok(fmt_reexport(op.p, op.len, "New-Pfx-pw-123", legacy, &p12), "fmt_reexport");
    write_fixture(out, p12.p, p12.len);
    fmt_info_free(&info);
    secbuf_free(&op);
    secbuf_free(&p12);
}

static void
test_reexport_modern(void **state)
{
    reexport("01-win2003-legacy.pfx", "Legacy-RC2-pw", false, "re-modern.pfx");
    assert_int_equal(
        sh("openssl pkcs12 -in re-modern.pfx -passin pass:New-Pfx-pw-123 -nodes "
           "-nocerts | openssl pkey -pubout -out re-modern.pub && cmp re-modern.pub rsa.pub"),
        0);
    assert_int_equal(sh("openssl pkcs12 -in re-modern.pfx -passin pass:New-Pfx-pw-123 -info "
                        "-noout 2>info.txt; grep -q 'MAC: sha256' info.txt && "
                        "test $(grep -c 'PBES2, PBKDF2, AES-256-CBC, Iteration 2048, PRF "
                        "hmacWithSHA256' info.txt) = 2 && ! grep -q RC2 info.txt"),
        0);
    assert_int_equal(sh("openssl pkcs12 -in re-modern.pfx -passin pass:New-Pfx-pw-123 -nodes "
                        "-info 2>&1 | grep -q 'friendlyName: Alice (Windows 2003 export)'"),
        0);
    assert_int_equal(sh("openssl pkcs12 -in re-modern.pfx -passin pass:wrong -nodes"), 256);
}

static void
test_reexport_legacy(void **state)
{
    reexport("07-chain.pfx", "Chain-pw", true, "re-legacy.pfx");
    assert_int_equal(sh("openssl pkcs12 -legacy -in re-legacy.pfx -passin pass:New-Pfx-pw-123 "
                        "-nodes -nocerts | openssl pkey -pubout -out re-legacy.pub && cmp "
                        "re-legacy.pub leaf.pub"),
        0);
    assert_int_equal(sh("openssl pkcs12 -legacy -in re-legacy.pfx -passin pass:New-Pfx-pw-123 "
                        "-info -noout 2>info.txt; grep -q 'MAC: sha1' info.txt && "
                        "test $(grep -c 'pbeWithSHA1And3-KeyTripleDES-CBC' info.txt) = 2 && "
                        "! grep -q RC2 info.txt"),
        0);
    /* The whole chain goes in. */
    assert_int_equal(sh("test $(openssl pkcs12 -legacy -in re-legacy.pfx -passin "
                        "pass:New-Pfx-pw-123 -nokeys | grep -c 'BEGIN CERTIFICATE') = 3"),
        0);
}

static void
test_reexport_several_keys(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;

    assert_ok(inspect("two-keys.pem", NULL, &d, &info, NULL), "two-keys.pem");
    assert_int_equal(info.n_keys, 2);
    assert_int_equal(info.n_certs, 2);
    assert_true(info.key_matches);
    fmt_info_free(&info);
    reexport("two-keys.pem", NULL, false, "re-two.pfx");
    assert_int_equal(sh("test $(openssl pkcs12 -in re-two.pfx -passin pass:New-Pfx-pw-123 -nodes "
                        "-nocerts | grep -c 'BEGIN PRIVATE KEY') = 2"),
        0);
    /* Each key is paired with its certificate by localKeyID, as Windows reads them. */
    assert_int_equal(sh("test $(openssl pkcs12 -in re-two.pfx -passin pass:New-Pfx-pw-123 -nodes "
                        "-info 2>&1 | grep -c localKeyID) = 4"),
        0);
}

/* ---- refusals ---- */

static void
test_wrong_password(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;

    assert_int_equal(inspect("02-tripledes-sha1.pfx", "wrong-password", &d, &info, NULL), -EBADMSG);
    assert_string_equal(okra_errmsg(), "wrong password (the MAC does not verify)");
    assert_int_equal(
        inspect("11-pkcs8-encrypted.pem", "wrong-password", &d, &info, NULL), -EBADMSG);
    assert_string_equal(okra_errmsg(), "wrong password or damaged file");
    assert_int_equal(inspect("rsa-trad-enc.pem", "wrong-password", &d, &info, NULL), -EBADMSG);
    assert_int_equal(inspect("10-empty-password.pfx", "not-empty", &d, &info, NULL), -EBADMSG);
}

static void
test_damaged(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;
    size_t            len, i;
    uint8_t          *data = fixture("03-aes256-sha256.pfx", &len);

    /* Truncated: detection says so; forced open says so. */
    fmt_detect(data, 1500, 1500, &d);
    assert_int_equal(d.kind, FMT_NONE);
    assert_non_null(strstr(d.why, "truncated"));
    d.kind = FMT_PKCS12;
    assert_int_equal(fmt_inspect(data, 1500, &d, "Aes256-pw", &info, NULL), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "damaged or truncated PKCS #12"));
    /* One byte inverted anywhere after the header: never accepted. */
    for (i = 8; i < len; i += 97) {
        data[i] ^= 0xff;
        fmt_detect(data, len, len, &d);
        if (d.kind == FMT_PKCS12 && fmt_inspect(data, len, &d, "Aes256-pw", &info, NULL) == 0)
            fail_msg("byte %zu inverted, still accepted", i);
        data[i] ^= 0xff;
    }
    free(data);
}

static void
test_cert_only(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;
    char             *want = text_of("rsa.sha1");

    assert_int_equal(inspect("certonly.pfx", "Cert-pw", &d, &info, NULL), -ENOKEY);
    assert_string_equal(okra_errmsg(), "holds no private key (certificates only)");
    assert_false(info.has_key);
    assert_string_equal(info.cert.sha1, want);
    fmt_info_free(&info);
    free(want);
}

/* ---- key types and PEM/DER forms ---- */

static void
expect_key(const char *file, const char *pw, const char *name, const char *type, bool matches)
{
    struct fmt_detect d;
    struct fmt_info   info;

    assert_ok(inspect(file, pw, &d, &info, NULL), file);
    assert_string_equal(d.name, name);
    assert_string_equal(info.key_type, type);
    assert_int_equal(info.key_matches, matches);
    fmt_info_free(&info);
}

static void
test_dsa_and_explicit_ec(void **state)
{
    expect_key("dsa.pfx", "Dsa-pw", "pkcs12", "DSA", true);
    expect_key("dsa-trad.pem", NULL, "pem-dsa", "DSA", false);
    expect_key("dsa-trad.der", NULL, "der-dsa", "DSA", false);
    expect_key("ecx.pfx", "Ecx-pw", "pkcs12", "EC explicit", true);
    expect_key("ecx-sec1.der", NULL, "der-sec1", "EC explicit", false);
}

static void
test_pem_der_forms(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;
    char             *want = text_of("leaf.sha1");

    expect_key("p256-sec1.pem", NULL, "pem-sec1", "EC P-256", false);
    expect_key("rsa-trad-enc.pem", "Trad-pw", "pem-pkcs1-encrypted", "RSA", false);
    expect_key("rsa-pkcs1.der", NULL, "der-pkcs1", "RSA", false);
    expect_key("p256-enc.der", "Der-pw", "der-pkcs8-encrypted", "EC P-256", false);
    expect_key("rsa-pbe1.pem", "Pbe1-pw", "pem-pkcs8-encrypted", "RSA", false);
    expect_key("rsa-emptypw.pem", "", "pem-pkcs8-encrypted", "RSA", false);
    /* A key with its certificate and chain in one PEM. */
    assert_ok(inspect("leaf-bundle.pem", NULL, &d, &info, NULL), "leaf-bundle.pem");
    assert_int_equal(info.n_certs, 2);
    assert_true(info.key_matches);
    assert_string_equal(info.cert.sha1, want);
    fmt_info_free(&info);
    free(want);
}

static void
test_openssl10_password(void **state)
{
    struct fmt_detect d;
    struct fmt_info   info;

    /* Made under the byte-cast form; the officer types the real password. */
    assert_ok(inspect("cast.pfx", CAST_PW_UTF8, &d, &info, NULL), "cast.pfx");
    fmt_info_free(&info);
    assert_ok(inspect("cast.pfx", CAST_PW_AS_10, &d, &info, NULL), "cast.pfx as typed in 1.0");
    fmt_info_free(&info);
}

static void
test_issued_by(void **state)
{
    size_t   nl, ni, nr, ns;
    uint8_t *leaf = fixture("leaf.der", &nl), *in = fixture("int.der", &ni),
            *root = fixture("root.der", &nr), *self = fixture("rsa.der", &ns);
    struct fmt_cert ca;

    assert_int_equal(fmt_cert_issued_by(leaf, nl, in, ni), 1);
    assert_int_equal(fmt_cert_issued_by(in, ni, root, nr), 1);
    assert_int_equal(fmt_cert_issued_by(leaf, nl, root, nr), 0);
    assert_int_equal(fmt_cert_issued_by(leaf, nl, self, ns), 0);
    assert_int_equal(fmt_cert_issued_by(root, nr, root, nr), 1);
    assert_true(fmt_cert_issued_by(leaf, nl - 1, in, ni) < 0);
    /* The home-issuer policy loads its CA from PEM or DER alike. */
    assert_ok(fmt_load_ca_cert(in, ni, &ca), "int.der");
    assert_string_equal(ca.subject, "CN=Example Issuing CA");
    assert_int_equal(fmt_cert_issued_by(leaf, nl, ca.der, ca.der_len), 1);
    fmt_cert_free(&ca);
    free(leaf);
    free(in);
    free(root);
    free(self);
    leaf = fixture("int.crt", &nl);
    assert_ok(fmt_load_ca_cert(leaf, nl, &ca), "int.crt");
    assert_string_equal(ca.issuer, "CN=Example Root CA");
    fmt_cert_free(&ca);
    free(leaf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_acceptance_shapes),
        cmocka_unit_test(test_shape_details),
        cmocka_unit_test(test_reexport_modern),
        cmocka_unit_test(test_reexport_legacy),
        cmocka_unit_test(test_reexport_several_keys),
        cmocka_unit_test(test_wrong_password),
        cmocka_unit_test(test_damaged),
        cmocka_unit_test(test_cert_only),
        cmocka_unit_test(test_dsa_and_explicit_ec),
        cmocka_unit_test(test_pem_der_forms),
        cmocka_unit_test(test_openssl10_password),
        cmocka_unit_test(test_issued_by),
    };

    if (okra_crypto_init() < 0 || fmt_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, setup, teardown);
}
