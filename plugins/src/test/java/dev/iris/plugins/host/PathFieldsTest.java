package dev.iris.plugins.host;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PathFieldsTest {
    @TempDir
    Path dir;

    /** A dataset plugin with one path field and one text field. */
    private static final Provider DATASET = new Provider() {
        @Override
        public String type() {
            return "rows";
        }

        @Override
        public List<ConfigField> fields() {
            return List.of(ConfigField.path("table", "the rows' file"), ConfigField.of("column", "the caption column"));
        }
    };

    private ComponentConfig section(String yaml) {
        return new ConfigLoader().parse(yaml, "c.yaml", dir, List.of()).section("train.dataset");
    }

    @Test
    void aDeclaredPathIsResolvedAgainstTheConfigsFolderEvenBeforeItsFileExists() {
        ComponentConfig s = section("train: { dataset: { type: rows, table: later/rows.parquet, column: caption } }\n");

        Map<String, Object> out = PathFields.absolute(s, SectionFields.known(ProviderKind.DATASET, DATASET));

        assertThat(Files.exists(dir.resolve("later/rows.parquet"))).isFalse();
        assertThat(out).containsEntry("table", dir.resolve("later/rows.parquet").toString())
                .containsEntry("type", "rows").containsEntry("column", "caption");
    }

    @Test
    void aValueThatNamesAnExistingFileIsLeftAloneWhenItIsNoPathField() throws Exception {
        Files.writeString(dir.resolve("caption"), "a file that happens to share the column's name");
        ComponentConfig s = section("train: { dataset: { type: rows, table: t.parquet, column: caption } }\n");

        Map<String, Object> out = PathFields.absolute(s, SectionFields.known(ProviderKind.DATASET, DATASET));

        assertThat(out).containsEntry("column", "caption");
    }

    @Test
    void aFieldTheHostReadsAsAPathStaysOneWhenThePluginRedescribesIt() {
        Provider vision = new Provider() {
            @Override
            public String type() {
                return "enc";
            }

            @Override
            public List<ConfigField> fields() {
                return List.of(ConfigField.of("path", "the encoder's folder, described by the plugin"));
            }
        };
        ConfigField path = SectionFields.known(ProviderKind.VISION, vision).get("path");
        assertThat(path.isPath()).isTrue();
        assertThat(path.description()).isEqualTo("the encoder's folder, described by the plugin");
    }
}
