package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import dev.iris.plugins.model.ImageRows;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Random;

/**
 * Turns an image–caption pair into token ids and labels with the same chat template that
 * generation uses: [system (when configured), user = instruction with the image placed as the
 * template places it (by default a newline and the image positions), assistant = caption]. The
 * prompt is tokenized exactly as generation tokenizes it, and the labels cover the caption and
 * the end-of-turn token that closes it, nothing else.
 */
public final class SampleBuilder {
    private final ChatTemplate template;
    private final TextTokenizer tokenizer;
    // set by of() before the builder is shared: the fusion reads which rows follow the image's place
    private boolean imageRows;
    private final ImagePositions image;
    private final Optional<String> system;
    private final List<String> prompts;
    private final int maxLength;
    private final boolean captionWords;

    /**
     * How an image shows in a sample's prompt: {@code count} positions written as {@code token},
     * or {@link #NONE} (a fusion that places no tokens in the prompt, or a text-only stage).
     */
    public record ImagePositions(int count, LanguageModel.ImageToken token) {
        public static final ImagePositions NONE = new ImagePositions(0, null);

        public ImagePositions {
            if (count < 0 || (count > 0) != (token != null)) {
                throw new IllegalArgumentException("image positions need a token exactly when there are some: " + count + ", " + token);
            }
        }

        /** What {@code fusion} places in the prompt of {@code llm} (nothing when {@code images} is false). */
        public static ImagePositions of(LanguageModel llm, Fusion fusion, boolean images) {
            if (!images || !fusion.placesTokensInPrompt()) return NONE;
            if (fusion.imageTokens() < 1) {
                throw new IrisException("the fusion places image tokens in the prompt but says each image adds " + fusion.imageTokens() + " of them");
            }
            return new ImagePositions(fusion.imageTokens(), llm.imageToken());
        }

        /** The image token's id, or -1 when no position holds one. */
        public long tokenId() {
            return token != null ? token.id() : -1;
        }
    }

    /** A builder for {@code llm}'s template and tokenizer, placing images as {@code fusion} declares. */
    public static SampleBuilder of(LanguageModel llm, Fusion fusion, boolean images, Optional<String> system, List<String> prompts, int maxLength) {
        SampleBuilder b = new SampleBuilder(llm.chatTemplate(), llm.tokenizer(), ImagePositions.of(llm, fusion, images), system, prompts, maxLength);
        b.imageRows = images && fusion.readsImageRows();
        return b;
    }

    /**
     * @param image   the image positions a prompt with an image carries
     * @param prompts the instructions one is drawn from per sample
     */
    public SampleBuilder(ChatTemplate template, TextTokenizer tokenizer, ImagePositions image, Optional<String> system,
                         List<String> prompts, int maxLength) {
        this(template, tokenizer, image, system, prompts, maxLength, false);
    }

    private SampleBuilder(ChatTemplate template, TextTokenizer tokenizer, ImagePositions image, Optional<String> system,
                          List<String> prompts, int maxLength, boolean captionWords) {
        if (prompts.isEmpty()) throw new IrisException("train.prompts: the list of instructions is empty");
        this.template = template;
        this.tokenizer = tokenizer;
        this.image = image;
        this.system = system;
        this.prompts = List.copyOf(prompts);
        this.maxLength = maxLength;
        this.captionWords = captionWords;
    }

    /**
     * This builder, but a text-only sample's user turn also carries the caption's words in a
     * shuffled order where the image would go ({@code train.lm_context: caption_words}): the
     * language model learns to write its answer from its prompt, which a frozen LLM must do
     * with image tokens in stage 1.
     */
    public SampleBuilder withCaptionWords() {
        return new SampleBuilder(template, tokenizer, image, system, prompts, maxLength, true);
    }

    /** The caption's words, lower-cased, without the punctuation around them, in an order drawn from {@code random}. */
    static String shuffledWords(String caption, Random random) {
        List<String> words = new ArrayList<>();
        for (String w : caption.toLowerCase(Locale.ROOT).split("\\s+")) {
            String bare = w.replaceAll("^[^\\p{L}\\p{N}]+|[^\\p{L}\\p{N}]+$", "");
            if (!bare.isEmpty()) words.add(bare);
        }
        Collections.shuffle(words, random);
        return String.join(" ", words);
    }

    public ImagePositions imagePositions() {
        return image;
    }

    /** The prompt text (ending where the answer starts), as generation renders it. */
    public String promptText(String instruction, boolean withImage) {
        List<ChatMessage> messages = new ArrayList<>();
        system.ifPresent(s -> messages.add(ChatMessage.system(s)));
        String user = withImage && image.count() > 0 ? template.withImage(instruction, image.count()) : instruction;
        messages.add(ChatMessage.user(user));
        return template.render(messages, true);
    }

    /**
     * Builds one sample; {@code image} may be null for text-only training.
     *
     * @throws SampleException when the sample cannot be trained on (wrong pad count, nothing to predict)
     */
    public Sample build(String id, String caption, byte[] image, Random random) {
        String instruction = prompts.get(random.nextInt(prompts.size()));
        // the words stand where the image would be (the default image layout: instruction, newline, image)
        if (image == null && captionWords) instruction = instruction + "\n" + shuffledWords(caption, random);
        long[] prompt = tokenizer.encode(promptText(instruction, image != null));
        long[] answer = tokenizer.encode(caption + template.endOfTurn());
        int pads = 0;
        if (this.image.count() > 0) {
            long padId = this.image.tokenId();
            for (long t : prompt) if (t == padId) pads++;
            for (long t : answer) if (t == padId) throw new SampleException(id, "the caption contains the image pad token " + this.image.token().text());
            int expected = image != null ? this.image.count() : 0;
            if (pads != expected) {
                throw new SampleException(id, "the prompt carries " + pads + " image pad tokens but the image gives " + expected);
            }
        }
        boolean truncated = false;
        int keep = answer.length;
        if (prompt.length + answer.length > maxLength) {
            // caption tokens go from the end; image pads and the prompt are never cut.
            // The end-of-turn token goes too: the model must not learn to stop mid-caption.
            keep = maxLength - prompt.length;
            truncated = true;
        }
        if (keep <= 0) {
            throw new SampleException(id, "the prompt alone is " + prompt.length + " tokens, train.max_length is " + maxLength);
        }
        long[] ids = Arrays.copyOf(prompt, prompt.length + keep);
        System.arraycopy(answer, 0, ids, prompt.length, keep);
        long[] labels = new long[ids.length];
        Arrays.fill(labels, 0, prompt.length, Sample.IGNORE);
        System.arraycopy(answer, 0, labels, prompt.length, keep);
        return new Sample(id, ids, labels, pads, truncated, image, imageStart(instruction, image != null, prompt));
    }

    /**
     * For a fusion that reads image rows, the first prompt position at or after the image's
     * place: the end of the user turn's instruction, found as generation finds it; the prompt's
     * end for a sample without an image, and -1 for other fusions.
     */
    private int imageStart(String instruction, boolean withImage, long[] prompt) {
        if (!imageRows) return -1;
        if (!withImage) return prompt.length;
        List<ChatMessage> messages = new ArrayList<>();
        system.ifPresent(s -> messages.add(ChatMessage.system(s)));
        messages.add(ChatMessage.user(instruction));   // such a fusion places no image block in the prompt
        return ImageRows.start(template, tokenizer, messages, messages.size() - 1, prompt);
    }

    /** A sample that cannot be used, with the row's id. */
    public static final class SampleException extends IrisException {
        private final String id;

        public SampleException(String id, String problem) {
            super("sample " + id + ": " + problem);
            this.id = id;
        }

        public String id() {
            return id;
        }
    }
}
