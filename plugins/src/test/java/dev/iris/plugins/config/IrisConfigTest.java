package dev.iris.plugins.config;

import dev.iris.runtime.onnx.Device;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.iris.api.config.ComponentConfig;
import dev.iris.api.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IrisConfigTest {
    /** The example of the README's "Configuration" section, with prompts filled in. */
    static final String EXAMPLE = """
            model:
              vision: { type: siglip,    path: models/siglip-base-patch16-224 }
              llm:    { type: qwen2,     path: models/Qwen2.5-0.5B-Instruct }
              fusion: { type: projector, merge: sequential, factor: 4,    # 196 patches -> 49 image tokens
                        weights: runs/medtrinity-a/final/fusion.safetensors }  # absent: initialise
            runtime: { device: cpu, threads: 2 }                          # or cuda:0
            generate:
              system: "You are a helpful medical assistant."
              max_new_tokens: 256
              temperature: 0.0           # 0 = greedy
              top_k: 0
              top_p: 1.0
              repetition_penalty: 1.0
              seed: 0
            train:
              dataset: { type: parquet, path: data/MedTrinity }
              stage: pretrain
              system: "You are a helpful medical assistant."
              prompts: ["Describe the image.", "What is shown?"]
              optimizer: adamw
              weight_decay: 0.0
              schedule: cosine
              lr: 1.0e-4
              warmup_steps: 500
              max_grad_norm: 1.0
              batch_size: 8
              grad_accum: 4
              epochs: 1
              shuffle: true
              seed: 0
              save_every: 500
              output: runs/medtrinity-a
            """;

    @TempDir
    Path tmp;

    Path confDir;
    Path workDir;

    @BeforeEach
    void dirs() throws IOException {
        // the config file and the user's working directory differ, so path resolution is observable
        confDir = Files.createDirectories(tmp.resolve("conf"));
        workDir = Files.createDirectories(tmp.resolve("work"));
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(confDir.resolve(name), yaml);
    }

    private IrisConfig load(String yaml, String... overrides) throws IOException {
        return new ConfigLoader(workDir).load(write("iris.yaml", yaml), List.of(overrides));
    }

    @Test
    void loadsTheDesignExampleIntoTypedSections() throws IOException {
        IrisConfig c = load(EXAMPLE);

        assertThat(c.vision().type()).isEqualTo("siglip");
        assertThat(c.vision().key()).isEqualTo("model.vision");
        assertThat(c.llm().type()).isEqualTo("qwen2");
        assertThat(c.fusion().string("merge")).isEqualTo("sequential");
        assertThat(c.fusion().integer("factor")).isEqualTo(4);
        assertThat(c.runtime()).isEqualTo(new RuntimeConfig(Device.CPU, 2));
        assertThat(c.generate()).isEqualTo(GenerateConfig.defaults().withSystem("You are a helpful medical assistant."));
        assertThat(c.generate().greedy()).isTrue();

        TrainConfig t = c.train();
        assertThat(t.dataset().type()).isEqualTo("parquet");
        assertThat(t.dataset().key()).isEqualTo("train.dataset");
        assertThat(t.stage()).isEqualTo(TrainConfig.Stage.PRETRAIN);
        assertThat(t.prompts()).contains(List.of("Describe the image.", "What is shown?"));
        assertThat(t.optimizer()).isEqualTo(TrainConfig.Optimizer.ADAMW);
        assertThat(t.schedule()).isEqualTo(TrainConfig.Schedule.COSINE);
        assertThat(t.lr()).isEqualTo(1.0e-4);
        assertThat(t.warmupSteps()).isEqualTo(500);
        assertThat(t.batchSize()).isEqualTo(8);
        assertThat(t.gradAccum()).isEqualTo(4);
        assertThat(t.length()).isEqualTo(new TrainConfig.Epochs(1));
        assertThat(t.shuffle()).isTrue();
        assertThat(t.saveEvery()).isEqualTo(500);
        assertThat(t.output()).isEqualTo(confDir.resolve("runs/medtrinity-a"));
    }

    @Test
    void absentSectionsTakeTheDefaults() throws IOException {
        IrisConfig c = load("model: { vision: { type: siglip } }\n");

        assertThat(c.generate()).isEqualTo(GenerateConfig.DEFAULTS);
        GenerateConfig d = c.generate();
        assertThat(List.of(d.system(), d.maxNewTokens(), d.temperature(), d.topK(), d.topP(), d.repetitionPenalty(), d.seed()))
                .containsExactly(Optional.empty(), 256, 0.0, 0, 1.0, 1.0, 0);
        assertThat(c.runtime()).isEqualTo(new RuntimeConfig(Device.CPU, Runtime.getRuntime().availableProcessors()));
        assertThat(c.hasTrain()).isFalse();
    }

    @Test
    void trainDefaultsFollowTheDesign() throws IOException {
        TrainConfig t = load("train: { dataset: { type: synthetic }, output: out }\n").train();

        assertThat(t.stage()).isEqualTo(TrainConfig.Stage.PRETRAIN);
        assertThat(t.system()).isEmpty();
        assertThat(t.prompts()).isEmpty();
        assertThat(t.weightDecay()).isEqualTo(0.0);
        assertThat(t.lr()).isEqualTo(1.0e-4);
        assertThat(t.maxGradNorm()).isEqualTo(1.0);
        assertThat(t.length()).isEqualTo(new TrainConfig.Epochs(1));
        assertThat(t.seed()).isZero();
        assertThat(t.recompute()).isEqualTo(0.5);
        assertThat(load("train: { dataset: { type: synthetic }, output: out, recompute: true }\n").train().recompute()).isEqualTo(1.0);
        assertThat(load("train: { dataset: { type: synthetic }, output: out, recompute: false }\n").train().recompute()).isZero();
        assertThat(load("train: { dataset: { type: synthetic }, output: out, recompute: 0.5 }\n").train().recompute()).isEqualTo(0.5);
        assertThatThrownBy(() -> load("train: { dataset: { type: synthetic }, output: out, recompute: 2 }\n").train())
                .hasMessageContaining("recompute").hasMessageContaining("true, false or a share in [0, 1]");
    }

    @Test
    void relativePathsResolveAgainstTheConfigFolderAndOverridesAgainstTheWorkingDir() throws IOException {
        IrisConfig c = load(EXAMPLE, "model.fusion.weights=proj.safetensors");

        assertThat(c.vision().path("path")).isEqualTo(confDir.resolve("models/siglip-base-patch16-224"));
        assertThat(c.fusion().path("weights")).isEqualTo(workDir.resolve("proj.safetensors"));
        assertThat(c.train().dataset().path("path")).isEqualTo(confDir.resolve("data/MedTrinity"));
        Path abs = tmp.resolve("elsewhere/w.safetensors").toAbsolutePath();
        assertThat(load(EXAMPLE, "model.fusion.weights=" + abs).fusion().path("weights")).isEqualTo(abs);
    }

    @Test
    void overridesAreTypedLikeYaml() throws IOException {
        IrisConfig c = load(EXAMPLE,
                "generate.temperature=0.7",
                "generate.max_new_tokens=12",
                "train.shuffle=false",
                "runtime.device=cuda:1",
                "generate.system=You are: terse");

        assertThat(c.section("generate").values().get("temperature")).isEqualTo(0.7);
        assertThat(c.section("generate").values().get("max_new_tokens")).isEqualTo(12);
        assertThat(c.generate().temperature()).isEqualTo(0.7);
        assertThat(c.generate().maxNewTokens()).isEqualTo(12);
        assertThat(c.train().shuffle()).isFalse();
        assertThat(c.runtime().device()).isEqualTo(Device.cuda(1));
        // "a: b" would be a YAML mapping; typed on a command line it is text
        assertThat(c.generate().system()).contains("You are: terse");
    }

    @Test
    void overrideTakesListValues() throws IOException {
        IrisConfig c = load(EXAMPLE, "model.fusion.layers=[3,7]", "train.prompts=[Describe it, 'What is it?']");

        assertThat(c.fusion().integers("layers", List.of())).containsExactly(3, 7);
        assertThat(c.train().prompts()).contains(List.of("Describe it", "What is it?"));
    }

    @Test
    void overrideCreatesMissingSections() throws IOException {
        IrisConfig c = load("model: { vision: { type: siglip } }\n",
                "train.dataset.type=synthetic",
                "train.output=runs/x",
                "model.llm={type: qwen2, path: m}");

        assertThat(c.hasTrain()).isTrue();
        assertThat(c.section("train.dataset").type()).isEqualTo("synthetic");
        assertThat(c.train().output()).isEqualTo(workDir.resolve("runs/x"));
        assertThat(c.llm().type()).isEqualTo("qwen2");
        // set as a whole section from the command line: its paths are the working directory's too
        assertThat(c.llm().path("path")).isEqualTo(workDir.resolve("m"));
    }

    @Test
    void overrideWithNullRemovesAKey() throws IOException {
        IrisConfig c = load(EXAMPLE, "model.fusion.weights=null");
        assertThat(c.fusion().has("weights")).isFalse();
        assertThat(c.fusion().optPath("weights")).isEmpty();
    }

    @Test
    void malformedOverridesAreNamed() {
        assertThatThrownBy(() -> load(EXAMPLE, "generate.temperature"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("--set generate.temperature: expected key=value, e.g. generate.temperature=0");
        assertThatThrownBy(() -> load(EXAMPLE, "model..type=x"))
                .hasMessage("--set model..type=x: the key 'model..type' has an empty part");
        assertThatThrownBy(() -> load(EXAMPLE, "model.vision.type.x=1"))
                .hasMessage("--set model.vision.type.x=1: model.vision.type is a value (\"siglip\"), not a section");
        assertThatThrownBy(() -> load(EXAMPLE, "model.fusion.layers=[3,7"))
                .hasMessageStartingWith("--set model.fusion.layers=[3,7: the value is not a valid YAML list or section: at line 1");
    }

    @Test
    void missingRequiredFieldNamesTheKeyAndTheFieldsFound() throws IOException {
        IrisConfig c = load("model:\n  vision: { type: siglip, image_size: 224 }\n");

        assertThatThrownBy(() -> c.vision().path("path"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.vision.path: required field is missing (found: type, image_size)");
        assertThatThrownBy(c::llm)
                .hasMessage("model.llm: required field is missing (found: vision)");
        assertThatThrownBy(() -> load("model: { vision: {} }\n").vision().type())
                .hasMessage("model.vision.type: required field is missing (found: nothing)");
    }

    @Test
    void wrongTypeNamesTheKeyTheValueAndTheFieldsFound() throws IOException {
        IrisConfig c = load("model:\n  fusion: { type: projector, merge: sequential, factor: four, layers: [3, x] }\n");

        assertThatThrownBy(() -> c.fusion().integer("factor"))
                .isInstanceOf(ConfigException.class)
                .hasMessage("model.fusion.factor: expected an integer but got \"four\" (found: type, merge, factor, layers)");
        assertThatThrownBy(() -> c.fusion().integers("layers", List.of()))
                .hasMessage("model.fusion.layers[1]: expected an integer but got \"x\" (found: type, merge, factor, layers)");
        assertThatThrownBy(() -> c.fusion().section("merge"))
                .hasMessage("model.fusion.merge: expected a section but got \"sequential\" (found: type, merge, factor, layers)");
        assertThatThrownBy(() -> c.fusion().string("layers"))
                .hasMessage("model.fusion.layers: expected text but got a list [3, x] (found: type, merge, factor, layers)");
    }

    @Test
    void badNumbersAndValuesInTypedSections() throws IOException {
        assertThatThrownBy(() -> load("train: { dataset: { type: s }, lr: 1e-4x, output: o }\n").train())
                .isInstanceOf(ConfigException.class)
                .hasMessage("train.lr: expected a number but got \"1e-4x\" (found: dataset, lr, output)");
        assertThatThrownBy(() -> load("train: { dataset: { type: s }, stage: pretrian, output: o }\n").train())
                .hasMessage("train.stage: expected one of pretrain, finetune, lm but got \"pretrian\" (found: dataset, stage, output)");
        assertThatThrownBy(() -> load("runtime: { device: gpu }\n").runtime())
                .hasMessage("runtime.device: expected cpu, auto or cuda:N but got \"gpu\" (found: device)");
        assertThatThrownBy(() -> load("generate: { top_p: 1.5 }\n").generate())
                .hasMessage("generate.top_p: expected a number in (0, 1] but got 1.5 (found: top_p)");
        assertThatThrownBy(() -> load("generate: { max_new_tokens: 12345678901 }\n").generate())
                .hasMessage("generate.max_new_tokens: expected an integer between -2147483648 and 2147483647 "
                        + "but got 12345678901 (found: max_new_tokens)");
        assertThatThrownBy(() -> load("train: { dataset: { type: s }, epochs: 2, steps: 10, output: o }\n").train())
                .hasMessage("train.steps: set either epochs or steps, not both (found: dataset, epochs, steps, output)");
        // quoted numbers and YAML 1.1's "1e-4" (text to snakeyaml) are still numbers
        assertThat(load("train: { dataset: { type: s }, lr: '3e-4', steps: '10', output: o }\n").train())
                .satisfies(t -> {
                    assertThat(t.lr()).isEqualTo(3e-4);
                    assertThat(t.length()).isEqualTo(new TrainConfig.Steps(10));
                });
    }

    @Test
    void unknownTopLevelKeyIsNamed() throws IOException {
        Path file = write("typo.yaml", "modle: { vision: { type: siglip } }\nruntime: { threads: 1 }\ntrian: {}\n");

        assertThatThrownBy(() -> new ConfigLoader(workDir).load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(file + ": unknown top-level keys 'modle' (did you mean model?), 'trian' (did you mean train?) (known: model, runtime, generate, train)");
        assertThatThrownBy(() -> load("model: {}\n", "generat.seed=1"))
                .hasMessage("--set generat.seed=1: unknown top-level key 'generat', did you mean generate? (known: model, runtime, generate, train)");
    }

    @Test
    void unknownKeyInASectionIrisOwnsIsNamed() throws IOException {
        Path file = write("typo.yaml", "generate: { temprature: 0 }\n");

        assertThatThrownBy(() -> new ConfigLoader(workDir).load(file, List.of()))
                .hasMessage(file + ": unknown key 'generate.temprature', did you mean temperature? (known in generate: system, max_new_tokens, "
                        + "temperature, top_k, top_p, repetition_penalty, seed)");
        assertThatThrownBy(() -> load("model: {}\n", "generate={temprature: 0, seed: 1}"))
                .hasMessage("--set generate={temprature: 0, seed: 1}: unknown key 'generate.temprature', did you mean temperature? (known in generate: "
                        + "system, max_new_tokens, temperature, top_k, top_p, repetition_penalty, seed)");
        // plugin sections are the plugin's to check
        assertThat(load("model: { vision: { type: siglip, anything: 1 } }\n").vision().integer("anything")).isEqualTo(1);
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws IOException {
        Path file = write("broken.yaml", "model:\n  vision: { type: siglip\n  llm: { type: qwen2 }\n");

        assertThatThrownBy(() -> new ConfigLoader(workDir).load(file, List.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(file + ": YAML syntax error at line 3, column ")
                .hasMessageContaining("(while parsing a flow mapping that starts at line 2)");

        Path tabs = write("tabs.yaml", "model:\n\tvision: {}\n");
        assertThatThrownBy(() -> new ConfigLoader(workDir).load(tabs, List.of()))
                .hasMessageStartingWith(tabs + ": YAML syntax error at line 2, column 1: ");

        Path dup = write("dup.yaml", "runtime: { threads: 1 }\ngenerate: {}\nruntime: { threads: 2 }\n");
        assertThatThrownBy(() -> new ConfigLoader(workDir).load(dup, List.of()))
                .hasMessage(dup + ": YAML syntax error at line 3, column 8: duplicate key 'runtime'");
    }

    @Test
    void documentThatIsNotAMappingOrIsMissing() throws IOException {
        Path list = write("list.yaml", "- model\n- runtime\n");
        assertThatThrownBy(() -> new ConfigLoader(workDir).load(list, List.of()))
                .hasMessage(list + ": expected sections (model:, runtime:, generate:, train:) at the top but got a list [model, runtime]");
        Path missing = confDir.resolve("nope.yaml");
        assertThatThrownBy(() -> new ConfigLoader(workDir).load(missing, List.of()))
                .hasMessage(missing + ": config file not found");
        // an empty file (or comments only) is an empty config
        assertThat(load("# nothing yet\n").generate()).isEqualTo(GenerateConfig.DEFAULTS);
    }

    @Test
    void effectiveConfigRoundTripsThroughYaml() throws IOException {
        IrisConfig c = load(EXAMPLE, "generate.system=yes", "model.fusion.layers=[3,7]", "generate.seed=42");
        IrisConfig again = new ConfigLoader(workDir).parse(c.toYaml(), "again", confDir, List.of());

        assertThat(again.root().values()).isEqualTo(c.root().values());
        assertThat(again.generate().system()).contains("true"); // YAML 1.1 reads a bare yes as true
        assertThat(again.fusion().integers("layers", List.of())).containsExactly(3, 7);
    }

    @Test
    void componentConfigErrorHelperUsesTheCommonFormat() throws IOException {
        ComponentConfig vision = load("model: { vision: { type: siglip, image_size: 250 } }\n").vision();
        assertThat(vision.error("image_size", "expected a multiple of 16 but got 250"))
                .hasMessage("model.vision.image_size: expected a multiple of 16 but got 250 (found: type, image_size)");
    }
}
