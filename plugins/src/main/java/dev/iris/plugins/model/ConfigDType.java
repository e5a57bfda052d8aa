package dev.iris.plugins.model;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Sets a Hugging Face {@code config.json}'s {@code torch_dtype} (and {@code dtype}, the newer
 * key, when the file has it) to the dtype the folder's weights are stored in, so the config
 * does not describe weights the folder no longer holds. The other fields keep their order.
 */
final class ConfigDType {
    private static final ObjectMapper JSON = new ObjectMapper();
    // laid out as transformers writes configs (indent 2, "key": value), so a diff shows only the dtype
    private static final DefaultPrettyPrinter LAYOUT = new DefaultPrettyPrinter(Separators.createDefaultInstance()
            .withObjectFieldValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("").withArrayEmptySeparator(""))
            .withObjectIndenter(new DefaultIndenter("  ", "\n")).withArrayIndenter(new DefaultIndenter("  ", "\n"));

    private ConfigDType() {}

    /**
     * @param config the config to rewrite in place
     * @param source the file it was copied from, named in errors
     */
    static void set(Path config, Path source, DType written) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(config.toFile());
        } catch (JacksonException e) {
            throw new IrisException(source + " is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (!(root instanceof ObjectNode fields)) throw new IrisException(source + " is not a JSON object");
        String name = MergeDType.torchName(written);
        fields.put("torch_dtype", name);
        if (fields.has("dtype")) fields.put("dtype", name);
        Files.writeString(config, JSON.writer(LAYOUT).writeValueAsString(fields) + "\n");
    }
}
