/*
 * fuzz_reader_stream.c: the reader child's records as okra parses them
 * (wire.c), from outside bytes: a child taken over by a hostile image can
 * send anything. Each record is decoded and held to the walk's order and
 * limits; what passes must be what the checks promise.
 */
#include "mediawatch/reader/rd_internal.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
promised(const struct rd_record *r)
{
    if (r->type == RD_FILE) {
        if (r->path == NULL || r->path[0] == '\0' || r->path[0] == '/' ||
            strlen(r->path) > MW_READER_PATH_MAX || strstr(r->path, "//") != NULL)
            abort();
    }
    if (r->type == RD_DATA && (r->len == 0 || r->len > RD_DATA_MAX))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t      payload[RD_RECORD_MAX + 1];
    struct mw_read_opts o = { 1u << 20, 4, 50, size > 0 && data[0] == 0xff, NULL };
    struct rd_state     st;
    size_t              at = 0;

    rd_state_init(&st, &o);
    while (size - at >= RD_HEADER) {
        size_t           len = (size_t) data[at + 4] | (size_t) data[at + 5] << 8 |
                     (size_t) data[at + 6] << 16 | (size_t) data[at + 7] << 24;
        struct rd_record rec;

        if (len > RD_RECORD_MAX || len > size - at - RD_HEADER)
            break;
        memcpy(payload, data + at + RD_HEADER, len);
        at += RD_HEADER + len;
        if (rd_decode((enum rd_type) data[at - len - RD_HEADER], payload, len, &rec) < 0)
            break;
        if (rd_check(&st, &rec) < 0)
            break;
        promised(&rec);
        if (rec.type == RD_SKIP)
            free(rd_skip_text(&rec));
        if (rec.type == RD_FAIL)
            free(rd_fail_text(&rec));
        if (st.files > o.max_entries || st.entries > o.max_entries * MW_READER_VISIT_FACTOR + 16)
            abort();
    }
    return 0;
}
