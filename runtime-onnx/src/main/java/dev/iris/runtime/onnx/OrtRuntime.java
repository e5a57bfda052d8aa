package dev.iris.runtime.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ONNX Runtime for this process: one environment, the device and thread settings, and the
 * sessions made from compiled graphs.
 */
public final class OrtRuntime {
    private static final Logger LOG = LoggerFactory.getLogger(OrtRuntime.class);

    private final OrtEnvironment env;
    private final Device requested;
    private final int threads;
    private volatile Boolean cudaUsable;
    private static final AtomicInteger PROFILES = new AtomicInteger();
    private static final String PREPACK = System.getProperty("iris.prepack", System.getenv().getOrDefault("IRIS_PREPACK", "auto"));

    public OrtRuntime(Device device, int threads) {
        this.env = OrtEnvironment.getEnvironment();
        this.requested = device;
        this.threads = threads;
        if (device.kind() == Device.Kind.CUDA && !env.getAvailableProviders().contains(OrtProvider.CUDA)) {
            throw new IrisException("runtime.device: " + device + " was asked for, but this ONNX Runtime build has no CUDA provider "
                    + "(available: " + env.getAvailableProviders() + "). Put com.microsoft.onnxruntime:onnxruntime_gpu on the class path "
                    + "with CUDA 12 and cuDNN 9 installed, or set runtime.device: cpu (or auto to fall back).");
        }
    }

    /** CPU with the given thread count (0 = ONNX Runtime's default). */
    public static OrtRuntime cpu(int threads) {
        return new OrtRuntime(Device.CPU, threads);
    }

    OrtEnvironment env() {
        return env;
    }

    public Device device() {
        return requested;
    }

    /** Creates a session for a compiled graph; {@code frozen} holds every frozen weight in the graph's precision. */
    public GraphSession open(CompiledGraph graph, Map<String, Tensor> frozen) {
        return new GraphSession(this, graph, frozen);
    }

    /**
     * Creates a session whose initializers are given in their stored form (see
     * {@link GraphSession#initializerNames}): in memory (copied), or in files ONNX Runtime maps
     * (which must not change while the session lives).
     */
    public GraphSession openPrepared(CompiledGraph graph, Map<String, Tensor> inMemory, Map<String, FileWeight> inFiles) {
        return new GraphSession(this, graph, inMemory, inFiles);
    }

    /**
     * Whether ONNX Runtime pre-packs an inference graph's weights: {@code IRIS_PREPACK} (or
     * {@code -Diris.prepack}) true or false, else only graphs with quantized weights. Measured on
     * Qwen2.5-0.5B + SigLIP-base fp32 (2 threads, one process each, back to back): with it, load
     * 3.9 s, peak 3.4 GB, prefill of 61 tokens 330 ms; without, load 1.65 s, peak 2.86 GB (each
     * weight held once, memory-mapped in place), prefill 365 ms; decode the same (66-70 ms).
     * MatMulNBits needs its packed layout: int8 decode took 2.07 s per token without it, 23-68 ms with.
     */
    static boolean prepacks(CompiledGraph graph) {
        return switch (PREPACK.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "on", "1" -> true;
            case "false", "off", "0" -> false;
            default -> !graph.quantized().isEmpty();
        };
    }

    OrtSession.SessionOptions sessionOptions(CompiledGraph graph) throws OrtException {
        DType precision = graph.precision();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        if (!graph.trainable().isEmpty()) {
            // Pre-packing keeps a re-laid-out copy of each weight per layout it is read in; a training
            // graph reads every weight twice (x W^T forward, dy W backward). Measured on stage 1 at
            // Qwen2.5-0.5B shapes, batch 8: peak 11.4 GB with it, 9.0 GB without, same speed.
            // (Inference graphs: see prepacks.)
            opts.addConfigEntry("session.disable_prepacking", "1");
            // Memory patterns are planned per input shape, and dynamic padding gives every batch its
            // own: each one's block stayed in the arena. Without them: 9.0 -> 7.4 GB at batch 8,
            // 4.9 GB as 4 accumulated passes of 2, same speed.
            opts.setMemoryPatternOptimization(false);
        } else if (!prepacks(graph)) {
            opts.addConfigEntry("session.disable_prepacking", "1");
        }
        // ORT's extended fusions produce float32-only contrib kernels; float64 graphs (gradient checks) stay basic
        opts.setOptimizationLevel(precision == DType.F64 ? OrtSession.SessionOptions.OptLevel.BASIC_OPT
                : OrtSession.SessionOptions.OptLevel.ALL_OPT);
        if (threads > 0) {
            opts.setIntraOpNumThreads(threads);
            opts.setInterOpNumThreads(1);
        }
        String profile = System.getenv("IRIS_ORT_PROFILE");
        if (profile != null && !profile.isBlank()) {
            // ONNX Runtime's per-operator timings, one JSON file per session (for performance work)
            opts.enableProfiling(profile + "-" + PROFILES.incrementAndGet());
        }
        switch (requested.kind()) {
            case CPU -> {}
            case CUDA -> addCuda(opts, true);
            case AUTO -> addCuda(opts, false);
        }
        return opts;
    }

    private void addCuda(OrtSession.SessionOptions opts, boolean required) {
        if (Boolean.FALSE.equals(cudaUsable)) return;
        if (!env.getAvailableProviders().contains(OrtProvider.CUDA)) {
            cudaUsable = false;
            LOG.warn("runtime.device: auto: this ONNX Runtime build has no CUDA provider; running on CPU");
            return;
        }
        try {
            opts.addCUDA(requested.index());
            cudaUsable = true;
        } catch (OrtException e) {
            if (required) {
                throw new IrisException("runtime.device: " + requested + ": the CUDA provider could not be loaded: " + e.getMessage()
                        + ". It needs CUDA 12 and cuDNN 9 libraries on the library path; set runtime.device: cpu to run on the CPU.", e);
            }
            cudaUsable = false;
            LOG.warn("runtime.device: auto: CUDA could not be loaded ({}); running on CPU", e.getMessage());
        }
    }
}
