package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Dim;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.graph.LoraRewrite;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Dropout on the LoRA adapters' inputs ({@code train.lora.dropout}): a fresh mask for every
 * adapted layer on every pass (each its own, as PEFT gives each adapter its own
 * {@code nn.Dropout}), each element 0 (dropped) with probability p and 1 (kept) otherwise, one
 * byte each: the graph scales the kept ones by 1 / (1 - p) (see {@link LoraRewrite}), so the
 * adapters see what {@code torch.nn.Dropout} gives in training. The masks are drawn from the
 * run's seed, the step and the pass, so a resumed run draws the same ones. A mask's symbolic
 * sizes (batch, seq) are read from the batch's own inputs.
 */
final class LoraDropout {
    static final byte DROPPED = 0, KEPT = 1;
    private final double p;
    private final long seed;
    private final Map<String, Value> masks = new LinkedHashMap<>();
    private final Map<String, Value> others = new LinkedHashMap<>();
    /** One buffer per mask, reused by every pass: direct memory a collection would free only late otherwise. */
    private final Map<String, ByteBuffer> buffers = new HashMap<>();

    LoraDropout(Graph graph, double p, long seed) {
        this.p = p;
        this.seed = seed;
        graph.inputs().forEach((name, v) -> (name.startsWith(LoraRewrite.DROPOUT_INPUT) ? masks : others).put(name, v));
        for (var m : masks.entrySet()) {
            for (Dim d : m.getValue().shape().dims()) {
                if (d instanceof Dim.Symbol s && others.values().stream().noneMatch(v -> v.shape().dims().contains(s))) {
                    throw new IrisException("train.lora.dropout: the input of " + m.getKey().substring(LoraRewrite.DROPOUT_INPUT.length())
                            + " has a size (" + s.name() + ") no batch input gives; dropout cannot be applied to it");
                }
            }
        }
    }

    /**
     * {@code feeds} with the masks of pass {@code pass} of optimizer step {@code step} added. The
     * masks' memory is reused: they hold until the next call (the trainer runs one pass at a time).
     */
    Map<String, Tensor> withMasks(Map<String, Tensor> feeds, long step, int pass) {
        if (masks.isEmpty()) return feeds;
        Map<String, Long> sizes = new HashMap<>();
        others.forEach((name, v) -> {
            Tensor t = feeds.get(name);
            if (t == null) return;
            List<Dim> dims = v.shape().dims();
            for (int i = 0; i < dims.size(); i++) if (dims.get(i) instanceof Dim.Symbol s) sizes.put(s.name(), t.shape()[i]);
        });
        SplittableRandom random = new SplittableRandom(seed * 1_000_003L + step * 1_009L + pass);
        Map<String, Tensor> out = new HashMap<>(feeds);
        for (var m : masks.entrySet()) {
            List<Dim> dims = m.getValue().shape().dims();
            long[] shape = new long[dims.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = switch (dims.get(i)) {
                    case Dim.Fixed f -> f.size();
                    case Dim.Symbol s -> sizes.get(s.name());
                };
            }
            // written straight into the tensor's buffer: no Java array of the mask's size
            ByteBuffer mask = buffer(m.getKey(), Tensor.numel(shape));
            for (int i = 0, n = mask.capacity(); i < n; i++) mask.put(i, random.nextDouble() < p ? DROPPED : KEPT);
            out.put(m.getKey(), new Tensor(DType.U8, shape, mask));
        }
        return out;
    }

    /** The first {@code bytes} bytes of the mask's buffer, grown when a batch is larger than any before. */
    private ByteBuffer buffer(String name, long bytes) {
        ByteBuffer b = buffers.get(name);
        if (b == null || b.capacity() < bytes) buffers.put(name, b = Tensor.allocate(bytes));
        return b.slice(0, Math.toIntExact(bytes));
    }
}
