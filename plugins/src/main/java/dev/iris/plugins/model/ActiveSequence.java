package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.generate.Sampler;
import dev.iris.runtime.onnx.GraphSession;
import java.nio.FloatBuffer;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.Map;

/**
 * One generation in progress: its sampler, how long its cache is, when it must end, and the
 * tokens the decode thread has produced for it. The first token is sampled by the owner from the
 * prompt's logits; after {@link DecodeBatcher#submit} only the decode thread samples (the
 * hand-over through the batcher's monitor orders the two).
 */
final class ActiveSequence {

    /** A sampled token and, when it ends the generation, why ({@code stop}, {@code length}, {@code context}); or an error. */
    record Step(long token, String finish, double stepMs, RuntimeException error) {}

    private final GraphSession session;
    private final Tensor image, imageRows;
    private final Sampler sampler;
    private final Set<Long> stopIds;
    private final int maxNewTokens, context;
    private final BlockingQueue<Step> steps = new LinkedBlockingQueue<>();
    private volatile boolean cancelled;
    private int length, produced;
    private long lastToken;
    private volatile boolean finished;   // read by other threads counting what still decodes
    private float[] row;
    private Tensor[] attached;

    /**
     * @param session the decoder session its steps run in
     * @param image     its image representation [1, ...] when that session takes one at every step, else null
     * @param imageRows which image tokens its decode steps read [1, 1, K], when that session reads image rows, else null
     * @param length    the prompt's length: the positions in its cache after prefill
     */
    ActiveSequence(GraphSession session, Tensor image, Tensor imageRows, Sampler sampler, Set<Long> stopIds, int maxNewTokens, int context,
                   int length) {
        this.session = session;
        this.image = image;
        this.imageRows = imageRows;
        this.sampler = sampler;
        this.stopIds = stopIds;
        this.maxNewTokens = maxNewTokens;
        this.context = context;
        this.length = length;
    }

    /** Samples the first token from the prompt's logits. */
    Step first(float[] logits) {
        return accept(sampler.next(logits));
    }

    /** The last token went into the cache; samples the next from its logits. */
    Step fed(float[] logits, double stepMs) {
        length++;
        Step s = accept(sampler.next(logits));
        return new Step(s.token(), s.finish(), stepMs, null);
    }

    /** As {@link #fed(float[], double)}, reading the logits from a batch's rows; the step goes to the owner. */
    void advance(FloatBuffer batchLogits, int offset, int vocab, double stepMs) {
        if (row == null || row.length != vocab) row = new float[vocab];   // one buffer for all its steps
        batchLogits.get(offset, row, 0, vocab);
        steps.add(fed(row, stepMs));
    }

    private Step accept(int token) {
        produced++;
        sampler.observe(token);
        lastToken = token;
        String finish = stopIds.contains((long) token) ? "stop"
                : produced == maxNewTokens ? "length"
                : length + 1 >= context ? "context"
                : null;
        finished = finish != null;
        return new Step(token, finish, 0, null);
    }

    /** The next step from the decode thread; interrupting the owner cancels the sequence. */
    Step take() {
        try {
            return steps.take();
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            throw new IrisException("generation was interrupted", e);
        }
    }

    void fail(Throwable e) {
        finished = true;
        steps.add(new Step(-1, null, 0, e instanceof RuntimeException re ? re : new IrisException("decoding failed: " + e, e)));
    }

    /** The owner stops listening (its client went away): the row is dropped before the next step. */
    void cancel() {
        cancelled = true;
    }

    boolean cancelled() {
        return cancelled;
    }

    boolean finished() {
        return finished;
    }

    GraphSession session() {
        return session;
    }

    Tensor image() {
        return image;
    }

    Tensor imageRows() {
        return imageRows;
    }

    int length() {
        return length;
    }

    long lastToken() {
        return lastToken;
    }

    /** The caches from its prefill, key and value per layer, until the batch has copied them in. */
    void attach(Map<String, Tensor> prefill, int layers) {
        attached = new Tensor[2 * layers];
        for (int l = 0; l < layers; l++) {
            attached[2 * l] = prefill.get("present_key." + l);
            attached[2 * l + 1] = prefill.get("present_value." + l);
        }
    }

    Tensor[] attachedCache() {
        return attached;
    }

    void detach() {
        attached = null;
    }
}
