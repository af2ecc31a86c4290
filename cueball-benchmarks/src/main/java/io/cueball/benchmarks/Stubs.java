package io.cueball.benchmarks;

import io.cueball.Backend;
import io.cueball.Connection;
import java.io.PrintWriter;
import java.lang.reflect.Proxy;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.apache.commons.pool2.BasePooledObjectFactory;
import org.apache.commons.pool2.PooledObject;
import org.apache.commons.pool2.impl.DefaultPooledObject;
import org.vibur.objectpool.PoolObjectFactory;

/** Connections that do nothing, for each pool under test, so that only the pools' own work is measured. */
final class Stubs {
    private Stubs() {
    }

    /** A cueball connection that does nothing. */
    static final class StubConnection implements Connection {
        final Backend backend;

        StubConnection(Backend backend) {
            this.backend = backend;
        }

        @Override
        public void close() {
        }
    }

    /** A JDBC connection whose every method returns a harmless default (isValid: true). */
    static java.sql.Connection jdbcConnection() {
        return (java.sql.Connection) Proxy.newProxyInstance(Stubs.class.getClassLoader(),
                new Class<?>[] {java.sql.Connection.class}, (proxy, method, args) -> {
                    Class<?> type = method.getReturnType();
                    switch (method.getName()) {
                        case "isValid":
                        case "getAutoCommit":
                            return true;
                        case "getTransactionIsolation":
                            return java.sql.Connection.TRANSACTION_READ_COMMITTED;
                        case "hashCode":
                            return System.identityHashCode(proxy);
                        case "equals":
                            return proxy == args[0];
                        case "toString":
                            return "StubJdbcConnection";
                        default:
                            break;
                    }
                    if (type == boolean.class) {
                        return false;
                    }
                    if (type == int.class) {
                        return 0;
                    }
                    if (type == long.class) {
                        return 0L;
                    }
                    return null;
                });
    }

    /** A DataSource of stub JDBC connections, for HikariCP and BeeCP. */
    static final class StubDataSource implements DataSource {
        @Override
        public java.sql.Connection getConnection() {
            return jdbcConnection();
        }

        @Override
        public java.sql.Connection getConnection(String user, String password) {
            return jdbcConnection();
        }

        @Override
        public PrintWriter getLogWriter() {
            return null;
        }

        @Override
        public void setLogWriter(PrintWriter out) {
        }

        @Override
        public void setLoginTimeout(int seconds) {
        }

        @Override
        public int getLoginTimeout() {
            return 0;
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            throw new SQLFeatureNotSupportedException();
        }

        @Override
        public <T> T unwrap(Class<T> iface) {
            return null;
        }

        @Override
        public boolean isWrapperFor(Class<?> iface) {
            return false;
        }
    }

    /** Objects for commons-pool2. */
    static final class StubObjectFactory extends BasePooledObjectFactory<Object> {
        @Override
        public Object create() {
            return new Object();
        }

        @Override
        public PooledObject<Object> wrap(Object obj) {
            return new DefaultPooledObject<>(obj);
        }
    }

    /** Objects for vibur-object-pool, always ready. */
    static final class StubViburFactory implements PoolObjectFactory<Object> {
        @Override
        public Object create() {
            return new Object();
        }

        @Override
        public boolean readyToTake(Object obj) {
            return true;
        }

        @Override
        public boolean readyToRestore(Object obj) {
            return true;
        }

        @Override
        public void destroy(Object obj) {
        }
    }
}
