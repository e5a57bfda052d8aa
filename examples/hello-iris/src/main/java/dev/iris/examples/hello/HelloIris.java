package dev.iris.examples.hello;

import dev.iris.vlm.Answer;
import dev.iris.vlm.Image;
import dev.iris.vlm.Iris;
import dev.iris.vlm.IrisModel;
import dev.iris.vlm.Options;
import java.nio.file.Path;

/** Answers a question about an image: HelloIris CONFIG QUESTION [IMAGE]. */
public final class HelloIris {
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: HelloIris CONFIG QUESTION [IMAGE]");
            System.exit(2);
        }
        Image image = args.length > 2 ? Image.of(Path.of(args[2])) : null;   // null: text only
        Options options = Options.builder().maxNewTokens(64).build();      // the rest from the config's generate section
        try (IrisModel model = Iris.load(Path.of(args[0]))) {
            Answer answer = model.generate(args[1], image, options, System.out::print);   // streams as it writes
            System.out.println();
            System.out.printf("[%s after %d tokens]%n", answer.stopReason(), answer.generatedIds().length);
        }
    }
}
