/*
 * prompt.c: secrets from the terminal with echo off, or, with
 * --passphrase-file, one line of that file per prompt in the order the
 * prompts appear (confirmations skipped). Secrets never come from argv or
 * the environment.
 */
#include "cli/cli.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/secmem.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#define SECRET_MAX 1024
#define PASSFILE_MAX (1024 * 1024)

struct prompter {
    int    tty;    /* /dev/tty, or -1 when reading the file */
    char  *file;   /* the passphrase file's bytes, in secure memory */
    size_t len;
    size_t pos;
    unsigned line;
};

bool
cli_interactive(struct cli *cli)
{
    return cli->passphrase_file == NULL;
}

/*
 * The whole passphrase file, into secure memory: a regular file or a pipe
 * (bash's <(...) keeps passphrases off the disk altogether), at most 1 MiB.
 */
static int
load_passphrase_file(struct prompter *p, const char *path)
{
    struct stat st;
    int         fd = open(path, O_RDONLY | O_CLOEXEC);
    size_t      len = 0;

    if (fd < 0)
        return okra_fail_errno(errno, "cannot open the passphrase file %s", path);
    if (fstat(fd, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(fd);
        return okra_fail(-EINVAL, "%s is not a passphrase file (a regular file or a pipe)", path);
    }
    if ((p->file = secmem_alloc(PASSFILE_MAX + 1)) == NULL) {
        close(fd);
        return okra_fail(-ENOMEM, "out of secure memory");
    }
    for (;;) {
        ssize_t n = read(fd, p->file + len, PASSFILE_MAX + 1 - len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;

            close(fd);
            return okra_fail_errno(e, "cannot read the passphrase file %s", path);
        }
        if (n == 0)
            break;
        len += (size_t) n;
        if (len > PASSFILE_MAX) {
            close(fd);
            return okra_fail(-EFBIG, "the passphrase file %s is larger than 1 MiB", path);
        }
    }
    close(fd);
    p->len = len;
    return 0;
}

static struct prompter *
prompter_get(struct cli *cli)
{
    struct prompter *p;

    if (cli->prompter)
        return cli->prompter;
    if ((p = calloc(1, sizeof *p)) == NULL)
        return NULL;
    p->tty = -1;
    if (cli->passphrase_file) {
        if (load_passphrase_file(p, cli->passphrase_file) < 0) {
            cli_error_from(NULL);
            free(p);
            return NULL;
        }
    } else if ((p->tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) < 0) {
        cli_error("%s needs a passphrase and there is no terminal to ask: give --passphrase-file FILE",
                  cli->command);
        free(p);
        return NULL;
    }
    cli->prompter = p;
    return p;
}

/* The next line of the passphrase file (without its newline or CR). */
static char *
next_file_line(struct cli *cli, struct prompter *p, const char *question)
{
    size_t start = p->pos, end;

    if (p->pos >= p->len) {
        cli_error("the passphrase file %s has no line for: %s", cli->passphrase_file, question);
        return NULL;
    }
    end = start;
    while (end < p->len && p->file[end] != '\n')
        end++;
    p->pos = end < p->len ? end + 1 : end;
    p->line++;
    if (end > start && p->file[end - 1] == '\r')
        end--;
    if (end - start > SECRET_MAX) {
        cli_error("line %u of the passphrase file %s is longer than %d bytes", p->line,
                  cli->passphrase_file, SECRET_MAX);
        return NULL;
    }
    return secmem_strndup(p->file + start, end - start);
}

static volatile sig_atomic_t interrupted;

static void
on_signal(int sig)
{
    interrupted = sig;
}

/*
 * Echo stays off from the first secret prompt until okra is done with the
 * terminal: keys typed ahead during a pause (the scrypt of share files
 * after "Again, to confirm:") are never shown, and each prompt first
 * discards them (TCIFLUSH), so they are never taken for an answer either.
 * The terminal is given back, input discarded, at the end, at exit and on
 * a fatal signal; then the previous handler (a ceremony's cleanup) runs.
 */
static struct {
    int                   fd;
    struct termios        saved;
    volatile sig_atomic_t quiet;
    struct sigaction      prev[4];
} tty_state = { .fd = -1 };

static const int restore_signals[4] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

void
cli_tty_restore(void)
{
    if (tty_state.quiet) {
        tcsetattr(tty_state.fd, TCSAFLUSH, &tty_state.saved);
        tty_state.quiet = 0;
    }
}

static void
on_fatal_signal(int sig)
{
    size_t i;

    cli_tty_restore();
    for (i = 0; i < 4; i++)
        if (restore_signals[i] == sig) {
            sigaction(sig, &tty_state.prev[i], NULL);
            break;
        }
    raise(sig);
}

/* Echo off (once), with the terminal's own state kept for giving it back. */
static int
tty_quiet(struct prompter *p)
{
    struct termios   quiet;
    struct sigaction sa = { .sa_handler = on_fatal_signal };
    size_t           i;

    if (tty_state.quiet)
        return 0;
    if (tcgetattr(p->tty, &tty_state.saved) < 0)
        return -1;
    quiet = tty_state.saved;
    quiet.c_lflag &= (tcflag_t) ~(ECHO | ECHONL);
    quiet.c_lflag |= ICANON;
    tty_state.fd = p->tty;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < 4; i++)
        sigaction(restore_signals[i], &sa, &tty_state.prev[i]);
    if (tcsetattr(p->tty, TCSAFLUSH, &quiet) < 0)
        return -1;
    tty_state.quiet = 1;
    atexit(cli_tty_restore);
    return 0;
}

/* One line from the terminal with echo off. */
static char *
read_tty_line(struct prompter *p, const char *question)
{
    struct sigaction sa = { .sa_handler = on_signal }, oint, oterm;
    char            *buf = secmem_alloc(SECRET_MAX + 2);
    size_t           n = 0;
    bool             ok = false;

    if (buf == NULL)
        return NULL;
    if (tty_quiet(p) < 0) {
        secmem_free(buf);
        return NULL;
    }
    interrupted = 0;
    sigaction(SIGINT, &sa, &oint);
    sigaction(SIGTERM, &sa, &oterm);
    /* what was typed before the question is not its answer */
    tcflush(p->tty, TCIFLUSH);
    (void) !write(p->tty, question, strlen(question));
    for (;;) {
        char    c;
        ssize_t r = read(p->tty, &c, 1);

        if (r < 0 && errno == EINTR && !interrupted)
            continue;
        if (r <= 0 || interrupted)
            break;
        if (c == '\n' || c == '\r') {
            ok = true;
            break;
        }
        if (n < SECRET_MAX + 1)
            buf[n++] = c;
        sodium_memzero(&c, sizeof c);
    }
    (void) !write(p->tty, "\n", 1);
    sigaction(SIGINT, &oint, NULL);
    sigaction(SIGTERM, &oterm, NULL);
    if (!ok || n > SECRET_MAX) {
        secmem_free(buf);
        if (interrupted)
            raise(interrupted);
        return NULL;
    }
    buf[n] = '\0';
    return buf;
}

char *
cli_ask_secret(struct cli *cli, const char *question, bool confirm)
{
    struct prompter *p = prompter_get(cli);
    int              tries;

    if (p == NULL)
        return NULL;
    if (p->tty < 0)
        return next_file_line(cli, p, question);
    for (tries = 0; tries < 3; tries++) {
        char  again[256];
        char *a = read_tty_line(p, question), *b;

        if (a == NULL || !confirm)
            return a;
        snprintf(again, sizeof again, "Again, to confirm: ");
        if ((b = read_tty_line(p, again)) == NULL) {
            secmem_free(a);
            return NULL;
        }
        if (strlen(a) == strlen(b) && sodium_memcmp(a, b, strlen(a)) == 0) {
            secmem_free(b);
            return a;
        }
        secmem_free(a);
        secmem_free(b);
        (void) !write(p->tty, "They differ; once more.\n", 24);
    }
    cli_error("the two entries differed three times; nothing was changed");
    return NULL;
}

void
cli_prompter_close(struct cli *cli)
{
    struct prompter *p = cli->prompter;

    if (p == NULL)
        return;
    cli_tty_restore();
    if (p->tty >= 0)
        close(p->tty);
    secmem_free(p->file);
    free(p);
    cli->prompter = NULL;
}
