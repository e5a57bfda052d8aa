package dev.iris.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import dev.iris.plugins.host.PluginRegistry;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchTest {
    /** Every figure iris bench --json reports; all must be there, even the null int8 one. */
    static final List<String> POSITIVE = List.of("load_s", "image_encode_ms", "prefill_ms", "prefill_tokens", "prefill_tokens_per_s",
            "decode_steps", "decode_ms_per_token", "decode_tokens_per_s", "train_samples_per_s", "train_sample_tokens", "peak_rss_mb",
            "bandwidth_gb_s", "weight_bytes_per_token", "decode_ceiling_tokens_per_s", "decode_fraction_of_ceiling",
            "concurrent4_tokens_per_s", "concurrent1_tokens_per_s", "bandwidth_read_gb_s", "decode_ceiling_read_tokens_per_s",
            "generate_peak_rss_mb", "generate_int8_peak_rss_mb", "train_peak_rss_mb", "train_accum_samples_per_s", "train_accum_peak_rss_mb",
            "weight_bytes_per_token_int8", "decode_int8_ceiling_tokens_per_s", "decode_int8_fraction_of_ceiling", "prefill_int8_ms",
            "prefill_int8_tokens_per_s", "train_no_recompute_samples_per_s", "train_no_recompute_peak_rss_mb",
            "train_recompute_all_samples_per_s", "train_recompute_all_peak_rss_mb", "train_lora_samples_per_s", "train_lora_peak_rss_mb",
            // the per-channel 8-bit format's twins of the int8 figures
            "load_int8_channel_s", "prefill_int8_channel_ms", "prefill_int8_channel_tokens_per_s", "decode_int8_channel_tokens_per_s",
            "weight_bytes_per_token_int8_channel", "decode_int8_channel_fraction_of_ceiling", "generate_int8_channel_peak_rss_mb",
            "weight_bytes_held_int8_channel_mb");

    @Test
    void tinyPresetReportsEveryFigure(@TempDir Path dir) {
        List<String> lines = new ArrayList<>();
        // small bandwidth arrays and few train steps: the test checks the wiring, not the figures
        Bench.Options o = new Bench.Options(Bench.TINY, dir.resolve("tiny"), 40, 4 << 20, 4, 3);
        Map<String, Object> r = Bench.run(PluginRegistry.discover(), o, lines::add);

        for (String key : POSITIVE) {
            assertThat(r).containsKey(key);
            assertThat(((Number) r.get(key)).doubleValue()).as(key).isPositive();
        }
        assertThat(((Number) r.get("decode_int8_tokens_per_s")).doubleValue()).isPositive();
        assertThat(((Number) r.get("int8_token_agreement")).doubleValue()).isBetween(0.0, 1.0);
        assertThat(((Number) r.get("int8_channel_token_agreement")).doubleValue()).isBetween(0.0, 1.0);
        assertThat((Integer) r.get("decode_steps")).isGreaterThanOrEqualTo(Bench.MIN_DECODE_STEPS);
        assertThat((Integer) r.get("prefill_image_tokens")).isEqualTo(16);   // tiny: 64 patches merged 4 to 1
        assertThat((Integer) r.get("train_sample_tokens")).isBetween(125, 140);
        assertThat((Integer) r.get("train_steps_measured")).isEqualTo(2);
        assertThat((Integer) r.get("train_accum_batch_size")).isEqualTo(8);
        assertThat((Integer) r.get("train_accum_passes_per_step")).isEqualTo(4);
        // progress: every figure is printed as it is measured
        assertThat(lines).anyMatch(l -> l.startsWith("decode_tokens_per_s = "));
        // int8 codes (+ a scale per output channel) read about a quarter of the fp32 bytes; norms stay float
        assertThat(((Number) r.get("weight_bytes_per_token_int8")).doubleValue() / ((Number) r.get("weight_bytes_per_token")).doubleValue())
                .isBetween(0.25, 0.35);
        // the process's peak is the largest of its phases' peaks
        double phases = java.util.stream.Stream.of("generate_peak_rss_mb", "generate_int8_peak_rss_mb", "generate_int8_channel_peak_rss_mb", "train_peak_rss_mb", "train_accum_peak_rss_mb",
                        "train_no_recompute_peak_rss_mb", "train_recompute_all_peak_rss_mb", "train_lora_peak_rss_mb")
                .mapToDouble(k -> (Double) r.get(k)).max().orElseThrow();
        assertThat((Double) r.get("peak_rss_mb")).isEqualTo(phases);
        assertThat(Bench.table(r)).contains("| bandwidth_gb_s |");
        loadFiguresAreThere(r);


        // a second run reuses the models; here without the training phases
        List<String> again = new ArrayList<>();
        Map<String, Object> r2 = Bench.run(PluginRegistry.discover(), o.withoutTraining(), again::add);
        assertThat(r2.keySet()).noneMatch(k -> k.startsWith("train_"));
        assertThat((Double) r2.get("peak_rss_mb")).isEqualTo(java.util.stream.Stream.of("generate_peak_rss_mb", "generate_int8_peak_rss_mb",
                "generate_int8_channel_peak_rss_mb").mapToDouble(k -> (Double) r2.get(k)).max().orElseThrow());
        assertThat(again).anyMatch(l -> l.startsWith("reusing models"));
        // the models now have a weight cache: the cold load converts into a scratch folder, the timed one reads the cache
        assertThat(again).anyMatch(l -> l.startsWith("load_cold_converted_mb = ") && !l.endsWith("= 0.00"));
        assertThat(again).anyMatch(l -> l.equals("load_converted_mb = 0.00"));
    }

    /** The load and weight-memory figures: the first load converts the weights, the timed load reads the cache. */
    private static void loadFiguresAreThere(Map<String, Object> r) {
        for (String key : List.of("load_cold_s", "load_cold_converted_mb", "load_cold_peak_rss_mb", "load_peak_rss_mb", "load_int8_peak_rss_mb",
                "weight_bytes_held_mb", "weight_bytes_held_int8_mb", "weight_bytes_on_disk_mb", "load_int8_s", "load_sessions_s")) {
            assertThat(((Number) r.get(key)).doubleValue()).as(key).isPositive();
        }
        assertThat(((Number) r.get("load_converted_mb")).doubleValue()).isZero();
    }
}
