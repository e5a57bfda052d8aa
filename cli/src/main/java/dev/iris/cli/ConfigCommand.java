package dev.iris.cli;

import dev.iris.plugins.config.ConfigLoader;
import dev.iris.plugins.config.IrisConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Loads a config the way every later command will, checks what Iris owns, and prints the result. */
@Command(name = "config", description = {
    "Check a config file and print it with the --set overrides applied.",
    "Checks the keys and values of runtime, generate and train; model.* sections are checked by their plugins."})
final class ConfigCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The YAML config file.")
    Path file;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one value, e.g. --set generate.temperature=0.7 (repeatable).")
    List<String> overrides = new ArrayList<>();

    @Override
    public Integer call() {
        IrisConfig config = new ConfigLoader().load(file, overrides);
        config.runtime();
        config.generate();
        if (config.hasTrain()) {
            config.train();
        }
        spec.commandLine().getOut().print(config.toYaml());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
