package dev.iris.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iris.api.IrisException;
import dev.iris.plugins.config.GenerateConfig;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Optional;
import javax.imageio.ImageIO;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.font.PDFont;
import org.apache.pdfbox.rendering.PDFRenderer;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PDF layout, fonts and errors, without a model. */
public class ReportWriterTest {
    public static final Path NOTO_CJK = ReportFonts.CJK_CANDIDATES.get(0);
    static final ZonedDateTime WHEN = ZonedDateTime.of(2026, 11, 29, 10, 15, 30, 0, ZoneOffset.UTC);

    static ReportFonts fonts;
    static ReportWriter writer;

    @TempDir
    Path dir;

    @BeforeAll
    static void fonts() {
        fonts = ReportFonts.from(ReportSettings.DEFAULTS);
        writer = new ReportWriter(fonts);
    }

    @AfterAll
    static void close() {
        fonts.close();
    }

    /** A 64x48 PNG: white with a red disc. */
    public static byte[] png() {
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, 64, 48);
        g.setColor(Color.RED);
        g.fillOval(8, 8, 30, 30);
        g.dispose();
        return encode(img, "png");
    }

    static byte[] encode(BufferedImage img, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, format, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static Report report(String findings, Optional<Report.Translation> translation) {
        return new Report(png(), "scans/circle.png", "Describe the image.", findings, translation,
                List.of(new Report.Field("Vision encoder", "siglip, path: vision"), new Report.Field("Fusion weights", "none")),
                GenerateConfig.DEFAULTS, "stop", WHEN, "9.9.9-test");
    }

    public static String text(byte[] pdf) throws IOException {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            return new PDFTextStripper().getText(doc);
        }
    }

    /** The text without page footers (they come between pages' text), with runs of white space as one space. */
    public static String flowing(String text) {
        return text.replaceAll("\\s+", " ").replaceAll(ReportWriter.FOOTER_NOTICE + " · \\S+ \\S+ \\S+ ?Page \\d+ of \\d+ ?", "");
    }

    static int pages(byte[] pdf) throws IOException {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            return doc.getNumberOfPages();
        }
    }

    /** Where rendered pages go, to look at: server/target/report-pages. */
    static final Path PAGES = Path.of("target", "report-pages");

    /** Renders page {@code index}, writes it to {@link #PAGES} as {@code name} and returns it. */
    public static BufferedImage render(byte[] pdf, int index, String name) throws IOException {
        Files.createDirectories(PAGES);
        Path out = PAGES.resolve(name);
        Files.write(PAGES.resolve(name.replaceAll("(-\\d+)?\\.png$", ".pdf")), pdf);
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            BufferedImage img = new PDFRenderer(doc).renderImageWithDPI(index, 100);
            ImageIO.write(img, "png", out.toFile());
            return img;
        }
    }

    /** Every font in the document is embedded (a FontFile2 stream), none is a standard-14 font. */
    static void assertFontsEmbedded(byte[] pdf) throws IOException {
        try (PDDocument doc = Loader.loadPDF(pdf)) {
            int fonts = 0;
            for (PDPage page : doc.getPages()) {
                for (COSName name : page.getResources().getFontNames()) {
                    PDFont f = page.getResources().getFont(name);
                    assertThat(f.isEmbedded()).as(f.getName()).isTrue();
                    assertThat(f.isStandard14()).as(f.getName()).isFalse();
                    fonts++;
                }
            }
            assertThat(fonts).isPositive();
        }
    }

    @Test
    void shortReportHasEverySectionOnOnePage() throws Exception {
        byte[] pdf = writer.toBytes(report("A red circle on a white background.", Optional.empty()));
        String text = text(pdf);
        assertThat(pages(pdf)).isEqualTo(1);
        assertThat(text).contains("Iris report", "Describe the image.", "A red circle on a white background.",
                ReportWriter.NOTICE.substring(0, 40), "Model and configuration", "siglip, path: vision",
                "2026-11-29 10:15:30 +00:00", "9.9.9-test", "circle.png, 64 × 48 pixels, PNG", "Page 1 of 1");
        assertThat(text.replaceAll("\\s+", " ")).contains(ReportWriter.NOTICE);
        assertThat(text).doesNotContain("scans/"); // the name alone, not the folder
        assertFontsEmbedded(pdf);
        BufferedImage page = render(pdf, 0, "short.png");
        assertThat(page.getWidth()).isBetween(820, 830); // A4 at 100 dpi: 827 x 1169
    }

    @Test
    void longFindingsFlowOntoMorePages() throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= 300; i++) sb.append("Sentence number ").append(i).append(" of a long finding text. ");
        sb.append("\n\nLast paragraph.");
        byte[] pdf = writer.toBytes(report(sb.toString(), Optional.empty()));
        int n = pages(pdf);
        assertThat(n).isGreaterThanOrEqualTo(3);
        String text = text(pdf);
        assertThat(flowing(text)).contains(sb.toString().replaceAll("\\s+", " ").strip());
        assertThat(text).contains("Page 1 of " + n, "Page " + n + " of " + n);
        for (int i = 0; i < n; i++) render(pdf, i, "long-" + i + ".png");
    }

    @Test
    void aWordWiderThanTheLineIsBrokenNotLost() throws Exception {
        String word = "x".repeat(400);
        String text = text(writer.toBytes(report(word, Optional.empty())));
        assertThat(text.replaceAll("\\s+", "")).contains(word);
    }

    @Test
    void chineseTextIsDrawnWithTheCjkFontAndExtracts() throws Exception {
        assumeTrue(Files.isRegularFile(NOTO_CJK), "Noto Sans CJK is not installed (Debian: apt-get install fonts-noto-cjk): " + NOTO_CJK);
        String zh = "图像显示白色背景上的一个红色圆形。未见其他异常。";
        var t = new Report.Translation("Chinese", zh, Optional.of("此文本由机器学习模型生成。它不是诊断，不得用于医疗决策。"), "stub");
        byte[] pdf = writer.toBytes(report("A red circle on a white background. 中文 mixed with English.", Optional.of(t)));
        String text = text(pdf);
        assertThat(text).contains("Translation (Chinese)", zh, "此文本由机器学习模型生成。", "中文 mixed with English.");
        assertFontsEmbedded(pdf);
        assertThat(pdf.length).isLessThan(400_000); // a subset, not the 19 MB collection
        render(pdf, 0, "zh.png");
    }

    @Test
    void longChineseTextWrapsBetweenCharacters() throws Exception {
        assumeTrue(Files.isRegularFile(NOTO_CJK), "Noto Sans CJK is not installed (Debian: apt-get install fonts-noto-cjk): " + NOTO_CJK);
        String zh = "肺部清晰，心脏大小正常，未见明显异常。".repeat(60); // no spaces at all
        byte[] pdf = writer.toBytes(report(zh, Optional.empty()));
        String text = text(pdf);
        assertThat(flowing(text).replace(" ", "")).contains(zh);
        assertThat(text.lines().filter(l -> l.contains("肺部")).count()).isGreaterThan(5);
        render(pdf, 0, "zh-long.png");
    }

    @Test
    void charactersNoFontHasAreAnErrorNamingThem() {
        // Ugaritic and a private-use character: in neither DejaVu Sans nor Noto Sans CJK
        assertThatThrownBy(() -> writer.toBytes(report("Looks fine \uD800\uDF80 and \uE000, \uD800\uDF80.", Optional.empty())))
                .isInstanceOf(IrisException.class)
                .hasMessageStartingWith("the findings contain characters no configured font can draw: \"\uD800\uDF80\uE000\" (U+10380, U+E000); set report.cjk_font (or report.font) to a font that has them (fonts tried: DejaVuSans");
    }

    @Test
    void chineseWithoutACjkFontIsAnErrorNamingTheCharacters() {
        try (ReportFonts f = ReportFonts.from(ReportSettings.DEFAULTS, List.of())) { // as on a machine without CJK fonts
            assertThatThrownBy(() -> new ReportWriter(f).toBytes(report("肺", Optional.empty())))
                    .isInstanceOf(IrisException.class)
                    .hasMessage("the findings contain characters no configured font can draw: \"肺\" (U+80BA); set report.cjk_font"
                            + " (or report.font) to a font that has them (fonts tried: DejaVuSans)");
        }
    }

    @Test
    void aTrueTypeFaceInsideACollectionIsEmbeddedAsASubset() throws Exception {
        Path ttc = dir.resolve("DejaVuSans.ttc");
        Files.write(ttc, collectionOf(Files.readAllBytes(ReportFonts.DEJAVU_SANS)));
        try (ReportFonts f = ReportFonts.from(new ReportSettings(Optional.of(ttc), Optional.empty(), Optional.empty()), List.of())) {
            assertThat(f.regularName()).isEqualTo("DejaVuSans");
            byte[] pdf = new ReportWriter(f).toBytes(report("From a collection.", Optional.empty()));
            assertThat(text(pdf)).contains("From a collection.", "Model and configuration");
            assertFontsEmbedded(pdf);
            assertThat(pdf.length).isLessThan(100_000); // a subset: DejaVu Sans alone is 740 KB
        }
    }

    /** A one-face TrueType collection around a .ttf: the ttcf header, then the font with its table offsets moved. */
    static byte[] collectionOf(byte[] ttf) {
        int header = 16;
        java.nio.ByteBuffer out = java.nio.ByteBuffer.allocate(header + ttf.length);
        out.putInt(0x74746366).putInt(0x00010000).putInt(1).putInt(header); // 'ttcf', version 1.0, one font at 16
        java.nio.ByteBuffer font = java.nio.ByteBuffer.wrap(ttf.clone());
        int tables = font.getShort(4) & 0xFFFF;
        for (int i = 0; i < tables; i++) {
            int at = 12 + 16 * i + 8; // each table record: tag, checksum, offset, length
            font.putInt(at, font.getInt(at) + header);
        }
        out.put(font.array());
        return out.array();
    }

    @Test
    void rightToLeftTextIsRefusedRatherThanDrawnBackwards() {
        assertThatThrownBy(() -> writer.toBytes(report("النتائج طبيعية", Optional.empty())))
                .isInstanceOf(IrisException.class)
                .hasMessageStartingWith("the findings contain right-to-left text (\"")
                .hasMessageContaining("\", e.g. ARABIC), which reports cannot lay out yet");
    }

    @Test
    void sixteenBitGreyscalePngsAsMedicalImagesOftenAre() throws Exception {
        BufferedImage img = new BufferedImage(128, 96, BufferedImage.TYPE_USHORT_GRAY);
        var raster = img.getRaster();
        for (int y = 0; y < 96; y++) for (int x = 0; x < 128; x++) raster.setSample(x, y, 0, x * 512);
        Report r = report("Gradient.", Optional.empty());
        Report grey = new Report(encode(img, "png"), "ct.png", r.prompt(), r.findings(), r.translation(), r.model(),
                r.settings(), r.stopReason(), r.created(), r.irisVersion());
        byte[] pdf = writer.toBytes(grey);
        assertThat(text(pdf)).contains("ct.png, 128 × 96 pixels, PNG");
        BufferedImage page = render(pdf, 0, "grey16.png");
        assertThat(page.getWidth()).isPositive();
    }

    @Test
    void controlAndInvisibleCharactersAreDroppedNotErrors() throws Exception {
        String text = text(writer.toBytes(report("tab\there,\u200Bzero\uFEFF width\r\nnext line", Optional.empty())));
        assertThat(text).contains("tab    here,zero width", "next line");
    }

    @Test
    void jpegImagesWorkAndOtherFormatsAreRefused() throws Exception {
        BufferedImage img = new BufferedImage(300, 900, BufferedImage.TYPE_INT_RGB); // tall: scaled to the height limit
        Graphics2D g = img.createGraphics();
        g.setColor(Color.BLUE);
        g.fillRect(10, 10, 280, 880);
        g.dispose();
        Report r = report("Tall.", Optional.empty());
        Report jpeg = new Report(encode(img, "jpg"), "tall.jpg", r.prompt(), r.findings(), r.translation(), r.model(),
                r.settings(), r.stopReason(), r.created(), r.irisVersion());
        byte[] pdf = writer.toBytes(jpeg);
        assertThat(text(pdf)).contains("tall.jpg, 300 × 900 pixels, JPEG");
        render(pdf, 0, "jpeg.png");

        Report gif = new Report(encode(img, "gif"), "x.gif", r.prompt(), r.findings(), r.translation(), r.model(),
                r.settings(), r.stopReason(), r.created(), r.irisVersion());
        assertThatThrownBy(() -> writer.toBytes(gif)).isInstanceOf(IrisException.class)
                .hasMessage("the image is neither a PNG nor a JPEG file");
    }

    @Test
    void writingToAPathIsAtomicAndLeavesNoTemporaryFile() throws Exception {
        Path out = dir.resolve("sub/report.pdf");
        writer.write(report("First.", Optional.empty()), out);
        assertThat(text(Files.readAllBytes(out))).contains("First.");
        writer.write(report("Second.", Optional.empty()), out);
        assertThat(text(Files.readAllBytes(out))).contains("Second.").doesNotContain("First.");
        // a failing write leaves the old file as it was
        assertThatThrownBy(() -> writer.write(report("bad \uE000", Optional.empty()), out)).isInstanceOf(IrisException.class);
        assertThat(text(Files.readAllBytes(out))).contains("Second.");
        try (var files = Files.list(out.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString()).toList()).containsExactly("report.pdf");
        }
    }
}
