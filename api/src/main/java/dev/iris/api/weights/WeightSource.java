package dev.iris.api.weights;

import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.Optional;
import java.util.Set;
import java.util.Map;

/**
 * Named tensors of a checkpoint (one safetensors file, a sharded set, or an in-memory map).
 * Reading returns a view over the stored bytes in their stored dtype where possible;
 * conversion to the compute type is the runtime's job.
 */
public interface WeightSource extends AutoCloseable {

    /** Every tensor name the source holds. */
    Set<String> names();

    /** Dtype and shape of one tensor, without reading its data. */
    Optional<Info> info(String name);

    /** The tensor's data; throws {@link WeightException} naming the tensor when it is absent. */
    Tensor read(String name);

    /** Free-form metadata (safetensors {@code __metadata__}); empty when there is none. */
    default Map<String, String> metadata() {
        return Map.of();
    }

    /** A human-readable origin for error messages (a file or folder). */
    String describe();

    /** Where one tensor comes from, for error messages: the file serving it (a shard, or an overlay's top or base). */
    default String origin(String name) {
        return describe();
    }

    @Override
    default void close() {}

    record Info(String name, DType dtype, long[] shape) {}
}
