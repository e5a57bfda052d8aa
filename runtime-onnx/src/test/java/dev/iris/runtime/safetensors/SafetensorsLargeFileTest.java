package dev.iris.runtime.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Big files are sparse (setLength), so these cost no real disk or time. */
class SafetensorsLargeFileTest {

    @TempDir
    Path dir;

    /** Writes a header padded to 8 bytes at the start of a sparse file of {@code 8 + header + dataBytes}. */
    private static long sparse(Path file, String header, long dataBytes) throws IOException {
        StringBuilder h = new StringBuilder(header);
        while (h.length() % 8 != 0) h.append(' ');
        byte[] hb = h.toString().getBytes(StandardCharsets.UTF_8);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(8 + hb.length + dataBytes);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(hb.length).array());
            raf.write(hb);
        }
        return 8 + hb.length;
    }

    private static void putFloat(Path file, long position, float v) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(position);
            raf.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(v).array());
        }
    }

    @Test
    void threeHundredMegabyteTensorIsAZeroCopyView() throws IOException {
        long elements = 75L * 1024 * 1024; // 300 MB of F32
        Path file = dir.resolve("big.safetensors");
        long dataStart = sparse(file, "{\"big\":{\"dtype\":\"F32\",\"shape\":[" + elements + "],\"data_offsets\":[0,"
                + elements * 4 + "]}}", elements * 4);
        putFloat(file, dataStart + (elements - 1) * 4, 7.5f);

        Runtime rt = Runtime.getRuntime();
        System.gc();
        long heapBefore = rt.totalMemory() - rt.freeMemory();
        try (WeightSource ws = Safetensors.open(file)) {
            Tensor t = ws.read("big");
            assertThat(t.data().isDirect()).isTrue();
            assertThat(t.data().capacity()).isEqualTo(elements * 4);
            assertThat(t.getFloat(0)).isZero();
            assertThat(t.getFloat(elements - 1)).isEqualTo(7.5f);
            // Loose bound: a heap copy would add 300 MB.
            assertThat(rt.totalMemory() - rt.freeMemory() - heapBefore).isLessThan(100L * 1024 * 1024);
        }
    }

    @Test
    void fileBeyondTwoGigabytesMapsTensorsPastTheIntRange() throws IOException {
        long hugeBytes = 5L * 512 * 1024 * 1024; // 2.5 GB: more than one ByteBuffer can hold
        Path file = dir.resolve("huge.safetensors");
        long dataStart = sparse(file, "{\"huge\":{\"dtype\":\"U8\",\"shape\":[" + hugeBytes + "],\"data_offsets\":[0,"
                + hugeBytes + "]},\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + hugeBytes + ","
                + (hugeBytes + 8) + "]}}", hugeBytes + 8);
        putFloat(file, dataStart + hugeBytes, -1.25f);
        putFloat(file, dataStart + hugeBytes + 4, 3f);
        try (WeightSource ws = Safetensors.open(file)) {
            assertThat(ws.info("huge")).get().satisfies(i -> {
                assertThat(i.dtype()).isEqualTo(DType.U8);
                assertThat(i.shape()).containsExactly(hugeBytes);
            });
            assertThat(ws.read("tail").toFloats()).containsExactly(-1.25f, 3f);
            assertThatThrownBy(() -> ws.read("huge")).isInstanceOf(WeightException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("'huge'")
                    .hasMessageContaining("more than one Java buffer can hold");
        }
    }
}
