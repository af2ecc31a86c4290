package io.cueball.conn.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.cueball.Backend;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Walks every method of the six JDBC interfaces (as the running JDK declares them) on the wrappers, over fake
 * driver objects that record what reaches them, and checks that each method is implemented by a wrapper class
 * (no interface default silently inherited), reaches the driver object it wraps with the same arguments, hands
 * back wrappers where the driver hands back a connection, statement, result set or metadata, marks the
 * connection broken on a fatal SQLState and only then, and refuses with 08003 (reaching nothing) once the
 * connection wrapper is closed. Test-only reflection; the wrappers themselves use none.
 */
class WrapperConformanceTest {
    private static final Executor SAME_THREAD = Runnable::run;
    private static final String[] NAMES = {"a"};
    private static final int[] INDEXES = {1};

    /** The interfaces, with how to get a wrapper of each from a fresh connection, and the fake behind it. */
    private enum Kind {
        CONNECTION(Connection.class, f -> f.wrapper, f -> f.conn),
        STATEMENT(Statement.class, f -> call(() -> f.wrapper.createStatement()), f -> f.stmt),
        PREPARED(PreparedStatement.class, f -> call(() -> f.wrapper.prepareStatement("s")), f -> f.ps),
        CALLABLE(CallableStatement.class, f -> call(() -> f.wrapper.prepareCall("s")), f -> f.cs),
        METADATA(DatabaseMetaData.class, f -> call(() -> f.wrapper.getMetaData()), f -> f.md),
        RESULTS(ResultSet.class, f -> call(() -> f.wrapper.createStatement().executeQuery("s")), f -> f.rs),
        METADATA_RESULTS(ResultSet.class, f -> call(() -> f.wrapper.getMetaData().getSchemas()), f -> f.rs);

        final Class<?> iface;
        final Function<Fixture, Object> wrapper;
        final Function<Fixture, Object> fake;

        Kind(Class<?> iface, Function<Fixture, Object> wrapper, Function<Fixture, Object> fake) {
            this.iface = iface;
            this.wrapper = wrapper;
            this.fake = fake;
        }
    }

    /** Methods that answer from the wrapper without reaching the driver. */
    private static boolean answeredByTheWrapper(Kind kind, Method m) {
        return switch (m.getName()) {
            case "getConnection" -> m.getParameterCount() == 0; // Statement's, DatabaseMetaData's
            case "getStatement" -> kind == Kind.RESULTS;        // the statement that produced it
            case "close" -> kind == Kind.CONNECTION;            // a jdbc() wrapper: ends itself, never the driver's
            default -> false;
        };
    }

    @Test
    void everyMethodIsImplementedByAWrapperClass() {
        List<String> inherited = new ArrayList<>();
        for (Kind kind : Kind.values()) {
            Class<?> wrapper = kind.wrapper.apply(new Fixture()).getClass();
            assertTrue(kind.iface.isAssignableFrom(wrapper), wrapper + " implements " + kind.iface);
            for (Method m : methods(kind)) {
                try {
                    Method impl = wrapper.getMethod(m.getName(), m.getParameterTypes());
                    if (impl.getDeclaringClass().isInterface()) {
                        inherited.add(kind + ": " + m);
                    }
                } catch (NoSuchMethodException e) {
                    inherited.add(kind + ": " + m + " (missing)");
                }
            }
        }
        assertEquals(List.of(), inherited, "interface methods not implemented by a wrapper class");
    }

    @Test
    void everyMethodReachesTheDriversObjectWithItsArgumentsAndWrapsWhatItHandsBack() throws Exception {
        for (Kind kind : Kind.values()) {
            for (Method m : methods(kind)) {
                Fixture f = new Fixture();
                Object wrapper = kind.wrapper.apply(f);
                Object[] args = args(m);
                f.reset();
                Object result = invoke(m, wrapper, args);
                String what = kind + ": " + m;
                if (answeredByTheWrapper(kind, m)) {
                    assertNull(f.method, what + " reached the driver: " + f.method);
                } else if (m.getExceptionTypes().length > 0) {
                    assertSame(kind.fake.apply(f), f.target, what + " reached the wrong driver object");
                    assertEquals(m.getName(), f.method.getName(), what);
                    assertEquals(List.of(m.getParameterTypes()), List.of(f.method.getParameterTypes()), what);
                    assertTrue(Arrays.equals(args, f.args == null ? new Object[0] : f.args), what + " arguments");
                }
                checkResult(kind, f, wrapper, m, result, what);
            }
        }
    }

    /** What a wrapper hands back: the pool's objects wherever the driver would hand back its own. */
    private static void checkResult(Kind kind, Fixture f, Object wrapper, Method m, Object result, String what)
            throws SQLException {
        Class<?> type = m.getReturnType();
        if (type == Connection.class) {
            assertSame(f.wrapper, result, what);
        } else if (Statement.class.isAssignableFrom(type)) {
            assertInstanceOf(WrappedStatement.class, result, what);
            assertSame(f.wrapper, ((Statement) result).getConnection(), what);
        } else if (type == DatabaseMetaData.class) {
            assertInstanceOf(WrappedMetaData.class, result, what);
            assertSame(f.wrapper, ((DatabaseMetaData) result).getConnection(), what);
        } else if (type == ResultSet.class || m.getName().equals("getObject")) {
            assertInstanceOf(WrappedResultSet.class, result, what + " (the driver handed back a result set)");
            Statement producer = ((ResultSet) result).getStatement();
            boolean produced = type == ResultSet.class; // not a ref cursor read with getObject
            if (produced && (kind == Kind.STATEMENT || kind == Kind.PREPARED || kind == Kind.CALLABLE)) {
                assertSame(wrapper, producer, what + ": getStatement() is the wrapper that produced it");
            } else {
                assertInstanceOf(WrappedStatement.class, producer, what + ": the driver's statement, wrapped");
                assertSame(f.wrapper, producer.getConnection(), what);
            }
        } else if (m.getName().equals("unwrap")) {
            assertSame(f.rs, result, what + ": the driver's object"); // what the fake answers for Object
        }
    }

    @Test
    void aFatalSqlStateFromAnyMethodMarksTheConnectionBrokenAndOthersDoNot() throws Exception {
        for (Kind kind : Kind.values()) {
            for (Method m : methods(kind)) {
                if (answeredByTheWrapper(kind, m) || m.getExceptionTypes().length == 0) {
                    continue;
                }
                String what = kind + ": " + m;
                for (String state : List.of("42601", "08006", "57P01")) {
                    Fixture f = new Fixture();
                    Object wrapper = kind.wrapper.apply(f);
                    SQLException thrown = sqlException(m, state);
                    f.failWith = thrown;
                    Throwable caught = invokeExpectingFailure(m, wrapper, args(m), what);
                    f.failWith = null;
                    assertSame(thrown, caught, what + ": the driver's exception, unchanged");
                    boolean fatal = !state.equals("42601");
                    if (m.getName().equals("abort") || m.getName().equals("isValid") && !fatal) {
                        continue; // abort marks it broken whatever happens; isValid false would too
                    }
                    assertEquals(fatal, f.owner.isBroken(), what + " with SQLState " + state);
                }
            }
        }
    }

    @Test
    void onceTheConnectionIsClosedEveryMethodThrows08003AndReachesNothing() throws Exception {
        Set<String> allowed = Set.of("close", "isClosed", "isValid", "abort", "getDriverMajorVersion",
                "getDriverMinorVersion");
        for (Kind kind : Kind.values()) {
            for (Method m : methods(kind)) {
                Fixture f = new Fixture();
                Object wrapper = kind.wrapper.apply(f);
                f.wrapper.close();
                f.reset();
                String what = kind + ": " + m;
                if (allowed.contains(m.getName())) {
                    Object result = invoke(m, wrapper, args(m));
                    if (m.getName().equals("isClosed")) {
                        assertEquals(true, result, what);
                    } else if (m.getName().equals("isValid")) {
                        assertEquals(false, result, what);
                    }
                    if (!m.getName().startsWith("getDriver")) {
                        assertNull(f.method, what + " reached the driver: " + f.method);
                    }
                    continue;
                }
                Throwable caught = invokeExpectingFailure(m, wrapper, args(m), what);
                assertInstanceOf(SQLException.class, caught, what);
                assertEquals("08003", ((SQLException) caught).getSQLState(), what + ": " + caught);
                assertTrue(caught.getMessage().contains("db.test:5432"), what + ": " + caught.getMessage());
                assertNull(f.method, what + " reached the driver: " + f.method);
                assertFalse(f.owner.isBroken(), what + ": refusing a closed wrapper is not a connection failure");
            }
        }
    }

    @Test
    void closingTheConnectionClosesTheStatementsItOpenedOnce() throws SQLException {
        Fixture f = new Fixture();
        Statement s = f.wrapper.createStatement();
        PreparedStatement ps = f.wrapper.prepareStatement("s");
        Statement closedByHolder = f.wrapper.createStatement();
        closedByHolder.close();
        assertEquals(2, f.owner.openStatements());
        f.closes.clear();
        f.wrapper.close();
        f.wrapper.close();
        assertEquals(List.of(f.ps, f.stmt), f.closes, "each open statement closed once, newest first");
        assertTrue(s.isClosed());
        assertTrue(ps.isClosed());
        assertEquals(0, f.owner.openStatements());
    }

    // ----- plumbing

    private static List<Method> methods(Kind kind) {
        List<Method> ms = new ArrayList<>();
        for (Method m : kind.iface.getMethods()) {
            if (!Modifier.isStatic(m.getModifiers())) {
                ms.add(m);
            }
        }
        ms.sort((a, b) -> a.toString().compareTo(b.toString()));
        return ms;
    }

    private static Object[] args(Method m) {
        Class<?>[] types = m.getParameterTypes();
        Object[] args = new Object[types.length];
        for (int i = 0; i < types.length; i++) {
            Class<?> t = types[i];
            if (t == boolean.class) {
                args[i] = true;
            } else if (t == int.class) {
                args[i] = 7;
            } else if (t == long.class) {
                args[i] = 7L;
            } else if (t == short.class) {
                args[i] = (short) 7;
            } else if (t == byte.class) {
                args[i] = (byte) 7;
            } else if (t == float.class) {
                args[i] = 7f;
            } else if (t == double.class) {
                args[i] = 7d;
            } else if (t == String.class) {
                args[i] = "s";
            } else if (t == String[].class) {
                args[i] = NAMES;
            } else if (t == int[].class) {
                args[i] = INDEXES;
            } else if (t == Executor.class) {
                args[i] = SAME_THREAD;
            } else if (t == Class.class) {
                // unwrap and isWrapperFor: a type the wrapper is not, so they must ask the driver; getObject:
                // a result set, to see it wrapped
                args[i] = m.getName().equals("getObject") ? ResultSet.class : Runnable.class;
            }
        }
        return args;
    }

    private static Object invoke(Method m, Object target, Object[] args) throws Exception {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw new AssertionError(m + " threw", e.getCause());
        }
    }

    private static Throwable invokeExpectingFailure(Method m, Object target, Object[] args, String what)
            throws IllegalAccessException {
        try {
            m.invoke(target, args);
        } catch (InvocationTargetException e) {
            return e.getCause();
        }
        return fail(what + " did not throw");
    }

    /** An exception the method may throw: SQLClientInfoException where that is all it declares. */
    private static SQLException sqlException(Method m, String state) {
        for (Class<?> t : m.getExceptionTypes()) {
            if (t == SQLException.class || t == Exception.class) {
                return new SQLException("fake failure", state);
            }
        }
        return new SQLClientInfoException("fake failure", state, Map.of());
    }

    private interface SqlCall {
        Object run() throws SQLException;
    }

    private static Object call(SqlCall c) {
        try {
            return c.run();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * A connection wrapper over fake driver objects that share one record of the last call: which object, which
     * method, which arguments. A fake answers a connection, statement, metadata or result set with its fellow
     * fakes, any other object with the fake result set (so getObject hands back a "ref cursor"), a String with
     * "s", numbers with 0.
     */
    private static final class Fixture implements InvocationHandler {
        final Connection conn = fake(Connection.class);
        final Statement stmt = fake(Statement.class);
        final PreparedStatement ps = fake(PreparedStatement.class);
        final CallableStatement cs = fake(CallableStatement.class);
        final DatabaseMetaData md = fake(DatabaseMetaData.class);
        final ResultSet rs = fake(ResultSet.class);
        final List<Object> closes = new ArrayList<>();
        final JdbcConnection owner;
        final WrappedConnection wrapper;
        Object target;
        Method method;
        Object[] args;
        SQLException failWith;

        Fixture() {
            try {
                owner = new JdbcConnection(Backend.of("db.test", 5432), conn,
                        JdbcSettings.postgres("app", "app_user").build());
            } catch (SQLException e) {
                throw new AssertionError(e);
            }
            wrapper = (WrappedConnection) owner.jdbc();
        }

        void reset() {
            target = null;
            method = null;
            args = null;
        }

        private <T> T fake(Class<T> iface) {
            return iface.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {iface}, this));
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] a) throws Throwable {
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "equals" -> proxy == a[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "fake " + proxy.getClass().getInterfaces()[0].getSimpleName();
                };
            }
            target = proxy;
            method = m;
            args = a;
            if (m.getName().equals("close")) {
                closes.add(proxy);
            }
            if (failWith != null) {
                throw failWith;
            }
            Class<?> t = m.getReturnType();
            if (t == Connection.class) {
                return conn;
            } else if (t == Statement.class) {
                return stmt;
            } else if (t == PreparedStatement.class) {
                return ps;
            } else if (t == CallableStatement.class) {
                return cs;
            } else if (t == DatabaseMetaData.class) {
                return md;
            } else if (t == ResultSet.class || t == Object.class) {
                return rs;
            } else if (t == String.class) {
                return "s";
            } else if (t == boolean.class) {
                return false;
            } else if (t == int.class) {
                return 0;
            } else if (t == long.class) {
                return 0L;
            } else if (t == short.class) {
                return (short) 0;
            } else if (t == byte.class) {
                return (byte) 0;
            } else if (t == float.class) {
                return 0f;
            } else if (t == double.class) {
                return 0d;
            }
            return null;
        }
    }
}
