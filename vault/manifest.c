/*
 * manifest.c: a small state machine that splits MANIFEST.json into its
 * top-level values and its items without holding the whole text.
 */
#include "vault/manifest.h"
#include "vault/vault.h"
#include "common/err.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

enum state {
    S_START,      /* before '{' */
    S_KEY_OR_END, /* after '{' or ',': a key, or '}' */
    S_KEY,        /* inside a key string */
    S_COLON,
    S_VALUE,      /* capturing a top-level value */
    S_ITEMS_OPEN, /* expecting '[' */
    S_ITEM_OR_END,/* expecting '{' of an item or ']' */
    S_ITEM,       /* capturing an item */
    S_AFTER_ITEM, /* ',' or ']' */
    S_AFTER_VALUE,/* ',' or '}' */
    S_DONE,
};

/*
 * What step() did with a character, when it did not fail (a negative errno):
 * took it, or ended a scalar value on it, so that the character must be seen
 * again in the state that follows (the ',' or '}' after `"seq": 3`).
 */
enum step_result { STEP_TAKEN = 0, STEP_AGAIN = 1 };

struct manifest_reader {
    struct manifest_cb cb;
    enum state         st;
    char              *buf;   /* the value or item being captured */
    size_t             len, cap;
    char               key[64];
    size_t             keylen;
    int                depth;
    bool               in_string, escape, items_seen;
    uint32_t           n_items;
    size_t             delivered_len; /* of the value being delivered */
};

int
vault_manifest_reader_new(const struct manifest_cb *cb, struct manifest_reader **ret)
{
    struct manifest_reader *r = calloc(1, sizeof *r);

    if (r == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    r->cb = *cb;
    *ret = r;
    return 0;
}

void
vault_manifest_reader_free(struct manifest_reader *r)
{
    if (r) {
        free(r->buf);
        free(r);
    }
}

static int
bad(const char *why)
{
    return okra_fail(-EINVAL, "MANIFEST.json is malformed: %s", why);
}

static int
put(struct manifest_reader *r, char c)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 4096;
        char  *b;

        if (cap > MANIFEST_VALUE_MAX)
            return bad("a value is larger than 1 MiB");
        if ((b = realloc(r->buf, cap)) == NULL)
            return okra_fail(-ENOMEM, "out of memory");
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* Tracks strings and nesting of the captured text; returns true when c closed it. */
static bool
track(struct manifest_reader *r, char c)
{
    if (r->in_string) {
        if (r->escape)
            r->escape = false;
        else if (c == '\\')
            r->escape = true;
        else if (c == '"')
            r->in_string = false;
        return !r->in_string && r->depth == 0;
    }
    if (c == '"')
        r->in_string = true;
    else if (c == '{' || c == '[')
        r->depth++;
    else if (c == '}' || c == ']')
        r->depth--;
    return r->depth == 0 && (c == '}' || c == ']');
}

static int
deliver(struct manifest_reader *r, bool item)
{
    json_error_t e;
    json_t      *v = json_loadb(r->buf, r->len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &e);
    int          rc;

    r->delivered_len = r->len;
    r->len = 0;
    if (v == NULL)
        return bad(e.text);
    if (item) {
        if (!json_is_object(v)) {
            json_decref(v);
            return bad("an item is not an object");
        }
        rc = r->cb.on_item ? r->cb.on_item(r->cb.ctx, v, ++r->n_items) : 0;
    } else {
        rc = r->cb.on_field ? r->cb.on_field(r->cb.ctx, r->key, v) : 0;
    }
    json_decref(v);
    return rc;
}

/* A scalar top-level value ends at the first delimiter outside a string. */
static int /* enum step_result, or a negative errno */
value_char(struct manifest_reader *r, char c)
{
    int rc;

    if (r->len == 0 && is_space(c))
        return STEP_TAKEN;
    if (!r->in_string && r->depth == 0 && (c == ',' || c == '}' || is_space(c)) && r->len > 0 &&
        r->buf[0] != '"' && r->buf[0] != '{' && r->buf[0] != '[') {
        if ((rc = deliver(r, false)) < 0)
            return rc;
        r->st = S_AFTER_VALUE;
        return STEP_AGAIN;
    }
    if ((rc = put(r, c)) < 0)
        return rc;
    if (r->buf[0] == '"' || r->buf[0] == '{' || r->buf[0] == '[') {
        bool closed = track(r, c);

        if (closed && !(r->len == 1 && c == '"')) {
            if ((rc = deliver(r, false)) < 0)
                return rc;
            r->st = S_AFTER_VALUE;
        }
    }
    return STEP_TAKEN;
}

static int
key_char(struct manifest_reader *r, char c)
{
    if (r->escape) {
        r->escape = false;
    } else if (c == '\\') {
        r->escape = true;
    } else if (c == '"') {
        r->key[r->keylen] = '\0';
        r->st = S_COLON;
        return STEP_TAKEN;
    }
    if (r->keylen + 1 >= sizeof r->key)
        return bad("a key is too long");
    r->key[r->keylen++] = c;
    return STEP_TAKEN;
}

/* One character of the manifest: enum step_result, or a negative errno. */
static int
step(struct manifest_reader *r, char c)
{
    switch (r->st) {
    case S_START:
        if (is_space(c))
            return STEP_TAKEN;
        if (c != '{')
            return bad("it is not a JSON object");
        r->st = S_KEY_OR_END;
        return STEP_TAKEN;
    case S_KEY_OR_END:
        if (is_space(c))
            return STEP_TAKEN;
        if (c == '}') {
            r->st = S_DONE;
            return STEP_TAKEN;
        }
        if (c != '"')
            return bad("expected a key");
        r->keylen = 0;
        r->escape = false;
        r->st = S_KEY;
        return STEP_TAKEN;
    case S_KEY:
        return key_char(r, c);
    case S_COLON:
        if (is_space(c))
            return STEP_TAKEN;
        if (c != ':')
            return bad("expected ':'");
        if (strcmp(r->key, "items") == 0) {
            if (r->items_seen)
                return bad("\"items\" appears twice");
            r->items_seen = true;
            r->st = S_ITEMS_OPEN;
        } else {
            r->st = S_VALUE;
            r->len = 0;
            r->depth = 0;
            r->in_string = r->escape = false;
        }
        return STEP_TAKEN;
    case S_VALUE:
        return value_char(r, c);
    case S_ITEMS_OPEN:
        if (is_space(c))
            return STEP_TAKEN;
        if (c != '[')
            return bad("\"items\" is not an array");
        r->st = S_ITEM_OR_END;
        return STEP_TAKEN;
    case S_ITEM_OR_END:
        if (is_space(c))
            return STEP_TAKEN;
        if (c == ']' && r->n_items == 0) {
            r->st = S_AFTER_VALUE;
            return STEP_TAKEN;
        }
        if (c != '{')
            return bad("an item is not an object");
        r->len = 0;
        r->depth = 0;
        r->in_string = r->escape = false;
        r->st = S_ITEM;
        /* fall through to capture the '{' */
        /* FALLTHROUGH */
    case S_ITEM: {
        int rc = put(r, c);

        if (rc < 0)
            return rc;
        if (track(r, c)) {
            if ((rc = deliver(r, true)) < 0)
                return rc;
            r->st = S_AFTER_ITEM;
        }
        return STEP_TAKEN;
    }
    case S_AFTER_ITEM:
        if (is_space(c))
            return STEP_TAKEN;
        if (c == ',') {
            r->st = S_ITEM_OR_END;
            return STEP_TAKEN;
        }
        if (c != ']')
            return bad("expected ',' or ']' after an item");
        r->st = S_AFTER_VALUE;
        return STEP_TAKEN;
    case S_AFTER_VALUE:
        if (is_space(c))
            return STEP_TAKEN;
        if (c == ',') {
            r->st = S_KEY_OR_END;
            return STEP_TAKEN;
        }
        if (c != '}')
            return bad("expected ',' or '}'");
        r->st = S_DONE;
        return STEP_TAKEN;
    case S_DONE:
        if (is_space(c))
            return STEP_TAKEN;
        return bad("text after the object");
    }
    return bad("internal state");
}

int
vault_manifest_reader_feed(struct manifest_reader *r, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        int rc = step(r, (char) p[i]);

        if (rc == STEP_AGAIN)
            rc = step(r, (char) p[i]);
        if (rc < 0)
            return rc;
    }
    return 0;
}

const char *
vault_manifest_reader_item_text(const struct manifest_reader *r, size_t *ret_len)
{
    *ret_len = r->delivered_len;
    return r->buf;
}

int
vault_manifest_reader_finish(struct manifest_reader *r)
{
    if (r->st != S_DONE)
        return bad("it ends too soon");
    if (!r->items_seen)
        return bad("it has no \"items\"");
    return 0;
}

enum { H_FORMAT = 1, H_VAULT = 2, H_SEQ = 4, H_PREV = 8, H_KIND = 16, H_TIME = 32, H_ALL = 63 };

static int
copy_string(json_t *v, char *out, size_t cap)
{
    const char *s = json_string_value(v);

    if (s == NULL || strlen(s) >= cap)
        return -1;
    strcpy(out, s);
    return 0;
}

int
vault_manifest_head_field(struct manifest_head *h, const char *key, json_t *value)
{
    int bit = 0, rc = 0;

    if (!strcmp(key, "format"))
        bit = H_FORMAT, rc = copy_string(value, h->format, sizeof h->format);
    else if (!strcmp(key, "vault_id"))
        bit = H_VAULT, rc = copy_string(value, h->vault_id, sizeof h->vault_id);
    else if (!strcmp(key, "kind"))
        bit = H_KIND, rc = copy_string(value, h->kind, sizeof h->kind);
    else if (!strcmp(key, "time"))
        bit = H_TIME, rc = copy_string(value, h->time, sizeof h->time);
    else if (!strcmp(key, "prev")) {
        bit = H_PREV;
        if (json_is_null(value))
            h->prev[0] = '\0';
        else
            rc = copy_string(value, h->prev, sizeof h->prev);
    } else if (!strcmp(key, "seq")) {
        bit = H_SEQ;
        if (!json_is_integer(value) || json_integer_value(value) < 0)
            rc = -1;
        else
            h->seq = (uint64_t) json_integer_value(value);
    }
    if (rc < 0)
        return bad(key);
    if (bit && (h->seen & bit))
        return bad("a header field appears twice");
    h->seen |= bit;
    return 0;
}

int
vault_manifest_head_check(const struct manifest_head *h)
{
    if ((h->seen & H_ALL) != H_ALL)
        return bad("a header field (format, vault_id, seq, prev, kind, time) is missing");
    if (strcmp(h->format, BUNDLE_FORMAT) != 0)
        return okra_fail(-EINVAL, "MANIFEST.json is format '%s', not %s", h->format, BUNDLE_FORMAT);
    return 0;
}
