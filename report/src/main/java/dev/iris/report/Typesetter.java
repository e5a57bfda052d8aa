package dev.iris.report;

import java.io.Closeable;
import java.io.IOException;
import java.text.BreakIterator;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.font.PDFont;
import java.io.UncheckedIOException;

/**
 * The report's fonts embedded in one document: measures, wraps and draws text, switching font
 * per character (Latin text in the Latin font, Chinese in the CJK font, within one line).
 * Text must already be {@link ReportFonts#clean cleaned} and {@link ReportFonts#check checked}.
 */
final class Typesetter implements Closeable {
    /** A text style: headings use the bold face first. */
    record Style(float size, boolean heading) {}

    private final List<FontFace> body, headings;
    private final Map<FontFace, PDFont> embedded = new IdentityHashMap<>();
    private final Map<FontFace, Map<Integer, Float>> widths = new IdentityHashMap<>();
    private final List<Closeable> open = new ArrayList<>();

    /** Embeds the faces {@code allText} needs (every string the document will show). */
    Typesetter(PDDocument doc, ReportFonts fonts, String allText) throws IOException {
        body = fonts.body(allText);
        headings = fonts.headings(allText);
        Set<Integer> codePoints = new TreeSet<>();
        allText.codePoints().forEach(codePoints::add);
        for (List<FontFace> chain : List.of(body, headings)) {
            for (FontFace f : chain) {
                if (!embedded.containsKey(f)) embedded.put(f, f.embed(doc, codePoints, open));
            }
        }
    }

    private List<FontFace> chain(Style s) {
        return s.heading() ? headings : body;
    }

    private FontFace faceFor(List<FontFace> chain, int cp) {
        for (FontFace f : chain) {
            if (f.canDraw(cp)) return f;
        }
        throw new IllegalStateException(String.format(Locale.ROOT, "no font for U+%04X: the text was not checked", cp));
    }

    /** The width of {@code text} in points. */
    float width(String text, Style s) {
        List<FontFace> chain = chain(s);
        float w = 0;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            w += advance(chain, cp);
        }
        return w * s.size() / 1000f;
    }

    /** Advance width of one character in 1/1000 em. */
    private float advance(List<FontFace> chain, int cp) {
        FontFace f = faceFor(chain, cp);
        Map<Integer, Float> cache = widths.computeIfAbsent(f, k -> new HashMap<>());
        Float w = cache.get(cp);
        if (w == null) {
            try {
                w = embedded.get(f).getStringWidth(Character.toString(cp));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            cache.put(cp, w);
        }
        return w;
    }

    /**
     * {@code text} broken into lines no wider than {@code maxWidth}: at line breaks, then where
     * Unicode allows a break (after spaces, between CJK characters), and inside a word only when
     * the word alone is too wide. Empty lines stay (paragraph spacing).
     */
    List<String> wrap(String text, Style s, float maxWidth) {
        List<String> lines = new ArrayList<>();
        for (String para : text.split("\n", -1)) {
            if (para.isEmpty()) {
                lines.add("");
                continue;
            }
            BreakIterator bi = BreakIterator.getLineInstance(Locale.ROOT);
            bi.setText(para);
            StringBuilder line = new StringBuilder();
            for (int start = bi.first(), end = bi.next(); end != BreakIterator.DONE; start = end, end = bi.next()) {
                String seg = para.substring(start, end);
                if (width((line + seg).stripTrailing(), s) <= maxWidth) {
                    line.append(seg);
                    continue;
                }
                if (!line.isEmpty()) {
                    lines.add(line.toString().stripTrailing());
                    line.setLength(0);
                }
                if (width(seg.stripTrailing(), s) <= maxWidth) {
                    line.append(seg);
                    continue;
                }
                // a word wider than the line: break it between characters
                for (int i = 0; i < seg.length(); ) {
                    int cp = seg.codePointAt(i);
                    i += Character.charCount(cp);
                    String c = Character.toString(cp);
                    if (!line.isEmpty() && width((line + c).stripTrailing(), s) > maxWidth) {
                        lines.add(line.toString().stripTrailing());
                        line.setLength(0);
                    }
                    line.append(c);
                }
            }
            if (!line.isEmpty()) lines.add(line.toString().stripTrailing());
        }
        return lines;
    }

    /** Draws one line with its baseline at (x, y): one text run per font. */
    void draw(PDPageContentStream cs, String line, Style s, float x, float y) throws IOException {
        if (line.isBlank()) return;
        List<FontFace> chain = chain(s);
        cs.beginText();
        cs.newLineAtOffset(x, y);
        FontFace current = null;
        StringBuilder run = new StringBuilder();
        for (int i = 0; i < line.length(); ) {
            int cp = line.codePointAt(i);
            i += Character.charCount(cp);
            FontFace f = faceFor(chain, cp);
            if (f != current && !run.isEmpty()) {
                cs.showText(run.toString());
                run.setLength(0);
            }
            if (f != current) {
                cs.setFont(embedded.get(f), s.size());
                current = f;
            }
            run.appendCodePoint(cp);
        }
        if (!run.isEmpty()) cs.showText(run.toString());
        cs.endText();
    }

    /** Closes what the fonts kept open; call after the document is saved. */
    @Override
    public void close() throws IOException {
        for (Closeable c : open) c.close();
    }
}
