package dev.iris.runtime.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.tensor.DType;
import dev.iris.api.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DeviceTest {

    @Test
    void parsesDevices() {
        assertThat(Device.parse("cpu")).isEqualTo(Device.CPU);
        assertThat(Device.parse("cuda:1")).isEqualTo(new Device(Device.Kind.CUDA, 1));
        assertThat(Device.parse("AUTO").kind()).isEqualTo(Device.Kind.AUTO);
        assertThatThrownBy(() -> Device.parse("gpu")).isInstanceOf(ConfigException.class)
                .hasMessage("runtime.device: 'gpu' is not a device (use cpu, cuda:N or auto)");
    }

    @Test
    void cudaWithoutProviderIsAClearError() {
        // the CPU build of ONNX Runtime is on the test class path: there is no CUDA provider
        assertThatThrownBy(() -> new OrtRuntime(Device.parse("cuda:0"), 1))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("runtime.device: cuda:0 was asked for, but this ONNX Runtime build has no CUDA provider")
                .hasMessageContaining("runtime.device: cpu");
    }

    @Test
    void autoFallsBackToCpuAndRuns() {
        OrtRuntime rt = new OrtRuntime(Device.parse("auto"), 1);
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("x", DType.F32, 2L);
        g.output("y", g.mul(x, x));
        try (GraphSession s = rt.open(OnnxCompiler.compile(g.build(), DType.F32, List.of()), Map.of())) {
            assertThat(s.run(Map.of("x", Tensor.ofFloats(new float[] {2, 3}, 2))).get("y").toFloats()).containsExactly(4f, 9f);
        }
    }

    @Test
    void feedErrorsNameTheInput() {
        GraphBuilder g = new GraphBuilder();
        Value x = g.input("pixels", DType.F32, "batch", 3L);
        g.output("y", g.mul(x, x));
        try (GraphSession s = OrtRuntime.cpu(1).open(OnnxCompiler.compile(g.build(), DType.F32, List.of()), Map.of())) {
            assertThatThrownBy(() -> s.run(Map.of())).hasMessage("input 'pixels' was not given (inputs: [pixels])");
            assertThatThrownBy(() -> s.run(Map.of("pixels", Tensor.zeros(DType.F32, 2, 4))))
                    .hasMessage("input 'pixels' must have shape [batch, 3], got [2, 4]");
            assertThatThrownBy(() -> s.run(Map.of("pixels", Tensor.zeros(DType.I64, 2, 3))))
                    .hasMessage("input 'pixels' must be F32, got I64");
            assertThatThrownBy(() -> s.run(Map.of("pixels", Tensor.zeros(DType.F32, 2, 3), "extra", Tensor.zeros(DType.F32, 1))))
                    .hasMessage("graph has no input 'extra' (inputs: [pixels])");
        }
    }
}
