/*
 * policy.c: the vault policy's home issuers, as certutil's -f knows them: the
 * CAs whose keys this vault archives. okra.json keeps each as base64 DER
 * under policy.home_issuers[].der; a key whose certificate none of them
 * signed is foreign and needs --foreign. And policy.signing_keys: "allow"
 * when the ceremony let this vault archive signing-only keys (absent or
 * "refuse": each run needs --allow-signing-keys).
 */
#include "vault/ingest_internal.h"
#include "common/err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int
vault_home_issuers_load(struct vault *v, struct home_issuers *h)
{
    json_t *list = json_object_get(vault_policy(v), "home_issuers");
    size_t  i, n = json_array_size(list);

    memset(h, 0, sizeof *h);
    if (n == 0)
        return 0;
    h->der = calloc(n, sizeof *h->der);
    h->len = calloc(n, sizeof *h->len);
    if (h->der == NULL || h->len == NULL)
        return okra_fail(-ENOMEM, "out of memory");
    for (i = 0; i < n; i++) {
        const char *b64 = json_string_value(json_object_get(json_array_get(list, i), "der"));
        size_t      bl = b64 ? strlen(b64) : 0, len;

        if (b64 == NULL || (h->der[i] = malloc(bl)) == NULL ||
            sodium_base642bin(h->der[i], bl, b64, bl, NULL, &len, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0) {
            h->n = i + 1;
            return okra_fail(-EINVAL, "%s/okra.json: home issuer %zu is not base64 DER", v->dir,
                             i + 1);
        }
        h->len[i] = len;
        h->n = i + 1;
    }
    return 0;
}

void
vault_home_issuers_free(struct home_issuers *h)
{
    size_t i;

    for (i = 0; i < h->n; i++)
        free(h->der[i]);
    free(h->der);
    free(h->len);
    memset(h, 0, sizeof *h);
}

const char *
vault_signing_keys_allowed_by(struct vault *v, const struct ingest_opts *o)
{
    const char *p = json_string_value(json_object_get(vault_policy(v), "signing_keys"));

    if (p && strcmp(p, "allow") == 0)
        return "policy";
    return o->allow_signing_keys ? "--allow-signing-keys" : NULL;
}
