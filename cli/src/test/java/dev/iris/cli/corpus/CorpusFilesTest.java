package dev.iris.cli.corpus;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.spi.Dataset;
import dev.iris.cli.corpus.CorpusRow.Expect;
import dev.iris.common.vision.ImageDecoder;
import dev.iris.common.vision.RgbImage;
import dev.iris.plugins.host.PluginRegistry;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The corpus itself: the files of the independent writers (committed, see
 * {@code src/test/resources/corpus/independent/README.md}) and the generated corpus are read by
 * Iris's parquet dataset row for row, captions byte for byte, with each bad row skipped once
 * under its reason.
 */
class CorpusFilesTest {
    static final PluginRegistry REGISTRY = PluginRegistry.discover();

    static Path independent() {
        try {
            return Path.of(CorpusFilesTest.class.getResource("/corpus/independent/expected.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"parquet-wasm-zstd.parquet", "hyparquet-snappy.parquet"})
    void independentWritersFilesAreReadRowForRow(String name) throws Exception {
        Path file = independent().resolve(name);
        JsonNode expected = new ObjectMapper().readTree(independent().resolve("expected.json").toFile());
        CorpusReading.Footer footer = CorpusReading.footer(file);
        assertThat(footer.rows()).isEqualTo(expected.size()).isEqualTo(13);
        assertThat(footer.rowGroupRows()).containsExactly(5L, 5L, 3L);
        assertThat(footer.codecs()).containsExactly(name.contains("zstd") ? "ZSTD" : "SNAPPY");

        CorpusReading.Pass pass = CorpusReading.read(REGISTRY, file);

        // the reader passes undecodable bytes on (decoding is the trainer's job) and skips rows without an image or a caption
        Map<String, String> wanted = new LinkedHashMap<>();
        Map<String, Long> skipped = new LinkedHashMap<>();
        for (JsonNode row : expected) {
            String expect = row.get("expect").asText();
            if (expect.equals("ok") || expect.equals("undecodable image")) {
                wanted.put(row.get("id").asText(), row.get("caption").asText());
            } else {
                skipped.merge(expect, 1L, Long::sum);
            }
        }
        assertThat(pass.examples()).extracting(Dataset.Example::id).containsExactlyElementsOf(wanted.keySet());
        for (Dataset.Example e : pass.examples()) {
            assertThat(e.caption().getBytes(StandardCharsets.UTF_8)).as(e.id())
                    .isEqualTo(wanted.get(e.id()).getBytes(StandardCharsets.UTF_8));
        }
        assertThat(pass.skips().byReason()).isEqualTo(skipped);
        assertThat(pass.skips().count()).isEqualTo(5);
        // ind-01 carries both bytes and a path: the stored bytes are the image, and equal the file the path names
        byte[] scan01 = pass.examples().stream().filter(e -> e.id().equals("ind-01")).findFirst().orElseThrow().firstImage();
        assertThat(scan01).isEqualTo(Files.readAllBytes(independent().resolve("scan-01.png")));
        assertThat(Arrays.copyOf(scan01, 4)).isEqualTo(new byte[] {(byte) 0x89, 'P', 'N', 'G'});
    }

    @Test
    void bothIndependentFilesTogetherReadAsOneFolder(@TempDir Path dir) throws Exception {
        for (String n : List.of("parquet-wasm-zstd.parquet", "hyparquet-snappy.parquet", "scan-01.png")) {
            Files.copy(independent().resolve(n), dir.resolve(n));
        }
        CorpusReading.Pass pass = CorpusReading.read(REGISTRY, dir);
        assertThat(pass.examples()).hasSize(16);   // 8 from each
        assertThat(pass.skips().count()).isEqualTo(10);
        assertThat(pass.skips().byReason()).containsEntry("missing image", 4L).containsEntry("empty caption", 4L)
                .containsEntry("image file not found", 2L);
    }

    @Test
    void generatedCorpusIsDeterministicAndHasWhatItPromises(@TempDir Path dir) throws Exception {
        FreeTextCorpus.Written w = FreeTextCorpus.write(dir.resolve("one"), 7, 32);
        FreeTextCorpus.write(dir.resolve("two"), 7, 32);
        for (String f : List.of("train/part-0.parquet", "train/part-1.parquet", "heldout/heldout.parquet", "broken/broken.parquet")) {
            assertThat(Files.readAllBytes(dir.resolve("one").resolve(f))).as(f).isEqualTo(Files.readAllBytes(dir.resolve("two").resolve(f)));
        }
        Set<String> codecs = new TreeSet<>();
        for (Path f : List.of(w.trainDir().resolve("part-0.parquet"), w.trainDir().resolve("part-1.parquet"), w.heldoutFile())) {
            CorpusReading.Footer footer = CorpusReading.footer(f);
            assertThat(footer.rowGroupRows()).as(f.toString()).hasSizeGreaterThanOrEqualTo(2);
            codecs.addAll(footer.codecs());
        }
        assertThat(codecs).containsExactlyInAnyOrder("SNAPPY", "ZSTD", "GZIP");

        assertThat(w.train().stream().map(CorpusRow::format).filter(f -> f != null).distinct())
                .containsExactlyInAnyOrderElementsOf(EnumSet.allOf(ImageFormat.class));
        assertThat(w.train().stream().map(CorpusRow::expect).distinct()).containsExactlyInAnyOrderElementsOf(EnumSet.allOf(Expect.class));
        assertThat(w.train().stream().filter(r -> r.id().equals(FreeTextCorpus.DUPLICATE_ID))).hasSize(2).allMatch(CorpusRow::usable);
        assertThat(w.train().stream().filter(CorpusRow::usable).mapToInt(r -> r.caption().length()).max().orElseThrow()).isGreaterThan(4000);
        String all = String.join("\n", w.train().stream().map(CorpusRow::caption).filter(c -> c != null).toList());
        assertThat(all).contains(" mm", "T2‑weighted", "µm", "显示", "🩺", ",");
        // bad rows have their own ids, so a skip report can name each one
        List<String> badIds = w.train().stream().filter(r -> !r.usable()).map(CorpusRow::id).toList();
        assertThat(badIds).doesNotHaveDuplicates().hasSize(14);
    }

    @Test
    void generatedCorpusReadsRowForRowWithTheReadersSkips(@TempDir Path dir) {
        FreeTextCorpus.Written w = FreeTextCorpus.write(dir, 11, 32);

        CorpusReading.Pass pass = CorpusReading.read(REGISTRY, w.trainDir());

        List<CorpusRow> passed = w.train().stream().filter(r -> !r.expect().skippedByReader()).toList();
        assertThat(pass.examples()).extracting(Dataset.Example::id).containsExactlyElementsOf(passed.stream().map(CorpusRow::id).toList());
        for (int i = 0; i < passed.size(); i++) {
            CorpusRow r = passed.get(i);
            Dataset.Example e = pass.examples().get(i);
            assertThat(e.caption()).as(r.id()).isEqualTo(r.caption().strip());
            byte[] bytes = r.image().bytes() != null ? r.image().bytes() : readQuietly(w.trainDir().resolve(r.image().path()));
            assertThat(e.firstImage()).as(r.id()).isEqualTo(bytes);
        }
        Map<String, Long> readerSkips = new LinkedHashMap<>();
        for (CorpusRow r : w.train()) if (r.expect().skippedByReader()) readerSkips.merge(r.expect().reason, 1L, Long::sum);
        assertThat(pass.skips().byReason()).isEqualTo(readerSkips)
                .containsEntry("missing image", 3L).containsEntry("image file not found", 2L).containsEntry("empty caption", 3L);
        assertThat(pass.skips().count()).isEqualTo(8);
    }

    /**
     * Issue item 8: WebP and CMYK JPEG decode as Pillow's {@code convert("RGB")} reads them (the
     * goldens come from make_images.py): exactly for lossless WebP and this baseline CMYK JPEG, within
     * chroma upsampling differences for lossy WebP.
     */
    @ParameterizedTest
    @ValueSource(strings = {"lesion-lower-right-lossless.webp:0:0", "lesion-upper-right-cmyk.jpg:0.5:4", "lesion-upper-left-lossy.webp:2:24"})
    void committedImagesDecodeAsPillowReadsThem(String spec) {
        String[] p = spec.split(":");
        String name = p[0];
        double meanTolerance = Double.parseDouble(p[1]);
        int maxTolerance = Integer.parseInt(p[2]);
        byte[] golden = ImageFormat.resource("/corpus/images/" + name + ".rgb");

        RgbImage img = ImageDecoder.read(ImageFormat.resource("/corpus/images/" + name), name);

        assertThat(img.width()).isEqualTo(32);
        assertThat(img.height()).isEqualTo(32);
        long sum = 0;
        int max = 0;
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 32; x++) {
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(img.get(x, y, c) - (golden[(y * 32 + x) * 3 + c] & 255));
                    sum += d;
                    max = Math.max(max, d);
                }
            }
        }
        assertThat(sum / (double) golden.length).as(name + ": mean absolute difference to Pillow").isLessThanOrEqualTo(meanTolerance);
        assertThat(max).as(name + ": largest difference to Pillow").isLessThanOrEqualTo(maxTolerance);
    }

    private static byte[] readQuietly(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
