package dev.iris.fusion.crossattn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import dev.iris.api.spi.LanguageModel;
import dev.iris.api.spi.PluginContext;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.llm.qwen.Qwen2Config;
import dev.iris.llm.qwen.Qwen2LanguageModel;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code type: crossattn} from a config section: what the options default to and what they refuse. */
class CrossAttentionProviderTest {

    /** A config section backed by a map (the host's real implementation lives in plugins). */
    static ComponentConfig section(Map<String, Object> values) {
        InvocationHandler h = (proxy, method, args) -> switch (method.getName()) {
            case "key" -> "model.fusion";
            case "type" -> "crossattn";
            case "values" -> values;
            case "has" -> values.get((String) args[0]) != null;
            case "optString" -> java.util.Optional.ofNullable((String) values.get((String) args[0]));
            case "integer" -> values.containsKey((String) args[0]) ? ((Number) values.get((String) args[0])).intValue() : args[1];
            case "number" -> values.containsKey((String) args[0]) ? ((Number) values.get((String) args[0])).doubleValue() : args[1];
            case "integers" -> values.getOrDefault((String) args[0], args[1]);
            default -> {
                if (method.isDefault()) yield InvocationHandler.invokeDefault(proxy, method, args);
                throw new UnsupportedOperationException(method.getName());
            }
        };
        return (ComponentConfig) Proxy.newProxyInstance(ComponentConfig.class.getClassLoader(), new Class<?>[] {ComponentConfig.class}, h);
    }

    static PluginContext context(double llmEps) {
        LanguageModel llm = new Qwen2LanguageModel(Path.of("no-folder-needed"),
                new Qwen2Config(16, 4, 4, 2, 32, 30, 10000.0, llmEps, true, 64));
        VisionEncoder vision = (VisionEncoder) Proxy.newProxyInstance(VisionEncoder.class.getClassLoader(), new Class<?>[] {VisionEncoder.class},
                (proxy, method, args) -> switch (method.getName()) {
                    case "hiddenSize" -> 6;
                    case "tokens" -> 5;
                    default -> throw new UnsupportedOperationException(method.getName());
                });
        return new PluginContext() {
            @Override
            public dev.iris.api.weights.WeightSource openWeights(Path fileOrFolder) {
                throw new UnsupportedOperationException();
            }

            @Override
            public VisionEncoder vision() {
                return vision;
            }

            @Override
            public LanguageModel languageModel() {
                return llm;
            }
        };
    }

    static CrossAttentionFusion create(Map<String, Object> options, double llmEps) {
        return (CrossAttentionFusion) new CrossAttentionProvider().create(section(options), context(llmEps));
    }

    @Test
    void theBlocksTakeTheLanguageModelsNormEpsilonUnlessEpsIsSet() {
        // Llama's rms_norm_eps is 1e-5, Qwen2's 1e-6: the blocks follow the decoder they sit in
        assertThat(create(Map.of("layers", List.of(1)), 1e-5).eps()).isEqualTo(1e-5);
        assertThat(create(Map.of("layers", List.of(1)), 1e-6).eps()).isEqualTo(1e-6);
        assertThat(create(Map.of("layers", List.of(1), "eps", 3e-4), 1e-5).eps()).isEqualTo(3e-4);
    }

    @Test
    void layerChoicesAreChecked() {
        assertThat(create(Map.of("every", 2), 1e-6).layers()).containsExactly(1, 3);
        assertThatThrownBy(() -> create(Map.of("layers", List.of(4)), 1e-6)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("model.fusion.layers: layer 4 does not exist");
    }
}
