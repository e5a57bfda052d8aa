package dev.iris.report;

import java.awt.geom.GeneralPath;
import java.awt.geom.PathIterator;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Writes a small TrueType font holding a few glyphs taken from a font with PostScript (CFF)
 * outlines, such as Debian's Noto Sans CJK. PDFBox 3.0 embeds and subsets only TrueType
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

    /**
     * The TrueType font: glyph 0 is an empty .notdef, then {@code glyphs} in code point order;
     * the cmap maps each code point to its glyph.
     */
    static byte[] write(Metrics m, SortedMap<Integer, Glyph> glyphs) {
        List<Glyph> list = new ArrayList<>();
        list.add(new Glyph(m.unitsPerEm() / 2, List.of()));
        SortedMap<Integer, Integer> cmap = new TreeMap<>();
        for (Map.Entry<Integer, Glyph> e : glyphs.entrySet()) {
            cmap.put(e.getKey(), list.size());
            list.add(e.getValue());
        }
        try {
            int[] box = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE};
            int maxPoints = 0, maxContours = 0, maxAdvance = 0, minLsb = Integer.MAX_VALUE, minRsb = Integer.MAX_VALUE, maxExtent = Integer.MIN_VALUE;
            ByteArrayOutputStream glyf = new ByteArrayOutputStream();
            int[] loca = new int[list.size() + 1];
            ByteArrayOutputStream hmtx = new ByteArrayOutputStream();
            DataOutputStream hm = new DataOutputStream(hmtx);
            for (int g = 0; g < list.size(); g++) {
                Glyph glyph = list.get(g);
                loca[g] = glyf.size();
                int[] b = bounds(glyph);
                if (b != null) {
                    writeGlyph(new DataOutputStream(glyf), glyph, b);
                    while (glyf.size() % 4 != 0) glyf.write(0);
                    box[0] = Math.min(box[0], b[0]);
                    box[1] = Math.min(box[1], b[1]);
                    box[2] = Math.max(box[2], b[2]);
                    box[3] = Math.max(box[3], b[3]);
                    minLsb = Math.min(minLsb, b[0]);
                    minRsb = Math.min(minRsb, glyph.advance() - b[2]);
                    maxExtent = Math.max(maxExtent, b[2]);
                }
                maxPoints = Math.max(maxPoints, glyph.points());
                maxContours = Math.max(maxContours, glyph.contours().size());
                maxAdvance = Math.max(maxAdvance, glyph.advance());
                hm.writeShort(glyph.advance());
                hm.writeShort(b == null ? 0 : b[0]);
            }
            loca[list.size()] = glyf.size();
            if (box[0] == Integer.MAX_VALUE) box = new int[] {0, 0, 0, 0};
            if (minLsb == Integer.MAX_VALUE) minLsb = minRsb = maxExtent = 0;

            TreeMap<String, byte[]> tables = new TreeMap<>(); // the directory lists tables sorted by tag
            tables.put("OS/2", m.os2());
            tables.put("cmap", cmap(cmap));
            tables.put("glyf", glyf.toByteArray());
            tables.put("head", head(m.unitsPerEm(), box));
            tables.put("hhea", hhea(m, maxAdvance, minLsb, minRsb, maxExtent, list.size()));
            tables.put("hmtx", hmtx.toByteArray());
            tables.put("loca", loca(loca));
            tables.put("maxp", maxp(list.size(), maxPoints, maxContours));
            tables.put("name", name(m));
            tables.put("post", post(m));
            return assemble(tables);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // only in-memory streams are written
        }
    }

    /** {xMin, yMin, xMax, yMax}, or null for a glyph without contours. */
    private static int[] bounds(Glyph g) {
        if (g.contours().isEmpty()) return null;
        int[] b = {Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MIN_VALUE, Integer.MIN_VALUE};
        for (List<int[]> c : g.contours()) {
            for (int[] p : c) {
                b[0] = Math.min(b[0], p[0]);
                b[1] = Math.min(b[1], p[1]);
                b[2] = Math.max(b[2], p[0]);
                b[3] = Math.max(b[3], p[1]);
            }
        }
        return b;
    }

    private static void writeGlyph(DataOutputStream out, Glyph g, int[] b) throws IOException {
        out.writeShort(g.contours().size());
        for (int v : b) out.writeShort(v);
        int end = -1;
        for (List<int[]> c : g.contours()) {
            end += c.size();
            out.writeShort(end);
        }
        out.writeShort(0); // no hinting instructions
        for (List<int[]> c : g.contours()) for (int[] p : c) out.writeByte(p[2]); // flag bit 0: on the curve
        // coordinates as 16-bit deltas from the previous point (flags say neither "short" nor "same")
        int last = 0;
        for (List<int[]> c : g.contours()) for (int[] p : c) { out.writeShort(p[0] - last); last = p[0]; }
        last = 0;
        for (List<int[]> c : g.contours()) for (int[] p : c) { out.writeShort(p[1] - last); last = p[1]; }
    }

    private static byte[] head(int unitsPerEm, int[] box) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00010000);     // version
        out.writeInt(0x00010000);     // fontRevision
        out.writeInt(0);              // checkSumAdjustment, set by assemble()
        out.writeInt(0x5F0F3CF5);     // magic
        out.writeShort(0x0003);       // baseline at y=0, left side bearing at x=0
        out.writeShort(unitsPerEm);
        out.writeLong(0);             // created: fixed, so the same glyphs give the same bytes
        out.writeLong(0);             // modified
        for (int v : box) out.writeShort(v);
        out.writeShort(0);            // macStyle
        out.writeShort(8);            // lowestRecPPEM
        out.writeShort(2);            // fontDirectionHint
        out.writeShort(1);            // indexToLocFormat: 32-bit offsets
        out.writeShort(0);            // glyphDataFormat
        return bytes.toByteArray();
    }

    private static byte[] hhea(Metrics m, int maxAdvance, int minLsb, int minRsb, int maxExtent, int glyphs) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00010000);
        out.writeShort(m.ascender());
        out.writeShort(m.descender());
        out.writeShort(m.lineGap());
        out.writeShort(maxAdvance);
        out.writeShort(minLsb);
        out.writeShort(minRsb);
        out.writeShort(maxExtent);
        out.writeShort(1);            // caretSlopeRise: upright
        out.writeShort(0);            // caretSlopeRun
        out.writeShort(0);            // caretOffset
        for (int i = 0; i < 4; i++) out.writeShort(0);
        out.writeShort(0);            // metricDataFormat
        out.writeShort(glyphs);       // numberOfHMetrics: every glyph has its own
        return bytes.toByteArray();
    }

    private static byte[] loca(int[] offsets) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (int o : offsets) out.writeInt(o);
        return bytes.toByteArray();
    }

    private static byte[] maxp(int glyphs, int maxPoints, int maxContours) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00010000);     // version 1.0: TrueType outlines
        out.writeShort(glyphs);
        out.writeShort(maxPoints);
        out.writeShort(maxContours);
        out.writeShort(0);            // maxCompositePoints
        out.writeShort(0);            // maxCompositeContours
        out.writeShort(2);            // maxZones
        for (int i = 0; i < 8; i++) out.writeShort(0); // twilight points .. component depth: no hinting, no composites
        return bytes.toByteArray();
    }

    /** A (3,1) format 4 subtable for the BMP and a (3,10) format 12 subtable for everything. */
    private static byte[] cmap(SortedMap<Integer, Integer> map) throws IOException {
        SortedMap<Integer, Integer> bmp = map.headMap(0xFFFF);
        ByteArrayOutputStream f4 = new ByteArrayOutputStream();
        DataOutputStream o4 = new DataOutputStream(f4);
        int segs = bmp.size() + 1; // one segment per character, plus the required final 0xFFFF one
        int pow = Integer.highestOneBit(segs);
        o4.writeShort(4);
        o4.writeShort(16 + 8 * segs);
        o4.writeShort(0);              // language
        o4.writeShort(2 * segs);
        o4.writeShort(2 * pow);        // searchRange
        o4.writeShort(Integer.numberOfTrailingZeros(pow)); // entrySelector
        o4.writeShort(2 * segs - 2 * pow);                 // rangeShift
        for (int cp : bmp.keySet()) o4.writeShort(cp);     // endCode
        o4.writeShort(0xFFFF);
        o4.writeShort(0);              // reservedPad
        for (int cp : bmp.keySet()) o4.writeShort(cp);     // startCode
        o4.writeShort(0xFFFF);
        for (Map.Entry<Integer, Integer> e : bmp.entrySet()) o4.writeShort((e.getValue() - e.getKey()) & 0xFFFF); // idDelta
        o4.writeShort(1);
        for (int i = 0; i < segs; i++) o4.writeShort(0); // idRangeOffset: glyph = code + idDelta

        ByteArrayOutputStream f12 = new ByteArrayOutputStream();
        DataOutputStream o12 = new DataOutputStream(f12);
        o12.writeShort(12);
        o12.writeShort(0);
        o12.writeInt(16 + 12 * map.size());
        o12.writeInt(0);               // language
        o12.writeInt(map.size());
        for (Map.Entry<Integer, Integer> e : map.entrySet()) {
            o12.writeInt(e.getKey());
            o12.writeInt(e.getKey());
            o12.writeInt(e.getValue());
        }

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeShort(0);
        out.writeShort(2);
        int first = 4 + 2 * 8;
        out.writeShort(3);
        out.writeShort(1);
        out.writeInt(first);
        out.writeShort(3);
        out.writeShort(10);
        out.writeInt(first + f4.size());
        f4.writeTo(out);
        f12.writeTo(out);
        return bytes.toByteArray();
    }

    private static byte[] name(Metrics m) throws IOException {
        String[] values = {m.family(), "Regular", m.family(), m.postScriptName()};
        int[] ids = {1, 2, 4, 6};
        ByteArrayOutputStream strings = new ByteArrayOutputStream();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeShort(0);
        out.writeShort(ids.length);
        out.writeShort(6 + 12 * ids.length);
        for (int i = 0; i < ids.length; i++) {
            byte[] s = values[i].getBytes(StandardCharsets.UTF_16BE);
            out.writeShort(3);         // Windows
            out.writeShort(1);         // Unicode BMP
            out.writeShort(0x409);     // en-US
            out.writeShort(ids[i]);
            out.writeShort(s.length);
            out.writeShort(strings.size());
            strings.write(s);
        }
        strings.writeTo(out);
        return bytes.toByteArray();
    }

    private static byte[] post(Metrics m) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00030000);      // format 3: no glyph names
        out.writeInt(Math.round(m.italicAngle() * 65536));
        out.writeShort(m.underlinePosition());
        out.writeShort(m.underlineThickness());
        out.writeInt(0);               // isFixedPitch
        for (int i = 0; i < 4; i++) out.writeInt(0);
        return bytes.toByteArray();
    }

    /** The table directory and the tables, 4-byte aligned, with checksums and head's checkSumAdjustment. */
    private static byte[] assemble(TreeMap<String, byte[]> tables) throws IOException {
        int n = tables.size();
        int pow = Integer.highestOneBit(n);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(0x00010000);
        out.writeShort(n);
        out.writeShort(16 * pow);
        out.writeShort(Integer.numberOfTrailingZeros(pow));
        out.writeShort(16 * n - 16 * pow);
        int offset = 12 + 16 * n, headOffset = 0;
        for (Map.Entry<String, byte[]> e : tables.entrySet()) {
            byte[] data = e.getValue();
            out.write(e.getKey().getBytes(StandardCharsets.US_ASCII));
            out.writeInt((int) checksum(data));
            out.writeInt(offset);
            out.writeInt(data.length);
            if (e.getKey().equals("head")) headOffset = offset;
            offset += (data.length + 3) & ~3;
        }
        for (byte[] data : tables.values()) {
            out.write(data);
            for (int i = data.length; i % 4 != 0; i++) out.write(0);
        }
        byte[] font = bytes.toByteArray();
        long adjust = (0xB1B0AFBAL - checksum(font)) & 0xFFFFFFFFL;
        for (int i = 0; i < 4; i++) font[headOffset + 8 + i] = (byte) (adjust >>> (24 - 8 * i));
        return font;
    }

    /** The sum of big-endian 32-bit words, zero-padded. */
    private static long checksum(byte[] data) {
        long sum = 0;
        for (int i = 0; i < data.length; i += 4) {
            long word = 0;
            for (int j = 0; j < 4; j++) word = (word << 8) | (i + j < data.length ? data[i + j] & 0xFF : 0);
            sum = (sum + word) & 0xFFFFFFFFL;
        }
        return sum;
    }
}
