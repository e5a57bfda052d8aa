package dev.iris.api.spi;

import dev.iris.api.graph.GraphBuilder;
import dev.iris.api.graph.Value;
import dev.iris.api.text.ChatTemplate;
import dev.iris.api.text.TextTokenizer;
import java.util.List;
import java.util.Set;

/**
 * A decoder-only language model described through the graph interface. Weights are requested
 * by their checkpoint names in group {@code llm}. The decoder takes embeddings rather than ids
 * so a fusion module can splice image embeddings in (architecture A), and it calls a
 * {@link LayerHook} after every layer so a fusion module can add work between layers
 * (architecture B) without knowing the model family.
 */
public interface LanguageModel {

    int hiddenSize();

    int vocabSize();

    int layers();

    int kvHeads();

    int headDim();

    /** The longest context the model supports (prompt plus generated tokens). */
    int maxPositions();

    /**
     * The epsilon of the decoder's normalisations ({@code rms_norm_eps} in a Hugging Face
     * config): blocks a fusion adds between the layers normalise with it unless told otherwise.
     */
    double normEps();

    TextTokenizer tokenizer();

    ChatTemplate chatTemplate();

    /** Ids that end generation (generation_config's eos_token_id and the end-of-turn token). */
    Set<Long> stopTokenIds();

    /**
     * The token an image position is written as in this model's prompts (the text its chat
     * template's image block repeats) and the id the tokenizer gives it. A family whose
     * vocabulary has no such token adds one in its plugin; the id may then lie outside the
     * embedding table, because the host never looks image positions up there (their
     * embeddings come from the fusion). Asked only when the fusion places tokens in the prompt.
     */
    ImageToken imageToken();

    /** An image position's token: its text in a prompt and its id. */
    record ImageToken(String text, long id) {
        public ImageToken {
            if (text == null || text.isEmpty()) throw new IllegalArgumentException("an image token needs its text");
            if (id < 0) throw new IllegalArgumentException("image token " + text + " has a negative id " + id);
        }
    }

    /** Token ids [B, T] (int64) to embeddings [B, T, hiddenSize]. */
    Value embed(GraphBuilder g, Value ids);

    /** Runs the decoder stack; the result's hidden states are after the final norm. */
    Decoded decode(GraphBuilder g, DecoderInput in);

    /** Hidden states [..., hiddenSize] to logits [..., vocabSize]. */
    Value logits(GraphBuilder g, Value hidden);

    /**
     * @param embeddings [B, T, hidden]
     * @param positions  int64 [B, T]: each token's position in its sequence
     * @param mask       additive float mask broadcastable to [B, 1, T, past + T] (causal and padding)
     * @param pastKeys   per layer [B, kvHeads, past, headDim], or empty for no cache
     * @param pastValues per layer, like pastKeys
     * @param hook       called after every layer
     */
    record DecoderInput(Value embeddings, Value positions, Value mask, List<Value> pastKeys, List<Value> pastValues, LayerHook hook) {
        public DecoderInput {
            pastKeys = List.copyOf(pastKeys);
            pastValues = List.copyOf(pastValues);
            if (hook == null) hook = LayerHook.NONE;
        }
    }

    /** Final hidden states and, per layer, the keys and values including the past (the new cache). */
    record Decoded(Value hidden, List<Value> keys, List<Value> values) {}

    /** Work added after a decoder layer; returns the (possibly changed) hidden states. */
    @FunctionalInterface
    interface LayerHook {
        Value afterLayer(GraphBuilder g, int layer, Value hidden);

        LayerHook NONE = (g, layer, hidden) -> hidden;
    }
}
