package dev.iris.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One image per conversation: the model places a single image block (in whichever user turn it
 * is attached to), so a request with a second {@code image_url} part anywhere in its history is a
 * 400 naming where the second image is and where the first one was. Counted on the raw JSON,
 * before any image is fetched or decoded.
 */
final class ImageLimit {
    static final int MAX_IMAGES = 1;
    static final String CODE = "too_many_images";

    private ImageLimit() {}

    static void check(JsonNode messages) {
        int count = 0;
        String first = null, second = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode c = messages.get(i).get("content");
            if (c == null || !c.isArray()) continue;
            for (int j = 0; j < c.size(); j++) {
                if (!"image_url".equals(c.get(j).path("type").asText())) continue;
                count++;
                String at = "messages[" + i + "].content[" + j + "]";
                if (first == null) first = at;
                else if (second == null) second = at;
            }
        }
        if (count > MAX_IMAGES) {
            throw ApiError.badRequest(second, CODE, "at most one image per request is supported (one image in the whole conversation, in any user turn); "
                    + "this request has " + count + ": the first is " + first + ", " + second + " is another. "
                    + "Start a new conversation to ask about another image");
        }
    }
}
