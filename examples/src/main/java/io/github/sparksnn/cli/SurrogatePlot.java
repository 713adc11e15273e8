package io.github.sparksnn.cli;

import io.github.sparksnn.surrogate.SurrogateFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.VectorGraphicsEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Upstream's figure of a surrogate function with XChart: the Heaviside step, the primitive {@code g(x)} and the
 * surrogate gradient {@code g'(x)} on {@code [-2, 2]}, titled with the function's {@code toString()}, with a legend
 * and axis labels. Curves are drawn from the double-precision reference methods on the checker's grid (step 1/256).
 */
public final class SurrogatePlot {
    static {
        // No display on servers and in CI: AWT must start headless, and before any AWT class initialises.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** The formats a plot can be written in, chosen by the output file's extension. */
    public enum Format { PNG, SVG }

    private SurrogatePlot() {
    }

    /** The format for a file name by its extension (any case), or an IllegalArgumentException naming it. */
    public static Format formatOf(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return Format.PNG;
        }
        if (name.endsWith(".svg")) {
            return Format.SVG;
        }
        throw new IllegalArgumentException("unsupported plot file '" + file + "': the name must end with .png or .svg");
    }

    /** The chart: three line series without markers, legend inside the top-left corner. */
    public static XYChart chart(SurrogateFunction f, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height)
                .title(f.toString()).xAxisTitle("Input x").yAxisTitle("Output").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        chart.getStyler().setXAxisMin(SurrogateTable.GRID_MIN);
        chart.getStyler().setXAxisMax(SurrogateTable.GRID_MAX);
        chart.getStyler().setAntiAlias(true);

        // The checker's grid plus its excluded end point, so that the curves span the whole [-2, 2].
        int n = (int) Math.round((SurrogateTable.GRID_MAX - SurrogateTable.GRID_MIN) / SurrogateTable.GRID_STEP) + 1;
        double[] x = new double[n];
        double[] primitive = new double[n];
        double[] gradient = new double[n];
        boolean hasPrimitive = !(f instanceof io.github.sparksnn.surrogate.Formula formula) || formula.hasPrimitive();
        for (int i = 0; i < n; i++) {
            x[i] = SurrogateTable.GRID_MIN + i * SurrogateTable.GRID_STEP;
            primitive[i] = hasPrimitive ? f.primitive(x[i]) : Double.NaN;
            gradient[i] = f.gradient(x[i]);
        }
        // The step as a polyline, its jump at x = 0 drawn vertically (H(0) = 1).
        style(chart.addSeries("Heaviside", new double[] {SurrogateTable.GRID_MIN, 0, 0, SurrogateTable.GRID_MAX},
                new double[] {0, 0, 1, 1}), new Color(0x44, 0x44, 0x44), true);
        if (hasPrimitive) { // a gradient-only Formula has none to draw
            style(chart.addSeries("Primitive", x, primitive), new Color(0x1f, 0x77, 0xb4), false);
        }
        style(chart.addSeries("Gradient", x, gradient), new Color(0xd6, 0x27, 0x28), false);
        return chart;
    }

    private static void style(XYSeries s, Color color, boolean dashed) {
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(color);
        s.setLineStyle(dashed
                ? new BasicStroke(2f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f)
                : new BasicStroke(2f));
    }

    /** Writes the chart to {@code file} in the format its extension names, creating missing parent folders. */
    public static void save(XYChart chart, Path file) throws IOException {
        Format format = formatOf(file);
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(file + " is a directory, expected a file name");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (format == Format.PNG) {
            try (OutputStream out = Files.newOutputStream(file)) {
                BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
            }
        } else {
            ByteArrayOutputStream svg = new ByteArrayOutputStream();
            VectorGraphicsEncoder.saveVectorGraphic(chart, svg, VectorGraphicsEncoder.VectorGraphicsFormat.SVG);
            Files.writeString(file, withTitle(svg.toString(StandardCharsets.UTF_8), chart.getTitle()), StandardCharsets.UTF_8);
        }
    }

    /**
     * VectorGraphics2D draws text as glyph outlines, so the SVG holds no readable title: add a {@code <title>}
     * element (what viewers show as the document name and screen readers read) right after {@code <svg ...>}.
     */
    static String withTitle(String svg, String title) {
        int open = svg.indexOf("<svg");
        int end = open < 0 ? -1 : svg.indexOf('>', open);
        if (end < 0 || title == null || title.isEmpty()) {
            return svg;
        }
        String escaped = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
        return svg.substring(0, end + 1) + "\n  <title>" + escaped + "</title>" + svg.substring(end + 1);
    }
}
