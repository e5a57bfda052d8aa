package dev.iris.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.IrisException;
import dev.iris.api.tensor.Tensor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A checkpoint is used only when every file it should hold reads; a damaged one is named, never used silently. */
class CheckpointTest {
    @TempDir
    Path run;

    private Path write(long step) {
        Path folder = run.resolve("checkpoints").resolve(Checkpoint.stepName(step));
        Map<String, Tensor> params = new LinkedHashMap<>();
        params.put("fusion/linear1.weight", Tensor.ofFloats(new float[] {step, 2}, 2));
        params.put("fusion/linear1.bias", Tensor.ofFloats(new float[] {3}, 1));
        Map<String, Tensor> opt = Map.of("exp_avg/fusion/linear1.bias", Tensor.ofFloats(new float[] {0.5f}, 1));
        Checkpoint.write(folder, params, opt, new Checkpoint.State(step, 0, step * 4, step, "pretrain", 0, step * 4, 0.5), Map.of());
        return folder;
    }

    @Test
    void aCompleteCheckpointReadsWhole() {
        Path f = write(3);
        Checkpoint.Loaded c = Checkpoint.read(f);
        assertThat(c.state().step()).isEqualTo(3);
        assertThat(c.params().get("fusion/linear1.weight").toFloats()).containsExactly(3f, 2f);
        assertThat(c.optimizer()).containsOnlyKeys("exp_avg/fusion/linear1.bias");
    }

    @Test
    void theTrainedWeightFilesAreFoundByTheNamesTheWriterGivesThem() throws Exception {
        Path f = write(2);   // a pretrain checkpoint: the fusion trained, the language model did not
        Checkpoint.TrainedWeights w = Checkpoint.trainedWeights(f, "--checkpoint");
        assertThat(w.fusion()).contains(f.resolve(Checkpoint.FUSION_WEIGHTS));
        assertThat(w.llm()).isEmpty();
        assertThat(w.files()).containsExactly(f.resolve("fusion.safetensors"));

        Path empty = Files.createDirectories(run.resolve("empty"));
        assertThatThrownBy(() -> Checkpoint.trainedWeights(empty, "--checkpoint-a"))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("--checkpoint-a " + empty + " holds no fusion.safetensors, llm.safetensors or adapter_model.safetensors");
        assertThatThrownBy(() -> Checkpoint.trainedWeights(run.resolve("missing"), "--checkpoint"))
                .isInstanceOf(IrisException.class)
                .hasMessageContaining("is not a folder");
    }

    @Test
    void stateJsonThatDoesNotParseIsNamed() throws Exception {
        Path f = write(1);
        Files.writeString(f.resolve(Checkpoint.STATE), "{\"step\": 1, \"epo");
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(IrisException.class)
                .hasMessageStartingWith(f.resolve(Checkpoint.STATE) + " does not parse");
    }

    @Test
    void aTruncatedOrMissingTensorFileIsNamed() throws Exception {
        Path f = write(1);
        Path fusion = f.resolve("fusion.safetensors");
        byte[] b = Files.readAllBytes(fusion);
        Files.write(fusion, java.util.Arrays.copyOf(b, b.length - 4));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(IrisException.class).hasMessageContaining(fusion.toString());
        Files.delete(fusion);
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(IrisException.class).hasMessageContaining(fusion.toString());
    }

    @Test
    void aCheckpointHoldingANonFiniteValueIsDamaged() {
        Path folder = run.resolve("checkpoints").resolve(Checkpoint.stepName(5));
        Checkpoint.write(folder, Map.of("fusion/linear1.weight", Tensor.ofFloats(new float[] {1, Float.NaN}, 2)),
                Map.of("exp_avg/fusion/linear1.weight", Tensor.ofFloats(new float[] {0, 0}, 2)),
                new Checkpoint.State(5, 0, 20, 5, "pretrain", 0, 20, 0.5), Map.of());
        assertThatThrownBy(() -> Checkpoint.read(folder)).isInstanceOf(IrisException.class)
                .hasMessageContaining(folder.resolve("fusion.safetensors").toString())
                .hasMessageContaining("linear1.weight").hasMessageContaining("element 1 of 2 is NaN");
    }

    @Test
    void aTensorFileWithoutTheTensorsStateJsonListsIsIncomplete() throws Exception {
        Path f = write(1);
        // the optimizer file of another checkpoint, with other tensors, copied over this one's
        Path other = run.resolve("other");
        Checkpoint.write(other, Map.of("fusion/x", Tensor.ofFloats(new float[] {1}, 1)),
                Map.of("exp_avg/fusion/x", Tensor.ofFloats(new float[] {1}, 1)), new Checkpoint.State(1, 0, 0, 1, "pretrain", 0, 0, 0), Map.of());
        Files.copy(other.resolve(Checkpoint.OPTIMIZER), f.resolve(Checkpoint.OPTIMIZER), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertThatThrownBy(() -> Checkpoint.read(f)).hasMessageContaining(f.resolve(Checkpoint.OPTIMIZER).toString())
                .hasMessageContaining("missing [exp_avg/fusion/linear1.bias]");
    }

    @Test
    void resumeFallsBackToThePreviousCompleteCheckpointAndSaysWhich() throws Exception {
        write(2);
        Path latest = write(4);
        Files.writeString(latest.resolve(Checkpoint.STATE), "not json");
        List<String> warnings = new ArrayList<>();
        List<Long> restored = new ArrayList<>();

        Optional<Checkpoint.Loaded> c = Checkpoint.resume(run, l -> restored.add(l.state().step()), warnings::add);

        assertThat(c).map(l -> l.state().step()).contains(2L);
        assertThat(restored).containsExactly(2L);
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains(latest.toString()).contains("damaged").contains("does not parse");
        assertThat(warnings.get(1)).contains("previous complete checkpoint").contains(Checkpoint.stepName(2));
    }

    @Test
    void aCheckpointTheModelRefusesIsPassedOverToo() {
        write(2);
        Path latest = write(4);
        List<String> warnings = new ArrayList<>();
        Optional<Checkpoint.Loaded> c = Checkpoint.resume(run, l -> {
            if (l.state().step() == 4) throw new IrisException("checkpoint " + l.folder() + " has no tensor for trainable weight fusion/y");
        }, warnings::add);
        assertThat(c).map(l -> l.state().step()).contains(2L);
        assertThat(warnings.get(0)).contains(latest.toString()).contains("fusion/y");
    }

    @Test
    void whenNoCheckpointIsUsableResumeStopsNamingEach() throws Exception {
        Path a = write(2), b = write(4);
        Files.delete(a.resolve("fusion.safetensors"));
        Files.writeString(b.resolve(Checkpoint.STATE), "[]");
        assertThatThrownBy(() -> Checkpoint.resume(run, l -> {}, w -> {})).isInstanceOf(IrisException.class)
                .hasMessageContaining("no usable checkpoint").hasMessageContaining(a.toString()).hasMessageContaining(b.toString());
    }

    @Test
    void aRunWithoutCheckpointsResumesFromNothing() {
        assertThat(Checkpoint.resume(run, l -> {}, w -> {})).isEmpty();
    }

    @Test
    void aFinishedRunWithoutCheckpointsIsNotStartedAgain() {
        Checkpoint.write(run.resolve(Checkpoint.FINAL), Map.of("fusion/b", Tensor.ofFloats(new float[] {1}, 1)), Map.of(),
                new Checkpoint.State(6, 0, 0, 6, "pretrain", 0, 24, 0.1), Map.of());
        assertThatThrownBy(() -> Checkpoint.resume(run, l -> {}, w -> {})).isInstanceOf(IrisException.class)
                .hasMessageContaining("has finished").hasMessageContaining(run.resolve("final").toString());
    }
}
