package io.github.sparksnn.ml.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.sparksnn.ml.SparkTestSupport;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The stream on {@code local-cluster[2,1,1024]} (two executor JVMs) with one executor killed after the first
 * micro-batch: the state partitions it held are loaded from the checkpoint on the other one, and every key's
 * outputs still equal the offline forward of its sequence bit for bit, each event once.
 */
class SpikingStreamLocalClusterTest {
    @BeforeAll
    static void start() {
        SpikingStreamTest.spark = SparkTestSupport.localCluster();
        SpikingStreamTest.spark.conf().set("spark.sql.shuffle.partitions", "2");
    }

    @AfterAll
    static void stop() {
        SparkTestSupport.stop(SpikingStreamTest.spark);
    }

    @Test
    void anExecutorKilledMidStreamLosesAndRepeatsNothing() throws Exception {
        Path root = SparkTestSupport.tempDir("stream-kill");
        Random r = new Random(21);
        List<SpikingStreamTest.Event> events = SpikingStreamTest.events(4, 10, r);
        SpikingStreamTest.writeFiles(root.resolve("in"), events, 5, 0, r);
        SpikingStream stage = new SpikingStream(SpikingStreamTest.model(1)).setBackend("cpu-portable");
        StreamingQuery q = SpikingStreamTest.startQuery(stage, root.resolve("in"), root.resolve("out"),
                root.resolve("ck"));
        while (q.isActive() && q.recentProgress().length < 1) {
            Thread.sleep(20);
        }
        scala.collection.Seq<String> ids = SpikingStreamTest.spark.sparkContext().getExecutorIds();
        assertEquals(2, ids.size(), "two executors before the kill");
        assertTrue(SpikingStreamTest.spark.sparkContext().killExecutor(ids.apply(0)), "the kill was accepted");
        q.awaitTermination();
        assertTrue(q.recentProgress().length >= 5, "the files' micro-batches ran: " + q.recentProgress().length);
        // the kill is asynchronous: a short query can end before the master has taken the executor away
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
        while (SpikingStreamTest.spark.sparkContext().getExecutorIds().size() > 1 && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertEquals(1, SpikingStreamTest.spark.sparkContext().getExecutorIds().size(), "one executor was gone");
        Map<String, Row> rows = SpikingStreamTest.byKeyAndTime(root.resolve("out"));
        assertEquals(events.size(), rows.size(), "every event once");
        SpikingStreamTest.assertOffline(events, rows);
    }
}
