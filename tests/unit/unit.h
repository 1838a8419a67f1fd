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

/* Reads a file into malloc'd memory (NUL-terminated); the test fails if it cannot. */
static inline uint8_t *
unit_read_file(const char *path, size_t *len)
{
    FILE    *f;
    uint8_t *buf;
    long     n;

    f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
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

/* Reads VECTORS/rel likewise. */
static inline uint8_t *
read_vector(const char *rel, size_t *len)
{
    char path[4096];

    snprintf(path, sizeof path, "%s/%s", vectors_dir(), rel);
    return unit_read_file(path, len);
}

/*
 * Skips the running test, saying why: on stdout, and as a line of
 * $OKRA_SKIP_LOG (the kind, the build, the program, the reason) that make
 * check counts. unit_skip: a test this machine could run (a tool missing,
 * root needed); run as root, such a skip fails make check. unit_skip_na: one
 * that cannot apply here (the build: ASan, valgrind; the running kernel
 * lacks what it needs, and okra loads no modules). run-unit also counts a
 * cmocka skip that gave no reason, as the first kind.
 */
#define unit_skip(...) unit_skip_at("could", __FILE__, __VA_ARGS__)
#define unit_skip_na(...) unit_skip_at("n/a", __FILE__, __VA_ARGS__)
static inline void __attribute__((format(printf, 3, 4)))
unit_skip_at(const char *kind, const char *file, const char *fmt, ...)
{
    const char *log = getenv("OKRA_SKIP_LOG"), *mode = getenv("OKRA_SKIP_MODE");
    const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
    char        why[512];
    va_list     ap;
    FILE       *f;

    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    print_message("skipped: %s\n", why);
    if (log && *log && (f = fopen(log, "a")) != NULL) {
        fprintf(f, "%s\t%s\t%.*s\t%s\n", kind, mode && *mode ? mode : "plain",
            (int) (strlen(base) > 2 ? strlen(base) - 2 : strlen(base)), base, why);
        fclose(f);
    }
    skip();
}

#endif
