package dev.iris.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.graph.Graph;
import dev.iris.api.json.Json;
import dev.iris.common.text.ChatMl;
import dev.iris.testkit.DecoderGraphs;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The real-shape presets describe the checkpoints they are named after: the decoder asks for
 * exactly the published parameter count (Llama 3.2 1B: 1,235,814,400; SmolLM2-360M: 361,821,120),
 * computed here from the layer arithmetic, with Hugging Face's tensor names.
 */
class RealShapesTest {

    @SuppressWarnings("unchecked")
    @ParameterizedTest
    @CsvSource({"llama-3.2-1b, 1235814400", "smollm2-360m, 361821120"})
    void theDecoderAsksForThePublishedParameterCount(String preset, long published) {
        LlamaConfig c = LlamaConfig.of((Map<String, Object>) Json.parse(LlamaPresets.files(preset).get("config.json"), "config.json"), preset);
        LlamaLanguageModel llm = new LlamaLanguageModel(Path.of(preset), c, ChatMl.chatMl());
        Graph graph = DecoderGraphs.logits(llm);
        long total = 0;
        for (var w : graph.weights().values()) {
            long n = 1;
            for (long d : w.shape().sizes()) n *= d;
            total += n;
        }
        long d = c.hiddenSize(), kv = (long) c.kvHeads() * c.headDim(), q = (long) c.heads() * c.headDim();
        long perLayer = d * q + 2 * d * kv + q * d + 3 * d * c.intermediateSize() + 2 * d;
        long expected = (long) c.vocabSize() * d + c.layers() * perLayer + d;   // tied: the head is the embedding table
        assertThat(expected).isEqualTo(published);
        assertThat(total).isEqualTo(published);
        assertThat(graph.weights()).containsKeys("llm/model.embed_tokens.weight", "llm/model.layers.0.self_attn.k_proj.weight",
                "llm/model.layers." + (c.layers() - 1) + ".mlp.down_proj.weight", "llm/model.norm.weight");
        assertThat(graph.weights()).doesNotContainKey("llm/lm_head.weight");
    }
}
