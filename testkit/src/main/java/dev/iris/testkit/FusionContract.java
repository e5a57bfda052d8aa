package dev.iris.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link Fusion} promises. A fusion plugin's test extends this class and supplies the
 * fusion, the geometry it was made for, its declared abilities and its plain-Java forward pass.
 */
public abstract class FusionContract {
    private static final int BATCH = 2, SEQ = 5;

    /** A fusion for vision features [B, {@link #visionTokens()}, {@link #visionWidth()}] and a text width of {@link #textWidth()}. */
    protected abstract Fusion createFusion();

    protected abstract Set<PluginBehavior> behaviors();

    protected abstract int visionTokens();

    protected abstract int visionWidth();

    protected abstract int textWidth();

    protected abstract NaiveFusion naiveForward();

    /** Decoder layers after which the fusion works (READS_IMAGE_EVERY_STEP). */
    protected List<Integer> hookedLayers() {
        return List.of(0);
    }

    /** Whether a weight is a gate that closes at 0 (GATED_BLOCKS). */
    protected boolean isGate(String qualifiedName) {
        return false;
    }

    /** How test weights are drawn (gates excepted); override when the defaults suit the fusion badly. */
    protected TestWeights.Init weightInit() {
        return TestWeights.DEFAULT;
    }

    private Fusion fusion;

    @BeforeEach
    void createTheFusion() {
        fusion = createFusion();
    }

    private boolean has(PluginBehavior b) {
        return behaviors().contains(b);
    }

    private void requires(PluginBehavior b) {
        assumeTrue(has(b), "the plugin does not declare " + b);
    }

    /** Random weights for every weight of {@code g}; gates set to {@code gate} (or random when null). */
    private Map<String, Tensor> weights(Graph g, long seed, Double gate) {
        TestWeights.Init init = weightInit();
        return TestWeights.random(g, seed, (name, shape, r) -> gate != null && isGate(name) ? gate : init.value(name, shape, r));
    }

    private static Map<String, Tensor> rounded(Map<String, Tensor> m, DType precision) {
        Map<String, Tensor> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, GraphRun.at(v, precision).toFloating(DType.F64)));
        return out;
    }

    /** The image side: features in, the fusion's image representation out. */
    private Value image(GraphBuilder g, Object batch) {
        return fusion.projectImage(g, g.input("features", DType.F32, batch, (long) visionTokens(), (long) visionWidth()));
    }

    /**
     * The work between layers; a fusion that reads image rows gets them as an input that the
     * feeds fill with ones (every position reads every image token, as with one image after the prompt's start).
     */
    private LanguageModel.LayerHook hook(GraphBuilder g, Value image, Object batch, Object seq) {
        if (!fusion.readsImageRows()) return fusion.layerHook(g, image);
        return fusion.layerHook(g, image, g.input("image_rows", DType.F32, batch, seq, (long) visionTokens()));
    }

    private static Tensor ones(long... shape) {
        double[] d = new double[(int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
        java.util.Arrays.fill(d, 1);
        return Tensor.ofDoubles(d, shape);
    }

    /** Everything the fusion describes: the image representation and, per hooked layer, the hidden states after it. */
    private Graph wholeGraph() {
        GraphBuilder g = new GraphBuilder();
        Value image = image(g, "batch");
        g.output("image", image);
        if (has(PluginBehavior.READS_IMAGE_EVERY_STEP)) {
            Value x = g.input("hidden", DType.F32, "batch", "seq", (long) textWidth());
            LanguageModel.LayerHook hook = hook(g, image, "batch", "seq");
            for (int layer : hookedLayers()) g.output("after." + layer, hook.afterLayer(g, layer, x));
        }
        return g.build();
    }

    private Map<String, Tensor> feeds(long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> f = new HashMap<>();
        f.put("features", TestWeights.gaussian(r, BATCH, visionTokens(), visionWidth()));
        if (has(PluginBehavior.READS_IMAGE_EVERY_STEP)) f.put("hidden", TestWeights.gaussian(r, BATCH, SEQ, textWidth()));
        if (fusion.readsImageRows()) f.put("image_rows", ones(BATCH, SEQ, visionTokens()));
        return f;
    }

    @Test
    void asksOnlyForWeightsInTheFusionGroup() {
        assertThat(wholeGraph().weights().keySet()).isNotEmpty().allSatisfy(q -> assertThat(q).startsWith("fusion/"));
    }

    @Test
    void declaresAtLeastOneWayIntoTheLanguageModel() {
        assertThat(has(PluginBehavior.PLACES_TOKENS_IN_PROMPT) || has(PluginBehavior.READS_IMAGE_EVERY_STEP))
                .as("a fusion places image tokens in the prompt, reads the image between layers, or both").isTrue();
        // what the host reads (Fusion's declarations) and what the test declares must agree
        assertThat(fusion.placesTokensInPrompt()).as("placesTokensInPrompt()").isEqualTo(has(PluginBehavior.PLACES_TOKENS_IN_PROMPT));
        assertThat(fusion.readsImageEveryStep()).as("readsImageEveryStep()").isEqualTo(has(PluginBehavior.READS_IMAGE_EVERY_STEP));
        if (has(PluginBehavior.PLACES_TOKENS_IN_PROMPT)) assertThat(fusion.imageTokens()).isPositive();
        else assertThat(fusion.imageTokens()).as("image tokens of a fusion that places none").isZero();
    }

    @Test
    void theImageKeepsTheBatchAndPromptTokensHaveTheTextWidth() {
        Value image = image(new GraphBuilder(), "batch");
        assertThat(image.shape().dim(0).toString()).isEqualTo("batch");
        if (has(PluginBehavior.PLACES_TOKENS_IN_PROMPT)) {
            assertThat(image.shape().toString()).isEqualTo("[batch, " + fusion.imageTokens() + ", " + textWidth() + "]");
        }
    }

    @Test
    void twoRunsGiveTheSameBits() {
        Graph g = wholeGraph();
        Map<String, Tensor> w = weights(g, 1, 0.5), f = feeds(2);
        Map<String, Tensor> a = GraphRun.run(g, w, f, DType.F32), b = GraphRun.run(g, w, f, DType.F32);
        for (String out : g.outputs().keySet()) assertThat(b.get(out).toFloats()).as(out).containsExactly(a.get(out).toFloats());
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void promptTokensMatchThePlainJavaForward(DType precision) {
        requires(PluginBehavior.PLACES_TOKENS_IN_PROMPT);
        GraphBuilder gb = new GraphBuilder();
        gb.output("image", image(gb, "batch"));
        Graph g = gb.build();
        Map<String, Tensor> w = rounded(weights(g, 3, 0.5), precision), f = rounded(feeds(4), precision);
        Tensor out = GraphRun.run(g, w, f, precision).get("image");
        for (int b = 0; b < BATCH; b++) {
            double[][] expected = naiveForward().projectImage(w, Matrices.item(f.get("features"), b));
            double diff = Matrices.maxDiff(Matrices.item(out, b), expected);
            assertThat(diff).as("image %d, %s: max |ORT - plain Java|", b, precision).isLessThan(tolerance(precision));
        }
    }

    private static double tolerance(DType precision) {
        return precision == DType.F64 ? 1e-9 : 1e-4;
    }

    @Test
    void theSpliceWritesImageRowsAtTheirPositionsAndLeavesTheTextAlone() {
        requires(PluginBehavior.PLACES_TOKENS_IN_PROMPT);
        int n = fusion.imageTokens(), d = textWidth(), t = n + 3;
        Random rnd = new Random(5);
        double[] text = TestWeights.gaussian(rnd, BATCH, t, d).toDoubles(), image = TestWeights.gaussian(rnd, BATCH, n, d).toDoubles();
        // row 0: pads from position 1; row 1: from 2; every other position keeps its text embedding
        long[] index = new long[BATCH * t];
        for (int b = 0; b < BATCH; b++) {
            int first = 1 + b, k = 0;
            for (int p = 0; p < t; p++) index[b * t + p] = p >= first && p < first + n ? (long) BATCH * t + b * n + k++ : b * t + p;
        }
        GraphBuilder g = new GraphBuilder();
        Value te = g.input("text", DType.F32, "batch", "seq", (long) d);
        Value im = g.input("image", DType.F32, "batch", (long) n, (long) d);
        Value idx = g.input("index", DType.I64, "batch", "seq");
        g.output("y", fusion.mergeEmbeddings(g, te, im, idx));
        double[] out = GraphRun.run(g.build(), Map.of(), Map.of("text", Tensor.ofDoubles(text, BATCH, t, d),
                "image", Tensor.ofDoubles(image, BATCH, n, d), "index", Tensor.ofLongs(index, BATCH, t)), DType.F64).get("y").toDoubles();
        for (int b = 0; b < BATCH; b++) for (int p = 0; p < t; p++) for (int j = 0; j < d; j++) {
            int first = 1 + b;
            double expected = p >= first && p < first + n ? image[(b * n + p - first) * d + j] : text[(b * t + p) * d + j];
            assertThat(out[(b * t + p) * d + j]).as("row %d position %d", b, p).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void workBetweenLayersMatchesThePlainJavaForward(DType precision) {
        requires(PluginBehavior.READS_IMAGE_EVERY_STEP);
        Graph g = wholeGraph();
        Map<String, Tensor> w = rounded(weights(g, 6, 0.7), precision), f = rounded(feeds(7), precision);
        Map<String, Tensor> out = GraphRun.run(g, w, f, precision);
        for (int layer : hookedLayers()) for (int b = 0; b < BATCH; b++) {
            double[][] expected = naiveForward().afterLayer(w, layer, Matrices.item(f.get("hidden"), b), Matrices.item(f.get("features"), b));
            double diff = Matrices.maxDiff(Matrices.item(out.get("after." + layer), b), expected);
            assertThat(diff).as("layer %d, sequence %d, %s: max |ORT - plain Java|", layer, b, precision).isLessThan(tolerance(precision));
        }
    }

    @Test
    void closedGatesLeaveTheTextExactlyAsItWasAndOpenOnesDoNot() {
        requires(PluginBehavior.GATED_BLOCKS);
        Graph g = wholeGraph();
        assertThat(g.weights().keySet()).as("gates").anyMatch(this::isGate);
        Map<String, Tensor> f = feeds(8);
        float[] text = f.get("hidden").toFloating(DType.F32).toFloats();
        Map<String, Tensor> closed = GraphRun.run(g, weights(g, 9, 0.0), f, DType.F32);
        Map<String, Tensor> open = GraphRun.run(g, weights(g, 9, 0.5), f, DType.F32);
        for (int layer : hookedLayers()) {
            assertThat(closed.get("after." + layer).toFloats()).as("layer %d, gates closed", layer).containsExactly(text);
            assertThat(open.get("after." + layer).toFloats()).as("layer %d, gates open", layer).isNotEqualTo(text);
        }
    }

    /** The fusion's output for a gradient check: prompt tokens, or the hidden states after every hooked layer in turn. */
    private Graph lossGraph() {
        GraphBuilder g = new GraphBuilder();
        Value image = image(g, (long) BATCH);
        Value out = image;
        if (has(PluginBehavior.READS_IMAGE_EVERY_STEP)) {
            Value x = g.input("hidden", DType.F32, (long) BATCH, (long) SEQ, (long) textWidth());
            LanguageModel.LayerHook hook = hook(g, image, (long) BATCH, (long) SEQ);
            for (int layer : hookedLayers()) x = hook.afterLayer(g, layer, x);
            out = x;
        }
        GradientCheck.lossOf(g, out);
        return g.build();
    }

    @Test
    void gradientsOfTrainableWeightsMatchFiniteDifferences() {
        requires(PluginBehavior.TRAINABLE_WEIGHTS);
        Graph g = lossGraph();
        List<String> trainable = new ArrayList<>(g.weights().keySet());
        GradientCheck.check(g, weights(g, 10, 0.6), feeds(11), trainable, 3, 12);
    }

    @Test
    void gradientsPassThroughClosedGates() {
        requires(PluginBehavior.GATED_BLOCKS);
        requires(PluginBehavior.TRAINABLE_WEIGHTS);
        Graph g = lossGraph();
        List<String> trainable = new ArrayList<>(g.weights().keySet());
        Map<String, double[]> grads = GradientCheck.check(g, weights(g, 13, 0.0), feeds(14), trainable, 3, 15);
        // closed, a gate still learns: the block's output is its gradient
        for (String q : trainable) {
            if (isGate(q)) assertThat(Math.abs(grads.get(q)[0])).as("|d loss / d %s| at 0", q).isGreaterThan(1e-9);
        }
    }

    /** Features [1, I*P, Dv] of images a then b: a sample's several images, one after another. */
    private Tensor twoImages(Tensor a, Tensor b) {
        double[] ab = new double[2 * visionTokens() * visionWidth()];
        System.arraycopy(a.toDoubles(), 0, ab, 0, ab.length / 2);
        System.arraycopy(b.toDoubles(), 0, ab, ab.length / 2, ab.length / 2);
        return Tensor.ofDoubles(ab, 1, 2L * visionTokens(), visionWidth());
    }

    @Test
    void aSamplesSeveralImagesGiveEachImagesPromptTokensInTurn() {
        requires(PluginBehavior.PLACES_TOKENS_IN_PROMPT);
        GraphBuilder gb = new GraphBuilder();
        gb.output("image", fusion.projectImage(gb, gb.input("features", DType.F32, 1L, "image_tokens", (long) visionWidth())));
        Graph g = gb.build();
        Map<String, Tensor> w = weights(g, 19, 0.5);
        Random r = new Random(20);
        Tensor a = TestWeights.gaussian(r, 1, visionTokens(), visionWidth()), b = TestWeights.gaussian(r, 1, visionTokens(), visionWidth());
        double[] alone = concat(GraphRun.run(g, w, Map.of("features", a), DType.F64).get("image").toDoubles(),
                GraphRun.run(g, w, Map.of("features", b), DType.F64).get("image").toDoubles());
        Tensor both = GraphRun.run(g, w, Map.of("features", twoImages(a, b)), DType.F64).get("image");
        assertThat(both.shape()[0]).as("the batch").isEqualTo(1);
        assertThat(both.toDoubles()).as("rows of a then b").containsExactly(alone);
    }

    /**
     * A fusion that reads image rows: a position that may see only image a is as with a alone,
     * one that sees only b as with b alone, and one that sees none leaves the block unchanged.
     */
    @Test
    void imageRowsChooseWhichOfASamplesImagesEachPositionReads() {
        requires(PluginBehavior.READS_IMAGE_EVERY_STEP);
        assumeTrue(fusion.readsImageRows(), "the fusion does not read image rows");
        int p = visionTokens();
        GraphBuilder gb = new GraphBuilder();
        Value image = fusion.projectImage(gb, gb.input("features", DType.F32, 1L, "image_tokens", (long) visionWidth()));
        Value x = gb.input("hidden", DType.F32, 1L, "seq", (long) textWidth());
        LanguageModel.LayerHook hook = fusion.layerHook(gb, image, gb.input("image_rows", DType.F32, 1L, "seq", "image_tokens"));
        for (int layer : hookedLayers()) gb.output("after." + layer, hook.afterLayer(gb, layer, x));
        Graph g = gb.build();
        Map<String, Tensor> w = weights(g, 21, 0.6);
        Random r = new Random(22);
        Tensor a = TestWeights.gaussian(r, 1, p, visionWidth()), b = TestWeights.gaussian(r, 1, p, visionWidth());
        Tensor hidden = TestWeights.gaussian(r, 1, SEQ, textWidth());
        // positions 0-1 see nothing, 2-3 image a, 4 image b
        double[] rows = new double[SEQ * 2 * p];
        for (int t = 2; t < SEQ; t++) for (int k = 0; k < p; k++) rows[(t * 2 + (t < 4 ? 0 : 1)) * p + k] = 1;
        Map<String, Tensor> both = GraphRun.run(g, w, Map.of("features", twoImages(a, b), "hidden", hidden,
                "image_rows", Tensor.ofDoubles(rows, 1, SEQ, 2L * p)), DType.F64);
        Tensor allRows = ones(1, SEQ, p);
        Map<String, Tensor> onlyA = GraphRun.run(g, w, Map.of("features", a, "hidden", hidden, "image_rows", allRows), DType.F64);
        Map<String, Tensor> onlyB = GraphRun.run(g, w, Map.of("features", b, "hidden", hidden, "image_rows", allRows), DType.F64);
        int d = textWidth();
        for (int layer : hookedLayers()) {
            double[] y = both.get("after." + layer).toDoubles(), ya = onlyA.get("after." + layer).toDoubles(),
                    yb = onlyB.get("after." + layer).toDoubles(), h = hidden.toDoubles();
            for (int t = 0; t < SEQ; t++) {
                double[] expected = t < 2 ? h : t < 4 ? ya : yb;
                for (int j = 0; j < d; j++) {
                    assertThat(y[t * d + j]).as("layer %d position %d", layer, t).isCloseTo(expected[t * d + j], org.assertj.core.data.Offset.offset(1e-9));
                }
            }
        }
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /**
     * Features of the wrong width fail with an error that names the width: when the graph is
     * described, or at the latest when it runs (never a silent result).
     */
    @Test
    void featuresOfTheWrongWidthAreRefusedWithANamedError() {
        int wrong = visionWidth() + 1;
        assertThatThrownBy(() -> {
            GraphBuilder g = new GraphBuilder();
            Value image = fusion.projectImage(g, g.input("features", DType.F32, "batch", (long) visionTokens(), (long) wrong));
            g.output("image", image);
            Map<String, Tensor> f = new HashMap<>(Map.of("features", TestWeights.gaussian(new Random(16), BATCH, visionTokens(), wrong)));
            if (has(PluginBehavior.READS_IMAGE_EVERY_STEP)) {
                Value x = g.input("hidden", DType.F32, "batch", "seq", (long) textWidth());
                LanguageModel.LayerHook hook = hook(g, image, "batch", "seq");
                for (int layer : hookedLayers()) g.output("after." + layer, hook.afterLayer(g, layer, x));
                f.put("hidden", TestWeights.gaussian(new Random(17), BATCH, SEQ, textWidth()));
                if (fusion.readsImageRows()) f.put("image_rows", ones(BATCH, SEQ, visionTokens()));
            }
            Graph graph = g.build();
            GraphRun.run(graph, weights(graph, 18, 0.5), f, DType.F32);
        }).isInstanceOf(RuntimeException.class).isNotInstanceOf(NullPointerException.class)
                .message().as("the error names the width it was given").contains(String.valueOf(wrong));
    }
}
