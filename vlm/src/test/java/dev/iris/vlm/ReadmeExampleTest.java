package dev.iris.vlm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's "Use Iris from Java" example is the example project's source, which the build compiles and its test runs. */
class ReadmeExampleTest {
    static final Path ROOT = Path.of("").toAbsolutePath().getParent();   // tests run in vlm/

    @Test
    void theReadmeExampleIsTheCompiledExample() throws Exception {
        String readme = Files.readString(ROOT.resolve("README.md"));
        int section = readme.indexOf("\n## Use Iris from Java\n");
        assertThat(section).as("README has a 'Use Iris from Java' section").isNotNegative();
        int start = readme.indexOf("```java\n", section) + "```java\n".length();
        int end = readme.indexOf("```", start);
        int next = readme.indexOf("\n## ", section + 1);
        assertThat(start).as("a java block in the section").isGreaterThan("```java\n".length()).isLessThan(next);
        String example = Files.readString(ROOT.resolve("examples/hello-iris/src/main/java/dev/iris/examples/hello/HelloIris.java"));
        assertThat(readme.substring(start, end)).isEqualTo(example);
        assertThat(readme.substring(section, next)).contains("<artifactId>iris-bom</artifactId>", "<artifactId>iris-vlm</artifactId>",
                "--enable-native-access=ALL-UNNAMED");
    }
}
