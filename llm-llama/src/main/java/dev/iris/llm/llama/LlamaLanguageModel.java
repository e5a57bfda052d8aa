package dev.iris.llm.llama;

import dev.iris.api.IrisException;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.json.Json;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatTemplate;
import dev.iris.common.nn.DecoderBlock;
import dev.iris.common.nn.DecoderStack;
import dev.iris.common.text.HfTokenizer;
import java.nio.file.Files;
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
public final class LlamaLanguageModel implements LanguageModel {
    /**
     * The token image positions are written as. No Llama-family vocabulary has one, so it is
     * added as a special token with the next id after the vocabulary (128256 for Llama 3); that
     * id may lie outside the embedding table, which the host never reads for image positions.
     */
    public static final String IMAGE_TOKEN = "<image>";
    static final String GROUP = "llm";

    private final Path folder;
    private final LlamaConfig config;
    private final DecoderStack stack;
    private final ChatTemplate template;
    private volatile HfTokenizer tokenizer;
    private volatile Set<Long> stopIds;

    public LlamaLanguageModel(Path folder, LlamaConfig config, ChatTemplate template) {
        this.folder = folder;
        this.config = config;
        this.template = template;
        var biases = new DecoderBlock.Biases(config.attentionBias(), config.attentionBias(), config.mlpBias());
        DecoderBlock block = DecoderBlock.llama(config.hiddenSize(), config.heads(), config.kvHeads(), config.headDim(),
                config.intermediateSize(), biases, config.rmsEps());
        this.stack = new DecoderStack(GROUP, config.vocabSize(), config.layers(), block, config.ropeTheta(), config.ropeScaling(),
                config.tiedEmbeddings());
    }

    /** Reads a Hugging Face model folder; fails at once when config.json or tokenizer.json is missing. */
    public static LlamaLanguageModel open(Path folder, ChatTemplate template) {
        LlamaConfig config = LlamaConfig.read(folder.resolve("config.json"));
        Path tok = folder.resolve("tokenizer.json");
        if (!Files.isRegularFile(tok)) {
            throw new IrisException(tok + ": file not found; a Llama model folder needs the tokenizer.json of its checkpoint");
        }
        return new LlamaLanguageModel(folder, config, template);
    }

    public Path folder() {
        return folder;
    }

    public LlamaConfig config() {
        return config;
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int layers() {
        return config.layers();
    }

    @Override
    public int kvHeads() {
        return config.kvHeads();
    }

    @Override
    public int headDim() {
        return config.headDim();
    }

    @Override
    public int maxPositions() {
        return config.maxPositions();
    }

    @Override
    public double normEps() {
        return config.rmsEps();
    }

    /** The checkpoint's tokenizer with {@link #IMAGE_TOKEN} added (kept where the vocabulary already has it). */
    @Override
    public HfTokenizer tokenizer() {
        HfTokenizer t = tokenizer;
        if (t == null) {
            synchronized (this) {
                t = tokenizer;
                if (t == null) {
                    try (HfTokenizer base = HfTokenizer.load(folder.resolve("tokenizer.json"))) {
                        if (base.size() > vocabSize()) {
                            throw new IrisException(base.source() + ": the tokenizer has " + base.size() + " ids but config.json's vocab_size is "
                                    + vocabSize() + "; they belong to different models");
                        }
                        t = base.withSpecialTokens(List.of(IMAGE_TOKEN));
                    }
                    tokenizer = t;
                }
            }
        }
        return t;
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
            Set<Long> ids = new LinkedHashSet<>(eosIds(folder.resolve("generation_config.json")));
            if (ids.isEmpty()) ids.addAll(eosIds(folder.resolve("config.json")));
            tok.tokenId(template.endOfTurn()).ifPresent(ids::add);
            if (ids.isEmpty()) {
                throw new IrisException(folder + ": no stop token: no eos_token_id in generation_config.json or config.json, and the tokenizer has no "
                        + template.endOfTurn());
            }
            s = Collections.unmodifiableSet(ids);
            stopIds = s;
        }
        return s;
    }

    /** {@code eos_token_id} of a JSON file, empty when the file or the field is absent. */
    static Set<Long> eosIds(Path file) {
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

    @Override
    public ImageToken imageToken() {
        HfTokenizer tok = tokenizer();
        long id = tok.tokenId(IMAGE_TOKEN).orElseThrow(() -> new IllegalStateException(IMAGE_TOKEN + " was added to the tokenizer but has no id"));
        return new ImageToken(IMAGE_TOKEN, id);
    }

    @Override
    public Value embed(GraphBuilder g, Value ids) {
        return stack.embed(g, ids);
    }

    @Override
    public Decoded decode(GraphBuilder g, DecoderInput in) {
        return stack.decode(g, in);
    }

    @Override
    public Value logits(GraphBuilder g, Value hidden) {
        return stack.logits(g, hidden);
    }
}
