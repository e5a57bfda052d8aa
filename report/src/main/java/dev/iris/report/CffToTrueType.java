package dev.iris.report;

import java.awt.geom.GeneralPath;
import java.awt.geom.PathIterator;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns glyphs of a font with PostScript (CFF) outlines, such as Debian's Noto Sans CJK,
 * into TrueType glyphs for a small font that {@link TrueTypeWriter} writes. PDFBox 3.0 embeds and subsets only TrueType
 * ({@code glyf}) outlines, and it cannot embed a face of a font collection whole, so such fonts
 * are first turned into a TrueType font that holds just the characters a report uses; PDFBox
 * then embeds that like any other TrueType font (with widths and a ToUnicode map, so the text
 * stays extractable).
 *
 * <p>Cubic curves become quadratic ones: each cubic is split into pieces until one quadratic
 * per piece is within {@link #TOLERANCE} font units of it (at 1000 units per em and 12 pt,
 * 0.006 pt: invisible).
 */
final class CffToTrueType {
    /** Largest distance, in font units, between a cubic and the quadratics that replace it. */
    static final double TOLERANCE = 0.5;

    private CffToTrueType() {}

    /**
     * One glyph in font units (y up): its advance width and its closed contours, each a list of
     * points {x, y, onCurve (1) or control (0)}.
     */
    record Glyph(int advance, List<List<int[]>> contours) {
        int points() {
            return contours.stream().mapToInt(List::size).sum();
        }
    }

    /** The font-wide values the new font copies from its source. */
    record Metrics(String postScriptName, String family, int unitsPerEm, int ascender, int descender, int lineGap,
                   float italicAngle, short underlinePosition, short underlineThickness, byte[] os2) {}

    /** A glyph from a path in font units, with {@code advance} its advance width. */
    static Glyph glyph(GeneralPath path, int advance) {
        List<List<int[]>> contours = new ArrayList<>();
        List<int[]> current = null;
        double[] c = new double[6];
        double x = 0, y = 0, startX = 0, startY = 0;
        for (PathIterator it = path.getPathIterator(null); !it.isDone(); it.next()) {
            switch (it.currentSegment(c)) {
                case PathIterator.SEG_MOVETO -> {
                    close(contours, current);
                    current = new ArrayList<>();
                    x = startX = c[0];
                    y = startY = c[1];
                    add(current, x, y, true);
                }
                case PathIterator.SEG_LINETO -> {
                    current = started(current, x, y);
                    x = c[0];
                    y = c[1];
                    add(current, x, y, true);
                }
                case PathIterator.SEG_QUADTO -> {
                    current = started(current, x, y);
                    add(current, c[0], c[1], false);
                    x = c[2];
                    y = c[3];
                    add(current, x, y, true);
                }
                case PathIterator.SEG_CUBICTO -> {
                    current = started(current, x, y);
                    cubicToQuads(current, x, y, c[0], c[1], c[2], c[3], c[4], c[5]);
                    x = c[4];
                    y = c[5];
                }
                case PathIterator.SEG_CLOSE -> {
                    close(contours, current);
                    current = null;
                    x = startX;
                    y = startY;
                }
                default -> throw new IllegalStateException("unknown path segment");
            }
        }
        close(contours, current);
        return new Glyph(advance, contours);
    }

    private static List<int[]> started(List<int[]> current, double x, double y) {
        if (current != null) return current;
        List<int[]> fresh = new ArrayList<>(); // a path may draw without a moveto
        add(fresh, x, y, true);
        return fresh;
    }

    private static void add(List<int[]> contour, double x, double y, boolean onCurve) {
        int[] p = {(int) Math.round(x), (int) Math.round(y), onCurve ? 1 : 0};
        if (!contour.isEmpty()) {
            int[] last = contour.get(contour.size() - 1);
            // rounding can make two neighbouring points equal: one is enough
            if (last[0] == p[0] && last[1] == p[1] && last[2] == 1 && p[2] == 1) return;
        }
        contour.add(p);
    }

    private static void close(List<List<int[]>> contours, List<int[]> contour) {
        if (contour == null) return;
        // the contour closes by itself: a last point equal to the first is redundant
        if (contour.size() > 1) {
            int[] first = contour.get(0), last = contour.get(contour.size() - 1);
            if (first[0] == last[0] && first[1] == last[1] && first[2] == 1 && last[2] == 1) contour.remove(contour.size() - 1);
        }
        if (contour.size() >= 2) contours.add(contour); // a lone point draws nothing
    }

    /**
     * Appends quadratic pieces approximating the cubic p0..p3 (p0 is already in the contour).
     * One quadratic with control point (3(p1 + p2) - p0 - p3) / 4 is off by at most
     * sqrt(3)/36 |p3 - 3 p2 + 3 p1 - p0|; n equal pieces divide that by n^3.
     */
    static void cubicToQuads(List<int[]> out, double x0, double y0, double x1, double y1, double x2, double y2, double x3, double y3) {
        double dx = x3 - 3 * x2 + 3 * x1 - x0, dy = y3 - 3 * y2 + 3 * y1 - y0;
        double err = Math.sqrt(3) / 36 * Math.hypot(dx, dy);
        int n = (int) Math.max(1, Math.min(64, Math.ceil(Math.cbrt(err / TOLERANCE))));
        for (int i = 0; i < n; i++) {
            double t0 = (double) i / n, t1 = (double) (i + 1) / n;
            // the piece's cubic control points, from the blossom of the curve
            double[] a = blossom(x0, y0, x1, y1, x2, y2, x3, y3, t0, t0, t0);
            double[] b = blossom(x0, y0, x1, y1, x2, y2, x3, y3, t0, t0, t1);
            double[] c = blossom(x0, y0, x1, y1, x2, y2, x3, y3, t0, t1, t1);
            double[] d = blossom(x0, y0, x1, y1, x2, y2, x3, y3, t1, t1, t1);
            double qx = (3 * (b[0] + c[0]) - a[0] - d[0]) / 4, qy = (3 * (b[1] + c[1]) - a[1] - d[1]) / 4;
            add(out, qx, qy, false);
            add(out, d[0], d[1], true);
        }
    }

    /** The cubic's blossom at (u, v, w): de Casteljau with a different parameter at each level. */
    private static double[] blossom(double x0, double y0, double x1, double y1, double x2, double y2, double x3, double y3,
                                    double u, double v, double w) {
        double ax = lerp(x0, x1, u), ay = lerp(y0, y1, u), bx = lerp(x1, x2, u), by = lerp(y1, y2, u), cx = lerp(x2, x3, u), cy = lerp(y2, y3, u);
        double dx = lerp(ax, bx, v), dy = lerp(ay, by, v), ex = lerp(bx, cx, v), ey = lerp(by, cy, v);
        return new double[] {lerp(dx, ex, w), lerp(dy, ey, w)};
    }

    private static double lerp(double a, double b, double t) {
        return a + (b - a) * t;
    }
}
