package dev.iris.report;

import dev.iris.report.CffToTrueType.Glyph;
import dev.iris.report.CffToTrueType.Metrics;
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
 * Writes the tables of a TrueType font ({@code glyf} outlines, a format 4 and a format 12
 * {@code cmap}, the name, metrics and PostScript tables) from glyphs that {@link CffToTrueType}
 * made quadratic, and assembles them with their checksums.
 */
final class TrueTypeWriter {
    private TrueTypeWriter() {}

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
