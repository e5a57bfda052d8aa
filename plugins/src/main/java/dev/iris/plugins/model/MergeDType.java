package dev.iris.plugins.model;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import java.util.Optional;

/**
 * {@code iris merge --dtype}: the floating dtype to write the merged model in, by the names
 * Hugging Face configs use ({@code torch_dtype}), or {@code auto} for each tensor's own dtype in
 * the base checkpoint.
 */
public final class MergeDType {
    public static final String AUTO = "auto";

    private MergeDType() {}

    /** @return the dtype {@code value} names, or empty for {@code auto} */
    public static Optional<DType> parse(String value) {
        return switch (value) {
            case AUTO -> Optional.empty();
            case "float32" -> Optional.of(DType.F32);
            case "bfloat16" -> Optional.of(DType.BF16);
            case "float16" -> Optional.of(DType.F16);
            default -> throw new IrisException("--dtype " + value + ": expected one of auto, float32, bfloat16, float16");
        };
    }

    /** The {@code torch_dtype} name of a floating dtype. */
    public static String torchName(DType dtype) {
        return switch (dtype) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            case F64 -> "float64";
            default -> throw new IllegalArgumentException("not a floating dtype: " + dtype);
        };
    }
}
