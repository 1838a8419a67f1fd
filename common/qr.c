/* qr.c: QR codes through libqrencode. */
#include "common/qr.h"
#include "common/err.h"

#include <limits.h>
#include <qrencode.h>

int
qr_encode(const char *text, size_t len, struct qr *ret)
{
    QRcode *c;

    if (len > INT_MAX)
        return okra_fail(-EINVAL, "too long for a QR code");
    errno = 0;
    c = QRcode_encodeData((int) len, (const unsigned char *) text, 0, QR_ECLEVEL_M);
    if (c == NULL)
        return errno == ENOMEM ? okra_fail(-ENOMEM, "out of memory")
                               : okra_fail(-EINVAL, "%zu bytes do not fit in a QR code", len);
    ret->width = c->width;
    ret->modules = c->data;
    ret->code = c;
    return 0;
}

void
qr_free(struct qr *q)
{
    if (q->code)
        QRcode_free(q->code);
    q->code = NULL;
    q->modules = NULL;
    q->width = 0;
}
