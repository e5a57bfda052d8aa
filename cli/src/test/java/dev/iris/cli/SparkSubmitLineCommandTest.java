package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code iris spark-submit-line} prints the command that runs a Spark job with a config, after checking the config. */
class SparkSubmitLineCommandTest {
    @TempDir
    Path dir;

    private Path config() throws Exception {
        Path c = dir.resolve("my model.yaml");
        Files.writeString(c, """
                model:
                  vision: { type: siglip, path: models/vision }
                  llm:    { type: qwen2,  path: models/llm }
                  fusion: { type: projector, merge: sequential, factor: 4 }
                """);
        return c;
    }

    @Test
    void theFeaturesLineNamesTheJobTheAssemblyAndAbsolutePaths() throws Exception {
        Path jar = dir.resolve("iris-spark.jar");
        IrisCliTest.Run r = IrisCliTest.run("spark-submit-line", "--config", config().toString(), "--input", dir.resolve("data").toString(),
                "--output", "hdfs://nn/out/features", "--shards", "64", "--jar", jar.toString(), "--set", "runtime.threads=2");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("spark-submit --master 'local[*]'"
                + " --conf spark.driver.extraJavaOptions=--enable-native-access=ALL-UNNAMED"
                + " --conf spark.executor.extraJavaOptions=--enable-native-access=ALL-UNNAMED"
                + " --class dev.iris.spark.FeaturesJob " + jar + " '" + dir.resolve("my model.yaml") + "' " + dir.resolve("data")
                + " hdfs://nn/out/features shards=64 set=runtime.threads=2");
        assertThat(r.err()).contains(jar + " does not exist yet; build it with: ./mvnw -B -Pspark-assembly -pl spark -am package -DskipTests");
    }

    @Test
    void theCaptionJobNeedsAPromptAndQuotesIt() throws Exception {
        IrisCliTest.Run missing = IrisCliTest.run("spark-submit-line", "--config", config().toString(), "--job", "caption",
                "--input", "in", "--output", "out");
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("--job caption needs --prompt TEXT");

        IrisCliTest.Run r = IrisCliTest.run("spark-submit-line", "--config", config().toString(), "--job", "caption", "--master", "yarn",
                "--input", "in", "--output", "out", "--prompt", "What's shown?");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("spark-submit --master yarn ").contains("--class dev.iris.spark.CaptionJob ")
                .endsWith(" 'prompt=What'\\''s shown?'" + System.lineSeparator());
    }

    @Test
    void aConfigWithAnUnknownKeyFailsHereNotOnTheCluster() throws Exception {
        Path c = config();
        Files.writeString(c, Files.readString(c) + "generate: { temprature: 0.7 }\n");
        IrisCliTest.Run r = IrisCliTest.run("spark-submit-line", "--config", c.toString(), "--input", "in", "--output", "out");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("temprature");
        assertThat(r.out()).isEmpty();

        Files.writeString(c, Files.readString(config()).replace("factor: 4", "factr: 4"));
        IrisCliTest.Run plugin = IrisCliTest.run("spark-submit-line", "--config", c.toString(), "--input", "in", "--output", "out");
        assertThat(plugin.exitCode()).isEqualTo(1);
        assertThat(plugin.err()).contains("factr");
    }
}
