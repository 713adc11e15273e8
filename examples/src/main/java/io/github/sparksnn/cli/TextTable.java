package io.github.sparksnn.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table for terminal output: columns padded to their widest cell, numbers right-aligned,
 * everything else left-aligned, two spaces between columns, a dashed rule under the header.
 */
final class TextTable {
    private final String[] headers;
    private final List<String[]> rows = new ArrayList<>();

    TextTable(String... headers) {
        this.headers = headers.clone();
    }

    TextTable row(Object... cells) {
        if (cells.length != headers.length) {
            throw new IllegalArgumentException("row has " + cells.length + " cells, table has " + headers.length + " columns");
        }
        String[] r = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            r[i] = String.valueOf(cells[i]);
        }
        rows.add(r);
        return this;
    }

    int rowCount() {
        return rows.size();
    }

    String render() {
        int[] width = new int[headers.length];
        boolean[] numeric = new boolean[headers.length];
        for (int c = 0; c < headers.length; c++) {
            width[c] = headers[c].length();
            numeric[c] = !rows.isEmpty();
            for (String[] r : rows) {
                width[c] = Math.max(width[c], r[c].length());
                numeric[c] &= isNumber(r[c]);
            }
        }
        StringBuilder sb = new StringBuilder();
        line(sb, headers, width, numeric);
        String[] rule = new String[headers.length];
        for (int c = 0; c < headers.length; c++) {
            rule[c] = "-".repeat(width[c]);
        }
        line(sb, rule, width, numeric);
        for (String[] r : rows) {
            line(sb, r, width, numeric);
        }
        return sb.toString();
    }

    private static void line(StringBuilder sb, String[] cells, int[] width, boolean[] numeric) {
        StringBuilder l = new StringBuilder();
        for (int c = 0; c < cells.length; c++) {
            if (c > 0) {
                l.append("  ");
            }
            String pad = " ".repeat(width[c] - cells[c].length());
            l.append(numeric[c] ? pad + cells[c] : cells[c] + pad);
        }
        sb.append(l.toString().stripTrailing()).append('\n');
    }

    private static boolean isNumber(String s) {
        return s.matches("[-+]?[0-9.]+([eE][-+]?[0-9]+)?%?x?");
    }
}
