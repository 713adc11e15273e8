package io.github.sparksnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Picocli's parameter and execution exception handlers, replaced so that every error is exactly one line on
 * stderr, {@code COMMAND: MESSAGE}, with no usage dump and no stack trace.
 *
 * <p>Usage errors (picocli's {@link ParameterException}, also thrown by commands for bad option values such as
 * an unknown function) exit with {@code 2}; {@link Commands.Unavailable} (the command needs something this machine
 * lacks) exits with {@code 3}, as a failed check does; any other exception thrown while a command runs (missing or
 * malformed input file, I/O error, a Spark failure) exits with {@code 1}. A message that ends in a quoted text
 * and a caret line (a spec or formula typo) keeps those two lines, so that the caret points under the token. With the environment variable {@code SNN_DEBUG} set to a non-empty
 * value the stack trace follows the line, for debugging.
 */
final class OneLineErrors implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {

    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        print(cmd, ex);
        return cmd.getExitCodeExceptionMapper() != null
                ? cmd.getExitCodeExceptionMapper().getExitCode(ex)
                : EXIT_USAGE;
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        print(cmd, ex);
        return ex instanceof Commands.Unavailable ? SnnCli.EXIT_CHECK_FAILED : EXIT_ERROR;
    }

    private static void print(CommandLine cmd, Exception ex) {
        PrintWriter err = cmd.getErr();
        err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(ex));
        String debug = System.getenv("SNN_DEBUG");
        if (debug != null && !debug.isEmpty()) {
            ex.printStackTrace(err);
        }
        err.flush();
    }

    /**
     * The exception's message on one line; exceptions without a useful message (NPE, OOM...) are named by class
     * so that the line still says what went wrong.
     */
    static String oneLine(Throwable ex) {
        String task = sparkTaskFailure(ex);
        if (task != null) {
            return task;
        }
        Throwable t = ex instanceof java.io.UncheckedIOException && ex.getCause() != null ? ex.getCause() : ex;
        String msg;
        if (t instanceof java.nio.file.NoSuchFileException) {
            msg = "no such file: " + ((java.nio.file.FileSystemException) t).getFile();
        } else if (t instanceof java.nio.file.AccessDeniedException) {
            msg = "permission denied: " + ((java.nio.file.FileSystemException) t).getFile();
        } else if (t instanceof java.nio.file.FileAlreadyExistsException e) {
            msg = "exists and is not a directory: " + e.getFile();
        } else if (t instanceof java.nio.file.NotDirectoryException e) {
            msg = "not a directory: " + e.getFile();
        } else if (t.getMessage() == null || t.getMessage().isBlank()) {
            msg = t.getClass().getSimpleName();
        } else if (t instanceof ParameterException || t instanceof IllegalArgumentException
                || t instanceof UnsupportedOperationException
                || t instanceof java.io.IOException || t instanceof io.github.sparksnn.examples.SparkLaunch.Failure) {
            msg = t.getMessage();
        } else {
            // An unexpected exception type: keep its class in the line, it tells a bug from bad input.
            msg = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        return flatten(msg);
    }

    /** A text and a line with a caret under one of its characters, at the end of a message (what parsers add). */
    private static final Pattern CARET = Pattern.compile("\\n  ([^\\n]*)\\n  ( *\\^)\\s*$");

    /**
     * The message on one line, except a trailing text-and-caret pair, which stays on two lines of its own so that
     * the caret stands under the offending character.
     */
    static String flatten(String msg) {
        Matcher caret = CARET.matcher(msg);
        if (caret.find()) {
            return collapse(msg.substring(0, caret.start())) + "\n  " + caret.group(1) + "\n  " + caret.group(2);
        }
        return collapse(msg);
    }

    private static String collapse(String s) {
        return s.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }

    /** Spark's "most recent failure: Lost task 0.3 in stage 2.0 (TID 9) (host executor 1): " before the task's error. */
    private static final Pattern LOST_TASK = Pattern.compile("most recent failure: Lost task [^\\n]*?\\): ([^\\n]+)");
    private static final Pattern STAGE = Pattern.compile("(Task \\S+ in stage \\S+ failed \\d+ times?)");

    /**
     * For an error that happened inside a Spark task ({@code SparkException: Job aborted due to stage failure: ...}
     * with the executor's stack trace in its message): {@code a Spark task failed (Task 0 in stage 2.0 failed 4
     * times): ROOT}, where ROOT is the task's own exception (the cause Spark attached when it could deserialize it,
     * else the line the message quotes), followed by its innermost cause when that says something different.
     * Null for any other error.
     */
    static String sparkTaskFailure(Throwable ex) {
        Throwable spark = null;
        for (Throwable t = ex; t != null && spark == null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getName().equals("org.apache.spark.SparkException") && t.getMessage() != null
                    && t.getMessage().contains("Job aborted due to stage failure")) {
                spark = t;
            }
        }
        if (spark == null) {
            return null;
        }
        String msg = spark.getMessage();
        Matcher stage = STAGE.matcher(msg);
        String where = stage.find() ? " (" + stage.group(1) + ")" : "";
        String root;
        Throwable cause = spark.getCause();
        if (cause != null) {
            root = describe(cause);
            Throwable inner = cause;
            while (inner.getCause() != null && inner.getCause() != inner) {
                inner = inner.getCause();
            }
            if (inner != cause && inner.getMessage() != null && !root.contains(inner.getMessage())) {
                root += " (caused by " + describe(inner) + ")";
            }
        } else {
            Matcher lost = LOST_TASK.matcher(msg);
            root = lost.find() ? lost.group(1).replaceFirst("^(?:[a-z_$][\\w$]*\\.)+(?=[A-Z])", "")
                    : msg.lines().findFirst().orElse(msg);
        }
        return flatten("a Spark task failed" + where + ": " + root);
    }

    /** {@code SimpleName: message}, without the package, for an exception thrown inside a task. */
    private static String describe(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
    }
}
