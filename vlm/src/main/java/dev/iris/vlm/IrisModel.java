package dev.iris.vlm;

import dev.iris.api.IrisException;
import dev.iris.api.text.ChatMessage;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.VisionLanguageModel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Flow;
import java.util.function.Consumer;

/**
 * A loaded vision-language model: answers prompts about an image (or text alone), holds
 * conversations, trains and evaluates. Made by {@link Iris#load(Path)} or {@link Iris#builder()}.
 *
 * <p>Thread-safe: concurrent generations share the model's decode steps. Close it to free the
 * native memory of its ONNX Runtime sessions; closing waits for the model run under way.
 *
 * <pre>{@code
 * try (IrisModel model = Iris.load(Path.of("iris.yaml"))) {
 *     Answer a = model.generate("Describe the image.", Image.of(Path.of("scan.png")));
 *     model.generate("Describe the image.", Image.of(Path.of("scan.png")), Options.DEFAULTS, System.out::print);
 * }
 * }</pre>
 */
public final class IrisModel implements AutoCloseable {
    private static final Consumer<String> IGNORE = piece -> {};

    private final IrisConfig config;
    private final PluginRegistry registry;
    private final Object lifecycle = new Object();
    private volatile VisionLanguageModel model;
    private volatile boolean closed;

    IrisModel(IrisConfig config, PluginRegistry registry) {
        this.config = config;
        this.registry = registry;
        this.model = VisionLanguageModel.load(config, registry);
    }

    // ------------------------------------------------------------------ generate

    /** Answers a text-only prompt, with the options of the config's {@code generate} section. */
    public Answer generate(String prompt) {
        return generate(prompt, null, Options.DEFAULTS, IGNORE);
    }

    /** Answers a prompt about an image, with the options of the config's {@code generate} section. */
    public Answer generate(String prompt, Image image) {
        return generate(prompt, Objects.requireNonNull(image, "image"), Options.DEFAULTS, IGNORE);
    }

    /** Answers a prompt about an image ({@code null} for text alone) with these options. */
    public Answer generate(String prompt, Image image, Options options) {
        return generate(prompt, image, options, IGNORE);
    }

    /**
     * Answers a prompt about an image ({@code null} for text alone), handing each piece of text
     * to {@code onText} as soon as it is complete (whole characters, on the calling thread).
     * If {@code onText} throws, generation stops and the exception propagates.
     *
     * @throws IrisException when the image cannot be decoded (naming it) or the prompt does not fit the context
     */
    public Answer generate(String prompt, Image image, Options options, Consumer<String> onText) {
        Objects.requireNonNull(prompt, "prompt");
        GenerateConfig cfg = settings(options);
        Optional<Image> img = Optional.ofNullable(image);
        VisionLanguageModel.Request request = VisionLanguageModel.Request.question(cfg.system(), prompt, img.map(Image::encoded),
                img.map(Image::name).orElse(""));
        return run(request, cfg, onText);
    }

    /**
     * The answer as a {@link Flow.Publisher} of text pieces: generation starts at the first
     * {@code request}, follows the subscriber's demand, and stops when it cancels. One subscriber
     * per publisher; errors arrive in {@code onError}.
     */
    public Flow.Publisher<String> stream(String prompt, Image image, Options options) {
        Objects.requireNonNull(prompt, "prompt");
        Objects.requireNonNull(options, "options");
        return new TextPublisher(onText -> generate(prompt, image, options, onText));
    }

    // ------------------------------------------------------------------ chat

    /** Answers the last user turn of a conversation, with the options of the config's {@code generate} section. */
    public Answer chat(List<Message> messages) {
        return chat(messages, Options.DEFAULTS, IGNORE);
    }

    /** Answers the last user turn of a conversation with these options. */
    public Answer chat(List<Message> messages, Options options) {
        return chat(messages, options, IGNORE);
    }

    /**
     * Answers the last user turn of a conversation, streaming as
     * {@link #generate(String, Image, Options, Consumer)} does. The messages are used as given:
     * the config's and the options' {@code system} turn is not added (put a
     * {@link Message#system} first for one). The last message must be the user's; any user
     * message may carry an image (each goes at the end of its message, as generation places it).
     */
    public Answer chat(List<Message> messages, Options options, Consumer<String> onText) {
        GenerateConfig cfg = settings(options);
        return run(ChatRequest.of(messages), cfg, onText);
    }

    /** The answer to a conversation as a {@link Flow.Publisher} of text pieces (see {@link #stream}). */
    public Flow.Publisher<String> streamChat(List<Message> messages, Options options) {
        List<Message> copy = List.copyOf(messages);
        Objects.requireNonNull(options, "options");
        return new TextPublisher(onText -> chat(copy, options, onText));
    }

    // ------------------------------------------------------------------ train and evaluate

    /** As {@link #train(Consumer)} without progress. */
    public TrainResult train() {
        return train(step -> {});
    }

    /**
     * Trains with the config's {@code train} section (as {@code iris train} does, writing
     * {@code train.output}), then answers with the trained weights. Another call trains again
     * from the config's starting weights. Generations still running when training ends fail
     * with "the model was closed": do not train while generating.
     *
     * <p>Needs iris-training, iris-evaluation and a dataset plugin (iris-datasets) on the class
     * path: {@code dev.iris:iris-vlm-training} brings them.
     *
     * @param onStep called after each optimizer step
     * @throws IrisException when the config has no train section, a dataset cannot be read, or training is not on the class path
     */
    public TrainResult train(Consumer<TrainStep> onStep) {
        Objects.requireNonNull(onStep, "onStep");
        TrainingBridge.require();
        synchronized (lifecycle) {
            refuseIfClosed();
            TrainResult r = TrainingBridge.train(config, registry, onStep);
            VisionLanguageModel trained = VisionLanguageModel.load(TrainingBridge.withCheckpoint(config, r.checkpoint()), registry);
            VisionLanguageModel old = model;
            model = trained;
            old.close();
            return r;
        }
    }

    /** Scores a checkpoint (e.g. {@link TrainResult#checkpoint()}) on all of {@code train.eval_dataset}. */
    public Evaluation evaluate(Path checkpoint) {
        return evaluate(checkpoint, 0);
    }

    /**
     * Scores a checkpoint on at most {@code limit} usable held-out examples (0 = all) of
     * {@code train.eval_dataset}, as {@code iris eval} does. Needs the same artifacts as {@link #train}.
     */
    public Evaluation evaluate(Path checkpoint, int limit) {
        Objects.requireNonNull(checkpoint, "checkpoint");
        if (limit < 0) throw new IllegalArgumentException("limit must be >= 0 (0 = all), got " + limit);
        TrainingBridge.require();
        refuseIfClosed();
        return TrainingBridge.evaluate(config, registry, checkpoint, limit);
    }

    // ------------------------------------------------------------------ the rest

    /** The options the config's {@code generate} section gives, which {@link Options#DEFAULTS} stands for. */
    public Options configuredOptions() {
        GenerateConfig g = config.generate();
        Options.Builder b = Options.builder().maxNewTokens(g.maxNewTokens()).temperature(g.temperature()).topK(g.topK()).topP(g.topP())
                .repetitionPenalty(g.repetitionPenalty()).seed(g.seed());
        g.system().ifPresent(b::system);
        return b.build();
    }

    /** The longest prompt plus answer, in tokens, the language model takes. */
    public int contextLength() {
        return model.contextLength();
    }

    /** Compiles the graphs and binds the weights now rather than at the first generation. */
    public void prepare() {
        refuseIfClosed();
        model.prepare();
    }

    /**
     * Frees the model's sessions, after the model run under way (and after a {@link #train} under way);
     * later calls fail. Closing twice is harmless.
     */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
            model.close();
        }
    }

    private GenerateConfig settings(Options options) {
        return Objects.requireNonNull(options, "options").over(config.generate());
    }

    private Answer run(VisionLanguageModel.Request request, GenerateConfig cfg, Consumer<String> onText) {
        Objects.requireNonNull(onText, "onText");
        refuseIfClosed();
        return Answer.of(model.generate(request, cfg, onText, false));
    }

    private void refuseIfClosed() {
        if (closed) throw new IrisException("the model was closed");
    }

    /** The host's request for a conversation: its messages, and each image placed in its turn. */
    static final class ChatRequest {
        private ChatRequest() {}

        static VisionLanguageModel.Request of(List<Message> messages) {
            Objects.requireNonNull(messages, "messages");
            if (messages.isEmpty()) throw new IrisException("a chat needs at least one message");
            Message last = messages.get(messages.size() - 1);
            if (last.role() != Message.Role.USER) {
                throw new IrisException("the last message of a chat must be the user's (it is the one answered), found " + last.role().name().toLowerCase());
            }
            List<ChatMessage> turns = new ArrayList<>();
            List<VisionLanguageModel.Image> images = new ArrayList<>();
            for (int i = 0; i < messages.size(); i++) {
                Message m = Objects.requireNonNull(messages.get(i), "message " + i);
                int at = i;
                m.image().ifPresent(image -> images.add(new VisionLanguageModel.Image(image.encoded(), image.name(), at)));
                turns.add(new ChatMessage(m.role().name().toLowerCase(java.util.Locale.ROOT), m.text()));
            }
            return new VisionLanguageModel.Request(turns, images);
        }
    }
}
