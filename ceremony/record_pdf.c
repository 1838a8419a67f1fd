/*
 * record_pdf.c: the record on paper, drawn with cairo's PDF surface in the
 * DejaVu fonts (Debian's fonts-dejavu-core, through fontconfig): the heading,
 * the steps with a box for initials each, the SHA256SUMS hash in hex and in
 * PGP words, the checkpoint as text and as a QR code, and a signature line
 * per custodian, operator and witness. Every line of text is wrapped to stay
 * inside the margins; the page count is known before the first page is
 * drawn (a measuring pass), so each page says "page i of n".
 */
#include "ceremony/record.h"
#include "common/err.h"
#include "common/fsutil.h"
#include "common/qr.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>
#include <stdlib.h>
#include <string.h>

#define MARGIN     48.0 /* points, every side (about 17 mm) */
#define FOOTER     16.0 /* the footer's band, inside the bottom margin's box */
#define BODY       9.0
#define LEAD       1.3  /* line height, times the font size */
#define MODULE     2.0  /* a QR module, points */
#define INITIALS_W 54.0

enum font { SANS, BOLD, MONO };

struct layout {
    cairo_t                 *cr;
    const struct cer_record *r;
    double                   w, h;          /* the page */
    double                   left, right;   /* the text box */
    double                   top, bottom;   /* bottom: above the footer */
    double                   y;
    int                      page, pages;   /* pages: 0 while measuring */
    int                      error;
    cairo_font_face_t       *faces[3];      /* SANS, BOLD, MONO */
};

static void
font(struct layout *L, enum font f, double size)
{
    cairo_set_font_face(L->cr, L->faces[f]);
    cairo_set_font_size(L->cr, size);
}

static void
faces_open(struct layout *L)
{
    L->faces[SANS] = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                                CAIRO_FONT_WEIGHT_NORMAL);
    L->faces[BOLD] = cairo_toy_font_face_create("DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                                                CAIRO_FONT_WEIGHT_BOLD);
    L->faces[MONO] = cairo_toy_font_face_create("DejaVu Sans Mono", CAIRO_FONT_SLANT_NORMAL,
                                                CAIRO_FONT_WEIGHT_NORMAL);
}

static void
faces_close(struct layout *L)
{
    int i;

    for (i = 0; i < 3; i++)
        cairo_font_face_destroy(L->faces[i]);
}

static double
width_of(struct layout *L, char *s, size_t n)
{
    cairo_text_extents_t te;
    char                 c = s[n];

    s[n] = '\0';
    cairo_text_extents(L->cr, s, &te);
    s[n] = c;
    return te.x_advance;
}

/* Bytes of the longest start of s (at most n bytes, whole UTF-8 characters) that fits in width; at least one character. */
static size_t
fit_chars(struct layout *L, char *s, size_t n, double width)
{
    size_t k = 0, next;

    for (;;) {
        next = k + 1;
        while (next < n && ((unsigned char) s[next] & 0xc0) == 0x80)
            next++;
        if (next > n || width_of(L, s, next) > width)
            return k ? k : next;
        k = next;
        if (k == n)
            return k;
    }
}

/*
 * Draws (or, while measuring, only counts) text wrapped into width at x, from
 * L->y down; breaks at spaces and newlines, inside a word only when it is
 * wider than a line. Returns the number of lines. The font is set by the caller.
 */
static int
text_block(struct layout *L, const char *text, double x, double y, double width, double size,
           bool draw)
{
    char                *s = strdup(text), *p;
    cairo_font_extents_t fe;
    int                  lines = 0;

    if (s == NULL) {
        L->error = -ENOMEM;
        return 1;
    }
    cairo_font_extents(L->cr, &fe);
    for (p = s; *p || lines == 0;) {
        size_t end = strcspn(p, "\n"), take = 0, k = 0;
        char   sp[] = " ";
        double used = 0, space = width_of(L, sp, 1);

        /* the most whole words of this line that fit, each word measured once */
        while (k < end) {
            size_t wl = strcspn(p + k, " \n");
            double ww = width_of(L, p + k, wl), at = take ? used + space * (double) (k - take) : 0;

            if (at + ww > width)
                break;
            used = at + ww;
            take = k + wl;
            for (k = take; k < end && p[k] == ' '; k++)
                ;
        }
        if (take == 0 && end > 0)
            take = fit_chars(L, p, end, width);
        if (draw) {
            char c = p[take];

            p[take] = '\0';
            cairo_move_to(L->cr, x, y + lines * size * LEAD + fe.ascent);
            cairo_show_text(L->cr, p);
            p[take] = c;
        }
        lines++;
        p += take;
        while (*p == ' ')
            p++;
        if (*p == '\n' && take == end)
            p++;
        if (*p == '\0')
            break;
    }
    free(s);
    return lines;
}

static int
lines_of(struct layout *L, const char *text, double width, double size)
{
    return text_block(L, text, 0, 0, width, size, false);
}

static bool
drawing(const struct layout *L)
{
    return L->pages > 0;
}

static void
footer(struct layout *L)
{
    char t[200];

    if (!drawing(L))
        return;
    snprintf(t, sizeof t, "okra record, vault %s, %s, page %d of %d", L->r->vault_id, L->r->title,
             L->page, L->pages);
    font(L, SANS, 7);
    text_block(L, t, L->left, L->h - MARGIN - 7 * LEAD, L->right - L->left, 7, true);
}

static void
new_page(struct layout *L)
{
    if (L->page > 0) {
        footer(L);
        if (drawing(L))
            cairo_show_page(L->cr);
    }
    L->page++;
    L->y = L->top;
}

/* Starts a new page unless h more points fit; true when it did. */
static bool
room_for(struct layout *L, double h)
{
    if (L->y + h <= L->bottom || L->y == L->top)
        return false;
    new_page(L);
    return true;
}

static void
rule(struct layout *L, double x0, double x1, double y)
{
    if (!drawing(L))
        return;
    cairo_set_line_width(L->cr, 0.6);
    cairo_move_to(L->cr, x0, y);
    cairo_line_to(L->cr, x1, y);
    cairo_stroke(L->cr);
}

static void
section(struct layout *L, const char *title, double after)
{
    room_for(L, 2 * 11 * LEAD + after);
    L->y += 8;
    font(L, BOLD, 11);
    text_block(L, title, L->left, L->y, L->right - L->left, 11, drawing(L));
    L->y += 11 * LEAD + 2;
}

static void
title(struct layout *L)
{
    char t[160];

    snprintf(t, sizeof t, "okra: record of %s", L->r->title);
    font(L, BOLD, 16);
    L->y += text_block(L, t, L->left, L->y, L->right - L->left, 16, drawing(L)) * 16 * LEAD;
    font(L, SANS, BODY);
    L->y += text_block(L, "For the custodians, the operator and the witnesses: compare the hash "
                          "aloud, initial each step, and sign. Nothing secret is printed here.",
                       L->left, L->y, L->right - L->left, BODY, drawing(L)) * BODY * LEAD;
}

static void
heading(struct layout *L)
{
    const double label_w = 84;
    size_t       i;

    section(L, "Bundle", 2 * BODY * LEAD);
    for (i = 0; i < L->r->n_heading; i++) {
        const struct cer_record_row *row = &L->r->heading[i];
        double                       vw = L->right - L->left - label_w;
        int                          n;

        font(L, SANS, BODY);
        n = lines_of(L, row->value, vw, BODY);
        room_for(L, n * BODY * LEAD);
        font(L, BOLD, BODY);
        text_block(L, row->label, L->left, L->y, label_w - 4, BODY, drawing(L));
        font(L, SANS, BODY);
        text_block(L, row->value, L->left + label_w, L->y, vw, BODY, drawing(L));
        L->y += n * BODY * LEAD;
    }
}

/* The steps table's columns. */
struct cols {
    double num, action, text, text_w, box;
};

static void
steps_header(struct layout *L, const struct cols *c)
{
    font(L, BOLD, 8);
    text_block(L, "#", c->num, L->y, c->action - c->num, 8, drawing(L));
    text_block(L, "step", c->action, L->y, c->text - c->action, 8, drawing(L));
    text_block(L, "what", c->text, L->y, c->text_w, 8, drawing(L));
    text_block(L, "initials", c->box, L->y, INITIALS_W, 8, drawing(L));
    L->y += 8 * LEAD;
    rule(L, L->left, L->right, L->y);
    L->y += 3;
}

static void
step_row(struct layout *L, const struct cols *c, size_t i)
{
    const struct cer_record_step *s = &L->r->steps[i];
    char                          num[24];
    double                        h;
    int                           n;

    font(L, SANS, BODY);
    n = lines_of(L, s->text, c->text_w, BODY);
    h = n * BODY * LEAD;
    if (h < 18)
        h = 18;
    if (room_for(L, h + 4))
        steps_header(L, c);
    snprintf(num, sizeof num, "%zu", i + 1);
    text_block(L, num, c->num, L->y + 2, c->action - c->num - 2, BODY, drawing(L));
    text_block(L, s->text, c->text, L->y + 2, c->text_w, BODY, drawing(L));
    font(L, BOLD, BODY);
    text_block(L, s->action, c->action, L->y + 2, c->text - c->action - 4, BODY, drawing(L));
    if (drawing(L)) {
        cairo_set_line_width(L->cr, 0.8);
        cairo_rectangle(L->cr, c->box, L->y + 1, INITIALS_W, 16);
        cairo_stroke(L->cr);
    }
    L->y += h + 4;
}

static void
steps(struct layout *L)
{
    struct cols c;
    size_t      i;

    c.num = L->left;
    c.action = L->left + 22;
    c.text = L->left + 118;
    c.box = L->right - INITIALS_W;
    c.text_w = c.box - 8 - c.text;
    section(L, "Steps, in the order they were taken", 40);
    steps_header(L, &c);
    for (i = 0; i < L->r->n_steps; i++)
        step_row(L, &c, i);
}

static void
hash(struct layout *L)
{
    const char *w = L->r->words;
    char        line[96];
    int         g;

    section(L, "SHA256SUMS hash of this bundle: compare it aloud", 10 * 11.0);
    font(L, MONO, 8.5);
    L->y += text_block(L, L->r->sums, L->left, L->y, L->right - L->left, 8.5, drawing(L)) *
            8.5 * LEAD + 3;
    for (g = 0; g < 8; g++) {
        size_t len = strcspn(w, "\n");

        snprintf(line, sizeof line, "%d  %.8s", g + 1, L->r->sums + 8 * g);
        font(L, MONO, BODY);
        text_block(L, line, L->left, L->y, 90, BODY, drawing(L));
        snprintf(line, sizeof line, "%.*s", (int) len, w);
        font(L, SANS, BODY);
        text_block(L, line, L->left + 96, L->y, L->right - L->left - 96, BODY, drawing(L));
        L->y += BODY * LEAD;
        w += len + (w[len] == '\n');
    }
}

static void
draw_qr(struct layout *L, const struct qr *q, double x, double y, double m)
{
    int row, col;

    if (!drawing(L))
        return;
    for (row = 0; row < q->width; row++)
        for (col = 0; col < q->width;) {
            int run = 0;

            while (col + run < q->width && qr_dark(q, col + run, row))
                run++;
            if (run) {
                cairo_rectangle(L->cr, x + col * m, y + row * m, run * m, m);
                col += run;
            } else {
                col++;
            }
        }
    cairo_fill(L->cr);
}

static void
checkpoint(struct layout *L)
{
    const struct cer_record *r = L->r;
    double                   tw = L->right - L->left, size = 6.8, m = MODULE, side;
    struct qr                q = { 0 };
    int                      n = 0;

    if (r->checkpoint && qr_encode(r->checkpoint, strlen(r->checkpoint), &q) < 0)
        L->error = -EINVAL;
    side = q.width ? (q.width + 2 * QR_QUIET) * m : 0;
    if (side > tw) {
        m = tw / (q.width + 2 * QR_QUIET);
        side = tw;
    }
    font(L, MONO, size);
    if (r->checkpoint)
        n = lines_of(L, r->checkpoint, tw, size);
    section(L, "Checkpoint: the auditor keeps it (scan the code, or type the text)",
            side + n * size * LEAD + 2 * BODY * LEAD);
    if (r->checkpoint_note) {
        font(L, SANS, BODY);
        L->y += text_block(L, r->checkpoint_note, L->left, L->y, tw, BODY, drawing(L)) * BODY *
                LEAD;
    }
    if (q.width) {
        draw_qr(L, &q, L->left + QR_QUIET * m, L->y + QR_QUIET * m, m);
        L->y += side;
    }
    if (r->checkpoint) {
        font(L, MONO, size);
        L->y += text_block(L, r->checkpoint, L->left, L->y, tw, size, drawing(L)) * size * LEAD;
    }
    qr_free(&q);
}

static void
signers(struct layout *L)
{
    const double line_w = 250, date_x = L->right - 130;
    size_t       i;

    section(L, "Signatures", 44);
    for (i = 0; i < L->r->n_signers; i++) {
        const struct cer_record_signer *s = &L->r->signers[i];
        char                            who[600];

        room_for(L, 44);
        rule(L, L->left, L->left + line_w, L->y + 24);
        rule(L, date_x, L->right, L->y + 24);
        snprintf(who, sizeof who, "%s, %s", *s->name ? s->name : "name: ____________________",
                 s->role);
        font(L, SANS, 8);
        text_block(L, who, L->left, L->y + 27, date_x - L->left - 10, 8, drawing(L));
        text_block(L, "date", date_x, L->y + 27, L->right - date_x, 8, drawing(L));
        L->y += 27 + lines_of(L, who, date_x - L->left - 10, 8) * 8 * LEAD + 6;
    }
}

/* One pass over the whole document: measuring (pages 0) or drawing. */
static void
lay_out(struct layout *L)
{
    L->page = 0;
    new_page(L);
    cairo_set_source_rgb(L->cr, 0, 0, 0);
    title(L);
    heading(L);
    steps(L);
    hash(L);
    checkpoint(L);
    signers(L);
    footer(L);
}

struct sink {
    int fd;
    int error;
};

static cairo_status_t
write_out(void *closure, const unsigned char *data, unsigned int length)
{
    struct sink *s = closure;
    int          rc = fs_write_full(s->fd, data, length);

    if (rc < 0) {
        s->error = rc;
        return CAIRO_STATUS_WRITE_ERROR;
    }
    return CAIRO_STATUS_SUCCESS;
}

int
cer_record_pdf(const struct cer_record *r, enum cer_paper paper, int fd)
{
    struct sink      sink = { fd, 0 };
    struct layout    L = { .r = r };
    cairo_surface_t *s;
    cairo_status_t   st;
    int              pages;

    L.w = paper == CER_PAPER_LETTER ? 612 : 595.28;
    L.h = paper == CER_PAPER_LETTER ? 792 : 841.89;
    L.left = L.top = MARGIN;
    L.right = L.w - MARGIN;
    L.bottom = L.h - MARGIN - FOOTER;
    s = cairo_pdf_surface_create_for_stream(write_out, &sink, L.w, L.h);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_TITLE, r->title);
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "okra " OKRA_VERSION);
    /* the bundle's own time, so that the same record prints the same file */
    cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, r->time);
    L.cr = cairo_create(s);
    faces_open(&L);
    lay_out(&L);                 /* measuring: how many pages */
    L.pages = pages = L.page;
    lay_out(&L);                 /* drawing */
    cairo_destroy(L.cr);
    faces_close(&L);
    cairo_surface_finish(s);
    st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    /*
     * The fonts' caches live for the process otherwise; a record is drawn
     * once, so they go now (and leak checkers see a clean exit).
     */
    cairo_debug_reset_static_data();
    FcFini();
    if (sink.error)
        return okra_fail_write(-sink.error, "the record");
    if (st != CAIRO_STATUS_SUCCESS)
        return okra_fail(-EIO, "cairo cannot draw the record: %s", cairo_status_to_string(st));
    if (L.error)
        return okra_fail(L.error, L.error == -ENOMEM ? "out of memory"
                                                     : "the checkpoint does not fit in a QR code");
    return pages;
}
