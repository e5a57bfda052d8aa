package dev.iris.runtime.onnx;

import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model compiled from a graph description.
 *
 * @param model     the serialized ModelProto
 * @param precision the element type of float values
 * @param feeds     names the caller feeds on each run: graph inputs, then trainable weights
 * @param feedValues the description's value behind each feed (for shapes and checks)
 * @param outputs   output names in declaration order
 * @param frozen    frozen weights (qualified name to value) bound when the session is created
 */
public record CompiledGraph(byte[] model, DType precision, List<String> feeds, Map<String, Value> feedValues,
                            List<String> outputs, Map<String, Value> frozen) {}
