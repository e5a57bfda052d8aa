package dev.iris.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/find-jdk.sh}, which the launcher ({@code ./iris}, {@code ./iris test}) and
 * {@code .ci/run} source: on a machine whose default {@code java} is 17 and with no
 * {@code JAVA_HOME}, it finds the newest JDK 21+ by itself. Fake JDKs (a {@code release} file
 * and a {@code bin/java}) stand in for real ones.
 */
class FindJdkScriptTest {
    static final Path SCRIPT = Path.of("..", "scripts", "find-jdk.sh").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    private Path jdk(String name, String version) throws IOException {
        Path home = Files.createDirectories(tmp.resolve("jvm").resolve(name));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        Path java = Files.createDirectories(home.resolve("bin")).resolve("java");
        Files.writeString(java, "#!/bin/sh\necho fake\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        return home;
    }

    /** Runs find_jdk with the given PATH prefix and JAVA_HOME (null: unset); returns status and output. */
    private String[] findJdk(Path pathFirst, Path javaHome) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", "source \"$1\" && find_jdk", "find-jdk-test", SCRIPT.toString());
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME");
        if (javaHome != null) env.put("JAVA_HOME", javaHome.toString());
        env.put("PATH", pathFirst + ":/usr/bin:/bin");
        env.put("IRIS_JVM_DIR", tmp.resolve("jvm").toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return new String[] {String.valueOf(p.waitFor()), out};
    }

    @Test
    void withJava17OnThePathAndNoJavaHomeTheNewestJdk21PlusIsFound() throws Exception {
        Path old = jdk("java-17", "17.0.15");
        jdk("jdk-21", "21.0.5");
        Path newest = jdk("temurin-25", "25.0.1");

        assertThat(findJdk(old.resolve("bin"), null)).containsExactly("0", newest.toString());
    }

    @Test
    void javaHome21PlusWinsAndJavaHome17IsPassedOver() throws Exception {
        Path old = jdk("java-17", "17.0.15");
        Path mid = jdk("jdk-21", "21.0.5");
        Path newest = jdk("temurin-25", "25.0.1");

        assertThat(findJdk(old.resolve("bin"), mid)).containsExactly("0", mid.toString());
        assertThat(findJdk(old.resolve("bin"), old)).containsExactly("0", newest.toString());
    }

    @Test
    void noJdk21PlusAnywhereFails() throws Exception {
        Path old = jdk("java-17", "17.0.15");

        assertThat(findJdk(old.resolve("bin"), null)).containsExactly("1", "");
    }
}
