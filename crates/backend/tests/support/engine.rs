//! Which database engine the backend's tests run on, and the PostgreSQL server they start.
//!
//! `CUSTOMERCLIENT_TEST_ENGINE=postgres` runs a test binary on PostgreSQL: the first test
//! that asks for a database starts one throw-away cluster for the whole binary (Debian's
//! `initdb` and `pg_ctl` in a temporary folder, an ephemeral loopback port, as the `postgres`
//! user when the tests run as root) and each database name gets its own database on it. The
//! cluster is stopped when the binary exits. Unset or `sqlite`: a SQLite file per database.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

pub fn engine() -> Engine {
    match std::env::var("CUSTOMERCLIENT_TEST_ENGINE").as_deref() {
        Ok("postgres") => Engine::Postgres,
        Ok("sqlite") | Err(_) => Engine::Sqlite,
        Ok(other) => panic!("CUSTOMERCLIENT_TEST_ENGINE={other}: expected sqlite or postgres"),
    }
}

/// The URL of the database `name` for a test whose files live in `dir`: the same arguments
/// give the same database (a restarted backend finds its data again).
pub fn database_url(dir: &Path, name: &str) -> String {
    match engine() {
        Engine::Sqlite => customerclient_backend::sqlite_url(&dir.join(format!("{name}.sqlite"))),
        Engine::Postgres => server().database(&format!("{}:{name}", dir.display())),
    }
}

/// The default configuration on the database `name`, with mail written to `dir/outbox`
/// whichever the engine (Config::new puts it beside a SQLite file only).
pub fn config(dir: &Path, name: &str) -> customerclient_backend::Config {
    let mut config = customerclient_backend::Config::new(database_url(dir, name));
    config.mail = customerclient_backend::mail::MailConfig::outbox(dir.join("outbox"));
    config
}

/// Where the engine keeps its files, for tests that search everything written to disk.
pub fn data_dirs(dir: &Path) -> Vec<PathBuf> {
    match engine() {
        Engine::Sqlite => vec![dir.to_owned()],
        Engine::Postgres => vec![dir.to_owned(), server().root.join("data")],
    }
}

pub struct PgServer {
    root: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
    options: String,
}

static SERVER: OnceLock<PgServer> = OnceLock::new();

pub fn server() -> &'static PgServer {
    SERVER.get_or_init(PgServer::start)
}

/// The newest PostgreSQL installed from Debian's packages.
fn pg_bin() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v: u32 = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((v, bin))
        })
        .collect();
    found.sort();
    found.pop().map(|(_, b)| b).unwrap_or_else(|| {
        panic!(
            "CUSTOMERCLIENT_TEST_ENGINE=postgres needs PostgreSQL's server binaries: install \
             Debian's `postgresql` package (scripts/setup does)"
        )
    })
}

impl PgServer {
    fn start() -> PgServer {
        let bin = pg_bin();
        let root = tempfile::Builder::new()
            .prefix("customerclient-pg-")
            .tempdir()
            .expect("a temporary folder for PostgreSQL")
            .keep();
        // initdb refuses to run as root.
        let as_postgres = unsafe { libc::geteuid() } == 0;
        if as_postgres {
            run(Command::new("chown").arg("postgres:").arg(&root), "chown");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free loopback port");
        // No fsync (the machine does not crash in these tests, only PostgreSQL does), but
        // synchronous commits: an answered commit is in the WAL a crashed server replays.
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
             -c full_page_writes=off -c max_connections=300",
            root.display()
        );
        let server = PgServer {
            root,
            bin,
            port,
            as_postgres,
            options,
        };
        let data = server.root.join("data");
        run(
            server
                .pg("initdb")
                .args(["-A", "trust", "-U", "postgres", "-E", "UTF8", "--no-sync"])
                .arg("--locale=C")
                .arg("-D")
                .arg(&data),
            "initdb",
        );
        server.pg_start();
        extern "C" fn stop_at_exit() {
            if let Some(s) = SERVER.get() {
                s.stop();
            }
        }
        unsafe { libc::atexit(stop_at_exit) };
        server
    }

    fn pg_start(&self) {
        run(
            self.pg("pg_ctl")
                .arg("-D")
                .arg(self.data_dir())
                .arg("-l")
                .arg(self.root.join("log"))
                .args(["-w", "-o", &self.options, "start"]),
            "pg_ctl start",
        );
    }

    /// The database server crashes (`pg_ctl -m immediate`: no checkpoint, every backend
    /// process killed) and is started again, replaying its WAL.
    pub fn crash_and_restart(&self) {
        run(
            self.pg("pg_ctl").arg("-D").arg(self.data_dir()).args([
                "-m",
                "immediate",
                "-w",
                "stop",
            ]),
            "pg_ctl -m immediate stop",
        );
        self.pg_start();
    }

    /// A PostgreSQL program, run as the `postgres` user when the tests run as root.
    pub fn pg(&self, program: &str) -> Command {
        let path = self.bin.join(program);
        if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(path);
            c
        } else {
            Command::new(path)
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    /// Creates (once) the database for `key` and returns its URL.
    pub fn database(&self, key: &str) -> String {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        key.hash(&mut h);
        let name = format!("t{:016x}", h.finish());
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-U",
                "postgres",
            ])
            .args(["-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qc"])
            .arg(format!("CREATE DATABASE {name}"))
            .output()
            .expect("psql (Debian's postgresql-client) on the PATH");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || err.contains("already exists"),
            "creating {name}: {err}"
        );
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }

    /// Stops the server the way a crash would (`pg_ctl -m immediate`) or cleanly.
    pub fn pg_ctl(&self, action: &[&str]) -> std::process::ExitStatus {
        self.pg("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(action)
            .status()
            .expect("pg_ctl")
    }

    fn stop(&self) {
        let _ = self
            .pg("pg_ctl")
            .arg("-D")
            .arg(self.data_dir())
            .args(["-m", "immediate", "-w", "stop"])
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn run(cmd: &mut Command, what: &str) {
    let out = cmd.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
