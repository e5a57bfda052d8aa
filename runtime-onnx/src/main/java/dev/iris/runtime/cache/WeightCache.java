package dev.iris.runtime.cache;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.runtime.onnx.FileWeight;
import dev.iris.runtime.weights.Fingerprinted;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Converted weights (float32, or a quantizer's codes and scales) written once per checkpoint
 * and format, then handed to ONNX Runtime as external data: later loads convert nothing, and
 * ONNX Runtime memory-maps each tensor in place (or pre-packs it and drops the mapping), so
 * each weight is held once.
 *
 * <p>A checkpoint's cache lives in {@value #FOLDER} beside it; when that folder cannot be
 * written, under {@code $XDG_CACHE_HOME/iris/weights} (or {@code ~/.cache/iris/weights}).
 * {@code IRIS_WEIGHT_CACHE} (or the system property {@code iris.weight.cache}) names another
 * folder, or {@code off} to convert in memory on every load as before.
 *
 * <p>A file is keyed by the checkpoint's {@link Fingerprinted.Id#content() content identity}
 * and the conversion format; a file with another key, a bad trailer or a wrong checksum is
 * deleted and rebuilt, never used.
 */
public final class WeightCache {
    private static final Logger LOG = LoggerFactory.getLogger(WeightCache.class);
    public static final String FOLDER = ".iris-cache";

    private final Optional<Path> folder;   // empty: beside each checkpoint
    private final boolean enabled;
    private final AtomicLong conversions = new AtomicLong();
    private final AtomicLong convertedBytes = new AtomicLong();
    private final AtomicLong reuses = new AtomicLong();

    private WeightCache(boolean enabled, Optional<Path> folder) {
        this.enabled = enabled;
        this.folder = folder;
    }

    /** From {@code IRIS_WEIGHT_CACHE} / {@code -Diris.weight.cache}: unset = beside each checkpoint. */
    public static WeightCache fromEnvironment() {
        String v = System.getProperty("iris.weight.cache", System.getenv("IRIS_WEIGHT_CACHE"));
        if (v == null || v.isBlank()) return new WeightCache(true, Optional.empty());
        if (v.strip().equalsIgnoreCase("off")) return new WeightCache(false, Optional.empty());
        return new WeightCache(true, Optional.of(Path.of(v.strip())));
    }

    /** Caches in {@code folder} (tests). */
    public static WeightCache in(Path folder) {
        return new WeightCache(true, Optional.of(folder));
    }

    public static WeightCache off() {
        return new WeightCache(false, Optional.empty());
    }

    public boolean enabled() {
        return enabled;
    }

    /** How many files this cache has written (a load that reused every file wrote none). */
    public long conversions() {
        return conversions.get();
    }

    /** Bytes of converted tensors written. */
    public long convertedBytes() {
        return convertedBytes.get();
    }

    /** How many valid files were mapped without converting. */
    public long reuses() {
        return reuses.get();
    }

    /** What a file must hold: dtype and shape per name. */
    public record Want(DType dtype, long[] shape) {}

    /** Converts one tensor by name (called once per tensor while a file is written). */
    public interface Converter {
        Tensor convert(String name);
    }

    /**
     * Where every name of {@code wanted} lies, from the file of checkpoint {@code id} in
     * {@code format}: reused when valid and complete, else (re)written with what it held plus
     * what is wanted now. Empty when the file can be neither read nor written (the caller
     * converts in memory).
     */
    public Optional<Map<String, FileWeight>> load(Fingerprinted.Id id, String format, Map<String, Want> wanted, Converter converter) {
        if (!enabled || wanted.isEmpty()) return Optional.empty();
        String key = id.content() + "/" + format;
        Path file = fileFor(id, format);
        Map<String, CacheFile.Entry> plan = new LinkedHashMap<>();
        if (Files.exists(file)) {
            try {
                CacheFile.Index index = CacheFile.verify(file, key);
                if (covers(index, wanted)) {
                    reuses.incrementAndGet();
                    return Optional.of(CacheFile.slices(file, index));
                }
                plan.putAll(index.entries());   // keep what it held: another graph of the model may use it
            } catch (CacheFile.Invalid e) {
                LOG.info("weight cache {} is not usable ({}): rebuilding it", file, e.getMessage());
                deleteQuietly(file);
            }
        }
        wanted.forEach((n, w) -> plan.put(n, new CacheFile.Entry(n, w.dtype(), w.shape(), 0, 0)));
        for (Path target : candidates(id, format)) {
            try {
                long t0 = System.nanoTime();
                long bytes = plan.values().stream().mapToLong(e -> CacheFile.Entry.bytes(e.dtype(), e.shape())).sum();
                CacheFile.write(target, key, plan, converter::convert);
                // conversion left direct buffers (widened and quantized tensors) that only a collection frees
                System.gc();
                conversions.incrementAndGet();
                convertedBytes.addAndGet(bytes);
                LOG.info("converted {} MB of weights of {} ({}) into {} in {} s", bytes >> 20, id.home(), format, target,
                        String.format("%.1f", (System.nanoTime() - t0) / 1e9));
                CacheFile.Index index = CacheFile.verify(target, key);
                return Optional.of(CacheFile.slices(target, index));
            } catch (IOException | CacheFile.Invalid e) {
                LOG.info("weight cache {} cannot be written ({}){}", target, e.getMessage(), folder.isPresent() ? "" : ": trying the user cache folder");
            }
        }
        LOG.warn("no weight cache could be written for {}: converting in memory on every load", id.home());
        return Optional.empty();
    }

    /** The file this cache reads for a checkpoint and format (the first candidate that holds a file, else the first). */
    public Path fileFor(Fingerprinted.Id id, String format) {
        for (Path p : candidates(id, format)) if (Files.exists(p)) return p;
        return candidates(id, format)[0];
    }

    private Path[] candidates(Fingerprinted.Id id, String format) {
        String name = id.place().substring(0, 16) + "." + format + ".weights";
        if (folder.isPresent()) return new Path[] {folder.get().resolve(name)};
        return new Path[] {id.home().resolve(FOLDER).resolve(name), userFolder().resolve(name)};
    }

    private static Path userFolder() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("iris").resolve("weights");
    }

    private static boolean covers(CacheFile.Index index, Map<String, Want> wanted) {
        for (Map.Entry<String, Want> w : wanted.entrySet()) {
            CacheFile.Entry e = index.entries().get(w.getKey());
            if (e == null || e.dtype() != w.getValue().dtype() || !Arrays.equals(e.shape(), w.getValue().shape())) return false;
        }
        return true;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // rewritten by rename anyway
        }
    }
}
