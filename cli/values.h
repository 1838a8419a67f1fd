/*
 * values.h: the values options take (counts, sizes, dates), checked whole.
 *
 * Each parser takes the option's key (its name comes from the command's
 * table) and the text given and returns 0 with the value, or EXIT_USAGE
 * after printing one usage line that names the option, the text and the
 * expected form (cli_bad_value), then the command's synopsis. A
 * value is never half read: "12Q", "x", "-1", "2028-13-01", "tomorrow" and
 * numbers past the type's range are refused, never taken as something else.
 */
#ifndef OKRA_CLI_VALUES_H
#define OKRA_CLI_VALUES_H

#include <stdint.h>

#include "cli/cli.h"

/* The text form of a UTC time that sorts as the manifest's times do. */
#define CLI_DATE_LEN sizeof "2028-01-31T23:59:59Z"

/* A whole decimal number from lo to hi. */
int cli_value_count(struct cli *cli, int key, const char *text, uint64_t lo, uint64_t hi,
                    uint64_t *ret);

/*
 * A size in bytes: digits, optionally followed by K, M or G (powers of 1024),
 * themselves optionally followed by "i", "iB" or "B"; at least 1.
 */
int cli_value_size(struct cli *cli, int key, const char *text, uint64_t *ret);

/*
 * A date: YYYY-MM-DD (midnight UTC), or an RFC 3339 time, YYYY-MM-DDTHH:MM:SS
 * with Z or a +HH:MM / -HH:MM offset (a fraction of a second is allowed and
 * dropped). A real calendar date is required (no 2028-13-01, no 2027-02-29).
 * ret gets the time in UTC as YYYY-MM-DDTHH:MM:SSZ.
 */
int cli_value_date(struct cli *cli, int key, const char *text, char ret[CLI_DATE_LEN]);

/* The same checks without printing: 0, or -1. For callers that word their own error. */
int cli_value_parse_size(const char *text, uint64_t *ret);
int cli_value_parse_date(const char *text, char ret[CLI_DATE_LEN]);

#endif
