/*
 * litter.c: what an interrupted command leaves behind is removed by the
 * signal handler (a ceremony's staged recovered files, new share files not
 * yet recorded, a staging vault).
 */
#include "cli/cli.h"
#include "ceremony/recover.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*
 * What an interrupted ceremony leaves behind: staged recovered files (keys in
 * the clear), new share files of a set never recorded. The handler removes
 * them (unlinkat is async-signal-safe), then dies of the signal as it would
 * have. prompt.c restores this handler after each prompt and re-raises.
 */
#define LITTER_MAX 1024

static struct {
    int  dirfd;
    int  flags; /* AT_REMOVEDIR for an (empty) folder */
    char name[CER_OUT_NAME_MAX + 32];
} litter[LITTER_MAX];
static volatile sig_atomic_t n_litter;

static void
litter_add(int dirfd, const char *name, int flags)
{
    if (n_litter == LITTER_MAX || strlen(name) >= sizeof litter[0].name)
        return;
    litter[n_litter].dirfd = dirfd;
    litter[n_litter].flags = flags;
    strcpy(litter[n_litter].name, name);
    n_litter++;
}

void
cli_litter_add(int dirfd, const char *name)
{
    litter_add(dirfd, name, 0);
}

void
cli_litter_add_dir(int dirfd, const char *name)
{
    litter_add(dirfd, name, AT_REMOVEDIR);
}

void
cli_litter_clear(void)
{
    n_litter = 0;
}

static void
on_interrupt(int sig)
{
    sig_atomic_t i;

    /* newest first: a folder's files go before the folder */
    for (i = n_litter; i > 0; i--)
        unlinkat(litter[i - 1].dirfd, litter[i - 1].name, litter[i - 1].flags);
    signal(sig, SIG_DFL);
    raise(sig);
}

void
cli_litter_catch_signals(void)
{
    struct sigaction sa = { .sa_handler = on_interrupt };

    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
}

