package io.github.sparksnn.ml.train.state;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints in a directory of any Hadoop file system (local paths, {@code file:}, {@code hdfs:}, object
 * stores): one file {@code checkpoint-epoch-NNNNN.ckpt} per saved epoch, in the data-only layout of
 * {@link CheckpointFormat}. {@code checkpointDir} and {@code resume} are saved Params, so a checkpoint may come
 * from anyone who could write into that directory or hand over a saved pipeline: reading one deserializes no Java
 * objects and checks every size against the model before allocating.
 *
 * <p>A write goes to a temporary file in the same directory ({@code .checkpoint-epoch-NNNNN.ckpt.UUID.tmp}, a
 * name readers ignore), is synced, and is then renamed over the final name; nothing is deleted first. On the local
 * file system the rename is {@code ATOMIC_MOVE} (POSIX {@code rename}, which replaces an existing file in one step);
 * on HDFS it is the file system's atomic rename (with overwrite when the same epoch is written again); object stores
 * have no atomic rename, but there a file appears only once its upload completes. So a crash mid-write leaves
 * the earlier checkpoints, and an earlier file of the same epoch, as they were. Local files are written and read
 * through Hadoop's raw local file system, so no {@code .crc} side files are created (the format has its own CRC).
 *
 * <p>Files of the old format ({@code checkpoint-epoch-NNNNN.bin}, Java-serialized objects) are never opened:
 * when one is the latest, resuming fails and says why.
 */
public final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("checkpoint-epoch-(\\d{1,9})\\.ckpt");
    private static final Pattern OLD_NAME = Pattern.compile("checkpoint-epoch-(\\d{1,9})\\.bin");

    private final Path dir;
    private final Configuration conf;

    public CheckpointStore(String dir, Configuration conf) {
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException("checkpointDir must not be empty");
        }
        this.dir = new Path(dir);
        this.conf = conf;
    }

    /** The name of the checkpoint saved after {@code completedEpochs} epochs. */
    public static String fileName(int completedEpochs) {
        return String.format("checkpoint-epoch-%05d.ckpt", completedEpochs);
    }

    public void save(TrainingCheckpoint cp) {
        save(cp, UnaryOperator.identity());
    }

    /** {@link #save(TrainingCheckpoint)} with the file's stream wrapped, so that tests can make a write fail. */
    void save(TrainingCheckpoint cp, UnaryOperator<OutputStream> wrap) {
        Path target = new Path(dir, fileName(cp.completedEpochs()));
        Path tmp = new Path(dir, "." + target.getName() + "." + UUID.randomUUID() + ".tmp");
        try {
            FileSystem fs = fileSystem();
            fs.mkdirs(dir);
            boolean published = false;
            try {
                try (FSDataOutputStream raw = fs.create(tmp, false)) {
                    OutputStream out = new BufferedOutputStream(wrap.apply(raw), 1 << 16);
                    CheckpointFormat.write(cp, out);
                    out.flush();
                    raw.hsync(); // on disk before the rename makes it the checkpoint
                }
                publish(fs, tmp, target);
                published = true;
            } finally {
                if (!published) {
                    deleteQuietly(fs, tmp);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    /** Renames {@code tmp} over {@code target} without deleting {@code target} first (see the class comment). */
    private void publish(FileSystem fs, Path tmp, Path target) throws IOException {
        if (fs instanceof RawLocalFileSystem local) {
            java.nio.file.Path from = local.pathToFile(tmp).toPath();
            java.nio.file.Path to = local.pathToFile(target).toPath();
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
            return;
        }
        if (!fs.exists(target) && fs.rename(tmp, target)) {
            return;
        }
        FileContext.getFileContext(fs.getUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
    }

    private static void deleteQuietly(FileSystem fs, Path p) {
        try {
            fs.delete(p, false);
        } catch (IOException | RuntimeException e) {
            // a leftover temporary file is harmless: readers ignore its name
        }
    }

    /** The file system of the directory; for local paths the raw one (no {@code .crc} side files). */
    private FileSystem fileSystem() throws IOException {
        FileSystem fs = dir.getFileSystem(conf);
        return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
    }

    /**
     * The checkpoint with the highest epoch in the directory, if any, checked against this run: its configuration
     * {@code fingerprint}, {@code numParams} parameters, {@code numBuffers} buffer values, and the kind and buffer
     * names of {@code freshRule} (a new update rule of this run; the checkpoint's optimizer state is restored into
     * it as a last check).
     *
     * @throws IllegalArgumentException naming the file when the latest checkpoint is of the old format, or not a
     *                                  checkpoint of this run and model (see {@link CheckpointFormat})
     */
    public Optional<TrainingCheckpoint> latest(String fingerprint, int numParams, int numBuffers,
                                               UpdateRule freshRule) {
        try {
            FileSystem fs = fileSystem();
            if (!fs.exists(dir)) {
                return Optional.empty();
            }
            FileStatus best = null;
            int bestEpoch = -1;
            Path old = null;
            int oldEpoch = -1;
            for (FileStatus st : fs.listStatus(dir)) {
                String name = st.getPath().getName();
                Matcher m = NAME.matcher(name);
                if (m.matches() && st.isFile() && Integer.parseInt(m.group(1)) > bestEpoch) {
                    bestEpoch = Integer.parseInt(m.group(1));
                    best = st;
                }
                Matcher o = OLD_NAME.matcher(name);
                if (o.matches() && Integer.parseInt(o.group(1)) > oldEpoch) {
                    oldEpoch = Integer.parseInt(o.group(1));
                    old = st.getPath();
                }
            }
            if (old != null && oldEpoch >= bestEpoch) {
                throw new IllegalArgumentException("checkpoint " + old + " is in the old format (a Java-serialized "
                        + "object), which spark-snn no longer reads: deserializing it could run code from the file. "
                        + "Resume is not possible from it; train without resume, or into another checkpointDir");
            }
            if (best == null) {
                return Optional.empty();
            }
            CheckpointFormat.Expected ex = new CheckpointFormat.Expected(fingerprint, numParams, numBuffers,
                    freshRule);
            try (FSDataInputStream in = fs.open(best.getPath())) {
                return Optional.of(CheckpointFormat.read(new BufferedInputStream(in, 1 << 16), best.getLen(),
                        best.getPath().toString(), bestEpoch, ex));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint from " + dir + ": " + e.getMessage(), e);
        }
    }
}
