//! The processes of a cluster on one machine: `imshare serve` nodes and `imshare worker`s
//! as child processes sharing one database, store and Redis, and a private Redis that a
//! test may restart. Every child is killed when its handle drops.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::helpers::{TestApp, TestUser, JWT_SECRET};

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The machine's Redis (override with IMSHARE_TEST_REDIS), for tests that do not restart it.
pub fn shared_redis_url() -> String {
    std::env::var("IMSHARE_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".to_owned())
}

/// The settings every process of one cluster shares, as `IMSHARE__…` variables.
#[derive(Clone)]
pub struct Cluster {
    env: Vec<(String, String)>,
}

impl Cluster {
    /// Processes on the test app's database and the given Redis, with the test's token
    /// key; each serve node brings its own embedded store unless [`Cluster::set`] says
    /// otherwise.
    pub fn on(app: &TestApp, redis_url: &str) -> Cluster {
        Cluster { env: Vec::new() }
            .set("IMSHARE__DATABASE__URL", &app.settings.database_url())
            .set("IMSHARE__REDIS__URL", redis_url)
            .set("IMSHARE__AUTH__JWT_SECRET", JWT_SECRET)
            .set("IMSHARE__MEDIA__IN_PROCESS_WORKER", "false")
            .set("IMSHARE__REALTIME__PRESENCE_TTL_SECS", "3")
    }

    /// One more setting for every process started from now on.
    pub fn set(mut self, key: &str, value: &str) -> Cluster {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    fn command(&self, dir: &std::path::Path) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_imshare"));
        command
            .arg("--data-dir")
            .arg(dir)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env(
                "RUST_LOG",
                std::env::var("NODE_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        command
    }

    /// Starts a `serve` node and waits until it answers `/healthz`.
    pub async fn serve(&self) -> Node {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let child = self
            .command(dir.path())
            .arg("serve")
            .arg("--listen")
            .arg(format!("127.0.0.1:{port}"))
            .arg("--store-listen")
            .arg(format!("127.0.0.1:{}", free_port()))
            .spawn()
            .expect("start imshare serve");
        let node = Node {
            child,
            address: format!("http://127.0.0.1:{port}"),
            _dir: dir,
        };
        wait_until_up(&format!("{}/healthz", node.address)).await;
        node
    }

    /// Starts an `imshare worker` running one job at a time.
    pub fn worker(&self) -> Worker {
        let dir = tempfile::tempdir().unwrap();
        let child = self
            .command(dir.path())
            .arg("worker")
            .arg("--concurrency")
            .arg("1")
            .spawn()
            .expect("start imshare worker");
        Worker { child, _dir: dir }
    }
}

/// Waits until `url` answers 2xx, for at most 30 s.
pub async fn wait_until_up(url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while reqwest::get(url)
        .await
        .map(|r| r.status().is_success())
        .ok()
        != Some(true)
    {
        assert!(
            Instant::now() < deadline,
            "{url} did not answer within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A `serve` node.
pub struct Node {
    child: Child,
    pub address: String,
    _dir: tempfile::TempDir,
}

impl Node {
    /// The presence `viewer` sees of their friend `friend_id` in `GET /v1/friends` on this node.
    pub async fn presence_of(&self, viewer: &TestUser, friend_id: &str) -> serde_json::Value {
        let friends: serde_json::Value = reqwest::Client::new()
            .get(format!("{}/v1/friends", self.address))
            .bearer_auth(&viewer.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let friend = friends
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == friend_id);
        friend.map_or(serde_json::Value::Null, |f| f["presence"].clone())
    }

    /// SIGKILL: the node dies with its sockets open, as in a crash.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the node");
        self.child.wait().unwrap();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An `imshare worker`.
pub struct Worker {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Worker {
    /// SIGKILL, mid-job if it has one.
    pub fn kill(&mut self) {
        self.child.kill().expect("SIGKILL the worker");
        self.child.wait().unwrap();
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A Redis of this test's own on a free port, keeping nothing on disk, so the test can
/// stop and start it without disturbing anyone else.
pub struct PrivateRedis {
    child: Option<Child>,
    port: u16,
}

impl PrivateRedis {
    /// Starts it and waits until it answers PING.
    pub fn start() -> PrivateRedis {
        let mut redis = PrivateRedis {
            child: None,
            port: free_port(),
        };
        redis.up();
        redis
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn up(&mut self) {
        let child = Command::new("redis-server")
            .args(["--bind", "127.0.0.1", "--port", &self.port.to_string()])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("redis-server must be installed (scripts/test.sh installs it)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while !self.answers() {
            assert!(Instant::now() < deadline, "private Redis did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn answers(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let mut reply = [0u8; 7];
        s.write_all(b"PING\r\n").is_ok()
            && s.read_exact(&mut reply).is_ok()
            && &reply == b"+PONG\r\n"
    }

    /// SIGKILL: every connection to it drops at once.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, empty.
    pub fn start_again(&mut self) {
        self.stop();
        self.up();
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        self.stop();
    }
}
