package dev.iris.evaluation;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.generate.Sampler;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.session.SessionFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Greedy generation by the language model on its own: a graph of embedding, decoder and head
 * with no fusion in it (no merge, no layer hook, no fusion weight bound), the whole sequence
 * recomputed at every step. A vision-language model's text-only answers are measured against
 * it: the fusion must leave text alone, and this does not take the host's word for it.
 */
final class LanguageModelAlone implements AutoCloseable {
    private static final String IDS = "ids", POSITIONS = "positions", MASK = "mask", ROWS = "rows", LOGITS = "logits";
    private final LanguageModel llm;
    private final GraphSession session;

    /** @param sessions binds the language model's weights (its {@code llm} group); the fusion's are never asked for */
    LanguageModelAlone(LanguageModel llm, SessionFactory sessions) {
        this(llm, sessions, g -> g);
    }

    /** @param adapt applies the model's LoRA adapter, if any ({@code ModelParts::adapt}) */
    LanguageModelAlone(LanguageModel llm, SessionFactory sessions, java.util.function.UnaryOperator<Graph> adapt) {
        this.llm = llm;
        this.session = sessions.open(adapt.apply(graph(llm)));
    }

    private static Graph graph(LanguageModel llm) {
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input(IDS, DType.I64, 1L, "seq");
        Value positions = g.input(POSITIONS, DType.I64, 1L, "seq");
        Value mask = g.input(MASK, DType.F32, 1L, 1L, "seq", "seq");
        Value hidden = llm.decode(g, new LanguageModel.DecoderInput(llm.embed(g, ids), positions, mask, List.of(), List.of(),
                LanguageModel.LayerHook.NONE)).hidden();
        Value rows = g.gather(g.reshape(hidden, -1, llm.hiddenSize()), g.input(ROWS, DType.I64, "rows"));
        g.output(LOGITS, llm.logits(g, rows));
        return g.build();
    }

    /**
     * The greedy continuation of {@code prompt}: at most {@code maxNewTokens} ids, ending with a
     * stop token when one comes (as the model's own generation reports them).
     */
    long[] generate(long[] prompt, int maxNewTokens) {
        Sampler sampler = new Sampler(Sampler.Settings.greedy(), llm.vocabSize());
        long[] ids = prompt.clone();
        int produced = 0;
        while (produced < maxNewTokens && ids.length < llm.maxPositions()) {
            int t = ids.length;
            long[] positions = new long[t];
            for (int i = 0; i < t; i++) positions[i] = i;
            float[] mask = new float[t * t];
            for (int i = 0; i < t; i++) for (int j = i + 1; j < t; j++) mask[i * t + j] = Float.NEGATIVE_INFINITY;
            Map<String, Tensor> out = session.run(Map.of(
                    IDS, Tensor.ofLongs(ids, 1, t),
                    POSITIONS, Tensor.ofLongs(positions, 1, t),
                    MASK, Tensor.ofFloats(mask, 1, 1, t, t),
                    ROWS, Tensor.ofLongs(new long[] {t - 1}, 1)));
            long next = sampler.next(out.get(LOGITS).toFloats());
            ids = Arrays.copyOf(ids, t + 1);
            ids[t] = next;
            produced++;
            if (llm.stopTokenIds().contains(next)) break;
        }
        return Arrays.copyOfRange(ids, prompt.length, ids.length);
    }

    @Override
    public void close() {
        session.close();
    }
}
