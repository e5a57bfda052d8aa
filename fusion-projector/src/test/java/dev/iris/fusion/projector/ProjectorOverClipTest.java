package dev.iris.fusion.projector;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.testkit.GraphRun;
import dev.iris.testkit.TestWeights;
import dev.iris.vision.clip.ClipPresets;
import dev.iris.vision.clip.ClipVisionEncoder;
import dev.iris.vision.clip.FeatureSelection;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The projector over LLaVA-1.5's encoder, CLIP ViT-L/14 at 336 px opened from its preset folder:
 * 576 patch tokens of width 1024 become 144 image tokens with {@code factor: 4} (either merge) and
 * stay 576 with {@code factor: 1} (LLaVA-1.5's MLP connector), numerically as plain Java computes.
 */
class ProjectorOverClipTest {
    private static final int HIDDEN = 16, TEXT = 8;

    @TempDir
    static Path dir;

    static ClipVisionEncoder clip;

    @BeforeAll
    static void openTheClipFolder() throws IOException {
        Path folder = Files.createDirectories(dir.resolve(ClipPresets.LARGE_14_336));
        for (var f : ClipPresets.files(ClipPresets.LARGE_14_336).entrySet()) Files.writeString(folder.resolve(f.getKey()), f.getValue());
        clip = ClipVisionEncoder.open(folder, FeatureSelection.LLAVA, "model.vision.vision_feature_layer");
    }

    @Test
    void theEncoderGives576PatchTokensOfWidth1024() {
        assertThat(clip.imageSize()).isEqualTo(336);
        assertThat(clip.tokens()).isEqualTo(576);
        assertThat(clip.hiddenSize()).isEqualTo(1024);
    }

    @ParameterizedTest(name = "{0} factor {1}: {2} image tokens")
    @CsvSource({"SEQUENTIAL, 4, 144", "SPATIAL, 4, 144", "SEQUENTIAL, 1, 576"})
    void projectsTheClipFeatures(ProjectorFusion.Merge merge, int factor, int imageTokens) {
        ProjectorFusion fusion = new ProjectorFusion(merge, factor, clip.tokens(), clip.hiddenSize(), HIDDEN, TEXT);
        assertThat(fusion.imageTokens()).isEqualTo(imageTokens);

        GraphBuilder g = new GraphBuilder();
        g.output("image", fusion.projectImage(g, g.input("features", DType.F32, "batch", (long) clip.tokens(), (long) clip.hiddenSize())));
        Graph graph = g.build();
        assertThat(graph.output("image").shape().toString()).isEqualTo("[batch, " + imageTokens + ", " + TEXT + "]");

        Map<String, Tensor> w = TestWeights.random(graph, 40 + factor, TestWeights.DEFAULT);
        Random r = new Random(41);
        int n = clip.tokens(), d = clip.hiddenSize();
        float[] f = new float[n * d];
        for (int i = 0; i < f.length; i++) f[i] = (float) r.nextGaussian();
        float[] got = GraphRun.run(graph, w, Map.of("features", Tensor.ofFloats(f, 1, n, d)), DType.F32).get("image").toFloats();

        double[][] features = new double[n][d];
        for (int t = 0; t < n; t++) for (int j = 0; j < d; j++) features[t][j] = f[t * d + j];
        double[][] expected = new NaiveProjector(merge, factor, n, d, HIDDEN, TEXT).projectImage(w, features);
        double max = 0;
        for (int t = 0; t < imageTokens; t++) for (int j = 0; j < TEXT; j++) max = Math.max(max, Math.abs(got[t * TEXT + j] - expected[t][j]));
        // float32 rounding of sums over factor x 1024 inputs
        assertThat(max).isLessThan(1e-3);
    }

    /** With the class token kept (577 tokens) a 4x merge does not fit: the error says why. */
    @Test
    void theFullStrategysClassTokenDoesNotMergeByFour() {
        assertThatThrownBy(() -> new ProjectorFusion(ProjectorFusion.Merge.SEQUENTIAL, 4, 577, 1024, HIDDEN, TEXT))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("merge factor 4 does not divide the 577 patch tokens");
    }
}
