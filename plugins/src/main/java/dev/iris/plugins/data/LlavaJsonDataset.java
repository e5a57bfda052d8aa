package dev.iris.plugins.data;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.iris.api.IrisException;
import dev.iris.api.spi.Dataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * LLaVA's pretraining json: a top-level array of
 * {@code {"id", "image", "conversations": [{"from": "human", ...}, {"from": "gpt", "value": caption}]}}.
 * The array is streamed: only the current entry is ever held as a tree, so a 558k-entry file
 * costs one entry of memory.
 */
final class LlavaJsonDataset implements Dataset {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final Path json;
    private final Path images;

    LlavaJsonDataset(Path json, Path images) {
        this.json = json;
        this.images = images;
    }

    @Override
    public Examples open() {
        return new FilePass();
    }

    @Override
    public String describe() {
        return "llava-json " + json + " (images in " + images + ")";
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
                            + (first == null ? "nothing" : first.asString() == null ? first.name() : "'" + first.asString() + "'"));
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
                    Example e = toExample(MAPPER.readTree(parser), at);
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

        private Example toExample(JsonNode entry, long at) {
            JsonNode idNode = entry.get("id");
            String id = idNode != null && idNode.isValueNode() && !idNode.asText().isBlank()
                    ? idNode.asText()
                    : json.getFileName() + "#" + at;
            JsonNode imageNode = entry.get("image");
            if (imageNode == null || !imageNode.isTextual() || imageNode.asText().isBlank()) {
                skips.skip(SkipCounter.MISSING_IMAGE, id); // text-only entries carry no image
                return null;
            }
            JsonNode gpt = firstGptTurn(entry.get("conversations"));
            if (gpt == null) {
                skips.skip(SkipCounter.NO_GPT_TURN, id);
                return null;
            }
            JsonNode value = gpt.get("value");
            if (value == null || !value.isTextual() || value.asText().isBlank()) {
                skips.skip(SkipCounter.EMPTY_CAPTION, id);
                return null;
            }
            Optional<byte[]> bytes = ImageRefs.read(images, imageNode.asText());
            if (bytes.isEmpty()) {
                skips.skip(SkipCounter.IMAGE_NOT_FOUND, id);
                return null;
            }
            return new Example(id, value.asText().strip(), bytes.get());
        }

        /** The caption is the first answer; "assistant" is accepted as ShareGPT-style files write it. */
        private static JsonNode firstGptTurn(JsonNode conversations) {
            if (conversations == null || !conversations.isArray()) {
                return null;
            }
            for (JsonNode turn : conversations) {
                JsonNode from = turn.get("from");
                if (from != null && (from.asText().equalsIgnoreCase("gpt") || from.asText().equalsIgnoreCase("assistant"))) {
                    return turn;
                }
            }
            return null;
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
