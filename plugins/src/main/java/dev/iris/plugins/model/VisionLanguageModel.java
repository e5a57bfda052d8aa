package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.StreamingDetokenizer;
import dev.iris.api.text.TextTokenizer;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.generate.Sampler;
import dev.iris.runtime.onnx.CompiledGraph;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.session.SessionFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A vision-language model assembled from its plugins, ready to generate: the image is encoded
 * once, the prompt is prefilled once, and tokens are decoded one at a time with a KV cache.
 * Logits are computed only for the rows that are sampled.
 */
public final class VisionLanguageModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(VisionLanguageModel.class);

    /** Names of the graphs' inputs and outputs. */
    static final String PIXELS = "pixels", IMAGE = "image", IDS = "ids", POSITIONS = "positions", MASK = "mask",
            SPLICE = "splice", ROWS = "logit_rows", LOGITS = "logits";

    private final ModelParts parts;
    private final long seed;
    private final SessionFactory sessions;
    private GraphSession imageSession;
    private boolean warnedUntrained;
    private GraphSession languageSession;   // prompt and decode steps alike: one copy of the LLM's weights
    private GraphSession textSession;       // architecture B without an image: the cross-attention blocks are skipped
    private DecodeBatcher batcher;          // decode steps of all running generations, batched
    /** Held around every model run (image encoding, prefill, each decode step); closing takes it to wait for the run under way. */
    private final ReentrantLock compute = new ReentrantLock(true);
    private volatile boolean closed;

    public VisionLanguageModel(ModelParts parts, OrtRuntime runtime, long seed) {
        this(parts, runtime, seed, CompiledGraph.Quantization.NONE);
    }

    /** @param weights how linear layers' weights are stored for inference (fp32, int8, int4) */
    public VisionLanguageModel(ModelParts parts, OrtRuntime runtime, long seed, CompiledGraph.Quantization weights) {
        checkDeclared(parts.fusionType(), parts.fusion());
        this.parts = parts;
        this.seed = seed;
        this.sessions = new SessionFactory(runtime, parts.sources(), seed, weights);
    }

    /** A fusion's image token count must agree with its declaration that it places tokens in the prompt. */
    static void checkDeclared(String type, Fusion fusion) {
        int n = fusion.imageTokens();
        if (fusion.placesTokensInPrompt() ? n < 1 : n != 0) {
            throw new IrisException("the " + type + " fusion " + (fusion.placesTokensInPrompt() ? "places" : "does not place")
                    + " image tokens in the prompt but says each image adds " + n + " of them");
        }
    }

    public static VisionLanguageModel load(IrisConfig config, PluginRegistry registry) {
        ModelParts parts = ModelParts.create(config, registry);
        try {
            OrtRuntime rt = new OrtRuntime(config.runtime().device(), config.runtime().threads());
            return new VisionLanguageModel(parts, rt, config.generate().seed(), config.runtime().weights());
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    public ModelParts parts() {
        return parts;
    }

    /** Where the model's sessions come from: its weight cache, load timings and the bytes of frozen weights held. */
    public SessionFactory sessions() {
        return sessions;
    }

    // ------------------------------------------------------------------ graphs

    private GraphSession open(Graph graph) {
        return sessions.open(parts.adapt(graph));
    }

    /** Said once, and only when an image is used: text-only prompts never touch the fusion's weights. */
    private synchronized void warnIfUntrained() {
        if (warnedUntrained || parts.fusionWeightsFile().isPresent()) return;
        warnedUntrained = true;
        LOG.warn("model.fusion.weights is not set: the {} fusion starts from its initialiser (seed {}), so image answers are untrained",
                parts.fusionType(), seed);
    }

    private synchronized GraphSession imageSession() {
        refuseIfClosed();
        if (imageSession == null) {
            imageSession = open(InferenceGraphs.image(parts));
        }
        return imageSession;
    }

    private synchronized GraphSession languageSession() {
        refuseIfClosed();
        if (languageSession == null) languageSession = open(InferenceGraphs.language(parts, true));
        return languageSession;
    }

    /** The graph for prompts without an image. */
    private synchronized GraphSession textSession() {
        refuseIfClosed();
        if (!parts.fusion().readsImageEveryStep()) return languageSession();
        if (textSession == null) textSession = open(InferenceGraphs.language(parts, false));
        return textSession;
    }

    /** Compiles the graphs and binds the weights now rather than on first use (so timings show compute alone). */
    public void prepare() {
        // the tokenizer (about a second to parse) loads on the other core while the sessions open
        Thread tokenizer = Thread.ofPlatform().name("iris-tokenizer-load").start(() -> {
            try {
                parts.llm().tokenizer();
            } catch (RuntimeException e) {
                LOG.debug("loading the tokenizer ahead failed (it is loaded again when needed): {}", e.getMessage());
            }
        });
        try {
            imageSession();
            languageSession();
            textSession();
        } finally {
            try {
                tokenizer.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    // ------------------------------------------------------------------ generation

    /** Encodes one image (already preprocessed to [3, H, W]) into the fusion's representation [1, ...]. */
    public Tensor encodeImage(Tensor pixels) {
        return encodeImages(List.of(pixels));
    }

    /** Encodes a prompt's images (each preprocessed to [3, H, W]), in order, into the fusion's representation of them [1, ...]. */
    public Tensor encodeImages(List<Tensor> pixels) {
        warnIfUntrained();
        return run(imageSession(), Map.of(PIXELS, Tensor.stack(pixels))).get(IMAGE);
    }

    /** An image of a request: its encoded bytes, a name for errors, and the message it is attached to. */
    public record Image(byte[] bytes, String name, int message) {}

    /**
     * A conversation to answer: the messages (system, user, assistant turns) and its images, each
     * placed after a newline at the end of the message it is attached to (a user turn), in order.
     */
    public record Request(List<ChatMessage> messages, List<Image> images) {
        public Request {
            messages = List.copyOf(messages);
            images = List.copyOf(images);
            if (messages.isEmpty()) throw new IrisException("a request needs at least one message");
            for (Image i : images) {
                if (i.message() < 0 || i.message() >= messages.size()) {
                    throw new IrisException("image " + i.name() + " is attached to message " + i.message() + " of " + messages.size());
                }
            }
        }

        /** A conversation with at most one image, attached to message {@code imageMessage}. */
        public Request(List<ChatMessage> messages, Optional<byte[]> image, String imageName, int imageMessage) {
            this(messages, image.map(b -> List.of(new Image(b, imageName, imageMessage))).orElse(List.of()));
        }

        /** The message each image is attached to, in the images' order. */
        public List<Integer> imageMessages() {
            return images.stream().map(Image::message).toList();
        }

        /** One question, with an optional system turn and image: the layout training uses. */
        public static Request question(Optional<String> system, String question, Optional<byte[]> image, String imageName) {
            List<ChatMessage> m = new ArrayList<>();
            system.ifPresent(s -> m.add(ChatMessage.system(s)));
            m.add(ChatMessage.user(question));
            return new Request(m, image, imageName, m.size() - 1);
        }
    }

    /** The prompt text for a question, with the image block when there is an image (the same layout training uses). */
    public String renderPrompt(String question, boolean withImage, Optional<String> system) {
        return render(Request.question(system, question, withImage ? Optional.of(new byte[0]) : Optional.empty(), ""));
    }

    /** The prompt text of a request, ending where the answer starts. */
    public String render(Request r) {
        ChatTemplate t = parts.llm().chatTemplate();
        List<ChatMessage> messages = new ArrayList<>(r.messages());
        if (parts.fusion().placesTokensInPrompt()) {
            for (Image image : r.images()) {
                ChatMessage m = messages.get(image.message());
                messages.set(image.message(), new ChatMessage(m.role(), t.withImage(m.content(), parts.fusion().imageTokens())));
            }
        }
        return t.render(messages, true);
    }

    /** The prompt's token ids (for limits: the prompt must fit the model's context). */
    public long[] promptIds(Request r) {
        return parts.llm().tokenizer().encode(render(r));
    }

    /** The longest context the model supports. */
    public int contextLength() {
        return parts.llm().maxPositions();
    }

    /**
     * Generates an answer. {@code image} is an encoded PNG/JPEG (or empty for text only);
     * {@code onText} receives text as it becomes complete.
     */
    public GenerationResult generate(Optional<byte[]> image, String imageName, String question, GenerateConfig cfg, Consumer<String> onText) {
        return generate(image, imageName, question, cfg, onText, false);
    }

    /**
     * As {@link #generate(Optional, String, String, GenerateConfig, Consumer)}; with {@code recompute}
     * every step runs the whole sequence again instead of using the KV cache (for checking the
     * cache, and for comparing with loops that have none).
     */
    public GenerationResult generate(Optional<byte[]> image, String imageName, String question, GenerateConfig cfg,
                                     Consumer<String> onText, boolean recompute) {
        return generate(Request.question(cfg.system(), question, image, imageName), cfg, onText, recompute);
    }

    /**
     * Answers a request. {@code onText} receives text as it becomes complete; if it throws,
     * generation stops at once and the exception propagates (a server uses this when its client
     * goes away). {@code cfg.system()} is not used here: the request carries its own messages.
     */
    public GenerationResult generate(Request request, GenerateConfig cfg, Consumer<String> onText, boolean recompute) {
        LanguageModel llm = parts.llm();
        TextTokenizer tok = llm.tokenizer();
        double encodeMs = 0;
        Tensor imageRep = null;
        if (!request.images().isEmpty()) {
            long t0 = System.nanoTime();
            List<Tensor> pixels = new ArrayList<>();
            for (Image image : request.images()) pixels.add(parts.vision().preprocess(image.bytes(), image.name()));
            imageRep = encodeImages(pixels);
            encodeMs = (System.nanoTime() - t0) / 1e6;
        }
        long[] ids = tok.encode(render(request));
        int pads = imageTokensIn(ids);
        int expected = expectedImageTokens(request);
        if (pads != expected) {
            throw new IrisException("the prompt carries " + pads + " image pad tokens but its " + request.images().size() + " image(s) give " + expected
                    + " image tokens (a question must not contain " + llm.imageToken().text() + ")");
        }
        int context = llm.maxPositions();
        if (ids.length >= context) {
            throw new IrisException("the prompt is " + ids.length + " tokens long, but the model's context is " + context + " tokens");
        }
        Sampler sampler = new Sampler(new Sampler.Settings(cfg.temperature(), cfg.topK(), cfg.topP(), cfg.repetitionPenalty(), cfg.seed()), llm.vocabSize());
        for (long id : ids) sampler.observe(id);

        long t0 = System.nanoTime();
        int[] imageStarts = imageRep != null && parts.fusion().readsImageRows()
                ? ImageRows.starts(parts.fusion(), llm.chatTemplate(), tok, request.messages(), request.imageMessages(), ids) : null;
        Map<String, Tensor> out = prefill(ids, ids.length, imageRep, imageStarts);
        double prefillMs = (System.nanoTime() - t0) / 1e6;

        // a fusion that reads the image at every step (B) gets its (cached) representation at each
        // one; otherwise the prompt held the image and steps feed an empty one; without an image,
        // a fusion reading every step decodes without its image input
        boolean everyStep = parts.fusion().readsImageEveryStep();
        GraphSession stepSession = everyStep && imageRep == null ? textSession() : languageSession();
        Tensor stepImage = everyStep ? imageRep : noImage();
        Tensor stepRows = imageStarts != null ? ImageRows.decodeStep(imageStarts, parts.vision().tokens()) : null;
        ActiveSequence seq = new ActiveSequence(stepSession, stepImage, stepRows, sampler, llm.stopTokenIds(), cfg.maxNewTokens(), context, ids.length);
        StreamingDetokenizer detok = new StreamingDetokenizer(tok);
        List<Long> generated = new ArrayList<>();
        List<Double> stepMs = new ArrayList<>();
        ActiveSequence.Step step = seq.first(out.get(LOGITS).toFloats());
        boolean submitted = false;
        try {
            while (true) {
                if (step.error() != null) throw step.error();
                generated.add(step.token());
                if (submitted || recompute) stepMs.add(step.stepMs());
                if (!"stop".equals(step.finish())) {
                    String piece = detok.push((int) step.token());
                    if (!piece.isEmpty()) onText.accept(piece);
                }
                if (step.finish() != null) break;
                if (recompute) {
                    long s0 = System.nanoTime();
                    long[] all = Arrays.copyOf(ids, ids.length + generated.size());
                    for (int i = 0; i < generated.size(); i++) all[ids.length + i] = generated.get(i);
                    out = prefill(all, ids.length, imageRep, imageStarts);
                    step = seq.fed(out.get(LOGITS).toFloats(), (System.nanoTime() - s0) / 1e6);
                    continue;
                }
                if (!submitted) {
                    batcher().submit(seq, out);
                    out = null;   // the batch holds the cache now
                    submitted = true;
                }
                step = seq.take();
            }
        } finally {
            seq.cancel();   // a no-op once finished; stops the decode steps when onText threw
        }
        String rest = detok.flush();
        if (!rest.isEmpty()) onText.accept(rest);
        return new GenerationResult(detok.text(), ids, generated.stream().mapToLong(Long::longValue).toArray(), step.finish(),
                encodeMs, prefillMs, stepMs);
    }

    /** The most generations one decode step has served so far (concurrent requests share steps). */
    public int largestDecodeBatch() {
        return batcher().largestBatch();
    }

    /** Generations decoding now. */
    public int decoding() {
        return batcher().active();
    }

    private synchronized DecodeBatcher batcher() {
        if (batcher == null) {
            refuseIfClosed();
            batcher = new DecodeBatcher(parts.llm().layers(), compute);
        }
        return batcher;
    }

    private void refuseIfClosed() {
        if (closed) throw new IrisException("the model was closed");
    }

    /**
     * Runs a graph under the model's compute lock (one model run at a time: they would share the
     * same cores). A run never starts once the model is closed, so closing never frees a session
     * that a run is using.
     */
    private Map<String, Tensor> run(GraphSession session, Map<String, Tensor> feeds) {
        compute.lock();
        try {
            refuseIfClosed();
            return session.run(feeds);
        } finally {
            compute.unlock();
        }
    }

    /**
     * Runs a whole sequence from an empty cache; logits for its last position.
     *
     * @param prompt how many of {@code ids} are the prompt: generated tokens after it are text, whatever their id
     * @param imageStarts per image the first position at or after its place (for a fusion that reads image rows, else null)
     */
    private Map<String, Tensor> prefill(long[] ids, int prompt, Tensor imageRep, int[] imageStarts) {
        Map<String, Tensor> feeds = new HashMap<>();
        int t = ids.length;
        Fusion fusion = parts.fusion();
        long[] splice = imageRep != null && fusion.placesTokensInPrompt() ? PrefillFeeds.spliceIndex(ids, prompt, parts.llm().imageToken().id()) : PrefillFeeds.identity(t);
        feeds.put(IDS, Tensor.ofLongs(PrefillFeeds.embeddable(ids, splice), 1, t));
        feeds.put(POSITIONS, PrefillFeeds.positions(0, t));
        feeds.put(MASK, PrefillFeeds.causalMask(0, t));
        emptyCache(feeds);
        feeds.put(ROWS, Tensor.ofLongs(new long[] {t - 1}, 1));
        if (imageRep == null && fusion.readsImageEveryStep()) return run(textSession(), feeds);
        feeds.put(IMAGE, imageRep != null ? imageRep : noImage());
        feeds.put(SPLICE, Tensor.ofLongs(splice, 1, t));
        if (fusion.readsImageRows()) feeds.put(ImageRows.INPUT, ImageRows.flags(t, imageStarts != null ? imageStarts : new int[0], parts.vision().tokens()));
        return run(languageSession(), feeds);
    }

    private Tensor noImage() {
        return Tensor.zeros(DType.F32, 1, 0, parts.llm().hiddenSize());
    }

    /** How many image tokens a request's prompt must carry: the fusion's count per image. */
    public int expectedImageTokens(Request request) {
        return parts.fusion().placesTokensInPrompt() ? request.images().size() * parts.fusion().imageTokens() : 0;
    }

    /**
     * How many image tokens prompt ids carry (text that spells the image token counts too); 0 for a
     * fusion that places none, whose prompts never hold image positions.
     */
    public int imageTokensIn(long[] ids) {
        if (!parts.fusion().placesTokensInPrompt()) return 0;
        long pad = parts.llm().imageToken().id();
        int n = 0;
        for (long id : ids) if (id == pad) n++;
        return n;
    }

    private void emptyCache(Map<String, Tensor> feeds) {
        LanguageModel llm = parts.llm();
        for (int l = 0; l < llm.layers(); l++) {
            feeds.put("past_key." + l, Tensor.zeros(DType.F32, 1, llm.kvHeads(), 0, llm.headDim()));
            feeds.put("past_value." + l, Tensor.zeros(DType.F32, 1, llm.kvHeads(), 0, llm.headDim()));
        }
    }

    /**
     * Closes the model once nothing runs in it: later runs are refused (their generations end with
     * an error at the next step boundary), the decode thread finishes its step and stops, and the
     * image encoding or prefill under way finishes before the sessions are freed. Freeing a session
     * under a running ONNX Runtime call would crash the process.
     */
    @Override
    public void close() {
        DecodeBatcher b;
        synchronized (this) {
            if (closed) return;
            closed = true;
            b = batcher;
        }
        if (b != null) b.close();   // joins the decode thread: its step under way ends first
        compute.lock();              // waits for an encode or prefill under way; none starts after it
        try {
            synchronized (this) {
                for (GraphSession s : new GraphSession[] {imageSession, languageSession, textSession}) if (s != null) s.close();
                imageSession = languageSession = textSession = null;
                batcher = null;
                parts.close();
            }
        } finally {
            compute.unlock();
        }
    }
}
