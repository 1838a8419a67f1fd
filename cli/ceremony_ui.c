/*
 * ceremony_ui.c: what the ceremonies ask of the face (ceremony/ui.h): the
 * prompts (the terminal with echo off, or --passphrase-file), the lines the
 * people present read, the files a signal must not leave behind, and a
 * share's words shown for a paper backup.
 */
#include "cli/ceremony.h"
#include "cli/progress.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char *
ask_secret(void *ctx, const char *question, bool confirm)
{
    return cli_ask_secret(ctx, question, confirm);
}

static bool
interactive(void *ctx)
{
    return cli_interactive(ctx);
}

static void
say(void *ctx, enum cer_say level, const char *text)
{
    (void) ctx;
    if (level == CER_SAY_ERROR) {
        cli_error("%s", text);
    } else if (level == CER_SAY_WARN) {
        cli_warn("%s", text);
    } else {
        fflush(stdout);
        cli_put_safe(stderr, text);
        fputc('\n', stderr);
    }
}

static void
litter(void *ctx, int dirfd, const char *name, bool folder)
{
    (void) ctx;
    if (folder)
        cli_litter_add_dir(dirfd, name);
    else
        cli_litter_add(dirfd, name);
}

static void
litter_forget(void *ctx)
{
    (void) ctx;
    cli_litter_clear();
}

/* Writes s (which may be secret) straight from where it lies to the terminal. */
static void
tty_put(int tty, const char *s, size_t n)
{
    (void) !write(tty, s, n);
}

/* The words of a share on the terminal for a paper backup, six to a line; cleared after Enter. */
static void
show_words(void *ctx, const char *who, const char *m)
{
    char     line[SHARE_NAME_MAX + 256], c;
    int      tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
    unsigned word = 0;
    size_t   pos = 0;

    (void) ctx;
    if (tty < 0)
        return;
    snprintf(line, sizeof line, "\n%s: the words of your share, for a paper backup.\nWrite "
             "them down in order, alone, and keep the paper as safe as your share file.\n\n", who);
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

/* One progress line at a time (progress.h): on stderr at a terminal, unless --quiet. */
static void
progress(void *ctx, const char *what, uint64_t done, uint64_t total)
{
    static struct cli_progress p;
    static bool                started;

    (void) ctx;
    if (!started) {
        cli_progress_start(&p, "recover", what, total);
        started = true;
    }
    cli_progress_update(&p, done, NULL);
    if (done >= total) {
        cli_progress_finish(&p);
        started = false;
    }
}

void
cli_ceremony_ui(struct cli *cli, struct cer_ui *ret)
{
    *ret = (struct cer_ui) { .ctx = cli,
                             .ask_secret = ask_secret,
                             .interactive = interactive,
                             .say = say,
                             .litter = litter,
                             .litter_forget = litter_forget,
                             .show_words = show_words,
                             .progress = progress };
}
