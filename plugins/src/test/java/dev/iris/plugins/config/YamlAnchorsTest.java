package dev.iris.plugins.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Anchors, aliases and YAML 1.1 merge keys are resolved; hostile YAML is refused cheaply with the file and line. */
class YamlAnchorsTest {
    @TempDir
    Path dir;

    private IrisConfig load(String yaml, String... overrides) throws IOException {
        return new ConfigLoader(dir).load(Files.writeString(dir.resolve("iris.yaml"), yaml), List.of(overrides));
    }

    private static final String SHARED = """
            train:
              dataset: &data { type: parquet, path: data/train.parquet, caption_column: text }
              eval_dataset:
                <<: *data
                path: data/heldout.parquet
              output: out
            generate:
              system: &sys "You are terse."
            model:
              vision: { type: siglip, path: &folder models/tiny }
              llm: { type: qwen2, path: *folder }
            """;

    @Test
    void aliasesAndMergeKeysAreResolved() throws IOException {
        IrisConfig c = load(SHARED);

        assertThat(c.train().evalDataset().orElseThrow().values())
                .containsExactly(Map.entry("type", "parquet"), Map.entry("path", "data/heldout.parquet"), Map.entry("caption_column", "text"));
        assertThat(c.train().dataset().string("path")).isEqualTo("data/train.parquet");
        assertThat(c.llm().path("path")).isEqualTo(dir.resolve("models/tiny"));
        assertThat(c.toYaml()).doesNotContain("<<", "*", "&");
    }

    @Test
    void anAliasIsACopySoSetChangesOnlyOnePlace() throws IOException {
        IrisConfig c = load(SHARED.replace("eval_dataset:\n    <<: *data\n    path: data/heldout.parquet", "eval_dataset: *data"),
                "train.eval_dataset.path=other.parquet");

        assertThat(c.train().dataset().string("path")).isEqualTo("data/train.parquet");
        assertThat(c.train().evalDataset().orElseThrow().string("path")).isEqualTo("other.parquet");
    }

    @Test
    void mergeFromAListEarlierMappingsWinAndOwnKeysWinOverAll() throws IOException {
        IrisConfig c = load("""
                generate:
                  <<: [ { top_k: 1, seed: 1 }, { top_k: 2, temperature: 0.5 } ]
                  seed: 3
                """);

        assertThat(c.generate().topK()).isEqualTo(1);
        assertThat(c.generate().seed()).isEqualTo(3);
        assertThat(c.generate().temperature()).isEqualTo(0.5);
    }

    @Test
    void anUnknownAliasNamesTheFileAndLine() {
        assertThatThrownBy(() -> load("generate:\n  seed: 1\n  system: *nothing\n"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(dir.resolve("iris.yaml") + ": at line 3, column ")
                .hasMessageContaining("the alias *nothing names no anchor &nothing defined before it");
    }

    @Test
    void aMergeOfAScalarIsAnError() {
        assertThatThrownBy(() -> load("generate:\n  <<: 5\n"))
                .hasMessageContaining(": at line 2, column ")
                .hasMessageContaining("a merge key (<<) takes a mapping or a list of mappings");
    }

    @Test
    void mergedKeysAreCheckedLikeWrittenOnes() {
        assertThatThrownBy(() -> load("generate:\n  <<: { temprature: 1 }\n"))
                .hasMessageContaining("unknown key 'generate.temprature', did you mean temperature?");
    }

    @Test
    void billionLaughsIsRefusedQuickly() {
        StringBuilder y = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (int i = 1; i <= 9; i++) {
            y.append("a").append(i).append(": &a").append(i).append(" [");
            for (int j = 0; j < 10; j++) y.append(j == 0 ? "" : ", ").append("*a").append(i - 1);
            y.append("]\n");
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> load(y.toString()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("more than " + YamlTree.MAX_VALUES + " values (counting what aliases expand to)");
        assertThat((System.nanoTime() - t0) / 1e9).as("seconds").isLessThan(5);
    }

    @Test
    void deepNestingIsRefusedWithoutAStackOverflow() {
        String deep = "generate: " + "[".repeat(200_000) + "]".repeat(200_000) + "\n";
        assertThatThrownBy(() -> load(deep))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("nested deeper than");
    }

    @Test
    void aHugeFileIsRefusedBeforeItIsRead() throws IOException {
        Path big = dir.resolve("big.yaml");
        Files.write(big, new byte[ConfigLoader.MAX_BYTES + 1]);
        assertThatThrownBy(() -> new ConfigLoader(dir).load(big, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(big + ": " + (ConfigLoader.MAX_BYTES + 1) + " bytes; a config file is at most " + ConfigLoader.MAX_BYTES + " bytes");
    }

    @Test
    void badUtf8IsNamed() throws IOException {
        Path bad = Files.write(dir.resolve("bad.yaml"), "generate: { system: \"caf\u00e9\" }\n".getBytes(StandardCharsets.ISO_8859_1));
        assertThatThrownBy(() -> new ConfigLoader(dir).load(bad, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(bad + ": not UTF-8 text");
    }

    @Test
    void aSecondDocumentIsAnError() {
        assertThatThrownBy(() -> load("generate: { seed: 1 }\n---\ngenerate: { seed: 2 }\n"))
                .hasMessageContaining("at line 3")
                .hasMessageContaining("a second YAML document");
    }

    @Test
    void duplicateKeysStayErrors() {
        assertThatThrownBy(() -> load("generate:\n  seed: 1\n  seed: 2\n"))
                .hasMessageContaining("line 3")
                .hasMessageContaining("duplicate key");
        assertThatThrownBy(() -> load("generate:\n  <<: {seed: 1}\n  <<: {seed: 2}\n"))
                .hasMessageContaining("duplicate key");
    }
}
