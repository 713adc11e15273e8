package io.github.sparksnn.ml;

import org.apache.spark.ml.param.ParamMap;

/** Models with given weights for tests outside this package (the weights constructor is package-private). */
public final class TestModels {
    private TestModels() {
    }

    /** A fitted-looking model of {@code spec} over {@code inputShape} with these weights and buffers. */
    public static SpikingNetworkModel model(String spec, int[] inputShape, float[] weights, float[] buffers,
                                            int numClasses) {
        int features = 1;
        for (int d : inputShape) {
            features *= d;
        }
        SpikingNetworkModel m = new SpikingNetworkModel("testModel", weights, buffers, numClasses, features);
        return m.copy(new ParamMap().put(m.modelSpec(), spec).put(m.inputShape(), inputShape));
    }
}
