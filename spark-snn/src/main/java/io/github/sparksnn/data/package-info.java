/**
 * The IDX files of the MNIST family (MNIST, Fashion-MNIST, KMNIST): {@link io.github.sparksnn.data.IdxReader}
 * reads images and labels, plain or gzip-compressed, whole, as a record range (for Spark tasks that each decode a
 * slice) or from any stream; {@link io.github.sparksnn.data.IdxHeader}, {@link io.github.sparksnn.data.IdxImages}
 * and {@link io.github.sparksnn.data.IdxDataset} are what it returns. Every failure names the file and what was
 * expected.
 *
 * <p>Beside the layering rather than in it: it imports nothing else of this project (only the JDK), and the
 * training code does not need it, since an engine takes packed floats. The single-JVM trainer's callers, the
 * {@code idx} Spark data source ({@code ml.source}) and the command line use it.
 */
package io.github.sparksnn.data;
