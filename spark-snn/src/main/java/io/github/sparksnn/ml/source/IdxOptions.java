package io.github.sparksnn.ml.source;

import java.io.Serializable;
import java.util.Locale;
import java.util.Map;

import org.apache.spark.sql.SparkSession;

/**
 * The options of the {@code idx} data source, validated on the driver when the DataFrame is created.
 *
 * <ul>
 *   <li>{@code path} (the argument of {@code load(path)}): the directory holding the IDX files; default
 *       {@value #DEFAULT_DIR} (where {@code apt-get install dataset-fashion-mnist} puts Fashion-MNIST).</li>
 *   <li>{@code split}: {@code train} (default; {@code train-images-idx3-ubyte[.gz]} and
 *       {@code train-labels-idx1-ubyte[.gz]}) or {@code test} ({@code t10k-...}).</li>
 *   <li>{@code images} and {@code labels}: explicit file paths instead of {@code path} + {@code split} (both or
 *       neither).</li>
 *   <li>{@code numPartitions}: how many record ranges (tasks) to read; default the session's default parallelism,
 *       at most the record count.</li>
 *   <li>{@code featuresType}: {@code vector} (default; a dense ml {@code Vector}) or {@code array}
 *       ({@code array<double>}).</li>
 *   <li>{@code sequence}: {@code none} (default) or {@code rows}: each image as a sequence of its rows, features an
 *       {@code array<vector>} of one vector per image row (Fashion-MNIST: 28 steps of 28 pixels), ready for a network
 *       with {@code sequenceInput}; not together with {@code featuresType}.</li>
 *   <li>{@code normalize}: {@code true} (default; pixels scaled to [0, 1] by 1/255) or {@code false} (raw 0..255).</li>
 * </ul>
 * Paths without a scheme are local files read with {@code java.nio}; URIs ({@code file:///...}, {@code hdfs://},
 * {@code s3a://}) go through the Hadoop file system with the session's Hadoop configuration. Either way the files
 * must be readable from every executor (a local path on every machine, or a shared file system).
 */
public record IdxOptions(String images, String labels, int numPartitions, boolean vectorFeatures, boolean normalize,
                         boolean rowSequence) implements Serializable {

    /** The Debian package's Fashion-MNIST directory. */
    public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

    /** Parses and validates the options; {@code defaultPartitions} is used when {@code numPartitions} is absent. */
    public static IdxOptions parse(Map<String, String> options, int defaultPartitions) {
        CaseInsensitive o = new CaseInsensitive(options);
        String images = o.get("images");
        String labels = o.get("labels");
        if ((images == null) != (labels == null)) {
            throw new IllegalArgumentException("idx source: options 'images' and 'labels' go together; got only "
                    + (images != null ? "images=" + images : "labels=" + labels));
        }
        if (images == null) {
            String dir = o.get("path");
            if (dir == null || dir.isEmpty()) {
                dir = DEFAULT_DIR;
            }
            String split = o.getOrDefault("split", "train").toLowerCase(Locale.ROOT);
            String prefix = switch (split) {
                case "train" -> "train";
                case "test", "t10k" -> "t10k";
                default -> throw new IllegalArgumentException("idx source: option split must be 'train' or 'test', "
                        + "got '" + o.get("split") + "' (or give explicit 'images' and 'labels' paths)");
            };
            org.apache.hadoop.conf.Configuration conf = IdxFiles.isLocal(dir) ? null
                    : SparkSession.active().sparkContext().hadoopConfiguration();
            images = IdxFiles.find(dir, prefix + "-images-idx3-ubyte", conf);
            labels = IdxFiles.find(dir, prefix + "-labels-idx1-ubyte", conf);
        }
        int parts = defaultPartitions;
        String np = o.get("numPartitions");
        if (np != null) {
            try {
                parts = Integer.parseInt(np.trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("idx source: option numPartitions must be an integer >= 1, got '"
                        + np + "'");
            }
        }
        if (parts < 1) {
            throw new IllegalArgumentException("idx source: option numPartitions must be >= 1, got " + parts);
        }
        String seq = o.getOrDefault("sequence", "none").toLowerCase(Locale.ROOT);
        if (!seq.equals("none") && !seq.equals("rows")) {
            throw new IllegalArgumentException("idx source: option sequence must be 'none' or 'rows', got '" + seq
                    + "'");
        }
        if (seq.equals("rows") && o.get("featuresType") != null) {
            throw new IllegalArgumentException("idx source: option sequence=rows gives features as array<vector> (one "
                    + "vector per image row); it does not go with featuresType=" + o.get("featuresType"));
        }
        String ft = o.getOrDefault("featuresType", "vector").toLowerCase(Locale.ROOT);
        if (!ft.equals("vector") && !ft.equals("array")) {
            throw new IllegalArgumentException("idx source: option featuresType must be 'vector' or 'array', got '"
                    + ft + "'");
        }
        String norm = o.getOrDefault("normalize", "true").toLowerCase(Locale.ROOT);
        if (!norm.equals("true") && !norm.equals("false")) {
            throw new IllegalArgumentException("idx source: option normalize must be 'true' or 'false', got '"
                    + norm + "'");
        }
        return new IdxOptions(images, labels, parts, ft.equals("vector"), norm.equals("true"), seq.equals("rows"));
    }

    /** Options by case-insensitive key (Spark's option keys are case-insensitive). */
    private record CaseInsensitive(Map<String, String> m) {
        String get(String key) {
            for (Map.Entry<String, String> e : m.entrySet()) {
                if (e.getKey().equalsIgnoreCase(key)) {
                    return e.getValue();
                }
            }
            return null;
        }

        String getOrDefault(String key, String dflt) {
            String v = get(key);
            return v == null ? dflt : v;
        }
    }
}
