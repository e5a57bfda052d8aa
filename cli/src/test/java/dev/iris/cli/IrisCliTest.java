package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.plugins.host.PluginRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class IrisCliTest {
    /** One in-process run of the command with captured output. */
    record Run(int exitCode, String out, String err) {}

    static Run run(Supplier<PluginRegistry> registry, String... args) {
        CommandLine cl = IrisCli.commandLine(registry);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static Run run(String... args) {
        return run(PluginRegistry::discover, args);
    }

    @Test
    void runningOutOfJavaHeapSaysTheLimitAndHowToRaiseOrAvoidIt() {
        String message = IrisCli.outOfHeap(6L << 30);

        assertThat(message).startsWith("out of Java heap memory (the limit is 6144 MB)")
                .contains("IRIS_JAVA_OPTS=-Xmx16g", "train.lora", "train.grad_accum");
    }

    @Test
    void pluginsListsDiscoveredProvidersByKind() {
        Run r = run("plugins");

        assertThat(r.exitCode()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("vision encoders (model.vision.type):\n");
        assertThat(r.out()).containsPattern(
                "\n  echo-vision +9\\.9\\.9 +dev\\.iris\\.cli\\.testplugin\\.EchoVision +test double for the plugins command\n");
        assertThat(r.out()).contains("language models (model.llm.type):", "fusion modules (model.fusion.type):",
                "datasets (train.dataset.type):", "Guice modules from plugins:");
    }

    @Test
    void pluginsJson() throws Exception {
        Run r = run("plugins", "--json");

        assertThat(r.exitCode()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.fieldNames()).toIterable().containsExactly("vision", "llm", "fusion", "dataset", "model_presets", "guice_modules");
        JsonNode echo = null;
        for (JsonNode n : json.get("vision")) {
            if (n.get("type").asText().equals("echo-vision")) {
                echo = n;
            }
        }
        assertThat(echo).isNotNull();
        assertThat(echo.get("class").asText()).isEqualTo("dev.iris.cli.testplugin.EchoVision");
        assertThat(echo.get("version").asText()).isEqualTo("9.9.9");
        assertThat(echo.get("description").asText()).isEqualTo("test double for the plugins command");
    }

    @Test
    void badOptionIsAUsageError() {
        Run r = run("plugins", "--nope");

        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("Unknown option: '--nope'").contains("Usage: iris plugins");
        assertThat(r.out()).isEmpty();
        assertThat(run("frobnicate").exitCode()).isEqualTo(2);
        assertThat(run().exitCode()).isEqualTo(2);
    }

    @Test
    void irisExceptionExitsWithOneAndPrintsOnlyTheMessage() {
        String message = "model.vision.type: unknown vision encoder 'foo' (found: echo-vision)";
        Supplier<PluginRegistry> failing = () -> {
            throw new IrisException(message);
        };

        Run r = run(failing, "plugins");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo(message + System.lineSeparator());
        assertThat(r.out()).isEmpty();
    }

    @Test
    void verboseAddsTheStackTraceBeforeOrAfterTheCommand() {
        Supplier<PluginRegistry> failing = () -> {
            throw new IrisException("boom");
        };

        for (String[] args : new String[][] {{"--verbose", "plugins"}, {"plugins", "--verbose"}}) {
            Run r = run(failing, args);
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.err()).startsWith("dev.iris.api.IrisException: boom").contains("\tat dev.iris.cli.");
        }
    }

    @Test
    void unexpectedExceptionsKeepTheirStackTrace() {
        Run r = run(() -> {
            throw new IllegalStateException("a bug");
        }, "plugins");

        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("java.lang.IllegalStateException: a bug").contains("\tat ");
    }

    @Test
    void configPrintsTheEffectiveConfigAndFailsWithTheKey(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("iris.yaml"), "model:\n  vision: { type: siglip, path: m }\nruntime: { threads: 2 }\n");

        Run ok = run("config", file.toString(), "--set", "generate.temperature=0.5", "--set", "model.fusion.type=crossattn",
                "--set", "model.fusion.layers=[3,7]");
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.out()).contains("temperature: 0.5", "threads: 2", "- 3\n", "- 7\n");

        Run bad = run("config", file.toString(), "--set", "runtime.device=gpu");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.err()).isEqualTo("runtime.device: expected cpu, auto or cuda:N but got \"gpu\" (found: threads, device)"
                + System.lineSeparator());

        Run missing = run("config", dir.resolve("nope.yaml").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).isEqualTo(dir.resolve("nope.yaml") + ": config file not found" + System.lineSeparator());
    }

    /** The main job, as a newcomer runs it (about a minute on 2 cores): it must reach its accuracy target. */
    @Test
    void quickstartReachesItsTarget(@TempDir Path dir) throws Exception {
        Run r = run("quickstart", "--out", dir.toString());

        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("| stage | steps | time | train samples/s | final train loss | held-out loss | held-out fully correct |")
                .contains("| lm | 2000 |").contains("| pretrain | 3000 |")
                .contains("target 90% fully correct: reached");
        JsonNode summary = new ObjectMapper().readTree(dir.resolve("summary.json").toFile());
        assertThat(summary.get("reached_target").asBoolean()).isTrue();
        JsonNode last = summary.get("stages").get(summary.get("stages").size() - 1);
        assertThat(last.get("accuracy").asDouble()).isGreaterThanOrEqualTo(0.9);
        assertThat(dir.resolve("loss-curve.png")).exists();
    }

    @Test
    void compareNamesAMissingConfigAndNeedsBoth(@TempDir Path dir) {
        Run missing = run("compare", dir.resolve("a.yaml").toString(), dir.resolve("b.yaml").toString(), "--out", dir.resolve("out").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains(dir.resolve("a.yaml") + ": config file not found");
        assertThat(run("compare", dir.resolve("a.yaml").toString()).exitCode()).isEqualTo(2);
    }

    @Test
    void versionComesFromTheBuild() {
        Run r = run("version");

        assertThat(r.exitCode()).isZero();
        // resource filtering replaced the placeholder with the pom's version
        assertThat(r.out()).startsWith("iris 0.1.0").doesNotContain("${").contains("java " + System.getProperty("java.version"));
        assertThat(run("--version").out()).isEqualTo(r.out());
    }
}
