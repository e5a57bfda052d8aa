package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import dev.iris.api.spi.Dataset;
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
     * Per sample the vision features [P, Dv] of each of its images, in order (null for a text-only
     * run; an empty list for a text-only sample). A sample with an image that does not decode is
     * removed from {@code samples} and recorded; the lists stay aligned.
     */
    public ImageFeatures features(List<Sample> samples) {
        if (cache == null) return null;
        List<List<Tensor>> out = new ArrayList<>();
        List<int[]> missing = new ArrayList<>();   // {sample, image}
        for (int i = 0; i < samples.size(); i++) {
            List<Tensor> mine = new ArrayList<>();
            List<byte[]> images = samples.get(i).images();
            for (int k = 0; k < images.size(); k++) {
                Tensor t = cache.cached(FeatureCache.key(images.get(k)));
                mine.add(t);
                if (t == null) missing.add(new int[] {i, k});
            }
            out.add(mine);
        }
        if (missing.isEmpty()) return imageFeatures(out);
        List<Future<Tensor>> pixels = new ArrayList<>();
        for (int[] at : missing) {
            Sample s = samples.get(at[0]);
            String what = s.images().size() == 1 ? "image of row " + s.id() : "image " + (at[1] + 1) + " of row " + s.id();
            pixels.add(decoders.submit(() -> cache.vision().preprocess(s.images().get(at[1]), what)));
        }
        List<Tensor> ok = new ArrayList<>();
        List<String> okKeys = new ArrayList<>();
        List<int[]> okAt = new ArrayList<>();
        java.util.SortedSet<Integer> bad = new java.util.TreeSet<>();
        for (int k = 0; k < missing.size(); k++) {
            int[] at = missing.get(k);
            try {
                Tensor p = pixels.get(k).get();
                if (bad.contains(at[0])) continue;
                ok.add(p);
                okKeys.add(FeatureCache.key(samples.get(at[0]).images().get(at[1])));
                okAt.add(at);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof InvalidImageException bad1)) throw rethrown(e.getCause());
                String which = samples.get(at[0]).images().size() == 1 ? "" : " (image " + (at[1] + 1) + ")";
                if (bad.add(at[0])) skips.sampleSkipped(samples.get(at[0]).id(), UNDECODABLE + which + ": " + bad1.reason());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IrisException("interrupted while decoding images");
            }
        }
        List<Tensor> computed = cache.compute(ok, okKeys);
        for (int k = 0; k < okAt.size(); k++) out.get(okAt.get(k)[0]).set(okAt.get(k)[1], computed.get(k));
        for (int i : bad.reversed()) {
            samples.remove(i);
            out.remove(i);
        }
        return imageFeatures(out);
    }

    private ImageFeatures imageFeatures(List<List<Tensor>> perSample) {
        return new ImageFeatures(perSample, cache.vision().tokens(), cache.vision().hiddenSize());
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
