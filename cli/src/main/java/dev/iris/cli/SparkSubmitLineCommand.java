package dev.iris.cli;

import dev.iris.api.IrisException;
import java.io.PrintWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * Prints the {@code spark-submit} command that runs one of the Spark jobs (the {@code spark}
 * module, not part of this jar) with a config. The config is loaded first, so a typo fails
 * here rather than on the cluster; paths become absolute, as the executors must see them.
 */
@Command(name = "spark-submit-line", description = {
    "Print the spark-submit command that runs the features or caption Spark job with a config.",
    "Every executor must see the config's paths; the --set overrides are checked here and passed on to the job."})
final class SparkSubmitLineCommand implements Callable<Integer> {
    /** Native code (ONNX Runtime, tokenizers) on JDK 21+; Spark adds its own module options to both JVMs itself. */
    static final String JAVA_OPTIONS = "--enable-native-access=ALL-UNNAMED";
    static final String ASSEMBLY = "spark/target/iris-spark.jar";
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./=:,+@%-]+");

    enum Job { features, caption }

    @ParentCommand
    IrisCli parent;

    @Spec
    CommandSpec spec;

    @Mixin
    ConfigOptions config;

    @Option(names = "--job", paramLabel = "JOB", description = "features (vision features for train.features) or caption (default: ${DEFAULT-VALUE}).")
    Job job = Job.features;

    @Option(names = "--input", required = true, paramLabel = "PATH", description = "The parquet dataset (file or folder).")
    String input;

    @Option(names = "--output", required = true, paramLabel = "PATH", description = "The job's output folder (the same one to resume).")
    String output;

    @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: ${DEFAULT-VALUE}).")
    String master = "local[*]";

    @Option(names = "--prompt", paramLabel = "TEXT", description = "caption: the question asked about every image.")
    String prompt;

    @Option(names = "--shards", paramLabel = "N", description = "Units of work and of restart (default: the job's, 16).")
    Integer shards;

    @Option(names = "--jar", paramLabel = "FILE", description = "The Iris assembly for Spark (default: " + ASSEMBLY + " beside this Iris).")
    Path jar;

    @Override
    public Integer call() {
        config.loadChecked(parent::registry);   // a bad config (a typo in a plugin section too) fails here, not on the cluster
        if (job == Job.caption && (prompt == null || prompt.isBlank())) {
            throw new IrisException("spark-submit-line --job caption needs --prompt TEXT (the question asked about every image)");
        }
        if (job == Job.features && prompt != null) throw new IrisException("spark-submit-line: --prompt is for --job caption");
        Path assembly = (jar != null ? jar : irisHome().resolve(ASSEMBLY)).toAbsolutePath().normalize();
        PrintWriter out = spec.commandLine().getOut();
        out.println(String.join(" ", line(assembly)));
        out.flush();
        if (!Files.isRegularFile(assembly)) {
            PrintWriter err = spec.commandLine().getErr();
            err.println("iris: " + assembly + " does not exist yet; build it with: ./mvnw -B -Pspark-assembly -pl spark -am package -DskipTests");
            err.flush();
        }
        return 0;
    }

    List<String> line(Path assembly) {
        List<String> words = new ArrayList<>(List.of("spark-submit", "--master", quote(master),
                "--conf", quote("spark.driver.extraJavaOptions=" + JAVA_OPTIONS),
                "--conf", quote("spark.executor.extraJavaOptions=" + JAVA_OPTIONS),
                "--class", job == Job.features ? "dev.iris.spark.FeaturesJob" : "dev.iris.spark.CaptionJob",
                quote(assembly.toString()), quote(absolute(config.file().toString())), quote(absolute(input)), quote(absolute(output))));
        if (prompt != null) words.add(quote("prompt=" + prompt));
        if (shards != null) words.add("shards=" + shards);
        for (String o : config.overrides()) words.add(quote("set=" + o));
        return words;
    }

    /** A path made absolute unless it is a URL (hdfs://, s3a://, file:/...), which the cluster resolves. */
    private static String absolute(String path) {
        return path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*") ? path : Path.of(path).toAbsolutePath().normalize().toString();
    }

    /** A shell word: as it is when plain, else in single quotes. */
    static String quote(String word) {
        return PLAIN.matcher(word).matches() ? word : "'" + word.replace("'", "'\\''") + "'";
    }

    /** The Iris folder this command runs from: three levels above {@code cli/target/iris.jar} (or {@code cli/target/classes}). */
    private static Path irisHome() {
        try {
            Path here = Path.of(SparkSubmitLineCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            return here.getParent().getParent().getParent();
        } catch (URISyntaxException | RuntimeException e) {
            return Path.of("").toAbsolutePath();
        }
    }
}
