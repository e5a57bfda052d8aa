package dev.iris.datasets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * LLaVA's json (the pretraining captions, LLaVA-Instruct-150K, llava_v1_5_mix665k): a top-level array of
 * {@code {"id", "image", "conversations": [{"from": "human", "value": "<image>\n..."}, {"from": "gpt", ...}, ...]}},
 * every turn kept ({@link LlavaTurns}); {@code image} is a file name under the images folder, a list
 * of them, or absent for a text-only entry. An entry that cannot be a conversation (roles not
 * alternating, an empty answer, a missing image file, {@code <image>} markers that disagree with
 * the images) is skipped and counted with its reason.
 * or the same entries as JSON Lines (a {@code .jsonl} file, one object per line). Both are streamed: only the current entry is ever held
 * as a tree, so a 558k-entry file costs one entry of memory. In JSON Lines a line that does not
 * parse is skipped and counted with its line number, like any other bad row; in an array a
 * syntax error ends the file, so it stops the pass naming the line.
 */
final class LlavaJsonDataset implements Dataset {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** One line is one value: {@code {...} {...}} on a line is a bad line, not its first entry. */
    private static final ObjectReader LINE = MAPPER.reader().with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path json;
    private final Path images;

    LlavaJsonDataset(Path json, Path images) {
        this.json = json;
        this.images = images;
    }

    @Override
    public Examples open() {
        return jsonLines() ? new LinesPass() : new FilePass();
    }

    /** A {@code .jsonl} file that does not start with an array (its content decides, not only its name). */
    private boolean jsonLines() {
        if (!json.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".jsonl")) {
            return false;
        }
        try (InputStream in = Files.newInputStream(json)) {
            int c;
            do {
                c = in.read();
            } while (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xEF || c == 0xBB || c == 0xBF); // BOM too
            return c != '[';
        } catch (IOException e) {
            throw new IrisException("cannot read " + json + ": " + e.getMessage(), e);
        }
    }

    /** One entry per line; blank lines are not entries. */
    private final class LinesPass extends Pass {
        private final BufferedReader reader;
        private long line;

        LinesPass() {
            try {
                reader = Files.newBufferedReader(json, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IrisException("cannot read " + json + ": " + e.getMessage(), e);
            }
        }

        @Override
        protected void release() {
            try {
                reader.close();
            } catch (IOException e) {
                // read-only: nothing is lost
            }
        }

        @Override
        protected Example advance() {
            try {
                while (true) {
                    String text = reader.readLine();
                    if (text == null) {
                        return null;
                    }
                    line++;
                    if (line == 1 && text.startsWith("\uFEFF")) {
                        text = text.substring(1);
                    }
                    if (text.isBlank()) {
                        continue;
                    }
                    String where = json.getFileName() + ":" + line;
                    JsonNode entry;
                    try {
                        entry = LINE.readTree(text);
                    } catch (JsonProcessingException e) {
                        skips.skip(SkipCounter.MALFORMED_LINE, where);
                        continue;
                    }
                    if (entry == null || !entry.isObject()) {
                        skips.skip(SkipCounter.NOT_AN_ENTRY, where);
                        continue;
                    }
                    Example e = toExample(entry, where, skips);
                    if (e != null) {
                        return e;
                    }
                }
            } catch (IOException e) {
                close();
                throw new IrisException("cannot read " + json + " at line " + (line + 1) + ": " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String describe() {
        return "llava-json " + json + " (images in " + images + ")";
    }

    /** The entry as an example, or null after counting why it is skipped; {@code where} is its id when it has none. */
    private Example toExample(JsonNode entry, String where, SkipCounter skips) {
        JsonNode idNode = entry.get("id");
        String id = idNode != null && idNode.isValueNode() && !idNode.asText().isBlank()
                ? idNode.asText()
                : where;
        List<String> refs = new ArrayList<>();
        String imageProblem = imageRefs(entry.get("image"), refs);
        if (imageProblem != null) {
            skips.skip(imageProblem, id);
            return null;
        }
        JsonNode conversations = entry.get("conversations");
        if (conversations == null || !conversations.isArray()) {
            skips.skip(SkipCounter.NO_CONVERSATIONS, id);
            return null;
        }
        List<LlavaTurns.Raw> raw = new ArrayList<>();
        for (JsonNode turn : conversations) {
            raw.add(new LlavaTurns.Raw(text(turn.get("from")), text(turn.get("value"))));
        }
        LlavaTurns.Read read = LlavaTurns.read(raw, refs.size());
        if (!read.ok()) {
            skips.skip(read.problem(), id);
            return null;
        }
        List<byte[]> bytes = new ArrayList<>();
        for (String ref : refs) {
            Optional<byte[]> b = ImageRefs.read(images, ref);
            if (b.isEmpty()) {
                skips.skip(SkipCounter.IMAGE_NOT_FOUND + ": " + ref, id);
                return null;
            }
            bytes.add(b.get());
        }
        return new Example(id, read.turns(), bytes);
    }

    /**
     * Fills {@code refs} from the entry's {@code image}: absent or null for a text-only entry, a
     * file name, or a list of them (several images); returns why the field is unusable, else null.
     */
    private static String imageRefs(JsonNode image, List<String> refs) {
        if (image == null || image.isNull()) {
            return null;
        }
        if (image.isTextual()) {
            if (image.asText().isBlank()) {
                return SkipCounter.MISSING_IMAGE;
            }
            refs.add(image.asText());
            return null;
        }
        if (image.isArray()) {
            for (JsonNode ref : image) {
                if (!ref.isTextual() || ref.asText().isBlank()) {
                    return SkipCounter.BAD_IMAGE_FIELD + ": the image list holds " + (ref.isTextual() ? "an empty name" : ref.getNodeType().name().toLowerCase(Locale.ROOT));
                }
                refs.add(ref.asText());
            }
            return null;
        }
        return SkipCounter.BAD_IMAGE_FIELD + ": 'image' is a " + image.getNodeType().name().toLowerCase(Locale.ROOT) + ", expected a file name or a list of them";
    }

    /** A text node's text; null for anything else. */
    private static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private final class FilePass extends Pass {
        private JsonParser parser;
        private long index;

        FilePass() {
            JsonFactory factory = MAPPER.getFactory();
            try {
                parser = factory.createParser(json.toFile());
                JsonToken first = parser.nextToken();
                if (first != JsonToken.START_ARRAY) {
                    throw new IrisException(json + ": expected a JSON array of LLaVA entries but the file starts with "
                            + (first == null ? "nothing" : first.asString() == null ? first.name() : "'" + first.asString() + "'")
                            + (first == JsonToken.START_OBJECT ? " (JSON Lines, one entry per line, are read from a .jsonl file)" : ""));
                }
            } catch (IOException e) {
                close();
                throw malformed(e);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        @Override
        protected void release() {
            if (parser != null) {
                try {
                    parser.close();
                } catch (IOException e) {
                    // read-only: nothing is lost
                }
            }
        }

        @Override
        protected Example advance() {
            try {
                while (true) {
                    JsonToken t = parser.nextToken();
                    if (t == JsonToken.END_ARRAY || t == null) {
                        return null;
                    }
                    long at = index++;
                    if (t != JsonToken.START_OBJECT) {
                        parser.skipChildren(); // a stray array or value: skip it whole
                        skips.skip(SkipCounter.NOT_AN_ENTRY, json.getFileName() + "#" + at);
                        continue;
                    }
                    Example e = toExample(MAPPER.readTree(parser), json.getFileName() + "#" + at, skips);
                    if (e != null) {
                        return e;
                    }
                }
            } catch (IOException e) {
                close();
                throw malformed(e);
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        private IrisException malformed(IOException e) {
            if (e instanceof JsonProcessingException jp) {
                JsonLocation loc = jp.getLocation();
                String where = loc == null ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
                return new IrisException(json + ": malformed JSON" + where + ": " + jp.getOriginalMessage(), e);
            }
            return new IrisException("cannot read " + json + ": " + e.getMessage(), e);
        }
    }
}
