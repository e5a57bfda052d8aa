package dev.iris.testkit;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Init;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.Tensor;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.Map;

/**
 * Every pixel a token: its three channels through one linear layer. With {@code mixesChannels}
 * the graph reads the pixel planes as if they were interleaved (the bug the naive comparison must catch).
 */
final class SampleVisionEncoder implements VisionEncoder {
    static final int SIZE = 4, WIDTH = 5, TOKENS = SIZE * SIZE;
    private final boolean mixesChannels;

    SampleVisionEncoder(boolean mixesChannels) {
        this.mixesChannels = mixesChannels;
    }

    @Override
    public Tensor preprocess(BufferedImage image) {
        BufferedImage small = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = small.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(image, 0, 0, SIZE, SIZE, null);
        g.dispose();
        float[] px = new float[3 * TOKENS];
        for (int y = 0; y < SIZE; y++) for (int x = 0; x < SIZE; x++) {
            int rgb = small.getRGB(x, y);
            for (int c = 0; c < 3; c++) px[c * TOKENS + y * SIZE + x] = ((rgb >> (16 - 8 * c)) & 0xff) / 127.5f - 1;
        }
        return Tensor.ofFloats(px, 3, SIZE, SIZE);
    }

    @Override public int imageSize() { return SIZE; }
    @Override public int tokens() { return TOKENS; }
    @Override public int hiddenSize() { return WIDTH; }

    @Override
    public Value encode(GraphBuilder g, Value pixels) {
        Value tokens = mixesChannels ? g.reshape(pixels, 0, TOKENS, 3) : g.transpose(g.reshape(pixels, 0, 3, TOKENS), 0, 2, 1);
        return g.linear(tokens, g.weight("vision", "proj.weight", Init.normal(0.5), WIDTH, 3), g.weight("vision", "proj.bias", Init.zeros(), WIDTH));
    }

    static double[][] naive(Map<String, Tensor> w, double[] pixels) {
        double[] wt = w.get("vision/proj.weight").toDoubles(), b = w.get("vision/proj.bias").toDoubles();
        double[][] out = new double[TOKENS][WIDTH];
        for (int t = 0; t < TOKENS; t++) for (int o = 0; o < WIDTH; o++) {
            double s = b[o];
            for (int c = 0; c < 3; c++) s += wt[o * 3 + c] * pixels[c * TOKENS + t];
            out[t][o] = s;
        }
        return out;
    }
}
