package io.cueball.cli;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.annotations.XYTitleAnnotation;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.Plot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.StackedXYAreaRenderer2;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.DefaultTableXYDataset;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * {@code cueball simulate}'s plots, drawn with JFreeChart and written as PNG files. Rendering is headless
 * ({@code java.awt.headless=true}, set before the first chart): no display is needed.
 */
final class Plots {
    /** Width of every plot, in pixels. */
    static final int WIDTH = 900;
    /** Height of the average-score plot, in pixels. */
    static final int SCORE_HEIGHT = 600;
    /** Height of the share plot: this, plus {@link #SHARE_ROW} per strategy, in pixels. */
    static final int SHARE_BASE = 110;
    /** Height of one strategy's row in the share plot, in pixels. */
    static final int SHARE_ROW = 130;

    /** Tableau's ten colours: distinct, and readable on white. */
    private static final Color[] PALETTE = {
        new Color(0x4E79A7), new Color(0xF28E2B), new Color(0xE15759), new Color(0x76B7B2), new Color(0x59A14F),
        new Color(0xEDC948), new Color(0xB07AA1), new Color(0xFF9DA7), new Color(0x9C755F), new Color(0xBAB0AC)};
    private static final Color GRID = new Color(0xDDDDDD);

    static {
        // Before any AWT class loads: charts are drawn into images, never onto a screen.
        System.setProperty("java.awt.headless", "true");
    }

    private Plots() {
    }

    /** @return the share plot's height for this many strategies */
    static int shareHeight(int strategies) {
        return SHARE_BASE + SHARE_ROW * strategies;
    }

    /**
     * pooly's plot: per strategy, the mean outcome of the trials so far (averaged over the runs) against the
     * trials, with the best backend's success probability marked as the ceiling.
     *
     * @param file  where to write the PNG ({@link #WIDTH} x {@link #SCORE_HEIGHT})
     * @param title the chart's title
     * @param bestP the best backend's success probability
     */
    static void averageScore(Path file, String title, List<Tally.Result> results, double bestP) throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        for (Tally.Result r : results) {
            XYSeries s = new XYSeries(r.strategy().toString(), false, false);
            double[] y = r.averageScore();
            for (int t = 0; t < y.length; t++) {
                s.add(t + 1, y[t]);
            }
            data.addSeries(s);
        }
        NumberAxis x = trials(results);
        NumberAxis y = new NumberAxis("average score (mean outcome of the trials so far)");
        y.setRange(0, 1.02);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < results.size(); i++) {
            lines.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            lines.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, lines);
        style(plot);
        // labelled above the line on the left, where the curves are still climbing
        plot.addRangeMarker(dashed(bestP, String.format(Locale.ROOT, "best backend, p = %.2f", bestP)));
        write(file, chart(title, plot), WIDTH, SCORE_HEIGHT);
    }

    /**
     * Per strategy, one row: each backend's share of the trials in a sliding window, stacked, against the trials.
     *
     * @param file     where to write the PNG ({@link #WIDTH} x {@link #shareHeight(int)})
     * @param title    the chart's title
     * @param backends the backends' names, in the results' order
     */
    static void shareOverTime(Path file, String title, List<Tally.Result> results, List<String> backends)
            throws IOException {
        NumberAxis x = trials(results);
        CombinedDomainXYPlot combined = new CombinedDomainXYPlot(x);
        combined.setGap(8);
        for (Tally.Result r : results) {
            DefaultTableXYDataset data = new DefaultTableXYDataset();
            double[][] shares = r.shareOverTime();
            for (int b = 0; b < backends.size(); b++) {
                XYSeries s = new XYSeries(backends.get(b), false, false);
                for (int t = 0; t < shares[b].length; t++) {
                    s.add(t + 1, shares[b][t]);
                }
                data.addSeries(s);
            }
            StackedXYAreaRenderer2 areas = new StackedXYAreaRenderer2();
            for (int b = 0; b < backends.size(); b++) {
                areas.setSeriesPaint(b, PALETTE[b % PALETTE.length]);
            }
            NumberAxis y = new NumberAxis("share");
            y.setRange(0, 1);
            y.setTickUnit(new NumberTickUnit(0.5));
            XYPlot plot = new XYPlot(data, null, y, areas);
            style(plot);
            TextTitle label = new TextTitle(r.strategy().toString(), new Font(Font.SANS_SERIF, Font.BOLD, 12));
            label.setBackgroundPaint(new Color(255, 255, 255, 210));
            label.setPadding(new RectangleInsets(2, 4, 2, 4));
            plot.addAnnotation(new XYTitleAnnotation(0.005, 0.98, label, RectangleAnchor.TOP_LEFT));
            combined.add(plot);
        }
        LegendItemCollection legend = new LegendItemCollection();
        for (int b = 0; b < backends.size(); b++) {
            legend.add(new LegendItem(backends.get(b), PALETTE[b % PALETTE.length]));
        }
        combined.setFixedLegendItems(legend); // one entry per backend, not one per backend and row
        int window = results.isEmpty() ? 1 : results.get(0).window();
        write(file, chart(title + " (share of the last " + Words.count(window, "trial") + ")", combined), WIDTH,
                shareHeight(results.size()));
    }

    /** The trials axis: exactly 1 to the horizon. */
    private static NumberAxis trials(List<Tally.Result> results) {
        NumberAxis x = new NumberAxis("trials");
        int horizon = results.isEmpty() ? 1 : results.get(0).averageScore().length;
        x.setRange(1, Math.max(2, horizon));
        return x;
    }

    /**
     * The fleet: each method's connections per backend in the first run, the backends sorted from most to fewest,
     * with the mean marked. The scale stops at 2.5 times the mean; a method above it (key order) is named in the
     * title with its maximum.
     *
     * @param file  where to write the PNG ({@link #WIDTH} x {@link #SCORE_HEIGHT})
     * @param title the chart's title
     * @param mean  the mean connections per backend
     */
    static void fleetConnections(Path file, String title, List<FleetSimulation.Result> results, double mean)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        double top = Math.ceil(2.5 * mean) + 1;
        StringBuilder off = new StringBuilder();
        for (FleetSimulation.Result r : results) {
            XYSeries s = new XYSeries(r.method().label, false, false);
            int[] c = r.firstRun();
            for (int b = 0; b < c.length; b++) {
                s.add(b + 1, c[b]);
            }
            data.addSeries(s);
            if (c.length > 0 && c[0] > top) {
                off.append(off.length() == 0 ? "" : "; ").append(String.format(Locale.ROOT,
                        "%s reaches %d, off the scale", r.method().label, c[0]));
            }
        }
        NumberAxis x = new NumberAxis("backends, most connections first");
        x.setRange(1, Math.max(2, results.get(0).firstRun().length));
        NumberAxis y = new NumberAxis("connections from the fleet");
        y.setRange(0, top);
        XYLineAndShapeRenderer lines = new XYLineAndShapeRenderer(true, false);
        for (int i = 0; i < results.size(); i++) {
            lines.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            lines.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, lines);
        style(plot);
        plot.addRangeMarker(dashed(mean, String.format(Locale.ROOT, "mean, %s", SimBackend.plain(
                Math.round(mean * 100) / 100.0))));
        write(file, chart(off.length() == 0 ? title : title + " (" + off + ")", plot), WIDTH, SCORE_HEIGHT);
    }

    /**
     * The fleet over all runs: for each method, the share of backends with at most k connections against k (the
     * distribution function), up to 2.5 times the mean.
     *
     * @param file  where to write the PNG ({@link #WIDTH} x {@link #SCORE_HEIGHT})
     * @param title the chart's title
     * @param mean  the mean connections per backend
     */
    static void fleetSpread(Path file, String title, List<FleetSimulation.Result> results, double mean)
            throws IOException {
        XYSeriesCollection data = new XYSeriesCollection();
        int top = (int) Math.ceil(2.5 * mean) + 1;
        for (FleetSimulation.Result r : results) {
            XYSeries s = new XYSeries(r.method().label, false, false);
            long[] counts = r.counts();
            long all = Arrays.stream(counts).sum();
            long below = 0;
            for (int k = 0; k <= Math.min(top, counts.length - 1); k++) {
                below += counts[k];
                s.add(k, (double) below / all);
            }
            data.addSeries(s);
        }
        NumberAxis x = new NumberAxis("connections from the fleet (k)");
        x.setRange(0, top);
        NumberAxis y = new NumberAxis("share of backends with at most k connections");
        y.setRange(0, 1.02);
        XYStepRenderer steps = new XYStepRenderer();
        for (int i = 0; i < results.size(); i++) {
            steps.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
            steps.setSeriesStroke(i, new BasicStroke(2f));
        }
        XYPlot plot = new XYPlot(data, x, y, steps);
        style(plot);
        ValueMarker m = dashed(mean, "mean");
        m.setLabelAnchor(RectangleAnchor.TOP_RIGHT); // a vertical line: the label beside it, at the top
        m.setLabelTextAnchor(TextAnchor.TOP_LEFT);
        plot.addDomainMarker(m);
        write(file, chart(title, plot), WIDTH, SCORE_HEIGHT);
    }

    private static ValueMarker dashed(double at, String label) {
        ValueMarker marker = new ValueMarker(at, Color.GRAY, new BasicStroke(1f, BasicStroke.CAP_BUTT,
                BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f}, 0f));
        marker.setLabel(label);
        marker.setLabelAnchor(RectangleAnchor.TOP_LEFT);
        marker.setLabelTextAnchor(TextAnchor.BOTTOM_LEFT);
        marker.setLabelBackgroundColor(new Color(255, 255, 255, 0));
        marker.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        return marker;
    }

    private static void style(XYPlot plot) {
        plot.setBackgroundPaint(Color.WHITE);
        plot.setDomainGridlinePaint(GRID);
        plot.setRangeGridlinePaint(GRID);
        plot.setOutlinePaint(Color.GRAY);
    }

    private static JFreeChart chart(String title, Plot plot) {
        JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 15), plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        chart.setAntiAlias(true);
        chart.setPadding(new RectangleInsets(6, 6, 6, 18)); // room for the last tick label on the right
        return chart;
    }

    private static void write(Path file, JFreeChart chart, int width, int height) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        ChartUtils.saveChartAsPNG(file.toFile(), chart, width, height);
    }
}
