/*
 * unit.h: what every cmocka unit test includes.
 *
 * Tests run from the project's root; outside vectors are read from
 * tests/vectors (their sources and licences are in tests/vectors/SOURCES.md),
 * or from $OKRA_VECTORS when it names another copy.
 */
#ifndef OKRA_UNIT_H
#define OKRA_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/secmem.h"

/* The folder of external vectors; fails the test when it is missing. */
static inline const char *
vectors_dir(void)
{
    const char *d = getenv("OKRA_VECTORS");

    if (d == NULL || *d == '\0')
        d = "tests/vectors";
    return d;
}

/* Reads VECTORS/rel into malloc'd memory (NUL-terminated); the test fails if it cannot. */
static inline uint8_t *
read_vector(const char *rel, size_t *len)
{
    char     path[4096];
    FILE    *f;
    uint8_t *buf;
    long     n;

    snprintf(path, sizeof path, "%s/%s", vectors_dir(), rel);
    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open vector %s", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = 0;
    fclose(f);
    if (len)
        *len = (size_t) n;
    return buf;
}

#endif
