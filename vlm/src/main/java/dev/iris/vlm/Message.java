package dev.iris.vlm;

import java.util.Objects;
import java.util.Optional;

/**
 * One turn of a conversation for {@link IrisModel#chat}. Only a user turn may carry an image; the
 * model places it after the turn's text, as in training.
 *
 * @param role  who speaks
 * @param text  what they say
 * @param image the image of a user turn, if any
 */
public record Message(Role role, String text, Optional<Image> image) {
    /** Who speaks in a turn. */
    public enum Role {
        /** Instructions for the model, before the conversation. */
        SYSTEM,
        /** The person asking. */
        USER,
        /** The model's earlier answers. */
        ASSISTANT
    }

    /** Checks that nothing is null and that only a user turn carries an image. */
    public Message {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(image, "image");
        if (image.isPresent() && role != Role.USER) {
            throw new IllegalArgumentException("only a user message may carry an image, not a " + role.name().toLowerCase() + " message");
        }
    }

    /** A system turn: instructions for the model. */
    public static Message system(String text) {
        return new Message(Role.SYSTEM, text, Optional.empty());
    }

    /** A user turn of text. */
    public static Message user(String text) {
        return new Message(Role.USER, text, Optional.empty());
    }

    /** A user turn about an image. */
    public static Message user(String text, Image image) {
        return new Message(Role.USER, text, Optional.of(Objects.requireNonNull(image, "image")));
    }

    /** An earlier answer of the model. */
    public static Message assistant(String text) {
        return new Message(Role.ASSISTANT, text, Optional.empty());
    }
}
