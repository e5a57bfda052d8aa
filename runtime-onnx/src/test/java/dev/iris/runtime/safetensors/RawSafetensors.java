package dev.iris.runtime.safetensors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A deliberately independent safetensors writer for tests: it builds the header text and bytes
 * by hand, so the reader is not only checked against {@link SafetensorsWriter}.
 */
final class RawSafetensors {
    private final StringBuilder json = new StringBuilder("{");
    private final List<byte[]> chunks = new ArrayList<>();
    private long offset;

    /** Adds a tensor whose stored bytes are {@code data}; shape given as JSON text like "[2,3]". */
    RawSafetensors tensor(String name, String dtype, String shapeJson, byte[] data) {
        if (json.length() > 1) json.append(',');
        json.append('"').append(name).append("\":{\"dtype\":\"").append(dtype).append("\",\"shape\":")
                .append(shapeJson).append(",\"data_offsets\":[").append(offset).append(',')
                .append(offset + data.length).append("]}");
        chunks.add(data);
        offset += data.length;
        return this;
    }

    RawSafetensors metadata(String key, String value) {
        if (json.length() > 1) json.append(',');
        json.append("\"__metadata__\":{\"").append(key).append("\":\"").append(value).append("\"}");
        return this;
    }

    byte[] bytes() {
        ByteBuffer data = ByteBuffer.allocate((int) offset);
        for (byte[] c : chunks) data.put(c);
        return file(json + "}", data.array());
    }

    Path write(Path file) throws IOException {
        return Files.write(file, bytes());
    }

    /** A whole file: 8-byte little-endian header length, header, data. */
    static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, data);
    }

    /** A file whose header-length field says {@code declaredLength}, whatever the header really is. */
    static byte[] file(long declaredLength, byte[] header, byte[] data) {
        return ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(declaredLength).put(header).put(data).array();
    }

    static byte[] shorts(int... bits) {
        ByteBuffer b = ByteBuffer.allocate(bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int s : bits) b.putShort((short) s);
        return b.array();
    }

    static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return b.array();
    }

    static byte[] doubles(double... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (double d : v) b.putDouble(d);
        return b.array();
    }

    static byte[] longs(long... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long l : v) b.putLong(l);
        return b.array();
    }

    static byte[] ints(int... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i : v) b.putInt(i);
        return b.array();
    }
}
