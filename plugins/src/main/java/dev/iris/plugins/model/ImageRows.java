package dev.iris.plugins.model;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.spi.Fusion;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.text.ChatMessage;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code image_rows} input of a fusion that {@link Fusion#readsImageRows() reads image rows}:
 * per position 1 when it comes at or after the image's place in the prompt, else 0. The image's
 * place is where the image is attached: the end of the content of the message that carries it
 * (where a fusion that places tokens would write its image block). The host finds it the same way
 * for training samples and for prompts, from the chat template and the tokenizer alone.
 */
public final class ImageRows {
    /** The graph input's name: [batch, seq, 1], F32. */
    public static final String INPUT = "image_rows";

    // private-use characters: a chat template writes them as they are, and no real text holds them
    private static final String MARKER = "\uE000iris-image\uE001";

    private ImageRows() {}

    /**
     * The fusion's work between layers for a graph: with the {@code image_rows} input when the
     * fusion reads it (shape [batch, "seq", 1]), else without.
     */
    public static LanguageModel.LayerHook hook(GraphBuilder g, Fusion fusion, Value image, Object batch) {
        if (!fusion.readsImageRows()) return fusion.layerHook(g, image);
        return fusion.layerHook(g, image, g.input(INPUT, DType.F32, batch, "seq", 1L));
    }

    /**
     * The first token of {@code promptIds} at or after the image's place: the end of message
     * {@code imageMessage}'s content in the prompt {@code messages} render to (with the generation
     * prompt). The text before the place is tokenized on its own; a token that straddles the place
     * counts as before it.
     */
    public static int start(ChatTemplate template, TextTokenizer tokenizer, List<ChatMessage> messages, int imageMessage, long[] promptIds) {
        String real = template.render(messages, true);
        List<ChatMessage> marked = new ArrayList<>(messages);
        ChatMessage m = marked.get(imageMessage);
        marked.set(imageMessage, new ChatMessage(m.role(), m.content() + MARKER));
        String withMarker = template.render(marked, true);
        int at = withMarker.indexOf(MARKER);
        if (at < 0) throw new IllegalStateException("the chat template dropped the content of message " + imageMessage + " (role " + m.role() + ")");
        // a template may change the content's end (Llama 3 strips trailing whitespace): keep what both texts share
        int common = 0, limit = Math.min(at, real.length());
        while (common < limit && withMarker.charAt(common) == real.charAt(common)) common++;
        if (common > 0 && Character.isHighSurrogate(real.charAt(common - 1))) common--;
        long[] before = tokenizer.encode(real.substring(0, common));
        int n = 0;
        while (n < before.length && n < promptIds.length && before[n] == promptIds[n]) n++;
        return n;
    }

    /** Flags [1, length, 1]: 1 from {@code start} on. */
    public static Tensor flags(int length, int start) {
        float[] f = new float[length];
        for (int i = Math.max(0, start); i < length; i++) f[i] = 1;
        return Tensor.ofFloats(f, 1, length, 1);
    }

    /** Flags [rows, 1, 1] of ones: a decode step's tokens all come after the prompt's image. */
    public static Tensor decodeStep(int rows) {
        float[] f = new float[rows];
        java.util.Arrays.fill(f, 1);
        return Tensor.ofFloats(f, rows, 1, 1);
    }
}
