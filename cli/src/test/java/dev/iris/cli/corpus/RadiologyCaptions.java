package dev.iris.cli.corpus;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Free-text, report-style captions for a {@link LesionScene}: several sentence shapes, commas,
 * numbers with units ("5 mm", "0.4 cm", "200 µm"), non-ASCII punctuation ("T2‑weighted" with a
 * non-breaking hyphen, "≈", "×"), some captions in Chinese and a few emoji, so nothing in the
 * pipeline can lean on the shapes captions' fixed grammar.
 */
final class RadiologyCaptions {
    private static final List<String> FINDINGS_NONE = List.of(
            "No focal lesion is seen; the parenchyma is homogeneous.",
            "Unremarkable study, no mass, no effusion, no calcification.",
            "未见明显异常，肺野清晰。");
    private static final List<String> TAILS = List.of(
            "Recommend follow-up in 6 months.",
            "Compared with the prior study (2023-04-12), it is unchanged.",
            "Margins are well defined, with no surrounding oedema.",
            "Clinical correlation is advised 🩺.",
            "Findings were discussed with the referring physician at 14:30.",
            "建议三个月后复查。",
            "Signal intensity ratio ≈ 1.8, ADC 0.9 × 10⁻³ mm²/s.",
            "Slice thickness 1.25 mm, reconstruction kernel B30f.");

    private RadiologyCaptions() {}

    static String caption(LesionScene s, SplittableRandom random) {
        String modality = s.modality().name;
        if (s.place() == LesionScene.Place.NONE) {
            return cap(modality) + ": " + pick(FINDINGS_NONE, random) + " " + pick(TAILS, random);
        }
        String shape = s.round() ? "round" : "oval";
        String tone = s.bright() ? "bright" : "dark";
        String mm = s.sizeMm() + " mm";
        String sentence = switch (random.nextInt(6)) {
            case 0 -> "The " + modality + " image shows a " + tone + ", " + shape + " lesion in the " + s.place().english
                    + ", measuring about " + mm + ".";
            case 1 -> cap(modality) + ": a " + shape + " " + (s.bright() ? "hyperdense" : "hypodense") + " focus, " + mm
                    + " (" + String.format(Locale.ROOT, "%.1f", s.sizeMm() / 10.0) + " cm), is located in the " + s.place().english + ".";
            case 2 -> "There is a " + tone + " " + shape + " mass in the " + s.place().english + " region; diameter " + mm
                    + ", resolution 200 µm per pixel.";
            case 3 -> "In the " + s.place().english + " a " + tone + " nodule of " + mm + " is seen on the " + modality
                    + ", " + (s.round() ? "with smooth, round margins" : "elongated, roughly oval") + ".";
            case 4 -> modalityChinese(s.modality()) + "显示" + s.place().chinese + "有一个" + (s.bright() ? "明亮的" : "暗的")
                    + (s.round() ? "圆形" : "椭圆形") + "病灶，大小约" + s.sizeMm() + "毫米。";
            default -> "Finding 🔍: " + tone + " " + shape + " lesion, " + s.place().english + ", " + mm + " — see key image.";
        };
        return random.nextInt(3) == 0 ? sentence : sentence + " " + pick(TAILS, random);
    }

    /** A caption of several thousand characters: longer than the tiny model's context, so training must truncate it. */
    static String veryLong(LesionScene s, SplittableRandom random) {
        StringBuilder b = new StringBuilder(caption(s, random));
        for (int i = 1; b.length() < 4000; i++) {
            b.append(" Addendum ").append(i).append(": ").append(pick(TAILS, random));
        }
        return b.toString();
    }

    private static String modalityChinese(LesionScene.Modality m) {
        return switch (m) {
            case CT -> "CT";
            case MRI -> "T2加权磁共振";
            case XRAY -> "胸片";
            case ULTRASOUND -> "超声";
        };
    }

    private static String cap(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    private static String pick(List<String> list, SplittableRandom random) {
        return list.get(random.nextInt(list.size()));
    }
}
