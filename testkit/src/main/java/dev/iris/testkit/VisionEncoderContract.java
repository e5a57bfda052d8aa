package dev.iris.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.image.InvalidImageException;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What every {@link VisionEncoder} promises: preprocessing to the pixel tensor it reads, a graph
 * from pixels to features that matches its plain-Java forward, and named errors for bad images
 * and bad pixel sizes. A vision plugin's test extends this class and supplies a small encoder,
 * its declared abilities and its plain-Java forward pass.
 */
public abstract class VisionEncoderContract {
    private static final int BATCH = 2;

    /** A small encoder: its graph is run several times here. */
    protected abstract VisionEncoder createEncoder();

    protected abstract Set<PluginBehavior> behaviors();

    protected abstract NaiveVisionEncoder naiveForward();

    /** How test weights are drawn; override when the defaults suit the encoder badly. */
    protected TestWeights.Init weightInit() {
        return TestWeights.DEFAULT;
    }

    /** The largest |ORT - plain Java| feature difference accepted at {@code precision}. */
    protected double tolerance(DType precision) {
        return precision == DType.F64 ? 1e-9 : 1e-4;
    }

    private VisionEncoder encoder;

    @BeforeEach
    void createTheEncoder() {
        encoder = createEncoder();
    }

    private void requires(PluginBehavior b) {
        assumeTrue(behaviors().contains(b), "the plugin does not declare " + b);
    }

    private Map<String, Tensor> weights(Graph g, long seed) {
        Map<String, Tensor> out = new HashMap<>();
        TestWeights.random(g, seed, weightInit()).forEach((k, v) -> out.put(k, v.toFloating(DType.F32).toFloating(DType.F64)));
        return out;
    }

    private Graph graph(Object batch) {
        GraphBuilder g = new GraphBuilder();
        long s = encoder.imageSize();
        Value features = encoder.encode(g, g.input("pixels", DType.F32, batch, 3L, s, s));
        if (batch instanceof Long) GradientCheck.lossOf(g, features);
        else g.output("features", features);
        return g.build();
    }

    /** Pixels in the normalised range [-1, 1], float32 values. */
    private Tensor pixels(int batch, long seed) {
        Random r = new Random(seed);
        int s = encoder.imageSize();
        float[] px = new float[batch * 3 * s * s];
        for (int i = 0; i < px.length; i++) px[i] = r.nextFloat() * 2 - 1;
        return Tensor.ofFloats(px, batch, 3, s, s);
    }

    /** A photo-like test image: smooth gradients with some detail, not square. */
    private static BufferedImage testImage(int w, int h) {
        return testImage(w, h, BufferedImage.TYPE_INT_RGB);
    }

    private static BufferedImage testImage(int w, int h, int type) {
        BufferedImage img = new BufferedImage(w, h, type);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) {
            int r = x * 255 / w, g = y * 255 / h, b = (x * y) % 256;
            img.setRGB(x, y, (r << 16) | (g << 8) | b);
        }
        return img;
    }

    private static byte[] png(BufferedImage img) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    @Test
    void asksOnlyForWeightsInTheVisionGroup() {
        assertThat(graph("batch").weights().keySet()).isNotEmpty().allSatisfy(q -> assertThat(q).startsWith("vision/"));
    }

    @Test
    void featuresAreBatchByTokensByWidth() {
        assertThat(encoder.tokens()).isPositive();
        assertThat(graph("batch").output("features").shape().toString())
                .isEqualTo("[batch, " + encoder.tokens() + ", " + encoder.hiddenSize() + "]");
    }

    @Test
    void preprocessingGivesThePixelTensorTheGraphReads() {
        int s = encoder.imageSize();
        BufferedImage[] images = {testImage(s * 2 + 3, s + 1), testImage(s, s), testImage(7, 5),
            testImage(s + 5, s, BufferedImage.TYPE_BYTE_GRAY), testImage(s, s + 5, BufferedImage.TYPE_INT_ARGB)};
        for (BufferedImage img : images) {
            Tensor t = encoder.preprocess(img);
            assertThat(t.shape()).as("pixels of a %dx%d image of type %d", img.getWidth(), img.getHeight(), img.getType())
                    .containsExactly(3, s, s);
            assertThat(Arrays.stream(t.toDoubles()).allMatch(Double::isFinite)).as("all pixels finite").isTrue();
        }
    }

    @Test
    void decodingAndPreprocessingAreDeterministicAndAgree() {
        BufferedImage img = testImage(40, 30);
        byte[] bytes = png(img);
        float[] a = encoder.preprocess(bytes, "a.png").toFloats();
        assertThat(encoder.preprocess(bytes, "a.png").toFloats()).containsExactly(a);
        assertThat(encoder.preprocess(img).toFloats()).as("the decoded PNG preprocesses like the image it holds").containsExactly(a);
    }

    @Test
    void unreadableAndTruncatedImagesAreNamedErrors() {
        assertThatThrownBy(() -> encoder.preprocess("not an image at all".getBytes(), "notes.png"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("notes.png");
        byte[] whole = png(testImage(40, 30));
        assertThatThrownBy(() -> encoder.preprocess(Arrays.copyOf(whole, whole.length / 2), "half.png"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("half.png");
        assertThatThrownBy(() -> encoder.preprocess(new byte[0], "empty.png"))
                .isInstanceOf(InvalidImageException.class).hasMessageContaining("empty.png");
    }

    @Test
    void twoRunsGiveTheSameBits() {
        Graph g = graph("batch");
        Map<String, Tensor> w = weights(g, 1), f = Map.of("pixels", pixels(BATCH, 2));
        float[] a = GraphRun.run(g, w, f, DType.F32).get("features").toFloats();
        assertThat(GraphRun.run(g, w, f, DType.F32).get("features").toFloats()).containsExactly(a);
    }

    @ParameterizedTest
    @EnumSource(value = DType.class, names = {"F32", "F64"})
    void featuresMatchThePlainJavaForward(DType precision) {
        Graph g = graph("batch");
        Map<String, Tensor> w = weights(g, 3);
        Tensor px = pixels(BATCH, 4);
        Tensor out = GraphRun.run(g, w, Map.of("pixels", px), precision).get("features");
        int plane = 3 * encoder.imageSize() * encoder.imageSize();
        double[] all = px.toDoubles();
        for (int b = 0; b < BATCH; b++) {
            double[][] expected = naiveForward().features(w, Arrays.copyOfRange(all, b * plane, (b + 1) * plane));
            double diff = Matrices.maxDiff(Matrices.item(out, b), expected);
            assertThat(diff).as("image %d, %s: max |ORT - plain Java|", b, precision).isLessThan(tolerance(precision));
        }
    }

    @Test
    void imagesInABatchDoNotAffectEachOther() {
        Graph g = graph("batch");
        Map<String, Tensor> w = weights(g, 5);
        Tensor two = pixels(BATCH, 6);
        int plane = 3 * encoder.imageSize() * encoder.imageSize();
        int s = encoder.imageSize();
        Tensor first = Tensor.ofFloats(Arrays.copyOf(two.toFloats(), plane), 1, 3, s, s);
        double[][] alone = Matrices.item(GraphRun.run(g, w, Map.of("pixels", first), DType.F32).get("features"), 0);
        double[][] batched = Matrices.item(GraphRun.run(g, w, Map.of("pixels", two), DType.F32).get("features"), 0);
        assertThat(Matrices.maxDiff(alone, batched)).isLessThan(1e-5);
    }

    @Test
    void gradientsOfTrainableWeightsMatchFiniteDifferences() {
        requires(PluginBehavior.TRAINABLE_WEIGHTS);
        Graph g = graph(1L);
        GradientCheck.check(g, weights(g, 7), Map.of("pixels", pixels(1, 8)), new ArrayList<>(g.weights().keySet()), 2, 9);
    }

    /** Pixels of another size fail with an error naming the size, when described or at the latest when run. */
    @Test
    void pixelsOfTheWrongSizeAreRefusedWithANamedError() {
        long wrong = encoder.imageSize() * 2L;
        assertThatThrownBy(() -> {
            GraphBuilder g = new GraphBuilder();
            g.output("features", encoder.encode(g, g.input("pixels", DType.F32, "batch", 3L, wrong, wrong)));
            Graph graph = g.build();
            GraphRun.run(graph, weights(graph, 10), Map.of("pixels", Tensor.zeros(DType.F32, 1, 3, wrong, wrong)), DType.F32);
        }).isInstanceOf(RuntimeException.class).isNotInstanceOf(NullPointerException.class)
                .message().as("the error names the size it was given").contains(String.valueOf(wrong));
    }
}
