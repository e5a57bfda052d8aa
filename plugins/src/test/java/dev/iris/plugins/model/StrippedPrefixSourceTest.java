package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.weights.MapWeightSource;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StrippedPrefixSourceTest {

    @Test
    void picksTheProjectorOutOfAFullTrainingCheckpoint() {
        // a PyTorch training checkpoint: the frozen towers and the projector in one file
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("vision_model.embeddings.patch_embedding.weight", Tensor.zeros(DType.F32, 2));
        t.put("llm_model.model.embed_tokens.weight", Tensor.zeros(DType.F32, 2));
        t.put("projector.linear1.weight", Tensor.ofFloats(new float[] {1, 2}, 2));
        t.put("projector.linear2.bias", Tensor.ofFloats(new float[] {3}, 1));
        WeightSource view = StrippedPrefixSource.forAnchor(new MapWeightSource(t, Map.of(), "model.safetensors"), "linear1.weight");
        assertThat(view.names()).containsExactly("linear1.weight", "linear2.bias");
        assertThat(view.read("linear1.weight").toFloats()).containsExactly(1f, 2f);
        assertThat(view.info("linear2.bias")).isPresent();
        assertThat(view.describe()).isEqualTo("model.safetensors (tensors under projector.)");
    }

    @Test
    void aFileWithoutPrefixIsUsedAsIs() {
        WeightSource src = new MapWeightSource(Map.of("linear1.weight", Tensor.zeros(DType.F32, 1)));
        assertThat(StrippedPrefixSource.forAnchor(src, "linear1.weight")).isSameAs(src);
    }

    @Test
    void twoCandidatePrefixesAreAnError() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("a.linear1.weight", Tensor.zeros(DType.F32, 1));
        t.put("b.linear1.weight", Tensor.zeros(DType.F32, 1));
        assertThatThrownBy(() -> StrippedPrefixSource.forAnchor(new MapWeightSource(t, Map.of(), "ckpt"), "linear1.weight"))
                .hasMessage("ckpt: several tensors end in linear1.weight (prefixes [a., b.]); keep only the fusion module's tensors in the file");
    }
}
