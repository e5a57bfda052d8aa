package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.ModelPreset;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.runtime.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * {@code iris init}: writes model folders in Hugging Face format with seeded random weights.
 * A plugin supplies the folder's text files for a preset; the host then opens the model,
 * asks its description which weights it needs, and fills each one (norm scales 1, biases 0,
 * other tensors normal with std 0.02, as Hugging Face initialises these models). A model preset
 * a plugin declares ({@link ModelPreset}) names the parts of a whole model and their settings; the
 * host writes each part and a config from it, naming no plugin itself.
 */
public final class ModelInit {
    /** The config a model preset's folder holds, beside {@code vision/} and {@code llm/}. */
    public static final String CONFIG_FILE = "iris.yaml";

    private ModelInit() {}

    /** What was written: model folders by role ({@code vision}, {@code llm}) and the config when a whole model was made. */
    public record Written(Map<String, Path> folders, Path config) {}

    /** Every preset name with what it makes: a whole model, or the providers whose part it fills. */
    public static Map<String, List<String>> presets(PluginRegistry registry) {
        Map<String, List<String>> out = new TreeMap<>();
        for (ModelPreset m : modelPresets(registry)) {
            out.computeIfAbsent(m.name(), k -> new ArrayList<>()).add("model: " + String.join(" + ",
                    ModelPreset.PARTS_IN_ORDER.stream().map(kind -> describe(kind, m.part(kind))).toList()));
        }
        for (ProviderKind kind : List.of(ProviderKind.VISION, ProviderKind.LLM)) {
            for (Provider p : registry.providers(kind)) {
                for (String preset : p.presets()) {
                    if (!out.containsKey(preset) || !out.get(preset).get(0).startsWith("model: ")) {
                        out.computeIfAbsent(preset, k -> new ArrayList<>()).add(kind.configKey() + ".type=" + p.type());
                    }
                }
            }
        }
        return out;
    }

    private static String describe(ProviderKind kind, ModelPreset.Part part) {
        return kind.configKey().substring(kind.configKey().indexOf('.') + 1) + " " + part.type() + part.preset().map(p -> " " + p).orElse("");
    }

    /** The model presets the installed plugins declare whose every part's provider (and part preset) is installed. */
    public static List<ModelPreset> modelPresets(PluginRegistry registry) {
        List<ModelPreset> out = new ArrayList<>();
        for (ProviderKind kind : ProviderKind.values()) {
            for (Provider p : registry.providers(kind)) {
                for (ModelPreset m : p.modelPresets()) {
                    if (installed(registry, m)) out.add(m);
                }
            }
        }
        return out;
    }

    /** The model preset {@code name}, if an installed plugin declares one whose parts are installed. */
    public static Optional<ModelPreset> modelPreset(PluginRegistry registry, String name) {
        return modelPresets(registry).stream().filter(m -> m.name().equals(name)).findFirst();
    }

    static boolean installed(PluginRegistry registry, ModelPreset m) {
        for (ProviderKind kind : ModelPreset.PARTS_IN_ORDER) {
            ModelPreset.Part part = m.part(kind);
            Optional<Provider> p = registry.providers(kind).stream().filter(x -> x.type().equals(part.type())).findFirst();
            if (p.isEmpty() || part.preset().isPresent() && !p.get().presets().contains(part.preset().get())) return false;
        }
        return true;
    }

    /**
     * Writes {@code preset}. A model preset gives {@code out/vision}, {@code out/llm} and
     * {@code out/iris.yaml}; a part preset of a single provider fills {@code out} itself (offered by
     * an encoder and a language model both, it fills {@code out/vision} and {@code out/llm}).
     */
    public static Written write(PluginRegistry registry, String preset, Path out, long seed) {
        Optional<ModelPreset> model = modelPreset(registry, preset);
        if (model.isPresent()) return writeModel(registry, model.get(), out, seed);
        VisionEncoderProvider vp = (VisionEncoderProvider) find(registry, ProviderKind.VISION, preset);
        LanguageModelProvider lp = (LanguageModelProvider) find(registry, ProviderKind.LLM, preset);
        if (vp == null && lp == null) {
            throw new IrisException("unknown preset '" + preset + "' (presets: " + presets(registry).keySet() + ")");
        }
        Map<String, Path> folders = new LinkedHashMap<>();
        boolean both = vp != null && lp != null;
        if (vp != null) folders.put("vision", writePart(vp, preset, both ? out.resolve("vision") : out, seed, true));
        if (lp != null) folders.put("llm", writePart(lp, preset, both ? out.resolve("llm") : out, seed + 1, false));
        return new Written(folders, null);
    }

    /** The model preset's parts in {@code out/vision} and {@code out/llm}, then {@code out/iris.yaml} (last: its presence means both are complete). */
    private static Written writeModel(PluginRegistry registry, ModelPreset m, Path out, long seed) {
        Map<String, Path> folders = new LinkedHashMap<>();
        folders.put("vision", writePart(registry.vision(m.vision().type()), m.vision().preset().orElseThrow(), out.resolve("vision"), seed, true));
        folders.put("llm", writePart(registry.llm(m.llm().type()), m.llm().preset().orElseThrow(), out.resolve("llm"), seed + 1, false));
        IrisConfig config = IrisConfig.empty("preset " + m.name(), out).edit()
                .set("model", modelSection(m, Path.of("vision"), Path.of("llm")))
                .set("runtime", Map.of("device", "cpu", "threads", 2))
                .set("generate", Map.of("max_new_tokens", 32, "temperature", 0.0))
                .done();
        Path file = out.resolve(CONFIG_FILE);
        writeText(file, "# written by `iris init --preset " + m.name() + "`: random weights, for trying Iris out\n" + config.toYaml());
        return new Written(folders, file);
    }

    /**
     * The {@code model} section of a model preset whose vision and language-model folders are
     * {@code vision} and {@code llm} (relative ones resolve against the config's folder).
     */
    public static Map<String, Object> modelSection(ModelPreset m, Path vision, Path llm) {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("vision", section(m.vision(), Optional.of(vision)));
        model.put("llm", section(m.llm(), Optional.of(llm)));
        model.put("fusion", section(m.fusion(), Optional.empty()));
        return model;
    }

    private static Map<String, Object> section(ModelPreset.Part part, Optional<Path> folder) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", part.type());
        folder.ifPresent(f -> s.put("path", f.toString()));
        s.putAll(part.settings());
        return s;
    }

    /**
     * Writes one part, the {@code preset} of the {@code kind} provider {@code type}, into {@code folder}
     * ({@code iris init --vision TYPE:PRESET}); errors list the types or that type's presets.
     */
    public static Path writePart(PluginRegistry registry, ProviderKind kind, String type, String preset, Path folder, long seed) {
        Provider p = switch (kind) {
            case VISION -> registry.vision(type);
            case LLM -> registry.llm(type);
            default -> throw new IllegalArgumentException("only vision encoders and language models have folders, not a " + kind.label());
        };
        if (!p.presets().contains(preset)) {
            throw new IrisException(kind.configKey() + ": " + kind.label() + " '" + type + "' has no preset '" + preset + "' (its presets: "
                    + String.join(", ", p.presets()) + ")");
        }
        return writePart(p, preset, folder, seed, kind == ProviderKind.VISION);
    }

    private static Provider find(PluginRegistry registry, ProviderKind kind, String preset) {
        for (Provider p : registry.providers(kind)) if (p.presets().contains(preset)) return p;
        return null;
    }

    private static Path writePart(Provider provider, String preset, Path folder, long seed, boolean vision) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IrisException("cannot create " + folder + ": " + e.getMessage(), e);
        }
        provider.presetFiles(preset).forEach((name, text) -> writeText(folder.resolve(name), text));
        ProviderKind kind = vision ? ProviderKind.VISION : ProviderKind.LLM;
        IrisConfig cfg = IrisConfig.empty("preset " + preset, folder).edit()
                .set(kind.configKey(), Map.of("type", provider.type(), "path", folder.toAbsolutePath().normalize().toString()))
                .done();
        HostContext ctx = new HostContext();
        GraphBuilder g = new GraphBuilder();
        if (vision) {
            VisionEncoder v = ((VisionEncoderProvider) provider).create(cfg.vision(), ctx);
            g.output("features", v.encode(g, g.input("pixels", DType.F32, 1L, 3L, (long) v.imageSize(), (long) v.imageSize())));
        } else {
            LanguageModel m = ((LanguageModelProvider) provider).create(cfg.llm(), ctx);
            Value ids = g.input("ids", DType.I64, 1L, "seq");
            Value decoded = m.decode(g, new LanguageModel.DecoderInput(m.embed(g, ids), g.input("positions", DType.I64, 1L, "seq"),
                    null, List.of(), List.of(), null)).hidden();
            g.output("logits", m.logits(g, decoded));
        }
        Graph graph = g.build();
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        String group = vision ? "vision/" : "llm/";
        graph.weights().forEach((qualified, v) -> {
            String name = qualified.substring(group.length());
            tensors.put(name, randomTensor(name, v.shape().sizes(), random));
        });
        // published checkpoints of real-size models are bf16; tiny ones stay exact in f32
        long params = tensors.values().stream().mapToLong(Tensor::numel).sum();
        DType dtype = params > 50_000_000 ? DType.BF16 : DType.F32;
        SafetensorsWriter.write(folder.resolve("model.safetensors"), tensors, dtype,
                Map.of("format", "pt", "iris.preset", preset, "iris.plugin", provider.type() + " " + provider.version()));
        return folder;
    }

    static Tensor randomTensor(String name, long[] shape, SplittableRandom random) {
        int n = Math.toIntExact(Tensor.numel(shape));
        ByteBuffer b = Tensor.allocate((long) n * 4);
        boolean norm = name.contains("norm") && name.endsWith(".weight");
        if (norm) {
            for (int i = 0; i < n; i++) b.putFloat(i * 4, 1f);
        } else if (!name.endsWith(".bias")) {
            for (int i = 0; i < n; i++) b.putFloat(i * 4, (float) (random.nextGaussian() * 0.02));
        }
        return new Tensor(DType.F32, shape, b);
    }

    private static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IrisException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}
