package io.cueball.cli;

import io.cueball.Durations;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code cueball}: the demo, cbresolve-style {@code resolve}, {@code watch}, and {@code simulate}. Bad input ends
 * with one line on stderr and exit code 2; {@code --verbose} adds stack traces and the pool's logs.
 */
@Command(name = "cueball", mixinStandardHelpOptions = true, version = "cueball 0.1.0-SNAPSHOT",
        description = "A resolver-driven connection pool for multi-node services.",
        subcommands = {DemoCommand.class, ResolveCommand.class, WatchCommand.class,
            SimulateCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

    /** Exit code for bad input. */
    static final int USAGE = 2;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** The environment the commands read ($CUEBALL_JDBC_PASSWORD): the process's, or a test's. */
    private final Map<String, String> env;

    Main(Map<String, String> env) {
        this.env = env;
    }

    /** A variable of the environment, or null when it is not set. */
    String env(String name) {
        return env.get(name);
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(),
                "missing command: choose demo, resolve, watch or simulate");
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command line in this JVM.
     *
     * @param args the arguments
     * @param out  standard output
     * @param err  standard error
     * @return the exit code: 0 done, 1 failed, 2 bad input
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, out, err, System.getenv());
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with the environment given, for tests. */
    static int run(String[] args, PrintStream out, PrintStream err, Map<String, String> env) {
        boolean verbose = Arrays.asList(args).contains("--verbose");
        if (verbose) {
            System.setProperty("cueball.log.level", "INFO");
        }
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        CommandLine cli = new CommandLine(new Main(env));
        // Every duration option reads the one grammar of the specs and the library; the handler below names the
        // option in a refusal (a converter is not told which option it converts for)
        cli.registerConverter(Duration.class, text -> Durations.parse("duration", text));
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            String command = e.getCommandLine().getCommandName();
            String message = e.getMessage();
            if (command.equals("cueball") && e instanceof CommandLine.UnmatchedArgumentException u
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                message = "unknown command '" + u.getUnmatched().get(0) + "': choose demo, resolve, watch or simulate";
            }
            if (e.getArgSpec() instanceof CommandLine.Model.OptionSpec option && option.type() == Duration.class
                    && e.getValue() != null) {
                try {
                    Durations.parse(option.longestName(), e.getValue());
                } catch (IllegalArgumentException refused) {
                    message = refused.getMessage(); // "--duration: 'soon' (expected: a duration such as ...)"
                }
            }
            e.getCommandLine().getErr().println("cueball: " + message + " (see 'cueball "
                    + (command.equals("cueball") ? "" : command + " ") + "--help')");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            boolean usage = e instanceof UsageException || e instanceof IllegalArgumentException;
            c.getErr().println("cueball: " + explain(e));
            if (verbose) {
                e.printStackTrace(c.getErr());
            }
            return usage ? USAGE : 1;
        });
        return cli.execute(rest);
    }

    /**
     * An error in one line that is never "null": its message, or when it has none its kind and its cause's
     * message ({@code SocketTimeoutException: connect timed out}), or its kind alone.
     */
    static String explain(Throwable e) {
        String message = e.getMessage();
        if (message != null && !message.isBlank()) {
            return message.strip().replaceAll("\\s+", " ");
        }
        String cause = e.getCause() == null ? null : explain(e.getCause());
        return e.getClass().getSimpleName() + (cause == null ? "" : ": " + cause);
    }
}
