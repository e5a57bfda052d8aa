package dev.iris.training;

import java.util.Arrays;
import java.util.List;

/** Summary figures of repeated measurements (timings of bench and compare). */
public final class Stats {
    private Stats() {}

    /** The middle value (the mean of the two middle ones for an even count); NaN for none. */
    public static double median(double[] values) {
        if (values.length == 0) return Double.NaN;
        double[] s = values.clone();
        Arrays.sort(s);
        int mid = s.length / 2;
        return s.length % 2 == 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
    }

    public static double median(List<Double> values) {
        return median(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
