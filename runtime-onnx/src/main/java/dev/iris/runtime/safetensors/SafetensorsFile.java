package dev.iris.runtime.safetensors;

import static dev.iris.runtime.safetensors.Safetensors.error;

import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightException;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.weights.Fingerprinted;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.Arrays;

/**
 * One safetensors file, memory-mapped. {@link #read} returns zero-copy little-endian views in
 * the stored dtype. The file is mapped lazily in windows of at most 2 GB (a Java buffer's
 * limit), each holding whole tensors, so files of any size open without touching their data.
 *
 * <p>Tensors already returned stay valid after {@link #close()} (the mapping lives until the
 * buffers are garbage collected); new reads after close fail. Thread-safe.
 */
public final class SafetensorsFile implements WeightSource, Fingerprinted {

    /** Largest mapping one {@link ByteBuffer} can address. */
    static final long MAX_WINDOW = Integer.MAX_VALUE;

    private final Path file;
    private final FileChannel channel;
    private final long dataStart;
    private final SafetensorsHeader header;
    private final Map<String, Slot> slots = new HashMap<>();
    private final List<long[]> windows = new ArrayList<>(); // [start, end) relative to dataStart
    private final MappedByteBuffer[] mapped;
    private final long maxWindow;
    private boolean closed;
    private String headerDigest = "";   // SHA-256 of the header bytes, for the converted-weight cache's key

    /** Where a tensor lives: window index (-1 when too large for one buffer) and offset in it. */
    private record Slot(SafetensorsHeader.Entry entry, int window, int offset) {}

    private SafetensorsFile(Path file, FileChannel channel, long dataStart, SafetensorsHeader header, long maxWindow) {
        this.file = file;
        this.channel = channel;
        this.dataStart = dataStart;
        this.header = header;
        this.maxWindow = maxWindow;
        List<SafetensorsHeader.Entry> byOffset = new ArrayList<>(header.entries().values());
        byOffset.sort(Comparator.comparingLong(SafetensorsHeader.Entry::begin));
        long[] current = null;
        for (SafetensorsHeader.Entry e : byOffset) {
            if (e.length() == 0 || e.length() > maxWindow) {
                slots.put(e.name(), new Slot(e, -1, 0));
                continue;
            }
            if (current == null || e.end() - current[0] > maxWindow) {
                current = new long[] {e.begin(), e.end()};
                windows.add(current);
            }
            current[1] = Math.max(current[1], e.end());
            slots.put(e.name(), new Slot(e, windows.size() - 1, (int) (e.begin() - current[0])));
        }
        this.mapped = new MappedByteBuffer[windows.size()];
    }

    /** Opens and validates {@code file}; reads only the header. */
    public static SafetensorsFile open(Path file) {
        return open(file, MAX_WINDOW);
    }

    /** As {@link #open(Path)} with a smaller window limit, so tests can exercise windowing cheaply. */
    static SafetensorsFile open(Path file, long maxWindow) {
        if (!Files.exists(file)) throw error(file, "no such file");
        // Refusing non-regular files keeps a FIFO or device from blocking or streaming forever.
        if (!Files.isRegularFile(file)) throw error(file, "not a regular file");
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (IOException e) {
            throw error(file, "cannot open: " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) {
                throw error(file, "file is " + size + " bytes, shorter than the 8-byte header length"
                        + " every safetensors file starts with");
            }
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(file, ch, len, 0);
            long n = len.getLong(0);
            if (n < 0 || n > Safetensors.MAX_HEADER_BYTES) {
                throw error(file, "header length " + Long.toUnsignedString(n) + " bytes is implausibly large (limit "
                        + Safetensors.MAX_HEADER_BYTES + "); this is probably not a safetensors file");
            }
            if (n > size - 8) {
                throw error(file, "header length " + n + " bytes runs past the end of the file (file is "
                        + size + " bytes)");
            }
            ByteBuffer head = ByteBuffer.allocate((int) n);
            readFully(file, ch, head, 8);
            SafetensorsHeader header = SafetensorsHeader.parse(file, head.array(), size - 8 - n);
            SafetensorsFile opened = new SafetensorsFile(file, ch, 8 + n, header, maxWindow);
            opened.headerDigest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(head.array()));
            return opened;
        } catch (IOException e) {
            closeQuietly(ch);
            throw error(file, "cannot read header: " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            closeQuietly(ch);
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static void readFully(Path file, FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) throw error(file, "file ended while reading the header (was it truncated while opening?)");
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do; the original failure is what the caller needs
        }
    }

    public Path path() {
        return file;
    }

    @Override
    public Set<String> names() {
        return header.entries().keySet();
    }

    @Override
    public Optional<Info> info(String name) {
        SafetensorsHeader.Entry e = header.entries().get(name);
        return e == null ? Optional.empty() : Optional.of(new Info(name, e.dtype(), e.shape().clone()));
    }

    @Override
    public Tensor read(String name) {
        Slot slot = slots.get(name);
        if (slot == null) throw Safetensors.missing(file, name, names());
        SafetensorsHeader.Entry e = slot.entry();
        if (e.length() == 0) {
            checkOpen(name);
            return new Tensor(e.dtype(), e.shape(), ByteBuffer.allocateDirect(0));
        }
        if (slot.window() < 0) {
            throw error(file, "tensor '" + name + "' is " + e.length() + " bytes, more than one Java buffer can"
                    + " hold (" + maxWindow + " bytes); it cannot be read as a single tensor");
        }
        ByteBuffer view = window(slot.window(), name).slice(slot.offset(), (int) e.length());
        return new Tensor(e.dtype(), e.shape(), view.order(ByteOrder.LITTLE_ENDIAN));
    }

    private synchronized ByteBuffer window(int index, String tensor) {
        checkOpen(tensor);
        MappedByteBuffer w = mapped[index];
        if (w == null) {
            long[] range = windows.get(index);
            try {
                w = channel.map(FileChannel.MapMode.READ_ONLY, dataStart + range[0], range[1] - range[0]);
            } catch (IOException e) {
                throw error(file, "cannot map bytes [" + (dataStart + range[0]) + ", " + (dataStart + range[1])
                        + ") for tensor '" + tensor + "': " + e.getMessage(), e);
            }
            mapped[index] = w;
        }
        return w;
    }

    private synchronized void checkOpen(String tensor) {
        if (closed) throw new WeightException(file + ": cannot read tensor '" + tensor + "', the file was closed");
    }

    @Override
    public Map<String, String> metadata() {
        return header.metadata();
    }

    /** The header's digest with the file's size and modification time: a rewritten file gets a new identity. */
    @Override
    public Optional<Fingerprinted.Id> checkpointId() {
        try {
            Path abs = file.toAbsolutePath().normalize();
            String content = Fingerprinted.sha256("safetensors", headerDigest, Long.toString(Files.size(abs)),
                    Long.toString(Files.getLastModifiedTime(abs).toMillis()));
            return Optional.of(new Fingerprinted.Id(content, Fingerprinted.sha256("file", abs.toString()), abs.getParent()));
        } catch (IOException e) {
            return Optional.empty();   // gone or unreadable: not cached, read as before
        }
    }

    @Override
    public String describe() {
        return file.toString();
    }

    /** Number of mapping windows the file is split into (for tests). */
    int windowCount() {
        return windows.size();
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        // Drop our references so the mappings can be unmapped once callers drop their views too.
        Arrays.fill(mapped, null);
        try {
            channel.close();
        } catch (IOException e) {
            throw error(file, "cannot close: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "SafetensorsFile[" + file + ", " + header.entries().size() + " tensors]";
    }
}
