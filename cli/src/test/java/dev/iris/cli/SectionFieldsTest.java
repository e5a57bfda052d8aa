package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unknown fields in plugin sections are errors naming the key and the known fields, with a hint when close. */
class SectionFieldsTest {
    static PluginRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void discover() {
        registry = PluginRegistry.discover();
    }

    private IrisConfig config(String yaml, String... overrides) {
        return new ConfigLoader(dir).parse(yaml, "typo.yaml", dir, List.of(overrides));
    }

    private static final String MODEL = """
            model:
              vision: { type: siglip, path: v }
              llm:    { type: qwen2, path: l, weights: w.safetensors, chat_template: auto }
              fusion: { type: projector, merge: sequential, factor: 4, weights: f.safetensors }
            """;

    @Test
    void aValidConfigPasses() {
        IrisConfig c = config(MODEL + """
                train:
                  dataset: { type: parquet, path: d, caption_column: text }
                  eval_dataset: { type: shapes, split: heldout }
                  output: out
                """);
        assertThatCode(() -> registry.checkConfig(c)).doesNotThrowAnyException();
    }

    @Test
    void aTypoInTheFusionSectionIsAnErrorWithAHint() {
        IrisConfig c = config(MODEL, "model.fusion.factr=4");
        assertThatThrownBy(() -> registry.checkConfig(c))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.fusion.factr: unknown field of fusion 'projector', did you mean factor?"
                        + " (known: type, weights, merge, factor, hidden)");
    }

    @Test
    void aTypoInTheDatasetSectionIsAnError() {
        IrisConfig c = config(MODEL + "train:\n  dataset: { type: parquet, pth: x }\n  output: out\n");
        assertThatThrownBy(() -> registry.checkConfig(c))
                .isInstanceOf(ConfigException.class)
                .hasMessage("train.dataset.pth: unknown field of dataset 'parquet', did you mean path?"
                        + " (known: type, path, id_column, caption_column, image_column, conversations_column)");
    }

    @Test
    void aTypoInTheEvalDatasetSectionIsAnError() {
        IrisConfig c = config(MODEL + "train:\n  dataset: { type: shapes }\n  eval_dataset: { type: shapes, splt: heldout }\n  output: out\n");
        assertThatThrownBy(() -> registry.checkConfig(c))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("train.eval_dataset.splt: unknown field of dataset 'shapes', did you mean split? (known: type, path, split,");
    }

    @Test
    void farFromAnyFieldNoHintAndTheOthersAreListed() {
        IrisConfig c = config(MODEL, "model.vision.colour=red", "model.vision.image_size=64");
        assertThatThrownBy(() -> registry.checkConfig(c))
                .hasMessage("model.vision.colour: unknown field of vision encoder 'siglip' (and image_size) (known: type, path)");
    }

    @Test
    void creatingThePluginChecksItsSectionToo() {
        IrisConfig c = config(MODEL, "model.llm.chat_templte=chatml");
        assertThatThrownBy(() -> registry.forConfig(ProviderKind.LLM, c.llm()))
                .hasMessageStartingWith("model.llm.chat_templte: unknown field of language model 'qwen2', did you mean chat_template?");
    }

    @Test
    void aTypoInIrisOwnSectionsGetsAHintToo() {
        assertThatThrownBy(() -> config("generate: { temprature: 0.5 }\n"))
                .hasMessageContaining("'generate.temprature', did you mean temperature? (known in generate:");
    }
}
