package dev.iris.testkit;

import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.spi.VisionEncoderProvider;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** What a vision plugin's tests share: ViT test weights, a context that reads no weights, preset folders, a test picture. */
public final class VisionFixtures {
    private VisionFixtures() {}

    /** A plugin context for creating an encoder, which must read no weights then. */
    public static final PluginContext NO_WEIGHTS = new PluginContext() {
        @Override
        public WeightSource openWeights(Path fileOrFolder) {
            throw new AssertionError("the encoder reads no weights when created");
        }
    };

    /**
     * Random ViT weights (SigLIP, CLIP) by Hugging Face name: norm gains around 1, biases and a class
     * embedding small, other weights large enough that the activation and softmax work off their
     * linear range (a conv kernel's fan-in is C*p*p).
     */
    public static final TestWeights.Init VIT_INIT = (name, shape, r) -> {
        boolean norm = name.contains("layer_norm") || name.contains("layrnorm") || name.contains("layernorm");
        if (norm && name.endsWith(".weight")) return 1 + 0.2 * r.nextGaussian();
        if (name.endsWith(".bias") || name.endsWith("class_embedding")) return 0.1 * r.nextGaussian();
        long fanIn = shape.length == 4 ? Tensor.numel(shape) / shape[0] : shape[shape.length - 1];
        return r.nextGaussian() / Math.sqrt(fanIn) * 1.5;
    };

    /** Qualified weights ({@code group/name}) to checkpoint names and double values, for a plain-Java forward. */
    public static Map<String, double[]> checkpoint(Map<String, Tensor> qualified) {
        Map<String, double[]> w = new LinkedHashMap<>();
        qualified.forEach((q, t) -> w.put(q.substring(q.indexOf('/') + 1), t.toDoubles()));
        return w;
    }

    /** Writes the files of {@code provider}'s {@code preset} into the new folder {@code dir/preset}. */
    public static Path writePreset(VisionEncoderProvider provider, Path dir, String preset) throws IOException {
        Path folder = Files.createDirectories(dir.resolve(preset));
        for (Map.Entry<String, String> e : provider.presetFiles(preset).entrySet()) {
            Files.writeString(folder.resolve(e.getKey()), e.getValue());
        }
        return folder;
    }

    /** A quickstart-like picture: a red square and a blue disc on grey, 100 x 80 (wider than tall, not a model's size). */
    public static BufferedImage shapesPicture() {
        BufferedImage img = new BufferedImage(100, 80, BufferedImage.TYPE_INT_RGB);
        Graphics2D gfx = img.createGraphics();
        gfx.setColor(Color.GRAY);
        gfx.fillRect(0, 0, 100, 80);
        gfx.setColor(Color.RED);
        gfx.fillRect(10, 10, 30, 30);
        gfx.setColor(Color.BLUE);
        gfx.fillOval(55, 35, 35, 35);
        gfx.dispose();
        return img;
    }

    /** The description of {@code encoder} on pixels {@code [batch, 3, S, S]} with one output, {@code features}. */
    public static Graph encodeGraph(VisionEncoder encoder) {
        GraphBuilder g = new GraphBuilder();
        long s = encoder.imageSize();
        Value pixels = g.input("pixels", DType.F32, "batch", 3L, s, s);
        g.output("features", encoder.encode(g, pixels));
        return g.build();
    }

    /** The largest difference between a run's [1, T, D] output and the expected rows [T][D]. */
    public static double maxDiff(float[] got, double[][] expected) {
        int d = expected[0].length;
        if (got.length != expected.length * d) {
            throw new AssertionError("output has " + got.length + " values, expected " + expected.length + " x " + d);
        }
        double max = 0;
        for (int t = 0; t < expected.length; t++) for (int j = 0; j < d; j++) {
            max = Math.max(max, Math.abs(got[t * d + j] - expected[t][j]));
        }
        return max;
    }
}
