package io.github.sparksnn.ml;

/** A copy of a model with other weights, for tests (the weights setter is package-private). */
public final class SpikingNetworkModelFactory {
    private SpikingNetworkModelFactory() {
    }

    public static SpikingNetworkModel withWeights(SpikingNetworkModel m, float[] weights) {
        SpikingNetworkModel c = new SpikingNetworkModel(m.uid(), weights, m.buffers(), m.numClasses(),
                m.numFeatures());
        m.copyValues(c, new org.apache.spark.ml.param.ParamMap());
        return c;
    }
}
