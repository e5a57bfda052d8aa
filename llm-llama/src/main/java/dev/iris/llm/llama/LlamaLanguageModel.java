package dev.iris.llm.llama;

import dev.iris.api.IrisException;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatTemplate;
import dev.iris.common.nn.DecoderBlock;
import dev.iris.common.nn.DecoderLanguageModel;
import dev.iris.common.nn.DecoderStack;
import dev.iris.common.text.HfModelFolder;
import dev.iris.common.text.HfTokenizer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A {@code LlamaForCausalLM} checkpoint folder as a {@link LanguageModel}: {@code config.json}
 * for the decoder (nn-common's {@link DecoderStack}), {@code tokenizer.json} for the tokenizer
 * (loaded on first use) with {@link #IMAGE_TOKEN} added, {@code generation_config.json} and the
 * template's end of turn for the stop ids.
 */
public final class LlamaLanguageModel extends DecoderLanguageModel {
    /**
     * The token image positions are written as. No Llama-family vocabulary has one, so it is
     * added as a special token with the next id after the vocabulary (128256 for Llama 3); that
     * id may lie outside the embedding table, which the host never reads for image positions.
     */
    public static final String IMAGE_TOKEN = "<image>";
    static final String GROUP = "llm";

    private final LlamaConfig config;
    private final HfModelFolder folder;
    private final ChatTemplate template;
    private volatile Set<Long> stopIds;

    public LlamaLanguageModel(Path folder, LlamaConfig config, ChatTemplate template) {
        super(stack(config), config.maxPositions());
        this.config = config;
        this.folder = new HfModelFolder(folder, config.vocabSize(), List.of(IMAGE_TOKEN));
        this.template = template;
    }

    /** The decoder a config describes: biases where attention_bias and mlp_bias say, rope scaling as rope_scaling says. */
    static DecoderStack stack(LlamaConfig config) {
        var biases = new DecoderBlock.Biases(config.attentionBias(), config.attentionBias(), config.mlpBias());
        DecoderBlock block = DecoderBlock.llama(config.hiddenSize(), config.heads(), config.kvHeads(), config.headDim(),
                config.intermediateSize(), biases, config.rmsEps());
        return new DecoderStack(GROUP, config.vocabSize(), config.layers(), block, config.ropeTheta(), config.ropeScaling(),
                config.tiedEmbeddings());
    }

    /** Reads a Hugging Face model folder; fails at once when config.json or tokenizer.json is missing. */
    public static LlamaLanguageModel open(Path folder, ChatTemplate template) {
        LlamaConfig config = LlamaConfig.read(folder.resolve("config.json"));
        HfModelFolder.requireTokenizer(folder, "Llama");
        return new LlamaLanguageModel(folder, config, template);
    }

    public Path folder() {
        return folder.path();
    }

    public LlamaConfig config() {
        return config;
    }

    /** The checkpoint's tokenizer with {@link #IMAGE_TOKEN} added (kept where the vocabulary already has it). */
    @Override
    public HfTokenizer tokenizer() {
        return folder.tokenizer();
    }

    @Override
    public ChatTemplate chatTemplate() {
        return template;
    }

    /**
     * {@code generation_config.json}'s {@code eos_token_id} (a number or a list; else
     * {@code config.json}'s) and the template's end of turn where the tokenizer has it as one token.
     */
    @Override
    public Set<Long> stopTokenIds() {
        Set<Long> s = stopIds;
        if (s == null) {
            HfTokenizer tok = tokenizer();
            Set<Long> ids = new LinkedHashSet<>(HfModelFolder.eosIds(folder.path().resolve("generation_config.json")));
            if (ids.isEmpty()) ids.addAll(HfModelFolder.eosIds(folder.path().resolve("config.json")));
            tok.tokenId(template.endOfTurn()).ifPresent(ids::add);
            if (ids.isEmpty()) {
                throw new IrisException(folder.path() + ": no stop token: no eos_token_id in generation_config.json or config.json, and the tokenizer has no "
                        + template.endOfTurn());
            }
            s = Collections.unmodifiableSet(ids);
            stopIds = s;
        }
        return s;
    }

    @Override
    public ImageToken imageToken() {
        HfTokenizer tok = tokenizer();
        long id = tok.tokenId(IMAGE_TOKEN).orElseThrow(() -> new IllegalStateException(IMAGE_TOKEN + " was added to the tokenizer but has no id"));
        return new ImageToken(IMAGE_TOKEN, id);
    }
}
