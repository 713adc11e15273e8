package io.github.sparksnn.ml.train.engine;

import io.github.sparksnn.train.EngineConfig;
import io.github.sparksnn.train.GradientEngine;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code backend=auto} logs, where the engine is built, which backend it runs on and why. */
class BackendChoiceLogTest {

    @Test
    void autoLogsTheChosenBackendAndTheReasonForTheCpu() {
        String name = BackendEngineFactory.class.getName();
        List<String> lines = new CopyOnWriteArrayList<>();
        LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
        Configuration config = ctx.getConfiguration();
        AbstractAppender capture = new AbstractAppender("capture-backend-choice", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                lines.add(event.getLevel() + " " + event.getMessage().getFormattedMessage());
            }
        };
        capture.start();
        LoggerConfig lc = new LoggerConfig(name, Level.INFO, false);
        lc.addAppender(capture, Level.INFO, null);
        config.addLogger(name, lc);
        ctx.updateLoggers();
        try {
            EngineConfig cfg = EngineConfig.builder().modelSpec("linear(4, 3) | lif(tau=2.0)").inputShape(4).build();
            try (GradientEngine e = EngineProvider.resolve("auto", cfg).create()) {
                assertEquals(1, lines.size(), lines.toString());
                String line = lines.get(0);
                assertTrue(line.startsWith("INFO spark-snn backend=auto on the driver (host "), line);
                assertTrue(line.contains(": " + e.backendDescription() + " (no usable CUDA device: "
                        + UnavailableTestBackendProvider.REASON + ")"), line);
            }
        } finally {
            config.removeLogger(name);
            ctx.updateLoggers();
            capture.stop();
        }
    }
}
