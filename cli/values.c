/* values.c: counts, sizes and dates given to options, checked whole. */
#include "cli/values.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


/* Digits only, without overflow: 0, or -1. *end is left at the first non-digit. */
static int
digits(const char *s, const char **end, uint64_t *ret)
{
    uint64_t n = 0;

    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned) (*s - '0');

        if (n > (UINT64_MAX - d) / 10)
            return -1;
        n = n * 10 + d;
    }
    *end = s;
    *ret = n;
    return 0;
}

int
cli_value_count(struct cli *cli, int key, const char *text, uint64_t lo, uint64_t hi,
                uint64_t *ret)
{
    const char *end;
    uint64_t    n;
    char        form[96];

    if (digits(text, &end, &n) == 0 && *end == '\0' && n >= lo && n <= hi) {
        *ret = n;
        return 0;
    }
    if (hi >= (uint64_t) INT64_MAX)
        snprintf(form, sizeof form, "a whole number, %llu or more", (unsigned long long) lo);
    else
        snprintf(form, sizeof form, "a whole number from %llu to %llu", (unsigned long long) lo,
                 (unsigned long long) hi);
    return cli_bad_value(cli, key, text, form);
}

int
cli_value_parse_size(const char *text, uint64_t *ret)
{
    const char *end;
    uint64_t    n;
    unsigned    shift = 0;

    if (digits(text, &end, &n) < 0)
        return -1;
    switch (*end) {
    case 'G': case 'g': shift = 30; end++; break;
    case 'M': case 'm': shift = 20; end++; break;
    case 'K': case 'k': shift = 10; end++; break;
    default: break;
    }
    if (shift && *end == 'i')
        end++;
    if (*end == 'B')
        end++;
    if (*end != '\0' || n == 0 || (shift && n > (UINT64_MAX >> shift)))
        return -1;
    *ret = n << shift;
    return 0;
}

int
cli_value_size(struct cli *cli, int key, const char *text, uint64_t *ret)
{
    if (cli_value_parse_size(text, ret) == 0)
        return 0;
    return cli_bad_value(cli, key, text,
                         "a size in bytes, a whole number from 1, optionally with K, M or G "
                         "(e.g. 256M)");
}

/* Exactly n digits at s, as a number; -1 otherwise. */
static int
fixed(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static bool
leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in(int y, int m)
{
    static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

    return m == 2 && leap(y) ? 29 : d[m - 1];
}

/* The time part after 'T': HH:MM:SS[.frac](Z|+HH:MM|-HH:MM); its offset east of UTC in seconds. */
static int
time_part(const char *s, struct tm *tm, long *offset)
{
    int oh, om;

    tm->tm_hour = fixed(s, 2);
    tm->tm_min = fixed(s + 3, 2);
    tm->tm_sec = fixed(s + 6, 2);
    if (s[2] != ':' || s[5] != ':' || tm->tm_hour < 0 || tm->tm_hour > 23 || tm->tm_min < 0 ||
        tm->tm_min > 59 || tm->tm_sec < 0 || tm->tm_sec > 59)
        return -1;
    s += 8;
    if (*s == '.') {
        if (s[1] < '0' || s[1] > '9')
            return -1;
        for (s++; *s >= '0' && *s <= '9'; s++)
            ;
    }
    if ((*s == 'Z' || *s == 'z') && s[1] == '\0') {
        *offset = 0;
        return 0;
    }
    if ((*s != '+' && *s != '-') || (oh = fixed(s + 1, 2)) < 0 || s[3] != ':' ||
        (om = fixed(s + 4, 2)) < 0 || s[6] != '\0' || oh > 23 || om > 59)
        return -1;
    *offset = (*s == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    return 0;
}

int
cli_value_parse_date(const char *text, char ret[CLI_DATE_LEN])
{
    struct tm tm = { 0 };
    char      out[64];
    long      offset = 0;
    time_t    t;
    int       y = fixed(text, 4), m, d;

    if (y < 1 || text[4] != '-' || (m = fixed(text + 5, 2)) < 1 || m > 12 || text[7] != '-' ||
        (d = fixed(text + 8, 2)) < 1 || d > days_in(y, m))
        return -1;
    if (text[10] != '\0' && !((text[10] == 'T' || text[10] == 't' || text[10] == ' ') &&
                              time_part(text + 11, &tm, &offset) == 0))
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    t = timegm(&tm) - offset;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 1)
        return -1;
    /* every field is in range here, so the text is exactly CLI_DATE_LEN - 1 characters */
    snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    memcpy(ret, out, CLI_DATE_LEN - 1);
    ret[CLI_DATE_LEN - 1] = '\0';
    return 0;
}

int
cli_value_date(struct cli *cli, int key, const char *text, char ret[CLI_DATE_LEN])
{
    if (cli_value_parse_date(text, ret) == 0)
        return 0;
    return cli_bad_value(cli, key, text,
                         "a date, YYYY-MM-DD or an RFC 3339 time such as 2028-01-31T12:00:00Z");
}
