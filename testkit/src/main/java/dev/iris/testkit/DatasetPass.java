package dev.iris.testkit;

import dev.iris.api.spi.Dataset;
import dev.iris.api.spi.Dataset.Example;
import dev.iris.api.spi.Dataset.Skips;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import javax.imageio.ImageIO;

/** A whole pass over a dataset: the examples and the skips at its end. */
public record DatasetPass(List<Example> examples, Skips skips) {

    /** Reads one pass to its end and closes it. */
    public static DatasetPass readAll(Dataset dataset) {
        try (Dataset.Examples it = dataset.open()) {
            List<Example> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return new DatasetPass(out, it.skips());
        }
    }

    public List<String> ids() {
        return examples.stream().map(Example::id).toList();
    }

    /** The last answer of each example (a caption example's caption). */
    public List<String> captions() {
        return examples.stream().map(e -> e.turns().get(e.turns().size() - 1).text()).toList();
    }

    /** id, turns and image digests of each example: records with arrays do not compare by content. */
    public List<String> fingerprints() {
        return examples.stream().map(DatasetPass::fingerprint).toList();
    }

    public static String fingerprint(Example e) {
        StringBuilder b = new StringBuilder(e.id());
        for (Dataset.Turn t : e.turns()) b.append(" | ").append(t.role().label()).append(": ").append(t.prompted() ? "(prompted)" : t.text());
        for (byte[] image : e.images()) b.append(" | ").append(sha256(image));
        return b.toString();
    }

    public static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The decoded image, or null when ImageIO knows no reader for it. */
    public static BufferedImage decode(byte[] bytes) {
        try {
            return ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
