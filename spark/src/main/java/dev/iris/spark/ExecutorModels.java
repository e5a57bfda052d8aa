package dev.iris.spark;

import dev.iris.api.tensor.Tensor;
import dev.iris.plugins.config.IrisConfig;
import dev.iris.plugins.host.PluginRegistry;
import dev.iris.plugins.model.ModelParts;
import dev.iris.plugins.model.VisionLanguageModel;
import dev.iris.runtime.onnx.OrtRuntime;
import dev.iris.runtime.session.SessionFactory;
import dev.iris.training.VisionTower;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The models of this JVM: loaded at the first task that needs one and kept for every later task
 * and job of the executor (loading a model per row or per task would cost more than the work).
 * Tasks of one executor run on several threads; they share the model and take turns in its
 * session, whose runtime uses the configured threads itself.
 */
public final class ExecutorModels {
    private static final AtomicInteger VISION_LOADS = new AtomicInteger(), MODEL_LOADS = new AtomicInteger();
    private static ModelSpec visionSpec, modelSpec;
    private static Vision vision;
    private static VisionLanguageModel model;

    private ExecutorModels() {}

    /** A loaded vision tower. */
    public static final class Vision {
        private final ModelParts parts;
        private final VisionTower tower;

        private Vision(IrisConfig config) {
            this.parts = ModelParts.create(config, PluginRegistry.discover());
            OrtRuntime runtime = new OrtRuntime(config.runtime().device(), config.runtime().threads());
            // seed 0 as the feature cache's tower: the features do not depend on a run's seed
            SessionFactory sessions = new SessionFactory(runtime, parts.sources(), 0);
            this.tower = new VisionTower(parts.vision(), sessions::open);
        }

        public Tensor preprocess(byte[] image, String name) {
            return parts.vision().preprocess(image, name);
        }

        public int tokens() {
            return parts.vision().tokens();
        }

        public int hiddenSize() {
            return parts.vision().hiddenSize();
        }

        public synchronized List<Tensor> encode(List<Tensor> pixels) {
            return tower.encode(pixels);
        }

        void close() {
            tower.close();
            parts.close();
        }
    }

    /** The vision tower of a config, loaded once per JVM (another config replaces it). */
    public static synchronized Vision vision(ModelSpec spec) {
        if (vision == null || !spec.equals(visionSpec)) {
            if (vision != null) vision.close();
            vision = new Vision(spec.config());
            visionSpec = spec;
            VISION_LOADS.incrementAndGet();
        }
        return vision;
    }

    /**
     * The whole model of a config (vision, fusion, language model), loaded once per JVM (another
     * config replaces it). Concurrent generations on it share decode steps.
     */
    public static synchronized VisionLanguageModel model(ModelSpec spec) {
        if (model == null || !spec.equals(modelSpec)) {
            if (model != null) model.close();
            model = VisionLanguageModel.load(spec.config(), PluginRegistry.discover());
            modelSpec = spec;
            MODEL_LOADS.incrementAndGet();
        }
        return model;
    }

    /** Vision towers loaded in this JVM so far. */
    public static int visionLoads() {
        return VISION_LOADS.get();
    }

    /** Whole models loaded in this JVM so far. */
    public static int modelLoads() {
        return MODEL_LOADS.get();
    }
}
