package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
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
 * Turns a conversation (a caption is a one-turn one) into token ids and labels with the same
 * chat template that generation uses: [system (the example's, else {@code train.system}), user,
 * assistant, user, assistant, ...], the image placed in its user turn as the template places it
 * (by default after the text, a newline and the image positions) and a caption's instruction
 * drawn from {@code train.prompts}. Each prompt is tokenized exactly as generation tokenizes it,
 * and the labels cover every answer and the end-of-turn token that closes it, nothing else.
 */
public final class SampleBuilder {
    private final ChatTemplate template;
    private final TextTokenizer tokenizer;
    // set by of() before the builder is shared: the fusion reads which rows follow the image's place
    private boolean imageRows;
    // set by of(): in this image stage the fusion reads the batch's image at every position of a
    // sample (no image tokens to leave out, no image rows to mask), so a text-only sample would
    // train on its zero image slot while generation answers text-only prompts without the fusion
    private boolean textOnlySeesImage;
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
        b.textOnlySeesImage = images && !fusion.placesTokensInPrompt() && !fusion.readsImageRows();
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
     * Builds one caption sample; {@code image} may be null for text-only training.
     *
     * @throws SampleException when the sample cannot be trained on (wrong pad count, nothing to predict)
     */
    public Sample build(String id, String caption, byte[] image, Random random) {
        return build(Dataset.Example.caption(id, caption, image), image != null, random);
    }

    /**
     * Builds one sample from a conversation: every turn rendered with the chat template,
     * labels on each assistant answer and the end-of-turn token that closes it, nothing else.
     * Each image is placed in its user turn (several in one turn one after another). With
     * {@code withImages} false the example's images are left out (a text-only stage).
     *
     * @throws SampleException when the sample cannot be trained on (wrong pad count, a template
     *                         that renders history differently, a prompt longer than
     *                         {@code train.max_length}, an image count the fusion cannot train on)
     */
    public Sample build(Dataset.Example ex, boolean withImages, Random random) {
        String id = ex.id();
        List<byte[]> images = withImages ? ex.images() : List.of();
        if (withImages && textOnlySeesImage && images.size() != 1) {
            // its batches hold one image slot per sample, read by every position: a sample must fill it exactly
            throw new SampleException(id, images.isEmpty()
                    ? "text-only sample in an image stage: the fusion reads an image at every position"
                            + " (it places no image tokens and reads no image rows), so it cannot leave the image out for this sample;"
                            + " generation answers text-only prompts without the fusion"
                    : images.size() + " images in one sample: the fusion reads every image at every position (it places no image"
                            + " tokens and reads no image rows), so it is trained on samples of one image");
        }
        // drawn first and always, so the same seed draws the same instruction whatever the example holds
        String instruction = prompts.get(random.nextInt(prompts.size()));
        Rendered r = render(ex, instruction, !images.isEmpty(), random);
        List<ChatMessage> messages = new ArrayList<>(r.messages());
        if (this.image.count() > 0) {
            for (int m : r.imageMessages()) messages.set(m, ChatMessage.user(template.withImage(messages.get(m).content(), this.image.count())));
        }
        Tokens t = tokens(id, messages, r.answers());
        int pads = 0;
        if (this.image.count() > 0) {
            long padId = this.image.tokenId();
            for (long x : t.ids()) if (x == padId) pads++;
            int expected = images.size() * this.image.count();
            if (pads != expected) {
                throw new SampleException(id, "the prompt carries " + pads + " image pad tokens but its " + images.size() + " image(s) give " + expected);
            }
        }
        Cut cut = cut(id, t, messages.size());
        long[] ids = Arrays.copyOf(t.ids(), cut.length());
        long[] labels = Arrays.copyOf(t.labels(), cut.length());
        int[] starts = imageRows ? ImageRows.starts(template, tokenizer, messages, r.imageMessages(), ids) : null;
        return new Sample(id, ids, labels, pads, cut.length() < t.ids().length, images, starts, cut.turnsDropped());
    }

    /**
     * The conversation as chat messages, as a chat request holds them: the example's system turn
     * or else {@code train.system}, a prompted user turn's instruction drawn from
     * {@code train.prompts}, image markers removed. The image blocks are not in them: like
     * generation, {@link #build} places each image at the end of its message with
     * {@link ChatTemplate#withImage}.
     *
     * @param imageMessages per image (in order) the message that holds it; empty without images
     * @param answers       the assistant messages' indexes
     */
    public record Rendered(List<ChatMessage> messages, List<Integer> imageMessages, List<Integer> answers) {}

    /**
     * See {@link Rendered}; {@code withImages} false leaves the images out. {@code random} shuffles a
     * text-only caption's words under {@code train.lm_context: caption_words}.
     */
    public Rendered render(Dataset.Example ex, String instruction, boolean withImage, Random random) {
        List<ChatMessage> messages = new ArrayList<>();
        List<Dataset.Turn> turns = ex.turns();
        int first = 0;
        if (turns.get(0).role() == Dataset.Role.SYSTEM) {
            messages.add(ChatMessage.system(turns.get(0).text()));
            first = 1;
        } else {
            system.ifPresent(sys -> messages.add(ChatMessage.system(sys)));
        }
        List<Integer> imageTurns = withImage ? ex.imageTurns() : List.of();
        Integer[] imageMessages = new Integer[imageTurns.size()];
        List<Integer> answers = new ArrayList<>();
        for (int i = first; i < turns.size(); i++) {
            Dataset.Turn turn = turns.get(i);
            if (turn.role() == Dataset.Role.ASSISTANT) {
                answers.add(messages.size());
                messages.add(ChatMessage.assistant(turn.text()));
                continue;
            }
            String content = turn.prompted() ? instruction : turn.textWithoutImages();
            // the words stand where the image would be (the default image layout: instruction, newline, image)
            if (turn.prompted() && !withImage && captionWords) content = content + "\n" + shuffledWords(turns.get(i + 1).text(), random);
            for (int k = 0; k < imageMessages.length; k++) if (imageTurns.get(k) == i) imageMessages[k] = messages.size();
            messages.add(ChatMessage.user(content));
        }
        return new Rendered(List.copyOf(messages), List.of(imageMessages), List.copyOf(answers));
    }

    /** The whole conversation's ids and labels, and where each answer's labelled tokens are. */
    private record Tokens(long[] ids, long[] labels, List<int[]> spans, List<Integer> answers) {}

    /**
     * Tokenizes a conversation as generation tokenizes each of its prompts: the text before answer
     * k is the template's prompt for the messages before it, so its ids are those of
     * {@code render(messages before k, true)}; the answer and its end-of-turn token follow,
     * tokenized alone. The prompt before answer k+1 must begin with the tokens so far (the
     * template wrote the earlier turns as they are), and the whole conversation's rendering must
     * begin with all of them: otherwise the answers' places are not known for sure and the sample
     * is refused.
     */
    private Tokens tokens(String id, List<ChatMessage> messages, List<Integer> answers) {
        long[] ids = new long[0];
        long[] labels = new long[0];
        List<int[]> spans = new ArrayList<>();
        for (int k = 0; k < answers.size(); k++) {
            int a = answers.get(k);
            long[] prompt = tokenizer.encode(template.render(messages.subList(0, a), true));
            if (!startsWith(prompt, ids)) {
                throw new SampleException(id, "the chat template writes the turns before answer " + (k + 1)
                        + " differently once the conversation goes on (the prompt's tokens do not start with the earlier prompt and answers)");
            }
            long[] answer = tokenizer.encode(messages.get(a).content() + template.endOfTurn());
            if (image.count() > 0) {
                for (long x : answer) {
                    if (x == image.tokenId()) {
                        throw new SampleException(id, "answer " + (k + 1) + " contains the image pad token " + image.token().text());
                    }
                }
            }
            long[] next = Arrays.copyOf(prompt, prompt.length + answer.length);
            System.arraycopy(answer, 0, next, prompt.length, answer.length);
            long[] nextLabels = Arrays.copyOf(labels, next.length);
            Arrays.fill(nextLabels, labels.length, prompt.length, Sample.IGNORE);
            System.arraycopy(answer, 0, nextLabels, prompt.length, answer.length);
            spans.add(new int[] {prompt.length, next.length});
            ids = next;
            labels = nextLabels;
        }
        long[] whole = tokenizer.encode(template.render(messages, false));
        if (!startsWith(whole, ids)) {
            throw new SampleException(id, "the chat template does not write the last answer as the answer then " + template.endOfTurn()
                    + " (the conversation's tokens differ from the answer's)");
        }
        return new Tokens(ids, labels, spans, answers);
    }

    /** How much of a sample fits {@code train.max_length}, and how many trailing turns that leaves out. */
    private record Cut(int length, int turnsDropped) {}

    /**
     * Whole trailing turns go first: the sample ends after the last answer that fits. When not even
     * the first answer fits, its tail goes (and the end-of-turn token with it: the model must not
     * learn to stop mid-answer). An image's positions are never cut: a sample whose image would be
     * is refused. (The images of a fusion that places no tokens stay whole: a turn that was cut
     * away leaves its image unread, as rows past the end read nothing.)
     */
    private Cut cut(String id, Tokens t, int messages) {
        if (t.ids().length <= maxLength) return new Cut(t.ids().length, 0);
        int lastPad = -1;
        if (image.count() > 0) {
            for (int p = 0; p < t.ids().length; p++) if (t.ids()[p] == image.tokenId()) lastPad = p;
        }
        for (int k = t.spans().size() - 1; k >= 0; k--) {
            int end = t.spans().get(k)[1];
            if (end <= maxLength && lastPad < end) return new Cut(end, messages - 1 - t.answers().get(k));
        }
        int firstAnswer = t.spans().get(0)[0];
        if (firstAnswer >= maxLength || lastPad >= firstAnswer) {
            throw new SampleException(id, "the prompt alone is " + Math.max(firstAnswer, lastPad + 1) + " tokens, train.max_length is " + maxLength);
        }
        return new Cut(maxLength, messages - 1 - t.answers().get(0));
    }

    private static boolean startsWith(long[] a, long[] prefix) {
        return a.length >= prefix.length && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
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
