package dev.iris.common.nn;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import java.util.Locale;

/** The activations of transformer MLPs, named as Hugging Face configs name them ({@code hidden_act}). */
public enum Activation {
    /** GELU with the tanh approximation (SigLIP, GPT-2): {@code gelu_pytorch_tanh}, {@code gelu_tanh}, {@code gelu_new}. */
    GELU_TANH,
    /** {@code x * sigmoid(1.702 x)} (OpenAI CLIP): {@code quick_gelu}. */
    QUICK_GELU,
    /** {@code x * sigmoid(x)} (Llama, Qwen): {@code silu}, {@code swish}. */
    SILU,
    /** Exact GELU {@code 0.5 x (1 + erf(x / sqrt 2))} (some CLIP towers, BERT): {@code gelu}. */
    GELU;

    /** The activation a {@code hidden_act} value names; the error lists the supported ones. */
    public static Activation fromHuggingFace(String hiddenAct) {
        return switch (hiddenAct == null ? "" : hiddenAct.toLowerCase(Locale.ROOT)) {
            case "gelu_pytorch_tanh", "gelu_tanh", "gelu_new" -> GELU_TANH;
            case "quick_gelu" -> QUICK_GELU;
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            default -> throw new IllegalArgumentException("unsupported hidden_act \"" + hiddenAct
                    + "\" (supported: gelu_pytorch_tanh, gelu_tanh, gelu_new, quick_gelu, silu, swish, gelu)");
        };
    }

    public Value apply(GraphBuilder g, Value x) {
        return switch (this) {
            case GELU_TANH -> g.geluTanh(x);
            case QUICK_GELU -> g.mul(x, g.sigmoid(g.mul(x, 1.702)));
            case SILU -> g.silu(x);
            case GELU -> g.mul(g.mul(x, 0.5), g.add(g.erf(g.mul(x, Math.sqrt(0.5))), 1.0));
        };
    }
}
