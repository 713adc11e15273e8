package io.github.sparksnn.ml.source;

import java.io.IOException;
import java.io.InputStream;

import io.github.sparksnn.data.IdxImages;
import io.github.sparksnn.data.IdxReader;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.connector.read.InputPartition;
import org.apache.spark.sql.connector.read.PartitionReader;
import org.apache.spark.sql.connector.read.PartitionReaderFactory;
import org.apache.spark.sql.types.UserDefinedType;

/** Runs in the executors: decodes one partition's record range and emits its rows. */
final class IdxReaderFactory implements PartitionReaderFactory {
    private static final long serialVersionUID = 1L;

    private final IdxFiles files;
    private final boolean vectorFeatures;
    private final boolean normalize;
    private final boolean rowSequence;

    IdxReaderFactory(IdxFiles files, boolean vectorFeatures, boolean normalize, boolean rowSequence) {
        this.files = files;
        this.vectorFeatures = vectorFeatures;
        this.normalize = normalize;
        this.rowSequence = rowSequence;
    }

    @Override
    public PartitionReader<InternalRow> createReader(InputPartition partition) {
        return new Reader((IdxPartition) partition);
    }

    private final class Reader implements PartitionReader<InternalRow> {
        private final IdxPartition part;
        private IdxImages images;
        private int[] labels;
        private int i = -1;

        Reader(IdxPartition part) {
            this.part = part;
        }

        private void load() throws IOException {
            try (InputStream in = files.open(part.images())) {
                images = IdxReader.readImages(in, part.images(), part.start(), part.end());
            }
            try (InputStream in = files.open(part.labels())) {
                labels = IdxReader.readLabels(in, part.labels(), part.start(), part.end());
            }
            if (images.rows() != part.rows() || images.cols() != part.cols()) {
                throw new IllegalStateException("idx source: " + part.images() + " changed since the query was "
                        + "planned: images are " + images.rows() + "x" + images.cols() + ", planned " + part.rows()
                        + "x" + part.cols());
            }
        }

        @Override
        public boolean next() throws IOException {
            if (images == null) {
                load();
            }
            i++;
            return i < images.count();
        }

        @Override
        public InternalRow get() {
            int d = images.pixelsPerImage();
            byte[] px = images.rawPixels();
            double[] v = new double[d];
            int off = i * d;
            // Divide (not multiply by 1/255): the correctly rounded pixel / 255, as users compute it.
            double divisor = normalize ? 255.0 : 1.0;
            for (int j = 0; j < d; j++) {
                v[j] = (px[off + j] & 0xff) / divisor;
            }
            Object features;
            if (rowSequence) {
                int w = images.cols();
                Object[] steps = new Object[images.rows()];
                for (int r = 0; r < steps.length; r++) {
                    steps[r] = vectorType().serialize(Vectors.dense(java.util.Arrays.copyOfRange(v, r * w, (r + 1) * w)));
                }
                features = new GenericArrayData(steps);
            } else {
                features = vectorFeatures ? vectorType().serialize(Vectors.dense(v)) : new GenericArrayData(v);
            }
            return new GenericInternalRow(new Object[] {features, (double) labels[i], (long) part.start() + i});
        }

        @Override
        public void close() {
            images = null;
            labels = null;
        }
    }

    @SuppressWarnings("unchecked")
    private static UserDefinedType<Vector> vectorType() {
        return (UserDefinedType<Vector>) SQLDataTypes.VectorType();
    }
}
