/* svgplot: static SVG charts (see svgplot.h).
 *
 * Coordinates are written with one decimal (0.1 px is below what a screen shows), which keeps
 * a 2,000-point polyline near 25 KB. Tick placement is the classic 1-2-5 rule. */
#define _POSIX_C_SOURCE 200809L
#include "io/svgplot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* ==== text ============================================================================= */

void svgplot_escape(strbuf *sb, const char *s) {
    if (!s) return;
    for (; *s; s++) {
        switch (*s) {
        case '&': strbuf_puts(sb, "&amp;"); break;
        case '<': strbuf_puts(sb, "&lt;"); break;
        case '>': strbuf_puts(sb, "&gt;"); break;
        case '"': strbuf_puts(sb, "&quot;"); break;
        case '\'': strbuf_puts(sb, "&#39;"); break;
        default: strbuf_putc(sb, *s);
        }
    }
}

/* ==== ticks ============================================================================ */

double svgplot_nice_step(double lo, double hi, size_t target) {
    if (target == 0) target = 1;
    double span = fabs(hi - lo);
    if (!(span > 0.0) || !isfinite(span)) {
        double a = fabs(lo);
        return (a > 0.0 && isfinite(a)) ? pow(10.0, floor(log10(a))) : 1.0;
    }
    /* raw = span / target; step = the smallest of {1, 2, 5, 10} x 10^floor(log10 raw) >= raw */
    double raw = span / (double)target;
    double mag = pow(10.0, floor(log10(raw)));
    double r = raw / mag;
    double m = r <= 1.0 + 1e-9 ? 1.0 : r <= 2.0 + 1e-9 ? 2.0 : r <= 5.0 + 1e-9 ? 5.0 : 10.0;
    return m * mag;
}

static void svgplot_axis_linear(svgplot_axis *ax, double lo, double hi, size_t target) {
    if (!(hi > lo)) {
        double pad = lo != 0.0 ? fabs(lo) * 0.1 : 1.0;
        lo -= pad;
        hi += pad;
    }
    double step = svgplot_nice_step(lo, hi, target);
    double a = floor(lo / step + 1e-9) * step, b = ceil(hi / step - 1e-9) * step;
    if (!(b > a)) b = a + step;
    ax->scale = SVGPLOT_LINEAR;
    ax->lo = a;
    ax->hi = b;
    ax->step = step;
    ax->n_ticks = 0;
    for (size_t i = 0; ax->n_ticks < SVGPLOT_MAX_TICKS; i++) {
        double t = a + (double)i * step;
        if (t > b + step * 1e-6) break;
        if (fabs(t) < step * 1e-9) t = 0.0;
        ax->ticks[ax->n_ticks++] = t;
    }
}

/* the largest 1/2/5 x 10^k <= v (down = 1) or the smallest >= v (down = 0); v > 0 */
static double svgplot_125(double v, int down) {
    double mag = pow(10.0, floor(log10(v)));
    static const double m[] = {1.0, 2.0, 5.0, 10.0};
    if (down) {
        double best = mag;
        for (size_t i = 0; i < 4; i++)
            if (m[i] * mag <= v * (1.0 + 1e-9)) best = m[i] * mag;
        return best;
    }
    for (size_t i = 0; i < 4; i++)
        if (m[i] * mag >= v * (1.0 - 1e-9)) return m[i] * mag;
    return 10.0 * mag;
}

static void svgplot_axis_log(svgplot_axis *ax, double lo, double hi) {
    if (!(hi > lo)) {
        lo /= 2.0;
        hi *= 2.0;
    }
    double a = svgplot_125(lo, 1), b = svgplot_125(hi, 0);
    ax->scale = SVGPLOT_LOG;
    ax->lo = a;
    ax->hi = b;
    ax->step = 0.0;
    ax->n_ticks = 0;
    int k0 = (int)floor(log10(a) + 1e-9), k1 = (int)ceil(log10(b) - 1e-9);
    int decades = 0;
    for (int k = k0; k <= k1; k++) {
        double t = pow(10.0, k);
        if (t >= a * (1.0 - 1e-9) && t <= b * (1.0 + 1e-9)) decades++;
    }
    int sub = decades < 3;
    for (int k = k0; k <= k1 && ax->n_ticks < SVGPLOT_MAX_TICKS; k++) {
        static const double m[] = {1.0, 2.0, 5.0};
        for (size_t i = 0; i < 3 && ax->n_ticks < SVGPLOT_MAX_TICKS; i++) {
            if (i > 0 && !sub) continue;
            double t = m[i] * pow(10.0, k);
            if (t >= a * (1.0 - 1e-9) && t <= b * (1.0 + 1e-9)) ax->ticks[ax->n_ticks++] = t;
        }
    }
}

static void svgplot_axis_time(svgplot_axis *ax, double lo, double hi, size_t target) {
    static const double steps[] = {3600.0, 3 * 3600.0, 6 * 3600.0, 12 * 3600.0, 86400.0, 2 * 86400.0,
                                   7 * 86400.0, 14 * 86400.0, 28 * 86400.0};
    if (!(hi > lo)) {
        lo -= 3600.0;
        hi += 3600.0;
    }
    if (target == 0) target = 1;
    double step = steps[8];
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if ((hi - lo) / steps[i] <= (double)target) {
            step = steps[i];
            break;
        }
    ax->scale = SVGPLOT_TIME;
    ax->lo = lo;
    ax->hi = hi;
    ax->step = step;
    ax->n_ticks = 0;
    for (double t = ceil(lo / step) * step; t <= hi && ax->n_ticks < SVGPLOT_MAX_TICKS; t += step)
        ax->ticks[ax->n_ticks++] = t;
}

void svgplot_axis_auto(svgplot_axis *ax, double lo, double hi, svgplot_scale scale, size_t target) {
    memset(ax, 0, sizeof *ax);
    if (!isfinite(lo) || !isfinite(hi)) lo = hi = 0.0;
    if (hi < lo) {
        double t = lo;
        lo = hi;
        hi = t;
    }
    if (scale == SVGPLOT_LOG && lo > 0.0)
        svgplot_axis_log(ax, lo, hi);
    else if (scale == SVGPLOT_TIME)
        svgplot_axis_time(ax, lo, hi, target);
    else
        svgplot_axis_linear(ax, lo, hi, target);
}

void svgplot_axis_categories(svgplot_axis *ax, const char *const *names, size_t n) {
    memset(ax, 0, sizeof *ax);
    if (n > SVGPLOT_MAX_CATEGORIES) n = SVGPLOT_MAX_CATEGORIES;
    ax->scale = SVGPLOT_CATEGORY;
    ax->categories = names;
    ax->n_categories = n;
    ax->lo = -0.5;
    ax->hi = n > 0 ? (double)n - 0.5 : 0.5;
    for (size_t i = 0; i < n && i < SVGPLOT_MAX_TICKS; i++) ax->ticks[ax->n_ticks++] = (double)i;
}

void svgplot_axis_pad(svgplot_axis *ax, double frac) {
    if (ax->scale == SVGPLOT_CATEGORY || !(frac > 0.0)) return;
    if (ax->scale == SVGPLOT_LOG) {
        double a = log10(ax->lo), b = log10(ax->hi), d = (b - a) * frac;
        ax->lo = pow(10.0, a - d);
        ax->hi = pow(10.0, b + d);
        return;
    }
    double d = (ax->hi - ax->lo) * frac;
    ax->lo -= d;
    ax->hi += d;
}

void svgplot_tick_label(const svgplot_axis *ax, double v, char *buf, size_t n) {
    if (n == 0) return;
    buf[0] = '\0';
    switch (ax->scale) {
    case SVGPLOT_LINEAR: {
        int dec = ax->step >= 1.0 || !(ax->step > 0.0) ? 0 : (int)ceil(-log10(ax->step) - 1e-9);
        if (dec > 12) dec = 12;
        if (fabs(v) < ax->step * 0.5) v = 0.0; /* never "-0" */
        snprintf(buf, n, "%.*f", dec, v);
        break;
    }
    case SVGPLOT_LOG: snprintf(buf, n, "%g", v); break;
    case SVGPLOT_TIME: {
        time_t t = (time_t)v;
        struct tm tm;
        if (gmtime_r(&t, &tm) == NULL) {
            snprintf(buf, n, "?");
            break;
        }
        strftime(buf, n, (tm.tm_hour == 0 && tm.tm_min == 0) ? "%d %b" : "%d %b %H:%M", &tm);
        break;
    }
    case SVGPLOT_CATEGORY: {
        double r = floor(v + 0.5);
        if (r >= 0.0 && r < (double)ax->n_categories && ax->categories && ax->categories[(size_t)r])
            snprintf(buf, n, "%s", ax->categories[(size_t)r]);
        break;
    }
    }
}

double svgplot_axis_frac(const svgplot_axis *ax, double v) {
    if (ax->scale == SVGPLOT_LOG) {
        if (!(v > 0.0)) return NAN;
        return (log10(v) - log10(ax->lo)) / (log10(ax->hi) - log10(ax->lo));
    }
    return (v - ax->lo) / (ax->hi - ax->lo);
}

/* ==== drawing ========================================================================== */

void svgplot_begin(svgplot *p, strbuf *out, const char *id, double width, double height, double m_left,
                   double m_right, double m_top, double m_bottom, const char *title) {
    memset(p, 0, sizeof *p);
    p->out = out;
    p->width = width;
    p->height = height;
    p->left = m_left;
    p->top = m_top;
    p->pw = width - m_left - m_right;
    p->ph = height - m_top - m_bottom;
    strbuf_puts(out, "<svg class=\"plot\" id=\"");
    svgplot_escape(out, id);
    strbuf_printf(out,
                  "\" xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                  "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\">\n",
                  width, height, width, height);
    if (title) {
        strbuf_puts(out, "<title>");
        svgplot_escape(out, title);
        strbuf_puts(out, "</title>\n<text class=\"ptitle\" x=\"");
        strbuf_printf(out, "%.1f\" y=\"16\" font-weight=\"bold\" font-size=\"13\">", m_left);
        svgplot_escape(out, title);
        strbuf_puts(out, "</text>\n");
    }
}

double svgplot_px(const svgplot *p, double x) { return p->left + svgplot_axis_frac(&p->x, x) * p->pw; }

double svgplot_py(const svgplot *p, double y) { return p->top + (1.0 - svgplot_axis_frac(&p->y, y)) * p->ph; }

void svgplot_frame(svgplot *p, const char *xlabel, const char *ylabel) {
    strbuf *o = p->out;
    char lab[128];
    double bottom = p->top + p->ph, right = p->left + p->pw;
    strbuf_printf(o, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#fcfcfc\" stroke=\"none\"/>\n",
                  p->left, p->top, p->pw, p->ph);
    strbuf_puts(o, "<g class=\"grid\" stroke=\"#e3e3e3\" stroke-width=\"1\">\n");
    for (size_t i = 0; i < p->x.n_ticks; i++) {
        double x = svgplot_px(p, p->x.ticks[i]);
        strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, p->top, x, bottom);
    }
    for (size_t i = 0; i < p->y.n_ticks; i++) {
        double y = svgplot_py(p, p->y.ticks[i]);
        strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", p->left, y, right, y);
    }
    strbuf_puts(o, "</g>\n<g class=\"axes\" stroke=\"#444\" stroke-width=\"1\">\n");
    strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", p->left, bottom, right, bottom);
    strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", p->left, p->top, p->left, bottom);
    for (size_t i = 0; i < p->x.n_ticks; i++) {
        double x = svgplot_px(p, p->x.ticks[i]);
        strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, bottom, x, bottom + 4);
    }
    for (size_t i = 0; i < p->y.n_ticks; i++) {
        double y = svgplot_py(p, p->y.ticks[i]);
        strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", p->left - 4, y, p->left, y);
    }
    strbuf_puts(o, "</g>\n<g class=\"ticks\" fill=\"#333\">\n");
    for (size_t i = 0; i < p->x.n_ticks; i++) {
        svgplot_tick_label(&p->x, p->x.ticks[i], lab, sizeof lab);
        strbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", svgplot_px(p, p->x.ticks[i]),
                      bottom + 17);
        svgplot_escape(o, lab);
        strbuf_puts(o, "</text>\n");
    }
    for (size_t i = 0; i < p->y.n_ticks; i++) {
        svgplot_tick_label(&p->y, p->y.ticks[i], lab, sizeof lab);
        strbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dy=\"0.32em\">", p->left - 7,
                      svgplot_py(p, p->y.ticks[i]));
        svgplot_escape(o, lab);
        strbuf_puts(o, "</text>\n");
    }
    strbuf_puts(o, "</g>\n");
    if (xlabel) {
        strbuf_printf(o, "<text class=\"xlabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", p->left + p->pw / 2,
                      bottom + 35);
        svgplot_escape(o, xlabel);
        strbuf_puts(o, "</text>\n");
    }
    if (ylabel) {
        double cx = 14, cy = p->top + p->ph / 2;
        strbuf_printf(o,
                      "<text class=\"ylabel\" x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" "
                      "transform=\"rotate(-90 %.1f %.1f)\">",
                      cx, cy, cx, cy);
        svgplot_escape(o, ylabel);
        strbuf_puts(o, "</text>\n");
    }
}

/* 1 if (x, y) can be placed on the plot's axes */
static int svgplot_ok(const svgplot *p, double x, double y) {
    if (!isfinite(x) || !isfinite(y)) return 0;
    if (p->x.scale == SVGPLOT_LOG && !(x > 0.0)) return 0;
    if (p->y.scale == SVGPLOT_LOG && !(y > 0.0)) return 0;
    return 1;
}

static void svgplot_stroke_attrs(strbuf *o, const char *color, const char *dash, double width) {
    strbuf_puts(o, " fill=\"none\" stroke=\"");
    svgplot_escape(o, color);
    strbuf_printf(o, "\" stroke-width=\"%.1f\" stroke-linejoin=\"round\"", width);
    if (dash && dash[0]) {
        strbuf_puts(o, " stroke-dasharray=\"");
        svgplot_escape(o, dash);
        strbuf_putc(o, '"');
    }
}

void svgplot_line(svgplot *p, const double *x, const double *y, size_t n, const char *color, const char *dash,
                  double width) {
    strbuf *o = p->out;
    size_t i = 0;
    while (i < n) {
        while (i < n && !svgplot_ok(p, x[i], y[i])) i++;
        if (i >= n) break;
        strbuf_puts(o, "<polyline class=\"data\"");
        svgplot_stroke_attrs(o, color, dash, width);
        strbuf_puts(o, " points=\"");
        int first = 1;
        for (; i < n && svgplot_ok(p, x[i], y[i]); i++) {
            strbuf_printf(o, first ? "%.1f,%.1f" : " %.1f,%.1f", svgplot_px(p, x[i]), svgplot_py(p, y[i]));
            first = 0;
        }
        strbuf_puts(o, "\"/>\n");
    }
}

void svgplot_point(svgplot *p, double x, double y, double dx, double r, const char *color, double opacity,
                   const char *tooltip) {
    if (!svgplot_ok(p, x, y)) return;
    strbuf *o = p->out;
    strbuf_printf(o, "<circle class=\"data\" cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"", svgplot_px(p, x) + dx,
                  svgplot_py(p, y), r);
    svgplot_escape(o, color);
    strbuf_printf(o, "\" fill-opacity=\"%.2f\"", opacity);
    if (tooltip) {
        strbuf_puts(o, "><title>");
        svgplot_escape(o, tooltip);
        strbuf_puts(o, "</title></circle>\n");
    } else {
        strbuf_puts(o, "/>\n");
    }
}

void svgplot_rect(svgplot *p, double x0, double y0, double x1, double y1, const char *color, double opacity,
                  const char *tooltip) {
    if (!svgplot_ok(p, x0, y0) || !svgplot_ok(p, x1, y1)) return;
    strbuf *o = p->out;
    double a = svgplot_px(p, x0), b = svgplot_px(p, x1), c = svgplot_py(p, y0), d = svgplot_py(p, y1);
    strbuf_printf(o, "<rect class=\"data\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"",
                  a < b ? a : b, c < d ? c : d, fabs(b - a), fabs(d - c));
    svgplot_escape(o, color);
    strbuf_printf(o, "\" fill-opacity=\"%.2f\"", opacity);
    if (tooltip) {
        strbuf_puts(o, "><title>");
        svgplot_escape(o, tooltip);
        strbuf_puts(o, "</title></rect>\n");
    } else {
        strbuf_puts(o, "/>\n");
    }
}

void svgplot_hmark(svgplot *p, double x, double y, double hw, const char *color, double width,
                   const char *tooltip) {
    if (!svgplot_ok(p, x, y)) return;
    strbuf *o = p->out;
    double cx = svgplot_px(p, x), cy = svgplot_py(p, y);
    strbuf_printf(o, "<line class=\"data mark\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", cx - hw, cy,
                  cx + hw, cy);
    svgplot_stroke_attrs(o, color, "", width);
    if (tooltip) {
        strbuf_puts(o, "><title>");
        svgplot_escape(o, tooltip);
        strbuf_puts(o, "</title></line>\n");
    } else {
        strbuf_puts(o, "/>\n");
    }
}

void svgplot_legend(svgplot *p, const char *label, const char *color, const char *dash, char kind) {
    strbuf *o = p->out;
    double y = p->top + 8 + 17.0 * (double)p->n_legend;
    size_t len = label ? strlen(label) : 0;
    double tw = 6.8 * (double)len; /* rough width of 12 px sans-serif text */
    if (p->legend_outside) {
        double x = p->left + p->pw + 14;
        strbuf_puts(o, "<g class=\"legend\">");
        if (kind == 'o') {
            strbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"", x + 12, y + 8.5);
            svgplot_escape(o, color);
            strbuf_puts(o, "\"/>");
        } else {
            strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", x, y + 8.5, x + 24, y + 8.5);
            svgplot_stroke_attrs(o, color, dash, 2.0);
            strbuf_puts(o, "/>");
        }
        strbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" dy=\"0.32em\">", x + 30, y + 8.5);
        svgplot_escape(o, label);
        strbuf_puts(o, "</text></g>\n");
        p->n_legend++;
        return;
    }
    double right = p->left + p->pw - 6;
    strbuf_printf(o,
                  "<g class=\"legend\"><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"17\" fill=\"#fff\" "
                  "fill-opacity=\"0.85\"/>",
                  right - 30 - tw - 6, y, tw + 36);
    if (kind == 'o') {
        strbuf_printf(o, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"", right - 12, y + 8.5);
        svgplot_escape(o, color);
        strbuf_puts(o, "\"/>");
    } else {
        strbuf_printf(o, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"", right - 24, y + 8.5, right, y + 8.5);
        svgplot_stroke_attrs(o, color, dash, 2.0);
        strbuf_puts(o, "/>");
    }
    strbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" dy=\"0.32em\">", right - 30, y + 8.5);
    svgplot_escape(o, label);
    strbuf_puts(o, "</text></g>\n");
    p->n_legend++;
}

void svgplot_text(svgplot *p, double x, double y, const char *anchor, const char *text) {
    strbuf *o = p->out;
    strbuf_printf(o, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"", x, y);
    svgplot_escape(o, anchor);
    strbuf_puts(o, "\">");
    svgplot_escape(o, text);
    strbuf_puts(o, "</text>\n");
}

void svgplot_end(svgplot *p) { strbuf_puts(p->out, "</svg>\n"); }
