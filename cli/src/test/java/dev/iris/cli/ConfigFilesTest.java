package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelParts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in {@code configs/} parses and names only plugins and fields the installed plugins
 * know; every pair config in {@code configs/pairs/} works: the {@code iris init} line its header
 * gives makes its parts, and the model it describes assembles from them.
 */
class ConfigFilesTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();
    static final Path CONFIGS = Path.of("..", "configs").toAbsolutePath().normalize();
    private static final Pattern INIT_LINE = Pattern.compile("^#\\s+\\./iris (init .*)$", Pattern.MULTILINE);

    @TempDir
    static Path dir;

    static Stream<Path> configFiles() throws Exception {
        try (Stream<Path> s = Files.walk(CONFIGS)) {
            return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
        }
    }

    static Stream<Path> pairFiles() throws Exception {
        return configFiles().filter(p -> p.getParent().getFileName().toString().equals("pairs"));
    }

    @Test
    void thereAreEightPairsOfEveryEncoderLanguageModelAndFusion() throws Exception {
        assertThat(pairFiles().map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(
                "siglip-qwen2-a.yaml", "siglip-qwen2-b.yaml", "siglip-llama-a.yaml", "siglip-llama-b.yaml",
                "clip-qwen2-a.yaml", "clip-qwen2-b.yaml", "clip-llama-a.yaml", "clip-llama-b.yaml");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configFiles")
    void parsesAndValidatesAgainstTheInstalledPlugins(Path file) {
        IrisConfig cfg = IrisConfig.load(file, List.of());
        REGISTRY.checkConfig(cfg);   // a type no plugin provides, or a field it does not read, fails here naming the key
        assertThat(cfg.vision().type()).isNotBlank();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("pairFiles")
    void thePairsInitLineMakesPartsTheConfigAssemblesFrom(Path file) throws Exception {
        // the repository's layout in a temporary folder: configs/pairs/X.yaml next to models/pairs
        Path root = dir.resolve(file.getFileName().toString().replace(".yaml", ""));
        Path copy = Files.createDirectories(root.resolve("configs/pairs")).resolve(file.getFileName());
        Files.copy(file, copy);
        Matcher m = INIT_LINE.matcher(Files.readString(file));
        assertThat(m.find()).as("an `./iris init ...` line in the header of " + file).isTrue();
        List<String> args = new ArrayList<>(Arrays.asList(m.group(1).trim().split("\\s+")));
        int out = args.indexOf("--out");
        assertThat(out).as("--out in " + m.group(1)).isPositive();
        args.set(out + 1, root.resolve(args.get(out + 1)).toString());

        IrisCliTest.Run r = IrisCliTest.run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();

        IrisConfig cfg = IrisConfig.load(copy, List.of());
        try (ModelParts parts = ModelParts.create(cfg, REGISTRY)) {
            assertThat(parts.fusion().imageTokens()).isGreaterThanOrEqualTo(0);
        }
        // the config iris init wrote has the same model section as the file, paths aside
        IrisConfig written = IrisConfig.load(Path.of(r.out().lines().filter(l -> l.startsWith("config: ")).findFirst().orElseThrow().substring(8)),
                List.of());
        assertThat(written.vision().type()).isEqualTo(cfg.vision().type());
        assertThat(written.llm().type()).isEqualTo(cfg.llm().type());
        assertThat(written.fusion().values()).isEqualTo(cfg.fusion().values());
        assertThat(written.vision().path("path")).isEqualTo(cfg.vision().path("path"));
        assertThat(written.llm().path("path")).isEqualTo(cfg.llm().path("path"));
    }
}
