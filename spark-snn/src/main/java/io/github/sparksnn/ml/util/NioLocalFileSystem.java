package io.github.sparksnn.ml.util;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:}), except that it sets a file's permission bits through
 * {@code java.nio} instead of a {@code chmod} child process.
 *
 * <p>Why: without Hadoop's native library (the Maven jars do not ship it), {@code RawLocalFileSystem} runs
 * {@code chmod} as a child process for every file it creates and every directory it makes, its checksum files included.
 * A micro-batch of a streaming query with a local checkpoint and a local sink creates about twenty such files (the
 * offsets and commit logs, each state partition's changelog, the sink's data files and log, and their {@code .crc}
 * files); {@code strace} counted that many {@code chmod} processes per micro-batch of {@code snn bench stream}, each
 * a fork of the whole JVM on the micro-batch's path. {@code bin/snn} installs this class as {@code fs.file.impl}
 * unless the user set one ({@link #CONF}); in other sessions set {@code spark.hadoop.fs.file.impl} to it.
 *
 * <p>The bits set are the same ({@code rwx} for user, group and others). A permission with the sticky bit, a file
 * system without POSIX permissions, or a JVM that has Hadoop's native library takes Hadoop's own path.
 */
public class NioLocalFileSystem extends LocalFileSystem {
    /** The Hadoop setting that names the {@code file:} scheme's implementation. */
    public static final String CONF = "fs.file.impl";

    public NioLocalFileSystem() {
        super(new Raw());
    }

    /** The raw (checksum-free) side, where the permission is set. */
    public static class Raw extends RawLocalFileSystem {
        private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            if (!POSIX || permission.getStickyBit() || NativeIO.isAvailable()) {
                super.setPermission(p, permission);
                return;
            }
            String rwx = permission.getUserAction().SYMBOL + permission.getGroupAction().SYMBOL
                    + permission.getOtherAction().SYMBOL;
            Files.setPosixFilePermissions(pathToFile(p).toPath(), PosixFilePermissions.fromString(rwx));
        }
    }
}
