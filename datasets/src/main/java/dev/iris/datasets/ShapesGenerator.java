package dev.iris.datasets;

import dev.iris.api.IrisException;
import dev.iris.datasets.ShapesCaptions.Scene;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * Writes the synthetic shapes dataset: square PNGs of one coloured shape (circle, square,
 * triangle) in one quadrant of a white image, captioned "A red circle in the top left.".
 * Small models learn it in minutes, and {@link ShapesCaptions#parse} can score what they write.
 *
 * <p>The files use the Hugging Face layout ({@code image {bytes, path}}, {@code id},
 * {@code caption}), so they are read by the same code as any parquet dataset.
 */
public final class ShapesGenerator {
    public static final String TRAIN_FILE = "train.parquet";
    public static final String HELDOUT_FILE = "heldout.parquet";
    public static final int MIN_IMAGE_SIZE = 16;
    public static final int MAX_IMAGE_SIZE = 1024;

    /** Key-value metadata recording the parameters, so a later run can tell stale files. */
    static final String METADATA_KEY = "iris.shapes";

    static final MessageType SCHEMA = Types.buildMessage()
            .optionalGroup()
                .optional(PrimitiveTypeName.BINARY).named("bytes")
                .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("path")
                .named("image")
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("id")
            .optional(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named("caption")
            .named("shapes");

    /** Colours chosen to stay distinct from each other and from the white background. */
    private static final Map<ShapesCaptions.Colour, Color> RGB = Map.of(
            ShapesCaptions.Colour.RED, new Color(220, 40, 40),
            ShapesCaptions.Colour.GREEN, new Color(40, 170, 60),
            ShapesCaptions.Colour.BLUE, new Color(40, 80, 220),
            ShapesCaptions.Colour.YELLOW, new Color(235, 200, 30));

    /** How a low-resolution image can run out of new renderings: then held-out ones may repeat. */
    private static final int FRESH_ATTEMPTS = 100;

    private ShapesGenerator() {}

    /** One drawing: the scene, the shape's extent and its top-left corner. */
    record Rendering(Scene scene, int size, int x, int y) {}

    /**
     * Writes {@code dir/train.parquet} and {@code dir/heldout.parquet}, the same bytes for the
     * same arguments. Each file is written to a temporary name and renamed, so a reader never
     * sees half a file. Every cycle of 48 examples holds each (colour, shape, position) once, in a
     * shuffled order; held-out drawings differ in size or offset from every training drawing
     * (while such drawings remain at this image size).
     */
    public static void write(Path dir, int trainCount, int heldoutCount, int imageSize, long seed) {
        if (trainCount < 0 || heldoutCount < 0) {
            throw new IllegalArgumentException("counts must be >= 0, got " + trainCount + " and " + heldoutCount);
        }
        if (imageSize < MIN_IMAGE_SIZE || imageSize > MAX_IMAGE_SIZE) {
            throw new IllegalArgumentException("image size must be in [" + MIN_IMAGE_SIZE + ", " + MAX_IMAGE_SIZE + "], got " + imageSize);
        }
        String params = parameters(trainCount, heldoutCount, imageSize, seed);
        SplittableRandom root = new SplittableRandom(seed);
        SplittableRandom trainRandom = root.split();
        SplittableRandom heldoutRandom = root.split();
        Set<Rendering> seen = new HashSet<>();
        Path trainTmp = null;
        Path heldoutTmp = null;
        try {
            Files.createDirectories(dir);
            trainTmp = Files.createTempFile(dir, "." + TRAIN_FILE + ".", ".tmp");
            heldoutTmp = Files.createTempFile(dir, "." + HELDOUT_FILE + ".", ".tmp");
            writeSplit(trainTmp, "train", trainCount, imageSize, trainRandom, seen, false, params);
            writeSplit(heldoutTmp, "heldout", heldoutCount, imageSize, heldoutRandom, seen, true, params);
            Files.move(trainTmp, dir.resolve(TRAIN_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Files.move(heldoutTmp, dir.resolve(HELDOUT_FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new IrisException("cannot write the shapes dataset to " + dir + ": " + e.getMessage(), e);
        } finally {
            deleteQuietly(trainTmp);
            deleteQuietly(heldoutTmp);
        }
    }

    /** What {@link #write} records in each file's metadata. */
    static String parameters(int trainCount, int heldoutCount, int imageSize, long seed) {
        return "train_count=" + trainCount + ", heldout_count=" + heldoutCount + ", image_size=" + imageSize + ", seed=" + seed;
    }

    private static void writeSplit(Path file, String split, int count, int imageSize, SplittableRandom random,
            Set<Rendering> seen, boolean avoidSeen, String params) throws IOException {
        SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
        try (ParquetWriter<Group> writer = ExampleParquetWriter.builder(new LocalOutputFile(file))
                .withConf(new PlainParquetConfiguration())
                .withType(SCHEMA)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .withDictionaryEncoding("image.bytes", false) // PNGs never repeat: a dictionary only costs time
                .withExtraMetaData(Map.of(METADATA_KEY, params))
                .build()) {
            List<Scene> cycle = new ArrayList<>(ShapesCaptions.all());
            for (int i = 0; i < count; i++) {
                if (i % cycle.size() == 0) {
                    shuffle(cycle, random);
                }
                Scene scene = cycle.get(i % cycle.size());
                Rendering r = place(scene, imageSize, random);
                for (int attempt = 1; avoidSeen && seen.contains(r) && attempt < FRESH_ATTEMPTS; attempt++) {
                    r = place(scene, imageSize, random);
                }
                if (!avoidSeen) {
                    seen.add(r);
                }
                Group row = rows.newGroup();
                row.addGroup("image").append("bytes", Binary.fromConstantByteArray(png(r, imageSize)));
                row.append("id", String.format("%s-%05d", split, i));
                row.append("caption", scene.caption());
                writer.write(row);
            }
        }
    }

    /** Fisher–Yates with the generator's own random source (Collections.shuffle wants a Random). */
    private static void shuffle(List<Scene> list, SplittableRandom random) {
        for (int i = list.size() - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            Scene t = list.get(i);
            list.set(i, list.get(j));
            list.set(j, t);
        }
    }

    /** A size and offset inside the scene's quadrant, jittered so drawings of one scene differ. */
    static Rendering place(Scene scene, int imageSize, SplittableRandom random) {
        int quadrant = imageSize / 2;
        int margin = Math.max(1, quadrant / 16);
        int room = quadrant - 2 * margin;
        int min = Math.max(3, Math.round(quadrant * 0.45f));
        int max = Math.min(room, Math.max(min, Math.round(quadrant * 0.7f)));
        int size = min + random.nextInt(max - min + 1);
        int slack = room - size;
        int x = (scene.position().left() ? 0 : quadrant) + margin + random.nextInt(slack + 1);
        int y = (scene.position().top() ? 0 : quadrant) + margin + random.nextInt(slack + 1);
        return new Rendering(scene, size, x, y);
    }

    static byte[] png(Rendering r, int imageSize) {
        BufferedImage img = new BufferedImage(imageSize, imageSize, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            // hard edges: every pixel is white or the shape's colour, the same on every JDK
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, imageSize, imageSize);
            g.setColor(RGB.get(r.scene().colour()));
            int x = r.x();
            int y = r.y();
            int d = r.size();
            switch (r.scene().shape()) {
                case CIRCLE -> g.fillOval(x, y, d, d);
                case SQUARE -> g.fillRect(x, y, d, d);
                case TRIANGLE -> g.fillPolygon(new int[] {x + d / 2, x, x + d}, new int[] {y, y + d, y + d}, 3);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new IllegalStateException("PNG encoding into memory failed", e);
        }
        return out.toByteArray();
    }

    private static void deleteQuietly(Path p) {
        if (p != null) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                // a stray temp file is harmless: its name is hidden and not *.parquet
            }
        }
    }
}
