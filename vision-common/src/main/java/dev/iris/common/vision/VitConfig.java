package dev.iris.common.vision;

import dev.iris.api.json.JsonFields;
import java.util.List;
import java.util.Locale;

/**
 * The settings every Hugging Face ViT-style vision tower config shares (SigLIP's, CLIP's):
 * {@code hidden_size}, {@code intermediate_size}, {@code num_hidden_layers},
 * {@code num_attention_heads}, {@code num_channels}, {@code image_size}, {@code patch_size},
 * {@code layer_norm_eps} and {@code hidden_act}. A family's config record implements it; what
 * differs between families (defaults, activations, where the settings sit in the file) stays there.
 */
public interface VitConfig {
    int hiddenSize();

    int intermediateSize();

    int layers();

    int heads();

    int channels();

    int imageSize();

    int patchSize();

    double layerNormEps();

    String hiddenAct();

    default int headDim() {
        return hiddenSize() / heads();
    }

    /** Patches along one side of the image. */
    default int grid() {
        return imageSize() / patchSize();
    }

    /** Patch tokens per image (without any class token). */
    default int patches() {
        return grid() * grid();
    }

    /** The nine settings as read, before a family wraps them in its own record. */
    record Values(int hiddenSize, int intermediateSize, int layers, int heads, int channels, int imageSize,
                  int patchSize, double layerNormEps, String hiddenAct) implements VitConfig {}

    /**
     * Checks a family record's values: {@code family} (e.g. "CLIP") starts the size message.
     *
     * @throws IllegalArgumentException naming the first setting out of range
     */
    static void check(String family, List<String> activations, int hiddenSize, int intermediateSize, int layers, int heads,
                      int channels, int imageSize, int patchSize, double layerNormEps, String hiddenAct) {
        if (hiddenSize <= 0 || intermediateSize <= 0 || layers <= 0 || heads <= 0 || channels <= 0
                || imageSize <= 0 || patchSize <= 0) {
            throw new IllegalArgumentException(family + " vision sizes must be positive: hidden " + hiddenSize
                    + ", intermediate " + intermediateSize + ", layers " + layers + ", heads " + heads
                    + ", channels " + channels + ", image " + imageSize + ", patch " + patchSize);
        }
        if (!(layerNormEps > 0)) throw new IllegalArgumentException("layer_norm_eps must be positive, got " + layerNormEps);
        if (!activations.contains(hiddenAct)) throw new IllegalArgumentException("unsupported hidden_act \"" + hiddenAct + "\"");
        if (imageSize % patchSize != 0) {
            throw new IllegalArgumentException("image_size " + imageSize + " is not a multiple of patch_size " + patchSize);
        }
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + heads);
        }
    }

    /**
     * Reads the nine settings from one config object, {@code defaults}' values for missing keys.
     *
     * @param activations the {@code hidden_act} values the family computes
     * @param computes    ends the unsupported-activation error, e.g. {@code the CLIP vision tower computes "gelu"}
     * @throws dev.iris.api.config.ConfigException naming the file and the full key
     */
    static Values read(JsonFields f, VitConfig defaults, List<String> activations, String computes) {
        int hidden = f.positiveInt("hidden_size", defaults.hiddenSize());
        int intermediate = f.positiveInt("intermediate_size", defaults.intermediateSize());
        int layers = f.positiveInt("num_hidden_layers", defaults.layers());
        int heads = f.positiveInt("num_attention_heads", defaults.heads());
        int channels = f.positiveInt("num_channels", defaults.channels());
        int image = f.positiveInt("image_size", defaults.imageSize());
        int patch = f.positiveInt("patch_size", defaults.patchSize());
        double eps = f.positiveNumber("layer_norm_eps", defaults.layerNormEps());
        String act = f.string("hidden_act", defaults.hiddenAct());
        if (!activations.contains(act)) {
            throw f.error(f.fullKey("hidden_act") + " \"" + act + "\" is not supported (" + computes + ")");
        }
        if (image % patch != 0) {
            throw f.error(f.fullKey("image_size") + " " + image + " is not a multiple of " + f.fullKey("patch_size") + " " + patch);
        }
        if (hidden % heads != 0) {
            throw f.error(f.fullKey("hidden_size") + " " + hidden + " is not a multiple of "
                    + f.fullKey("num_attention_heads") + " " + heads);
        }
        return new Values(hidden, intermediate, layers, heads, channels, image, patch, eps, act);
    }

    /**
     * A vision-only {@code config.json} as Hugging Face's {@code save_pretrained} writes it for a
     * tower of {@code architecture} (e.g. {@code CLIPVisionModel}) and {@code modelType}.
     */
    static String configJson(VitConfig c, String architecture, String modelType) {
        // Locale.ROOT: JSON needs ASCII digits whatever the user's locale
        return String.format(Locale.ROOT, """
                {
                  "architectures": ["%s"],
                  "model_type": "%s",
                  "hidden_size": %d,
                  "intermediate_size": %d,
                  "num_hidden_layers": %d,
                  "num_attention_heads": %d,
                  "num_channels": %d,
                  "image_size": %d,
                  "patch_size": %d,
                  "hidden_act": "%s",
                  "layer_norm_eps": %s,
                  "attention_dropout": 0.0,
                  "torch_dtype": "float32"
                }
                """, architecture, modelType, c.hiddenSize(), c.intermediateSize(), c.layers(), c.heads(), c.channels(),
                c.imageSize(), c.patchSize(), c.hiddenAct(), Double.toString(c.layerNormEps()));
    }
}
