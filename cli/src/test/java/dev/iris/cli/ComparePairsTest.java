package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.spi.ProviderKind;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code iris compare} on the repository's pair configs, one swap apart: it names the part that
 * differs and trains both alike. A swap whose plugin is not installed is skipped (it runs once the
 * plugin is on the class path).
 */
class ComparePairsTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    private static final Pattern INIT_LINE = Pattern.compile("^#\\s+\\./iris (init .*)$", Pattern.MULTILINE);
    /** A very short run: the test checks what compare says about the parts, not the figures. */
    private static final String[] SMALL = {"--set", "train.steps=2", "--set", "train.warmup_steps=1", "--set", "train.batch_size=4",
        "--set", "train.dataset.train_count=12", "--set", "train.dataset.heldout_count=3",
        "--set", "train.eval_dataset.train_count=12", "--set", "train.eval_dataset.heldout_count=3", "--limit", "2"};

    @TempDir
    static Path root;

    @BeforeAll
    static void copyConfigs() throws Exception {
        Path pairs = Files.createDirectories(root.resolve("configs/pairs"));
        try (Stream<Path> s = Files.list(ConfigFilesTest.CONFIGS.resolve("pairs"))) {
            for (Path f : s.toList()) Files.copy(f, pairs.resolve(f.getFileName()));
        }
    }

    /** Runs the file's `iris init` line into the temporary layout; false when one of its types is not installed. */
    private static boolean init(Path config) throws Exception {
        IrisConfig cfg = IrisConfig.load(config, List.of());
        if (!REGISTRY.types(ProviderKind.VISION).contains(cfg.vision().type()) || !REGISTRY.types(ProviderKind.LLM).contains(cfg.llm().type())) {
            return false;
        }
        Matcher m = INIT_LINE.matcher(Files.readString(config));
        assertThat(m.find()).isTrue();
        List<String> args = new ArrayList<>(Arrays.asList(m.group(1).trim().split("\\s+")));
        int out = args.indexOf("--out");
        args.set(out + 1, root.resolve(args.get(out + 1)).toString());
        IrisCliTest.Run r = IrisCliTest.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        return true;
    }

    @ParameterizedTest(name = "{0} vs {1}")
    @CsvSource({
        "siglip-qwen2-a, siglip-qwen2-b, fusion, projector, crossattn",
        "siglip-qwen2-a, clip-qwen2-a,   vision, siglip,    clip",
        "siglip-qwen2-a, siglip-llama-a, llm,    qwen2,     llama"})
    void compareNamesThePartThatDiffers(String a, String b, String part, String labelA, String labelB) throws Exception {
        Path fileA = root.resolve("configs/pairs/" + a + ".yaml"), fileB = root.resolve("configs/pairs/" + b + ".yaml");
        assumeTrue(init(fileA) && init(fileB), "a plugin of " + b + " is not installed");
        Path out = root.resolve("runs/" + a + "-vs-" + b);
        List<String> args = new ArrayList<>(List.of("compare", fileA.toString(), fileB.toString(), "--out", out.toString()));
        args.addAll(List.of(SMALL));

        IrisCliTest.Run r = IrisCliTest.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode json = new ObjectMapper().readTree(out.resolve("compare.json").toFile());
        assertThat(json.get("parts_differ").toString()).isEqualTo("[\"" + part + "\"]");
        assertThat(json.get("part_differences").get(part).get(0).asText()).isEqualTo("type: A " + labelA + ", B " + labelB);
        assertThat(json.get("label_a").asText()).isEqualTo(labelA);
        assertThat(json.get("label_b").asText()).isEqualTo(labelB);
        assertThat(r.out()).contains("| figure | A (" + labelA + ") | B (" + labelB + ") |");
        // the rest held equal: both sides trained A's steps on A's data and were scored on the same examples
        assertThat(json.get("a").get("train_steps").asInt()).isEqualTo(2);
        assertThat(json.get("b").get("train_steps").asInt()).isEqualTo(2);
        assertThat(json.get("a").get("heldout_examples").asInt()).isEqualTo(2);
        assertThat(json.get("b").get("heldout_examples").asInt()).isEqualTo(2);
        assertThat(json.get("b_overridden").toString()).doesNotContain("train.dataset");   // the pair files share their data settings
        boolean llmDiffers = part.equals("llm");
        assertThat(json.get("notes").toString().contains("not comparable")).isEqualTo(llmDiffers);
        // one encoder, one cache folder; two encoders, two
        try (Stream<Path> s = Files.list(out.resolve("feature-cache"))) {
            List<String> folders = s.map(p -> p.getFileName().toString()).sorted().toList();
            assertThat(folders).as("feature cache folders").hasSize(part.equals("vision") ? 2 : 1);
        }
    }
}
