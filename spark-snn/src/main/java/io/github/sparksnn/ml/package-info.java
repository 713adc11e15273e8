/**
 * The Spark ML face of the library. {@link io.github.sparksnn.ml.SpikingNetworkClassifier} is an MLlib
 * {@code ProbabilisticClassifier} that trains a spiking network data-parallel on the executors, and
 * {@link io.github.sparksnn.ml.SpikingNetworkModel} the fitted classifier, with a
 * {@link io.github.sparksnn.ml.TrainingSummary} of the run; their Params are defined once, in
 * {@code SpikingNetworkParams}. {@link io.github.sparksnn.ml.SpikingNetworkModel#toLayerPipeline()} turns a model
 * into one Transformer per layer ({@link io.github.sparksnn.ml.SpikeEncoderLayer},
 * {@link io.github.sparksnn.ml.SpikingLayer}, {@link io.github.sparksnn.ml.FiringRateLayer}) to look at the spikes
 * of each layer. The surrogates are usable from DataFrames too: {@link io.github.sparksnn.ml.SurrogateSpike} and
 * {@link io.github.sparksnn.ml.PoissonEncoder} as Transformers, and so are the temporal encoders
 * {@link io.github.sparksnn.ml.LatencyEncoder} (time to first spike, also the network's {@code latency(...)} encoder),
 * {@link io.github.sparksnn.ml.DeltaEncoder} (ON/OFF spikes of a sequence) and
 * {@link io.github.sparksnn.ml.PopulationEncoder} (Gaussian receptive fields over a scalar column); {@link io.github.sparksnn.ml.SnnFunctions} as SQL
 * functions ({@code snn_spike}, {@code snn_surrogate_grad}, ...). The one-column Transformers share their uid,
 * {@code inputCol} and {@code outputCol} through {@link io.github.sparksnn.ml.ColumnStage}. Every stage saves and
 * loads with MLlib's persistence (weights as Parquet).
 *
 * <p>This is where Spark enters: the neural core below ({@code train}, {@code model}, {@code neuron},
 * {@code layer}, {@code backend}, {@code surrogate}, {@code data}) imports no Spark class, and the ArchUnit test
 * holds it to that. The package imports the core, its own sub-packages ({@code ml.param}, {@code ml.util},
 * {@code ml.train}) and Spark, Scala and Hadoop; nothing imports it but the command line and the examples.
 * The distributed training loop itself lives in {@code ml.train}, the {@code idx} data source in {@code ml.source}.
 */
package io.github.sparksnn.ml;
