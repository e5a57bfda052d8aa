package dev.iris.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.iris.api.IrisException;
import dev.iris.api.image.InvalidImageException;
import dev.iris.plugins.config.GenerateConfig;
import dev.iris.plugins.model.GenerationResult;
import dev.iris.plugins.model.VisionLanguageModel;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code POST /v1/chat/completions}: one answer, as one JSON object or as Server-Sent Events. */
final class ChatCompletions {
    private static final Logger LOG = LoggerFactory.getLogger(ChatCompletions.class);

    private final IrisServer server;
    private final ObjectMapper json;

    ChatCompletions(IrisServer server, ObjectMapper json) {
        this.server = server;
        this.json = json;
    }

    void handle(Context ctx) {
        JsonBodies.requireJson(ctx);
        long deadline = System.nanoTime() + (long) (server.config().deadlineS() * 1e9);
        ChatEngine engine = server.engine();   // 503 until the model is ready, and while draining
        JsonNode body = JsonBodies.read(ctx, server.config());
        server.admission().refuseIfFull();
        ChatRequest req = ChatRequest.parse(body, server.config().modelName(), server.images(), server.config().maxImages());
        int context = engine.contextLength();
        // cheap checks first: a prompt that cannot fit is refused before it is tokenized or queued
        PromptSize.check(req.promptChars(), server.config(), context, "messages");
        checkCap(req);
        VisionLanguageModel.Request request = req.toModelRequest();
        try (Admission.Slot slot = server.admission().enter(deadline, server.retryWhileDraining())) {
            int prompt = engine.promptTokens(request);   // tokenizing is work: inside the worker limit
            int maxTokens = maxTokens(req, prompt, context);
            GenerateConfig d = server.defaults();
            GenerateConfig gc = d.withSystem(Optional.empty()).withMaxNewTokens(maxTokens)
                    .withTemperature(req.temperature().orElse(d.temperature()))
                    .withTopP(req.topP().orElse(d.topP()))
                    .withSeed(req.seed().orElse(d.seed()));
            Turn turn = new Turn(engine, request, gc, req, prompt, deadline);
            if (req.stream()) {
                stream(ctx, turn);
            } else {
                whole(ctx, turn);
            }
        }
    }

    private void checkCap(ChatRequest req) {
        int cap = server.config().maxTokensCap();
        if (req.maxTokens().isPresent() && req.maxTokens().getAsInt() > cap) {
            throw ApiError.badRequest("max_tokens", "max_tokens is " + req.maxTokens().getAsInt() + " but this server allows at most " + cap + " (serve.max_tokens_cap)");
        }
    }

    /** max_tokens: asked for (at most the cap, and the prompt must leave room), else the config's default within what fits. */
    private int maxTokens(ChatRequest req, int prompt, int context) {
        int cap = server.config().maxTokensCap();
        String param = req.maxTokens().isPresent() ? "max_tokens" : null;
        if (req.maxTokens().isPresent()) {
            int asked = req.maxTokens().getAsInt();
            if (asked > cap) {
                throw ApiError.badRequest(param, "max_tokens is " + asked + " but this server allows at most " + cap + " (serve.max_tokens_cap)");
            }
            if (prompt + asked > context) {
                throw ApiError.badRequest(param, "context_length_exceeded", "the prompt is " + prompt + " tokens and max_tokens is " + asked
                        + ": together " + (prompt + asked) + ", more than the model's context of " + context + " tokens");
            }
            return asked;
        }
        if (prompt >= context) {
            throw ApiError.badRequest("messages", "context_length_exceeded", "the prompt is " + prompt
                    + " tokens, which leaves no room in the model's context of " + context + " tokens");
        }
        return Math.min(Math.min(server.defaults().maxNewTokens(), cap), context - prompt);
    }

    /** One generation with its stop sequences, deadline and shutdown checks. */
    private final class Turn {
        final ChatEngine engine;
        final VisionLanguageModel.Request request;
        final GenerateConfig cfg;
        final ChatRequest req;
        final int prompt;
        final long deadline;
        final String id = "chatcmpl-" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(ThreadLocalRandom.current().nextLong());
        final long created = System.currentTimeMillis() / 1000;
        StopMatcher stops;

        Turn(ChatEngine engine, VisionLanguageModel.Request request, GenerateConfig cfg, ChatRequest req, int prompt, long deadline) {
            this.engine = engine;
            this.request = request;
            this.cfg = cfg;
            this.req = req;
            this.prompt = prompt;
            this.deadline = deadline;
        }

        /** Runs the model; text goes to {@code out}. Returns finish_reason and completion tokens. */
        Outcome run(Consumer<String> out) {
            stops = new StopMatcher(req.stop(), out);
            Consumer<String> onText = piece -> {
                if (server.aborting()) throw new GenerationStopped(GenerationStopped.Reason.SHUTDOWN, null);
                if (System.nanoTime() - deadline > 0) throw new GenerationStopped(GenerationStopped.Reason.DEADLINE, null);
                stops.accept(piece);
            };
            try {
                GenerationResult r = engine.generate(request, cfg, onText);
                stops.finish();
                String finish = r.stopReason().equals("stop") ? "stop" : "length";   // "context" is a length limit too
                server.metrics().generation(finish, prompt, r.generatedIds().length);
                return new Outcome(finish, r.generatedIds().length);
            } catch (GenerationStopped s) {
                // the model did not return its ids: count the tokens of the text it wrote
                int tokens = engine.countTokens(stops.produced());
                String outcome = switch (s.reason()) {
                    case STOP_SEQUENCE -> "stop";
                    case CLIENT_GONE -> "client_gone";
                    case DEADLINE -> "deadline";
                    case SHUTDOWN -> "shutdown";
                };
                server.metrics().generation(outcome, prompt, tokens);
                if (s.reason() == GenerationStopped.Reason.STOP_SEQUENCE) return new Outcome("stop", tokens);
                throw s;
            } catch (ApiError e) {
                server.metrics().generation("error", prompt, 0);
                throw e;
            } catch (InvalidImageException e) {
                server.metrics().generation("error", prompt, 0);
                throw invalidImage(e);
            } catch (IrisException e) {
                server.metrics().generation("error", prompt, 0);
                if (server.stopping()) throw ApiError.unavailable("shutting_down", "the server is shutting down", 5);   // the model closed under it
                LOG.warn("generation failed: {}", e.getMessage());
                throw ApiError.internal("generation failed: " + e.getMessage());
            } catch (RuntimeException e) {
                server.metrics().generation("error", prompt, 0);
                LOG.error("generation failed", e);
                throw ApiError.internal("generation failed: " + e);
            }
        }

        ObjectNode usage(int completion) {
            ObjectNode u = json.createObjectNode();
            u.put("prompt_tokens", prompt);
            u.put("completion_tokens", completion);
            u.put("total_tokens", prompt + completion);
            return u;
        }

        ObjectNode envelope(String object) {
            ObjectNode o = json.createObjectNode();
            o.put("id", id);
            o.put("object", object);
            o.put("created", created);
            o.put("model", req.model());
            o.putNull("system_fingerprint");
            return o;
        }
    }

    /** The model could not decode the image: the client's error, said in the decoder's words. */
    static ApiError invalidImage(InvalidImageException e) {
        return ApiError.badRequest(DataUri.PARAM, "invalid_image", "the image cannot be decoded: " + e.reason());
    }

    private record Outcome(String finishReason, int completionTokens) {}

    private void whole(Context ctx, Turn turn) {
        StringBuilder text = new StringBuilder();
        Outcome o;
        try {
            o = turn.run(text::append);
        } catch (GenerationStopped s) {
            throw stoppedError(s);
        }
        ObjectNode r = turn.envelope("chat.completion");
        ObjectNode choice = r.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        message.put("content", text.toString());
        message.putNull("refusal");
        choice.putNull("logprobs");
        choice.put("finish_reason", o.finishReason());
        r.set("usage", turn.usage(o.completionTokens()));
        server.sendJson(ctx, 200, r);
    }

    private static ApiError stoppedError(GenerationStopped s) {
        return switch (s.reason()) {
            case DEADLINE -> ApiError.timeout("the answer was not finished before the request's deadline (serve.deadline_s)");
            case SHUTDOWN -> ApiError.unavailable("shutting_down", "the server is shutting down", 5);
            default -> ApiError.internal("generation stopped: " + s.reason());
        };
    }

    /**
     * Server-Sent Events. Nothing is sent before the model's first text, so errors found while
     * preparing (a bad image, a prompt that does not fit) still get their status code; from then
     * on every event is flushed at once, and a failed write means the client left: the
     * generation stops.
     */
    private void stream(Context ctx, Turn turn) {
        SseOut sse = new SseOut(ctx.res(), turn);
        Outcome o;
        try {
            o = turn.run(sse::content);
        } catch (GenerationStopped s) {
            if (s.reason() == GenerationStopped.Reason.CLIENT_GONE) {
                LOG.debug("client left during {}: generation stopped", turn.id);
                ctx.attribute(IrisServer.CLIENT_GONE, true);
                return;
            }
            if (!sse.committed) throw stoppedError(s);
            ApiError e = stoppedError(s);
            sse.quietly(() -> sse.event(server.errorBody(e)));
            return;
        } catch (ApiError e) {
            if (!sse.committed) throw e;
            sse.quietly(() -> sse.event(server.errorBody(e)));   // mid-stream: the status is sent already
            return;
        }
        sse.quietly(() -> {
            sse.begin();
            ObjectNode last = turn.envelope("chat.completion.chunk");
            ObjectNode choice = last.putArray("choices").addObject();
            choice.put("index", 0);
            choice.putObject("delta");
            choice.putNull("logprobs");
            choice.put("finish_reason", o.finishReason());
            if (turn.req.includeUsage()) last.putNull("usage");
            sse.event(last);
            if (turn.req.includeUsage()) {
                // as OpenAI does: one more chunk with no choices and the usage of the whole answer
                ObjectNode usage = turn.envelope("chat.completion.chunk");
                usage.putArray("choices");
                usage.set("usage", turn.usage(o.completionTokens()));
                sse.event(usage);
            }
            sse.raw("data: [DONE]\n\n");
        });
    }

    /** Writes events to the response, committing it with the first one. */
    private final class SseOut {
        private final HttpServletResponse res;
        private final Turn turn;
        private OutputStream out;
        boolean committed;

        SseOut(HttpServletResponse res, Turn turn) {
            this.res = res;
            this.turn = turn;
        }

        interface IoAction {
            void run() throws IOException;
        }

        /** Runs writes whose failure (the client left at the very end) changes nothing. */
        void quietly(IoAction a) {
            try {
                a.run();
            } catch (IOException | GenerationStopped e) {
                LOG.debug("client left at the end of {}", turn.id);
            }
        }

        void begin() throws IOException {
            if (committed) return;
            res.setStatus(200);
            res.setContentType("text/event-stream; charset=utf-8");
            res.setHeader("Cache-Control", "no-cache");
            res.setHeader("X-Accel-Buffering", "no");   // proxies must not hold events back
            out = res.getOutputStream();
            committed = true;
            ObjectNode first = turn.envelope("chat.completion.chunk");
            ObjectNode choice = first.putArray("choices").addObject();
            choice.put("index", 0);
            ObjectNode delta = choice.putObject("delta");
            delta.put("role", "assistant");
            delta.put("content", "");
            choice.putNull("logprobs");
            choice.putNull("finish_reason");
            if (turn.req.includeUsage()) first.putNull("usage");
            event(first);
        }

        /** One piece of text; a failed write stops the generation (CLIENT_GONE). */
        void content(String text) {
            try {
                begin();
                ObjectNode chunk = turn.envelope("chat.completion.chunk");
                ArrayNode choices = chunk.putArray("choices");
                ObjectNode choice = choices.addObject();
                choice.put("index", 0);
                choice.putObject("delta").put("content", text);
                choice.putNull("logprobs");
                choice.putNull("finish_reason");
                if (turn.req.includeUsage()) chunk.putNull("usage");
                event(chunk);
            } catch (IOException e) {
                throw new GenerationStopped(GenerationStopped.Reason.CLIENT_GONE, e);
            }
        }

        void event(ObjectNode data) throws IOException {
            raw("data: " + json.writeValueAsString(data) + "\n\n");
        }

        void raw(String text) throws IOException {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }
    }
}
