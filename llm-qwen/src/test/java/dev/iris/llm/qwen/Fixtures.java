package dev.iris.llm.qwen;

import dev.iris.api.json.Json;
import dev.iris.testkit.LanguageModelFixtures;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/** Test files: the fixtures under src/test/resources/qwen-tokenizer and the shipped Qwen tokenizer. */
final class Fixtures {
    static final String QWEN_TOKENIZER_SHA256 = "aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4";

    private Fixtures() {}

    /** Decompresses the Qwen tokenizer.json shipped in the main resources into {@code dir}. */
    static Path qwenTokenizerJson(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        try (InputStream in = new GZIPInputStream(resource("/dev/iris/llm/qwen/qwen-tokenizer/tokenizer.json.gz"))) {
            Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    static String text(String name) {
        try (InputStream in = resource("/qwen-tokenizer/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String name) {
        return (Map<String, Object>) Json.parse(text(name), name);
    }

    @SuppressWarnings("unchecked")
    static List<Object> list(Object o) {
        return (List<Object>) o;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    static long[] longs(Object list) {
        return list(list).stream().mapToLong(o -> (Long) o).toArray();
    }

    /** Writes a preset's files into {@code dir}. */
    static Path write(Map<String, String> files, Path dir) {
        return LanguageModelFixtures.write(files, dir);
    }

    private static InputStream resource(String name) throws IOException {
        InputStream in = Fixtures.class.getResourceAsStream(name);
        if (in == null) throw new IOException(name + " is not on the test class path");
        return in;
    }
}
