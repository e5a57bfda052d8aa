package dev.iris.server;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * At most {@code serve.max_images} images in one chat request, in all its messages together
 * (each {@code image_url} part is one image block or one image's keys and values for the model):
 * a request with more is a 400 naming where the first image over the limit is. Counted on the raw
 * JSON, before any image is fetched or decoded.
 */
final class ImageLimit {
    static final String CODE = "too_many_images";

    private ImageLimit() {}

    static void check(JsonNode messages, int max) {
        int count = 0;
        String over = null;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode c = messages.get(i).get("content");
            if (c == null || !c.isArray()) continue;
            for (int j = 0; j < c.size(); j++) {
                if (!"image_url".equals(c.get(j).path("type").asText())) continue;
                count++;
                if (count == max + 1) over = "messages[" + i + "].content[" + j + "]";
            }
        }
        if (count > max) {
            throw ApiError.badRequest(over, CODE, "at most " + max + " image" + (max == 1 ? "" : "s") + " per request (in all its messages together)"
                    + " are accepted by this server (serve.max_images); this request has " + count + ", and " + over + " is the first over the limit");
        }
    }
}
