package meute.neo4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.logging.Level;
import org.neo4j.logging.log4j.Log4jLogProvider;

/**
 * Runs Neo4j Community embedded as a small local server: Bolt only, on 127.0.0.1.
 *
 * <p>Environment:
 * <ul>
 *   <li>MEUTE_NEO4J_HOME: Neo4j home (data/, logs/); default ".neo4j-local" in the cwd</li>
 *   <li>MEUTE_NEO4J_PORT: Bolt port; default 17687</li>
 *   <li>MEUTE_NEO4J_PASSWORD: password of user "neo4j"; default "meute-dev-password";
 *       set but empty disables authentication</li>
 *   <li>MEUTE_NEO4J_PAGECACHE: page cache size; default "256m"</li>
 * </ul>
 *
 * <p>Prints "READY bolt://127.0.0.1:PORT" once Bolt accepts connections and the password
 * is in place. SIGTERM/SIGINT shut the databases down cleanly.
 */
public final class Launcher {
    static final String HOST = "127.0.0.1";
    static final String USER = "neo4j";
    static final String DEFAULT_PASSWORD = "meute-dev-password";

    private Launcher() {}

    public static void main(String[] args) {
        Map<String, String> env = System.getenv();
        Path home = Path.of(env.getOrDefault("MEUTE_NEO4J_HOME", ".neo4j-local")).toAbsolutePath().normalize();
        int port = Integer.parseInt(env.getOrDefault("MEUTE_NEO4J_PORT", "17687").trim());
        String password = env.containsKey("MEUTE_NEO4J_PASSWORD") ? env.get("MEUTE_NEO4J_PASSWORD") : DEFAULT_PASSWORD;
        boolean auth = !password.isEmpty();
        long pageCache = ByteUnit.parse(env.getOrDefault("MEUTE_NEO4J_PAGECACHE", "256m").trim());

        DatabaseManagementService dbms;
        try {
            Files.createDirectories(home);
            log("starting Neo4j (home=" + home + ", port=" + port + ", auth=" + (auth ? "on" : "off")
                    + ", pagecache=" + pageCache / (1024 * 1024) + "m, heap max="
                    + Runtime.getRuntime().maxMemory() / (1024 * 1024) + "m)");
            dbms = new DatabaseManagementServiceBuilder(home)
                    .setUserLogProvider(new Log4jLogProvider(System.out, Level.INFO))
                    // Bolt only, loopback only, no TLS.
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, new SocketAddress(HOST, port))
                    .setConfig(BoltConnector.advertised_address, new SocketAddress(HOST, port))
                    .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                    .setConfig(HttpConnector.enabled, false)
                    .setConfig(HttpsConnector.enabled, false)
                    // No server-side routing connector (it would listen on a second port).
                    .setConfig(GraphDatabaseSettings.routing_enabled, false)
                    .setConfig(GraphDatabaseSettings.auth_enabled, auth)
                    // Memory: small, bounded; the heap is bounded by -Xmx in start.sh.
                    .setConfig(GraphDatabaseSettings.pagecache_memory, pageCache)
                    // Transaction logs: keep little on disk.
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "2 files")
                    .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(32))
                    .setConfig(GraphDatabaseSettings.check_point_interval_volume, ByteUnit.mebiBytes(64))
                    // No usage reporting (there is no internet here anyway).
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // Stop Bolt's Netty event loops without the default 5 s quiet periods (twice),
                    // so that stop.sh takes ~1 s instead of ~11 s. Internal setting; version pinned.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .build();
        } catch (Throwable t) {
            log("FAILED to start Neo4j: " + t);
            t.printStackTrace(System.out);
            System.out.flush();
            Runtime.getRuntime().halt(1);
            return;
        }

        CountDownLatch stopped = new CountDownLatch(1);
        AtomicBoolean shutDown = new AtomicBoolean(false);
        Runnable shutdown = () -> {
            if (shutDown.compareAndSet(false, true)) {
                log("stopping Neo4j");
                try {
                    dbms.shutdown();
                    log("STOPPED");
                } catch (Throwable t) {
                    log("error during shutdown: " + t);
                } finally {
                    stopped.countDown();
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown, "meute-neo4j-shutdown"));

        try {
            if (auth) {
                setPassword(dbms, password);
            }
            // Smoke query on the default database so READY means "usable", not just "bound".
            dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).executeTransactionally("RETURN 1");
        } catch (Throwable t) {
            log("FAILED to initialise Neo4j: " + t);
            t.printStackTrace(System.out);
            shutdown.run();
            System.out.flush();
            Runtime.getRuntime().halt(1);
            return;
        }

        log("READY bolt://" + HOST + ":" + port + (auth ? " (user " + USER + ")" : " (auth disabled)"));

        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Makes the password of user "neo4j" equal to {@code password}, without "change required".
     * Idempotent: Neo4j refuses to set the same password again, which means it is already set.
     */
    static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER " + USER + " SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
            log("password of user '" + USER + "' set");
        } catch (RuntimeException e) {
            String msg = String.valueOf(e.getMessage()).toLowerCase();
            if (msg.contains("cannot be the same")) {
                log("password of user '" + USER + "' already set");
            } else {
                throw e;
            }
        }
    }

    static void log(String message) {
        System.out.println(java.time.Instant.now() + " [meute-neo4j] " + message);
        System.out.flush();
    }
}
