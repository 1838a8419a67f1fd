/*
 * keystore.c: key files okra names but does not open, sealed as they are.
 *
 *   Java KeyStores: JKS starts with the magic 0xFEEDFEED and version 1 or 2,
 *   JCEKS with 0xCECECECE and version 2, then a count of entries (all big
 *   endian), and ends with a 20-byte SHA-1 over the password and the store.
 *   They hold private keys, so they are sealed by default, named as what
 *   they are, with the keytool command that turns one into PKCS #12 (which
 *   okra inspects).
 *   OpenSSH private keys and OpenPGP secret keys (armoured, or a binary
 *   secret-key packet) are named and refused unless the officer declares
 *   them (import --as opaque): then sealed as they are.
 */
#include "formats/fmt_internal.h"

#include <stdio.h>
#include <string.h>

#define KEYSTORE_MIN (12 + 20) /* magic, version, count; the closing digest */

static uint32_t
be32(const uint8_t *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

bool
fmt_detect_keystore(const uint8_t *data, size_t len, uint64_t file_size, struct fmt_detect *ret)
{
    uint32_t magic, version;

    if (len < 12 || file_size < KEYSTORE_MIN)
        return false;
    magic = be32(data);
    version = be32(data + 4);
    if (!((magic == 0xFEEDFEEDu && (version == 1 || version == 2)) ||
          (magic == 0xCECECECEu && version == 2)))
        return false;
    ret->kind = FMT_KEYSTORE;
    ret->name = magic == 0xFEEDFEEDu ? "jks" : "jceks";
    ret->password = false;
    ret->inspectable = false;
    ret->why[0] = '\0';
    return true;
}

/*
 * A binary OpenPGP secret-key packet (tag 5, RFC 4880 4.2): an old-format
 * header 0x94..0x97 or the new-format 0xC5, a length that fits the file,
 * then key version 3, 4, 5 or 6.
 */
bool
fmt_looks_pgp_secret(const uint8_t *data, size_t len, uint64_t file_size)
{
    size_t   hdr, body;
    uint8_t  b0;

    if (len < 8)
        return false;
    b0 = data[0];
    if (b0 >= 0x94 && b0 <= 0x97) {
        int l = b0 & 3;

        if (l == 3)
            return false; /* indeterminate: not for a key */
        hdr = 1 + ((size_t) 1 << l);
        body = l == 0 ? data[1] : l == 1 ? (size_t) data[1] << 8 | data[2] : be32(data + 1);
    } else if (b0 == 0xC5) {
        if (data[1] < 192)
            hdr = 2, body = data[1];
        else if (data[1] < 224)
            hdr = 3, body = ((size_t) (data[1] - 192) << 8) + data[2] + 192;
        else if (data[1] == 255)
            hdr = 6, body = be32(data + 2);
        else
            return false;
    } else {
        return false;
    }
    return body >= 8 && hdr + body <= file_size && data[hdr] >= 3 && data[hdr] <= 6;
}

void
fmt_detect_opaque_key(const uint8_t *data, size_t len, uint64_t file_size, const char *name,
                      struct fmt_detect *ret)
{
    fmt_detect_named(data, len, file_size, name, ret);
    if (ret->kind != FMT_NONE)
        return;
    if (ret->opaque_name == NULL) {
        size_t n = strlen(ret->why);

        snprintf(ret->why + n, sizeof ret->why - n,
                 "; --as opaque takes only OpenSSH and OpenPGP secret keys");
        return;
    }
    ret->kind = FMT_OPAQUE;
    ret->name = ret->opaque_name;
    ret->password = false;
    ret->inspectable = false;
    ret->why[0] = '\0';
}

void
fmt_opaque_note(const struct fmt_detect *d, const char *file, char *buf, size_t size)
{
    const char *base = strrchr(file, '/');
    size_t      stem;

    static const char *const exts[] = { ".jks", ".jceks", ".ks", ".keystore" };
    size_t                   i;

    base = base ? base + 1 : file;
    stem = strlen(base);
    /* the PKCS #12's name: the store's, without its extension */
    for (i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (stem > strlen(exts[i]) && strcmp(base + stem - strlen(exts[i]), exts[i]) == 0) {
            stem -= strlen(exts[i]);
            break;
        }
    switch (d->kind) {
    case FMT_KEYSTORE:
        snprintf(buf, size,
                 "a Java KeyStore (%s), which okra seals as it is without opening it; "
                 "'keytool -importkeystore -srckeystore %s -srcstoretype %s -destkeystore "
                 "%.*s.p12 -deststoretype PKCS12' makes a PKCS #12 of it for okra to inspect",
                 strcmp(d->name, "jks") == 0 ? "JKS" : "JCEKS", base,
                 strcmp(d->name, "jks") == 0 ? "JKS" : "JCEKS", (int) stem, base);
        break;
    case FMT_OPAQUE:
        snprintf(buf, size, "%s, which okra seals as it is without opening it (--as opaque)",
                 strcmp(d->name, "openssh") == 0 ? "an OpenSSH private key"
                                                 : "an OpenPGP secret key");
        break;
    case FMT_EPF:
    case FMT_KMS:
        snprintf(buf, size, "%s files cannot be opened (no public specification); sealed as they "
                            "are", d->name);
        break;
    default:
        snprintf(buf, size, "%s", "");
        break;
    }
}
