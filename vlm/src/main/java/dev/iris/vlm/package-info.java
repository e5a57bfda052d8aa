/**
 * Iris as a library: everything a Java program needs to run, chat with, train and evaluate a
 * small vision-language model, in this one package.
 *
 * <pre>{@code
 * try (IrisModel model = Iris.load(Path.of("models/tiny/iris.yaml"))) {
 *     Answer a = model.generate("What is in the image?", Image.of(Path.of("cat.png")),
 *             Options.builder().maxNewTokens(64).build());
 *     System.out.println(a.text());
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link Iris} loads a model from a YAML config (the same file the {@code iris} command
 *       takes), or writes a small random one to try things with;</li>
 *   <li>{@link IrisModel} generates (blocking, with a callback per piece of text, or as a
 *       {@link java.util.concurrent.Flow.Publisher}), chats, trains and evaluates;</li>
 *   <li>{@link Image}, {@link Message} and {@link Options} are the inputs; {@link Answer},
 *       {@link TrainResult}, {@link TrainStep} and {@link Evaluation} the results.</li>
 * </ul>
 *
 * <p>Errors are {@link dev.iris.api.IrisException} (unchecked), with a message naming the file,
 * key or value at fault. The JVM needs {@code --enable-native-access=ALL-UNNAMED} (ONNX Runtime
 * loads a native library); see the README's "Use Iris from Java" section.
 */
package dev.iris.vlm;
