package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.LanguageModelProvider;
import dev.iris.api.spi.Provider;
import dev.iris.api.spi.ProviderKind;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.ConfigLoader;
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
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * {@code iris init}: writes model folders in Hugging Face format with seeded random weights.
 * A plugin supplies the folder's text files for a preset; the host then opens the model,
 * asks its description which weights it needs, and fills each one (norm scales 1, biases 0,
 * other tensors normal with std 0.02, as Hugging Face initialises these models).
 */
public final class ModelInit {
    private ModelInit() {}

    /** What was written: model folders by role ({@code vision}, {@code llm}) and the config when both were made. */
    public record Written(Map<String, Path> folders, Path config) {}

    /** Every preset name with the providers that offer it. */
    public static Map<String, List<String>> presets(PluginRegistry registry) {
        Map<String, List<String>> out = new TreeMap<>();
        for (ProviderKind kind : List.of(ProviderKind.VISION, ProviderKind.LLM)) {
            for (Provider p : registry.providers(kind)) {
                for (String preset : p.presets()) out.computeIfAbsent(preset, k -> new ArrayList<>()).add(kind.configKey() + ".type=" + p.type());
            }
        }
        return out;
    }

    /**
     * Writes {@code preset}. A preset offered by both a vision encoder and a language model
     * (such as {@code tiny}) gives {@code out/vision}, {@code out/llm} and {@code out/iris.yaml};
     * one offered by a single provider fills {@code out} itself.
     */
    public static Written write(PluginRegistry registry, String preset, Path out, long seed) {
        VisionEncoderProvider vp = (VisionEncoderProvider) find(registry, ProviderKind.VISION, preset);
        LanguageModelProvider lp = (LanguageModelProvider) find(registry, ProviderKind.LLM, preset);
        if (vp == null && lp == null) {
            throw new IrisException("unknown preset '" + preset + "' (presets: " + presets(registry).keySet() + ")");
        }
        Map<String, Path> folders = new LinkedHashMap<>();
        boolean both = vp != null && lp != null;
        if (vp != null) folders.put("vision", writeModel(vp, preset, both ? out.resolve("vision") : out, seed, true));
        if (lp != null) folders.put("llm", writeModel(lp, preset, both ? out.resolve("llm") : out, seed + 1, false));
        Path config = null;
        if (both) {
            config = out.resolve("iris.yaml");
            writeText(config, """
                    # written by `iris init --preset %s`: random weights, for trying Iris out
                    model:
                      vision: { type: %s, path: vision }
                      llm:    { type: %s, path: llm }
                      fusion: { type: projector, merge: sequential, factor: 4 }
                    runtime: { device: cpu, threads: 2 }
                    generate: { max_new_tokens: 32, temperature: 0.0 }
                    """.formatted(preset, vp.type(), lp.type()));
        }
        return new Written(folders, config);
    }

    private static Provider find(PluginRegistry registry, ProviderKind kind, String preset) {
        for (Provider p : registry.providers(kind)) if (p.presets().contains(preset)) return p;
        return null;
    }

    private static Path writeModel(Provider provider, String preset, Path folder, long seed, boolean vision) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new IrisException("cannot create " + folder + ": " + e.getMessage(), e);
        }
        provider.presetFiles(preset).forEach((name, text) -> writeText(folder.resolve(name), text));
        String yaml = "model:\n  " + (vision ? "vision" : "llm") + ": { type: " + provider.type() + ", path: \"" + folder.toAbsolutePath() + "\" }\n";
        IrisConfig cfg = new ConfigLoader().parse(yaml, "preset " + preset, folder, List.of());
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
