package io.github.sparksnn.ml.train;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checkpoints in a directory of any Hadoop file system (local paths, {@code file:}, {@code hdfs:},
 * object stores): one file {@code checkpoint-epoch-NNNNN.bin} per saved epoch, written to a temporary name
 * first and renamed, so that a crash mid-write never leaves a truncated "latest" checkpoint.
 */
public final class CheckpointStore {
    private static final Pattern NAME = Pattern.compile("checkpoint-epoch-(\\d+)\\.bin");

    private final Path dir;
    private final Configuration conf;

    public CheckpointStore(String dir, Configuration conf) {
        if (dir == null || dir.isBlank()) {
            throw new IllegalArgumentException("checkpointDir must not be empty");
        }
        this.dir = new Path(dir);
        this.conf = conf;
    }

    public void save(TrainingCheckpoint cp) {
        try {
            FileSystem fs = dir.getFileSystem(conf);
            fs.mkdirs(dir);
            Path target = new Path(dir, String.format("checkpoint-epoch-%05d.bin", cp.completedEpochs()));
            Path tmp = new Path(dir, "." + target.getName() + ".tmp");
            try (FSDataOutputStream out = fs.create(tmp, true); ObjectOutputStream oos = new ObjectOutputStream(out)) {
                oos.writeObject(cp);
            }
            if (fs.exists(target)) {
                fs.delete(target, false);
            }
            if (!fs.rename(tmp, target)) {
                throw new IOException("could not rename " + tmp + " to " + target);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** The checkpoint with the highest epoch in the directory, if any. */
    public Optional<TrainingCheckpoint> latest() {
        try {
            FileSystem fs = dir.getFileSystem(conf);
            if (!fs.exists(dir)) {
                return Optional.empty();
            }
            Path best = null;
            int bestEpoch = -1;
            for (FileStatus st : fs.listStatus(dir)) {
                Matcher m = NAME.matcher(st.getPath().getName());
                if (m.matches() && Integer.parseInt(m.group(1)) > bestEpoch) {
                    bestEpoch = Integer.parseInt(m.group(1));
                    best = st.getPath();
                }
            }
            if (best == null) {
                return Optional.empty();
            }
            try (FSDataInputStream in = fs.open(best); ObjectInputStream ois = new ObjectInputStream(in)) {
                return Optional.of((TrainingCheckpoint) ois.readObject());
            }
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("cannot read checkpoint from " + dir + ": " + e.getMessage(), e);
        }
    }
}
