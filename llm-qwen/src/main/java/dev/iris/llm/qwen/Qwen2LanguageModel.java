package dev.iris.llm.qwen;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.RopeScaling;
import dev.iris.api.spi.LanguageModel;
import dev.iris.common.nn.DecoderBlock;
import dev.iris.common.nn.DecoderLanguageModel;
import dev.iris.common.nn.DecoderStack;
import dev.iris.common.text.ChatMl;
import dev.iris.common.text.ChatTemplates;
import dev.iris.common.text.FamilyChatTemplate;
import dev.iris.common.text.HfModelFolder;
import dev.iris.common.text.HfTokenizer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A Qwen2 / Qwen2.5 checkpoint folder as a {@link LanguageModel}: {@code config.json} for the
 * decoder (nn-common's {@link DecoderStack} with q/k/v biases, weights under their Hugging Face names), {@code tokenizer.json} for the tokenizer (loaded on first use, it takes about a second
 * for the real Qwen vocabulary), {@code tokenizer_config.json}'s {@code chat_template} to pick
 * the {@link ChatMl} flavour, {@code generation_config.json} for the stop ids.
 */
public final class Qwen2LanguageModel extends DecoderLanguageModel {
    private static final System.Logger LOG = System.getLogger(Qwen2LanguageModel.class.getName());
    static final String GROUP = "llm";

    private final Qwen2Config config;
    private final HfModelFolder folder;
    private final ChatMl template;
    private volatile Set<Long> stopIds;
    private volatile ImageToken imageToken;

    /** A model whose chat template flavour is read from the folder's tokenizer_config.json. */
    public Qwen2LanguageModel(Path folder, Qwen2Config config) {
        this(folder, config, templateOf(folder));
    }

    public Qwen2LanguageModel(Path folder, Qwen2Config config, ChatMl template) {
        super(stack(config), config.maxPositions());
        this.config = config;
        this.folder = new HfModelFolder(folder, config.vocabSize(), List.of());
        this.template = template;
    }

    /** The Qwen2 decoder: nn-common's Llama {@link DecoderStack} whose q/k/v projections carry biases. */
    static DecoderStack stack(Qwen2Config c) {
        DecoderBlock block = DecoderBlock.llama(c.hiddenSize(), c.heads(), c.kvHeads(), c.headDim(), c.intermediateSize(),
                DecoderBlock.Biases.QKV, c.rmsEps());
        return new DecoderStack(GROUP, c.vocabSize(), c.layers(), block, c.ropeTheta(), RopeScaling.NONE, c.tiedEmbeddings());
    }

    /** Reads a Hugging Face model folder; fails at once when config.json or tokenizer.json is missing. */
    public static Qwen2LanguageModel open(Path folder) {
        return open(folder, null);
    }

    /** Like {@link #open(Path)} with the chat template given ({@code null}: chosen from the folder). */
    public static Qwen2LanguageModel open(Path folder, ChatMl template) {
        return open(folder, template, ChatMl.ImageLayout.TUTORIAL);
    }

    /** Like {@link #open(Path, ChatMl)}, writing images in {@code imageLayout} whichever template is chosen. */
    public static Qwen2LanguageModel open(Path folder, ChatMl template, ChatMl.ImageLayout imageLayout) {
        Qwen2Config config = Qwen2Config.read(folder.resolve("config.json"));
        HfModelFolder.requireTokenizer(folder, "Qwen2");
        ChatMl chosen = template != null ? template : templateOf(folder);
        return new Qwen2LanguageModel(folder, config, chosen.withImageLayout(imageLayout));
    }

    /**
     * The chat template a model folder asks for ({@link ChatTemplates#select} with {@code auto}):
     * {@code tokenizer_config.json}'s {@code chat_template}, else {@code chat_template.jinja},
     * recognised; plain ChatML when the folder has neither. A template that is not one of the
     * ChatML ones Iris renders is an error naming {@code model.llm.chat_template}.
     */
    public static ChatMl templateOf(Path folder) {
        FamilyChatTemplate chosen = ChatTemplates.select("model.llm", folder, "auto", ChatMl.chatMl());
        if (!(chosen instanceof ChatMl t)) {
            throw new ConfigException("model.llm.chat_template: " + folder + " has a template Qwen2 does not write (" + chosen
                    + "); set model.llm.chat_template to chatml, qwen2, qwen25, qwen3, qwen3-no-thinking or smollm2");
        }
        if (t.defaultSystem().isPresent()) {
            LOG.log(System.Logger.Level.INFO, "{0}: its chat template adds the system prompt \"{1}\" to conversations without one"
                    + " (as transformers does); set chat_template: chatml to render plain ChatML", folder, t.defaultSystem().get());
        }
        return t;
    }

    public Path folder() {
        return folder.path();
    }

    public Qwen2Config config() {
        return config;
    }

    @Override
    public HfTokenizer tokenizer() {
        return folder.tokenizer();
    }

    @Override
    public ChatMl chatTemplate() {
        return template;
    }

    /**
     * {@code generation_config.json}'s {@code eos_token_id} (a number or a list) and the id of
     * {@code <|im_end|>}; without a generation config (or an eos there), {@code <|im_end|>} and
     * {@code <|endoftext|>} where the tokenizer has them.
     */
    @Override
    public Set<Long> stopTokenIds() {
        Set<Long> s = stopIds;
        if (s == null) {
            s = Collections.unmodifiableSet(readStopIds(folder.path().resolve("generation_config.json"), tokenizer()));
            stopIds = s;
        }
        return s;
    }

    static Set<Long> readStopIds(Path generationConfig, HfTokenizer tokenizer) {
        Set<Long> ids = new LinkedHashSet<>(HfModelFolder.eosIds(generationConfig));
        boolean fromConfig = !ids.isEmpty();
        tokenizer.tokenId(ChatMl.IM_END).ifPresent(ids::add);
        if (!fromConfig) tokenizer.tokenId("<|endoftext|>").ifPresent(ids::add);
        if (ids.isEmpty()) {
            throw new IrisException(generationConfig.getParent() + ": no stop token: no eos_token_id in generation_config.json and the tokenizer has neither "
                    + ChatMl.IM_END + " nor <|endoftext|>");
        }
        return ids;
    }

    /** {@code <|image_pad|>}, which every Qwen2 vocabulary holds as one token. */
    @Override
    public ImageToken imageToken() {
        ImageToken t = imageToken;
        if (t == null) {
            HfTokenizer tok = tokenizer();
            long id = tok.tokenId(ChatMl.IMAGE_PAD).orElseThrow(() -> new IrisException(tok.source()
                    + ": the tokenizer has no single token " + ChatMl.IMAGE_PAD + ", which Qwen2 prompts write image positions as"));
            t = new ImageToken(ChatMl.IMAGE_PAD, id);
            imageToken = t;
        }
        return t;
    }
}
