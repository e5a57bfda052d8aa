package dev.iris.plugins.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.iris.api.IrisException;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.runtime.onnx.OnnxExport;
import dev.iris.runtime.session.SessionFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code iris export --format onnx}: writes a model's inference graphs as standalone ONNX files
 * that plain ONNX Runtime runs in any language, their float32 weights as standard external data in
 * one shared {@value #WEIGHTS} file, the language model's tokenizer files and the vision folder's
 * {@code preprocessor_config.json}, and {@value #MANIFEST}: each graph's inputs and outputs and
 * how to feed them, the image processor, the chat template and the stop tokens.
 */
public final class OnnxExporter {
    public static final String MANIFEST = "iris-onnx.json", WEIGHTS = "weights.data";
    public static final String IMAGE_GRAPH = "image.onnx", LANGUAGE_GRAPH = "language.onnx", TEXT_GRAPH = "text.onnx";
    /** Stands for the user's text in the manifest's prompt templates. */
    public static final String QUESTION = "{question}", SYSTEM = "{system}";
    static final String PREPROCESSOR = "preprocessor_config.json";

    /** What was written: the folder, its files, the weights stored and their bytes. */
    public record Written(Path folder, List<String> files, int weights, long weightBytes) {}

    private OnnxExporter() {}

    /** Writes {@code model} (loaded from {@code config}) into {@code out}, which must not exist or be empty. */
    public static Written export(IrisConfig config, VisionLanguageModel model, Path out) {
        Written w = ModelFolders.writeNew(out, "--out", tmp -> write(config, model, tmp));
        return new Written(out, w.files(), w.weights(), w.weightBytes());
    }

    private static Written write(IrisConfig config, VisionLanguageModel model, Path out) {
        ModelParts parts = model.parts();
        SessionFactory sessions = model.sessions();
        List<String> files = new ArrayList<>();
        Map<String, Object> graphs = new LinkedHashMap<>();
        try (OnnxExport export = new OnnxExport(out, WEIGHTS)) {
            graphs.put("image", graph(sessions.export(parts.adapt(InferenceGraphs.image(parts)), export, IMAGE_GRAPH), IMAGE_GRAPH));
            graphs.put("language", graph(sessions.export(parts.adapt(InferenceGraphs.language(parts, true)), export, LANGUAGE_GRAPH), LANGUAGE_GRAPH));
            files.addAll(List.of(IMAGE_GRAPH, LANGUAGE_GRAPH));
            if (parts.fusion().readsImageEveryStep()) {
                graphs.put("text", graph(sessions.export(parts.adapt(InferenceGraphs.language(parts, false)), export, TEXT_GRAPH), TEXT_GRAPH));
                files.add(TEXT_GRAPH);
            }
            files.add(WEIGHTS);
            try {
                List<String> tokenizer = copyTokenizer(ModelParts.folderOf(config.llm()), out);
                files.addAll(tokenizer);
                Path pre = ModelParts.folderOf(config.vision()).resolve(PREPROCESSOR);
                JsonNode processor = null;
                if (Files.isRegularFile(pre)) {
                    Files.copy(pre, out.resolve(PREPROCESSOR));
                    files.add(PREPROCESSOR);
                    processor = new ObjectMapper().readTree(pre.toFile());
                }
                Map<String, Object> manifest = manifest(parts, graphs, tokenizer, processor, export.weights());
                new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve(MANIFEST).toFile(), manifest);
                files.add(MANIFEST);
            } catch (IOException e) {
                throw new IrisException("cannot write the export to " + out + ": " + e.getMessage(), e);
            }
            return new Written(out, List.copyOf(files), export.weights(), export.dataBytes());
        }
    }

    private static Map<String, Object> graph(OnnxExport.Signature s, String file) {
        Map<String, Object> g = new LinkedHashMap<>();
        g.put("file", file);
        g.put("inputs", s.inputs());
        g.put("outputs", s.outputs());
        return g;
    }

    private static Map<String, Object> manifest(ModelParts parts, Map<String, Object> graphs, List<String> tokenizer, JsonNode processor,
                                                int weights) {
        LanguageModel llm = parts.llm();
        Fusion fusion = parts.fusion();
        ChatTemplate t = llm.chatTemplate();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "iris-onnx");
        m.put("version", 1);
        m.put("fusion", parts.fusionType());
        m.put("weights_file", WEIGHTS);
        m.put("weights", weights);
        m.put("graphs", graphs);

        Map<String, Object> lm = new LinkedHashMap<>();
        lm.put("layers", llm.layers());
        lm.put("kv_heads", llm.kvHeads());
        lm.put("head_dim", llm.headDim());
        lm.put("hidden_size", llm.hiddenSize());
        lm.put("vocab_size", llm.vocabSize());
        lm.put("max_positions", llm.maxPositions());
        lm.put("stop_token_ids", llm.stopTokenIds().stream().sorted().toList());
        m.put("language_model", lm);

        Map<String, Object> image = new LinkedHashMap<>();
        image.put("places_tokens_in_prompt", fusion.placesTokensInPrompt());
        image.put("tokens_per_image", fusion.imageTokens());
        image.put("read_every_step", fusion.readsImageEveryStep());
        image.put("reads_image_rows", fusion.readsImageRows());
        if (fusion.readsImageRows()) {
            image.put("image_rows_per_image", parts.vision().tokens());
            image.put("image_reach", fusion.imageReach().name().toLowerCase(java.util.Locale.ROOT));
        }
        m.put("image", image);

        Map<String, Object> pre = new LinkedHashMap<>();
        pre.put("image_size", parts.vision().imageSize());
        pre.put("layout", "pixels [images, 3, image_size, image_size], float32, RGB, channels first");
        pre.put("preprocessor_config", processor);
        if (processor == null) pre.put("note", "the vision folder has no " + PREPROCESSOR + ": the vision plugin's own defaults were used");
        m.put("image_processor", pre);

        Map<String, Object> chat = new LinkedHashMap<>();
        chat.put("tokenizer_files", tokenizer);
        chat.put("image_token", Map.of("text", llm.imageToken().text(), "id", llm.imageToken().id()));
        chat.put("image_block", fusion.placesTokensInPrompt() ? t.imageBlock(fusion.imageTokens()) : "");
        chat.put("image_block_placement", fusion.placesTokensInPrompt()
                ? "appended to the content of the user message the image belongs to, after a newline" : "none: the prompt holds no image tokens");
        chat.put("end_of_turn", t.endOfTurn());
        chat.put("text_prompt", t.render(List.of(ChatMessage.user(QUESTION)), true));
        chat.put("image_prompt", t.render(List.of(ChatMessage.user(fusion.placesTokensInPrompt()
                ? t.withImage(QUESTION, fusion.imageTokens()) : QUESTION)), true));
        chat.put("system_text_prompt", t.render(List.of(ChatMessage.system(SYSTEM), ChatMessage.user(QUESTION)), true));
        m.put("chat_template", chat);
        m.put("feeding", FEEDING);
        return m;
    }

    /** How to run the graphs, in the manifest: what Iris's own generation does. */
    static final List<String> FEEDING = List.of(
            "image.onnx: pixels [n, 3, S, S] holds a prompt's n images in order, each preprocessed as image_processor says; its output 'image' is the prompt's image representation.",
            "language.onnx runs the prompt (prefill) and then one token per step (decode) with a KV cache; text.onnx (present when image.read_every_step) is the same graph without the image inputs, for prompts without an image.",
            "prefill of T prompt tokens: ids [1, T] the prompt's token ids with every image token replaced by 0; positions [1, T] = 0..T-1; mask [1, 1, T, T] additive causal mask (0 where key <= query, -inf above the diagonal); past_key.L and past_value.L [1, kv_heads, 0, head_dim] (empty); logit_rows [1] = {T-1}.",
            "splice [1, T]: for each position its row in [text rows; image rows]: i for a text position, T + k for the k-th image token of the prompt.",
            "image: the output of image.onnx; a prompt without an image gives [1, 0, hidden_size] zeros when the fusion places tokens in the prompt (when image.read_every_step, run text.onnx instead, which has no image, splice or image_rows input).",
            "image_rows [1, T, n * image_rows_per_image] (only when image.reads_image_rows): 1.0 where a position reads that image token: image_reach every_position: every position reads every image; from_place: an image is read from the first token after the end of the user message that carries it until a later image's place.",
            "decode step after P tokens: ids [1, 1] the last token; positions [[P]]; mask [1, 1, 1, P + 1] zeros; past_key.L/past_value.L the previous run's present_key.L/present_value.L; logit_rows [0]; splice [[0]]; image: the same representation when image.read_every_step, else [1, 0, hidden_size] zeros; image_rows [1, 1, width]: the row of the prompt's last position.",
            "logits [rows, vocab_size]: greedy decoding takes the argmax (the first on ties); generation ends after a stop token (language_model.stop_token_ids), max_new_tokens, or when the sequence reaches max_positions.");

    /** The language model folder's tokenizer files, copied as they are. */
    private static List<String> copyTokenizer(Path llm, Path out) throws IOException {
        List<String> copied = new ArrayList<>();
        try (Stream<Path> s = Files.list(llm)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String n = f.getFileName().toString();
                if (n.startsWith("tokenizer") || n.equals("special_tokens_map.json") || n.equals("vocab.json") || n.equals("merges.txt")) {
                    Files.copy(f, out.resolve(n));
                    copied.add(n);
                }
            }
        }
        if (copied.isEmpty()) throw new IrisException("the language model folder " + llm + " has no tokenizer files to export");
        return List.copyOf(copied);
    }
}
