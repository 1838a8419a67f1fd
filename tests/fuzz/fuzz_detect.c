/*
 * fuzz_detect.c: detection on outside bytes, whole and as the head of a
 * larger file, with and without an .epf name. A file it does not take must
 * come with a reason; one it takes must have a manifest name.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "formats/formats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct fmt_detect *d)
{
    if (d->kind == FMT_NONE ? d->why[0] == '\0' : d->name == NULL)
        abort();
    /* okra inspects PKCS #12, PEM and DER keys; the rest it seals as they are */
    bool opens = d->kind == FMT_PKCS12 || d->kind == FMT_PEM || d->kind == FMT_DER_KEY;
    if (d->kind != FMT_NONE && opens != d->inspectable)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fmt_detect d;

    fmt_detect(data, size, size, &d);
    check(&d);
    fmt_detect(data, size, (uint64_t)size + 4096, &d);
    check(&d);
    fmt_detect_named(data, size, size, "profile.EPF", &d);
    check(&d);
    if (size > 8) {
        fmt_detect(data, size / 2, size, &d);
        check(&d);
    }
    return 0;
}
