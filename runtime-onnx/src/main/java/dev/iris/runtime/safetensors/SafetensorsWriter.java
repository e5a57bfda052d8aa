package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.Safetensors.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.tensor.Bf16;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.UnaryOperator;

/**
 * Writes tensors to a safetensors file. Floating tensors are converted to the requested
 * floating dtype (BF16 and F16 round to nearest even, NaN and infinities stay what they are), or
 * each kept in its own ({@link #writeAsHeld}); integer and bool tensors are written as they
 * are. The header keeps the map's insertion order and is padded with spaces to a multiple of
 * 8 bytes, so the data section starts 8-byte aligned.
 *
 * <p>The write is atomic: data goes to a temporary file in the target's folder, is fsynced,
 * then renamed over the target, so a crash or error never leaves a partial file under the
 * final name (the previous file, if any, stays intact).
 */
public final class SafetensorsWriter {

    private static final int STAGING_BYTES = 1 << 20;

    private SafetensorsWriter() {}

    /** Called before each tensor's data is written; lets tests fail a write midway. */
    @FunctionalInterface
    interface Hook {
        void beforeTensor(String name) throws IOException;
    }

    public static void write(Path target, Map<String, Tensor> tensors, DType floatType) {
        write(target, tensors, floatType, Map.of());
    }

    /**
     * Writes {@code tensors} to {@code target}, floating ones as {@code floatType} (F32, BF16,
     * F16 or F64), with {@code metadata} as the {@code __metadata__} string map.
     *
     * @throws dev.iris.api.weights.WeightException naming the target when the file cannot be written
     * @throws IllegalArgumentException for a non-floating {@code floatType} or a reserved/null name
     */
    public static void write(Path target, Map<String, Tensor> tensors, DType floatType, Map<String, String> metadata) {
        write(target, tensors, floatType, metadata, name -> {});
    }

    static void write(Path target, Map<String, Tensor> tensors, DType floatType, Map<String, String> metadata,
            Hook hook) {
        if (!floatType.isFloating()) {
            throw new IllegalArgumentException("floating tensors must be written as a floating dtype, not " + floatType);
        }
        write(target, tensors, held -> floatType, metadata, hook);
    }

    /**
     * Writes {@code tensors} to {@code target} each in the dtype it holds, with {@code metadata}
     * as the {@code __metadata__} string map: for tensors of several floating dtypes, each
     * already converted to the one it should be stored in.
     *
     * @throws dev.iris.api.weights.WeightException naming the target when the file cannot be written
     * @throws IllegalArgumentException for a reserved/null name
     */
    public static void writeAsHeld(Path target, Map<String, Tensor> tensors, Map<String, String> metadata) {
        write(target, tensors, held -> held, metadata, name -> {});
    }

    /** @param floatTypeOf the dtype a floating tensor is written as, given the one it holds */
    private static void write(Path target, Map<String, Tensor> tensors, UnaryOperator<DType> floatTypeOf,
            Map<String, String> metadata, Hook hook) {
        List<Planned> plan = plan(tensors, floatTypeOf);
        byte[] header = header(target, plan, metadata);

        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (folder == null || !Files.isDirectory(folder)) throw error(target, "folder " + folder + " does not exist");
        if (Files.isDirectory(absolute)) throw error(target, "is a folder");
        Path temp = null;
        try {
            temp = createTemp(folder, absolute.getFileName().toString());
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                ByteBuffer staging = ByteBuffer.allocateDirect(STAGING_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                List<Planned> byOffset = new ArrayList<>(plan);
                byOffset.sort(Comparator.comparingLong(Planned::begin));
                for (Planned p : byOffset) {
                    hook.beforeTensor(p.name());
                    writeData(ch, p, staging);
                }
                ch.force(true);
            }
            try {
                Files.move(temp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                throw error(target, "the file system cannot replace files atomically; refusing a non-atomic write", e);
            }
            temp = null;
            syncFolder(folder);
        } catch (IOException e) {
            throw error(target, "cannot write: " + e, e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // best effort; the original failure matters more
                }
            }
        }
    }

    /** One tensor to write: its output dtype and offsets in the data section. */
    private record Planned(String name, Tensor tensor, DType out, long begin, long end) {}

    private static List<Planned> plan(Map<String, Tensor> tensors, UnaryOperator<DType> floatTypeOf) {
        record Item(String name, Tensor tensor, DType out) {}
        List<Item> items = new ArrayList<>();
        tensors.forEach((name, t) -> {
            if (name == null || t == null) throw new IllegalArgumentException("null tensor name or tensor");
            if (name.equals(SafetensorsHeader.METADATA_KEY)) {
                throw new IllegalArgumentException("'" + name + "' is reserved for metadata and cannot name a tensor");
            }
            items.add(new Item(name, t, t.dtype().isFloating() ? floatTypeOf.apply(t.dtype()) : t.dtype()));
        });
        // Data goes widest-element first so every tensor starts aligned to its element size
        // without padding gaps (which the reference reader rejects); the header keeps map order.
        List<Item> layout = new ArrayList<>(items);
        layout.sort(Comparator.comparingInt((Item i) -> -i.out().bytes()));
        Map<String, long[]> offsets = new LinkedHashMap<>();
        long at = 0;
        for (Item i : layout) {
            long bytes = Math.multiplyExact(i.tensor().numel(), (long) i.out().bytes());
            offsets.put(i.name(), new long[] {at, at + bytes});
            at += bytes;
        }
        List<Planned> out = new ArrayList<>();
        for (Item i : items) {
            long[] o = offsets.get(i.name());
            out.add(new Planned(i.name(), i.tensor(), i.out(), o[0], o[1]));
        }
        return out;
    }

    private static byte[] header(Path target, List<Planned> plan, Map<String, String> metadata) {
        ObjectNode root = Safetensors.JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach((k, v) -> {
                if (k == null || v == null) throw new IllegalArgumentException("null metadata key or value");
                meta.put(k, v);
            });
        }
        for (Planned p : plan) {
            ObjectNode t = root.putObject(p.name());
            t.put("dtype", Safetensors.dtypeName(p.out()));
            ArrayNode shape = t.putArray("shape");
            for (long d : p.tensor().shape()) shape.add(d);
            t.putArray("data_offsets").add(p.begin()).add(p.end());
        }
        byte[] json;
        try {
            json = Safetensors.JSON.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw error(target, "cannot encode header: " + e.getOriginalMessage(), e);
        }
        int padded = (json.length + 7) & ~7;
        if (padded > Safetensors.MAX_HEADER_BYTES) {
            throw error(target, "header would be " + padded + " bytes, more than readers accept");
        }
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    private static void writeData(FileChannel ch, Planned p, ByteBuffer staging) throws IOException {
        Tensor t = p.tensor();
        // The whole buffer, even if someone moved the shared buffer's position.
        ByteBuffer src = t.data().duplicate().clear();
        if (p.out() == t.dtype()) {
            writeFully(ch, src);
            return;
        }
        int n = Math.toIntExact(t.numel());
        staging.clear();
        for (int i = 0; i < n; i++) {
            if (staging.remaining() < 8) {
                staging.flip();
                writeFully(ch, staging);
                staging.clear();
            }
            switch (p.out()) {
                case F32 -> staging.putFloat(t.getFloat(i));
                case F64 -> staging.putDouble(t.getDouble(i));
                case BF16 -> staging.putShort(Bf16.fromFloat(t.getFloat(i)));
                case F16 -> staging.putShort(Float.floatToFloat16(t.getFloat(i)));
                default -> throw new IllegalStateException("not a floating dtype: " + p.out());
            }
        }
        staging.flip();
        writeFully(ch, staging);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) ch.write(buf);
    }

    /** A fresh file next to the target; created with CREATE_NEW so the umask applies (unlike createTempFile's 0600). */
    private static Path createTemp(Path folder, String name) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path temp = folder.resolve("." + name + "." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36)
                    + ".tmp");
            try {
                Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return temp;
            } catch (FileAlreadyExistsException e) {
                if (attempt >= 10) throw e;
            }
        }
    }

    /** Makes the rename itself durable; not every platform can open a folder, so failure is ignored. */
    private static void syncFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | RuntimeException ignored) {
            // the data is already synced; only the rename's durability is at stake
        }
    }
}
