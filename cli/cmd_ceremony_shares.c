/*
 * cmd_ceremony_shares.c: the shares given with --share, read and judged.
 *
 * Every share is read and its passphrase asked, in --share order, even after
 * a bad one, so that each bad share is named (wrong passphrase, checksum,
 * another vault, a retired set, another set, a duplicate); then the rest are
 * combined if they are enough.
 */
#include "cli/ceremony.h"
#include "common/err.h"
#include "common/fsutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *
base_name(const char *path)
{
    const char *b = strrchr(path, '/');

    return b && b[1] ? b + 1 : path;
}

static void
set_why(struct cer_share *s, const char *why)
{
    snprintf(s->why, sizeof s->why, "%s", why);
    s->usable = false;
}

/* An age share file: its passphrase (three tries on a terminal). 0, or -1 when nobody answered. */
static int
open_share_file(struct cli *cli, struct cer_share *s, const uint8_t *data, size_t len)
{
    char question[SHARE_FILE_NAME_MAX + 64];
    int  tries = cli_interactive(cli) ? 3 : 1, rc = -EBADMSG;

    snprintf(question, sizeof question, "Passphrase for share file %s: ", base_name(s->label));
    while (tries-- > 0) {
        char *pw = cli_ask_secret(cli, question, false);

        if (pw == NULL)
            return -1;
        rc = sharefile_open(data, len, pw, s->text);
        secmem_free(pw);
        if (rc != -EBADMSG || tries == 0)
            break;
        cli_warn("%s: that passphrase does not open it; %d %s left", s->label, tries,
                 tries == 1 ? "try" : "tries");
    }
    if (rc < 0)
        set_why(s, okra_errmsg());
    return 0;
}

static int
read_one(struct cli *cli, struct cer_share *s)
{
    char  *data = NULL;
    size_t len = 0;
    int    rc = cli_ceremony_watch_read(s->label, &data, &len); /* a share read from a medium */

    if (rc == -ENOENT)
        rc = fs_read_file_secure(AT_FDCWD, s->label, SHARE_FILE_MAX, &data, &len);

    if (rc < 0) {
        set_why(s, rc == -ENOENT  ? "does not exist"
                   : rc == -EISDIR ? "is a folder, not a share file"
                   : rc == -EFBIG  ? "is too large to be a share file or a mnemonic"
                   : rc == -EINVAL ? "is not a regular file"
                                   : strerror(-rc));
        return 0;
    }
    if ((s->text = sharefile_text_new()) == NULL) {
        secmem_free(data);
        set_why(s, "out of secure memory");
        return 0;
    }
    if (age_looks_like((const uint8_t *) data, len)) {
        rc = open_share_file(cli, s, (const uint8_t *) data, len);
    } else if (sharefile_parse_text(data, len, s->text) < 0) {
        set_why(s, okra_errmsg());
        rc = 0;
    }
    secmem_free(data);
    if (rc == 0 && s->why[0] == '\0')
        cer_share_decode(s);
    if (!s->usable) {
        secmem_free(s->text);
        s->text = NULL;
    }
    return rc;
}

void
cli_ceremony_name_left_out(struct cer_share *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (!s[i].usable && !s[i].reported && s[i].why[0]) {
            cli_error("%s: %s", s[i].label, s[i].why);
            s[i].reported = true;
        }
}

struct cer_share *
cli_ceremony_read_shares(struct cli *cli, char **paths, size_t n)
{
    struct cer_share *s = calloc(n, sizeof *s);
    size_t            i;

    if (s == NULL) {
        cli_error("out of memory");
        return NULL;
    }
    for (i = 0; i < n; i++) {
        s[i].label = paths[i];
        if (read_one(cli, &s[i]) < 0) {
            cli_ceremony_free_shares(s, n);
            return NULL;
        }
        /* named at once, so that the custodians hear of it while they are here */
        cli_ceremony_name_left_out(&s[i], 1);
    }
    return s;
}

void
cli_ceremony_free_shares(struct cer_share *s, size_t n)
{
    if (s == NULL)
        return;
    cer_shares_clear(s, n);
    free(s);
}

static void
say_too_few(const struct cer_sets *sets, const char *why)
{
    const struct cer_set *cur = cer_sets_current(sets);

    if (strcmp(why, "no valid share given") == 0 && cur)
        cli_error("no valid share given; %u shares of set %u are needed (nothing was decrypted)",
                  cur->threshold, cur->id);
    else
        cli_error("%s (nothing was decrypted)", why);
}

int
cli_ceremony_quorum(struct cli *cli, struct vault *v, const struct cer_sets *sets, char **paths,
                size_t n, struct cer_share **ret_shares, uint8_t **ret_identity,
                uint16_t *ret_set)
{
    struct cer_share *s;
    uint8_t          *identity;
    int               set, rc;

    if (!v->has_recipient) {
        cli_error("the vault %s has no recovery recipient; it was not made by 'okra ceremony "
                  "init'", v->dir);
        return -1;
    }
    if ((s = cli_ceremony_read_shares(cli, paths, n)) == NULL)
        return -1;
    cer_shares_screen(s, n, v->vault_id, sets, &set);
    cli_ceremony_name_left_out(s, n);
    if ((identity = secmem_alloc(AGE_KEY_LEN)) == NULL) {
        cli_error("out of secure memory");
        cli_ceremony_free_shares(s, n);
        return -1;
    }
    rc = cer_shares_combine(s, n, v->recipient, identity);
    cli_ceremony_name_left_out(s, n);
    if (rc < 0) {
        say_too_few(sets, okra_errmsg());
        secmem_free(identity);
        cli_ceremony_free_shares(s, n);
        return -1;
    }
    *ret_shares = s;
    *ret_identity = identity;
    *ret_set = (uint16_t) set;
    return 0;
}

const char *
cli_ceremony_custodian(const struct cer_sets *sets, const struct cer_share *s)
{
    const struct cer_set *set = cer_sets_find(sets, s->share->identifier);

    if (set && s->share->member_index < set->n_custodians)
        return set->custodians[s->share->member_index];
    if (s->text && !s->text->bare)
        return s->text->custodian;
    return NULL;
}

json_t *
cli_ceremony_shares_json(const struct cer_sets *sets, const struct cer_share *s, size_t n)
{
    json_t *list = json_array();
    size_t  i;

    for (i = 0; i < n; i++) {
        const char *c;

        if (!s[i].usable)
            continue;
        c = cli_ceremony_custodian(sets, &s[i]);
        json_array_append_new(list, json_pack("{s:o, s:i, s:i}", "custodian",
                                              c ? json_string(c) : json_null(), "index",
                                              s[i].share->member_index + 1, "set",
                                              (int) s[i].share->identifier));
    }
    return list;
}
