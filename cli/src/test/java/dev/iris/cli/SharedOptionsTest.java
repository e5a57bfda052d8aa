package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * {@code --config}, {@code --set} and {@code --json} are declared once, in the mixins
 * {@link ConfigOptions}, {@link ConfigOverrides} and {@link JsonOutput}: every command that has
 * them has them from there, so their names, labels and help read the same everywhere.
 */
class SharedOptionsTest {
    /** How a command names the config it reads. */
    enum ConfigVia { CONFIG_OPTION, OWN_OPTIONAL_CONFIG, POSITIONAL, WRITES_ONE }

    static Stream<Arguments> commandsWithAConfig() {
        return Stream.of(
                Arguments.of("generate", ConfigVia.CONFIG_OPTION),
                Arguments.of("serve", ConfigVia.CONFIG_OPTION),
                Arguments.of("report", ConfigVia.CONFIG_OPTION),
                Arguments.of("quantize", ConfigVia.CONFIG_OPTION),
                Arguments.of("export", ConfigVia.CONFIG_OPTION),
                Arguments.of("eval", ConfigVia.CONFIG_OPTION),
                Arguments.of("spark-submit-line", ConfigVia.CONFIG_OPTION),
                Arguments.of("train", ConfigVia.OWN_OPTIONAL_CONFIG),   // --config or --resume RUN_DIR
                Arguments.of("config", ConfigVia.POSITIONAL),
                Arguments.of("compare", ConfigVia.POSITIONAL),
                Arguments.of("init", ConfigVia.WRITES_ONE));
    }

    private static CommandSpec command(String name) {
        return IrisCli.commandLine(() -> {
            throw new AssertionError("no plugins needed");
        }).getSubcommands().get(name).getCommandSpec();
    }

    @ParameterizedTest
    @MethodSource("commandsWithAConfig")
    void everyCommandWithAConfigTakesSetFromTheMixin(String name, ConfigVia via) {
        CommandSpec spec = command(name);

        OptionSpec set = spec.findOption("--set");
        assertThat(set).as(name + " --set").isNotNull();
        assertComesFrom(spec, set, ConfigOverrides.class);
        assertThat(set.paramLabel()).isEqualTo("KEY=VALUE");
        assertThat(set.description()).containsExactly(ConfigOverrides.DESCRIPTION);
        assertThat(set.isMultiValue()).as("repeatable").isTrue();
        assertThat(set.required()).isFalse();

        OptionSpec config = spec.findOption("--config");
        switch (via) {
            case CONFIG_OPTION -> {
                assertComesFrom(spec, config, ConfigOptions.class);
                assertThat(config.required()).isTrue();
            }
            case OWN_OPTIONAL_CONFIG -> {
                assertThat(config).as(name + " --config").isNotNull();
                assertThat(config.required()).isFalse();
            }
            case POSITIONAL, WRITES_ONE -> assertThat(config).as(name + " has no --config").isNull();
        }
        if (config != null) {
            assertThat(config.paramLabel()).isEqualTo(ConfigOptions.CONFIG_LABEL);
            assertThat(config.description()).containsExactly(ConfigOptions.CONFIG_DESCRIPTION);
            assertThat(config.type()).isEqualTo(Path.class);
        }
    }

    /** A new command cannot declare --config, --set or --json itself: each must come from its mixin (or be listed here with why not). */
    @Test
    void noCommandDeclaresTheSharedOptionsItself() {
        // train: --config is optional there (--resume names the config instead), so it is its own option with the mixin's label and help;
        // bench: its --json also moves the progress to standard error, a meaning of its own
        Map<String, Set<String>> ownOnPurpose = Map.of("train", Set.of("--config"), "bench", Set.of("--json"));
        Map<String, Class<?>> mixinOf = Map.of("--config", ConfigOptions.class, "--set", ConfigOverrides.class, "--json", JsonOutput.class);
        Set<String> withConfigOrSet = new TreeSet<>();
        for (Map.Entry<String, picocli.CommandLine> e : IrisCli.commandLine(() -> {
            throw new AssertionError("no plugins needed");
        }).getSubcommands().entrySet()) {
            CommandSpec spec = e.getValue().getCommandSpec();
            for (Map.Entry<String, Class<?>> shared : mixinOf.entrySet()) {
                OptionSpec o = spec.findOption(shared.getKey());
                if (o == null) continue;
                if (!shared.getKey().equals("--json")) withConfigOrSet.add(e.getKey());
                if (ownOnPurpose.getOrDefault(e.getKey(), Set.of()).contains(shared.getKey())) continue;
                assertComesFrom(spec, o, shared.getValue());
            }
        }
        // and the table above names every such command, so each is checked in full
        assertThat(withConfigOrSet).containsExactlyInAnyOrderElementsOf(commandsWithAConfig().map(a -> (String) a.get()[0]).toList());
    }

    @Test
    void jsonReadsTheSameWhereverItIsShared() {
        for (String name : List.of("generate", "plugins")) {
            CommandSpec spec = command(name);
            OptionSpec json = spec.findOption("--json");
            assertComesFrom(spec, json, JsonOutput.class);
            assertThat(json.description()).as(name).containsExactly(JsonOutput.DESCRIPTION);
            assertThat(json.arity().max()).as(name + " --json is a flag").isZero();
        }
    }

    /** Each command with a required --config, with the other arguments it needs to reach loading the config. */
    static Stream<Arguments> commandsThatLoadTheirConfigOption() {
        return Stream.of(
                Arguments.of("generate", List.of("--prompt", "hi")),
                Arguments.of("serve", List.of()),
                Arguments.of("report", List.of("--image", "x.png", "--prompt", "hi", "--out", "r.pdf")),
                Arguments.of("quantize", List.of("--weights", "int8", "--out", "q")),
                Arguments.of("export", List.of("--format", "onnx", "--out", "e")),
                Arguments.of("eval", List.of("--checkpoint", "c")),
                Arguments.of("spark-submit-line", List.of("--input", "in", "--output", "out")),
                Arguments.of("train", List.of()));
    }

    /** The mixin loads as the commands did: the loader's own messages, before any plugin is looked for. */
    @ParameterizedTest
    @MethodSource("commandsThatLoadTheirConfigOption")
    void aMissingConfigOrABadOverrideFailsWithTheLoadersMessage(String name, List<String> rest, @TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope.yaml");
        IrisCliTest.Run r = runWithoutPlugins(name, missing, List.of(), rest);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(IrisCli.ERROR);
        assertThat(r.err()).isEqualTo(missing + ": config file not found" + System.lineSeparator());

        Path file = Files.writeString(dir.resolve("iris.yaml"), "model:\n  vision: { type: siglip, path: m }\n");
        IrisCliTest.Run noEquals = runWithoutPlugins(name, file, List.of("generate.temperature"), rest);
        assertThat(noEquals.exitCode()).isEqualTo(IrisCli.ERROR);
        assertThat(noEquals.err()).isEqualTo("--set generate.temperature: expected key=value, e.g. generate.temperature=0" + System.lineSeparator());

        IrisCliTest.Run typo = runWithoutPlugins(name, file, List.of("generate.temprature=0.5"), rest);
        assertThat(typo.exitCode()).isEqualTo(IrisCli.ERROR);
        assertThat(typo.err()).startsWith("--set generate.temprature=0.5: unknown key").contains("temprature");
    }

    private static IrisCliTest.Run runWithoutPlugins(String name, Path config, List<String> sets, List<String> rest) {
        List<String> args = new ArrayList<>(List.of(name, "--config", config.toString()));
        sets.forEach(s -> args.addAll(List.of("--set", s)));
        args.addAll(rest);
        return IrisCliTest.run(() -> {
            throw new AssertionError("the config must fail before plugins are looked for");
        }, args.toArray(String[]::new));
    }

    /** {@code option} is the very option a mixin of {@code type} brought in (not an equal-looking one of the command's own). */
    private static void assertComesFrom(CommandSpec spec, OptionSpec option, Class<?> type) {
        assertThat(optionsOfMixins(spec, type)).as(spec.name() + " " + option.longestName() + " comes from " + type.getSimpleName())
                .anyMatch(o -> o == option);
    }

    /** The options that mixins of {@code type} (at any depth) brought into {@code spec}. */
    private static List<OptionSpec> optionsOfMixins(CommandSpec spec, Class<?> type) {
        List<OptionSpec> found = new ArrayList<>();
        for (CommandSpec mixin : spec.mixins().values()) {
            if (type.isInstance(mixin.userObject())) found.addAll(mixin.options());
            found.addAll(optionsOfMixins(mixin, type));
        }
        return found;
    }
}
