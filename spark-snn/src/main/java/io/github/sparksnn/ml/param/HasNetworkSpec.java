package io.github.sparksnn.ml.param;

import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * A stage that holds a spiking network's description: the Params {@code modelSpec}, {@code inputShape},
 * {@code encoder} and {@code backend} that the classifier trains with and its model runs with. The Estimator and
 * the Model implement it so the getters are written once (their Param definitions are shared in
 * {@code ml.SpikingNetworkParams}).
 */
public interface HasNetworkSpec extends Params {
    /** The Param {@code modelSpec}: the network as a text spec, layers separated by '|'. */
    Param<String> modelSpec();

    /** The Param {@code inputShape}: the per-sample input shape. */
    IntArrayParam inputShape();

    /** The Param {@code encoder}: how the input is encoded over time. */
    Param<String> encoder();

    /** The Param {@code backend}: the compute backend. */
    Param<String> backend();

    /** The network's text spec. */
    default String getModelSpec() {
        return getOrDefault(modelSpec());
    }

    /** The per-sample input shape. */
    default int[] getInputShape() {
        return getOrDefault(inputShape());
    }

    /** The input encoder's spec. */
    default String getEncoder() {
        return getOrDefault(encoder());
    }

    /** The backend's name. */
    default String getBackend() {
        return getOrDefault(backend());
    }
}
