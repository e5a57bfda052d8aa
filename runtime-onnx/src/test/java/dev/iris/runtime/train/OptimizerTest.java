package dev.iris.runtime.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.iris.api.tensor.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OptimizerTest {

    private static Map<String, Tensor> one(String name, float v) {
        Map<String, Tensor> m = new LinkedHashMap<>();
        m.put(name, Tensor.ofFloats(new float[] {v}, 1));
        return m;
    }

    @Test
    void adamWMatchesHandComputedSteps() {
        // p=1, lr=0.1, wd=0.01, betas (0.9, 0.999), eps 1e-8; gradients 0.5 then -1.
        // step 1: p = 0.999 - 0.1 * 0.5 / (0.5 + 1e-8)                       = 0.899000002
        // step 2: p = 0.899*0.999 - 0.1 * (-0.055/0.19) / (sqrt(0.00124975/0.001999) + 1e-8) = 0.93471135
        AdamW opt = new AdamW(0.9, 0.999, 1e-8, 0.01);
        Map<String, Tensor> p = one("w", 1f);
        opt.step(p, one("w", 0.5f), 0.1);
        assertThat(p.get("w").getFloat(0)).isCloseTo(0.899000002f, within(1e-6f));
        opt.step(p, one("w", -1f), 0.1);
        assertThat(p.get("w").getFloat(0)).isCloseTo(0.93471135f, within(1e-6f));
        assertThat(opt.steps()).isEqualTo(2);
    }

    @Test
    void adamWStateRoundTripContinuesIdentically() {
        AdamW a = new AdamW(0.9, 0.999, 1e-8, 0.1);
        Map<String, Tensor> pa = one("w", 0.3f);
        a.step(pa, one("w", 0.2f), 0.05);
        AdamW b = new AdamW(0.9, 0.999, 1e-8, 0.1);
        b.load(a.state(), a.steps());
        Map<String, Tensor> pb = one("w", pa.get("w").getFloat(0));
        a.step(pa, one("w", -0.7f), 0.05);
        b.step(pb, one("w", -0.7f), 0.05);
        assertThat(pb.get("w").getFloat(0)).isEqualTo(pa.get("w").getFloat(0));
    }

    @Test
    void sgdMatchesHandComputedSteps() {
        // p = 2 - 0.5 * (0.4 + 0.1 * 2) = 1.7 ; then 1.7 - 0.5 * (-1 + 0.17) = 2.115
        Sgd opt = new Sgd(0.1);
        Map<String, Tensor> p = one("w", 2f);
        opt.step(p, one("w", 0.4f), 0.5);
        assertThat(p.get("w").getFloat(0)).isCloseTo(1.7f, within(1e-6f));
        opt.step(p, one("w", -1f), 0.5);
        assertThat(p.get("w").getFloat(0)).isCloseTo(2.115f, within(1e-6f));
    }

    @Test
    void clippingScalesToMaxNorm() {
        Map<String, Tensor> g = new LinkedHashMap<>();
        g.put("a", Tensor.ofFloats(new float[] {3f}, 1));
        g.put("b", Tensor.ofFloats(new float[] {4f}, 1));
        double before = Params.clipGlobalNorm(g, 1.0);
        assertThat(before).isCloseTo(5.0, within(1e-9));
        assertThat(g.get("a").getFloat(0)).isCloseTo(0.6f, within(1e-5f));
        assertThat(g.get("b").getFloat(0)).isCloseTo(0.8f, within(1e-5f));
        assertThat(Params.globalNorm(g)).isCloseTo(1.0, within(1e-5));
    }

    @Test
    void missingGradientIsNamed() {
        assertThatThrownBy(() -> new Sgd(0).step(one("w", 1f), one("v", 1f), 0.1))
                .hasMessageContaining("no gradient for parameter w");
    }
}
