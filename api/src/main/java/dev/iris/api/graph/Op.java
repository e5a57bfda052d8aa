package dev.iris.api.graph;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The closed set of operations a graph is made of. The runtime's compiler and differentiator
 * are each one {@code switch} over these records.
 *
 * <p>Float values are recorded as {@link DType#F32}; the runtime compiles them in the precision
 * it is asked for (float64 for gradient checks). Composite operations ({@link RmsNorm},
 * {@link LayerNorm}, {@link Rotary}, {@link Attention}) may be lowered to fused kernels for
 * inference and are expanded into the primitive operations for training.
 */
public sealed interface Op {

    /** The values this operation reads. */
    List<Value> inputs();

    /** A graph input fed at run time. */
    record Input(String name) implements Op {
        public List<Value> inputs() {
            return List.of();
        }
    }

    /** A named parameter bound from a checkpoint of its {@code group} (vision, llm, fusion). */
    record Weight(String group, String name, Init init) implements Op {
        public List<Value> inputs() {
            return List.of();
        }

        /** The name the runtime knows it by: {@code group/name}. */
        public String qualifiedName() {
            return group + "/" + name;
        }
    }

    /** A literal tensor (small: scalars, index tables). */
    record Constant(Tensor value) implements Op {
        public List<Value> inputs() {
            return List.of();
        }
    }

    enum UnaryFn { NEG, EXP, LOG, SQRT, RSQRT, RECIPROCAL, TANH, SIGMOID, SILU, GELU_TANH, SIN, COS, ERF }

    record Unary(UnaryFn fn, Value x) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }
    }

    enum BinaryFn { ADD, SUB, MUL, DIV }

    /** Elementwise with numpy broadcasting. */
    record Binary(BinaryFn fn, Value a, Value b) implements Op {
        public List<Value> inputs() {
            return List.of(a, b);
        }
    }

    /** x raised to a constant power. */
    record Pow(Value x, double exponent) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }
    }

    /** Batched matrix product [..., m, k] x [..., k, n] with broadcast batch dimensions. */
    record MatMul(Value a, Value b) implements Op {
        public List<Value> inputs() {
            return List.of(a, b);
        }
    }

    /** {@code x @ weight^T + bias} with weight [out, in] as PyTorch stores it; bias may be null. */
    record Linear(Value x, Value weight, Value bias) implements Op {
        public List<Value> inputs() {
            return bias == null ? List.of(x, weight) : List.of(x, weight, bias);
        }
    }

    /** MAX has no gradient rule: use it only where no trainable weight reaches (a mask built from inputs). */
    enum ReduceFn { SUM, MEAN, MAX }

    record Reduce(ReduceFn fn, Value x, int[] axes, boolean keepDims) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }

        @Override
        public String toString() {
            return "Reduce[" + fn + " " + x + " axes=" + Arrays.toString(axes) + " keep=" + keepDims + "]";
        }
    }

    record Softmax(Value x, int axis) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }
    }

    /** ONNX reshape semantics: 0 copies the input's dimension, -1 is inferred. */
    record Reshape(Value x, long[] dims) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }

        @Override
        public String toString() {
            return "Reshape[" + x + " " + Arrays.toString(dims) + "]";
        }
    }

    /** Inserts a dimension of size 1 at {@code axis}. */
    record Unsqueeze(Value x, int axis) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }
    }

    /** x reshaped to the run-time shape of {@code like}. */
    record ReshapeLike(Value x, Value like) implements Op {
        public List<Value> inputs() {
            return List.of(x, like);
        }
    }

    /** x broadcast to the run-time shape of {@code like}. */
    record ExpandLike(Value x, Value like) implements Op {
        public List<Value> inputs() {
            return List.of(x, like);
        }
    }

    record Transpose(Value x, int[] perm) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }

        @Override
        public String toString() {
            return "Transpose[" + x + " " + Arrays.toString(perm) + "]";
        }
    }

    record Concat(List<Value> parts, int axis) implements Op {
        public Concat {
            parts = List.copyOf(parts);
        }

        public List<Value> inputs() {
            return parts;
        }
    }

    /** Elements [start, end) along one axis; {@code end = Long.MAX_VALUE} means to the end. */
    record Slice(Value x, int axis, long start, long end) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }
    }

    /** Zero padding along one axis. */
    record Pad(Value x, int axis, long before, long after) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }
    }

    /** Rows of {@code table} [N, ...] picked by int64 {@code indices} [...]: result [..., ...]. */
    record Gather(Value table, Value indices) implements Op {
        public List<Value> inputs() {
            return List.of(table, indices);
        }
    }

    /** Zeros shaped like {@code like} [N, ...] with {@code updates} added at rows {@code indices} (the gradient of Gather). */
    record ScatterAddRows(Value like, Value indices, Value updates) implements Op {
        public List<Value> inputs() {
            return List.of(like, indices, updates);
        }
    }

    record Cast(Value x, DType to) implements Op {
        public List<Value> inputs() {
            return List.of(x);
        }
    }

    /**
     * Mean cross-entropy of logits [N, V] against int64 labels [N], over the rows whose label is
     * not {@code ignoreIndex} (Hugging Face's causal-LM loss). A scalar.
     */
    record CrossEntropy(Value logits, Value labels, long ignoreIndex) implements Op {
        public List<Value> inputs() {
            return List.of(logits, labels);
        }
    }

    /** Gradient of {@link CrossEntropy} with respect to its logits, scaled by {@code upstream}. */
    record CrossEntropyGrad(Value logits, Value labels, Value upstream, long ignoreIndex) implements Op {
        public List<Value> inputs() {
            return List.of(logits, labels, upstream);
        }
    }

    /**
     * The slice of a concatenation's gradient that belongs to {@code parts[index]}, with sizes
     * taken at run time (for concatenations along symbolic axes). Backward-only.
     */
    record ConcatGradPart(Value grad, int axis, List<Value> parts, int index) implements Op {
        public ConcatGradPart {
            parts = List.copyOf(parts);
        }

        public List<Value> inputs() {
            List<Value> in = new ArrayList<>();
            in.add(grad);
            in.addAll(parts);
            return in;
        }
    }

    /** {@code x / sqrt(mean(x^2, last axis) + eps) * weight}. Composite. */
    record RmsNorm(Value x, Value weight, double eps) implements Op {
        public List<Value> inputs() {
            return List.of(x, weight);
        }
    }

    /** Layer normalisation over the last axis with affine weight and bias. Composite. */
    record LayerNorm(Value x, Value weight, Value bias, double eps) implements Op {
        public List<Value> inputs() {
            return List.of(x, weight, bias);
        }
    }

    /**
     * Rotary position embedding (the "rotate half" layout of Llama/Qwen2) of x [B, H, T, D] at
     * positions [B, T], inverse frequencies {@code theta^(-2i/D)} stretched by {@code scaling}.
     * Composite.
     */
    record Rotary(Value x, Value positions, double theta, RopeScaling scaling) implements Op {
        public Rotary {
            if (scaling == null) scaling = RopeScaling.NONE;
        }

        /** Unscaled rotary embedding. */
        public Rotary(Value x, Value positions, double theta) {
            this(x, positions, theta, RopeScaling.NONE);
        }

        public List<Value> inputs() {
            return List.of(x, positions);
        }
    }

    /**
     * Scaled dot-product attention. q [B, H, T, D]; k and v [B, KV, S, D] with H a multiple of KV
     * (grouped-query attention); mask an additive float tensor broadcastable to [B, 1, T, S], or
     * null. Result [B, H, T, D]. Composite.
     */
    record Attention(Value q, Value k, Value v, Value mask, double scale) implements Op {
        public List<Value> inputs() {
            List<Value> in = new ArrayList<>(List.of(q, k, v));
            if (mask != null) in.add(mask);
            return in;
        }
    }

    /** True for operations the runtime expands into primitives before differentiation. */
    default boolean isComposite() {
        return this instanceof RmsNorm || this instanceof LayerNorm || this instanceof Rotary || this instanceof Attention;
    }
}
