package dev.iris.training;

import dev.iris.api.IrisException;
import dev.iris.api.config.ComponentConfig;
import dev.iris.api.graph.Graph;
import dev.iris.api.spi.VisionEncoder;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.config.TrainConfig;
import dev.iris.plugins.model.ModelParts;
import dev.iris.runtime.onnx.GraphSession;
import dev.iris.runtime.session.SessionFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;

/**
 * Vision features of a frozen vision tower, computed once per image and kept on disk, keyed by
 * the SHA-256 of the image bytes under a folder named for the encoder: its type, checkpoint and
 * every setting of its config section ({@link #fingerprint}). Training never runs
 * the vision tower twice for the same image.
 */
public final class FeatureCache {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FeatureCache.class);
    private final FeatureFiles files;
    private final VisionEncoder vision;
    private final VisionTower tower;
    /** The features job output the features came from; set, a missing image is an error and no vision session is opened. */
    private final Path precomputed;
    private final AtomicLong hits = new AtomicLong(), misses = new AtomicLong();

    /**
     * @param dir     this vision model's cache folder
     * @param opener  compiles and binds a graph (the host's weights and runtime)
     */
    public FeatureCache(Path dir, VisionEncoder vision, Function<Graph, GraphSession> opener) {
        this(new FeatureFiles(dir), vision, opener);
    }

    FeatureCache(FeatureFiles files, VisionEncoder vision, Function<Graph, GraphSession> opener) {
        this.files = files;
        this.vision = vision;
        this.precomputed = null;
        this.tower = new VisionTower(vision, opener);
    }

    /**
     * The cache for a run's vision model: under {@code train.feature_cache} (default
     * {@code feature-cache/} beside the run folder), in a folder named for the vision model.
     * The tower's session is seeded 0 whatever the run's seed: the cache is shared between runs.
     */
    public static FeatureCache forRun(IrisConfig config, ModelParts parts, SessionFactory sessions) {
        TrainConfig tc = config.train();
        Path dir = tc.featureCache().orElse(tc.output().toAbsolutePath().getParent().resolve("feature-cache"))
                .resolve(fingerprint(config.vision()));
        return new FeatureCache(dir, parts.vision(), sessions.withSeed(0)::open);
    }

    /** A cache that only reads features imported from a features job's output ({@code precomputed}); it never runs the vision tower. */
    FeatureCache(FeatureFiles files, VisionEncoder vision, Path precomputed) {
        this.files = files;
        this.vision = vision;
        this.precomputed = precomputed;
        this.tower = null;
    }

    /**
     * The cache for a training run: {@link #forRun}, or with {@code train.features} set, the
     * features of that features job's output imported into the same cache folder, and no vision
     * session at all: an image the job did not encode is an error naming it.
     */
    public static FeatureCache forTraining(IrisConfig config, ModelParts parts, SessionFactory sessions) {
        TrainConfig tc = config.train();
        if (tc.features().isEmpty()) return forRun(config, parts, sessions);
        String fingerprint = fingerprint(config.vision());
        FeatureFiles files = new FeatureFiles(tc.featureCache().orElse(tc.output().toAbsolutePath().getParent().resolve("feature-cache"))
                .resolve(fingerprint));
        VisionEncoder vision = parts.vision();
        FeatureImport.Counts c = FeatureImport.into(files, tc.features().get(), fingerprint, (long) vision.tokens() * vision.hiddenSize() * 4);
        LOG.info("train.features {}: {} shards ({} copied by an earlier run), {} features copied into {}, {} already there",
                tc.features().get(), c.shards(), c.importedBefore(), c.written(), files.dir(), c.present());
        return new FeatureCache(files, vision, tc.features().get());
    }

    /** The cache key of an image: the SHA-256 of its bytes. */
    public static String key(byte[] image) {
        return sha256(image);
    }

    /** Cached features [P, Dv] for a key, or null. */
    public Tensor cached(String key) {
        Tensor t = read(key);
        (t == null ? misses : hits).incrementAndGet();
        return t;
    }

    /** Runs the vision tower on preprocessed images [3, H, W] in one batch, stores and returns their features [P, Dv]. */
    public List<Tensor> compute(List<Tensor> pixels, List<String> keys) {
        if (pixels.isEmpty()) return List.of();
        if (precomputed != null) {
            throw new IrisException("train.features " + precomputed + " has no features for " + keys.size() + " image(s) of the dataset (first: sha256 "
                    + keys.get(0) + "); run the features job over this dataset with the same output, or remove train.features");
        }
        List<Tensor> out = tower.encode(pixels);
        for (int k = 0; k < out.size(); k++) files.write(keys.get(k), VisionTower.bytes(out.get(k)));
        return out;
    }

    public VisionEncoder vision() {
        return vision;
    }

    public long hits() {
        return hits.get();
    }

    public long misses() {
        return misses.get();
    }

    /** The cache folder of this vision model. */
    public Path dir() {
        return files.dir();
    }

    private Tensor read(String key) {
        int tokens = vision.tokens(), hidden = vision.hiddenSize();
        byte[] bytes = files.read(key, (long) tokens * hidden * 4);
        if (bytes == null) return null;
        ByteBuffer b = Tensor.allocate(bytes.length);
        b.put(bytes).flip();
        return new Tensor(DType.F32, new long[] {tokens, hidden}, b);
    }

    static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A folder name for a vision encoder: its type and every value of its config section, so that
     * another encoder, another checkpoint or another setting the plugin declares (a feature layer,
     * a select strategy) never reads features cached for this one. A value that names an existing
     * file or folder (the model folder, a weights file) stands for its absolute path and its files'
     * names, sizes and dates, so rewritten weights are not mistaken for the old ones. Settings left
     * at their defaults and the same settings written out give different folders: a cache miss,
     * never a wrong hit.
     */
    public static String fingerprint(ComponentConfig vision) {
        return vision.type() + "-" + sha256(identity(vision).getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }

    /** What {@link #fingerprint} hashes, one {@code field=value} a line (visible for tests). */
    static String identity(ComponentConfig vision) {
        StringBuilder sb = new StringBuilder("type=").append(vision.type()).append('\n');
        for (Map.Entry<String, Object> e : new TreeMap<>(vision.values()).entrySet()) {
            if (e.getKey().equals("type") || e.getValue() == null) continue;
            sb.append(e.getKey()).append('=');
            Path file = e.getValue() instanceof String ? existing(vision, e.getKey()) : null;
            if (file == null) {
                sb.append(canonical(e.getValue()));
            } else {
                describeFiles(file, sb);
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** The field as a path when it names something that exists, else null (then it is a plain setting). */
    private static Path existing(ComponentConfig section, String field) {
        try {
            Path p = section.optPath(field).orElse(null);
            return p != null && Files.exists(p) ? p.toAbsolutePath().normalize() : null;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Maps with sorted keys, so that YAML's key order does not matter. */
    private static String canonical(Object v) {
        if (v instanceof Map<?, ?> m) {
            TreeMap<String, String> sorted = new TreeMap<>();
            m.forEach((k, x) -> sorted.put(String.valueOf(k), canonical(x)));
            return sorted.toString();
        }
        if (v instanceof List<?> l) return l.stream().map(FeatureCache::canonical).toList().toString();
        return String.valueOf(v);
    }

    private static void describeFiles(Path path, StringBuilder sb) {
        sb.append(path);
        if (Files.isRegularFile(path)) {
            appendFile(path, sb);
            return;
        }
        try (var listing = Files.list(path)) {
            // hidden entries are derived data (the runtime's converted-weight cache is written there
            // on first load), not the checkpoint: counting them would change the key after a load
            listing.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().forEach(p -> {
                sb.append('|').append(p.getFileName());
                appendFile(p, sb);
            });
        } catch (IOException e) {
            throw new IrisException("cannot list " + path + ": " + e.getMessage(), e);
        }
    }

    private static void appendFile(Path p, StringBuilder sb) {
        try {
            sb.append(':').append(Files.size(p)).append(':').append(Files.getLastModifiedTime(p).toMillis());
        } catch (IOException e) {
            // an unreadable entry still counts by name
        }
    }

    public void close() {
        if (tower != null) tower.close();
    }
}
