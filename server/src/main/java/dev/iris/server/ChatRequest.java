package dev.iris.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.iris.api.text.ChatMessage;
import dev.iris.plugins.model.VisionLanguageModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * A {@code POST /v1/chat/completions} body, checked: every problem is a 400 (or 404 for an
 * unknown model, 413 for an image over the limits) naming the field, as OpenAI's API does.
 * Fields this server does not act on (penalties, logprobs, user, ...) are ignored.
 */
record ChatRequest(String model, List<ChatMessage> messages, List<VisionLanguageModel.Image> images,
                   OptionalInt maxTokens, OptionalDouble temperature, OptionalDouble topP, OptionalInt seed,
                   List<String> stop, boolean stream, boolean includeUsage) {

    static final int MAX_STOP_SEQUENCES = 4;
    /** Characters in one stop sequence at most: each is matched against every piece of the answer. */
    static final int MAX_STOP_CHARS = 256;
    private static final Map<String, String> ROLES = Map.of("system", "system", "developer", "system", "user", "user", "assistant", "assistant");

    /** Characters of message text: what tokenizing costs grows with it. */
    long promptChars() {
        long n = 0;
        for (ChatMessage m : messages) n += m.content().length();
        return n;
    }

    VisionLanguageModel.Request toModelRequest() {
        return new VisionLanguageModel.Request(messages, images);
    }

    /** @param maxImages images the request may carry in all its messages ({@code serve.max_images}) */
    static ChatRequest parse(JsonNode body, String modelName, Images images, int maxImages) {
        if (body == null || !body.isObject()) throw ApiError.badRequest(null, "the request body must be a JSON object");
        JsonNode modelNode = body.get("model");
        if (modelNode == null || modelNode.isNull()) throw ApiError.badRequest("model", "'model' is required (this server has '" + modelName + "')");
        if (!modelNode.isTextual()) throw ApiError.badRequest("model", "'model' must be a string");
        String model = modelNode.asText();
        if (!model.equals(modelName)) {
            throw ApiError.notFound("model", "model_not_found", "The model " + ApiError.quote(model) + " does not exist (this server has '" + modelName + "')");
        }
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.canConvertToInt() && n.isIntegralNumber() && n.asInt() == 1)) {
            throw ApiError.badRequest("n", "only n = 1 is supported");
        }

        JsonNode msgs = body.get("messages");
        if (msgs == null || msgs.isNull()) throw ApiError.badRequest("messages", "'messages' is required");
        if (!msgs.isArray() || msgs.isEmpty()) throw ApiError.badRequest("messages", "'messages' must be a non-empty array");
        ImageLimit.check(msgs, maxImages);   // before any image is fetched or decoded
        List<ChatMessage> messages = new ArrayList<>();
        List<VisionLanguageModel.Image> attached = new ArrayList<>();
        for (int i = 0; i < msgs.size(); i++) {
            JsonNode m = msgs.get(i);
            String at = "messages[" + i + "]";
            if (!m.isObject()) throw ApiError.badRequest(at, at + " must be an object");
            JsonNode roleNode = m.get("role");
            if (roleNode == null || !roleNode.isTextual()) throw ApiError.badRequest(at + ".role", at + ".role is required (system, user or assistant)");
            String role = ROLES.get(roleNode.asText());
            if (role == null) throw ApiError.badRequest(at + ".role", at + ".role " + ApiError.quote(roleNode.asText()) + " is not supported (system, developer, user, assistant)");
            JsonNode content = m.get("content");
            StringBuilder text = new StringBuilder();
            if (content == null || content.isNull()) {
                throw ApiError.badRequest(at + ".content", at + ".content is required (tool calls are not supported)");
            } else if (content.isTextual()) {
                text.append(content.asText());
            } else if (content.isArray()) {
                for (int j = 0; j < content.size(); j++) {
                    JsonNode part = content.get(j);
                    String pat = at + ".content[" + j + "]";
                    String type = part.path("type").asText("");
                    switch (type) {
                        case "text" -> {
                            JsonNode t = part.get("text");
                            if (t == null || !t.isTextual()) throw ApiError.badRequest(pat + ".text", pat + ".text must be a string");
                            if (!text.isEmpty()) text.append('\n');
                            text.append(t.asText());
                        }
                        case "image_url" -> {
                            if (!role.equals("user")) throw ApiError.badRequest(pat, pat + " is an image in a message of role " + role + ": images are only allowed in user messages");
                            JsonNode u = part.get("image_url");
                            String url = u == null ? null : u.isTextual() ? u.asText() : u.path("url").isTextual() ? u.path("url").asText() : null;
                            if (url == null) throw ApiError.badRequest(pat + ".image_url.url", pat + ".image_url.url must be a string");
                            Images.Checked image = images.load(url);
                            attached.add(new VisionLanguageModel.Image(image.bytes(), image.name(), i));
                        }
                        default -> throw ApiError.badRequest(pat + ".type", pat + ".type " + ApiError.quote(type) + " is not supported (text, image_url)");
                    }
                }
            } else {
                throw ApiError.badRequest(at + ".content", at + ".content must be a string or an array of parts");
            }
            messages.add(new ChatMessage(role, text.toString()));
        }

        OptionalInt maxTokens = positiveInt(body, "max_completion_tokens");
        if (maxTokens.isEmpty()) maxTokens = positiveInt(body, "max_tokens");
        OptionalDouble temperature = number(body, "temperature", 0, 2, true);
        OptionalDouble topP = number(body, "top_p", 0, 1, false);
        OptionalInt seed = OptionalInt.empty();
        JsonNode s = body.get("seed");
        if (s != null && !s.isNull()) {
            if (!s.isIntegralNumber() || !s.canConvertToLong()) throw ApiError.badRequest("seed", "'seed' must be an integer");
            seed = OptionalInt.of(Long.hashCode(s.asLong()));   // the sampler takes an int: fold 64 bits into 32
        }
        List<String> stop = new ArrayList<>();
        JsonNode st = body.get("stop");
        if (st != null && !st.isNull()) {
            if (st.isTextual()) {
                stop.add(st.asText());
            } else if (st.isArray() && st.size() <= MAX_STOP_SEQUENCES) {
                for (JsonNode e : st) {
                    if (!e.isTextual()) throw ApiError.badRequest("stop", "'stop' must be a string or an array of strings");
                    stop.add(e.asText());
                }
            } else {
                throw ApiError.badRequest("stop", "'stop' must be a string or an array of at most " + MAX_STOP_SEQUENCES + " strings");
            }
        }
        boolean stream = bool(body, "stream");
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) throw ApiError.badRequest("stream_options", "'stream_options' must be an object");
            JsonNode iu = so.get("include_usage");
            if (iu != null && !iu.isNull() && !iu.isBoolean()) throw ApiError.badRequest("stream_options.include_usage", "'stream_options.include_usage' must be a boolean");
            includeUsage = iu != null && iu.asBoolean();
        }
        for (String one : stop) {
            if (one.length() > MAX_STOP_CHARS) {
                throw ApiError.badRequest("stop", "a stop sequence is " + one.length() + " characters; at most " + MAX_STOP_CHARS + " are allowed");
            }
        }
        return new ChatRequest(model, messages, List.copyOf(attached), maxTokens, temperature, topP, seed, List.copyOf(stop), stream, includeUsage);
    }

    private static OptionalInt positiveInt(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return OptionalInt.empty();
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 1) {
            throw ApiError.badRequest(field, "'" + field + "' must be an integer >= 1");
        }
        return OptionalInt.of(v.asInt());
    }

    private static OptionalDouble number(JsonNode body, String field, double min, double max, boolean minIncluded) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return OptionalDouble.empty();
        if (!v.isNumber()) throw ApiError.badRequest(field, "'" + field + "' must be a number");
        double d = v.asDouble();
        if (!(minIncluded ? d >= min : d > min) || d > max) {
            throw ApiError.badRequest(field, "'" + field + "' must be in " + (minIncluded ? "[" : "(") + min + ", " + max + "], got " + d);
        }
        return OptionalDouble.of(d);
    }

    private static boolean bool(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return false;
        if (!v.isBoolean()) throw ApiError.badRequest(field, "'" + field + "' must be a boolean");
        return v.asBoolean();
    }
}
