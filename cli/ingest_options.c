#include "cli/ingest_options.h"
#include "cli/progress.h"
#include "cli/values.h"
#include "formats/formats.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int
ingest_parse_options(const struct cmd *c, int argc, char **argv, struct ingest_opts *o,
                     bool allow_max_size)
{
    static const struct option opts[] = {
        { "inspect", no_argument, NULL, 'i' },
        { "foreign", no_argument, NULL, 'f' },
        { "operator", required_argument, NULL, 'o' },
        { "max-size", required_argument, NULL, 'm' },
        { "as", required_argument, NULL, 'a' },
        { "same-password", no_argument, NULL, 'S' },
        { "allow-signing-keys", no_argument, NULL, 'K' },
        { "quiet", no_argument, NULL, 'q' },
        { "progress", no_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    int ch;

    o->max_size = INGEST_MAX_SIZE_DEFAULT;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
        switch (ch) {
        case 'i':
            o->inspect = true;
            break;
        case 'f':
            o->foreign = true;
            break;
        case 'S':
            o->same_password = true;
            break;
        case 'K':
            o->allow_signing_keys = true;
            break;
        case 'q':
        case 'p':
            cli_progress_mode(ch == 'q' ? CLI_PROGRESS_OFF : CLI_PROGRESS_ON);
            break;
        case 'o':
            if (!*optarg)
                return cli_usage(c, "--operator needs a name"), -1;
            o->operator_name = optarg;
            break;
        case 'a':
            if (strcmp(c->name, "import") != 0)
                return cli_usage(c, "--as is an option of import"), -1;
            if (strcmp(optarg, "kms") == 0)
                o->declared = FMT_KMS;
            else if (strcmp(optarg, "epf") == 0)
                o->declared = FMT_EPF;
            else if (strcmp(optarg, "opaque") == 0)
                o->declared = FMT_OPAQUE;
            else
                return cli_usage(c, "--as takes kms, epf or opaque"), -1;
            break;
        case 'm':
            if (!allow_max_size)
                return cli_usage(c, "--max-size is not an option of this command"), -1;
            if (cli_value_size(c, "--max-size", optarg, &o->max_size) != 0)
                return -1;
            break;
        default: {
            char why[128];

            snprintf(why, sizeof why, "unknown option '%s'", argv[optind - 1]);
            return cli_usage(c, why), -1;
        }
        }
    }
    if (o->same_password && !o->inspect)
        return cli_usage(c, "--same-password goes with --inspect (only inspection asks "
                            "passwords)"), -1;
    o->operator_name = cli_operator(o->operator_name);
    return optind;
}
