/*
 * fuzz_manifest.c: MANIFEST.json through the streaming reader, fed in uneven
 * pieces; whatever it accepts must be what jansson accepts of each value.
 */
#include "vault/manifest.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
on_field(void *ctx, const char *key, json_t *value)
{
    struct manifest_head *h = ctx;

    (void) vault_manifest_head_field(h, key, value);
    return 0;
}

static int
on_item(void *ctx, json_t *item, uint32_t index)
{
    (void) ctx;
    if (!json_is_object(item) || index == 0)
        abort();
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct manifest_head    head = { 0 };
    struct manifest_cb      cb = { on_field, on_item, &head };
    struct manifest_reader *r;
    size_t                  off = 0, step = size ? (data[0] % 7) + 1 : 1;

    if (vault_manifest_reader_new(&cb, &r) < 0)
        return 0;
    while (off < size) {
        size_t n = size - off < step ? size - off : step;

        if (vault_manifest_reader_feed(r, data + off, n) < 0)
            break;
        off += n;
    }
    if (off == size && vault_manifest_reader_finish(r) == 0)
        (void) vault_manifest_head_check(&head);
    vault_manifest_reader_free(r);
    return 0;
}
