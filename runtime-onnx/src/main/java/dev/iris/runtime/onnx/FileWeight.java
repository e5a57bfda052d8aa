package dev.iris.runtime.onnx;

import dev.iris.api.tensor.DType;
import java.nio.file.Path;

/**
 * A frozen weight stored in a file in its final form (raw little-endian bytes at a page-aligned
 * offset), which ONNX Runtime reads as external data: it memory-maps the range and uses it in
 * place, so the process holds no other copy.
 */
public record FileWeight(Path file, long offset, long length, DType dtype, long[] shape) {
    public FileWeight {
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }
}
