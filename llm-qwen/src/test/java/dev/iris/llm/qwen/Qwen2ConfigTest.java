package dev.iris.llm.qwen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json's model_type: a Llama folder (same field names, no q/k/v biases) given as type qwen2 is refused. */
class Qwen2ConfigTest {
    @TempDir
    Path tmp;

    @Test
    void aLlamaFolderIsRefusedNamingItsModelType() throws IOException {
        String qwen = Qwen2Presets.files(Qwen2Presets.TINY).get("config.json");
        Path file = Files.writeString(tmp.resolve("config.json"), qwen.replace("\"qwen2\"", "\"llama\""));
        assertThatThrownBy(() -> Qwen2Config.read(file)).isInstanceOf(IrisException.class)
                .hasMessageStartingWith(file + ": model_type is \"llama\", not \"qwen2\"")
                .hasMessageContaining("type: llama");
    }

    @Test
    void aQwen2FolderAndOneWithoutModelTypeAreRead() throws IOException {
        String qwen = Qwen2Presets.files(Qwen2Presets.TINY).get("config.json");
        assertThat(Qwen2Config.read(Files.writeString(tmp.resolve("a.json"), qwen)).layers()).isEqualTo(2);
        String without = qwen.replace("\"model_type\": \"qwen2\",", "");
        assertThat(without).doesNotContain("model_type");
        assertThat(Qwen2Config.read(Files.writeString(tmp.resolve("b.json"), without)).layers()).isEqualTo(2);
    }
}
