package dev.iris.runtime.safetensors;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.runtime.weights.NonFinite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzz targets for the safetensors reader: whatever the bytes, the only failure allowed is a
 * {@link WeightException} (any other exception or error fails the target). Under {@code mvn test}
 * they run the committed seeds in {@code SafetensorsFuzzTestInputs/<method>/} (written by
 * {@link SafetensorsSeeds}, one per corruption class); to fuzz one, run
 * {@code JAZZER_FUZZ=1 ./mvnw test -pl runtime-onnx -am -Dtest='SafetensorsFuzzTest#readFile' -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class SafetensorsFuzzTest {
    /** The data section size the header target checks offsets against. */
    static final long DATA_SIZE = 4096;
    private static final Path HEADER_ORIGIN = Path.of("fuzzed-header");
    private static final Path FILE = scratchFile();

    private static Path scratchFile() {
        try {
            Path dir = Files.createTempDirectory("iris-safetensors-fuzz");
            dir.toFile().deleteOnExit();
            Path file = dir.resolve("fuzzed.safetensors");
            file.toFile().deleteOnExit();
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The header JSON alone: parsing and validating entries against a data section of {@value #DATA_SIZE} bytes. */
    @FuzzTest(maxDuration = "5m")
    void parseHeader(byte[] json) {
        try {
            SafetensorsHeader h = SafetensorsHeader.parse(HEADER_ORIGIN, json, DATA_SIZE);
            for (SafetensorsHeader.Entry e : h.entries().values()) {
                if (e.begin() < 0 || e.end() > DATA_SIZE || e.begin() > e.end()) throw new AssertionError("accepted bad offsets: " + e);
            }
        } catch (WeightException expected) {
            // the documented failure
        }
    }

    /** A whole file: open it, then read every tensor, scan it for NaN/Inf and convert the small ones as binding does. */
    @FuzzTest(maxDuration = "5m")
    void readFile(byte[] bytes) throws IOException {
        Files.write(FILE, bytes);
        try (SafetensorsFile st = SafetensorsFile.open(FILE)) {
            for (String name : st.names()) {
                st.info(name).orElseThrow();
                Tensor t = st.read(name);
                NonFinite.firstIndex(t);
                if (t.dtype().isFloating() && t.numel() <= 1 << 16) t.toFloating(DType.F32);
                Tensor.numel(t.shape());
            }
            st.metadata();
        } catch (WeightException expected) {
            // the documented failure
        }
    }
}
