package dev.iris.cli.corpus;

import dev.iris.cli.corpus.CorpusRow.Expect;
import dev.iris.cli.corpus.CorpusRow.Image;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * A test corpus in the MedTrinity layout with free-text captions, generated at test time and the
 * same for the same seed:
 * <ul>
 *   <li>{@code train/part-0.parquet} (SNAPPY) and {@code train/part-1.parquet} (ZSTD), row groups of
 *       {@value #ROW_GROUP_ROWS} rows; {@code train/images/} holds the files some rows name by path;</li>
 *   <li>{@code heldout/heldout.parquet} (GZIP), for {@code iris eval} and {@code iris compare};</li>
 *   <li>{@code broken/broken.parquet}: rows whose images all fail to decode.</li>
 * </ul>
 * Usable rows cover every image format Iris must read ({@link ImageFormat#decodable()}), rows
 * named by path, two rows sharing an id and one caption far longer than the model's context. Bad
 * rows cover every reason to skip a row, each under its own id, so a skip report can be checked
 * row by row.
 */
public final class FreeTextCorpus {
    public static final int ROW_GROUP_ROWS = 8;
    public static final String DUPLICATE_ID = "mt-dup";

    /** What was written, row by row, in file order. */
    public record Written(Path root, Path trainDir, Path heldoutFile, Path brokenFile,
                          List<CorpusRow> train, List<CorpusRow> heldout, List<CorpusRow> broken) {
        /** The ids of the rows that must be skipped, with the expected reason, in file order. */
        public static Map<String, Expect> skips(List<CorpusRow> rows) {
            Map<String, Expect> out = new LinkedHashMap<>();
            for (CorpusRow r : rows) if (!r.usable()) out.put(r.id(), r.expect());
            return out;
        }

        public static long usable(List<CorpusRow> rows) {
            return rows.stream().filter(CorpusRow::usable).count();
        }
    }

    private final SplittableRandom random;
    private final int imageSize;
    private int nextId = 1;

    private FreeTextCorpus(long seed, int imageSize) {
        this.random = new SplittableRandom(seed);
        this.imageSize = imageSize;
    }

    /** Writes the corpus under {@code root}; images are {@code imageSize} pixels square. */
    public static Written write(Path root, long seed, int imageSize) {
        FreeTextCorpus c = new FreeTextCorpus(seed, imageSize);
        try {
            Path trainDir = Files.createDirectories(root.resolve("train"));
            Path images = Files.createDirectories(trainDir.resolve("images"));
            List<CorpusRow> train = c.trainRows(images);
            int half = train.size() / 2;
            CorpusParquet.write(trainDir.resolve("part-0.parquet"), train.subList(0, half), CompressionCodecName.SNAPPY, ROW_GROUP_ROWS, seed);
            CorpusParquet.write(trainDir.resolve("part-1.parquet"), train.subList(half, train.size()), CompressionCodecName.ZSTD, ROW_GROUP_ROWS, seed);

            Path heldoutFile = Files.createDirectories(root.resolve("heldout")).resolve("heldout.parquet");
            List<CorpusRow> heldout = c.heldoutRows();
            CorpusParquet.write(heldoutFile, heldout, CompressionCodecName.GZIP, ROW_GROUP_ROWS, seed);

            Path brokenFile = Files.createDirectories(root.resolve("broken")).resolve("broken.parquet");
            List<CorpusRow> broken = c.brokenRows();
            CorpusParquet.write(brokenFile, broken, CompressionCodecName.SNAPPY, ROW_GROUP_ROWS, seed);
            return new Written(root, trainDir, heldoutFile, brokenFile, train, heldout, broken);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private List<CorpusRow> trainRows(Path images) throws IOException {
        List<CorpusRow> rows = new ArrayList<>();
        for (ImageFormat f : ImageFormat.values()) {
            if (!f.decodable()) continue;
            int copies = f.committedFile() != null ? 1 : 3;   // a committed file shows one scene only
            for (int i = 0; i < copies; i++) rows.add(usable(f));
        }
        for (int i = 0; i < 2; i++) {
            // HF layout without bytes: the path names a file beside the parquet file
            LesionScene s = LesionScene.random(random);
            String name = "scan-" + nextId + ".png";
            Files.write(images.resolve(name), ImageFormat.PNG_RGB.encode(s, imageSize));
            rows.add(new CorpusRow(id(), RadiologyCaptions.caption(s, random), new Image(null, "images/" + name), ImageFormat.PNG_RGB, Expect.USABLE));
        }
        for (int i = 0; i < 2; i++) {
            LesionScene s = LesionScene.random(random);
            rows.add(new CorpusRow(DUPLICATE_ID, RadiologyCaptions.caption(s, random), new Image(ImageFormat.JPEG_RGB.encode(s, imageSize), null),
                    ImageFormat.JPEG_RGB, Expect.USABLE));
        }
        LesionScene longScene = LesionScene.random(random);
        rows.add(new CorpusRow(id(), RadiologyCaptions.veryLong(longScene, random), new Image(ImageFormat.PNG_RGB.encode(longScene, imageSize), null),
                ImageFormat.PNG_RGB, Expect.USABLE));
        while (rows.size() < 48) rows.add(usable(ImageFormat.PNG_RGB));

        rows.add(bad(null, "A caption whose row has no image struct at all.", Expect.MISSING_IMAGE, null));
        rows.add(bad(new Image(null, null), "Image struct present, but bytes and path are both null.", Expect.MISSING_IMAGE, null));
        rows.add(bad(new Image(new byte[0], null), "Zero image bytes and no path.", Expect.MISSING_IMAGE, null));
        rows.add(bad(new Image(null, "images/no-such-scan.png"), "The path names a file that does not exist.", Expect.IMAGE_NOT_FOUND, ImageFormat.PNG_RGB));
        rows.add(bad(new Image(null, "elsewhere/ghost.jpg"), "The path names a folder that does not exist.", Expect.IMAGE_NOT_FOUND, ImageFormat.JPEG_RGB));
        rows.add(bad(goodImage(), null, Expect.EMPTY_CAPTION, ImageFormat.PNG_RGB));
        rows.add(bad(goodImage(), "", Expect.EMPTY_CAPTION, ImageFormat.PNG_RGB));
        rows.add(bad(goodImage(), " \t\n  ", Expect.EMPTY_CAPTION, ImageFormat.PNG_RGB));
        for (ImageFormat f : List.of(ImageFormat.GARBAGE, ImageFormat.TRUNCATED_PNG, ImageFormat.TRUNCATED_JPEG)) {
            for (int i = 0; i < 2; i++) {
                LesionScene s = LesionScene.random(random);
                rows.add(bad(new Image(f.encode(s, imageSize), null), RadiologyCaptions.caption(s, random), Expect.UNDECODABLE, f));
            }
        }
        shuffle(rows);
        return rows;
    }

    private List<CorpusRow> heldoutRows() {
        List<CorpusRow> rows = new ArrayList<>();
        for (ImageFormat f : List.of(ImageFormat.PNG_RGB, ImageFormat.PNG_RGB, ImageFormat.PNG_RGB, ImageFormat.JPEG_RGB,
                ImageFormat.JPEG_RGB, ImageFormat.PNG_PALETTE, ImageFormat.JPEG_GREY, ImageFormat.PNG_GREY_16BIT,
                ImageFormat.WEBP_LOSSLESS, ImageFormat.JPEG_CMYK)) {
            rows.add(usable(f));
        }
        rows.add(bad(null, "No image in this held-out row.", Expect.MISSING_IMAGE, null));
        rows.add(bad(goodImage(), "  ", Expect.EMPTY_CAPTION, ImageFormat.PNG_RGB));
        LesionScene s = LesionScene.random(random);
        rows.add(bad(new Image(ImageFormat.GARBAGE.encode(s, imageSize), null), RadiologyCaptions.caption(s, random), Expect.UNDECODABLE, ImageFormat.GARBAGE));
        s = LesionScene.random(random);
        rows.add(bad(new Image(ImageFormat.TRUNCATED_PNG.encode(s, imageSize), null), RadiologyCaptions.caption(s, random), Expect.UNDECODABLE,
                ImageFormat.TRUNCATED_PNG));
        shuffle(rows);
        return rows;
    }

    private List<CorpusRow> brokenRows() {
        List<CorpusRow> rows = new ArrayList<>();
        ImageFormat[] broken = {ImageFormat.GARBAGE, ImageFormat.TRUNCATED_PNG, ImageFormat.TRUNCATED_JPEG};
        for (int i = 0; i < 9; i++) {
            LesionScene s = LesionScene.random(random);
            ImageFormat f = broken[i % broken.length];
            rows.add(bad(new Image(f.encode(s, imageSize), null), RadiologyCaptions.caption(s, random), Expect.UNDECODABLE, f));
        }
        return rows;
    }

    private CorpusRow usable(ImageFormat f) {
        LesionScene s = f.fixedScene() != null ? f.fixedScene() : LesionScene.random(random);
        return new CorpusRow(id(), RadiologyCaptions.caption(s, random), new Image(f.encode(s, imageSize), null), f, Expect.USABLE);
    }

    private Image goodImage() {
        return new Image(ImageFormat.PNG_RGB.encode(LesionScene.random(random), imageSize), null);
    }

    private CorpusRow bad(Image image, String caption, Expect expect, ImageFormat format) {
        return new CorpusRow(id(), caption, image, format, expect);
    }

    private String id() {
        return String.format("mt-%04d", nextId++);
    }

    private void shuffle(List<CorpusRow> rows) {
        for (int i = rows.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            CorpusRow t = rows.get(i);
            rows.set(i, rows.get(j));
            rows.set(j, t);
        }
    }
}
