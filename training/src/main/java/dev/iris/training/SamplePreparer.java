package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import dev.iris.api.spi.Dataset;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Dataset examples to samples and their image features, the same way for training and
 * evaluation: an example that cannot be a sample ({@link SampleBuilder.SampleException}) or
 * whose image does not decode ({@link InvalidImageException}) is recorded in the skip list
 * with its reason and left out, never replaced. Any other failure stops the caller.
 */
public final class SamplePreparer implements AutoCloseable {
    /** The reason prefix of an image the vision encoder's decoder refused. */
    static final String UNDECODABLE = "undecodable image";

    private final SampleBuilder builder;
    private final FeatureCache cache;
    private final SampleSkips skips;
    private final ExecutorService decoders = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "iris-decode");
        t.setDaemon(true);
        return t;
    });
    private volatile long truncated, turnsDropped;   // written by one thread, read by another

    /** @param cache the vision features, or null for text-only samples */
    public SamplePreparer(SampleBuilder builder, FeatureCache cache, SampleSkips skips) {
        this.builder = builder;
        this.cache = cache;
        this.skips = skips;
    }

    /** The example as a sample, or null after recording why it cannot be one. */
    public Sample sample(Dataset.Example ex, Random random) {
        try {
            Sample s = builder.build(ex, cache != null, random);
            if (s.truncated()) truncated++;
            turnsDropped += s.turnsDropped();
            return s;
        } catch (SampleBuilder.SampleException e) {
            skips.sampleSkipped(ex.id(), e.getMessage().replaceFirst("^sample [^:]*: ", ""));
            return null;
        }
    }

    /**
     * Features per sample (null for a text-only run). A sample whose image does not decode is
     * removed from {@code samples} and recorded; the lists stay aligned. A sample without an image
     * in a run with images (a text-only conversation) gets zeros: the batch's features have a slot
     * per sample, but no position of this one reads it (no image positions, no image rows).
     */
    public List<Tensor> features(List<Sample> samples) {
        if (cache == null) return null;
        List<Tensor> out = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        List<Integer> missing = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            if (samples.get(i).image() == null) {
                out.add(Tensor.zeros(DType.F32, cache.vision().tokens(), cache.vision().hiddenSize()));
                keys.add(null);
                continue;
            }
            String key = FeatureCache.key(samples.get(i).image());
            keys.add(key);
            Tensor t = cache.cached(key);
            out.add(t);
            if (t == null) missing.add(i);
        }
        if (missing.isEmpty()) return out;
        List<Future<Tensor>> pixels = new ArrayList<>();
        for (int i : missing) {
            Sample s = samples.get(i);
            pixels.add(decoders.submit(() -> cache.vision().preprocess(s.image(), "image of row " + s.id())));
        }
        List<Tensor> ok = new ArrayList<>();
        List<String> okKeys = new ArrayList<>();
        List<Integer> okIdx = new ArrayList<>();
        List<Integer> bad = new ArrayList<>();
        for (int k = 0; k < missing.size(); k++) {
            int i = missing.get(k);
            try {
                ok.add(pixels.get(k).get());
                okKeys.add(keys.get(i));
                okIdx.add(i);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof InvalidImageException bad1)) throw rethrown(e.getCause());
                skips.sampleSkipped(samples.get(i).id(), UNDECODABLE + ": " + bad1.reason());
                bad.add(i);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IrisException("interrupted while decoding images");
            }
        }
        List<Tensor> computed = cache.compute(ok, okKeys);
        for (int k = 0; k < okIdx.size(); k++) out.set(okIdx.get(k), computed.get(k));
        for (int k = bad.size() - 1; k >= 0; k--) {
            int i = bad.get(k);
            samples.remove(i);
            out.remove(i);
        }
        return out;
    }

    private static RuntimeException rethrown(Throwable cause) {
        if (cause instanceof RuntimeException r) return r;
        if (cause instanceof Error e) throw e;
        return new IrisException("image preprocessing failed: " + cause, cause);
    }

    /** Samples that lost turns or answer tokens to {@code train.max_length}. */
    public long truncated() {
        return truncated;
    }

    /** Whole trailing turns left out of samples to fit {@code train.max_length}. */
    public long turnsDropped() {
        return turnsDropped;
    }

    @Override
    public void close() {
        decoders.shutdownNow();
    }
}
