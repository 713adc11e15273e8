package io.github.sparksnn.ml.source;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.github.sparksnn.data.IdxReader;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;

/**
 * Opens IDX files by path string, on the driver (headers) and inside tasks (records): plain paths (no scheme) with
 * {@code java.nio}, URIs ({@code file:}, {@code hdfs:}, {@code s3a:}, ...) through Hadoop's {@link FileSystem} with
 * the session's Hadoop configuration, which travels to the executors as a plain map.
 */
final class IdxFiles implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Hadoop configuration entries for non-local paths; empty when every path is local. */
    private final HashMap<String, String> hadoopConf;

    IdxFiles(Map<String, String> hadoopConf) {
        this.hadoopConf = new HashMap<>(hadoopConf);
    }

    /** Whether {@code path} is a plain local path (no URI scheme), read with {@code java.nio}. */
    static boolean isLocal(String path) {
        return toUri(path).getScheme() == null;
    }

    /** Opens {@code path} as a raw stream (decompression is {@link IdxReader}'s job: it recognizes gzip). */
    InputStream open(String path) throws IOException {
        if (isLocal(path)) {
            Path p = localPath(path);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("IDX file " + p + " not found (it must exist at this path on every "
                        + "executor, or use a shared file system URI such as hdfs://)");
            }
            return Files.newInputStream(p);
        }
        Configuration conf = new Configuration(false);
        hadoopConf.forEach(conf::set);
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
        return FileSystem.get(p.toUri(), conf).open(p);
    }

    /**
     * Finds {@code baseName.gz} (preferred) or {@code baseName} in {@code dir}: a plain local directory, or a URI
     * checked through Hadoop's file system with {@code conf} (on the driver).
     */
    static String find(String dir, String baseName, Configuration conf) {
        if (isLocal(dir)) {
            return IdxReader.find(localPath(dir), baseName).toString();
        }
        org.apache.hadoop.fs.Path d = new org.apache.hadoop.fs.Path(dir);
        org.apache.hadoop.fs.Path gz = new org.apache.hadoop.fs.Path(d, baseName + ".gz");
        org.apache.hadoop.fs.Path plain = new org.apache.hadoop.fs.Path(d, baseName);
        try {
            FileSystem fs = FileSystem.get(d.toUri(), conf);
            if (fs.isFile(gz)) {
                return gz.toString();
            }
            if (fs.isFile(plain)) {
                return plain.toString();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot look for " + gz + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("IDX file " + gz + " (or " + plain.getName() + ") not found; install "
                + "Fashion-MNIST with `" + IdxReader.INSTALL_COMMAND + "` (files land in " + IdxOptions.DEFAULT_DIR
                + ") or point to a directory holding the IDX files");
    }

    static Path localPath(String path) {
        return Path.of(path);
    }

    private static URI toUri(String path) {
        try {
            return new URI(path);
        } catch (Exception e) {
            // Not a URI (spaces, odd characters): a plain local path
            return URI.create("");
        }
    }

    /** Reads the header of {@code path} (for a gzip file this decompresses only the first bytes). */
    io.github.sparksnn.data.IdxHeader header(String path) {
        try (InputStream in = IdxReader.maybeGunzip(open(path))) {
            return IdxReader.readHeader(in, path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read IDX header of " + path + ": " + e.getMessage(), e);
        }
    }
}
