package dev.iris.plugins.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class GenerateConfigTest {

    @Test
    void eachWitherChangesOnlyItsOwnValue() {
        GenerateConfig d = GenerateConfig.defaults();

        assertThat(d.withSystem("be brief")).isEqualTo(new GenerateConfig(Optional.of("be brief"), 256, 0.0, 0, 1.0, 1.0, 0));
        assertThat(d.withMaxNewTokens(12)).isEqualTo(new GenerateConfig(Optional.empty(), 12, 0.0, 0, 1.0, 1.0, 0));
        assertThat(d.withTemperature(0.7)).isEqualTo(new GenerateConfig(Optional.empty(), 256, 0.7, 0, 1.0, 1.0, 0));
        assertThat(d.withTopK(40)).isEqualTo(new GenerateConfig(Optional.empty(), 256, 0.0, 40, 1.0, 1.0, 0));
        assertThat(d.withTopP(0.9)).isEqualTo(new GenerateConfig(Optional.empty(), 256, 0.0, 0, 0.9, 1.0, 0));
        assertThat(d.withRepetitionPenalty(1.2)).isEqualTo(new GenerateConfig(Optional.empty(), 256, 0.0, 0, 1.0, 1.2, 0));
        assertThat(d.withSeed(7)).isEqualTo(new GenerateConfig(Optional.empty(), 256, 0.0, 0, 1.0, 1.0, 7));
    }

    @Test
    void withersChainAndLeaveTheOriginalAlone() {
        GenerateConfig sampled = GenerateConfig.defaults().withMaxNewTokens(18).withTemperature(0.9).withSeed(3);

        assertThat(sampled).isEqualTo(new GenerateConfig(Optional.empty(), 18, 0.9, 0, 1.0, 1.0, 3));
        assertThat(sampled.greedy()).isFalse();
        assertThat(GenerateConfig.defaults()).isEqualTo(GenerateConfig.DEFAULTS);
        assertThat(GenerateConfig.defaults().greedy()).isTrue();
    }
}
