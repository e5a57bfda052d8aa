package dev.iris.report;

import dev.iris.api.IrisException;
import java.awt.geom.GeneralPath;
import java.io.ByteArrayInputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.fontbox.cff.CFFCIDFont;
import org.apache.fontbox.cff.CFFFont;
import org.apache.fontbox.ttf.CmapLookup;
import org.apache.fontbox.ttf.OTFParser;
import org.apache.fontbox.ttf.OpenTypeFont;
import org.apache.fontbox.ttf.TTFParser;
import org.apache.fontbox.ttf.TTFTable;
import org.apache.fontbox.ttf.TrueTypeCollection;
import org.apache.fontbox.ttf.TrueTypeFont;
import org.apache.pdfbox.io.RandomAccessReadBufferedFile;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import java.awt.geom.AffineTransform;

/**
 * One face of a font file (a {@code .ttf}/{@code .otf}, or one face of a {@code .ttc}
 * collection): which characters it can draw, and its embedding into a PDF document.
 * TrueType-outline faces are embedded by PDFBox directly (as a subset); PostScript-outline
 * (CFF) faces go through {@link CffToTrueType} first. Safe to share between threads.
 */
abstract sealed class FontFace implements Closeable {
    final Path file;
    final String name;
    private final CmapLookup cmap;

    private FontFace(Path file, String name, CmapLookup cmap) {
        this.file = file;
        this.name = name;
        this.cmap = cmap;
    }

    /**
     * Opens {@code file}. For a collection the face is the first one whose name contains
     * {@code prefer} (case-insensitive, e.g. "SC" for Noto Sans CJK SC), else the first one
     * that is not monospaced, else the first.
     */
    static FontFace open(Path file, Optional<String> prefer, String key) {
        if (!Files.isRegularFile(file)) {
            throw new IrisException(key + ": font file not found: " + file);
        }
        try {
            String tag = tag(file);
            if (tag.equals("ttcf")) {
                TrueTypeCollection ttc = new TrueTypeCollection(file.toFile());
                try {
                    TrueTypeFont face = pickFace(ttc, prefer);
                    return of(file, face, face.getName(), () -> ttc.close());
                } catch (IOException | RuntimeException e) {
                    ttc.close();
                    throw e;
                }
            }
            // by content, not by name: some .ttf files hold PostScript outlines
            TrueTypeFont font = tag.equals("OTTO")
                    ? new OTFParser().parse(new RandomAccessReadBufferedFile(file.toFile()))
                    : new TTFParser().parse(new RandomAccessReadBufferedFile(file.toFile()));
            return of(file, font, font.getName(), font::close);
        } catch (IOException | RuntimeException e) {
            if (e instanceof IrisException ie) throw ie;
            throw new IrisException(key + ": cannot read the font " + file + ": " + e.getMessage(), e);
        }
    }

    private static FontFace of(Path file, TrueTypeFont font, String name, Closeable closer) throws IOException {
        CmapLookup cmap;
        try {
            cmap = font.getUnicodeCmapLookup(true); // strict: fails without a Unicode character map
        } catch (IOException | RuntimeException e) {
            closer.close();
            throw e;
        }
        if (font instanceof OpenTypeFont otf && otf.isPostScript()) {
            return new Cff(file, name, cmap, otf, closer); // kept open: glyphs are read per report
        }
        closer.close(); // reopened per document: PDFBox's subsetter reads the file while saving
        return new TrueType(file, name, cmap);
    }

    /** The file's first four bytes as text: "ttcf" for a collection, "OTTO" for PostScript outlines. */
    private static String tag(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return new String(in.readNBytes(4), StandardCharsets.ISO_8859_1);
        }
    }

    private static TrueTypeFont pickFace(TrueTypeCollection ttc, Optional<String> prefer) throws IOException {
        List<TrueTypeFont> faces = new ArrayList<>();
        ttc.processAllFonts(faces::add);
        if (faces.isEmpty()) throw new IOException("the collection holds no fonts");
        TrueTypeFont firstPlain = null;
        for (TrueTypeFont f : faces) {
            String n = String.valueOf(f.getName()).toLowerCase(Locale.ROOT);
            if (n.contains("mono")) continue;
            if (firstPlain == null) firstPlain = f;
            if (prefer.isPresent() && names(n, prefer.get().toLowerCase(Locale.ROOT))) return f;
        }
        return firstPlain != null ? firstPlain : faces.get(0);
    }

    /** Whether a face name has the tag as a word of its own, or right after "cjk" (NotoSansCJKsc-Regular). */
    static boolean names(String name, String tag) {
        return name.contains("cjk" + tag) || name.matches(".*(^|[^a-z])" + Pattern.quote(tag) + "([^a-z].*|$)");
    }

    /** Whether the face has a glyph for the character. */
    boolean canDraw(int codePoint) {
        return cmap.getGlyphId(codePoint) > 0;
    }

    /**
     * The face embedded into {@code doc}, able to draw at least {@code codePoints} (those it
     * has). Anything that must stay open until the document is saved goes to {@code open}.
     */
    abstract PDFont embed(PDDocument doc, Set<Integer> codePoints, List<Closeable> open) throws IOException;

    @Override
    public String toString() {
        return name + " (" + file + ")";
    }

    /** A face with TrueType outlines: PDFBox embeds a subset of it. */
    static final class TrueType extends FontFace {
        TrueType(Path file, String name, CmapLookup cmap) {
            super(file, name, cmap);
        }

        @Override
        PDFont embed(PDDocument doc, Set<Integer> codePoints, List<Closeable> open) throws IOException {
            if (!tag(file).equals("ttcf")) {
                return PDType0Font.load(doc, file.toFile()); // PDFBox closes the file after subsetting
            }
            TrueTypeCollection ttc = new TrueTypeCollection(file.toFile());
            open.add(ttc);
            TrueTypeFont face = ttc.getFontByName(name);
            return PDType0Font.load(doc, face, true);
        }

        @Override
        public void close() {}
    }

    /** A face with PostScript outlines, converted glyph by glyph to a small TrueType font. */
    static final class Cff extends FontFace {
        private final OpenTypeFont font;
        private final Closeable closer;
        private final Map<Integer, CffToTrueType.Glyph> glyphs = new ConcurrentHashMap<>();
        private CffToTrueType.Metrics metrics;
        private CFFFont cff;

        Cff(Path file, String name, CmapLookup cmap, OpenTypeFont font, Closeable closer) {
            super(file, name, cmap);
            this.font = font;
            this.closer = closer;
        }

        @Override
        PDFont embed(PDDocument doc, Set<Integer> codePoints, List<Closeable> open) throws IOException {
            SortedMap<Integer, CffToTrueType.Glyph> used = new TreeMap<>();
            for (int cp : codePoints) {
                if (canDraw(cp)) used.put(cp, glyph(cp));
            }
            byte[] ttf = TrueTypeWriter.write(metrics(), used);
            return PDType0Font.load(doc, new ByteArrayInputStream(ttf), true);
        }

        private CffToTrueType.Glyph glyph(int cp) throws IOException {
            CffToTrueType.Glyph g = glyphs.get(cp);
            if (g == null) {
                g = read(cp);
                glyphs.put(cp, g);
            }
            return g;
        }

        /** fontbox's font objects are not thread-safe: one reader at a time. */
        private synchronized CffToTrueType.Glyph read(int cp) throws IOException {
            if (cff == null) cff = font.getCFF().getFont();
            int gid = font.getUnicodeCmapLookup(true).getGlyphId(cp);
            // CID-keyed fonts (as CJK fonts are) number their charstrings by CID, not glyph id
            int key = cff instanceof CFFCIDFont ? cff.getCharset().getCIDForGID(gid) : gid;
            GeneralPath path = cff.getType2CharString(key).getPath();
            double scale = cff.getFontMatrix().get(0).doubleValue() * font.getUnitsPerEm();
            if (Math.abs(scale - 1) > 1e-9) {
                path.transform(AffineTransform.getScaleInstance(scale, scale));
            }
            return CffToTrueType.glyph(path, font.getAdvanceWidth(gid));
        }

        private synchronized CffToTrueType.Metrics metrics() throws IOException {
            if (metrics == null) {
                TTFTable os2 = font.getTableMap().get("OS/2");
                if (os2 == null) throw new IOException(file + ": the font has no OS/2 table");
                var hhea = font.getHorizontalHeader();
                var post = font.getPostScript();
                String family = font.getNaming() != null && font.getNaming().getFontFamily() != null
                        ? font.getNaming().getFontFamily() : name;
                metrics = new CffToTrueType.Metrics(name, family, font.getUnitsPerEm(), hhea.getAscender(), hhea.getDescender(),
                        hhea.getLineGap(), post.getItalicAngle(), post.getUnderlinePosition(), post.getUnderlineThickness(),
                        font.getTableBytes(os2));
            }
            return metrics;
        }

        @Override
        public void close() throws IOException {
            closer.close();
        }
    }
}
