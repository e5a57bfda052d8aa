package dev.iris.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.json.Json;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.common.text.ChatMl;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OnnxCompiler;
import dev.iris.runtime.onnx.OrtRuntime;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Slow (about 5 GB of fp32 weights; run with {@code -Diris.slow=true}): the {@code llama-3.2-1b}
 * preset's decoder generates through ONNX Runtime with random weights, prefill then greedy
 * decode steps on the KV cache, printing load, prefill and per-token times. Every layer shares
 * one random layer's values (the speed is that of distinct weights: each step reads them all).
 */
@EnabledIfSystemProperty(named = "iris.slow", matches = "true")
class RealShapeGenerationSlowTest {
    static final int PROMPT = 32, STEPS = 16;

    @SuppressWarnings("unchecked")
    @Test
    void llama32OneBGeneratesGreedily() {
        LlamaConfig c = LlamaConfig.of((Map<String, Object>) Json.parse(LlamaPresets.files(LlamaPresets.LLAMA32_1B).get("config.json"), "config.json"), "llama-3.2-1b");
        LlamaLanguageModel llm = new LlamaLanguageModel(Path.of("llama-3.2-1b"), c, ChatMl.chatMl());
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, 1L, "seq");
        Value pos = g.input("positions", DType.I64, 1L, "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "total");
        List<Value> pk = new ArrayList<>(), pv = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            pk.add(g.input("past_key." + l, DType.F32, 1L, (long) c.kvHeads(), "past", (long) c.headDim()));
            pv.add(g.input("past_value." + l, DType.F32, 1L, (long) c.kvHeads(), "past", (long) c.headDim()));
        }
        var out = llm.decode(g, new LanguageModel.DecoderInput(llm.embed(g, ids), pos, mask, pk, pv, null));
        g.output("logits", llm.logits(g, out.hidden()));
        for (int l = 0; l < c.layers(); l++) {
            g.output("present_key." + l, out.keys().get(l));
            g.output("present_value." + l, out.values().get(l));
        }
        Graph graph = g.build();

        long t0 = System.nanoTime();
        Map<String, Tensor> shared = new HashMap<>(), weights = new HashMap<>();
        graph.weights().forEach((name, v) -> {
            String key = name.replaceAll("layers\\.\\d+\\.", "layers.N.");
            weights.put(name, shared.computeIfAbsent(key, k -> random(v.shape().sizes(), k.hashCode(), k.endsWith("norm.weight"))));
        });
        CompiledGraph compiled = OnnxCompiler.compile(graph, DType.F32, List.of());
        Map<String, Tensor> frozen = new HashMap<>();
        for (String n : compiled.frozen().keySet()) frozen.put(n, weights.get(n));
        try (GraphSession s = OrtRuntime.cpu(2).open(compiled, frozen)) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            long[] prompt = new long[PROMPT];
            for (int i = 0; i < PROMPT; i++) prompt[i] = (i * 7919L + 13) % c.vocabSize();
            Map<String, Tensor> feeds = feeds(c, prompt, 0, null);
            long t1 = System.nanoTime();
            Map<String, Tensor> r = s.run(feeds);
            double prefillMs = (System.nanoTime() - t1) / 1e6;
            double[] stepMs = new double[STEPS];
            long[] generated = new long[STEPS];
            for (int step = 0; step < STEPS; step++) {
                long next = argmax(r.get("logits").toFloats(), c.vocabSize());
                assertThat(next).isBetween(0L, (long) c.vocabSize() - 1);
                generated[step] = next;
                Map<String, Tensor> f = feeds(c, new long[] {next}, PROMPT + step, r);
                long t = System.nanoTime();
                r = s.run(f);
                stepMs[step] = (System.nanoTime() - t) / 1e6;
            }
            float[] last = r.get("logits").toFloats();
            assertThat(last).hasSize(c.vocabSize());                   // one new token: one row
            for (float v : last) assertThat(v).isFinite();
            assertThat(r.get("present_key.0").shape()).containsExactly(1, c.kvHeads(), PROMPT + STEPS, c.headDim());
            double[] sorted = stepMs.clone();
            Arrays.sort(sorted);
            System.out.printf("llama-3.2-1b fp32, 2 threads: load %.1f s, prefill %d tokens %.0f ms (%.0f tokens/s), decode median %.1f ms/token"
                            + " (%.1f tokens/s; min %.1f, max %.1f), tokens %s%n", loadS, PROMPT, prefillMs, PROMPT / prefillMs * 1000,
                    sorted[STEPS / 2], 1000 / sorted[STEPS / 2], sorted[0], sorted[STEPS - 1], Arrays.toString(generated));
        }
    }

    private static Map<String, Tensor> feeds(LlamaConfig c, long[] ids, int past, Map<String, Tensor> previous) {
        int t = ids.length;
        Map<String, Tensor> f = new HashMap<>();
        f.put("ids", Tensor.ofLongs(ids, 1, t));
        long[] p = new long[t];
        for (int i = 0; i < t; i++) p[i] = past + i;
        f.put("positions", Tensor.ofLongs(p, 1, t));
        float[] m = new float[t * (past + t)];
        for (int i = 0; i < t; i++) for (int j = 0; j < past + t; j++) m[i * (past + t) + j] = j > past + i ? Float.NEGATIVE_INFINITY : 0f;
        f.put("mask", Tensor.ofFloats(m, 1, 1, t, past + t));
        for (int l = 0; l < c.layers(); l++) {
            f.put("past_key." + l, previous == null ? Tensor.zeros(DType.F32, 1, c.kvHeads(), 0, c.headDim()) : previous.get("present_key." + l));
            f.put("past_value." + l, previous == null ? Tensor.zeros(DType.F32, 1, c.kvHeads(), 0, c.headDim()) : previous.get("present_value." + l));
        }
        return f;
    }

    /** Uniform values of standard deviation 0.02 (1 + that for norms) from a cheap generator: 1.2 billion Gaussians would take long. */
    private static Tensor random(long[] shape, long seed, boolean norm) {
        long n = 1;
        for (long d : shape) n *= d;
        float[] a = new float[Math.toIntExact(n)];
        long x = seed | 1;
        for (int i = 0; i < a.length; i++) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            a[i] = (float) (((x >>> 11) * 0x1.0p-53 - 0.5) * 0.0693) + (norm ? 1f : 0f);
        }
        return Tensor.ofFloats(a, shape);
    }

    /** The best id of the last row of logits [1, T, vocab]. */
    private static long argmax(float[] v, int vocab) {
        int from = v.length - vocab, best = from;
        for (int i = from + 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best - from;
    }
}
