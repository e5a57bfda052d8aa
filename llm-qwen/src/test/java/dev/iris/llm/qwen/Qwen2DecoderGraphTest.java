package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.common.nn.GraphText;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The decoder's description records exactly the operations it recorded before it was built from
 * the shared layer builders (nn-common): the text in src/test/resources/graphs was written from
 * the hand-written Qwen2Decoder, so equal text means equal numbers, not merely close ones.
 * {@code -Diris.graphText.write=true} rewrites the files (only after checking why they differ).
 */
class Qwen2DecoderGraphTest {

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void theDescriptionIsTheRecordedOne(boolean cached) throws IOException {
        Qwen2Config c = new Qwen2Config(32, 2, 4, 2, 48, 40, 10000.0, 1e-6, !cached, 128);
        Qwen2Decoder model = new Qwen2Decoder(c);
        GraphBuilder g = new GraphBuilder();
        Value ids = g.input("ids", DType.I64, "batch", "seq");
        Value pos = g.input("positions", DType.I64, "batch", "seq");
        Value mask = g.input("mask", DType.F32, 1L, 1L, "seq", "total");
        List<Value> pk = new ArrayList<>(), pv = new ArrayList<>();
        if (cached) {
            for (int l = 0; l < c.layers(); l++) {
                pk.add(g.input("past_key." + l, DType.F32, "batch", (long) c.kvHeads(), "past", (long) c.headDim()));
                pv.add(g.input("past_value." + l, DType.F32, "batch", (long) c.kvHeads(), "past", (long) c.headDim()));
            }
        }
        LanguageModel.LayerHook hook = (gb, layer, hidden) -> layer == 0 ? gb.mul(hidden, 0.5) : hidden;
        var out = model.decode(g, new LanguageModel.DecoderInput(model.embed(g, ids), pos, mask, pk, pv, hook));
        g.output("logits", model.logits(g, out.hidden()));
        for (int l = 0; l < c.layers(); l++) {
            g.output("present_key." + l, out.keys().get(l));
            g.output("present_value." + l, out.values().get(l));
        }
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
