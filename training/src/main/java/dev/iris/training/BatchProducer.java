package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.TrainConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/** Reads the dataset, builds samples and their image features ahead of the compute. */
final class BatchProducer implements Runnable {
    /**
     * Rows in a row without one usable sample after which a run stops: a wrong column or an
     * image format the decoder cannot read, not a few bad rows.
     */
    static final int MAX_CONSECUTIVE_UNUSABLE = 10_000;

    record Item(Batch batch, int epoch, long consumedAfter) {}

    private static final Item END = new Item(null, -1, -1);

    private final Dataset dataset;
    private final SamplePreparer preparer;
    private final SampleSkips skips;
    private final TrainConfig tc;
    private final int imageTokens;
    private final long padId;
    private final Checkpoint.State start;
    private final int maxConsecutiveUnusable;
    private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(8);
    private volatile boolean stopped;
    private volatile RuntimeException failure;
    private long unusableInARow;
    private boolean anyUsable;

    BatchProducer(Dataset dataset, SamplePreparer preparer, SampleSkips skips, TrainConfig tc, int imageTokens, long padId,
             Checkpoint.State start, int maxConsecutiveUnusable) {
        this.dataset = dataset;
        this.preparer = preparer;
        this.skips = skips;
        this.tc = tc;
        this.imageTokens = imageTokens;
        this.padId = padId;
        this.start = start;
        this.maxConsecutiveUnusable = maxConsecutiveUnusable;
    }

    @Override
    public void run() {
        try {
            int epoch = start.epoch();
            long skip = start.consumedInEpoch();
            if (epoch > 0) skips.passEnded();   // the interrupted part of the run listed the first pass
            while (!stopped) {
                boolean wholePass = skip == 0;
                try (ExampleStream stream = new ExampleStream(dataset, tc.shuffle(), tc.seed(), epoch)) {
                    stream.skip(skip);
                    skip = 0;
                    // rows skipped before the resume point were listed by the run that read them
                    skips.datasetSkipped(stream.drainSkipped());
                    boolean more = true;
                    while (more && !stopped) {
                        List<Sample> samples = new ArrayList<>();
                        while (samples.size() < tc.batchSize()) {
                            Dataset.Example ex = stream.next();
                            unusable(stream.drainSkipped());
                            if (ex == null) {
                                more = false;
                                break;
                            }
                            Sample s = sample(ex, epoch, stream.consumed());
                            if (s != null) {
                                samples.add(s);
                            } else {
                                unusable(1);
                            }
                        }
                        int built = samples.size();
                        ImageFeatures feats = preparer.features(samples);
                        unusable(built - samples.size());
                        if (!samples.isEmpty()) {
                            anyUsable = true;
                            unusableInARow = 0;
                            queue.put(new Item(Batch.of(samples, feats, imageTokens, padId), epoch, stream.consumed()));
                        }
                    }
                }
                if (wholePass && !anyUsable && !stopped) {
                    throw new IrisException("train.dataset: " + dataset.describe() + ": no usable sample in a whole pass over the data; "
                            + skips.summary());
                }
                epoch++;
                skips.passEnded();
                if (tc.length() instanceof TrainConfig.Epochs e && epoch >= e.count()) break;
            }
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure = e;
            queue.clear();   // the compute must see the failure now, not after the batches before it
            queue.offer(END);
        }
    }

    private void unusable(List<Dataset.Skipped> skipped) {
        skips.datasetSkipped(skipped);
        // shuffled, the rows come through a read-ahead buffer: skips drained with a refill are not "in a row" with
        // the samples around them, so only the whole-pass rule applies to them
        if (!tc.shuffle()) unusable(skipped.size());
    }

    /** Counts rows that gave no sample; too many in a row means the data cannot be used as configured. */
    private void unusable(long rows) {
        unusableInARow += rows;
        if (unusableInARow >= maxConsecutiveUnusable) {
            throw new IrisException("train.dataset: " + dataset.describe() + ": " + unusableInARow + " rows in a row gave no usable sample"
                    + (anyUsable ? "" : " (none so far)") + "; stopping. " + skips.summary());
        }
    }

    private Sample sample(Dataset.Example ex, int epoch, long index) {
        // the instruction is drawn per example from the seed, so a resumed run draws the same ones
        Random r = new Random(tc.seed() * 31L + epoch * 1_000_003L + index);
        return preparer.sample(ex, r);
    }

    /** The next batch, or null when the data has ended. */
    Item take() {
        try {
            Item it = queue.take();
            if (it == END) {
                queue.offer(END);
                if (failure != null) throw failure;
                return null;
            }
            return it;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IrisException("interrupted while waiting for data");
        }
    }

    void stop() {
        stopped = true;
        queue.clear();
    }

    SampleSkips skips() {
        return skips;
    }

    long truncated() {
        return preparer.truncated();
    }

    long turnsDropped() {
        return preparer.turnsDropped();
    }
}
