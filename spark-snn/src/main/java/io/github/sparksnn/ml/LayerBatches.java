package io.github.sparksnn.ml;

import io.github.sparksnn.ml.train.plan.Seeds;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The per-partition batching shared by the layer stages: rows are taken in chunks of
 * {@link Seeds#INFERENCE_CHUNK} (the model's own inference chunking, so Poisson draws and GEMM shapes match),
 * the input vectors gathered into one float array, {@link #apply} maps the chunk, and each row gets one new
 * vector column appended.
 */
abstract class LayerBatches implements MapPartitionsFunction<Row, Row>, Serializable {
    private static final long serialVersionUID = 1L;

    final int inputIdx;
    final String inputCol;
    final int inSize;
    final int outSize;

    LayerBatches(int inputIdx, String inputCol, int inSize, int outSize) {
        this.inputIdx = inputIdx;
        this.inputCol = inputCol;
        this.inSize = inSize;
        this.outSize = outSize;
    }

    /** Maps {@code n} gathered rows ({@code in[i * inSize ..]}) to {@code out[i * outSize ..]}. */
    abstract void apply(float[] in, int n, int partition, long position, float[] out);

    /** Frees what {@link #apply} built for this partition (called once the partition's rows are exhausted). */
    void release() {
    }

    /** {@code [N][T*size]} (one time-major vector per row) to the network layout {@code [T][N][size]}. */
    static void rowsToTime(float[] rows, int n, int t, int size, float[] out) {
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < t; s++) {
                System.arraycopy(rows, (i * t + s) * size, out, (s * n + i) * size, size);
            }
        }
    }

    /** The inverse of {@link #rowsToTime}. */
    static void timeToRows(float[] time, int n, int t, int size, float[] out) {
        for (int i = 0; i < n; i++) {
            for (int s = 0; s < t; s++) {
                System.arraycopy(time, (s * n + i) * size, out, (i * t + s) * size, size);
            }
        }
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        int partition = TaskContext.getPartitionId();
        int chunk = Seeds.INFERENCE_CHUNK;
        return new ChunkedRows(rows, chunk) {
            final float[] in = new float[chunk * inSize];
            final float[] out = new float[chunk * outSize];
            final List<Row> buffer = new ArrayList<>(chunk);
            long position;

            @Override
            void exhausted() {
                release();
            }

            @Override
            void fill(Iterator<Row> rows, List<Row> ready) {
                buffer.clear();
                while (buffer.size() < chunk && rows.hasNext()) {
                    Row r = rows.next();
                    Vector v = r.isNullAt(inputIdx) ? null : (Vector) r.get(inputIdx);
                    if (v == null || v.size() != inSize) {
                        throw new IllegalArgumentException("column '" + inputCol + "', row " + (position + buffer.size())
                                + " of partition " + partition + ": " + (v == null ? "is null"
                                : "has " + v.size() + " values, this layer needs " + inSize));
                    }
                    double[] d = v.toArray();
                    int base = buffer.size() * inSize;
                    for (int j = 0; j < inSize; j++) {
                        in[base + j] = (float) d[j];
                    }
                    buffer.add(r);
                }
                int n = buffer.size();
                apply(in, n, partition, position, out);
                for (int i = 0; i < n; i++) {
                    Row r = buffer.get(i);
                    double[] o = new double[outSize];
                    for (int j = 0; j < outSize; j++) {
                        o[j] = out[i * outSize + j];
                    }
                    Object[] vals = new Object[r.length() + 1];
                    for (int c = 0; c < r.length(); c++) {
                        vals[c] = r.get(c);
                    }
                    vals[r.length()] = Vectors.dense(o).compressed();
                    ready.add(RowFactory.create(vals));
                }
                position += n;
            }
        };
    }
}
