/* station.c: the station key pair in the vault folder. */
#include "vault/station.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"

#include <stdlib.h>
#include <string.h>

#define KEYFILE_MAX 4096

int
vault_station_load_public(struct vault *v)
{
    char  *text;
    size_t len;
    int    rc = fs_read_file(v->dirfd, "station.pub", KEYFILE_MAX, &text, &len);

    if (rc < 0)
        return okra_fail_errno(-rc, "cannot read %s/station.pub", v->dir);
    rc = mini_pubkey_parse(text, len, &v->station_pub);
    free(text);
    if (rc < 0)
        return okra_fail_prefix(rc, "%s/station.pub: ", v->dir);
    mini_keyid_hex(v->station_pub.keyid, v->station_keyid);
    return 0;
}

int
vault_station_load_secret(struct vault *v)
{
    char              *text;
    size_t             len;
    struct mini_pubkey pk;
    int                rc = fs_read_file_secure(v->dirfd, "station.key", KEYFILE_MAX, &text, &len);

    if (rc < 0)
        return okra_fail_errno(-rc, "cannot read %s/station.key", v->dir);
    if ((v->station_sk = secmem_alloc(sizeof *v->station_sk)) == NULL) {
        secmem_free(text);
        return okra_fail(-ENOMEM, "out of secure memory");
    }
    rc = mini_seckey_parse(text, len, v->station_sk);
    secmem_free(text);
    if (rc < 0)
        return okra_fail_prefix(rc, "%s/station.key: ", v->dir);
    mini_seckey_public(v->station_sk, &pk);
    if (memcmp(pk.keyid, v->station_pub.keyid, sizeof pk.keyid) != 0 ||
        memcmp(pk.pk, v->station_pub.pk, sizeof pk.pk) != 0)
        return okra_fail(-EINVAL, "%s/station.key does not belong to %s/station.pub", v->dir,
                         v->dir);
    return 0;
}

int
vault_station_generate(struct vault *v)
{
    char  comment[128], *pub = NULL, *sec = NULL;
    int   rc;

    if ((v->station_sk = secmem_alloc(sizeof *v->station_sk)) == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if ((rc = mini_keypair(v->station_sk, &v->station_pub)) < 0)
        return rc;
    mini_keyid_hex(v->station_pub.keyid, v->station_keyid);
    snprintf(comment, sizeof comment, "okra station key %s of vault %s", v->station_keyid,
             v->vault_id);
    pub = mini_pubkey_format(&v->station_pub, comment);
    sec = mini_seckey_format(v->station_sk, comment);
    if (pub == NULL || sec == NULL)
        rc = okra_fail(-ENOMEM, "cannot format the station key");
    else if ((rc = fs_write_atomic(v->dirfd, "station.key", sec, strlen(sec), 0600)) == 0)
        rc = fs_write_atomic(v->dirfd, "station.pub", pub, strlen(pub), 0644);
    free(pub);
    secmem_free(sec);
    return rc;
}

char *
vault_station_sign(struct vault *v, const uint8_t hash[MINI_HASH_LEN], const char *trusted_comment)
{
    char untrusted[96];

    snprintf(untrusted, sizeof untrusted, "signature from okra station key %s", v->station_keyid);
    return mini_sign_prehashed(v->station_sk, hash, trusted_comment, untrusted);
}
