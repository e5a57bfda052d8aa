package dev.iris.plugins.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.DType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.json's dtype after a merge: set to what was written, the rest of the file kept, a broken file refused by name. */
class ConfigDTypeTest {
    @TempDir
    Path dir;

    @Test
    void setsTorchDtypeAndTheNewerKeyOnlyWhenTheFileHasIt() throws Exception {
        Path old = Files.writeString(dir.resolve("old.json"), "{\"b\": [1, 2], \"torch_dtype\": \"float32\", \"a\": {}, \"eps\": 1e-06}");
        ConfigDType.set(old, Path.of("base/config.json"), DType.BF16);
        assertThat(Files.readString(old)).isEqualTo("""
                {
                  "b": [
                    1,
                    2
                  ],
                  "torch_dtype": "bfloat16",
                  "a": {},
                  "eps": 1.0E-6
                }
                """);

        Path newer = Files.writeString(dir.resolve("new.json"), "{\"dtype\": \"bfloat16\", \"x\": 1}");
        ConfigDType.set(newer, Path.of("base/config.json"), DType.F16);
        assertThat(Files.readString(newer)).isEqualTo("""
                {
                  "dtype": "float16",
                  "x": 1,
                  "torch_dtype": "float16"
                }
                """);
    }

    @Test
    void aConfigThatIsNotAJsonObjectIsAnErrorNamingTheBaseFile() throws Exception {
        Path broken = Files.writeString(dir.resolve("broken.json"), "{\"torch_dtype\": ");
        assertThatThrownBy(() -> ConfigDType.set(broken, Path.of("base/config.json"), DType.F32)).isInstanceOf(IrisException.class)
                .hasMessageStartingWith("base/config.json is not valid JSON");
        Path list = Files.writeString(dir.resolve("list.json"), "[1]");
        assertThatThrownBy(() -> ConfigDType.set(list, Path.of("base/config.json"), DType.F32)).isInstanceOf(IrisException.class)
                .hasMessage("base/config.json is not a JSON object");
    }
}
