package io.cueball.cli;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.util.Arrays;
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
        boolean verbose = Arrays.asList(args).contains("--verbose");
        if (verbose) {
            System.setProperty("cueball.log.level", "INFO");
        }
        String[] rest = Arrays.stream(args).filter(a -> !a.equals("--verbose")).toArray(String[]::new);
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        cli.setParameterExceptionHandler((e, a) -> {
            String command = e.getCommandLine().getCommandName();
            String message = e.getMessage();
            if (command.equals("cueball") && e instanceof CommandLine.UnmatchedArgumentException u
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                message = "unknown command '" + u.getUnmatched().get(0) + "': choose demo, resolve, watch or simulate";
            }
            e.getCommandLine().getErr().println("cueball: " + message + " (see 'cueball "
                    + (command.equals("cueball") ? "" : command + " ") + "--help')");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, c, parsed) -> {
            boolean usage = e instanceof UsageException || e instanceof IllegalArgumentException;
            c.getErr().println("cueball: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(c.getErr());
            }
            return usage ? USAGE : 1;
        });
        return cli.execute(rest);
    }
}
