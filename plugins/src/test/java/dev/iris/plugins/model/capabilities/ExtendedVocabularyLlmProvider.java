package dev.iris.plugins.model.capabilities;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigField;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import dev.iris.llm.qwen.Qwen2Provider;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code type: test-extended-vocab} (tests only): a Qwen2 model from {@code path} whose image
 * token is one its plugin adds, {@code <image>}, with an id past the end of the embedding table,
 * as a family without an image token in its vocabulary would add one (nanoVLM extends its LM's
 * vocabulary). Everything else is the Qwen2 model's.
 */
public final class ExtendedVocabularyLlmProvider implements LanguageModelProvider {
    public static final String TYPE = "test-extended-vocab";
    public static final String IMAGE = "<image>";
    /** How far past the last embedding row the image token's id lies. */
    public static final int PAST_THE_TABLE = 1000;

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public List<ConfigField> fields() {
        return List.of(ConfigField.of("path", "the Qwen2 folder"));
    }

    @Override
    public LanguageModel create(ComponentConfig config, PluginContext context) {
        return new Model(new Qwen2Provider().create(config, context));
    }

    static final class Model implements LanguageModel {
        private final LanguageModel base;
        private final ImageToken image;
        private final TextTokenizer tokenizer;
        private final ChatTemplate template;

        Model(LanguageModel base) {
            this.base = base;
            this.image = new ImageToken(IMAGE, (long) base.vocabSize() + PAST_THE_TABLE);
            this.tokenizer = new Tokenizer(base.tokenizer(), image);
            ChatTemplate t = base.chatTemplate();
            this.template = new ChatTemplate() {
                @Override
                public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
                    return t.render(messages, addGenerationPrompt);
                }

                @Override
                public String endOfTurn() {
                    return t.endOfTurn();
                }

                @Override
                public String imageBlock(int tokens) {
                    return IMAGE.repeat(tokens);
                }
            };
        }

        @Override public ImageToken imageToken() { return image; }
        @Override public TextTokenizer tokenizer() { return tokenizer; }
        @Override public ChatTemplate chatTemplate() { return template; }
        @Override public int hiddenSize() { return base.hiddenSize(); }
        @Override public int vocabSize() { return base.vocabSize(); }
        @Override public int layers() { return base.layers(); }
        @Override public int kvHeads() { return base.kvHeads(); }
        @Override public int headDim() { return base.headDim(); }
        @Override public int maxPositions() { return base.maxPositions(); }
        @Override public double normEps() { return base.normEps(); }
        @Override public Set<Long> stopTokenIds() { return base.stopTokenIds(); }
        @Override public Value embed(GraphBuilder g, Value ids) { return base.embed(g, ids); }
        @Override public Decoded decode(GraphBuilder g, DecoderInput in) { return base.decode(g, in); }
        @Override public Value logits(GraphBuilder g, Value hidden) { return base.logits(g, hidden); }
    }

    /** The base tokenizer with {@code <image>} as one more special token. */
    private record Tokenizer(TextTokenizer base, LanguageModel.ImageToken image) implements TextTokenizer {
        @Override
        public long[] encode(String text) {
            List<long[]> parts = new ArrayList<>();
            int from = 0;
            for (int at = text.indexOf(IMAGE); at >= 0; at = text.indexOf(IMAGE, from)) {
                if (at > from) parts.add(base.encode(text.substring(from, at)));
                parts.add(new long[] {image.id()});
                from = at + IMAGE.length();
            }
            if (from < text.length()) parts.add(base.encode(text.substring(from)));
            return parts.stream().flatMapToLong(Arrays::stream).toArray();
        }

        @Override
        public String decode(long[] ids, boolean skipSpecial) {
            StringBuilder out = new StringBuilder();
            int start = 0;
            for (int i = 0; i <= ids.length; i++) {
                if (i == ids.length || ids[i] == image.id()) {
                    out.append(base.decode(Arrays.copyOfRange(ids, start, i), skipSpecial));
                    if (i < ids.length && !skipSpecial) out.append(IMAGE);
                    start = i + 1;
                }
            }
            return out.toString();
        }

        @Override
        public OptionalLong tokenId(String token) {
            return token.equals(IMAGE) ? OptionalLong.of(image.id()) : base.tokenId(token);
        }

        @Override
        public int size() {
            return base.size() + 1;
        }
    }
}
