package dev.iris.plugins.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.api.tensor.Tensor;
import dev.iris.api.weights.WeightSource;
import dev.iris.runtime.graph.LoraRewrite;
import dev.iris.runtime.safetensors.Safetensors;
import dev.iris.runtime.weights.MapWeightSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A LoRA adapter folder in Hugging Face PEFT's layout, so PEFT loads what Iris trains and Iris
 * loads what PEFT trains: {@code adapter_model.safetensors} with keys
 * {@code base_model.model.<module>.lora_A.weight} / {@code .lora_B.weight} (PEFT saves without the
 * adapter's name) and {@code adapter_config.json} ({@code peft_type: LORA}, {@code r},
 * {@code lora_alpha}, {@code target_modules}, ...). Inside Iris the tensors are the
 * {@link LoraRewrite#GROUP} group's, named {@code <module>.lora_A.weight}.
 *
 * @param folder  where it was read from
 * @param spec    rank, alpha and targets from the config
 * @param dropout {@code lora_dropout} (training only)
 * @param base    {@code base_model_name_or_path}, as written
 * @param weights the adapters' tensors under Iris's names (in memory: adapters are small)
 */
public record PeftAdapter(Path folder, LoraRewrite.Spec spec, double dropout, String base, Map<String, Tensor> weights) {
    public static final String WEIGHTS = "adapter_model.safetensors", CONFIG = "adapter_config.json";
    /** PEFT's prefix: the PeftModel's {@code base_model} (LoraModel) wrapping {@code model} (the transformer). */
    public static final String PREFIX = "base_model.model.";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A tensor's key in {@code adapter_model.safetensors} for its name in Iris. */
    public static String peftKey(String name) {
        return PREFIX + name;
    }

    /** The name in Iris of a key of {@code adapter_model.safetensors}; a key not in PEFT's LoRA layout is an error naming it. */
    public static String irisName(String key, Path file) {
        if (!key.startsWith(PREFIX) || !(key.endsWith(LoraRewrite.A) || key.endsWith(LoraRewrite.B))) {
            throw new IrisException(file + ": tensor " + key + " is not a LoRA weight in PEFT's layout (" + PREFIX
                    + "<module>" + LoraRewrite.A + " or " + LoraRewrite.B + ")");
        }
        return key.substring(PREFIX.length());
    }

    /** {@code adapter_config.json}'s text, with the fields PEFT needs to load the adapter onto {@code base}. */
    public static String configJson(LoraRewrite.Spec spec, double dropout, String base) {
        ObjectNode c = JSON.createObjectNode();
        c.put("peft_type", "LORA");
        c.put("task_type", "CAUSAL_LM");
        c.put("base_model_name_or_path", base);
        c.put("r", spec.rank());
        // PEFT declares lora_alpha an int: a whole alpha is written as one
        if (spec.alpha() == Math.rint(spec.alpha()) && Math.abs(spec.alpha()) < Integer.MAX_VALUE) c.put("lora_alpha", (int) spec.alpha());
        else c.put("lora_alpha", spec.alpha());
        c.put("lora_dropout", dropout);
        c.set("target_modules", JSON.valueToTree(spec.targets()));
        c.put("bias", "none");
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("use_rslora", false);
        c.putNull("modules_to_save");
        try {
            return JSON.writeValueAsString(c);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The module names the adapter holds both tensors of. */
    public List<String> modules() {
        List<String> out = new ArrayList<>();
        for (String n : weights.keySet()) {
            if (n.endsWith(LoraRewrite.A)) out.add(n.substring(0, n.length() - LoraRewrite.A.length()));
        }
        return out;
    }

    /** The tensors as a weight source of the {@link LoraRewrite#GROUP} group. */
    public WeightSource source() {
        return new MapWeightSource(weights, Map.of(), folder.resolve(WEIGHTS).toString());
    }

    /**
     * Reads an adapter folder. Errors name the file and what is wrong: a missing file or field, a
     * peft_type other than LORA, options Iris does not apply (rslora, DoRA, bias, fan_in_fan_out),
     * a key outside the layout, a module with only one of its two tensors, shapes that disagree with r.
     */
    public static PeftAdapter read(Path folder) {
        Path cfgFile = folder.resolve(CONFIG), wFile = folder.resolve(WEIGHTS);
        if (!Files.isDirectory(folder)) throw new IrisException("LoRA adapter " + folder + " is not a folder");
        for (Path p : List.of(cfgFile, wFile)) {
            if (!Files.isRegularFile(p)) throw new IrisException("LoRA adapter " + folder + " has no " + p.getFileName() + " (PEFT's layout)");
        }
        JsonNode c;
        try {
            c = JSON.readTree(cfgFile.toFile());
        } catch (IOException e) {
            throw new IrisException(cfgFile + " does not parse: " + e.getMessage(), e);
        }
        if (c == null || !c.isObject()) throw new IrisException(cfgFile + ": not a JSON object");
        String type = c.path("peft_type").asText("");
        if (!type.equals("LORA")) throw new IrisException(cfgFile + ": peft_type is '" + type + "', only LORA adapters are supported");
        for (String flag : List.of("use_rslora", "use_dora", "fan_in_fan_out")) {
            if (c.path(flag).asBoolean(false)) throw new IrisException(cfgFile + ": " + flag + " is true, which Iris does not apply");
        }
        if (!c.path("bias").asText("none").equals("none")) throw new IrisException(cfgFile + ": bias is '" + c.path("bias").asText() + "', only none is supported");
        if (!c.path("r").canConvertToInt() || c.path("r").asInt() < 1) throw new IrisException(cfgFile + ": r must be an integer >= 1");
        if (!c.path("lora_alpha").isNumber()) throw new IrisException(cfgFile + ": lora_alpha must be a number");
        if (c.path("rank_pattern").size() > 0 || c.path("alpha_pattern").size() > 0) {
            throw new IrisException(cfgFile + ": rank_pattern / alpha_pattern are set, which Iris does not apply");
        }
        List<String> targets = new ArrayList<>();
        JsonNode tm = c.path("target_modules");
        if (tm.isTextual()) targets.add(tm.asText());
        else tm.forEach(t -> targets.add(t.asText()));
        if (targets.isEmpty()) throw new IrisException(cfgFile + ": target_modules is missing or empty");
        int r = c.path("r").asInt();
        LoraRewrite.Spec spec = new LoraRewrite.Spec(r, c.path("lora_alpha").asDouble(), targets);
        Map<String, Tensor> weights = new LinkedHashMap<>();
        try (WeightSource src = Safetensors.open(wFile)) {
            for (String key : src.names()) {
                Tensor t = src.read(key).toFloating(dev.iris.api.tensor.DType.F32);
                weights.put(irisName(key, wFile), dev.iris.runtime.weights.WeightBinder.writableCopy(t));
            }
        }
        PeftAdapter a = new PeftAdapter(folder, spec, c.path("lora_dropout").asDouble(0), c.path("base_model_name_or_path").asText(""), weights);
        a.check(wFile);
        return a;
    }

    private void check(Path file) {
        for (String n : weights.keySet()) {
            String other = n.endsWith(LoraRewrite.A) ? n.substring(0, n.length() - LoraRewrite.A.length()) + LoraRewrite.B
                    : n.substring(0, n.length() - LoraRewrite.B.length()) + LoraRewrite.A;
            if (!weights.containsKey(other)) throw new IrisException(file + ": " + peftKey(n) + " has no " + peftKey(other));
            long[] s = weights.get(n).shape();
            int rankAxis = n.endsWith(LoraRewrite.A) ? 0 : 1;
            if (s.length != 2 || s[rankAxis] != spec.rank()) {
                throw new IrisException(file + ": " + peftKey(n) + " has shape " + java.util.Arrays.toString(s) + ", r is " + spec.rank());
            }
        }
        if (weights.isEmpty()) throw new IrisException(file + " holds no tensors");
    }
}
