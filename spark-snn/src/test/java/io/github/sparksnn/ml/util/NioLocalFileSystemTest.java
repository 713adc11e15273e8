package io.github.sparksnn.ml.util;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The forkless local file system sets the bits Hadoop's own sets, and reads back what it wrote (checksums too). */
class NioLocalFileSystemTest {
    @TempDir
    java.nio.file.Path dir;

    private static FileSystem open(Class<? extends FileSystem> impl) throws IOException {
        Configuration conf = new Configuration(false);
        conf.set(NioLocalFileSystem.CONF, impl.getName());
        conf.setBoolean("fs.file.impl.disable.cache", true);
        return FileSystem.get(URI.create("file:///"), conf);
    }

    private String bits(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(java.nio.file.Path.of(p.toUri())));
    }

    @Test
    void permissionsEqualHadoopsChmodAndDataRoundTrips() throws IOException {
        try (FileSystem mine = open(NioLocalFileSystem.class); FileSystem hadoops = open(LocalFileSystem.class)) {
            assertTrue(mine instanceof NioLocalFileSystem, mine.getClass().getName());
            for (String mode : new String[]{"640", "751", "700", "604"}) {
                FsPermission perm = new FsPermission(mode);
                Path a = new Path(dir.resolve("mine-" + mode).toUri());
                Path b = new Path(dir.resolve("hadoop-" + mode).toUri());
                assertTrue(mine.mkdirs(new Path(a, "d"), perm));
                assertTrue(hadoops.mkdirs(new Path(b, "d"), perm));
                assertEquals(bits(new Path(b, "d")), bits(new Path(a, "d")), "directory " + mode);
                mine.setPermission(new Path(a, "d"), perm);
                hadoops.setPermission(new Path(b, "d"), perm);
                assertEquals(bits(new Path(b, "d")), bits(new Path(a, "d")), "set on a directory " + mode);
                byte[] data = ("payload " + mode).getBytes(StandardCharsets.UTF_8);
                try (FSDataOutputStream o = mine.create(new Path(a, "f"), perm, true, 4096, (short) 1, 1 << 20, null)) {
                    o.write(data);
                }
                try (FSDataOutputStream o = hadoops.create(new Path(b, "f"), perm, true, 4096, (short) 1, 1 << 20, null)) {
                    o.write(data);
                }
                assertEquals(bits(new Path(b, "f")), bits(new Path(a, "f")), "file " + mode);
                assertTrue(Files.exists(dir.resolve("mine-" + mode).resolve(".f.crc")), "the checksum file is written");
                byte[] back = new byte[data.length];
                try (FSDataInputStream i = mine.open(new Path(a, "f"))) {
                    i.readFully(back);
                }
                assertArrayEquals(data, back);
            }
            assertEquals("rw-r-----", bits(new Path(dir.resolve("mine-640").resolve("f").toUri())));
            assertEquals("rwxr-x--x", bits(new Path(dir.resolve("mine-751").resolve("d").toUri())));
            // the sticky bit takes Hadoop's own path and is kept
            Path s = new Path(dir.resolve("sticky").toUri());
            assertTrue(mine.mkdirs(s));
            mine.setPermission(s, new FsPermission("1755"));
            assertTrue(mine.getFileStatus(s).getPermission().getStickyBit());
        }
    }
}
