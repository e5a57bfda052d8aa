package dev.iris.vision.clip;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.common.nn.GraphText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The tower's description (LLaVA's selection on the test tower) records exactly the operations
 * recorded in src/test/resources/graphs when it was checked against the plain-Java forward: a
 * change to the shared builders that alters CLIP's graph shows here as a text difference.
 * {@code -Diris.graphText.write=true} rewrites the file (only after checking why it differs).
 */
class ClipVisionTowerGraphTest {

    @Test
    void theDescriptionIsTheRecordedOne() throws IOException {
        ClipVisionConfig c = ClipVisionEncoderContractTest.TINY;
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", (long) c.channels(), (long) c.imageSize(), (long) c.imageSize());
        g.output("features", new ClipVisionTower(c).features(g, pixels, FeatureSelection.LLAVA, FeatureSelection.LAYER));
        String now = GraphText.render(g.build());
        String name = "clip-vision-tower.txt";
        if (Boolean.getBoolean("iris.graphText.write")) {
            Files.writeString(Path.of("src/test/resources/graphs", name), now, StandardCharsets.UTF_8);
        }
        try (InputStream in = getClass().getResourceAsStream("/graphs/" + name)) {
            assertThat(in).as("/graphs/" + name + " on the test class path").isNotNull();
            assertThat(now).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
