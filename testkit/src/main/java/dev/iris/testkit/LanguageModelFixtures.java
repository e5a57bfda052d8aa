package dev.iris.testkit;

import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** What a language-model plugin's tests share: model folders written from text, a model made from a config section. */
public final class LanguageModelFixtures {
    private LanguageModelFixtures() {}

    /** Writes {@code files} (name to UTF-8 content, e.g. a provider's preset files) into {@code dir}, creating it. */
    public static Path write(Map<String, String> files, Path dir) {
        try {
            Files.createDirectories(dir);
            for (Map.Entry<String, String> e : files.entrySet()) Files.writeString(dir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /** The language model {@code provider} makes from the section {@code model.llm} holding {@code values}; it may read no weights then. */
    public static LanguageModel create(LanguageModelProvider provider, Map<String, Object> values) {
        return provider.create(new MapSection("model.llm", values), VisionFixtures.NO_WEIGHTS);
    }
}
