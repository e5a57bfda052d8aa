package dev.iris.llm.llama;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.iris.api.IrisException;
import dev.iris.api.json.Json;
import dev.iris.common.text.ChatMl;
import java.nio.file.Path;
import java.util.Map;

/**
 * Arbitrary config.json text to {@link LlamaConfig}: either a config whose decoder can be built
 * (sizes positive, heads a multiple of key/value heads, even head size) or an
 * {@link IrisException} naming the file; nothing else escapes (no IllegalArgumentException from
 * the rope scaling or the layer builders, no arithmetic errors).
 */
class LlamaConfigFuzzTest {
    @FuzzTest(maxDuration = "30s")
    void readsOrNamesTheFile(FuzzedDataProvider data) {
        String text = data.consumeRemainingAsString();
        try {
            if (!(Json.parse(text, "config.json") instanceof Map<?, ?> m)) return;
            @SuppressWarnings("unchecked")
            LlamaConfig c = LlamaConfig.of((Map<String, Object>) m, "/fuzz/config.json");
            assertThat(c.hiddenSize()).isPositive();
            assertThat(c.heads() % c.kvHeads()).isZero();
            assertThat(c.headDim() % 2).isZero();
            assertThat(c.ropeScaling()).isNotNull();
            new LlamaLanguageModel(Path.of("/fuzz"), c, ChatMl.chatMl());
        } catch (IrisException e) {
            if (e.getMessage().contains("/fuzz/config.json")) return;
            assertThat(e.getMessage()).as("a JSON syntax error names the text").contains("config.json");
        }
    }
}
