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
 * Opens IDX files by path string, on the driver (headers) and inside tasks (records): local paths (no scheme or
 * {@code file:}) with {@code java.nio}, other schemes through Hadoop's {@link FileSystem} with the session's Hadoop
 * configuration, which travels to the executors as a plain map.
 */
final class IdxFiles implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Hadoop configuration entries for non-local paths; empty when every path is local. */
    private final HashMap<String, String> hadoopConf;

    IdxFiles(Map<String, String> hadoopConf) {
        this.hadoopConf = new HashMap<>(hadoopConf);
    }

    static boolean isLocal(String path) {
        URI u = toUri(path);
        return u.getScheme() == null || u.getScheme().equals("file");
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

    /** Finds {@code baseName.gz} or {@code baseName} in {@code dir} (local or any Hadoop file system). */
    static String find(String dir, String baseName) {
        if (isLocal(dir)) {
            return IdxReader.find(localPath(dir), baseName).toString();
        }
        // Remote directories: existence is checked when the header is read on the driver.
        return dir.endsWith("/") ? dir + baseName + ".gz" : dir + "/" + baseName + ".gz";
    }

    static Path localPath(String path) {
        URI u = toUri(path);
        return u.getScheme() == null ? Path.of(path) : Path.of(u);
    }

    private static URI toUri(String path) {
        try {
            return new URI(path);
        } catch (Exception e) {
            // Windows-like or odd characters: treat as a local path
            return Path.of(path).toAbsolutePath().toUri();
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
