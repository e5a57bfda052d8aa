package dev.iris.runtime.cache;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.FileWeight;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The on-disk layout of a converted-weight cache file:
 * <pre>
 *   "IRISWGT1" | u32 version | u32 index length | index | zero padding to 64
 *   tensor data, each starting at a multiple of 4096 (a page: ONNX Runtime maps it in place)
 *   trailer: u64 length before the trailer | u64 CRC32C of those bytes | "IRISEND1"
 * </pre>
 * The index holds the key (checkpoint content + conversion format) and every tensor's name,
 * dtype, shape, offset and length. Files are written to a temporary name and renamed, so a
 * reader sees a whole file or none; a truncated or altered one fails {@link #verify} and is never used.
 */
final class CacheFile {
    static final byte[] MAGIC = "IRISWGT1".getBytes(StandardCharsets.US_ASCII);
    static final byte[] END = "IRISEND1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int TRAILER = 24;
    // page-aligned, so ONNX Runtime memory-maps each tensor where it lies instead of reading it into a buffer
    static final int ALIGN = 4096;

    /** One tensor in the file. */
    record Entry(String name, DType dtype, long[] shape, long offset, long length) {
        Entry {
            shape = shape.clone();
        }

        static long bytes(DType dtype, long[] shape) {
            return Tensor.numel(shape) * dtype.bytes();
        }
    }

    /** A verified file's key and index. */
    record Index(String key, Map<String, Entry> entries) {}

    /** Why a file cannot be used (missing, truncated, corrupt, other key); the caller rebuilds it. */
    static final class Invalid extends Exception {
        Invalid(String why) {
            super(why);
        }
    }

    /** A tensor the writer asks for by name; written at once and dropped, so conversion holds one tensor at a time. */
    interface Producer {
        Tensor produce(String name);
    }

    private CacheFile() {}

    /** Writes {@code planned} (name -> dtype and shape) under {@code key} to {@code file} atomically. */
    static void write(Path file, String key, Map<String, Entry> planned, Producer producer) throws IOException {
        Map<String, Entry> placed = new LinkedHashMap<>();
        byte[] provisional = index(key, planned.values());
        // offsets depend on the index length, which does not depend on the offsets' values (fixed-width longs)
        long at = align(16 + provisional.length);
        for (Entry e : planned.values()) {
            long len = Entry.bytes(e.dtype(), e.shape());
            placed.put(e.name(), new Entry(e.name(), e.dtype(), e.shape(), at, len));
            at = align(at + len);
        }
        byte[] idx = index(key, placed.values());
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        CRC32C crc = new CRC32C();
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer head = ByteBuffer.allocate((int) align(16 + idx.length)).order(ByteOrder.LITTLE_ENDIAN);
            head.put(MAGIC).putInt(VERSION).putInt(idx.length).put(idx);
            head.position(0);
            long pos = writeAll(ch, head, 0, crc);
            for (Entry e : placed.values()) {
                pos = pad(ch, pos, e.offset(), crc);
                Tensor t = producer.produce(e.name());
                if (t.dtype() != e.dtype() || !Arrays.equals(t.shape(), e.shape())) {
                    throw new IllegalStateException("conversion of " + e.name() + " gave " + t.dtype() + Arrays.toString(t.shape())
                            + ", planned " + e.dtype() + Arrays.toString(e.shape()));
                }
                pos = writeAll(ch, t.data().duplicate(), pos, crc);
            }
            ByteBuffer trailer = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN);
            trailer.putLong(pos).putLong(crc.getValue()).put(END).flip();
            while (trailer.hasRemaining()) ch.write(trailer, pos + trailer.position());
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
    }

    /**
     * Checks the whole file (trailer, length, CRC32C of every byte, key) and returns its index.
     * Reads through a small buffer rather than a mapping, so checking does not keep pages resident.
     */
    static Index verify(Path file, String key) throws Invalid {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 16 + TRAILER) throw new Invalid(file + " is " + size + " bytes: truncated");
            ByteBuffer trailer = ByteBuffer.allocate(TRAILER).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, trailer, size - TRAILER);
            long length = trailer.getLong(0), want = trailer.getLong(8);
            byte[] end = new byte[8];
            trailer.get(16, end);
            if (!Arrays.equals(end, END) || length != size - TRAILER) throw new Invalid(file + " has no valid trailer: truncated or not a weight cache");
            ByteBuffer head = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, head, 0);
            byte[] magic = new byte[8];
            head.get(0, magic);
            if (!Arrays.equals(magic, MAGIC)) throw new Invalid(file + " is not a weight cache file");
            if (head.getInt(8) != VERSION) throw new Invalid(file + " has layout version " + head.getInt(8) + ", not " + VERSION);
            int idxLen = head.getInt(12);
            if (idxLen < 0 || 16L + idxLen > length) throw new Invalid(file + " has a bad index length " + idxLen);
            CRC32C crc = new CRC32C();
            ByteBuffer chunk = ByteBuffer.allocateDirect(1 << 20);
            for (long pos = 0; pos < length; ) {
                chunk.clear();
                chunk.limit((int) Math.min(chunk.capacity(), length - pos));
                readFully(ch, chunk, pos);
                chunk.flip();
                pos += chunk.remaining();
                crc.update(chunk);
            }
            if (crc.getValue() != want) throw new Invalid(file + " fails its checksum: corrupt");
            ByteBuffer idx = ByteBuffer.allocate(idxLen);
            readFully(ch, idx, 16);
            Index index = parseIndex(idx.array());
            if (!index.key().equals(key)) throw new Invalid(file + " was made from another checkpoint or format");
            for (Entry e : index.entries().values()) {
                if (e.offset() < 16 + idxLen || e.offset() + e.length() > length || e.length() != Entry.bytes(e.dtype(), e.shape())) {
                    throw new Invalid(file + ": tensor " + e.name() + " lies outside the data");
                }
            }
            return index;
        } catch (IOException e) {
            throw new Invalid(file + " cannot be read: " + e.getMessage());
        }
    }

    /** Where each entry lies, for ONNX Runtime to map. */
    static Map<String, FileWeight> slices(Path file, Index index) {
        Map<String, FileWeight> out = new LinkedHashMap<>();
        Path abs = file.toAbsolutePath().normalize();
        for (Entry e : index.entries().values()) out.put(e.name(), new FileWeight(abs, e.offset(), e.length(), e.dtype(), e.shape()));
        return out;
    }

    private static byte[] index(String key, Iterable<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeUTF(key);
            List<Entry> list = new ArrayList<>();
            entries.forEach(list::add);
            out.writeInt(list.size());
            for (Entry e : list) {
                out.writeUTF(e.name());
                out.writeUTF(e.dtype().name());
                out.writeInt(e.shape().length);
                for (long d : e.shape()) out.writeLong(d);
                out.writeLong(e.offset());
                out.writeLong(e.length());
            }
        }
        return bytes.toByteArray();
    }

    private static Index parseIndex(byte[] b) throws Invalid {
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(b))) {
            String key = in.readUTF();
            int n = in.readInt();
            Map<String, Entry> entries = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                DType dtype = DType.valueOf(in.readUTF());
                long[] shape = new long[in.readInt()];
                for (int d = 0; d < shape.length; d++) shape[d] = in.readLong();
                entries.put(name, new Entry(name, dtype, shape, in.readLong(), in.readLong()));
            }
            return new Index(key, entries);
        } catch (IOException | RuntimeException e) {
            throw new Invalid("the index cannot be read: " + e.getMessage());
        }
    }

    static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    private static long writeAll(FileChannel ch, ByteBuffer b, long pos, CRC32C crc) throws IOException {
        crc.update(b.duplicate());
        while (b.hasRemaining()) pos += ch.write(b, pos);
        return pos;
    }

    private static long pad(FileChannel ch, long pos, long to, CRC32C crc) throws IOException {
        if (to > pos) return writeAll(ch, ByteBuffer.allocate((int) (to - pos)), pos, crc);
        return pos;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) throw new IOException("file ended early");
        }
    }
}
