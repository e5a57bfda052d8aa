package dev.iris.vision.siglip;

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
 * The tower's description records exactly the operations it recorded before it was built from
 * the shared layer builders (nn-common): the text in src/test/resources/graphs was written from
 * the hand-written SiglipVisionTower, so equal text means equal numbers, not merely close ones.
 * {@code -Diris.graphText.write=true} rewrites the file (only after checking why it differs).
 */
class SiglipVisionTowerGraphTest {

    @Test
    void theDescriptionIsTheRecordedOne() throws IOException {
        SiglipVisionConfig c = SiglipVisionTowerTest.TINY;
        GraphBuilder g = new GraphBuilder();
        Value pixels = g.input("pixels", DType.F32, "batch", (long) c.channels(), (long) c.imageSize(), (long) c.imageSize());
        g.output("last_hidden_state", new SiglipVisionTower(c).forward(g, pixels));
        String now = GraphText.render(g.build());
        String name = "siglip-vision-tower.txt";
        if (Boolean.getBoolean("iris.graphText.write")) {
            Files.writeString(Path.of("src/test/resources/graphs", name), now, StandardCharsets.UTF_8);
        }
        try (InputStream in = getClass().getResourceAsStream("/graphs/" + name)) {
            assertThat(in).as("/graphs/" + name + " on the test class path").isNotNull();
            assertThat(now).isEqualTo(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }
}
