package dev.iris.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Gives every subcommand {@code -h/--help} (usage with its options and an example, exit 0) in one
 * place, so no command can be left without it and the commands' own files stay about their work.
 */
final class CommandHelp {
    /** One example per command, shown at the end of its help. */
    static final Map<String, String> EXAMPLES = Map.ofEntries(
            Map.entry("quickstart", "iris quickstart --out runs/quickstart"),
            Map.entry("init", "iris init --preset tiny --out models/tiny"),
            Map.entry("generate", "iris generate --config configs/tiny.yaml --image cat.png --prompt \"Describe the image.\""),
            Map.entry("bench", "iris bench --preset tiny --json"),
            Map.entry("serve", "iris serve --config configs/tiny.yaml --port 8080 --set serve.workers=2"),
            Map.entry("report", "iris report --config configs/tiny.yaml --image scan.png --prompt \"Findings?\" --out report.pdf"),
            Map.entry("train", "iris train --config configs/shapes-a.yaml --set train.steps=200"),
            Map.entry("merge", "iris merge --adapter runs/lora/final --output models/llm-merged"),
            Map.entry("quantize", "iris quantize --config models/tiny/iris.yaml --weights int8 --out models/tiny-int8"),
            Map.entry("export", "iris export --config models/tiny/iris.yaml --format onnx --out exports/tiny-onnx"),
            Map.entry("eval", "iris eval --config configs/shapes-a.yaml --checkpoint runs/compare/a/final --limit 100"),
            Map.entry("compare", "iris compare configs/shapes-a.yaml configs/shapes-b.yaml --out runs/compare"),
            Map.entry("plugins", "iris plugins --json"),
            Map.entry("config", "iris config configs/tiny.yaml --defaults --set generate.temperature=0.7"),
            Map.entry("spark-submit-line", "iris spark-submit-line --config configs/tiny.yaml --input data/shapes --output out/features"),
            Map.entry("version", "iris version"),
            Map.entry("help", "iris help train"));

    private CommandHelp() {}

    /** Adds {@code -h/--help} (when missing) and the example to every subcommand of {@code root}. */
    static void addTo(CommandLine root) {
        for (CommandLine sub : root.getSubcommands().values()) {
            CommandSpec spec = sub.getCommandSpec();
            if (spec.findOption("--help") == null) {
                spec.addOption(OptionSpec.builder("-h", "--help")
                        .usageHelp(true)
                        .description("Show this help (options and an example) and exit.")
                        .build());
            }
            String example = EXAMPLES.get(spec.name());
            if (example != null) {
                spec.usageMessage().footer("", "Example:", "  " + example);
            }
            addTo(sub);
        }
    }
}
