/*
 * confirm.c: a yes-or-no question at the terminal, asked with echo on
 * before any secret (a bulk recovery's list of items). Nothing secret.
 */
#include "cli/cli.h"

#include <ctype.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

int
cli_confirm(struct cli *cli, const char *question)
{
    char    answer[16];
    size_t  n = 0;
    char    c;
    ssize_t r;
    int     tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);

    if (tty < 0) {
        cli_error("%s asks for a yes at the terminal, and there is none: give --passphrase-file "
                  "FILE for a recovery without one", cli->command);
        return EXIT_FAIL;
    }
    fflush(stdout);
    fflush(stderr);
    (void) !write(tty, question, strlen(question));
    while ((r = read(tty, &c, 1)) == 1 && c != '\n' && c != '\r')
        if (n < sizeof answer - 1)
            answer[n++] = (char) tolower((unsigned char) c);
    answer[n] = '\0';
    close(tty);
    if (strcmp(answer, "yes") == 0 || strcmp(answer, "y") == 0)
        return 0;
    cli_error("not confirmed; nothing was recovered and no share was asked for");
    return EXIT_FAIL;
}
