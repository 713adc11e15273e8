package io.github.sparksnn.ml.source;

import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.apache.spark.sql.functions.col;

/**
 * Auto MPG (UCI; 406 cars, 398 with a known MPG, 392 with every attribute) as a regression DataFrame, read from the
 * {@code cars.json} that Debian's {@code python3-vega-datasets} ships
 * ({@code /usr/lib/python3/dist-packages/vega_datasets/_data/cars.json}). Columns: {@code raw}, the vector
 * (cylinders, displacement, horsepower, weight, acceleration, model year) and {@code label}, miles per gallon.
 * Rows with a missing value are dropped. The file is untrusted input: it must be at most 16 MiB and hold the named
 * fields, or the error says which.
 */
public final class AutoMpg {
    static final long MAX_BYTES = 16L << 20;
    private static final String[] FEATURES = {"Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
            "Acceleration", "Year"};

    private AutoMpg() {
    }

    public static Dataset<Row> load(SparkSession spark, String path) {
        Path p = Path.of(path);
        try {
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("Auto MPG: no file at " + path
                        + " (apt-get install python3-vega-datasets)");
            }
            if (Files.size(p) > MAX_BYTES) {
                throw new IllegalArgumentException("Auto MPG: " + path + " has " + Files.size(p)
                        + " bytes, more than the " + MAX_BYTES + " a 406-row file can need");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Auto MPG: cannot read " + path, e);
        }
        Dataset<Row> json = spark.read().option("multiLine", true).option("mode", "FAILFAST").json(path);
        for (String c : new String[]{"Miles_per_Gallon", "Cylinders", "Displacement", "Horsepower", "Weight_in_lbs",
                "Acceleration", "Year"}) {
            if (!java.util.Arrays.asList(json.columns()).contains(c)) {
                throw new IllegalArgumentException("Auto MPG: " + path + " has no field '" + c + "'");
            }
        }
        Dataset<Row> df = json.select(col("Cylinders").cast("double"), col("Displacement").cast("double"),
                col("Horsepower").cast("double"), col("Weight_in_lbs").cast("double"),
                col("Acceleration").cast("double"),
                org.apache.spark.sql.functions.year(col("Year").cast("date")).cast("double").as("Year"),
                col("Miles_per_Gallon").cast("double").as("label")).na().drop();
        return new VectorAssembler().setInputCols(FEATURES).setOutputCol("raw").transform(df).select("raw", "label");
    }
}
