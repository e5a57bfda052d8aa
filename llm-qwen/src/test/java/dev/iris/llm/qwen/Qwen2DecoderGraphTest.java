package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.spi.LanguageModel;
import dev.iris.common.nn.GraphText;
import dev.iris.common.text.ChatMl;
import dev.iris.testkit.DecoderGraphs;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder's description records exactly the operations it recorded before it was built from
 * the shared layer builders (nn-common): the text in src/test/resources/graphs was written from
 * the hand-written Qwen2 decoder, so equal text means equal numbers, not merely close ones.
 * {@code -Diris.graphText.write=true} rewrites the files (only after checking why they differ).
 */
class Qwen2DecoderGraphTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theDescriptionIsTheRecordedOne(boolean cached) throws IOException {
        Qwen2Config c = new Qwen2Config(32, 2, 4, 2, 48, 40, 10000.0, 1e-6, !cached, 128);
        Qwen2LanguageModel model = new Qwen2LanguageModel(Path.of("no-tokenizer-needed"), c, ChatMl.chatMl());
        GraphBuilder g = new GraphBuilder();
        LanguageModel.LayerHook hook = (gb, layer, hidden) -> layer == 0 ? gb.mul(hidden, 0.5) : hidden;
        var out = DecoderGraphs.decode(g, model, "batch", "seq", "total", cached, hook);
        g.output("logits", model.logits(g, out.hidden()));
        DecoderGraphs.outputCache(g, out);
        String name = "qwen2-decoder-" + (cached ? "cached" : "prefill") + ".txt";
        assertThat(GraphText.render(g.build())).isEqualTo(recorded(name, GraphText.render(g.build())));
    }

    static String recorded(String name, String now) throws IOException {
        if (Boolean.getBoolean("iris.graphText.write")) {
            Files.writeString(Path.of("src/test/resources/graphs", name), now, StandardCharsets.UTF_8);
        }
        try (InputStream in = Qwen2DecoderGraphTest.class.getResourceAsStream("/graphs/" + name)) {
            if (in == null) throw new IOException("/graphs/" + name + " is not on the test class path");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
