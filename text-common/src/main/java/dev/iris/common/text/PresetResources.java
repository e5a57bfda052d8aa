package dev.iris.common.text;

import dev.iris.api.IrisException;
import dev.iris.api.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The files a language-model plugin ships in its jar for the model folders {@code iris init}
 * writes (a training corpus for a learned tokenizer, a real checkpoint's gzipped
 * {@code tokenizer.json}), read from one resource folder of the plugin's class path.
 *
 * @param anchor  a class of the plugin, whose class loader holds the resources
 * @param folder  the resource folder, e.g. {@code /dev/iris/llm/x/}
 * @param jarName the plugin's jar, named when a resource is missing
 */
public record PresetResources(Class<?> anchor, String folder, String jarName) {

    /** Plain ChatML as a Jinja template, for tools that render tokenizer_config.json's chat_template themselves. */
    public static final String CHATML_TEMPLATE = """
            {%- for message in messages %}
                {{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
            {%- endif %}
            """;

    /** A UTF-8 text resource. */
    public String text(String name) {
        try (InputStream in = open(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IrisException("cannot read the resource " + folder + name + ": " + e.getMessage(), e);
        }
    }

    /** A gzipped UTF-8 text resource, unpacked. */
    public String gunzip(String name) {
        try (InputStream in = new GZIPInputStream(open(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IrisException("cannot read the resource " + folder + name + ": " + e.getMessage(), e);
        }
    }

    private InputStream open(String name) throws IOException {
        InputStream in = anchor.getResourceAsStream(folder + name);
        if (in == null) throw new IOException("not found on the class path (is the " + jarName + " jar complete?)");
        return in;
    }

    /** The {@code added_tokens} of a {@code tokenizer.json} text, in file order; entries without content or id are skipped. */
    public static List<HfTokenizer.AddedToken> addedTokens(String tokenizerJson, String source) {
        List<HfTokenizer.AddedToken> out = new ArrayList<>();
        if (Json.parse(tokenizerJson, source) instanceof java.util.Map<?, ?> root && root.get("added_tokens") instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof java.util.Map<?, ?> t && t.get("content") instanceof String c && t.get("id") instanceof Long id) {
                    out.add(new HfTokenizer.AddedToken(c, id, Boolean.TRUE.equals(t.get("special"))));
                }
            }
        }
        return out;
    }
}
