/*
 * cmd_ceremony_newset.c: a new share set, as 'ceremony init' and 'ceremony
 * reshare' issue it: split, one passphrase per custodian, one share file
 * each (0600, fsynced, in a folder that holds nothing else), and the roll
 * call, in which every custodian opens their own new file before anything
 * is committed.
 */
#include "cli/ceremony.h"
#include "common/err.h"
#include "common/fsutil.h"

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
named(const struct new_set *ns, unsigned i)
{
    return ns->names[i] != ns->defaults[i];
}

/* "custodian 2 (bob)" or "custodian 2" */
static void
who(const struct new_set *ns, unsigned i, char *out, size_t cap)
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
        cli_error("--share-dir %s: %s", dir, strerror(errno));
        return EXIT_FAIL;
    }
    if (!S_ISDIR(st.st_mode)) {
        cli_error("--share-dir %s is not a folder; give a new or empty folder for the share files",
                  dir);
        return EXIT_FAIL;
    }
    if ((d = opendir(dir)) == NULL) {
        cli_error("--share-dir %s: %s", dir, strerror(errno));
        return EXIT_FAIL;
    }
    while ((e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            closedir(d);
            cli_error("--share-dir %s is not empty; the share files go into a new or empty "
                      "folder that holds nothing else", dir);
            return EXIT_FAIL;
        }
    closedir(d);
    return 0;
}

int
cli_newset_prepare(struct new_set *ns, const char **names, unsigned n_names)
{
    unsigned i, j;

    ns->dirfd = -1;
    if (n_names > ns->n) {
        cli_error("%s: %u names given for %u custodians", "--name", n_names, ns->n);
        return EXIT_USAGE;
    }
    for (i = 0; i < ns->n; i++) {
        snprintf(ns->defaults[i], sizeof ns->defaults[i], "custodian %u", i + 1);
        ns->names[i] = i < n_names ? names[i] : ns->defaults[i];
        if (i < n_names && sharefile_check_name(names[i]) < 0) {
            cli_error("--name '%s': %s", names[i], okra_errmsg());
            return EXIT_USAGE;
        }
    }
    for (i = 0; i < ns->n; i++)
        for (j = 0; j < i; j++)
            if (strcmp(ns->names[i], ns->names[j]) == 0) {
                cli_error("custodians %u and %u are both named '%s'; give each a name of their "
                          "own", j + 1, i + 1, ns->names[i]);
                return EXIT_USAGE;
            }
    return check_share_dir(ns->share_dir);
}

/* One new passphrase for custodian i: twice on a terminal, never empty. */
static char *
ask_new_passphrase(struct cli *cli, const struct new_set *ns, unsigned i)
{
    char q[SHARE_NAME_MAX + 64], w[SHARE_NAME_MAX + 32];
    int  tries;

    who(ns, i, w, sizeof w);
    snprintf(q, sizeof q, "Passphrase for %s: ", w);
    for (tries = 0; tries < 3; tries++) {
        char *pw = cli_ask_secret(cli, q, true);

        if (pw == NULL)
            return NULL;
        if (*pw)
            return pw;
        secmem_free(pw);
        if (!cli_interactive(cli)) {
            cli_error("%s: the passphrase file gives an empty passphrase; a share file needs one",
                      w);
            return NULL;
        }
        cli_warn("a share file's passphrase cannot be empty; once more");
    }
    cli_error("%s gave no passphrase; nothing was written", w);
    return NULL;
}

int
cli_newset_split_and_ask(struct cli *cli, struct new_set *ns, const uint8_t *identity,
                     const struct cer_sets *avoid, int avoid_id)
{
    unsigned i;
    int      tries;

    if ((ns->mnemonics = secmem_alloc(ns->n * sizeof *ns->mnemonics)) == NULL) {
        cli_error("out of secure memory");
        return -1;
    }
    for (tries = 0; tries < SPLIT_TRIES; tries++) {
        if (slip39_split(identity, AGE_KEY_LEN, "", 1, true, (uint8_t) ns->m, (uint8_t) ns->n,
                         &ns->id, ns->mnemonics) < 0) {
            cli_error_from("cannot split the recovery key");
            return -1;
        }
        /* a new set never takes the identifier of one the vault knows */
        if ((avoid == NULL || !cer_sets_known(avoid, ns->id)) && (int) ns->id != avoid_id)
            break;
    }
    if (tries == SPLIT_TRIES) {
        cli_error("cannot find a share set identifier this vault has not used");
        return -1;
    }
    for (i = 0; i < ns->n; i++)
        if ((ns->passphrases[i] = ask_new_passphrase(cli, ns, i)) == NULL)
            return -1;
    return 0;
}

static int
fd_sink(void *ctx, const uint8_t *p, size_t n)
{
    int rc = fs_write_full(*(int *) ctx, p, n);

    return rc < 0 ? okra_fail_errno(-rc, "cannot write") : 0;
}

static int
write_one(struct new_set *ns, unsigned i, const char *vault_id, struct share_text *t)
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
    cli_litter_add(ns->dirfd, ns->files[i]);
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
write_files(struct new_set *ns, const char *vault_id, int vault_fd)
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
        rc = write_one(ns, i, vault_id, t);
    if (rc == 0)
        rc = fs_fsync_dir(ns->dirfd);
    secmem_free(t);
    return rc;
}

/* Writes s (which may be secret) straight from where it lies to the terminal. */
static void
tty_put(int tty, const char *s, size_t n)
{
    (void) !write(tty, s, n);
}

/* The words of custodian i's share on the terminal for a paper backup; cleared after Enter. */
static void
show_mnemonic(const struct new_set *ns, unsigned i)
{
    const char *m = ns->mnemonics[i];
    char        line[SHARE_NAME_MAX + 256], w[SHARE_NAME_MAX + 32], c;
    int         tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    unsigned    word = 0;
    size_t      pos = 0;

    if (tty < 0)
        return;
    who(ns, i, w, sizeof w);
    snprintf(line, sizeof line, "\n%s: the words of your share, for a paper backup.\nWrite "
             "them down in order, alone, and keep the paper as safe as your share file.\n\n", w);
    tty_put(tty, line, strlen(line));
    while (m[pos]) {
        size_t len = strcspn(m + pos, " ");

        snprintf(line, sizeof line, "%s%3u ", word % 6 ? "  " : "\n", word + 1);
        word++;
        tty_put(tty, line, strlen(line));
        tty_put(tty, m + pos, len);
        tty_put(tty, "         ", len < 9 ? 9 - len : 0);
        pos += len + (m[pos + len] == ' ');
    }
    snprintf(line, sizeof line, "\n\nPress Enter when they are written down; the screen is then "
             "cleared. ");
    tty_put(tty, line, strlen(line));
    while (read(tty, &c, 1) == 1 && c != '\n' && c != '\r')
        ;
    tty_put(tty, "\033[H\033[2J\033[3J", 11);
    close(tty);
}

/* Reads custodian i's file back and opens it with pw: 0, -EBADMSG wrong passphrase, or why. */
static int
reopen(struct new_set *ns, unsigned i, const char *pw, const char *vault_id)
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
roll_call_one(struct cli *cli, struct new_set *ns, unsigned i, const char *vault_id)
{
    char w[SHARE_NAME_MAX + 32], q[SHARE_NAME_MAX + SHARE_FILE_NAME_MAX + 96];
    int  tries, rc;

    who(ns, i, w, sizeof w);
    if (!cli_interactive(cli)) {
        if ((rc = reopen(ns, i, ns->passphrases[i], vault_id)) < 0)
            cli_error("roll call: %s cannot open %s: %s", w, ns->files[i], okra_errmsg());
        return rc;
    }
    snprintf(q, sizeof q, "Roll call: %s, open %s with your passphrase: ", w, ns->files[i]);
    for (tries = 3; tries > 0; tries--) {
        char *pw = cli_ask_secret(cli, q, false);

        if (pw == NULL)
            return -1;
        rc = reopen(ns, i, pw, vault_id);
        secmem_free(pw);
        if (rc == 0)
            break;
        if (rc != -EBADMSG) {
            cli_error("roll call: %s", okra_errmsg());
            return rc;
        }
        if (tries > 1)
            cli_warn("that passphrase does not open %s; %d %s left", ns->files[i], tries - 1,
                     tries == 2 ? "try" : "tries");
    }
    if (rc < 0) {
        cli_error("roll call: %s could not open %s with their passphrase", w, ns->files[i]);
        return rc;
    }
    fprintf(stderr, "okra: roll call: %s opened %s\n", w, ns->files[i]);
    if (ns->show_mnemonic)
        show_mnemonic(ns, i);
    return 0;
}

int
cli_newset_write_and_roll_call(struct cli *cli, struct new_set *ns, const char *vault_id, int vault_fd)
{
    unsigned i;

    /* scrypt takes a moment per file: say what the pause is */
    fprintf(stderr, "okra: writing %u share file%s (scrypt, work factor %d: a moment each)...\n",
            ns->n, ns->n == 1 ? "" : "s", ns->log_n);
    if (write_files(ns, vault_id, vault_fd) < 0) {
        cli_error_from(NULL);
        cli_newset_remove_files(ns);
        return -1;
    }
    for (i = 0; i < ns->n; i++)
        if (roll_call_one(cli, ns, i, vault_id) < 0) {
            cli_newset_remove_files(ns);
            return -1;
        }
    return 0;
}

json_t *
cli_newset_record(const struct new_set *ns)
{
    json_t  *names = json_array();
    unsigned i;

    for (i = 0; i < ns->n; i++)
        json_array_append_new(names, json_string(ns->names[i]));
    return json_pack("{s:i, s:i, s:o}", "id", (int) ns->id, "threshold", (int) ns->m,
                     "custodians", names);
}

void
cli_newset_remove_files(struct new_set *ns)
{
    unsigned i;

    if (ns->dirfd >= 0) {
        for (i = 0; i < ns->written; i++)
            unlinkat(ns->dirfd, ns->files[i], 0);
        fs_fsync_dir(ns->dirfd);
    }
    ns->written = 0;
    cli_litter_clear();
    if (ns->dir_created && rmdir(ns->share_dir) == 0)
        ns->dir_created = false;
}

void
cli_newset_free(struct new_set *ns)
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

void
cli_newset_print(const struct new_set *ns, FILE *f)
{
    unsigned i;
    size_t   width = 0;

    for (i = 0; i < ns->n; i++)
        if (strlen(ns->names[i]) > width)
            width = strlen(ns->names[i]);
    for (i = 0; i < ns->n; i++) {
        char *safe = cli_safe_dup(ns->names[i]);

        fprintf(f, "  %2u  %-*s  %s/%s\n", i + 1, (int) width, safe ? safe : "?", ns->share_dir,
                ns->files[i]);
        free(safe);
    }
}

int
cli_newset_option(struct cli *cli, int key, const char *value, struct newset_opts *o)
{
    unsigned wf;

    switch (key) {
    case OPT_CUSTODIANS:
        if (cli_parse_uint(value, 1, SLIP39_MAX_SHARES, &o->ns->n) < 0)
            return cli_bad_value(cli, key, value, "a number from 1 to 16");
        return 0;
    case OPT_THRESHOLD:
        if (cli_parse_uint(value, 1, SLIP39_MAX_SHARES, &o->ns->m) < 0)
            return cli_bad_value(cli, key, value, "a number from 1 to 16");
        return 0;
    case OPT_SHARE_DIR:
        o->ns->share_dir = value;
        return 0;
    case OPT_NAME:
        if (o->n_names == SLIP39_MAX_SHARES)
            return cli_usage(cli, "--name may be given 16 times at most");
        o->names[o->n_names++] = value;
        return 0;
    case OPT_SHOW_MNEMONIC:
        o->ns->show_mnemonic = true;
        return 0;
    case OPT_WORK_FACTOR:
        if (cli_parse_uint(value, CEREMONY_LOG_N_MIN, CEREMONY_LOG_N_MAX, &wf) < 0)
            return cli_bad_value(cli, key, value, "a number from 10 to 20 (log2 of scrypt's N)");
        o->ns->log_n = (int) wf;
        return 0;
    default:
        return 0;
    }
}
