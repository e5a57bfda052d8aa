package dev.iris.common.vision;

import dev.iris.api.IrisException;
import dev.iris.api.config.ConfigException;
import dev.iris.api.json.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The preprocessing settings of a Hugging Face {@code preprocessor_config.json}. Keys that are
 * missing (or {@code null}) take the model family's values ({@link #siglipDefaults()} unless a
 * plugin passes its own, e.g. {@link #clipDefaults()}); keys this processor does not use
 * ({@code image_processor_type}, {@code processor_class}, ...) are ignored.
 *
 * @param doResize      {@code do_resize}
 * @param size          {@code size}: {@code {"height", "width"}}, {@code {"shortest_edge"}}, or a bare integer:
 *                      the shortest edge when the family's default size is one (CLIP), else a square (SigLIP)
 * @param resample      {@code resample}, Pillow's filter code
 * @param doRescale     {@code do_rescale}
 * @param rescaleFactor {@code rescale_factor}, usually 1/255
 * @param doNormalize   {@code do_normalize}
 * @param imageMean     {@code image_mean}, one value per RGB channel
 * @param imageStd      {@code image_std}, one value per RGB channel
 * @param centerCrop    {@code crop_size} when {@code do_center_crop} is true (CLIP), else null: after
 *                      resizing, the centre {@code height x width} is cut out (padded with black
 *                      where the image is smaller, as Hugging Face's {@code center_crop} pads)
 */
public record ImageProcessorConfig(boolean doResize, Size size, Resample resample, boolean doRescale,
                                   double rescaleFactor, boolean doNormalize,
                                   List<Double> imageMean, List<Double> imageStd, Fixed centerCrop) {

    /** Target size of the resize step. */
    public sealed interface Size permits Fixed, ShortestEdge {}

    /** Resize to exactly {@code width x height}, ignoring aspect ratio (SigLIP). */
    public record Fixed(int height, int width) implements Size {
        public Fixed {
            if (height <= 0 || width <= 0) throw new IllegalArgumentException("size must be positive, got " + height + "x" + width);
        }
    }

    /** Scale so the shorter side becomes {@code shortestEdge}, keeping the aspect ratio (CLIP-style, without cropping). */
    public record ShortestEdge(int shortestEdge) implements Size {
        public ShortestEdge {
            if (shortestEdge <= 0) throw new IllegalArgumentException("shortest_edge must be positive, got " + shortestEdge);
        }
    }

    /** A configuration without a center crop (SigLIP's processor has none). */
    public ImageProcessorConfig(boolean doResize, Size size, Resample resample, boolean doRescale, double rescaleFactor,
                                boolean doNormalize, List<Double> imageMean, List<Double> imageStd) {
        this(doResize, size, resample, doRescale, rescaleFactor, doNormalize, imageMean, imageStd, null);
    }

    public ImageProcessorConfig {
        Objects.requireNonNull(size, "size");
        Objects.requireNonNull(resample, "resample");
        imageMean = List.copyOf(imageMean);
        imageStd = List.copyOf(imageStd);
        if (imageMean.size() != 3 || imageStd.size() != 3) {
            throw new IllegalArgumentException("image_mean and image_std need 3 values (R, G, B), got "
                    + imageMean + " and " + imageStd);
        }
        for (double s : imageStd) {
            if (s == 0.0) throw new IllegalArgumentException("image_std contains 0: " + imageStd);
        }
    }

    /** google/siglip-base-patch16-224: 224x224 bicubic, scale by 1/255, normalise with mean 0.5 and std 0.5. */
    public static ImageProcessorConfig siglipDefaults() {
        return new ImageProcessorConfig(true, new Fixed(224, 224), Resample.BICUBIC, true, 1 / 255.0, true,
                List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5));
    }

    /**
     * openai/clip-vit-base-patch32 (and the other 224-pixel CLIP checkpoints): shortest edge to 224
     * bicubic, center crop 224x224, scale by 1/255, normalise with CLIP's mean and std.
     */
    public static ImageProcessorConfig clipDefaults() {
        return new ImageProcessorConfig(true, new ShortestEdge(224), Resample.BICUBIC, true, 1 / 255.0, true,
                List.of(0.48145466, 0.4578275, 0.40821073), List.of(0.26862954, 0.26130258, 0.27577711), new Fixed(224, 224));
    }

    /** Reads {@code preprocessor_config.json}, SigLIP's values for missing keys; errors name the file and the offending key. */
    public static ImageProcessorConfig load(Path file) {
        return load(file, siglipDefaults());
    }

    /** Reads {@code preprocessor_config.json}; missing keys take {@code defaults}' values (the model family's processor). */
    public static ImageProcessorConfig load(Path file, ImageProcessorConfig defaults) {
        String text;
        try {
            byte[] bytes = Files.readAllBytes(file);
            text = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (NoSuchFileException e) {
            throw new ConfigException("preprocessor config " + file + " does not exist");
        } catch (CharacterCodingException e) {
            throw new ConfigException("preprocessor config " + file + " is not valid UTF-8");
        } catch (IOException e) {
            throw new ConfigException("cannot read preprocessor config " + file + ": " + e);
        }
        return parse(text, file.toString(), defaults);
    }

    /**
     * Parses the JSON text of a preprocessor config.
     *
     * @param source names the text in error messages (usually the file path)
     */
    public static ImageProcessorConfig parse(String json, String source) {
        return parse(json, source, siglipDefaults());
    }

    /** As {@link #parse(String, String)}, missing keys taking {@code defaults}' values. */
    public static ImageProcessorConfig parse(String json, String source, ImageProcessorConfig defaults) {
        Object root;
        try {
            root = widenNumbers(Json.parse(json, source));
        } catch (IrisException e) {
            throw new ConfigException(e.getMessage());
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new ConfigException(source + ": expected a JSON object at the top level, found " + kind(root));
        }
        Reader r = new Reader(map, source);
        ImageProcessorConfig d = Objects.requireNonNull(defaults, "defaults");
        boolean doResize = r.bool("do_resize", d.doResize());
        Size size = r.size(d.size());
        Resample resample = r.resample(d.resample());
        boolean doRescale = r.bool("do_rescale", d.doRescale());
        double rescaleFactor = r.number("rescale_factor", d.rescaleFactor());
        boolean doNormalize = r.bool("do_normalize", d.doNormalize());
        List<Double> mean = r.perChannel("image_mean", d.imageMean());
        List<Double> std = r.perChannel("image_std", d.imageStd());
        if (std.contains(0.0)) throw new ConfigException(source + ": image_std must not contain 0, got " + std);
        Fixed crop = r.bool("do_center_crop", d.centerCrop() != null) ? r.cropSize(d.centerCrop()) : null;
        return new ImageProcessorConfig(doResize, size, resample, doRescale, rescaleFactor, doNormalize, mean, std, crop);
    }

    private static String kind(Object v) {
        if (v == null) return "null";
        if (v instanceof Map) return "an object";
        if (v instanceof List) return "an array";
        if (v instanceof String str) return "the string \"" + str + "\"";
        if (v instanceof Double n) return "the number " + formatNumber(n);
        return String.valueOf(v);
    }

    private static String formatNumber(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    /** Every JSON number as a Double, so checks below treat 224 and 224.0 alike. */
    private static Object widenNumbers(Object v) {
        if (v instanceof Number n) return n.doubleValue();
        if (v instanceof List<?> l) return l.stream().map(ImageProcessorConfig::widenNumbers).toList();
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, widenNumbers(x)));
            return out;
        }
        return v;
    }

    /** Typed access to the parsed object; every error names the source and the key. */
    private record Reader(Map<?, ?> map, String source) {
        Object get(String key) {
            return map.get(key);
        }

        ConfigException bad(String key, String expected, Object found) {
            return new ConfigException(source + ": \"" + key + "\" must be " + expected + ", found " + kind(found));
        }

        boolean bool(String key, boolean dflt) {
            Object v = get(key);
            if (v == null) return dflt;
            if (v instanceof Boolean b) return b;
            throw bad(key, "true or false", v);
        }

        double number(String key, double dflt) {
            Object v = get(key);
            if (v == null) return dflt;
            if (v instanceof Double d) return d;
            throw bad(key, "a number", v);
        }

        int positiveInt(String key, Object v) {
            if (v instanceof Double d && d == Math.rint(d) && d >= 1 && d <= 1 << 20) return d.intValue();
            throw bad(key, "a positive integer", v);
        }

        Resample resample(Resample dflt) {
            Object v = get("resample");
            if (v == null) return dflt;
            if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e9) {
                try {
                    return Resample.fromPilCode(d.intValue());
                } catch (IllegalArgumentException e) {
                    throw new ConfigException(source + ": \"resample\" " + formatNumber(d) + " is not a Pillow filter"
                            + " (expected 0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX or 5 HAMMING)");
                }
            }
            throw bad("resample", "a Pillow filter code 0..5", v);
        }

        Size size(Size dflt) {
            Object v = get("size");
            if (v == null) return dflt;
            if (v instanceof Double) {
                // legacy form, read as the family's processor reads it: CLIP's (whose default size is
                // a shortest edge) takes one number as the shortest edge, SigLIP's as a square
                int n = positiveInt("size", v);
                return dflt instanceof ShortestEdge ? new ShortestEdge(n) : new Fixed(n, n);
            }
            if (!(v instanceof Map<?, ?> m)) throw bad("size", "an object {\"height\", \"width\"} or {\"shortest_edge\"}", v);
            boolean hw = m.containsKey("height") || m.containsKey("width");
            boolean se = m.containsKey("shortest_edge");
            if (m.containsKey("longest_edge")) {
                throw new ConfigException(source + ": \"size\" with \"longest_edge\" is not supported (only"
                        + " {\"height\", \"width\"} or {\"shortest_edge\"}), found " + m.keySet());
            }
            if (hw && se) {
                throw new ConfigException(source + ": \"size\" must have either \"height\" and \"width\" or"
                        + " \"shortest_edge\", not both; found " + m.keySet());
            }
            if (hw) {
                if (!m.containsKey("height") || !m.containsKey("width")) {
                    throw new ConfigException(source + ": \"size\" needs both \"height\" and \"width\", found " + m.keySet());
                }
                return new Fixed(positiveInt("size.height", m.get("height")), positiveInt("size.width", m.get("width")));
            }
            if (se) return new ShortestEdge(positiveInt("size.shortest_edge", m.get("shortest_edge")));
            throw new ConfigException(source + ": \"size\" needs \"height\" and \"width\" or \"shortest_edge\", found " + m.keySet());
        }

        /** {@code crop_size}: a bare integer (square) or {@code {"height", "width"}}; required when the defaults have none. */
        Fixed cropSize(Fixed dflt) {
            Object v = get("crop_size");
            if (v == null) {
                if (dflt != null) return dflt;
                throw new ConfigException(source + ": \"do_center_crop\" is true but \"crop_size\" is missing");
            }
            if (v instanceof Double) {
                int n = positiveInt("crop_size", v);
                return new Fixed(n, n);
            }
            if (v instanceof Map<?, ?> m && m.containsKey("height") && m.containsKey("width") && m.size() == 2) {
                return new Fixed(positiveInt("crop_size.height", m.get("height")), positiveInt("crop_size.width", m.get("width")));
            }
            throw bad("crop_size", "a positive integer or an object {\"height\", \"width\"}", v);
        }

        List<Double> perChannel(String key, List<Double> dflt) {
            Object v = get(key);
            if (v == null) return dflt;
            if (v instanceof Double d) return List.of(d, d, d); // one number applies to every channel
            if (v instanceof List<?> l && l.size() == 3 && l.stream().allMatch(x -> x instanceof Double)) {
                return l.stream().map(x -> (Double) x).toList();
            }
            throw bad(key, "a number or a list of 3 numbers", v);
        }
    }
}
