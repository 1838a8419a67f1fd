/*
 * newset.c: a new share set, as 'ceremony init' and 'ceremony reshare' issue
 * it (newset.h): split, one passphrase per custodian, one share file each,
 * and the roll call.
 */
#include "ceremony/newset.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"

#include <dirent.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Splits tried before giving up on finding an identifier the vault never used. */
#define SPLIT_TRIES 32

static bool
named(const struct cer_newset *ns, unsigned i)
{
    return ns->names[i] != ns->defaults[i];
}

/* "custodian 2 (bob)" or "custodian 2" */
static void
who(const struct cer_newset *ns, unsigned i, char *out, size_t cap)
{
    if (named(ns, i))
        snprintf(out, cap, "custodian %u (%s)", i + 1, ns->names[i]);
    else
        snprintf(out, cap, "custodian %u", i + 1);
}

static int
check_share_dir(const char *dir)
{
    struct stat    st;
    DIR           *d;
    struct dirent *e;

    if (lstat(dir, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        return okra_fail_errno(errno, "the share folder %s", dir);
    }
    if (!S_ISDIR(st.st_mode))
        return okra_fail(-ENOTDIR, "the share folder %s is not a folder; give a new or empty "
                                   "folder for the share files", dir);
    if ((d = opendir(dir)) == NULL)
        return okra_fail_errno(errno, "the share folder %s", dir);
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            closedir(d);
            return okra_fail(-ENOTEMPTY, "the share folder %s is not empty; the share files go "
                                         "into a new or empty folder that holds nothing else",
                             dir);
        }
    closedir(d);
    return 0;
}

void
cer_newset_init(struct cer_newset *ns)
{
    memset(ns, 0, sizeof *ns);
    ns->dirfd = -1;
}

int
cer_newset_name(struct cer_newset *ns, const char *const *names, unsigned n_names)
{
    unsigned i, j;

    if (n_names > ns->n)
        return okra_fail(-EINVAL, "%u names given for %u custodians", n_names, ns->n);
    for (i = 0; i < ns->n; i++) {
        snprintf(ns->defaults[i], sizeof ns->defaults[i], "custodian %u", i + 1);
        ns->names[i] = i < n_names ? names[i] : ns->defaults[i];
        if (i < n_names && sharefile_check_name(names[i]) < 0)
            return okra_fail_prefix(-EINVAL, "the name '%s': ", names[i]);
    }
    for (i = 0; i < ns->n; i++)
        for (j = 0; j < i; j++)
            if (strcmp(ns->names[i], ns->names[j]) == 0)
                return okra_fail(-EINVAL, "custodians %u and %u are both named '%s'; give each a "
                                          "name of their own", j + 1, i + 1, ns->names[i]);
    return 0;
}

int
cer_newset_check_dir(const struct cer_newset *ns)
{
    return check_share_dir(ns->share_dir);
}

/* One new passphrase for custodian i: twice on a terminal, never empty. */
static char *
ask_new_passphrase(const struct cer_ui *ui, const struct cer_newset *ns, unsigned i)
{
    char q[SHARE_NAME_MAX + 64], w[SHARE_NAME_MAX + 32];
    int  tries;

    who(ns, i, w, sizeof w);
    snprintf(q, sizeof q, "Passphrase for %s: ", w);
    for (tries = 0; tries < 3; tries++) {
        char *pw = ui->ask_secret(ui->ctx, q, true);

        if (pw == NULL)
            return NULL;
        if (*pw)
            return pw;
        secmem_free(pw);
        if (!ui->interactive(ui->ctx)) {
            cer_say(ui, CER_SAY_ERROR, "%s: the passphrase file gives an empty passphrase; a "
                                       "share file needs one", w);
            return NULL;
        }
        cer_say(ui, CER_SAY_WARN, "a share file's passphrase cannot be empty; once more");
    }
    cer_say(ui, CER_SAY_ERROR, "%s gave no passphrase; nothing was written", w);
    return NULL;
}

int
cer_newset_split_and_ask(const struct cer_ui *ui, struct cer_newset *ns, const uint8_t *identity,
                         const struct cer_sets *avoid, int avoid_id)
{
    unsigned i;
    int      tries, rc;

    if ((ns->mnemonics = secmem_alloc(ns->n * sizeof *ns->mnemonics)) == NULL) {
        cer_say(ui, CER_SAY_ERROR, "out of secure memory");
        return -ENOMEM;
    }
    for (tries = 0; tries < SPLIT_TRIES; tries++) {
        if ((rc = slip39_split(identity, AGE_KEY_LEN, "", 1, true, (uint8_t) ns->m,
                               (uint8_t) ns->n, &ns->id, ns->mnemonics)) < 0) {
            cer_say_failure(ui, "cannot split the recovery key");
            return rc;
        }
        /* a new set never takes the identifier of one the vault knows */
        if ((avoid == NULL || !cer_sets_known(avoid, ns->id)) && (int) ns->id != avoid_id)
            break;
    }
    if (tries == SPLIT_TRIES) {
        cer_say(ui, CER_SAY_ERROR, "cannot find a share set identifier this vault has not used");
        return -EEXIST;
    }
    for (i = 0; i < ns->n; i++)
        if ((ns->passphrases[i] = ask_new_passphrase(ui, ns, i)) == NULL)
            return -ECANCELED;
    return 0;
}

static int
fd_sink(void *ctx, const uint8_t *p, size_t n)
{
    int rc = fs_write_full(*(int *) ctx, p, n);

    return rc < 0 ? okra_fail_errno(-rc, "cannot write") : 0;
}

static int
write_one(const struct cer_ui *ui, struct cer_newset *ns, unsigned i, const char *vault_id,
          struct share_text *t)
{
    int fd, rc;

    sharefile_file_name(i + 1, ns->n, ns->names[i], ns->files[i], sizeof ns->files[i]);
    sodium_memzero(t, sizeof *t);
    snprintf(t->vault_id, sizeof t->vault_id, "%s", vault_id);
    snprintf(t->custodian, sizeof t->custodian, "%s", ns->names[i]);
    t->index = i + 1;
    t->count = ns->n;
    t->threshold = ns->m;
    memcpy(t->mnemonic, ns->mnemonics[i], sizeof t->mnemonic);
    fd = openat(ns->dirfd, ns->files[i], O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                0600);
    if (fd < 0)
        return okra_fail_errno(errno, "cannot create %s/%s", ns->share_dir, ns->files[i]);
    ns->written = i + 1;
    cer_litter(ui, ns->dirfd, ns->files[i], false);
    rc = sharefile_seal(t, ns->passphrases[i], ns->log_n, fd_sink, &fd);
    if (rc == 0 && (fsync(fd) < 0 || close(fd) < 0))
        return okra_fail_errno(errno, "cannot write %s/%s", ns->share_dir, ns->files[i]);
    if (rc < 0) {
        close(fd);
        return okra_fail_prefix(rc, "%s/%s: ", ns->share_dir, ns->files[i]);
    }
    return 0;
}

static int
write_files(const struct cer_ui *ui, struct cer_newset *ns, const char *vault_id, int vault_fd)
{
    struct share_text *t = sharefile_text_new();
    struct stat        st;
    unsigned           i;
    int                rc = 0;

    if (t == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if (lstat(ns->share_dir, &st) < 0) {
        if ((rc = fs_mkdirs(ns->share_dir, 0700)) < 0) {
            secmem_free(t);
            return okra_fail_errno(-rc, "cannot create the share folder %s", ns->share_dir);
        }
        ns->dir_created = true;
    }
    ns->dirfd = open(ns->share_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
    if (ns->dirfd < 0)
        rc = okra_fail_errno(errno, "cannot open the share folder %s", ns->share_dir);
    /* the folder as opened, wherever a link led: never in the vault */
    else if (fs_dir_beneath(ns->dirfd, vault_fd) == 1 || fs_dir_beneath(vault_fd, ns->dirfd) == 1)
        rc = okra_fail(-EINVAL, "--share-dir %s leads into the vault's folder (through a link): "
                                "share files leave the station with their custodians",
                       ns->share_dir);
    for (i = 0; rc == 0 && i < ns->n; i++)
        rc = write_one(ui, ns, i, vault_id, t);
    if (rc == 0)
        rc = fs_fsync_dir(ns->dirfd);
    secmem_free(t);
    return rc;
}

/* Reads custodian i's file back and opens it with pw: 0, -EBADMSG wrong passphrase, or why. */
static int
reopen(struct cer_newset *ns, unsigned i, const char *pw, const char *vault_id)
{
    struct share_text *t = sharefile_text_new();
    char              *data;
    size_t             len;
    int                rc;

    if (t == NULL)
        return okra_fail(-ENOMEM, "out of secure memory");
    if ((rc = fs_read_file(ns->dirfd, ns->files[i], SHARE_FILE_MAX, &data, &len)) < 0) {
        secmem_free(t);
        return okra_fail_errno(-rc, "cannot read %s/%s back", ns->share_dir, ns->files[i]);
    }
    rc = sharefile_open((const uint8_t *) data, len, pw, t);
    free(data);
    if (rc == 0 && (strcmp(t->vault_id, vault_id) || t->index != i + 1 ||
                    strcmp(t->custodian, ns->names[i]) ||
                    strlen(t->mnemonic) != strlen(ns->mnemonics[i]) ||
                    sodium_memcmp(t->mnemonic, ns->mnemonics[i], strlen(t->mnemonic)) != 0))
        rc = okra_fail(-EIO, "%s/%s does not hold what was written (is the disk failing?)",
                       ns->share_dir, ns->files[i]);
    secmem_free(t);
    return rc;
}

static int
roll_call_one(const struct cer_ui *ui, struct cer_newset *ns, unsigned i, const char *vault_id)
{
    char w[SHARE_NAME_MAX + 32], q[SHARE_NAME_MAX + SHARE_FILE_NAME_MAX + 96];
    int  tries, rc;

    who(ns, i, w, sizeof w);
    if (!ui->interactive(ui->ctx)) {
        if ((rc = reopen(ns, i, ns->passphrases[i], vault_id)) < 0)
            cer_say(ui, CER_SAY_ERROR, "roll call: %s cannot open %s: %s", w, ns->files[i],
                    okra_errmsg());
        return rc;
    }
    snprintf(q, sizeof q, "Roll call: %s, open %s with your passphrase: ", w, ns->files[i]);
    for (tries = 3; tries > 0; tries--) {
        char *pw = ui->ask_secret(ui->ctx, q, false);

        if (pw == NULL)
            return -ECANCELED;
        rc = reopen(ns, i, pw, vault_id);
        secmem_free(pw);
        if (rc == 0)
            break;
        if (rc != -EKEYREJECTED) {
            cer_say_failure(ui, "roll call");
            return rc;
        }
        if (tries > 1)
            cer_say(ui, CER_SAY_WARN, "that passphrase does not open %s; %d %s left",
                    ns->files[i], tries - 1, tries == 2 ? "try" : "tries");
    }
    if (rc < 0) {
        cer_say(ui, CER_SAY_ERROR, "roll call: %s could not open %s with their passphrase", w,
                ns->files[i]);
        return rc;
    }
    cer_say(ui, CER_SAY_INFO, "roll call: %s opened %s", w, ns->files[i]);
    if (ns->show_words && ui->show_words)
        ui->show_words(ui->ctx, w, ns->mnemonics[i]);
    return 0;
}

int
cer_newset_write_and_roll_call(const struct cer_ui *ui, struct cer_newset *ns,
                               const char *vault_id, int vault_fd)
{
    unsigned i;
    int      rc;

    /* scrypt takes a moment per file: say what the pause is */
    cer_say(ui, CER_SAY_INFO, "writing %u share file%s (scrypt, work factor %d: a moment "
                              "each)...", ns->n, ns->n == 1 ? "" : "s", ns->log_n);
    if ((rc = write_files(ui, ns, vault_id, vault_fd)) < 0) {
        cer_say_failure(ui, NULL);
        cer_newset_remove_files(ui, ns);
        return rc;
    }
    for (i = 0; i < ns->n; i++)
        if ((rc = roll_call_one(ui, ns, i, vault_id)) < 0) {
            cer_newset_remove_files(ui, ns);
            return rc;
        }
    return 0;
}

void
cer_newset_remove_files(const struct cer_ui *ui, struct cer_newset *ns)
{
    unsigned i;

    if (ns->dirfd >= 0) {
        for (i = 0; i < ns->written; i++)
            unlinkat(ns->dirfd, ns->files[i], 0);
        fs_fsync_dir(ns->dirfd);
    }
    ns->written = 0;
    cer_litter_forget(ui);
    if (ns->dir_created && rmdir(ns->share_dir) == 0)
        ns->dir_created = false;
}

void
cer_newset_free(struct cer_newset *ns)
{
    unsigned i;

    secmem_free(ns->mnemonics);
    ns->mnemonics = NULL;
    for (i = 0; i < SLIP39_MAX_SHARES; i++) {
        secmem_free(ns->passphrases[i]);
        ns->passphrases[i] = NULL;
    }
    if (ns->dirfd >= 0)
        close(ns->dirfd);
    ns->dirfd = -1;
}
