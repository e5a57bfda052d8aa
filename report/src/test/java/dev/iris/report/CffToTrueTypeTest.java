package dev.iris.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.GeneralPath;
import java.awt.geom.PathIterator;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.fontbox.cff.CFFCIDFont;
import org.apache.fontbox.cff.CFFFont;
import org.apache.fontbox.ttf.OpenTypeFont;
import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBuffer;
import org.junit.jupiter.api.Test;

/** The cubic-to-quadratic conversion and the TrueType font written from it. */
class CffToTrueTypeTest {
    @Test
    void quadraticsStayWithinTheToleranceOfTheCubics() {
        // a circle of radius 400 is four cubics; the converted outline must stay on it
        Shape circle = new Ellipse2D.Double(-400, -400, 800, 800);
        CffToTrueType.Glyph g = CffToTrueType.glyph(new GeneralPath(circle), 800);
        assertThat(g.contours()).hasSize(1);
        List<int[]> pts = g.contours().get(0);
        assertThat(pts.stream().filter(p -> p[2] == 0).count()).isGreaterThan(4); // split into several pieces
        // sample every quadratic piece: its distance to the circle is the tolerance plus rounding to integers
        double worst = 0;
        int n = pts.size();
        for (int i = 0; i < n; i++) {
            int[] a = pts.get(i), c = pts.get((i + 1) % n), b = pts.get((i + 2) % n);
            if (a[2] != 1 || c[2] != 0 || b[2] != 1) continue;
            for (double t = 0; t <= 1; t += 0.05) {
                double x = (1 - t) * (1 - t) * a[0] + 2 * t * (1 - t) * c[0] + t * t * b[0];
                double y = (1 - t) * (1 - t) * a[1] + 2 * t * (1 - t) * c[1] + t * t * b[1];
                worst = Math.max(worst, Math.abs(Math.hypot(x, y) - 400));
            }
        }
        // Java's circle is itself a cubic approximation (off by 0.027% of the radius, 0.11 units here)
        assertThat(worst).isLessThan(CffToTrueType.TOLERANCE + 1.0 + 0.2);
    }

    @Test
    void writtenFontParsesWithItsGlyphsWidthsAndCharacterMap() throws Exception {
        GeneralPath square = new GeneralPath();
        square.moveTo(100, 0);
        square.lineTo(500, 0);
        square.lineTo(500, 400);
        square.lineTo(100, 400);
        square.closePath();
        SortedMap<Integer, CffToTrueType.Glyph> glyphs = new TreeMap<>();
        glyphs.put((int) 'A', CffToTrueType.glyph(square, 600));
        glyphs.put((int) ' ', CffToTrueType.glyph(new GeneralPath(), 250));
        glyphs.put(0x20B9F, CffToTrueType.glyph(new GeneralPath(new Ellipse2D.Double(0, 0, 900, 900)), 1000)); // outside the BMP
        byte[] os2 = new byte[96]; // version 0 table, all zero: fsType 0 = installable
        CffToTrueType.Metrics m = new CffToTrueType.Metrics("Test-Regular", "Test", 1000, 880, -120, 0, 0, (short) -100, (short) 50, os2);
        TrueTypeFont ttf = new TTFParser().parse(new RandomAccessReadBuffer(TrueTypeWriter.write(m, glyphs)));
        assertThat(ttf.getName()).isEqualTo("Test-Regular");
        assertThat(ttf.getNumberOfGlyphs()).isEqualTo(4);
        var cmap = ttf.getUnicodeCmapLookup();
        assertThat(cmap.getGlyphId(' ')).isEqualTo(1);
        assertThat(cmap.getGlyphId('A')).isEqualTo(2);
        assertThat(cmap.getGlyphId(0x20B9F)).isEqualTo(3);
        assertThat(ttf.getAdvanceWidth(2)).isEqualTo(600);
        assertThat(ttf.getAdvanceWidth(1)).isEqualTo(250);
        assertThat(ttf.getGlyph().getGlyph(2).getPath().getBounds2D()).isEqualTo(square.getBounds2D());
        assertThat(ttf.getGlyph().getGlyph(1).getPath().getBounds2D().isEmpty()).isTrue();
        assertThat((int) ttf.getHeader().getXMax()).isEqualTo(900);
    }

    @Test
    void notoCjkGlyphsLookTheSameAfterConversion() throws Exception {
        assumeTrue(Files.isRegularFile(ReportWriterTest.NOTO_CJK),
                "Noto Sans CJK is not installed (Debian: apt-get install fonts-noto-cjk): " + ReportWriterTest.NOTO_CJK);
        try (TrueTypeCollection ttc = new TrueTypeCollection(ReportWriterTest.NOTO_CJK.toFile())) {
            OpenTypeFont otf = (OpenTypeFont) ttc.getFontByName("NotoSansCJKsc-Regular");
            CFFFont cff = otf.getCFF().getFont();
            SortedMap<Integer, CffToTrueType.Glyph> glyphs = new TreeMap<>();
            List<GeneralPath> originals = new ArrayList<>();
            String text = "图像肺部あ한Ag";
            for (int cp : text.codePoints().toArray()) {
                int gid = otf.getUnicodeCmapLookup().getGlyphId(cp);
                GeneralPath p = ((CFFCIDFont) cff).getType2CharString(cff.getCharset().getCIDForGID(gid)).getPath();
                originals.add(p);
                glyphs.put(cp, CffToTrueType.glyph(p, otf.getAdvanceWidth(gid)));
            }
            byte[] os2 = otf.getTableBytes(otf.getTableMap().get("OS/2"));
            CffToTrueType.Metrics m = new CffToTrueType.Metrics("X", "X", 1000, 880, -120, 0, 0, (short) -100, (short) 50, os2);
            TrueTypeFont ttf = new TTFParser().parse(new RandomAccessReadBuffer(TrueTypeWriter.write(m, glyphs)));
            int i = 0;
            for (int cp : text.codePoints().toArray()) {
                int gid = ttf.getUnicodeCmapLookup().getGlyphId(cp);
                GeneralPath converted = ttf.getGlyph().getGlyph(gid).getPath();
                double differ = differingPixels(originals.get(i++), converted);
                assertThat(differ).as(Character.toString(cp)).isLessThan(0.003); // edge pixels only, from rounding to integers
            }
        }
    }

    /** The share of pixels that differ when both outlines are filled at 1000 units = 400 pixels. */
    private static double differingPixels(GeneralPath a, GeneralPath b) {
        BufferedImage ia = fill(a), ib = fill(b);
        long differ = 0;
        for (int y = 0; y < ia.getHeight(); y++) {
            for (int x = 0; x < ia.getWidth(); x++) if (ia.getRGB(x, y) != ib.getRGB(x, y)) differ++;
        }
        return (double) differ / (ia.getWidth() * ia.getHeight());
    }

    private static BufferedImage fill(GeneralPath p) {
        BufferedImage img = new BufferedImage(480, 480, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 480, 480);
        g.setColor(Color.BLACK);
        AffineTransform t = new AffineTransform(0.4, 0, 0, -0.4, 40, 400); // y up, with room for descenders
        GeneralPath q = new GeneralPath(p);
        q.setWindingRule(PathIterator.WIND_NON_ZERO);
        g.fill(q.createTransformedShape(t));
        g.dispose();
        return img;
    }
}
