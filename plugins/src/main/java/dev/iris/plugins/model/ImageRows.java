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
import java.util.Arrays;
import java.util.List;

/**
 * The {@code image_rows} input of a fusion that {@link Fusion#readsImageRows() reads image rows}:
 * per position and image token, 1 when the position reads that image. An image is read from its
 * place in the prompt up to the next image's place (images attached at the same place are read
 * together, and the last ones by every generated token), as Mllama's cross-attention mask does.
 * An image's place is where it is attached: the end of the content of the message that carries it
 * (where a fusion that places tokens would write its image block). The host finds it the same way
 * for training samples and for prompts, from the chat template and the tokenizer alone.
 */
public final class ImageRows {
    /** The graph input's name: [batch, seq, image tokens], F32. */
    public static final String INPUT = "image_rows";

    // private-use characters: a chat template writes them as they are, and no real text holds them
    private static final String MARKER = "\uE000iris-image\uE001";

    private ImageRows() {}

    /**
     * The fusion's work between layers for a graph: with the {@code image_rows} input when the
     * fusion reads it (shape [batch, "seq", "image_tokens"]), else without.
     */
    public static LanguageModel.LayerHook hook(GraphBuilder g, Fusion fusion, Value image, Object batch) {
        if (!fusion.readsImageRows()) return fusion.layerHook(g, image);
        return fusion.layerHook(g, image, g.input(INPUT, DType.F32, batch, "seq", "image_tokens"));
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

    /**
     * Per image, the first token of {@code ids} at or after its place: {@link #start} of the message
     * each image is attached to ({@code imageMessages}, one entry per image, in order), found in the
     * prompt that ends with that message (the turns after it do not move its place).
     */
    public static int[] starts(ChatTemplate template, TextTokenizer tokenizer, List<ChatMessage> messages, List<Integer> imageMessages,
                               long[] ids) {
        int[] out = new int[imageMessages.size()];
        java.util.Map<Integer, Integer> byMessage = new java.util.HashMap<>();
        for (int i = 0; i < out.length; i++) {
            out[i] = byMessage.computeIfAbsent(imageMessages.get(i), m -> start(template, tokenizer, messages.subList(0, m + 1), m, ids));
        }
        return out;
    }

    /**
     * Writes which image tokens positions {@code 0..length-1} of one sequence read into {@code out}
     * from {@code offset} on, as [length, slots * tokensPerImage]: image i (of {@code starts.length}
     * &le; slots) from its start until a later image starts; slots past the images stay 0.
     */
    public static void write(float[] out, int offset, int length, int[] starts, int tokensPerImage, int slots) {
        int width = slots * tokensPerImage;
        for (int p = 0; p < length; p++) {
            int latest = latestStart(starts, p);
            if (latest < 0) continue;
            for (int i = 0; i < starts.length; i++) {
                if (starts[i] != latest) continue;
                int at = offset + p * width + i * tokensPerImage;
                Arrays.fill(out, at, at + tokensPerImage, 1f);
            }
        }
    }

    /** The greatest image start at or before position {@code p}, or -1 when no image comes before it. */
    private static int latestStart(int[] starts, int p) {
        int latest = -1;
        for (int s : starts) if (s <= p && s > latest) latest = s;
        return latest;
    }

    /** Rows [1, length, images * tokensPerImage] of one prompt. */
    public static Tensor flags(int length, int[] starts, int tokensPerImage) {
        float[] f = new float[length * starts.length * tokensPerImage];
        write(f, 0, length, starts, tokensPerImage, starts.length);
        return Tensor.ofFloats(f, 1, length, (long) starts.length * tokensPerImage);
    }

    /** Rows [1, 1, images * tokensPerImage] of a decode step: a generated token reads the images the prompt's end reads. */
    public static Tensor decodeStep(int[] starts, int tokensPerImage) {
        int last = Arrays.stream(starts).max().orElseThrow();
        float[] f = new float[starts.length * tokensPerImage];
        for (int i = 0; i < starts.length; i++) if (starts[i] == last) Arrays.fill(f, i * tokensPerImage, (i + 1) * tokensPerImage, 1f);
        return Tensor.ofFloats(f, 1, 1, f.length);
    }
}
