package dev.iris.cli;

import ch.qos.logback.classic.Level;
import dev.iris.api.IrisException;
import dev.iris.plugins.host.PluginRegistry;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The {@code iris} command. Exit codes: 0 success, 1 an error (an {@link IrisException} prints
 * only its message unless {@code --verbose}), 2 a usage error.
 */
@Command(
        name = "iris",
        mixinStandardHelpOptions = true,
        versionProvider = VersionCommand.Provider.class,
        description = "Small LLaVA-style vision-language models on ONNX Runtime.",
        subcommands = {QuickstartCommand.class, InitCommand.class, GenerateCommand.class, BenchCommand.class, ServeCommand.class, ReportCommand.class,
            TrainCommand.class, MergeCommand.class, QuantizeCommand.class, ExportCommand.class, EvalCommand.class, CompareCommand.class, PluginsCommand.class, ConfigCommand.class, SparkSubmitLineCommand.class, VersionCommand.class,
            CommandLine.HelpCommand.class})
public final class IrisCli implements Callable<Integer> {
    public static final int USAGE_ERROR = 2;
    public static final int ERROR = 1;

    @Option(names = "--verbose", scope = ScopeType.INHERIT, description = "Show stack traces and debug logging.")
    boolean verbose;

    @Spec
    CommandSpec spec;

    private final Supplier<PluginRegistry> registry;

    private IrisCli(Supplier<PluginRegistry> registry) {
        this.registry = registry;
    }

    public static void main(String[] args) {
        int code;
        try {
            code = commandLine(PluginRegistry::discover).execute(args);
        } catch (OutOfMemoryError e) {
            System.err.println(outOfHeap(Runtime.getRuntime().maxMemory()));
            code = ERROR;
        }
        System.exit(code);
    }

    /**
     * What to do when the Java heap ran out (e.g. stage finetune of a 0.5B LLM: its weights,
     * gradients and AdamW moments are about 8 GB of heap; the JVM's default limit is a quarter
     * of the machine's memory).
     */
    static String outOfHeap(long maxHeapBytes) {
        return "out of Java heap memory (the limit is " + (maxHeapBytes >> 20) + " MB): run again with a larger limit, "
                + "e.g. IRIS_JAVA_OPTS=-Xmx16g, or need less: train.lora instead of training the whole language model, "
                + "a smaller train.batch_size with train.grad_accum, runtime.weights int8 for generation";
    }

    /** The configured command line; {@code registry} is asked for the plugins when a command needs them. */
    public static CommandLine commandLine(Supplier<PluginRegistry> registry) {
        CommandLine cl = new CommandLine(new IrisCli(registry));
        CommandHelp.addTo(cl);
        cl.setExecutionStrategy(parseResult -> {
            if (!verbose(parseResult)) {
                return new CommandLine.RunLast().execute(parseResult);
            }
            // debug logging for this run only (matters when the CLI runs in-process, as in tests)
            Level before = setIrisLogLevel(Level.DEBUG);
            try {
                return new CommandLine.RunLast().execute(parseResult);
            } finally {
                setIrisLogLevel(before);
            }
        });
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            var err = commandLine.getErr();
            if (ex instanceof IrisException && !verbose(parseResult)) {
                err.println(ex.getMessage()); // written for the user: no class name, no trace
            } else {
                ex.printStackTrace(err);
            }
            err.flush();
            return ERROR;
        });
        return cl;
    }

    /** The plugins, discovered when first asked for. */
    PluginRegistry registry() {
        return registry.get();
    }

    @Override
    public Integer call() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing command: try 'iris quickstart' or 'iris plugins'");
    }

    /** --verbose may be given before or after the subcommand. */
    private static boolean verbose(ParseResult pr) {
        for (ParseResult p = pr; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** Sets the level of Iris's loggers, returning the previous one. */
    private static Level setIrisLogLevel(Level level) {
        if (LoggerFactory.getLogger("dev.iris") instanceof ch.qos.logback.classic.Logger l) {
            Level before = l.getLevel();
            l.setLevel(level);
            return before;
        }
        return null;
    }
}
