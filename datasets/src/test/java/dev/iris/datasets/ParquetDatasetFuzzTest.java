package dev.iris.datasets;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Any bytes given to the {@code parquet} dataset as a file either read row by row or fail with
 * an {@link IrisException} naming the file, never another exception. The committed corpus ({@code ParquetDatasetFuzzTestInputs}, made by
 * {@link ParquetFuzzSeeds}) holds small valid files in the MedTrinity layout, truncated ones and
 * wrong schemas; {@code mvn test} replays it. Fuzzing mode:
 * {@code JAZZER_FUZZ=1 JAZZER_INSTRUMENTATION_INCLUDES="org.apache.parquet.**:dev.iris.**" ./mvnw test -pl plugins -am
 * -Dtest=ParquetDatasetFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Djazzer.hooks=true} (five minutes;
 * the includes make Parquet's own code coverage-guided too).
 */
class ParquetDatasetFuzzTest {
    private static final Path DIR;

    static {
        try {
            DIR = Files.createTempDirectory("iris-parquet-fuzz");
            DIR.toFile().deleteOnExit();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @FuzzTest(maxDuration = "5m")
    void everyRowReadsOrTheErrorNamesTheFile(byte[] bytes) throws IOException {
        Path file = Files.write(DIR.resolve("input.parquet"), bytes);
        try {
            Dataset dataset = DataFixtures.create(DIR, "type: parquet, path: input.parquet");
            try (Dataset.Examples rows = dataset.open()) {
                while (rows.hasNext()) {
                    Dataset.Example e = rows.next();
                    assertThat(e.firstImage()).isNotEmpty();
                    assertThat(e.caption()).isNotBlank();
                }
            }
        } catch (IrisException e) {
            assertThat(e.getMessage()).contains(file.toString());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
