package dev.iris.runtime.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardedSafetensorsTest {

    @TempDir
    Path dir;

    private static final String S1 = "model-00001-of-00003.safetensors";
    private static final String S2 = "model-00002-of-00003.safetensors";
    private static final String S3 = "model-00003-of-00003.safetensors";

    private Path index;

    @BeforeEach
    void threeShards() throws IOException {
        Map<String, Tensor> one = new LinkedHashMap<>();
        one.put("embed.weight", Tensor.ofFloats(new float[] {1, 2, 3, 4}, 2, 2));
        one.put("layers.0.weight", Tensor.ofFloats(new float[] {5}, 1));
        SafetensorsWriter.write(dir.resolve(S1), one, DType.F32, Map.of("format", "pt"));
        SafetensorsWriter.write(dir.resolve(S2), Map.of("layers.1.weight", Tensor.ofFloats(new float[] {6, 7}, 2)),
                DType.BF16);
        // The third shard comes from the independent byte-level writer.
        new RawSafetensors().tensor("lm_head.weight", "F64", "[1]", RawSafetensors.doubles(0.25))
                .tensor("position_ids", "I64", "[3]", RawSafetensors.longs(0, 1, 2))
                .write(dir.resolve(S3));
        index = writeIndex(Map.of(
                "embed.weight", S1, "layers.0.weight", S1, "layers.1.weight", S2,
                "lm_head.weight", S3, "position_ids", S3));
    }

    private Path writeIndex(Map<String, String> weightMap) throws IOException {
        StringBuilder json = new StringBuilder("{\"metadata\": {\"total_size\": 1234, \"note\": \"x\"}, \"weight_map\": {");
        String sep = "";
        for (Map.Entry<String, String> e : new java.util.TreeMap<>(weightMap).entrySet()) {
            json.append(sep).append('"').append(e.getKey()).append("\": \"").append(e.getValue()).append('"');
            sep = ", ";
        }
        return Files.writeString(dir.resolve(Safetensors.INDEX_FILE), json.append("}}"));
    }

    private static void assertAllValues(WeightSource ws) {
        assertThat(ws.names()).containsExactlyInAnyOrder(
                "embed.weight", "layers.0.weight", "layers.1.weight", "lm_head.weight", "position_ids");
        assertThat(ws.read("embed.weight").toFloats()).containsExactly(1, 2, 3, 4);
        assertThat(ws.read("layers.0.weight").toFloats()).containsExactly(5);
        assertThat(ws.read("layers.1.weight").dtype()).isEqualTo(DType.BF16);
        assertThat(ws.read("layers.1.weight").toFloats()).containsExactly(6, 7);
        assertThat(ws.read("lm_head.weight").toDoubles()).containsExactly(0.25);
        assertThat(ws.read("position_ids").toLongs()).containsExactly(0, 1, 2);
        assertThat(ws.info("embed.weight")).get().satisfies(i -> assertThat(i.shape()).containsExactly(2, 2));
    }

    @Test
    void readsShardedCheckpointThroughIndex() {
        try (ShardedSafetensors ws = ShardedSafetensors.open(index)) {
            assertAllValues(ws);
            assertThat(ws.shards()).hasSize(3); // each shard opened once, though named several times
            assertThat(ws.shardOf("layers.1.weight")).contains(dir.resolve(S2).toAbsolutePath());
            assertThat(ws.metadata()).containsEntry("total_size", "1234").containsEntry("note", "x")
                    .containsEntry("format", "pt");
            assertThat(ws.describe()).isEqualTo(index.toString());
            assertThatThrownBy(() -> ws.read("layers.2.weight")).isInstanceOf(WeightException.class)
                    .hasMessageContaining(index.toString()).hasMessageContaining("no tensor named 'layers.2.weight'");
        }
    }

    @Test
    void entryPointAcceptsIndexAndFolder() {
        try (WeightSource a = Safetensors.open(index); WeightSource b = Safetensors.open(dir);
                WeightSource c = ShardedSafetensors.open(dir)) {
            assertThat(a).isInstanceOf(ShardedSafetensors.class);
            assertThat(b).isInstanceOf(ShardedSafetensors.class);
            assertAllValues(a);
            assertAllValues(b);
            assertAllValues(c);
        }
    }

    @Test
    void folderWithoutIndexMergesAllFiles() throws IOException {
        Files.delete(index);
        try (WeightSource ws = Safetensors.open(dir)) {
            assertThat(ws).isInstanceOf(ShardedSafetensors.class);
            assertAllValues(ws);
            assertThat(ws.describe()).contains("3 safetensors files");
        }
    }

    @Test
    void folderPrefersIndexThenModelSafetensors() throws IOException {
        SafetensorsWriter.write(dir.resolve(Safetensors.SINGLE_FILE), Map.of("only", Tensor.scalar(9f)), DType.F32);
        try (WeightSource ws = Safetensors.open(dir)) {
            assertThat(ws.names()).contains("embed.weight").doesNotContain("only");
        }
        Files.delete(index);
        try (WeightSource ws = Safetensors.open(dir)) {
            assertThat(ws).isInstanceOf(SafetensorsFile.class);
            assertThat(ws.names()).containsExactly("only");
        }
    }

    @Test
    void folderWithOneOtherFileOpensIt() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("single"));
        SafetensorsWriter.write(sub.resolve("weights.safetensors"), Map.of("w", Tensor.scalar(1f)), DType.F32);
        try (WeightSource ws = Safetensors.open(sub)) {
            assertThat(ws).isInstanceOf(SafetensorsFile.class);
            assertThat(ws.read("w").toFloats()).containsExactly(1f);
        }
    }

    @Test
    void emptyFolderIsAnError() throws IOException {
        Path empty = Files.createDirectory(dir.resolve("empty"));
        assertThatThrownBy(() -> Safetensors.open(empty)).isInstanceOf(WeightException.class)
                .hasMessageContaining(empty.toString()).hasMessageContaining("no other *.safetensors");
        assertThatThrownBy(() -> ShardedSafetensors.open(empty)).isInstanceOf(WeightException.class)
                .hasMessageContaining(empty.toString());
    }

    @Test
    void duplicateNameAcrossMergedFilesNamesBoth() throws IOException {
        Files.delete(index);
        Path extra = dir.resolve("extra.safetensors");
        SafetensorsWriter.write(extra, Map.of("layers.1.weight", Tensor.scalar(0f)), DType.F32);
        assertThatThrownBy(() -> Safetensors.open(dir)).isInstanceOf(WeightException.class)
                .hasMessageContaining("'layers.1.weight'")
                .hasMessageContaining(extra.toString())
                .hasMessageContaining(dir.resolve(S2).toString());
    }

    @Test
    void indexNamingATensorItsShardLacks() throws IOException {
        Map<String, String> map = new LinkedHashMap<>(Map.of("embed.weight", S1, "layers.1.weight", S1));
        writeIndex(map);
        assertThatThrownBy(() -> ShardedSafetensors.open(index)).isInstanceOf(WeightException.class)
                .hasMessageContaining(index.toString())
                .hasMessageContaining("'layers.1.weight'")
                .hasMessageContaining(S1)
                .hasMessageContaining("has no such tensor");
    }

    @Test
    void missingShardIsNamed() throws IOException {
        Files.delete(dir.resolve(S2));
        assertThatThrownBy(() -> Safetensors.open(index)).isInstanceOf(WeightException.class)
                .hasMessageContaining(index.toString())
                .hasMessageContaining(S2)
                .hasMessageContaining("does not exist")
                .hasMessageContaining("layers.1.weight");
    }

    @Test
    void corruptShardErrorNamesTheShard() throws IOException {
        Files.write(dir.resolve(S3), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> Safetensors.open(dir)).isInstanceOf(WeightException.class)
                .hasMessageContaining(dir.resolve(S3).toString())
                .hasMessageContaining("shorter than the 8-byte header length");
    }

    @Test
    void malformedIndexes() throws IOException {
        for (List<String> c : List.of(
                List.of("{\"weight_map\": ", "index is not valid JSON"),
                List.of("[]", "index must be a JSON object"),
                List.of("{\"metadata\": {}}", "index has no \"weight_map\""),
                List.of("{\"weight_map\": []}", "\"weight_map\" must be an object"),
                List.of("{\"weight_map\": {}}", "\"weight_map\" is empty"),
                List.of("{\"weight_map\": {\"a\": 3}}", "entry for 'a' must be a shard file name, found a number"),
                List.of("{\"weight_map\": {\"embed.weight\": \"" + S1 + "\"}, \"metadata\": 5}",
                        "\"metadata\" must be an object"))) {
            Files.writeString(index, c.get(0));
            assertThatThrownBy(() -> Safetensors.open(index)).as(c.get(0)).isInstanceOf(WeightException.class)
                    .hasMessageContaining(index.toString()).hasMessageContaining(c.get(1));
        }
    }

    @Test
    void closeReleasesEveryShard() {
        ShardedSafetensors ws = ShardedSafetensors.open(index);
        Tensor kept = ws.read("embed.weight");
        ws.close();
        assertThat(kept.toFloats()).containsExactly(1, 2, 3, 4);
        assertThatThrownBy(() -> ws.read("lm_head.weight")).isInstanceOf(WeightException.class)
                .hasMessageContaining("closed");
    }
}
