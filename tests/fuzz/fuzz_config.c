/* fuzz_config.c: okra.json as outside bytes (a vault copy handed to an auditor). */
#include "vault/vault.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vault v;

    memset(&v, 0, sizeof v);
    v.dir = (char *) "fuzz";
    v.dirfd = v.lockfd = -1;
    if (vault_parse_config(&v, (const char *) data, size) == 0) {
        if (strlen(v.vault_id) != VAULT_ID_HEX || !json_is_object(v.config))
            abort();
        (void) vault_policy(&v);
    }
    json_decref(v.config);
    return 0;
}
