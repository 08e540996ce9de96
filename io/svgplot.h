/* svgplot: small static SVG charts written into a strbuf (for the HTML report).
 *
 * A plot is an <svg class="plot" id="..."> element with a fixed pixel size, a rectangular
 * plot area inside margins, an x and a y axis (linear, log10, time in Unix seconds, or
 * categorical), grid lines and ticks at "nice" round values (1, 2, 5 x 10^k; decades and
 * 2/5 sub-ticks on log axes; midnights on time axes), axis labels, data (polylines that break
 * at non-finite values, circles, short horizontal marks) and a legend. Every piece of text is
 * XML-escaped, so the output is valid inside HTML5 and as standalone SVG. Sizes are in CSS
 * pixels. Pure text generation: no I/O, no allocation beyond the strbuf (whose sticky failure
 * flag the caller checks once). Not a general plotting library: no auto-layout of long tick
 * labels; bars and heatmap cells are plain rectangles (svgplot_rect), nothing stacked. */
#ifndef HS_SVGPLOT_H
#define HS_SVGPLOT_H

#include <stddef.h>

#include "io/strbuf.h"

typedef enum svgplot_scale {
    SVGPLOT_LINEAR = 0,   /* v maps linearly */
    SVGPLOT_LOG = 1,      /* log10(v); the range must be > 0 */
    SVGPLOT_TIME = 2,     /* linear in Unix seconds (UTC), ticks at midnights, "%d %b" labels */
    SVGPLOT_CATEGORY = 3  /* values 0..n-1 are categories, labelled with given names */
} svgplot_scale;

enum { SVGPLOT_MAX_TICKS = 32, SVGPLOT_MAX_CATEGORIES = 64 };

typedef struct svgplot_axis {
    svgplot_scale scale;  /* mapping */
    double lo, hi;        /* shown range in data units (after rounding to ticks), lo < hi */
    double ticks[SVGPLOT_MAX_TICKS];      /* (n_ticks) tick values in data units */
    size_t n_ticks;       /* entries in ticks */
    double step;          /* tick spacing for LINEAR/TIME (data units), 0 for LOG/CATEGORY */
    const char *const *categories; /* (n_categories) names for CATEGORY, not owned */
    size_t n_categories;  /* number of categories */
} svgplot_axis;

typedef struct svgplot {
    strbuf *out;          /* destination (not owned) */
    double width, height; /* whole SVG in px */
    double left, top;     /* top-left corner of the plot area in px */
    double pw, ph;        /* plot area width and height in px */
    svgplot_axis x, y;    /* the two axes */
    size_t n_legend;      /* legend entries written so far (for stacking) */
    int legend_outside;   /* 1: legend in the right margin instead of inside the plot area */
} svgplot;

/* ---- pure helpers ---------------------------------------------------------------------- */

/* Append s to sb with &, <, >, " and ' replaced by entities (safe in element text and in
 * quoted attribute values). s may be NULL (nothing appended). */
void svgplot_escape(strbuf *sb, const char *s);

/* The "nice" step for about `target` intervals over [lo, hi]: 1, 2 or 5 x 10^k, > 0.
 * target 0 is treated as 1; a degenerate range gives a step of 10^floor(log10 |lo|) or 1. */
double svgplot_nice_step(double lo, double hi, size_t target);

/* Fill ax for data in [lo, hi] (finite; lo may equal hi) with `scale` (not CATEGORY; use
 * svgplot_axis_categories): LINEAR rounds the range outward to multiples of a nice step
 * (about `target` ticks); LOG (lo > 0 required, else LINEAR is used) rounds outward to
 * 1/2/5 x 10^k and ticks at decades, adding 2 and 5 when there are fewer than 3 decades;
 * TIME keeps [lo, hi] and ticks at the multiples (since 1970, UTC) of the smallest of 1 h, 3 h,
 * 6 h, 12 h, 1 d, 2 d, 7 d, 14 d, 28 d giving at most `target` intervals. */
void svgplot_axis_auto(svgplot_axis *ax, double lo, double hi, svgplot_scale scale, size_t target);

/* Fill ax as a categorical axis of n names (not copied; must outlive the plot); data value i
 * is category i, shown range [-0.5, n - 0.5]. n is clamped to SVGPLOT_MAX_CATEGORIES. */
void svgplot_axis_categories(svgplot_axis *ax, const char *const *names, size_t n);

/* Widen ax by frac of its span on both sides (in log space for LOG) without changing the
 * ticks, so points at the extreme values do not sit on the frame. No-op for CATEGORY. */
void svgplot_axis_pad(svgplot_axis *ax, double frac);

/* Tick label of value v on ax into buf (NUL-terminated): LINEAR with the decimals the step
 * needs ("0.25", "-1", never "-0"), LOG in %g style ("0.001", "20"), TIME as "05 Oct" or
 * "05 Oct 12:00" off midnight, CATEGORY the name. */
void svgplot_tick_label(const svgplot_axis *ax, double v, char *buf, size_t n);

/* Fraction [0, 1] of the way from ax->lo to ax->hi of v (log-aware); outside for v outside. */
double svgplot_axis_frac(const svgplot_axis *ax, double v);

/* ---- drawing --------------------------------------------------------------------------- */

/* Open the <svg> element: id and title are escaped; margins around the plot area in px
 * (left, right, top, bottom). The axes must be set (p->x, p->y) before svgplot_frame. */
void svgplot_begin(svgplot *p, strbuf *out, const char *id, double width, double height, double m_left,
                   double m_right, double m_top, double m_bottom, const char *title);

/* Pixel coordinates of data value x / y. */
double svgplot_px(const svgplot *p, double x);
double svgplot_py(const svgplot *p, double y);

/* Grid lines, axis lines, ticks, tick labels and the axis labels (escaped, may be NULL). */
void svgplot_frame(svgplot *p, const char *xlabel, const char *ylabel);

/* A polyline through (x[i], y[i]), i < n, split into pieces at non-finite points (and at
 * non-positive values on a log axis); color is a CSS color, dash a stroke-dasharray ("" for
 * solid), width in px. There is no clipping: set the axes from the data. */
void svgplot_line(svgplot *p, const double *x, const double *y, size_t n, const char *color, const char *dash,
                  double width);

/* A circle of radius r px at data (x, y) shifted by dx px horizontally (jitter), with a
 * tooltip (escaped, may be NULL). Non-finite points are skipped. */
void svgplot_point(svgplot *p, double x, double y, double dx, double r, const char *color, double opacity,
                   const char *tooltip);

/* A horizontal mark of half-width hw px centred at data (x, y) (e.g. a mean). */
void svgplot_hmark(svgplot *p, double x, double y, double hw, const char *color, double width,
                   const char *tooltip);

/* A filled rectangle between data corners (x0, y0) and (x1, y1) (any order; log axes need
 * positive values), with a tooltip (escaped, may be NULL). Non-finite corners draw nothing. */
void svgplot_rect(svgplot *p, double x0, double y0, double x1, double y1, const char *color, double opacity,
                  const char *tooltip);

/* One legend entry, stacked downwards from the top-right corner of the plot area on a
 * translucent white box (or, with p->legend_outside, left-aligned in the right margin): a
 * short line sample (dash as in svgplot_line; kind 'o' draws a dot
 * instead) and the escaped label. */
void svgplot_legend(svgplot *p, const char *label, const char *color, const char *dash, char kind);

/* Text at pixel (x, y) with text-anchor ("start", "middle", "end"), escaped. */
void svgplot_text(svgplot *p, double x, double y, const char *anchor, const char *text);

/* Close the <svg> element. */
void svgplot_end(svgplot *p);

#endif
