package dev.iris.common.text;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The text side of a Hugging Face decoder checkpoint folder, as every language-model plugin
 * reads it: the folder checks a provider makes before opening it, {@code tokenizer.json} loaded
 * on first use (checked against {@code config.json}'s vocabulary size, with any tokens the
 * family adds), and {@code eos_token_id} of a JSON file.
 */
public final class HfModelFolder {
    private final Path folder;
    private final int vocabSize;
    private final List<String> addedSpecialTokens;
    private volatile HfTokenizer tokenizer;

    /**
     * @param vocabSize          {@code config.json}'s {@code vocab_size}: the tokenizer may not have more ids
     * @param addedSpecialTokens added to the tokenizer where it lacks them ({@link HfTokenizer#withSpecialTokens}); empty for none
     */
    public HfModelFolder(Path folder, int vocabSize, List<String> addedSpecialTokens) {
        this.folder = folder;
        this.vocabSize = vocabSize;
        this.addedSpecialTokens = List.copyOf(addedSpecialTokens);
    }

    public Path path() {
        return folder;
    }

    /**
     * The folder named by {@code path} of a provider's section, after checking it is a folder with
     * {@code config.json} and {@code tokenizer.json}; each failure is a ConfigException naming {@code <key>.path}.
     */
    public static Path checked(ComponentConfig config) {
        Path folder = config.path("path");
        if (!Files.isDirectory(folder)) throw new ConfigException(config.key() + ".path: " + folder + " is not a folder");
        if (!Files.isRegularFile(folder.resolve("config.json"))) {
            throw new ConfigException(config.key() + ".path: " + folder + " has no config.json (is it a Hugging Face model folder?)");
        }
        if (!Files.isRegularFile(folder.resolve("tokenizer.json"))) {
            throw new ConfigException(config.key() + ".path: " + folder + " has no tokenizer.json (Iris needs the checkpoint's own tokenizer)");
        }
        return folder;
    }

    /** Fails at once when the folder has no {@code tokenizer.json}; {@code family} names the checkpoint kind in the message. */
    public static void requireTokenizer(Path folder, String family) {
        Path tok = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new IrisException(tok + ": file not found; a " + family + " model folder needs the tokenizer.json of its checkpoint");
        }
    }

    /** The folder's tokenizer (loaded once), with the added special tokens. */
    public HfTokenizer tokenizer() {
        HfTokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                t = tokenizer;
                if (t == null) {
                    t = load();
                    tokenizer = t;
                }
            }
        }
        return t;
    }

    private HfTokenizer load() {
        HfTokenizer base = HfTokenizer.load(folder.resolve("tokenizer.json"));
        if (base.size() > vocabSize) {
            base.close();
            throw new IrisException(base.source() + ": the tokenizer has " + base.size() + " ids but config.json's vocab_size is "
                    + vocabSize + "; they belong to different models");
        }
        if (addedSpecialTokens.isEmpty()) return base;
        try (base) {
            return base.withSpecialTokens(addedSpecialTokens);
        }
    }

    /** {@code eos_token_id} of a JSON file (a number or a list of numbers), empty when the file or the field is absent. */
    public static Set<Long> eosIds(Path file) {
        Set<Long> ids = new LinkedHashSet<>();
        if (!Files.isRegularFile(file)) return ids;
        Object eos = Json.readObject(file).get("eos_token_id");
        if (eos instanceof Long id) {
            ids.add(id);
        } else if (eos instanceof List<?> list) {
            for (Object o : list) {
                if (!(o instanceof Long id)) throw new IrisException(file + ": eos_token_id must hold integers, found " + o);
                ids.add(id);
            }
        } else if (eos != null) {
            throw new IrisException(file + ": eos_token_id must be an integer or a list of integers, found " + eos);
        }
        return ids;
    }
}
