package dev.iris.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.iris.api.graph.Graph;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exported graphs carry their weights as standard ONNX external data in one shared file: a weight
 * two graphs read is stored once, large ones start on a page, and a plain ONNX Runtime session
 * opened on the file path computes with them.
 */
class OnnxExportTest {
    @TempDir
    Path dir;

    /** x [n, 1024] times w [1024, 2] (+ b [2] when {@code bias}). */
    private static Graph graph(boolean bias) {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, "n", 1024L);
        Value y = g.matmul(x, g.weight("part", "w", 1024, 2));
        g.output("y", bias ? g.add(y, g.weight("part", "b", 2)) : y);
        return g.build();
    }

    @Test
    void aSharedWeightIsStoredOnceAndPlainOrtRunsTheFiles() throws Exception {
        float[] w = new float[2048];
        for (int i = 0; i < w.length; i++) w[i] = (i % 7) * 0.25f;
        Map<String, Tensor> weights = Map.of("part/w", Tensor.ofFloats(w, 1024, 2), "part/b", Tensor.ofFloats(new float[] {10, 20}, 2));
        List<String> asked = new ArrayList<>();
        OnnxExport.Signature sig;
        try (OnnxExport export = new OnnxExport(dir, "weights.data")) {
            export.write(OnnxCompiler.compile(graph(false), DType.F32, List.of()), n -> { asked.add(n); return weights.get(n); }, "a.onnx");
            sig = export.write(OnnxCompiler.compile(graph(true), DType.F32, List.of()), n -> { asked.add(n); return weights.get(n); }, "b.onnx");
            assertThat(export.weights()).isEqualTo(2);
        }
        assertThat(asked).containsExactlyInAnyOrder("part/w", "part/w", "part/b");
        assertThat(sig.inputs()).singleElement().satisfies(p -> {
            assertThat(p.name()).isEqualTo("x");
            assertThat(p.dtype()).isEqualTo("float32");
            assertThat(p.dims()).containsExactly("n", 1024L);
        });
        assertThat(sig.outputs()).extracting(OnnxExport.Port::name).containsExactly("y");

        Map<String, Map<String, String>> locations = external(dir.resolve("b.onnx"));
        assertThat(locations.get("part/w")).containsEntry("location", "weights.data").containsEntry("offset", "0").containsEntry("length", "8192");
        assertThat(Long.parseLong(locations.get("part/b").get("offset")) % OnnxExport.SMALL_ALIGN).isZero();
        assertThat(external(dir.resolve("a.onnx")).get("part/w")).isEqualTo(locations.get("part/w"));   // the same bytes
        assertThat(Files.size(dir.resolve("weights.data"))).isEqualTo(Long.parseLong(locations.get("part/b").get("offset")) + 8);

        float[] x = new float[1024];
        x[3] = 1;
        x[10] = 2;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(dir.resolve("b.onnx").toString(), new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {1, 1024});
             OrtSession.Result r = s.run(Map.of("x", in))) {
            float[][] y = (float[][]) r.get(0).getValue();
            assertThat(y[0]).containsExactly(10 + w[6] + 2 * w[20], 20 + w[7] + 2 * w[21]);
        }
    }

    private static Map<String, Map<String, String>> external(Path model) throws Exception {
        OnnxMl.ModelProto m = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(model));
        return m.getGraph().getInitializerList().stream()
                .filter(t -> t.getDataLocation() == OnnxMl.TensorProto.DataLocation.EXTERNAL)
                .collect(Collectors.toMap(OnnxMl.TensorProto::getName, t -> t.getExternalDataList().stream()
                        .collect(Collectors.toMap(OnnxMl.StringStringEntryProto::getKey, OnnxMl.StringStringEntryProto::getValue))));
    }
}
