package dev.iris.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** compare names the parts two configs give differently, field by field, with paths compared where they point. */
class PartDifferencesTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    @TempDir
    Path dir;

    private IrisConfig config(String folder, String vision, String llm, String fusion) throws Exception {
        Path base = Files.createDirectories(dir.resolve(folder));
        return new ConfigLoader().parse("model:\n  vision: " + vision + "\n  llm: " + llm + "\n  fusion: " + fusion + "\n",
                folder + "/c.yaml", base, List.of());
    }

    @Test
    void aFusionSwapIsTheFusionOnlyAndNamesEachSideByItsType() throws Exception {
        IrisConfig a = config("x", "{ type: siglip, path: ../m/v }", "{ type: qwen2, path: ../m/l }", "{ type: projector, factor: 4 }");
        // written from another folder, the same encoder and language model
        IrisConfig b = config("y/z", "{ type: siglip, path: ../../m/v }", "{ type: qwen2, path: ../../m/l }", "{ type: crossattn, every: 1 }");
        PartDifferences d = PartDifferences.of(a, b, REGISTRY);
        assertThat(d.parts()).containsExactly("fusion");
        assertThat(d.byPart().get("fusion")).containsExactly("type: A projector, B crossattn", "factor: A 4, B unset", "every: A unset, B 1");
        assertThat(d.labelA()).isEqualTo("projector");
        assertThat(d.labelB()).isEqualTo("crossattn");
        assertThat(d.llmDiffers()).isFalse();
    }

    @Test
    void anEncoderSwapAndAnLlmSwapAreNamedWithWhereTheirFoldersAre() throws Exception {
        IrisConfig a = config("x", "{ type: siglip, path: v1 }", "{ type: qwen2, path: l1 }", "{ type: projector }");
        IrisConfig b = config("x", "{ type: siglip, path: v2 }", "{ type: qwen2, path: l2, weights: t.safetensors }", "{ type: projector }");
        PartDifferences d = PartDifferences.of(a, b, REGISTRY);
        assertThat(d.parts()).containsExactly("vision", "llm");
        assertThat(d.byPart().get("vision")).containsExactly("path: A " + dir.resolve("x/v1") + ", B " + dir.resolve("x/v2"));
        assertThat(d.byPart().get("llm")).hasSize(2).last().asString().startsWith("weights: A unset, B " + dir.resolve("x/t.safetensors"));
        // the same types: the label says whose files, since a path is no name
        assertThat(d.labelA()).isEqualTo("siglip (A's files) + qwen2 (A's files)");
        assertThat(d.llmDiffers()).isTrue();
    }

    @Test
    void twoEqualConfigsDifferInNoPartAndAreNamedByTheirFusion() throws Exception {
        IrisConfig a = config("x", "{ type: siglip, path: v }", "{ type: qwen2, path: l }", "{ type: projector, factor: 4 }");
        IrisConfig b = config("x", "{ path: v, type: siglip }", "{ type: qwen2, path: l }", "{ type: projector, factor: 4.0 }");
        PartDifferences d = PartDifferences.of(a, b, REGISTRY);
        assertThat(d.parts()).isEmpty();
        assertThat(d.labelA()).isEqualTo("projector");
    }
}
