/*
 * qr.h: a QR code of some text (libqrencode, byte mode, error correction
 * level M, the smallest version that holds it), as a square of modules. The
 * printed record and 'okra checkpoint --qr' draw the same code with it.
 */
#ifndef OKRA_QR_H
#define OKRA_QR_H

#include <stdbool.h>
#include <stddef.h>

struct qr {
    int            width;   /* modules per side, without the quiet zone */
    unsigned char *modules; /* width * width, row by row; bit 0 set: dark */
    void          *code;    /* libqrencode's, freed by qr_free */
};

/* The quiet zone a reader needs around the code, in modules. */
#define QR_QUIET 4

/* 0, or -EINVAL when the text does not fit in a QR code (the reason says), -ENOMEM. */
int  qr_encode(const char *text, size_t len, struct qr *ret);
void qr_free(struct qr *q);

static inline bool
qr_dark(const struct qr *q, int x, int y)
{
    return x >= 0 && y >= 0 && x < q->width && y < q->width && (q->modules[y * q->width + x] & 1);
}

#endif
