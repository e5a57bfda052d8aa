package dev.iris.spark;

import dev.iris.plugins.config.IrisConfig;
import dev.iris.training.FeatureCache;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;

/**
 * A short hash of what decides a generated text: each model part's fingerprint (type, settings,
 * and the names, sizes and dates of its files, as the feature cache keys its folders) and the
 * generation settings. Captions written with another model or other settings carry another hash.
 */
final class ModelHash {
    private ModelHash() {}

    static String of(IrisConfig config) {
        String identity = "vision=" + FeatureCache.fingerprint(config.vision()) + "\nllm=" + FeatureCache.fingerprint(config.llm())
                + "\nfusion=" + FeatureCache.fingerprint(config.fusion()) + "\ngenerate=" + new TreeMap<>(config.generate().values()) + "\n";
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(identity.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
