package dev.iris.runtime.weights;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A weight source stored in files, which can say cheaply whether its contents changed: the key
 * of the converted-weight cache ({@link dev.iris.runtime.cache.WeightCache}).
 */
public interface Fingerprinted {

    /** Its identity, or empty when it has none worth caching under (in-memory tensors). */
    Optional<Id> checkpointId();

    /**
     * @param content a digest of what the source serves under its names: every file's header
     *                bytes, size and modification time (reading gigabytes to hash them would cost
     *                more than converting them)
     * @param place   a digest of where it lives (its files' absolute paths and any renaming): one
     *                cache file per place, replaced when {@code content} changes
     * @param home    the folder its cache goes beside
     */
    record Id(String content, String place, Path home) {
        /** Two sources seen as one (an overlay over its base, a renamed view). */
        public Id combine(String what, Id other) {
            return new Id(sha256(what, content, other.content), sha256(what, place, other.place), home);
        }

        public Id with(String what, String extra) {
            return new Id(sha256(what, content, extra), sha256(what, place, extra), home);
        }
    }

    /** The hex SHA-256 of the given strings, each length-prefixed (so ("ab","c") differs from ("a","bc")). */
    static String sha256(String... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                byte[] b = p.getBytes(StandardCharsets.UTF_8);
                md.update(Integer.toString(b.length).getBytes(StandardCharsets.US_ASCII));
                md.update((byte) ':');
                md.update(b);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The identity of {@code source} if it has one. */
    static Optional<Id> of(Object source) {
        return source instanceof Fingerprinted f ? f.checkpointId() : Optional.empty();
    }
}
