package dev.iris.llm.llama;

import dev.iris.api.IrisException;
import dev.iris.common.text.ByteLevelBpe;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.HfTokenizer;
import dev.iris.common.text.JsonText;
import dev.iris.common.text.PresetResources;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The model folders {@code iris init} writes for {@code type: llama}, without weights.
 *
 * <ul>
 *   <li>{@code tiny}: 2 layers of width 64 with grouped-query attention (4 query, 2 key/value
 *       heads), llama3 rope scaling (so the scaled path runs in every tiny pair) and a byte-level
 *       BPE of a few hundred ids learned here from a fixed English corpus; ChatML template.</li>
 *   <li>{@code llama-3.2-1b}: the shapes of Llama 3.2 1B with the real Llama 3 tokenizer
 *       (shipped in this jar, see {@code llama3-tokenizer/NOTICE.md}) and its Llama 3 template.</li>
 *   <li>{@code smollm2-360m}: the shapes of SmolLM2-360M; its tokenizer is a BPE learned from the
 *       tiny corpus (SmolLM2's own is not shipped), the embedding table padded to 49152 rows.</li>
 * </ul>
 * The output is the same on every call.
 */
public final class LlamaPresets {
    public static final String TINY = "tiny";
    public static final String LLAMA32_1B = "llama-3.2-1b";
    public static final String SMOLLM2_360M = "smollm2-360m";
    public static final List<String> NAMES = List.of(TINY, LLAMA32_1B, SMOLLM2_360M);

    /** Plain ChatML as a Jinja template, for tools that render tokenizer_config.json's chat_template themselves. */
    public static final String CHATML_TEMPLATE = PresetResources.CHATML_TEMPLATE;


    /** The special tokens of the learned tokenizers, in id order after the learned vocabulary (no image token: the plugin adds it). */
    static final List<String> LEARNED_SPECIALS = List.of("<|endoftext|>", ChatMl.IM_START, ChatMl.IM_END);
    static final int TINY_MERGES = 300;

    private static final PresetResources RESOURCES = new PresetResources(LlamaPresets.class, "/dev/iris/llm/llama/", "iris-llm-llama");

    private LlamaPresets() {}

    /** File name to content of a preset's model folder. */
    public static Map<String, String> files(String preset) {
        return switch (preset) {
            case TINY -> learned(Shape.TINY);
            case SMOLLM2_360M -> learned(Shape.SMOLLM2_360M);
            case LLAMA32_1B -> llama32();
            default -> throw new IllegalArgumentException("'llama' has no preset '" + preset + "' (presets: " + NAMES + ")");
        };
    }

    /** The decoder sizes a preset writes; vocab 0 means "exactly the tokenizer's ids". */
    private record Shape(int hidden, int layers, int heads, int kvHeads, int headDim, int intermediate, int vocab, double theta,
                         Map<String, Object> ropeScaling, double rmsEps, int maxPositions, String dtype) {
        static final Shape TINY = new Shape(64, 2, 4, 2, 16, 128, 0, 10000.0,
                llama3Scaling(4.0, 1.0, 4.0, 128), 1e-5, 512, "float32");
        static final Shape SMOLLM2_360M = new Shape(960, 32, 15, 5, 64, 2560, 49152, 100000.0, null, 1e-5, 8192, "bfloat16");
        static final Shape LLAMA32_1B = new Shape(2048, 16, 32, 8, 64, 8192, 128256, 500000.0,
                llama3Scaling(32.0, 1.0, 4.0, 8192), 1e-5, 131072, "bfloat16");
    }

    private static Map<String, Object> llama3Scaling(double factor, double low, double high, int original) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("factor", factor);
        s.put("high_freq_factor", high);
        s.put("low_freq_factor", low);
        s.put("original_max_position_embeddings", original);
        s.put("rope_type", "llama3");
        return s;
    }

    private static Map<String, String> learned(Shape shape) {
        ByteLevelBpe.Model bpe = ByteLevelBpe.train(RESOURCES.text("tiny-corpus.txt"), TINY_MERGES);
        String tokenizer = ByteLevelBpe.tokenizerJson(bpe, LEARNED_SPECIALS);
        long first = bpe.vocab().size();
        long endOfText = first, imEnd = first + 2;
        int ids = bpe.vocab().size() + LEARNED_SPECIALS.size();
        int vocab = shape.vocab() == 0 ? ids : shape.vocab();
        Map<String, String> files = new LinkedHashMap<>();
        files.put("config.json", JsonText.write(config(shape, vocab, endOfText, imEnd)));
        files.put("generation_config.json", JsonText.write(generationConfig(endOfText, List.of(imEnd, endOfText))));
        files.put("tokenizer.json", tokenizer);
        Map<String, Object> tc = new LinkedHashMap<>();
        tc.put("bos_token", null);
        tc.put("chat_template", CHATML_TEMPLATE);
        tc.put("clean_up_tokenization_spaces", false);
        tc.put("eos_token", ChatMl.IM_END);
        tc.put("model_max_length", shape.maxPositions());
        tc.put("pad_token", "<|endoftext|>");
        tc.put("tokenizer_class", "PreTrainedTokenizerFast");
        files.put("tokenizer_config.json", JsonText.write(tc));
        return files;
    }

    private static Map<String, String> llama32() {
        String tokenizer = RESOURCES.gunzip("llama3-tokenizer/tokenizer.json.gz");
        Map<String, Long> ids = new LinkedHashMap<>();
        for (HfTokenizer.AddedToken t : PresetResources.addedTokens(tokenizer, "llama3-tokenizer/tokenizer.json")) ids.put(t.content(), t.id());
        long bos = id(ids, "<|begin_of_text|>"), endOfText = id(ids, "<|end_of_text|>");
        Map<String, String> files = new LinkedHashMap<>();
        files.put("config.json", JsonText.write(config(Shape.LLAMA32_1B, Shape.LLAMA32_1B.vocab(), bos, endOfText)));
        // end of text and end of turn (Llama 3.2 Instruct also stops at 128008, <|eom_id|> in 3.1's naming, a reserved token in this file)
        Map<String, Object> g = generationConfig(bos, List.of(endOfText, id(ids, "<|eot_id|>")));
        g.put("do_sample", false);
        files.put("generation_config.json", JsonText.write(g));
        files.put("tokenizer.json", tokenizer);
        files.put("tokenizer_config.json", RESOURCES.gunzip("llama3-tokenizer/tokenizer_config.json.gz"));
        return files;
    }

    private static long id(Map<String, Long> ids, String token) {
        Long id = ids.get(token);
        if (id == null) throw new IrisException("the shipped Llama 3 tokenizer has no added token " + token + " (is the iris-llm-llama jar complete?)");
        return id;
    }

    private static Map<String, Object> config(Shape s, int vocab, long bos, long eos) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("architectures", List.of("LlamaForCausalLM"));
        c.put("model_type", LlamaConfig.MODEL_TYPE);
        c.put("hidden_size", s.hidden());
        c.put("num_hidden_layers", s.layers());
        c.put("num_attention_heads", s.heads());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("head_dim", s.headDim());
        c.put("intermediate_size", s.intermediate());
        c.put("hidden_act", "silu");
        c.put("vocab_size", vocab);
        c.put("max_position_embeddings", s.maxPositions());
        c.put("rope_theta", s.theta());
        c.put("rope_scaling", s.ropeScaling());
        c.put("rms_norm_eps", s.rmsEps());
        c.put("tie_word_embeddings", true);
        c.put("attention_bias", false);
        c.put("mlp_bias", false);
        c.put("attention_dropout", 0.0);
        c.put("initializer_range", 0.02);
        c.put("use_cache", true);
        c.put("bos_token_id", bos);
        c.put("eos_token_id", eos);
        c.put("torch_dtype", s.dtype());
        return c;
    }

    private static Map<String, Object> generationConfig(long bos, List<Long> eos) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("bos_token_id", bos);
        g.put("eos_token_id", eos.size() == 1 ? eos.get(0) : eos);
        return g;
    }
}
