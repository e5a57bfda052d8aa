package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.plugins.host.PluginRegistry;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** {@code iris <command> --help} and {@code -h}: usage with every option and an example, exit 0, for every subcommand. */
class CommandHelpTest {

    static Stream<String> subcommands() {
        List<String> names = List.copyOf(IrisCli.commandLine(PluginRegistry::discover).getSubcommands().keySet());
        assertThat(names).contains("train", "report", "serve", "eval", "compare", "config", "generate");
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("subcommands")
    void everySubcommandShowsItsHelpAndExitsZero(String name) {
        CommandLine sub = IrisCli.commandLine(PluginRegistry::discover).getSubcommands().get(name);
        for (String flag : List.of("--help", "-h")) {
            // the registry must not be needed to show help
            IrisCliTest.Run r = IrisCliTest.run(() -> {
                throw new AssertionError("help must not discover plugins");
            }, name, flag);

            assertThat(r.exitCode()).as(name + " " + flag + ": " + r.err()).isZero();
            assertThat(r.err()).isEmpty();
            assertThat(r.out()).contains("Usage: iris " + name + " [-h]").contains("-h, --help");
            for (OptionSpec o : sub.getCommandSpec().options()) {
                assertThat(r.out()).as("option " + o.longestName()).contains(o.longestName());
            }
            assertThat(r.out()).as(name).contains("Example:\n  iris " + name);
        }
    }

    @ParameterizedTest
    @MethodSource("subcommands")
    void everyCommandHasAnExample(String name) {
        assertThat(CommandHelp.EXAMPLES).containsKey(name);
        assertThat(CommandHelp.EXAMPLES.get(name)).startsWith("iris " + name);
    }
}
