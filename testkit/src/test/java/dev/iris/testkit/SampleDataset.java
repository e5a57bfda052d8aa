package dev.iris.testkit;

import dev.iris.api.spi.Dataset;
import java.awt.image.BufferedImage;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import javax.imageio.ImageIO;

/**
 * A dataset of {@code id|caption} lines (each image a small PNG drawn from its id), skipping rows
 * with an empty caption; for checking the contract. A fault can be switched on: the file stays
 * open after the pass, or every second pass comes in reverse order.
 */
final class SampleDataset implements Dataset {
    enum Fault { NONE, KEEPS_THE_FILE_OPEN, REVERSES_EVERY_SECOND_PASS }

    private final Path file;
    private final Fault fault;
    private int passes;

    SampleDataset(Path file, Fault fault) {
        this.file = file;
        this.fault = fault;
    }

    @Override
    public String describe() {
        return "sample lines " + file;
    }

    @Override
    public Examples open() {
        boolean reversed = fault == Fault.REVERSES_EVERY_SECOND_PASS && passes++ % 2 == 1;
        try {
            return new Lines(Files.newBufferedReader(file, StandardCharsets.UTF_8), reversed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] png(String id) {
        BufferedImage img = new BufferedImage(4, 4, BufferedImage.TYPE_INT_RGB);
        img.setRGB(1, 2, id.hashCode() & 0xffffff);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private final class Lines implements Examples {
        private final BufferedReader reader;
        private final List<Example> reversedRows;
        private final List<Skipped> undrained = new ArrayList<>();
        private final List<String> firstIds = new ArrayList<>();
        private final Map<String, Long> byReason = new LinkedHashMap<>();
        private long skipped;
        private Example next;
        private boolean done;

        Lines(BufferedReader reader, boolean reversed) {
            this.reader = reader;
            this.reversedRows = reversed ? new ArrayList<>() : null;
            if (reversed) {
                for (Example e; (e = read()) != null; ) reversedRows.add(0, e);
            }
        }

        /** The next usable row from the file, counting skipped ones; null at the end. */
        private Example read() {
            try {
                for (String line; (line = reader.readLine()) != null; ) {
                    String[] parts = line.split("\\|", -1);
                    if (parts[1].isBlank()) {
                        skip(parts[0], "empty caption");
                        continue;
                    }
                    return Example.caption(parts[0], parts[1], png(parts[0]));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return null;
        }

        private void skip(String id, String reason) {
            skipped++;
            if (firstIds.size() < 5) firstIds.add(id);
            byReason.merge(reason, 1L, Long::sum);
            undrained.add(new Skipped(id, reason));
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                next = reversedRows != null ? (reversedRows.isEmpty() ? null : reversedRows.remove(0)) : read();
                if (next == null) finish();
            }
            return next != null;
        }

        @Override
        public Example next() {
            if (!hasNext()) throw new NoSuchElementException("the pass is over");
            Example e = next;
            next = null;
            return e;
        }

        private void finish() {
            done = true;
            if (fault == Fault.KEEPS_THE_FILE_OPEN) return;
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            if (!done) finish();
            next = null;
        }

        @Override
        public Skips skips() {
            return skipped == 0 ? Skips.NONE : new Skips(skipped, List.copyOf(firstIds), Map.copyOf(byReason));
        }

        @Override
        public List<Skipped> drainSkipped() {
            List<Skipped> out = List.copyOf(undrained);
            undrained.clear();
            return out;
        }
    }
}
