package io.github.sparksnn.ml;

import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * A partition's output rows, made a chunk at a time: when the rows of the last chunk are handed out,
 * {@link #fill} reads the next chunk of input rows and makes theirs. The model's inference and the layer stages
 * share this bookkeeping; what a chunk computes is theirs.
 */
abstract class ChunkedRows implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final List<Row> ready;
    private int next;

    ChunkedRows(Iterator<Row> rows, int chunk) {
        this.rows = rows;
        this.ready = new ArrayList<>(chunk);
    }

    /** Reads the next chunk from {@code rows} (at least one row is left) and adds its output rows to {@code ready}. */
    abstract void fill(Iterator<Row> rows, List<Row> ready);

    /** Called when the input is exhausted, to free what the chunks used. */
    void exhausted() {
    }

    @Override
    public boolean hasNext() {
        if (next < ready.size()) {
            return true;
        }
        ready.clear();
        next = 0;
        if (!rows.hasNext()) {
            exhausted();
            return false;
        }
        fill(rows, ready);
        return !ready.isEmpty();
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        return ready.get(next++);
    }
}
