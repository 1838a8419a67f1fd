/*
 * match.c: a device's property set, --match PROP=GLOB rules, the vault's
 * allow-list of serials and filesystem UUIDs.
 */
#include "mediawatch/mw_internal.h"
#include "common/err.h"

#include <errno.h>
#include <stdio.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct mw_match mw_default_match = { .prop = (char *)"ID_BUS", .glob = (char *)"usb" };

static bool
valid_key(const char *k, size_t len)
{
    if (len == 0 || len > MW_PROP_KEY_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = k[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '_'))
            return false;
    }
    return true;
}

int
mw_props_set(struct mw_props *p, const char *key, const char *value)
{
    struct mw_prop *v;
    char           *val;

    if (strlen(key) > MW_PROP_KEY_MAX || strnlen(value, MW_PROP_VALUE_MAX + 1) > MW_PROP_VALUE_MAX)
        return -EINVAL;
    if ((val = strdup(value)) == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->v[i].key, key) == 0) {
            free(p->v[i].value);
            p->v[i].value = val;
            return 0;
        }
    }
    if (p->n >= MW_PROP_MAX || (v = realloc(p->v, (p->n + 1) * sizeof *v)) == NULL) {
        free(val);
        return p->n >= MW_PROP_MAX ? -EINVAL : -ENOMEM;
    }
    p->v = v;
    if ((v[p->n].key = strdup(key)) == NULL) {
        free(val);
        return -ENOMEM;
    }
    v[p->n++].value = val;
    return 0;
}

void
mw_props_unset_prefix(struct mw_props *p, const char *prefix)
{
    size_t k = 0, n = strlen(prefix);

    for (size_t i = 0; i < p->n; i++) {
        if (strncmp(p->v[i].key, prefix, n) == 0) {
            free(p->v[i].key);
            free(p->v[i].value);
        } else {
            p->v[k++] = p->v[i];
        }
    }
    p->n = k;
}

const char *
mw_props_get(const struct mw_props *p, const char *key)
{
    for (size_t i = 0; i < p->n; i++)
        if (strcmp(p->v[i].key, key) == 0)
            return p->v[i].value;
    return NULL;
}

void
mw_props_clear(struct mw_props *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].value);
    }
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

bool
mw_props_match(const struct mw_props *p, const struct mw_match *rules, size_t n_rules)
{
    if (rules == NULL || n_rules == 0) {
        rules = &mw_default_match;
        n_rules = 1;
    }
    for (size_t i = 0; i < n_rules; i++) {
        const char *v = mw_props_get(p, rules[i].prop);

        if (v == NULL || fnmatch(rules[i].glob, v, 0) != 0)
            return false;
    }
    return true;
}

char *
mw_props_mismatch(const struct mw_props *p, const struct mw_match *rules, size_t n_rules)
{
    if (rules == NULL || n_rules == 0) {
        rules = &mw_default_match;
        n_rules = 1;
    }
    for (size_t i = 0; i < n_rules; i++) {
        const char *v = mw_props_get(p, rules[i].prop);
        char       *safe_glob, *safe_v = NULL, *out = NULL;

        if (v != NULL && fnmatch(rules[i].glob, v, 0) == 0)
            continue;
        safe_glob = mw_text_sanitize(rules[i].glob);
        if (v != NULL)
            safe_v = mw_text_sanitize(v);
        if (safe_glob != NULL && (v == NULL || safe_v != NULL) &&
            (v == NULL ? asprintf(&out, "has no %s (--match %s=%s)", rules[i].prop, rules[i].prop,
                                  safe_glob)
                       : asprintf(&out, "has %s=%s, which --match %s=%s does not take",
                                  rules[i].prop, safe_v, rules[i].prop, safe_glob)) < 0)
            out = NULL;
        free(safe_glob);
        free(safe_v);
        return out;
    }
    return NULL;
}

static bool
listed(const char *v, const char *const *list, size_t n, bool fold)
{
    if (v == NULL || *v == '\0')
        return false;
    for (size_t i = 0; i < n; i++)
        if (list[i] != NULL && (fold ? strcasecmp(list[i], v) : strcmp(list[i], v)) == 0)
            return true;
    return false;
}

bool
mw_props_allowed(const struct mw_props *p, const struct mw_options *o)
{
    if (o->n_allow_serials == 0 && o->n_allow_uuids == 0)
        return true;
    return listed(mw_props_get(p, "ID_SERIAL_SHORT"), o->allow_serials, o->n_allow_serials, false)
        || listed(mw_props_get(p, "ID_SERIAL"), o->allow_serials, o->n_allow_serials, false)
        || listed(mw_props_get(p, "ID_FS_UUID"), o->allow_uuids, o->n_allow_uuids, true);
}

int
mw_match_parse(const char *s, struct mw_match *ret)
{
    const char *eq = s != NULL ? strchr(s, '=') : NULL;
    char       *prop, *glob;

    if (eq == NULL)
        return okra_fail(-EINVAL, "a match rule is PROP=GLOB, for example ID_BUS=usb");
    if (!valid_key(s, (size_t)(eq - s)))
        return okra_fail(-EINVAL, "a udev property name is letters, digits and '_' (at most %d)",
            MW_PROP_KEY_MAX);
    if (strlen(eq + 1) > MW_PROP_VALUE_MAX)
        return okra_fail(-EINVAL, "match pattern too long");
    prop = strndup(s, (size_t)(eq - s));
    glob = strdup(eq + 1);
    if (prop == NULL || glob == NULL) {
        free(prop);
        free(glob);
        return -ENOMEM;
    }
    ret->prop = prop;
    ret->glob = glob;
    return 0;
}

void
mw_match_clear(struct mw_match *m)
{
    if (m == NULL)
        return;
    free(m->prop);
    free(m->glob);
    m->prop = m->glob = NULL;
}
