package dev.iris.runtime.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsAtomicWriteTest {

    @TempDir
    Path dir;

    private Path target;
    private byte[] original;
    private Map<String, Tensor> next;

    @BeforeEach
    void existingFile() throws IOException {
        target = dir.resolve("model.safetensors");
        SafetensorsWriter.write(target, Map.of("old", Tensor.ofFloats(new float[] {1, 2}, 2)), DType.F32);
        original = Files.readAllBytes(target);
        next = new LinkedHashMap<>();
        next.put("a", Tensor.ofFloats(new float[1000], 1000));
        next.put("b", Tensor.ofFloats(new float[1000], 1000));
    }

    private List<Path> folderContents() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void ioFailureMidwayKeepsPreviousFileAndLeavesNoTemp() throws IOException {
        assertThatThrownBy(() -> SafetensorsWriter.write(target, next, DType.F32, Map.of(), name -> {
            if (name.equals("b")) throw new IOException("disk full (simulated)");
        })).isInstanceOf(WeightException.class)
                .hasMessageContaining(target.toString())
                .hasMessageContaining("disk full (simulated)");
        assertThat(Files.readAllBytes(target)).isEqualTo(original);
        assertThat(folderContents()).containsExactly(target);
    }

    @Test
    void unexpectedExceptionMidwayAlsoCleansUp() throws IOException {
        assertThatThrownBy(() -> SafetensorsWriter.write(target, next, DType.BF16, Map.of(), name -> {
            throw new IllegalStateException("boom");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(Files.readAllBytes(target)).isEqualTo(original);
        assertThat(folderContents()).containsExactly(target);
    }

    @Test
    void successfulWriteReplacesFileEvenWhileOldOneIsMapped() throws IOException {
        try (SafetensorsFile old = SafetensorsFile.open(target)) {
            Tensor oldView = old.read("old");
            SafetensorsWriter.write(target, Map.of("new", Tensor.scalar(5f)), DType.F32);
            // The rename swaps in a new file; the mapping still sees the old one's bytes.
            assertThat(oldView.toFloats()).containsExactly(1, 2);
        }
        try (SafetensorsFile now = SafetensorsFile.open(target)) {
            assertThat(now.names()).containsExactly("new");
        }
        assertThat(folderContents()).containsExactly(target);
    }

    @Test
    void missingFolderIsNamed() {
        Path nowhere = dir.resolve("no/such/folder/model.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.write(nowhere, next, DType.F32))
                .isInstanceOf(WeightException.class)
                .hasMessageContaining(nowhere.toString())
                .hasMessageContaining("does not exist");
    }
}
