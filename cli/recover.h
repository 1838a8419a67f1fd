/*
 * recover.h: 'okra ceremony recover' in the face (ceremony/recovery.h does
 * the ceremony): cmd_ceremony_recover.c parses and runs it, recover_items.c
 * chooses items in bulk, lists them and asks for a yes, and reports.
 */
#ifndef OKRA_CLI_RECOVER_H
#define OKRA_CLI_RECOVER_H

#include "cli/ceremony.h"
#include "ceremony/recovery.h"
#include "ceremony/watch.h"

struct cli_recover {
    struct cer_recovery   r;
    bool                  watch; /* --watch: more shares from the custodians' media */
    struct cer_watch      media; /* its --match rules, and the shares it read */
    struct mw_match      *match; /* --match, parsed */
    struct vindex_filter  filter; /* --subject, --path: items chosen in bulk */
    uint64_t              bundle; /* --bundle N: the items sealed in bundle N */
    bool                  by_bundle;
    char                **chosen; /* ids the filters chose (malloc'd) */
    size_t                n_chosen;
    const char           *pdf, *paper; /* --pdf FILE, --paper: the record, printable */
};

/* Whether --subject, --path or --bundle chose items. */
bool cli_recover_filtered(const struct cli_recover *o);
/* The filters' items beside the ITEMs named, into o->r.queries; 0 or the exit status. */
int cli_recover_select(struct cli *cli, struct cli_recover *o);
/* Several items: listed on stderr, and at a terminal a yes before any share; 0 or the exit status. */
int cli_recover_confirm(struct cli *cli, struct cli_recover *o);
/* What was recovered, where, recorded as which bundle, with which shares. */
void cli_recover_report(struct cli *cli, const struct cer_recovery *r);

#endif
