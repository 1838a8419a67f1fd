/*
 * inspect.c: fmt_inspect, the one entry point that opens an export file.
 *
 * Each format is opened into a struct fmt_contents; the manifest's record
 * and the opened PKCS #12 are then made from that, the same way for all.
 * Safe on several threads at once: OpenSSL objects are per call, the
 * providers and digests shared ones set up once (provider.c).
 */
#include "formats/fmt_internal.h"

#include <string.h>

#include "common/err.h"

static int
open_contents(const uint8_t *data, size_t len, const struct fmt_detect *d, const char *password,
    struct fmt_contents *c)
{
    switch (d->kind) {
    case FMT_PKCS12:
        return fmt_p12_open(data, len, password, c);
    case FMT_PEM:
        return fmt_pem_open(data, len, password, c);
    case FMT_DER_KEY:
        return fmt_der_open(data, len, d, password, c);
    case FMT_EPF:
        return okra_fail(-EINVAL,
            "an Entrust/Outlook profile (.epf) cannot be opened: its "
            "format is not public; it is sealed as it is");
    case FMT_KMS:
        return okra_fail(-EINVAL,
            "an Exchange KMS export cannot be opened: its format is not "
            "public; it is sealed as it is");
    case FMT_KEYSTORE:
    case FMT_OPAQUE: {
        char note[512];

        fmt_opaque_note(d, "FILE", note, sizeof note);
        return okra_fail(-EINVAL, "%s", note);
    }
    default:
        return okra_fail(-EINVAL, "%s", d->why[0] ? d->why : "not an export file");
    }
}

int
fmt_inspect(const uint8_t *data, size_t len, const struct fmt_detect *d, const char *password,
    struct fmt_info *ret_info, struct secbuf *ret_opened)
{
    struct fmt_contents c;
    struct fmt_detect   own;
    int                 rc;

    memset(ret_info, 0, sizeof *ret_info);
    if ((rc = fmt_init()) < 0)
        return rc;
    if (d == NULL) {
        fmt_detect(data, len, len, &own);
        d = &own;
    }
    memset(&c, 0, sizeof c);
    rc = open_contents(data, len, d, password, &c);
    if (rc == 0 || rc == -ENOKEY)
        rc = fmt_contents_info(&c, ret_info);
    if (rc == 0 && ret_opened != NULL)
        rc = fmt_contents_opened(&c, ret_opened);
    if (rc < 0 && rc != -ENOKEY)
        fmt_info_free(ret_info);
    fmt_contents_free(&c);
    fmt_clear_openssl_errors();
    return rc;
}
