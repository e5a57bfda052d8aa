package dev.iris.llm.qwen;

import dev.iris.common.text.ByteLevelBpe;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import dev.iris.common.text.JsonText;
import dev.iris.common.text.PresetResources;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model folders {@code iris init} writes for {@code type: qwen2}, without weights.
 *
 * <ul>
 *   <li>{@code tiny}: 2 layers of width 64, small enough to train in minutes on two CPU cores,
 *       with a byte-level BPE tokenizer of a few hundred ids learned here from a fixed English
 *       corpus (colours, shapes, positions, image descriptions, LLaVA's instructions).</li>
 *   <li>{@code qwen2.5-0.5b}: the shapes of Qwen2.5-0.5B with the real Qwen tokenizer (shipped in
 *       this jar, see {@code qwen-tokenizer/NOTICE.md}).</li>
 * </ul>
 * Both write plain ChatML as their {@code chat_template}, so no system prompt is ever added
 * that the user did not write. The output is the same on every call.
 */
public final class Qwen2Presets {
    public static final String TINY = "tiny";
    public static final String QWEN25_05B = "qwen2.5-0.5b";
    public static final List<String> NAMES = List.of(TINY, QWEN25_05B);

    /** Plain ChatML as a Jinja template, for tools that render tokenizer_config.json's chat_template themselves. */
    public static final String CHATML_TEMPLATE = PresetResources.CHATML_TEMPLATE;


    /** The special tokens of the tiny tokenizer, in id order after the learned vocabulary. */
    static final List<String> TINY_SPECIALS = List.of("<|endoftext|>", ChatMl.IM_START, ChatMl.IM_END,
            ChatMl.VISION_START, ChatMl.VISION_END, ChatMl.IMAGE_PAD);
    /** Merges learned for the tiny tokenizer: with 256 bytes and 6 specials about 560 ids. */
    static final int TINY_MERGES = 300;

    private static final PresetResources RESOURCES = new PresetResources(Qwen2Presets.class, "/dev/iris/llm/qwen/", "iris-llm-qwen");

    private Qwen2Presets() {}

    /** File name to content of a preset's model folder. */
    public static Map<String, String> files(String preset) {
        return switch (preset) {
            case TINY -> tiny();
            case QWEN25_05B -> qwen25();
            default -> throw new IllegalArgumentException("'qwen2' has no preset '" + preset + "' (presets: " + NAMES + ")");
        };
    }

    private static Map<String, String> tiny() {
        ByteLevelBpe.Model bpe = ByteLevelBpe.train(RESOURCES.text("tiny-corpus.txt"), TINY_MERGES);
        String tokenizer = ByteLevelBpe.tokenizerJson(bpe, TINY_SPECIALS);
        long first = bpe.vocab().size();
        Map<String, Long> special = new LinkedHashMap<>();
        for (int i = 0; i < TINY_SPECIALS.size(); i++) special.put(TINY_SPECIALS.get(i), first + i);
        int ids = bpe.vocab().size() + TINY_SPECIALS.size();
        int vocabSize = (ids + 63) / 64 * 64;   // embedding rows in multiples of 64, as Qwen pads its own

        Map<String, Object> config = config(64, 2, 4, 2, 128, vocabSize, 10000.0, 512, "float32",
                special.get("<|endoftext|>"), special.get(ChatMl.IM_END));
        Map<String, String> files = new LinkedHashMap<>();
        files.put("config.json", JsonText.write(config));
        files.put("generation_config.json", JsonText.write(generationConfig(special.get("<|endoftext|>"), special.get(ChatMl.IM_END))));
        files.put("tokenizer.json", tokenizer);
        files.put("tokenizer_config.json", JsonText.write(tokenizerConfig(addedTokens(special, Map.of()), 512)));
        return files;
    }

    private static Map<String, String> qwen25() {
        String tokenizer = RESOURCES.gunzip("qwen-tokenizer/tokenizer.json.gz");
        Map<String, Long> ids = new LinkedHashMap<>();
        Map<String, Boolean> specialFlags = new LinkedHashMap<>();
        for (HfTokenizer.AddedToken t : PresetResources.addedTokens(tokenizer, "qwen-tokenizer/tokenizer.json")) {
            ids.put(t.content(), t.id());
            specialFlags.put(t.content(), t.special());
        }
        long endOfText = ids.get("<|endoftext|>"), imEnd = ids.get(ChatMl.IM_END);
        // Qwen2.5-0.5B(-Instruct): 896 wide, 24 layers, 14 query and 2 key/value heads, tied embeddings
        Map<String, Object> config = config(896, 24, 14, 2, 4864, 151936, 1000000.0, 32768, "bfloat16", endOfText, imEnd);
        Map<String, String> files = new LinkedHashMap<>();
        files.put("config.json", JsonText.write(config));
        files.put("generation_config.json", JsonText.write(generationConfig(endOfText, imEnd)));
        files.put("tokenizer.json", tokenizer);
        files.put("tokenizer_config.json", JsonText.write(tokenizerConfig(addedTokens(ids, specialFlags), 131072)));
        return files;
    }

    private static Map<String, Object> config(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab,
                                              double ropeTheta, int maxPositions, String dtype, long bos, long eos) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("Qwen2ForCausalLM"));
        c.put("model_type", "qwen2");
        c.put("hidden_size", hidden);
        c.put("num_hidden_layers", layers);
        c.put("num_attention_heads", heads);
        c.put("num_key_value_heads", kvHeads);
        c.put("intermediate_size", intermediate);
        c.put("hidden_act", "silu");
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", maxPositions);
        c.put("rope_theta", ropeTheta);
        c.put("rms_norm_eps", 1e-6);
        c.put("tie_word_embeddings", true);
        c.put("attention_dropout", 0.0);
        c.put("initializer_range", 0.02);
        c.put("use_sliding_window", false);
        c.put("use_cache", true);
        c.put("bos_token_id", bos);
        c.put("eos_token_id", eos);
        c.put("torch_dtype", dtype);
        return c;
    }

    private static Map<String, Object> generationConfig(long endOfText, long imEnd) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("bos_token_id", endOfText);
        g.put("pad_token_id", endOfText);
        g.put("eos_token_id", List.of(imEnd, endOfText));
        return g;
    }

    // tokenizer_config.json's added_tokens_decoder: id (as text) to the token's flags
    private static Map<String, Object> addedTokens(Map<String, Long> ids, Map<String, Boolean> specialFlags) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<String, Long> e : ids.entrySet()) {
            Map<String, Object> t = new LinkedHashMap<>();
            t.put("content", e.getKey());
            t.put("lstrip", false);
            t.put("normalized", false);
            t.put("rstrip", false);
            t.put("single_word", false);
            t.put("special", specialFlags.getOrDefault(e.getKey(), true));
            out.put(String.valueOf(e.getValue()), t);
        }
        return out;
    }

    private static Map<String, Object> tokenizerConfig(Map<String, Object> addedTokens, int maxLength) {
        List<String> additional = new ArrayList<>();
        for (Object t : addedTokens.values()) {
            Map<?, ?> m = (Map<?, ?>) t;
            String content = (String) m.get("content");
            if (Boolean.TRUE.equals(m.get("special")) && !content.equals("<|endoftext|>")) additional.add(content);
        }
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("add_bos_token", false);
        c.put("add_prefix_space", false);
        c.put("added_tokens_decoder", addedTokens);
        c.put("additional_special_tokens", additional);
        c.put("bos_token", null);
        c.put("chat_template", CHATML_TEMPLATE);
        c.put("clean_up_tokenization_spaces", false);
        c.put("eos_token", ChatMl.IM_END);
        c.put("errors", "replace");
        c.put("model_max_length", maxLength);
        c.put("pad_token", "<|endoftext|>");
        c.put("split_special_tokens", false);
        c.put("tokenizer_class", "Qwen2Tokenizer");
        c.put("unk_token", null);
        return c;
    }
}
