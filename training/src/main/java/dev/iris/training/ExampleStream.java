package dev.iris.training;

import dev.iris.api.spi.Dataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * One epoch over a dataset, shuffled through a bounded buffer (the dataset is streamed, never
 * loaded whole). The order depends only on the seed and the epoch, so a resumed run replays it
 * and skips what was already consumed.
 */
final class ExampleStream implements AutoCloseable {
    static final int BUFFER = 4096;

    private final Dataset.Examples source;
    private final List<Dataset.Example> buffer = new ArrayList<>();
    private final Random random;
    private final boolean shuffle;
    private long consumed;

    ExampleStream(Dataset dataset, boolean shuffle, long seed, int epoch) {
        this.source = dataset.open();
        this.shuffle = shuffle;
        this.random = new Random(seed * 1_000_003L + epoch);
    }

    /** The next example, or null at the end of the epoch. */
    Dataset.Example next() {
        if (!shuffle) {
            if (!source.hasNext()) return null;
            consumed++;
            return source.next();
        }
        while (buffer.size() < BUFFER && source.hasNext()) buffer.add(source.next());
        if (buffer.isEmpty()) return null;
        int i = random.nextInt(buffer.size());
        Dataset.Example e = buffer.get(i);
        buffer.set(i, buffer.get(buffer.size() - 1));
        buffer.remove(buffer.size() - 1);
        consumed++;
        return e;
    }

    /** Skips examples already trained on (resume). */
    void skip(long n) {
        for (long i = 0; i < n; i++) if (next() == null) return;
    }

    long consumed() {
        return consumed;
    }

    Dataset.Skips skips() {
        return source.skips();
    }

    /** Rows the dataset skipped since the previous call (see {@link Dataset.Examples#drainSkipped()}). */
    List<Dataset.Skipped> drainSkipped() {
        return source.drainSkipped();
    }

    @Override
    public void close() {
        source.close();
    }
}
