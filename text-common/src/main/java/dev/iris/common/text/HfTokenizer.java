package dev.iris.common.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.iris.api.IrisException;
import dev.iris.api.json.Json;
import dev.iris.api.text.TextTokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * A Hugging Face {@code tokenizer.json} (byte-level BPE as Qwen, Llama 3 and SmolLM2 ship it,
 * SentencePiece-style BPE, Unigram, or any other the Rust library reads) run by DJL's bindings
 * of the Rust {@code tokenizers} library, offline. Any language-model family's plugin can use it.
 *
 * <p>Nothing is added, truncated or padded: DJL would otherwise cut every text at 512 ids and pad
 * batches with id 0. Special tokens written in the text (e.g. {@code <|image_pad|>}) become
 * their single ids. The file is read once; {@code tokenizer_config.json} is not consulted, so
 * decoding never applies {@code clean_up_tokenization_spaces}.
 */
public final class HfTokenizer implements TextTokenizer, AutoCloseable {
    private final HuggingFaceTokenizer tokenizer;
    private final String json;
    private final Path source;
    private final int size;
    private final Map<String, AddedToken> addedTokens;

    /** A token of {@code tokenizer.json}'s {@code added_tokens}: matched whole in the text. */
    public record AddedToken(String content, long id, boolean special) {}

    private HfTokenizer(HuggingFaceTokenizer tokenizer, String json, Path source, int size, Map<String, AddedToken> addedTokens) {
        this.tokenizer = tokenizer;
        this.json = json;
        this.source = source;
        this.size = size;
        this.addedTokens = addedTokens;
    }

    /** Loads {@code tokenizer.json} from a model folder, or the file itself. */
    public static HfTokenizer load(Path folderOrFile) {
        Path file = Files.isDirectory(folderOrFile) ? folderOrFile.resolve("tokenizer.json") : folderOrFile;
        if (!Files.isRegularFile(file)) throw new IrisException(file + ": tokenizer file not found");
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IrisException(file + ": cannot read the tokenizer: " + e.getMessage(), e);
        }
        return fromJson(json, file);
    }

    /** Builds a tokenizer from the text of a {@code tokenizer.json}; {@code source} names it in errors. */
    public static HfTokenizer fromJson(String json, Path source) {
        // our own strict read first: it names the file and the offset of a syntax error, and gives
        // the vocabulary size and added tokens, which DJL does not expose
        Object root;
        try {
            root = Json.parse(json, source.toString());
        } catch (IrisException e) {
            throw new IrisException(source + ": not a valid tokenizer.json: " + e.getMessage(), e);
        }
        if (!(root instanceof Map<?, ?> top) || !(top.get("model") instanceof Map<?, ?> model)) {
            throw new IrisException(source + ": not a tokenizer.json (no \"model\" object)");
        }
        long maxId = -1;
        if (model.get("vocab") instanceof Map<?, ?> vocab) {
            for (Object id : vocab.values()) if (id instanceof Long l) maxId = Math.max(maxId, l);
        } else if (model.get("vocab") instanceof List<?> unigram) {
            maxId = unigram.size() - 1;   // Unigram models list (piece, score) pairs by id
        }
        Map<String, AddedToken> added = new LinkedHashMap<>();
        if (top.get("added_tokens") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> t && t.get("content") instanceof String content && t.get("id") instanceof Long id) {
                    added.put(content, new AddedToken(content, id, Boolean.TRUE.equals(t.get("special"))));
                    maxId = Math.max(maxId, id);
                }
            }
        }
        if (maxId < 0) throw new IrisException(source + ": the tokenizer has an empty vocabulary");

        DjlSetup.ensure();
        HuggingFaceTokenizer hf;
        try {
            // the text, not the path: DJL then reads no tokenizer_config.json and needs no temp file
            hf = HuggingFaceTokenizer.newInstance(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)), Map.of(
                    "addSpecialTokens", "false",
                    "truncation", "false",
                    "padding", "false"));
        } catch (IOException | RuntimeException e) {
            throw new IrisException(source + ": the tokenizer library cannot load it: " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError e) {
            throw new IrisException("the native tokenizers library (DJL) cannot be loaded on this platform: " + e.getMessage(), e);
        }
        return new HfTokenizer(hf, json, source, Math.toIntExact(maxId + 1), Collections.unmodifiableMap(added));
    }

    @Override
    public long[] encode(String text) {
        return tokenizer.encode(text, false, false).getIds();
    }

    @Override
    public String decode(long[] ids, boolean skipSpecial) {
        return tokenizer.decode(ids, skipSpecial);
    }

    /**
     * The id of {@code token}: an added token by its content, otherwise the text when it encodes
     * to exactly one id that decodes back to it (so {@code " the"} is found, {@code "<|image"} is not).
     */
    @Override
    public OptionalLong tokenId(String token) {
        AddedToken a = addedTokens.get(token);
        if (a != null) return OptionalLong.of(a.id());
        if (token.isEmpty()) return OptionalLong.empty();
        long[] ids = encode(token);
        if (ids.length == 1 && token.equals(decode(ids, false))) return OptionalLong.of(ids[0]);
        return OptionalLong.empty();
    }

    @Override
    public int size() {
        return size;
    }

    /**
     * This tokenizer with {@code tokens} added as special tokens where it lacks them, each taking
     * the next id after the vocabulary ({@link #size()}, then one more per token): how a plugin
     * gives a vocabulary without an image token (Llama, SmolLM2) one. A token already present keeps
     * its id. The model's embedding table must then have rows for the new ids. This tokenizer stays
     * open; the caller closes both.
     */
    @SuppressWarnings("unchecked")
    public HfTokenizer withSpecialTokens(List<String> tokens) {
        Map<String, Object> root = (Map<String, Object>) Json.parse(json, source.toString());
        List<Object> list = root.get("added_tokens") instanceof List<?> l ? (List<Object>) l : new ArrayList<>();
        long next = size;
        boolean changed = false;
        for (String token : tokens) {
            if (token == null || token.isEmpty()) throw new IllegalArgumentException("an added token must not be empty");
            if (addedTokens.containsKey(token) || list.stream().anyMatch(o -> o instanceof Map<?, ?> m && token.equals(m.get("content")))) continue;
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("id", next++);
            t.put("content", token);
            t.put("single_word", false);
            t.put("lstrip", false);
            t.put("rstrip", false);
            t.put("normalized", false);
            t.put("special", true);
            list.add(t);
            changed = true;
        }
        if (!changed) return fromJson(json, source);
        root.put("added_tokens", list);
        return fromJson(JsonText.write(root, 3), source);
    }

    /** The tokens of {@code added_tokens} (special ones and others, such as {@code <think>}), in file order. */
    public List<AddedToken> addedTokens() {
        return new ArrayList<>(addedTokens.values());
    }

    /** The file (or the name given) the tokenizer was read from. */
    public Path source() {
        return source;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + source + ", " + size + " ids]";
    }
}
