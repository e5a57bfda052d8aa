package dev.iris.report;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The fonts reports are written with, all embedded (never the standard-14 fonts, which PDF
 * readers replace by whatever they have):
 *
 * <ul>
 *   <li>a Latin font: {@code report.font}, else DejaVu Sans (Debian {@code fonts-dejavu-core}),
 *       with DejaVu Sans Bold for headings when the default is used;
 *   <li>a CJK font for Chinese, Japanese and Korean: {@code report.cjk_font}, else the first of
 *       {@link #CJK_CANDIDATES} that exists (Debian {@code fonts-noto-cjk} first). In a
 *       collection ({@code .ttc}) the face matching the translation language is used (e.g. Noto
 *       Sans CJK JP for Japanese), else Simplified Chinese.
 * </ul>
 *
 * Each character is drawn with the first of these fonts that has it; text with characters none
 * of them has is an error naming the characters, rather than a PDF with empty boxes. The CJK
 * font is opened only when some text needs it. Safe to share between threads; close it when done.
 */
public final class ReportFonts implements AutoCloseable {
    public static final Path DEJAVU_SANS = Path.of("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    public static final Path DEJAVU_SANS_BOLD = Path.of("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf");
    /** System CJK fonts tried in order when {@code report.cjk_font} is not set. */
    public static final List<Path> CJK_CANDIDATES = List.of(
            Path.of("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),      // Debian, Ubuntu: fonts-noto-cjk
            Path.of("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc"),    // Fedora
            Path.of("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc"),           // Arch
            Path.of("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),              // Debian: fonts-wqy-microhei
            Path.of("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
            Path.of("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"));  // Debian: fonts-droid-fallback

    private static final int MAX_LISTED = 20;

    private final FontFace regular;
    private final FontFace bold;            // null: headings use the regular face
    private final Optional<Path> cjkFile;
    private final Optional<String> cjkFace;
    private FontFace cjk;                   // opened on first need

    private ReportFonts(FontFace regular, FontFace bold, Optional<Path> cjkFile, Optional<String> cjkFace) {
        this.regular = regular;
        this.bold = bold;
        this.cjkFile = cjkFile;
        this.cjkFace = cjkFace;
    }

    /** The fonts {@code settings} name, or the system defaults. Fails when a configured font is missing. */
    public static ReportFonts from(ReportSettings settings) {
        return from(settings, CJK_CANDIDATES);
    }

    /** As {@link #from(ReportSettings)}, looking for a CJK font among {@code cjkCandidates}. */
    static ReportFonts from(ReportSettings settings, List<Path> cjkCandidates) {
        FontFace regular, bold = null;
        if (settings.font().isPresent()) {
            regular = FontFace.open(settings.font().get(), Optional.empty(), "report.font");
        } else {
            if (!Files.isRegularFile(DEJAVU_SANS)) {
                throw new IrisException("report.font is not set and the default font " + DEJAVU_SANS
                        + " is missing: install it (Debian: apt-get install fonts-dejavu-core) or set report.font to a TrueType font");
            }
            regular = FontFace.open(DEJAVU_SANS, Optional.empty(), "report.font");
            if (Files.isRegularFile(DEJAVU_SANS_BOLD)) bold = FontFace.open(DEJAVU_SANS_BOLD, Optional.empty(), "report.font");
        }
        Optional<Path> cjk = settings.cjkFont();
        if (cjk.isPresent() && !Files.isRegularFile(cjk.get())) {
            throw new IrisException("report.cjk_font: font file not found: " + cjk.get());
        }
        if (cjk.isEmpty()) cjk = cjkCandidates.stream().filter(Files::isRegularFile).findFirst();
        Optional<String> face = Optional.of(cjkFace(settings.translate().map(ReportSettings.Translate::language).orElse("")));
        return new ReportFonts(regular, bold, cjk, face);
    }

    /**
     * The face name part to prefer in a CJK collection for {@code language} (Noto Sans CJK's
     * faces are named ...JP, ...KR, ...SC, ...TC, ...HK): Han characters are drawn differently
     * in each region.
     */
    public static String cjkFace(String language) {
        String l = language.toLowerCase(Locale.ROOT).strip();
        if (l.startsWith("ja") || l.contains("japan") || l.contains("日本")) return "JP";
        if (l.startsWith("ko") || l.contains("korea") || l.contains("한국")) return "KR";
        if (l.contains("hk") || l.contains("hong kong") || l.contains("cantonese")) return "HK";
        if (l.contains("tw") || l.contains("hant") || l.contains("tradition") || l.contains("taiwan") || l.contains("繁")) return "TC";
        return "SC";
    }

    /** The Latin face (for tests and messages). */
    String regularName() {
        return regular.name;
    }

    /** The faces for body text, in the order they are tried; the CJK face only when {@code text} needs it. */
    List<FontFace> body(String text) {
        return chain(List.of(regular), text);
    }

    /** The faces for headings: bold Latin first when there is one. */
    List<FontFace> headings(String text) {
        return chain(bold == null ? List.of(regular) : List.of(bold, regular), text);
    }

    private List<FontFace> chain(List<FontFace> latin, String text) {
        List<FontFace> out = new ArrayList<>(latin);
        if (needsMore(latin, text)) cjk().ifPresent(out::add);
        return out;
    }

    private static boolean needsMore(List<FontFace> faces, String text) {
        return text.codePoints().anyMatch(cp -> !drawable(faces, cp));
    }

    private static boolean drawable(List<FontFace> faces, int cp) {
        if (cp == '\n') return true;
        for (FontFace f : faces) {
            if (f.canDraw(cp)) return true;
        }
        return false;
    }

    private synchronized Optional<FontFace> cjk() {
        if (cjk == null && cjkFile.isPresent()) cjk = FontFace.open(cjkFile.get(), cjkFace, "report.cjk_font");
        return Optional.ofNullable(cjk);
    }

    /**
     * Fails when {@code text} (after {@link #clean}) has characters none of the fonts can draw.
     * {@code subject} names the text in the message, e.g. "the findings".
     */
    public void check(String subject, String text) {
        String t = clean(text);
        rightToLeft(subject, t);
        List<FontFace> faces = body(t);
        Set<Integer> missing = new LinkedHashSet<>();
        t.codePoints().filter(cp -> !drawable(faces, cp)).forEach(missing::add);
        if (missing.isEmpty()) return;
        List<Integer> shown = missing.stream().limit(MAX_LISTED).toList();
        String chars = shown.stream().map(Character::toString).collect(Collectors.joining());
        String codes = shown.stream().map(cp -> String.format(Locale.ROOT, "U+%04X", cp)).collect(Collectors.joining(", "));
        String more = missing.size() > MAX_LISTED ? " and " + (missing.size() - MAX_LISTED) + " more" : "";
        String fonts = faces.stream().map(f -> f.name).collect(Collectors.joining(", "));
        throw new IrisException(subject + (subject.endsWith("s") ? " contain" : " contains")
                + " characters no configured font can draw: \"" + chars + "\" (" + codes + more + "); set report.cjk_font"
                + " (or report.font) to a font that has them (fonts tried: " + fonts + ")");
    }

    /**
     * Fails on right-to-left letters (Arabic, Hebrew, ...): the fonts may have them, but drawn
     * one by one from left to right, without bidirectional ordering and Arabic joining, they
     * would be wrong, which is worse than no report.
     */
    private static void rightToLeft(String subject, String text) {
        Set<Integer> rtl = new LinkedHashSet<>();
        text.codePoints().filter(cp -> {
            byte d = Character.getDirectionality(cp);
            return d == Character.DIRECTIONALITY_RIGHT_TO_LEFT || d == Character.DIRECTIONALITY_RIGHT_TO_LEFT_ARABIC;
        }).distinct().limit(MAX_LISTED).forEach(rtl::add);
        if (rtl.isEmpty()) return;
        String chars = rtl.stream().map(Character::toString).collect(Collectors.joining());
        throw new IrisException(subject + (subject.endsWith("s") ? " contain" : " contains") + " right-to-left text (\"" + chars
                + "\", e.g. " + Character.UnicodeScript.of(rtl.iterator().next()) + "), which reports cannot lay out yet:"
                + " they have no bidirectional ordering or Arabic shaping");
    }

    /**
     * Text as it is laid out: Unicode NFC (so accents combine into one character where fonts
     * have it), line ends as {@code \n}, tabs as four spaces, and other control and invisible
     * format characters (zero-width spaces, byte order marks) left out.
     */
    public static String clean(String text) {
        String t = Normalizer.normalize(text, Normalizer.Form.NFC).replace("\r\n", "\n").replace('\r', '\n').replace("\t", "    ");
        StringBuilder sb = new StringBuilder(t.length());
        t.codePoints().forEach(cp -> {
            int type = Character.getType(cp);
            if (cp == '\n' || (type != Character.CONTROL && type != Character.FORMAT)) sb.appendCodePoint(cp);
        });
        return sb.toString();
    }

    @Override
    public synchronized void close() {
        for (FontFace f : new FontFace[] {regular, bold, cjk}) {
            if (f == null) continue;
            try {
                f.close();
            } catch (IOException e) {
                // nothing useful to do when a read-only font file fails to close
            }
        }
    }
}
