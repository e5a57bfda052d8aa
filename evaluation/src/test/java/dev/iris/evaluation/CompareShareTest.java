package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What B takes over from A: the shared train settings, with the paths A's owner declares made absolute. */
class CompareShareTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @TempDir
    Path dir;

    private IrisConfig config(Path file, String dataset) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                train:
                  dataset: %s
                  steps: 3
                  output: run
                """.formatted(dataset));
        return IrisConfig.load(file, List.of());
    }

    @Test
    void declaredPathsResolveFromAsFolderAndOtherValuesStayAsWritten() throws Exception {
        Path folderA = dir.resolve("a");
        // a file named like the id column's value: it is no path field, so it must stay "caption"
        Files.createDirectories(folderA);
        Files.writeString(folderA.resolve("caption"), "not a dataset");
        IrisConfig a = config(folderA.resolve("a.yaml"), "{ type: parquet, path: data/not-written-yet.parquet, id_column: caption }");
        IrisConfig b = config(dir.resolve("b/b.yaml"), "{ type: parquet, path: other.parquet }");

        Compare.Shared shared = Compare.share(a, b, REGISTRY);

        @SuppressWarnings("unchecked")
        Map<String, Object> dataset = (Map<String, Object>) shared.values().get("train.dataset");
        assertThat(dataset).containsEntry("path", folderA.resolve("data/not-written-yet.parquet").toString())
                .containsEntry("id_column", "caption");
        assertThat(shared.b().train().dataset().path("path")).isEqualTo(folderA.resolve("data/not-written-yet.parquet"));
        assertThat(shared.b().train().dataset().string("id_column")).isEqualTo("caption");
        assertThat(shared.differences()).hasSize(1).first().asString().startsWith("train.dataset was ");
    }
}
