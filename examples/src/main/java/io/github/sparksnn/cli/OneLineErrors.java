package io.github.sparksnn.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;

/**
 * Picocli's parameter and execution exception handlers, replaced so that every error is exactly one line on
 * stderr, {@code COMMAND: MESSAGE}, with no usage dump and no stack trace.
 *
 * <p>Usage errors (picocli's {@link ParameterException}, also thrown by commands for bad option values such as
 * an unknown function) exit with {@code 2}; any other exception thrown while a command runs (malformed input
 * file, I/O error) exits with {@code 1}. With the environment variable {@code SNN_DEBUG} set to a non-empty
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
        return EXIT_ERROR;
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
        Throwable t = ex instanceof java.io.UncheckedIOException && ex.getCause() != null ? ex.getCause() : ex;
        String msg;
        if (t instanceof java.nio.file.NoSuchFileException) {
            msg = "no such file: " + ((java.nio.file.FileSystemException) t).getFile();
        } else if (t instanceof java.nio.file.AccessDeniedException) {
            msg = "permission denied: " + ((java.nio.file.FileSystemException) t).getFile();
        } else if (t.getMessage() == null || t.getMessage().isBlank()) {
            msg = t.getClass().getSimpleName();
        } else if (t instanceof ParameterException || t instanceof IllegalArgumentException
                || t instanceof java.io.IOException) {
            msg = t.getMessage();
        } else {
            // An unexpected exception type: keep its class in the line, it tells a bug from bad input.
            msg = t.getClass().getSimpleName() + ": " + t.getMessage();
        }
        return msg.strip().replaceAll("\\s*[\\r\\n]+\\s*", " ");
    }
}
