/*
 * test_age.c: age v1 against the C2SP CCTV vectors, round trips at the chunk
 * edges, tampering, and the stock age tools in both directions.
 */
#include "unit.h"

#include "common/err.h"
#include "crypto/age.h"
#include "crypto/age_internal.h"
#include "crypto/bech32.h"

#include <dirent.h>
#include <dlfcn.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <poll.h>
#include <pthread.h>
#include <pty.h>
#include <sodium.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHUNK 65536

/* ---- helpers ---- */

/* A sink that hashes and counts what it is given. */
struct hsink {
    crypto_hash_sha256_state st;
    size_t                   n;
};

static int
hash_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct hsink *h = ctx;

    crypto_hash_sha256_update(&h->st, p, n);
    h->n += n;
    return 0;
}

static void
hex(const uint8_t *p, size_t n, char *out)
{
    sodium_bin2hex(out, 2 * n + 1, p, n);
}

/* A plain malloc'd growable buffer, for ciphertext. */
struct buf {
    uint8_t *p;
    size_t   len, cap;
};

static int
buf_sink(void *ctx, const uint8_t *p, size_t n)
{
    struct buf *b = ctx;

    if (b->len + n > b->cap) {
        b->cap = (b->len + n) * 2;
        b->p = realloc(b->p, b->cap);
        assert_non_null(b->p);
    }
    if (n)
        memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static void
fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
    size_t i;

    for (i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

static struct age_identities
ids_one(const uint8_t (*secret)[AGE_KEY_LEN])
{
    struct age_identities ids = { .x25519 = secret, .n_x25519 = 1 };

    return ids;
}

/* Decrypts in and requires the plaintext to equal want. */
static void
expect_plain(const struct age_identities *ids, const uint8_t *in, size_t len, const uint8_t *want,
    size_t want_len)
{
    struct secbuf out = { 0 };
    int           rc = age_decrypt(ids, in, len, age_sink_secbuf, &out);

    if (rc != 0)
        fail_msg("age_decrypt: %d %s", rc, okra_errmsg());
    assert_int_equal(out.len, want_len);
    if (want_len)
        assert_memory_equal(out.p, want, want_len);
    secbuf_free(&out);
}

static int
setup(void **state)
{
    return okra_crypto_init();
}

/* ---- bech32 ---- */

static void
test_bech32_bip173(void **state)
{
    /* BIP-173's valid and invalid test strings (the checksum is all they test) */
    static const char *valid[] = {
        "A12UEL5L",
        "a12uel5l",
        "an83characterlonghumanreadablepartthatcontainsthenumber1andtheexcludedcharactersbio1tt5tg"
        "s",
        "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw",
        "11" /* and 82 q */
        "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
        "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqc8247j",
        "split1checkupstagehandshakeupstreamerranterredcaperred2y9e3w",
        "?1ezyfcl",
    };
    static const char *invalid[] = {
        "pzry9x0s0muk", /* no separator */
        "1pzry9x0s0muk", /* empty hrp */
        "x1b4n0q5v", /* invalid data character */
        "li1dgmt3", /* checksum too short */
        "A1G7SGD8", /* checksum computed over uppercase hrp */
        "10a06t8", /* empty hrp */
        "1qzzfhee", /* empty hrp */
        "a12UEL5L", /* mixed case */
        "a1lqfn3a", /* bech32m, not bech32 */
        "abcdef1l7aum6echk45nj3s0wdvt2fg8x9yrzpqzd3ryx", /* bech32m */
        "a 12uel5l", /* space */
    };
    char    hrp[128];
    uint8_t data[128];
    size_t  len, i;

    for (i = 0; i < sizeof valid / sizeof *valid; i++)
        if (bech32_decode(valid[i], hrp, sizeof hrp, data, sizeof data, &len) != 0)
            fail_msg("valid BIP-173 string rejected: %s", valid[i]);
    assert_int_equal(bech32_decode(valid[3], hrp, sizeof hrp, data, sizeof data, &len), 0);
    assert_string_equal(hrp, "abcdef");
    assert_int_equal(len, 20);
    assert_int_equal(bech32_decode(valid[0], hrp, sizeof hrp, data, sizeof data, &len), 0);
    assert_string_equal(hrp, "A");
    assert_int_equal(len, 0);
    for (i = 0; i < sizeof invalid / sizeof *invalid; i++)
        if (bech32_decode(invalid[i], hrp, sizeof hrp, data, sizeof data, &len) == 0)
            fail_msg("invalid BIP-173 string accepted: %s", invalid[i]);
    /* buffers too small */
    assert_int_equal(bech32_decode(valid[3], hrp, 3, data, sizeof data, &len), -ENOSPC);
    assert_int_equal(bech32_decode(valid[3], hrp, sizeof hrp, data, 19, &len), -ENOSPC);
}

static void
test_bech32_roundtrip(void **state)
{
    uint8_t data[100] = { 0 }, back[100];
    char    s[400], hrp[32];
    size_t  n, len, i;

    for (n = 0; n <= sizeof data; n += 7) {
        fill_pattern(data, n, (uint32_t)n);
        assert_int_equal(bech32_encode("test", data, n, n % 2, s, sizeof s), 0);
        assert_int_equal(bech32_decode(s, hrp, sizeof hrp, back, sizeof back, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(back, data, n);
        assert_string_equal(hrp, n % 2 ? "TEST" : "test");
        /* any single changed character breaks the checksum */
        for (i = 5; i < strlen(s); i++) {
            char c = s[i];

            s[i] = (c == 'q' || c == 'Q') ? (n % 2 ? 'P' : 'p') : (n % 2 ? 'Q' : 'q');
            assert_int_not_equal(bech32_decode(s, hrp, sizeof hrp, back, sizeof back, &len), 0);
            s[i] = c;
        }
    }
    assert_int_equal(bech32_encode("Upper", data, 4, false, s, sizeof s), -EINVAL);
    assert_int_equal(bech32_encode("x", data, 32, false, s, 20), -ENOSPC);
}

/* ---- recipients and identities ---- */

static void
test_keys_spec_example(void **state)
{
    /* the examples in the age spec are a matching pair */
    static const char *id
        = "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX";
    static const char *rcpt = "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj";
    uint8_t           *sk = secmem_alloc(AGE_KEY_LEN);
    char              *id_out = secmem_alloc(AGE_IDENTITY_MAX);
    uint8_t            pk[AGE_KEY_LEN], pk2[AGE_KEY_LEN];
    char               r[AGE_RECIPIENT_MAX];

    assert_int_equal(age_identity_parse(id, sk), 0);
    assert_int_equal(age_x25519_public(sk, pk), 0);
    assert_int_equal(age_recipient_format(pk, r), 0);
    assert_string_equal(r, rcpt);
    assert_int_equal(age_recipient_parse(rcpt, pk2), 0);
    assert_memory_equal(pk, pk2, AGE_KEY_LEN);
    assert_int_equal(age_identity_format(sk, id_out), 0);
    assert_string_equal(id_out, id);

    /* case, hrp and length are checked */
    assert_int_equal(
        age_recipient_parse("AGE1ZVKYG2LQZRAA2LNJVQEJ32NKUU0UES2S82HZRYE869XEEXVN73EQUNUJWJ", pk2),
        -EINVAL);
    assert_int_equal(
        age_identity_parse("age-secret-key-1gfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyysjzgfpyy"
                           "sjzgfpq4egaex",
            sk),
        -EINVAL);
    assert_int_equal(age_recipient_parse(id, pk2), -EINVAL);
    assert_int_equal(age_identity_parse(rcpt, sk), -EINVAL);
    assert_int_equal(
        age_recipient_parse("age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwk", pk2),
        -EINVAL);
    assert_int_equal(age_recipient_parse("", pk2), -EINVAL);
    assert_int_equal(age_recipient_parse(NULL, pk2), -EINVAL);
    secmem_free(sk);
    secmem_free(id_out);
}

/*
 * HKDF-SHA-256 against RFC 5869's test cases 1-3 (the first 32 bytes of each
 * OKM), then against OpenSSL's own HKDF on random inputs of every length the
 * age code uses.
 */
static void
openssl_hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikm_len, const uint8_t *salt,
    size_t salt_len, const char *info)
{
    EVP_KDF     *alg = EVP_KDF_fetch(NULL, "HKDF", NULL);
    EVP_KDF_CTX *ctx = alg ? EVP_KDF_CTX_new(alg) : NULL;
    OSSL_PARAM   params[5];

    assert_non_null(ctx);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
    params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
    params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
    params[4] = OSSL_PARAM_construct_end();
    assert_int_equal(EVP_KDF_derive(ctx, out, 32, params), 1);
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(alg);
}

static void
test_hkdf(void **state)
{
    static const struct {
        const char *ikm, *salt, *info, *okm;
    } rfc[] = {
        { "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "000102030405060708090a0b0c",
            "f0f1f2f3f4f5f6f7f8f9",
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf" },
        { "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
          "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
          "404142434445464748494a4b4c4d4e4f",
            "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
            "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
            "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
            "b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
            "d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
            "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
            "b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c" },
        { "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d" },
    };
    uint8_t ikm[80], salt[80], want[32], got[32];
    char    info[81];
    size_t  i, ikm_len, salt_len, info_len;

    (void)state;
    for (i = 0; i < sizeof rfc / sizeof rfc[0]; i++) {
        assert_int_equal(sodium_hex2bin(ikm, sizeof ikm, rfc[i].ikm, strlen(rfc[i].ikm), NULL,
                             &ikm_len, NULL), 0);
        assert_int_equal(sodium_hex2bin(salt, sizeof salt, rfc[i].salt, strlen(rfc[i].salt),
                             NULL, &salt_len, NULL), 0);
        assert_int_equal(sodium_hex2bin((uint8_t *)info, sizeof info - 1, rfc[i].info,
                             strlen(rfc[i].info), NULL, &info_len, NULL), 0);
        info[info_len] = '\0'; /* the RFC's info bytes hold no zero */
        assert_int_equal(sodium_hex2bin(want, sizeof want, rfc[i].okm, 64, NULL, NULL, NULL), 0);
        assert_int_equal(age_hkdf(got, ikm, ikm_len, salt_len ? salt : NULL, salt_len, info), 0);
        assert_memory_equal(got, want, 32);
    }
    /* the shapes age uses: 32-byte ikm with a 64-byte salt, 16-byte ikm with 16 or no salt */
    for (i = 0; i < 300; i++) {
        static const char *infos[] = { "age-encryption.org/v1/X25519", "header", "payload",
            "age-encryption.org/v1/scrypt", "" };

        ikm_len = 1 + randombytes_uniform(sizeof ikm);
        salt_len = randombytes_uniform(sizeof salt + 1);
        randombytes_buf(ikm, ikm_len);
        randombytes_buf(salt, salt_len);
        openssl_hkdf(want, ikm, ikm_len, salt, salt_len, infos[i % 5]);
        assert_int_equal(age_hkdf(got, ikm, ikm_len, salt, salt_len, infos[i % 5]), 0);
        assert_memory_equal(got, want, 32);
    }
}

/*
 * The ephemeral keys' fixed-base X25519 (Ed25519 table, then the birational
 * map): RFC 7748's section 6.1 key pairs, then libsodium's ladder on random
 * secrets in batches of every size around the pool's, then the pool itself,
 * across a fork.
 */
static void
clamp(uint8_t k[AGE_KEY_LEN])
{
    k[0] &= 248;
    k[31] &= 127;
    k[31] |= 64;
}

static void
test_ephemeral_base(void **state)
{
    static const char *rfc7748[][2] = {
        { "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a" },
        { "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f" },
    };
    static const size_t sizes[] = { 1, 2, 15, 16, 17, 33, 100 };
    uint8_t(*sk)[AGE_KEY_LEN] = secmem_alloc(100 * AGE_KEY_LEN);
    uint8_t pk[100][AGE_KEY_LEN], want[AGE_KEY_LEN];
    size_t  i, j;

    (void)state;
    assert_non_null(sk);
    for (i = 0; i < 2; i++) {
        assert_int_equal(sodium_hex2bin(sk[i], AGE_KEY_LEN, rfc7748[i][0], 64, NULL, NULL, NULL), 0);
        assert_int_equal(sodium_hex2bin(want, AGE_KEY_LEN, rfc7748[i][1], 64, NULL, NULL, NULL), 0);
        clamp(sk[i]); /* X25519 clamps; the batch wants its scalars clamped already */
        assert_int_equal(age_x25519_base_batch((const uint8_t(*)[AGE_KEY_LEN])sk + i, pk, 1), 0);
        assert_memory_equal(pk[0], want, AGE_KEY_LEN);
    }
    for (i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        randombytes_buf(sk, 100 * AGE_KEY_LEN);
        for (j = 0; j < sizes[i]; j++)
            clamp(sk[j]);
        assert_int_equal(age_x25519_base_batch((const uint8_t(*)[AGE_KEY_LEN])sk, pk, sizes[i]), 0);
        for (j = 0; j < sizes[i]; j++) {
            assert_int_equal(crypto_scalarmult_base(want, sk[j]), 0);
            assert_memory_equal(pk[j], want, AGE_KEY_LEN);
        }
    }
    secmem_free(sk);
}

static void
test_ephemeral_pool(void **state)
{
    uint8_t *secret = secmem_alloc(AGE_KEY_LEN), seen[200][AGE_KEY_LEN], share[AGE_KEY_LEN],
            want[AGE_KEY_LEN], child[AGE_KEY_LEN];
    int     fds[2], status;
    pid_t   pid;
    size_t  i, j;

    (void)state;
    assert_non_null(secret);
    for (i = 0; i < 200; i++) {
        assert_int_equal(age_ephemeral_take(secret, share), 0);
        assert_int_equal(secret[0] & 7, 0);
        assert_int_equal(secret[31] & 0xc0, 0x40);
        assert_int_equal(crypto_scalarmult_base(want, secret), 0);
        assert_memory_equal(share, want, AGE_KEY_LEN);
        memcpy(seen[i], share, AGE_KEY_LEN);
        for (j = 0; j < i; j++)
            assert_memory_not_equal(seen[j], share, AGE_KEY_LEN);
    }
    /*
     * Mid-batch, a forked child must not hand out what its parent will: it
     * makes a batch of its own, or (libsodium's own generator, which okra
     * chooses, refuses to draw in a forked child) dies with SIGABRT.
     */
    assert_int_equal(pipe(fds), 0);
    if ((pid = fork()) == 0) {
        struct rlimit no_core = { 0, 0 };
        uint8_t       s[AGE_KEY_LEN], sh[AGE_KEY_LEN];

        (void)setrlimit(RLIMIT_CORE, &no_core);
        (void)signal(SIGABRT, SIG_DFL); /* not cmocka's handler: die, do not run on */
        _exit(age_ephemeral_take(s, sh) == 0 && write(fds[1], sh, AGE_KEY_LEN) == AGE_KEY_LEN ? 0 : 1);
    }
    assert_true(pid > 0);
    close(fds[1]); /* a child that fails writes nothing: the read ends */
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(age_ephemeral_take(secret, share), 0);
    if (WIFSIGNALED(status)) {
        assert_int_equal(WTERMSIG(status), SIGABRT);
    } else {
        assert_int_equal(status, 0);
        assert_int_equal(read(fds[0], child, AGE_KEY_LEN), AGE_KEY_LEN);
        assert_memory_not_equal(child, share, AGE_KEY_LEN);
    }
    close(fds[0]);
    secmem_free(secret);
}

static void
test_keys_roundtrip(void **state)
{
    uint8_t *sk = secmem_alloc(AGE_KEY_LEN), *sk2 = secmem_alloc(AGE_KEY_LEN);
    char    *id = secmem_alloc(AGE_IDENTITY_MAX);
    uint8_t  pk[AGE_KEY_LEN], pk2[AGE_KEY_LEN];
    char     r[AGE_RECIPIENT_MAX];
    int      i;

    for (i = 0; i < 50; i++) {
        randombytes_buf(sk, AGE_KEY_LEN);
        assert_int_equal(age_identity_format(sk, id), 0);
        assert_int_equal(strncmp(id, "AGE-SECRET-KEY-1", 16), 0);
        assert_int_equal(age_identity_parse(id, sk2), 0);
        assert_memory_equal(sk, sk2, AGE_KEY_LEN);
        assert_int_equal(age_x25519_public(sk, pk), 0);
        assert_int_equal(age_recipient_format(pk, r), 0);
        assert_int_equal(strncmp(r, "age1", 4), 0);
        assert_int_equal(strlen(r), 62);
        assert_int_equal(age_recipient_parse(r, pk2), 0);
        assert_memory_equal(pk, pk2, AGE_KEY_LEN);
    }
    secmem_free(sk);
    secmem_free(sk2);
    secmem_free(id);
}

/* ---- the CCTV vectors ---- */

struct vector {
    char           name[128];
    char           expect[32];
    char           payload[65];
    char           ids[4][160];
    int            n_ids;
    char           pass[4][64];
    int            n_pass;
    bool           compressed, armored;
    const uint8_t *body;
    size_t         body_len;
};

static void
copy_value(char *dst, size_t cap, const char *v, size_t n)
{
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
}

/* The testkit header: "key: value" lines, an empty line, then the file. */
static bool
parse_vector(struct vector *v, const uint8_t *data, size_t len)
{
    const char *p = (const char *)data, *end = p + len, *eol, *val;
    size_t      n;

    for (;;) {
        if ((eol = memchr(p, '\n', (size_t)(end - p))) == NULL)
            return false;
        if (eol == p)
            break;
        if ((val = memchr(p, ':', (size_t)(eol - p))) == NULL || val + 2 > eol)
            return false;
        n = (size_t)(eol - (val + 2));
        val += 2;
        if (strncmp(p, "expect:", 7) == 0)
            copy_value(v->expect, sizeof v->expect, val, n);
        else if (strncmp(p, "payload:", 8) == 0)
            copy_value(v->payload, sizeof v->payload, val, n);
        else if (strncmp(p, "identity:", 9) == 0 && v->n_ids < 4)
            copy_value(v->ids[v->n_ids++], sizeof v->ids[0], val, n);
        else if (strncmp(p, "passphrase:", 11) == 0 && v->n_pass < 4)
            copy_value(v->pass[v->n_pass++], sizeof v->pass[0], val, n);
        else if (strncmp(p, "compressed:", 11) == 0)
            v->compressed = strncmp(val, "zlib", 4) == 0;
        else if (strncmp(p, "armored:", 8) == 0)
            v->armored = strncmp(val, "yes", 3) == 0;
        p = eol + 1;
    }
    v->body = (const uint8_t *)p + 1;
    v->body_len = (size_t)(end - (p + 1));
    return true;
}

typedef int (*uncompress_fn)(
    unsigned char *, unsigned long *, const unsigned char *, unsigned long);

/*
 * zlib through dlopen: the Makefile links no -lz, and zlib1g is part of every
 * Debian system. (Adding zlib to PKGS would make this a plain call.)
 */
static uint8_t *
inflate_zlib(const uint8_t *in, size_t len, size_t *ret_len)
{
    static uncompress_fn uncompress;
    unsigned long        cap = 1 << 20, n;
    uint8_t             *out = NULL;
    int                  rc;

    if (uncompress == NULL) {
        void *lib = dlopen("libz.so.1", RTLD_NOW);

        if (lib == NULL)
            fail_msg("cannot load libz.so.1 for the compressed vectors");
        *(void **)&uncompress = dlsym(lib, "uncompress");
        assert_non_null(uncompress);
    }
    for (;;) {
        out = realloc(out, cap);
        assert_non_null(out);
        n = cap;
        rc = uncompress(out, &n, in, len);
        if (rc == 0)
            break;
        assert_int_equal(rc, -5); /* Z_BUF_ERROR: grow */
        assert_true(cap < (1ul << 28));
        cap *= 2;
    }
    *ret_len = n;
    return out;
}

/*
 * okra implements age's X25519 and scrypt recipients, not the ML-KEM-768
 * hybrid (AGE-SECRET-KEY-PQ-1...). The vectors written for the hybrid cannot
 * have their stated outcome here; each is listed with the outcome okra must
 * give instead, and why. Every other vector must give exactly its `expect`.
 */
static const struct {
    const char *name, *outcome, *why;
} no_mlkem[] = {
    { "armor_hybrid", "no match", "its only identity is a hybrid one" },
    { "hybrid", "no match", "its only identity is a hybrid one" },
    { "hybrid_and_x25519", "no match", "its only identity is a hybrid one" },
    { "hybrid_bad_tag", "no match", "as expected, without trying the hybrid stanza" },
    { "hybrid_currupted_enc_mlkem", "no match", "as expected, without trying the hybrid stanza" },
    { "hybrid_currupted_enc_x25519", "no match", "as expected, without trying the hybrid stanza" },
    { "hybrid_extra_argument", "no match", "an unknown stanza's arguments are not checked" },
    { "hybrid_grease", "no match", "its only identity is a hybrid one" },
    { "hybrid_identity", "no match", "an unknown stanza's arguments are not checked" },
    { "hybrid_long_file_key", "no match", "an unknown stanza's body is not unwrapped" },
    { "hybrid_long_share", "no match", "an unknown stanza's arguments are not checked" },
    { "hybrid_low_order", "no match", "an unknown stanza's arguments are not checked" },
    { "hybrid_multiple_recipients", "no match", "its only identity is a hybrid one" },
    { "hybrid_no_match", "no match", "as expected" },
    { "hybrid_not_canonical_body", "header failure", "as expected: every stanza's body is checked" },
    { "hybrid_not_canonical_enc", "no match", "an unknown stanza's arguments are not checked" },
    { "hybrid_short_share", "no match", "an unknown stanza's arguments are not checked" },
    { "hybrid_uppercase", "no match", "as expected" },
    { "hybrid_x25519_arg", "header failure", "as expected: the X25519 stanza is checked" },
};

static const char *
no_mlkem_outcome(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof no_mlkem / sizeof no_mlkem[0]; i++)
        if (strcmp(no_mlkem[i].name, name) == 0)
            return no_mlkem[i].outcome;
    return NULL;
}

/* okra's result as the testkit names outcomes: rc and message tell them apart. */
static const char *
outcome_of(int rc, const char *msg)
{
    if (rc == 0)
        return "success";
    if (strncmp(msg, "age armor:", 10) == 0)
        return "armor failure";
    if (rc == -EINVAL)
        return "header failure";
    if (rc == -EKEYREJECTED)
        return "no match";
    if (rc != -EBADMSG)
        return "an unexpected error";
    if (strstr(msg, "header MAC"))
        return "HMAC failure";
    return "payload failure";
}

struct run {
    const char *outcome;
    char        detail[384];
    size_t      released;
    char        digest[65];
};

/* One decryption with the X25519 identities given (or a random one) and passphrase pass. */
static void
run_vector(const uint8_t *in, size_t len, uint8_t (*sk)[AGE_KEY_LEN], int n_sk, const char *pass,
    struct run *r)
{
    struct age_identities ids = { .x25519 = (const uint8_t(*)[AGE_KEY_LEN])sk, .n_x25519 = n_sk };
    struct hsink          h;
    uint8_t               digest[32];
    int                   rc;

    if (n_sk == 0 && pass == NULL) { /* no usable identity: the header is still read */
        randombytes_buf(sk[0], AGE_KEY_LEN);
        ids.n_x25519 = 1;
    }
    ids.passphrase = pass;
    crypto_hash_sha256_init(&h.st);
    h.n = 0;
    okra_clear_error();
    rc = age_decrypt(&ids, in, len, hash_sink, &h);
    crypto_hash_sha256_final(&h.st, digest);
    hex(digest, sizeof digest, r->digest);
    r->released = h.n;
    r->outcome = outcome_of(rc, okra_errmsg());
    snprintf(r->detail, sizeof r->detail, "rc %d (%s)", rc, rc ? okra_errmsg() : "");
}

/*
 * Checks one vector; on a mismatch writes why into why and returns false.
 * The outcome must be the vector's (or no_mlkem's), and what was released
 * must hash to `payload` (all of it, also before a payload failure), or be
 * nothing when the vector names no payload.
 */
/*
 * The testkit says which inputs are armored, and its armor failures are what
 * an armor decoder must refuse: such input goes through okra's own decoder
 * first. Returns the decoded bytes (malloc'd), or NULL with the reason in r.
 */
static uint8_t *
dearmor(const uint8_t *in, size_t len, size_t *ret_len, struct run *r)
{
    struct age_mem_src m = { .p = in, .len = len };
    struct age_rd      raw;
    struct age_armor   a;
    struct buf         out = { 0 };
    uint8_t            chunk[4096];
    long               n;

    assert_int_equal(age_rd_init(&raw, age_mem_read, &m, len + 1), 0);
    age_armor_init(&a, &raw);
    okra_clear_error();
    while ((n = age_armor_read(&a, chunk, sizeof chunk)) > 0)
        buf_sink(&out, chunk, (size_t) n);
    age_rd_free(&raw);
    if (n < 0) {
        r->outcome = outcome_of((int) n, okra_errmsg());
        snprintf(r->detail, sizeof r->detail, "rc %ld (%s)", n, okra_errmsg());
        free(out.p);
        return NULL;
    }
    *ret_len = out.len;
    return out.p ? out.p : calloc(1, 1);
}

static bool
check_vector(const char *name, char *why, size_t why_cap)
{
    char           rel[256];
    uint8_t       *raw, *inflated = NULL, *decoded = NULL;
    size_t         dec_len = 0;
    uint8_t      (*sk)[AGE_KEY_LEN] = secmem_alloc(4 * AGE_KEY_LEN);
    const uint8_t *in;
    size_t         len, in_len;
    struct vector  v;
    struct run     r = { 0 }, whole = { 0 };
    const char    *want;
    int            i, n_sk = 0, n_hybrid = 0;
    bool           ok = false;

    memset(&v, 0, sizeof v);
    snprintf(rel, sizeof rel, "age-C2SP-CCTV/testdata/%s", name);
    raw = read_vector(rel, &len);
    if (!parse_vector(&v, raw, len) || v.expect[0] == '\0') {
        snprintf(why, why_cap, "cannot read its testkit header");
        goto out;
    }
    for (i = 0; i < v.n_ids; i++) {
        if (strncmp(v.ids[i], "AGE-SECRET-KEY-PQ-1", 19) == 0) {
            n_hybrid++;
            if (age_identity_parse(v.ids[i], sk[n_sk]) == 0) {
                snprintf(why, why_cap, "a hybrid identity parsed as X25519");
                goto out;
            }
        } else if (age_identity_parse(v.ids[i], sk[n_sk++]) != 0) {
            snprintf(why, why_cap, "its X25519 identity %d does not parse: %s", i + 1, okra_errmsg());
            goto out;
        }
    }
    want = n_hybrid ? no_mlkem_outcome(name) : v.expect;
    if (want == NULL) {
        snprintf(why, why_cap, "has a hybrid identity and no entry in no_mlkem[]");
        goto out;
    }
    in = v.body;
    in_len = v.body_len;
    if (v.compressed)
        in = inflated = inflate_zlib(v.body, v.body_len, &in_len);
    if (v.armored && (decoded = dearmor(in, in_len, &dec_len, &r)) == NULL)
        goto verdict;
    /* with several passphrases the first that succeeds counts, as age tries each */
    for (i = 0; i < (v.n_pass ? v.n_pass : 1); i++) {
        run_vector(decoded ? decoded : in, decoded ? dec_len : in_len, sk, n_sk,
            v.n_pass ? v.pass[i] : NULL, &r);
        if (strcmp(r.outcome, "success") == 0)
            break;
    }
    /* armor that decodes is found by age_decrypt itself, with the same result */
    if (decoded) {
        run_vector(in, in_len, sk, n_sk, v.n_pass ? v.pass[i < v.n_pass ? i : v.n_pass - 1] : NULL,
            &whole);
        if (strcmp(whole.outcome, r.outcome) != 0 || strcmp(whole.digest, r.digest) != 0) {
            snprintf(why, why_cap, "decoded, %s; as armored input, %s: %s", r.outcome,
                whole.outcome, whole.detail);
            goto out;
        }
    }
verdict:
    if (strcmp(r.outcome, want) != 0)
        snprintf(why, why_cap, "%s where %s was expected: %s", r.outcome, want, r.detail);
    else if (n_hybrid == 0 && v.payload[0] != '\0' && strcmp(v.payload, r.digest) != 0)
        snprintf(why, why_cap, "%s, but the %zu bytes released hash to %s, not %s", r.outcome,
            r.released, r.digest, v.payload);
    else if ((n_hybrid || v.payload[0] == '\0') && r.released != 0)
        snprintf(why, why_cap, "%s, but %zu bytes were released", r.outcome, r.released);
    else
        ok = true;
out:
    secmem_free(sk);
    free(decoded);
    free(inflated);
    free(raw);
    return ok;
}

static int
by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file of the testkit, in name order: each gives its expected outcome, or the test names it. */
static void
test_cctv_vectors(void **state)
{
    char           dir[4096], why[640], *names[512];
    DIR           *d;
    struct dirent *e;
    size_t         n = 0, i, j, failed = 0, hybrid_seen = 0;

    snprintf(dir, sizeof dir, "%s/age-C2SP-CCTV/testdata", vectors_dir());
    if ((d = opendir(dir)) == NULL)
        fail_msg("cannot open %s", dir);
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.') {
            assert_true(n < sizeof names / sizeof names[0]);
            names[n++] = strdup(e->d_name);
        }
    closedir(d);
    qsort(names, n, sizeof names[0], by_name);
    /* the testkit as the vectors' SHA256SUMS lists it: 143 files */
    assert_int_equal(n, 143);
    for (i = 0; i < n; i++) {
        if (!check_vector(names[i], why, sizeof why)) {
            failed++;
            print_message("age vector %s: %s\n", names[i], why);
        }
        hybrid_seen += no_mlkem_outcome(names[i]) != NULL;
    }
    /* no stale entry: each vector okra cannot have the stated outcome for is in the testkit */
    for (j = 0; j < sizeof no_mlkem / sizeof no_mlkem[0]; j++) {
        for (i = 0; i < n && strcmp(names[i], no_mlkem[j].name) != 0; i++)
            ;
        if (i == n) {
            failed++;
            print_message("age vector %s (in no_mlkem[]) is not in the testkit\n", no_mlkem[j].name);
        }
    }
    print_message("age CCTV vectors: %zu of %zu as expected (%zu of them hybrid ML-KEM vectors, "
                  "held to no_mlkem[]), %zu not\n",
        n - failed, n, hybrid_seen, failed);
    for (i = 0; i < n; i++)
        free(names[i]);
    assert_int_equal(failed, 0);
}

/* ---- round trips ---- */

static const size_t sizes[]
    = { 0, 1, 2500, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK, 3 * CHUNK, 3 * CHUNK + 17 };

static size_t
expected_len(size_t hdr, size_t n)
{
    size_t chunks = n == 0 ? 1 : (n + CHUNK - 1) / CHUNK;

    return hdr + 16 + n + 16 * chunks;
}

/* The header's length: through the LF after "--- " and 43 characters. */
static size_t
header_len(const struct buf *b)
{
    uint8_t *mac = memmem(b->p, b->len, "\n--- ", 5);

    assert_non_null(mac);
    return (size_t)(mac - b->p) + 5 + 43 + 1;
}

/* A source that hands out a few bytes at a time. */
struct trickle {
    const uint8_t *p;
    size_t         len, off, step;
};

static long
trickle_read(void *ctx, uint8_t *buf, size_t cap)
{
    struct trickle *t = ctx;
    size_t          n = t->len - t->off;

    t->step = t->step % 7 + 1;
    if (n > t->step)
        n = t->step;
    if (n > cap)
        n = cap;
    memcpy(buf, t->p + t->off, n);
    t->off += n;
    return (long)n;
}

static void
test_roundtrip_x25519(void **state)
{
    uint8_t *sk = secmem_alloc(AGE_KEY_LEN), pk[AGE_KEY_LEN];
    size_t   i, off, step;

    randombytes_buf(sk, AGE_KEY_LEN);
    assert_int_equal(age_x25519_public(sk, pk), 0);
    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t                n = sizes[i];
        uint8_t              *plain = malloc(n + 1);
        struct buf            c1 = { 0 }, c2 = { 0 };
        struct age_writer    *w = NULL;
        struct age_identities ids = ids_one((const uint8_t(*)[AGE_KEY_LEN])sk);
        struct secbuf         out = { 0 };
        struct trickle        t;

        fill_pattern(plain, n, (uint32_t)n);
        /* one-shot */
        assert_int_equal(age_encrypt_x25519(pk, plain, n, buf_sink, &c1), 0);
        assert_int_equal(c1.len, expected_len(header_len(&c1), n));
        expect_plain(&ids, c1.p, c1.len, plain, n);
        /* the writer, fed in uneven pieces */
        assert_int_equal(age_writer_new_x25519(&w, pk, buf_sink, &c2), 0);
        for (off = 0, step = 1; off < n; off += step, step = step * 3 + 1) {
            if (step > n - off)
                step = n - off;
            assert_int_equal(age_writer_write(w, plain + off, step), 0);
        }
        assert_int_equal(age_writer_finish(w), 0);
        assert_int_not_equal(age_writer_write(w, plain, 1), 0);
        age_writer_free(w);
        assert_int_equal(c2.len, c1.len);
        expect_plain(&ids, c2.p, c2.len, plain, n);
        /* streaming decryption from a source that trickles */
        t = (struct trickle) { .p = c2.p, .len = c2.len };
        assert_int_equal(age_decrypt_stream(&ids, trickle_read, &t, age_sink_secbuf, &out), 0);
        assert_int_equal(out.len, n);
        if (n)
            assert_memory_equal(out.p, plain, n);
        secbuf_free(&out);
        free(c1.p);
        free(c2.p);
        free(plain);
    }
    secmem_free(sk);
}

static void
test_roundtrip_scrypt(void **state)
{
    char                 *pass = secmem_strndup("correct horse battery staple", 28);
    static const uint8_t  msg[] = "okra-share: 1\nvault: test\n";
    struct buf            c = { 0 }, c2 = { 0 };
    struct age_identities ids = { .passphrase = pass, .max_log_n = 12 };
    struct age_identities wrong = { .passphrase = "incorrect", .max_log_n = 12 };
    struct age_identities low = { .passphrase = pass, .max_log_n = 9 };
    struct age_writer    *w;
    struct hsink          h = { .n = 0 };

    assert_int_equal(age_encrypt_scrypt(pass, 10, msg, sizeof msg, buf_sink, &c), 0);
    assert_non_null(memmem(c.p, c.len, "\n-> scrypt ", 11));
    assert_non_null(memmem(c.p, c.len, " 10\n", 4));
    expect_plain(&ids, c.p, c.len, msg, sizeof msg);
    crypto_hash_sha256_init(&h.st);
    assert_int_equal(age_decrypt(&wrong, c.p, c.len, hash_sink, &h), -EKEYREJECTED);
    assert_int_equal(age_decrypt(&low, c.p, c.len, hash_sink, &h), -EINVAL);
    assert_non_null(strstr(okra_errmsg(), "work factor"));
    assert_int_equal(h.n, 0);
    /* an X25519-only caller gets a clear no */
    {
        uint8_t              *sk = secmem_alloc(AGE_KEY_LEN);
        struct age_identities xo = ids_one((const uint8_t(*)[AGE_KEY_LEN])sk);

        randombytes_buf(sk, AGE_KEY_LEN);
        assert_int_equal(age_decrypt(&xo, c.p, c.len, hash_sink, &h), -EKEYREJECTED);
        secmem_free(sk);
    }
    assert_int_equal(age_writer_new_scrypt(&w, pass, 10, buf_sink, &c2), 0);
    assert_int_equal(age_writer_write(w, msg, sizeof msg), 0);
    assert_int_equal(age_writer_finish(w), 0);
    age_writer_free(w);
    expect_plain(&ids, c2.p, c2.len, msg, sizeof msg);
    /* bad parameters */
    assert_int_equal(age_encrypt_scrypt("", 10, msg, 1, buf_sink, &c), -EINVAL);
    assert_int_equal(age_encrypt_scrypt(pass, 23, msg, 1, buf_sink, &c), -EINVAL);
    assert_int_equal(age_encrypt_scrypt(pass, -1, msg, 1, buf_sink, &c), -EINVAL);
    free(c.p);
    free(c2.p);
    secmem_free(pass);
}

static void
test_failures(void **state)
{
    uint8_t(*sk)[AGE_KEY_LEN] = secmem_alloc(2 * AGE_KEY_LEN);
    uint8_t               pk[AGE_KEY_LEN], *plain;
    size_t                n = 3 * CHUNK + 100, cut, hl;
    struct buf            c = { 0 };
    struct age_identities ids = ids_one((const uint8_t(*)[AGE_KEY_LEN])sk + 1);
    struct age_identities other = ids_one((const uint8_t(*)[AGE_KEY_LEN])sk);
    struct age_identities both = { .x25519 = (const uint8_t(*)[AGE_KEY_LEN])sk, .n_x25519 = 2 };
    struct age_identities none = { 0 };
    struct hsink          h;

    randombytes_buf(sk, 2 * AGE_KEY_LEN);
    assert_int_equal(age_x25519_public(sk[1], pk), 0);
    plain = malloc(n);
    fill_pattern(plain, n, 7);
    assert_int_equal(age_encrypt_x25519(pk, plain, n, buf_sink, &c), 0);
    hl = header_len(&c);
    crypto_hash_sha256_init(&h.st);
    h.n = 0;

    /* another identity: no match, nothing released */
    assert_int_equal(age_decrypt(&other, c.p, c.len, hash_sink, &h), -EKEYREJECTED);
    assert_int_equal(h.n, 0);
    assert_int_equal(age_decrypt(&none, c.p, c.len, hash_sink, &h), -EINVAL);
    /* the matching identity second in the list */
    expect_plain(&both, c.p, c.len, plain, n);

    /* a flipped payload byte in the second chunk: the first chunk only */
    c.p[hl + 16 + CHUNK + 16 + 5] ^= 1;
    assert_int_equal(age_decrypt(&ids, c.p, c.len, hash_sink, &h), -EBADMSG);
    assert_int_equal(h.n, CHUNK);
    c.p[hl + 16 + CHUNK + 16 + 5] ^= 1;
    /* a flipped header byte (in the stanza body): the MAC or the unwrap fails */
    c.p[hl - 50] ^= 1;
    assert_int_not_equal(age_decrypt(&ids, c.p, c.len, hash_sink, &h), 0);
    c.p[hl - 50] ^= 1;
    /* a flipped payload nonce */
    c.p[hl + 3] ^= 1;
    h.n = 0;
    assert_int_equal(age_decrypt(&ids, c.p, c.len, hash_sink, &h), -EBADMSG);
    assert_int_equal(h.n, 0);
    c.p[hl + 3] ^= 1;
    /* truncated anywhere: never success, never the whole plaintext */
    for (cut = 0; cut < c.len; cut += cut < hl + 40 ? 1 : 997) {
        h.n = 0;
        assert_int_not_equal(age_decrypt(&ids, c.p, cut, hash_sink, &h), 0);
        assert_true(h.n < n);
    }
    /* trailing data */
    buf_sink(&c, (const uint8_t *)"x", 1);
    assert_int_equal(age_decrypt(&ids, c.p, c.len, hash_sink, &h), -EBADMSG);
    c.len--;
    expect_plain(&ids, c.p, c.len, plain, n);
    /* not age at all */
    assert_int_equal(age_decrypt(&ids, (const uint8_t *)"hello\n", 6, hash_sink, &h), -EINVAL);
    assert_int_equal(age_decrypt(&ids, (const uint8_t *)"", 0, hash_sink, &h), -EINVAL);
    free(plain);
    free(c.p);
    secmem_free(sk);
}

static void
test_looks_like(void **state)
{
    assert_true(age_looks_like((const uint8_t *)"age-encryption.org/v1\n", 22));
    assert_true(age_looks_like((const uint8_t *)"\n -----BEGIN AGE ENCRYPTED FILE-----\n", 37));
    assert_false(age_looks_like((const uint8_t *)"-----BEGIN PGP MESSAGE-----\n", 28));
    assert_false(age_looks_like((const uint8_t *)"age", 3));
    assert_false(age_looks_like(NULL, 0));
}

/* A sink that fails after some calls: the error comes back. */
static int
failing_sink(void *ctx, const uint8_t *p, size_t n)
{
    int *left = ctx;

    return (*left)-- > 0 ? 0 : -ENOSPC;
}

static void
test_sink_errors(void **state)
{
    uint8_t           *sk = secmem_alloc(AGE_KEY_LEN), pk[AGE_KEY_LEN];
    uint8_t           *plain = calloc(1, 2 * CHUNK + 1);
    struct age_writer *w = NULL;
    int                left;

    randombytes_buf(sk, AGE_KEY_LEN);
    assert_int_equal(age_x25519_public(sk, pk), 0);
    left = 0;
    assert_int_equal(age_encrypt_x25519(pk, plain, 10, failing_sink, &left), -ENOSPC);
    left = 1;
    assert_int_equal(age_encrypt_x25519(pk, plain, 2 * CHUNK + 1, failing_sink, &left), -ENOSPC);
    left = 0;
    assert_int_equal(age_writer_new_x25519(&w, pk, failing_sink, &left), -ENOSPC);
    left = 1;
    assert_int_equal(age_writer_new_x25519(&w, pk, failing_sink, &left), 0);
    assert_int_equal(age_writer_write(w, plain, 2 * CHUNK), -ENOSPC);
    assert_int_equal(age_writer_finish(w), -ENOSPC);
    age_writer_free(w);
    age_writer_free(NULL);
    free(plain);
    secmem_free(sk);
}

/* Per-thread scratch and parked writer blocks: used, then freed at thread exit. */
static void *
thread_work(void *arg)
{
    const uint8_t        *pk = arg, *sk = (const uint8_t *)arg + AGE_KEY_LEN;
    struct age_identities ids = ids_one((const uint8_t(*)[AGE_KEY_LEN])sk);
    uint8_t               plain[3000];
    struct buf            c = { 0 };
    struct secbuf         out = { 0 };
    struct age_writer    *w;
    int                   i, bad = 0;

    fill_pattern(plain, sizeof plain, 3);
    for (i = 0; i < 20; i++) {
        c.len = 0;
        if (i % 2 == 0)
            bad |= age_encrypt_x25519(pk, plain, sizeof plain, buf_sink, &c);
        else
            bad |= age_writer_new_x25519(&w, pk, buf_sink, &c) || age_writer_write(w, plain, 100)
                || age_writer_write(w, plain + 100, sizeof plain - 100) || age_writer_finish(w);
        if (i % 2)
            age_writer_free(w);
        out.len = 0;
        bad |= age_decrypt(&ids, c.p, c.len, age_sink_secbuf, &out);
        bad |= out.len != sizeof plain || memcmp(out.p, plain, sizeof plain) != 0;
    }
    secbuf_free(&out);
    free(c.p);
    return bad ? arg : NULL;
}

static void
test_threads(void **state)
{
    uint8_t  *keys = secmem_alloc(2 * AGE_KEY_LEN);
    pthread_t t[3];
    void     *ret;
    int       i;

    randombytes_buf(keys + AGE_KEY_LEN, AGE_KEY_LEN);
    assert_int_equal(age_x25519_public(keys + AGE_KEY_LEN, keys), 0);
    for (i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_work, keys), 0);
    for (i = 0; i < 3; i++) {
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_null(ret);
    }
    secmem_free(keys);
}

/* ---- stock age ---- */

static bool
have_tools(void)
{
    return system("command -v age >/dev/null 2>&1 && command -v age-keygen >/dev/null 2>&1") == 0;
}

static char *
slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *p;
    long  n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    p = malloc((size_t)n + 1);
    assert_non_null(p);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return p;
}

static void
spit(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");

    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* The line of path that starts with prefix, into out. */
static void
find_line(const char *path, const char *prefix, char *out, size_t cap)
{
    size_t len;
    char  *s = slurp(path, &len), *p = strstr(s, prefix), *e;

    assert_non_null(p);
    e = strchr(p, '\n');
    if (e)
        *e = '\0';
    snprintf(out, cap, "%s", p);
    sodium_memzero(s, len);
    free(s);
}

static void
test_stock_age(void **state)
{
    char                  dir[] = "/tmp/okra-age-test-XXXXXX", cmd[1024], path[512], rcpt[128];
    char                 *id = secmem_alloc(AGE_IDENTITY_MAX);
    uint8_t              *sk = secmem_alloc(AGE_KEY_LEN), pk[AGE_KEY_LEN];
    char                  r[AGE_RECIPIENT_MAX];
    struct age_identities ids = ids_one((const uint8_t(*)[AGE_KEY_LEN])sk);
    size_t                i, len;

    if (!have_tools())
        unit_skip("stock age and age-keygen are not on PATH: interop not checked");
    assert_non_null(mkdtemp(dir));
    snprintf(cmd, sizeof cmd, "age-keygen -o %s/key 2>/dev/null", dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/key", dir);
    find_line(path, "AGE-SECRET-KEY-1", id, AGE_IDENTITY_MAX);
    assert_int_equal(age_identity_parse(id, sk), 0);
    /* our public key is age-keygen -y's */
    snprintf(cmd, sizeof cmd, "age-keygen -y %s/key > %s/pub", dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/pub", dir);
    find_line(path, "age1", rcpt, sizeof rcpt);
    assert_int_equal(age_x25519_public(sk, pk), 0);
    assert_int_equal(age_recipient_format(pk, r), 0);
    assert_string_equal(r, rcpt);

    for (i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        size_t     n = sizes[i];
        uint8_t   *plain = malloc(n + 1);
        struct buf c = { 0 };
        char      *back;

        fill_pattern(plain, n, (uint32_t)(n + 99));
        spit(strcat(strcpy(path, dir), "/plain"), plain, n);
        /* okra -> age -d */
        assert_int_equal(age_encrypt_x25519(pk, plain, n, buf_sink, &c), 0);
        spit(strcat(strcpy(path, dir), "/okra.age"), c.p, c.len);
        snprintf(cmd, sizeof cmd, "age -d -i %s/key %s/okra.age > %s/out", dir, dir, dir);
        assert_int_equal(system(cmd), 0);
        back = slurp(strcat(strcpy(path, dir), "/out"), &len);
        assert_int_equal(len, n);
        if (n)
            assert_memory_equal(back, plain, n);
        free(back);
        /* age -r -> okra, binary and armored */
        snprintf(cmd, sizeof cmd,
            "age -r %s %s/plain > %s/stock.age && age -a -r %s %s/plain > %s/stock.asc", rcpt, dir,
            dir, rcpt, dir, dir);
        assert_int_equal(system(cmd), 0);
        free(c.p);
        c.p = (uint8_t *)slurp(strcat(strcpy(path, dir), "/stock.age"), &c.len);
        expect_plain(&ids, c.p, c.len, plain, n);
        free(c.p);
        c.p = (uint8_t *)slurp(strcat(strcpy(path, dir), "/stock.asc"), &c.len);
        expect_plain(&ids, c.p, c.len, plain, n);
        free(c.p);
        free(plain);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    secmem_free(id);
    secmem_free(sk);
}

/*
 * Runs argv on a new terminal (stock age reads a passphrase only from one),
 * waits for its prompt, types answer and a newline, and returns its exit
 * status. Whatever it prints after the prompt is read and dropped. A child
 * that shows no prompt within 60 seconds fails the test.
 */
static int
answer_on_tty(char *const argv[], const char *prompt, const char *answer)
{
    char          seen[4096];
    size_t        n = 0;
    bool          asked = false;
    int           master, status;
    pid_t         pid = forkpty(&master, NULL, NULL, NULL);
    struct pollfd p;

    assert_true(pid >= 0);
    if (pid == 0) {
        execvp(argv[0], argv);
        _exit(127);
    }
    p = (struct pollfd) { .fd = master, .events = POLLIN };
    for (;;) {
        ssize_t got;

        if (poll(&p, 1, 60000) != 1) {
            kill(pid, SIGKILL);
            fail_msg("%s showed no '%s' prompt in 60 s (it printed: %.*s)", argv[0], prompt,
                (int) n, seen);
        }
        if ((got = read(master, seen + n, sizeof seen - 1 - n)) <= 0)
            break; /* EIO: the child closed the terminal */
        n += (size_t) got;
        seen[n] = '\0';
        if (!asked && strstr(seen, prompt)) {
            assert_int_equal(write(master, answer, strlen(answer)), (ssize_t) strlen(answer));
            assert_int_equal(write(master, "\n", 1), 1);
            asked = true;
        }
        if (n > sizeof seen / 2) { /* keep the tail, where a prompt would be */
            memmove(seen, seen + n - 256, 256);
            n = 256;
        }
    }
    close(master);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!asked)
        fail_msg("%s ended without asking '%s' (it printed: %s)", argv[0], prompt, seen);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* okra's scrypt share files open with stock age, which asks the passphrase on a terminal. */
static void
test_stock_age_scrypt(void **state)
{
    char                 dir[] = "/tmp/okra-age-test-XXXXXX", cmd[1024], in[512], out[512];
    static const uint8_t msg[] = "okra-share: 1\nmnemonic: academic acid acrobat\n";
    struct buf           c = { 0 };
    char                *back;
    size_t               len;

    if (!have_tools())
        unit_skip("stock age is not on PATH: scrypt interop not checked");
    assert_non_null(mkdtemp(dir));
    assert_int_equal(age_encrypt_scrypt("hunter2 hunter2", 10, msg, sizeof msg, buf_sink, &c), 0);
    spit(strcat(strcpy(in, dir), "/share.age"), c.p, c.len);
    strcat(strcpy(out, dir), "/out");
    assert_int_equal(answer_on_tty((char *[]) { "age", "-d", "-o", out, in, NULL }, "passphrase",
                         "hunter2 hunter2"),
        0);
    back = slurp(out, &len);
    assert_int_equal(len, sizeof msg);
    assert_memory_equal(back, msg, sizeof msg);
    free(back);
    free(c.p);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bech32_bip173),
        cmocka_unit_test(test_bech32_roundtrip),
        cmocka_unit_test(test_keys_spec_example),
        cmocka_unit_test(test_hkdf),
        cmocka_unit_test(test_ephemeral_base),
        cmocka_unit_test(test_ephemeral_pool),
        cmocka_unit_test(test_keys_roundtrip),
        cmocka_unit_test(test_cctv_vectors),
        cmocka_unit_test(test_roundtrip_x25519),
        cmocka_unit_test(test_roundtrip_scrypt),
        cmocka_unit_test(test_failures),
        cmocka_unit_test(test_looks_like),
        cmocka_unit_test(test_sink_errors),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_stock_age),
        cmocka_unit_test(test_stock_age_scrypt),
    };

    return cmocka_run_group_tests_name("age", tests, setup, NULL);
}
