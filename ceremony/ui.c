/* ui.c: the small helpers around struct cer_ui. */
#include "ceremony/ui.h"
#include "common/err.h"

#include <stdarg.h>
#include <stdio.h>

void
cer_say(const struct cer_ui *ui, enum cer_say level, const char *fmt, ...)
{
    char    line[2048];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    ui->say(ui->ctx, level, line);
}

void
cer_say_failure(const struct cer_ui *ui, const char *prefix)
{
    const char *why = okra_errmsg();

    if (prefix && *prefix)
        cer_say(ui, CER_SAY_ERROR, "%s: %s", prefix, *why ? why : "failed");
    else
        cer_say(ui, CER_SAY_ERROR, "%s", *why ? why : "failed");
}

void
cer_litter(const struct cer_ui *ui, int dirfd, const char *name, bool folder)
{
    if (ui->litter)
        ui->litter(ui->ctx, dirfd, name, folder);
}

void
cer_litter_forget(const struct cer_ui *ui)
{
    if (ui->litter_forget)
        ui->litter_forget(ui->ctx);
}

void
cer_progress(const struct cer_ui *ui, const char *what, uint64_t done, uint64_t total)
{
    if (ui->progress)
        ui->progress(ui->ctx, what, done, total);
}
