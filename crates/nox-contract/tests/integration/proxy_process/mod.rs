//! The proxy in a process of its own, so that its memory is measured alone: the test
//! binary runs itself again with [`CHILD`] set, and that run ([`serve_if_child`]) starts
//! a proxy in front of the upstream it is given, prints its address and serves until its
//! stdin closes (or it is killed when the [`ProxyProcess`] is dropped). Also the upstreams
//! the abuse tests need, written by hand on raw sockets, and the resident memory read from
//! /proc (the pattern of nox-mock's `tests/program`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read as _};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// Set in the child: the upstream URL its proxy forwards to.
pub const CHILD: &str = "NOX_PROXY_TEST_UPSTREAM";
/// Set in the child: the header timeout of its proxy, in milliseconds.
const CHILD_HEADER_TIMEOUT: &str = "NOX_PROXY_TEST_HEADER_TIMEOUT_MS";

/// A proxy running in a child process; killed when dropped.
pub struct ProxyProcess {
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `127.0.0.1:<port>`.
    pub addr: String,
}

impl Drop for ProxyProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl ProxyProcess {
    /// Its resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }

    /// How many client connections to it are open on its side: established TCP
    /// connections whose local port is the one it listens on (from /proc/net/tcp; those
    /// waiting to be accepted included, those it has closed not).
    pub fn connections(&self) -> usize {
        let port = self
            .addr
            .rsplit(':')
            .next()
            .unwrap()
            .parse::<u16>()
            .unwrap();
        let local = format!(":{port:04X}");
        std::fs::read_to_string("/proc/net/tcp")
            .unwrap()
            .lines()
            .skip(1)
            .filter(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // local_address rem_address st: `0100007F:1F90 … 01` is established.
                fields.len() > 3 && fields[1].ends_with(&local) && fields[3] == "01"
            })
            .count()
    }
}

/// Starts this test binary again as a proxy to `upstream` (its test `child_test`, which
/// calls [`serve_if_child`]), with `header_timeout`.
pub fn start(child_test: &str, upstream: &str, header_timeout: Duration) -> ProxyProcess {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([child_test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, upstream)
        .env(CHILD_HEADER_TIMEOUT, header_timeout.as_millis().to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("the child printed its address")
            .unwrap();
        // After libtest's `test child ... ` on the same line.
        if let Some((_, base)) = line.split_once("proxy listening on ") {
            break base.trim().to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let addr = base.trim_start_matches("http://").to_owned();
    ProxyProcess { child, base, addr }
}

/// In the child (when [`CHILD`] is set): runs the proxy until stdin closes. Elsewhere,
/// returns at once.
pub fn serve_if_child() {
    let Ok(upstream) = std::env::var(CHILD) else {
        return;
    };
    let header_timeout: u64 = std::env::var(CHILD_HEADER_TIMEOUT)
        .unwrap()
        .parse()
        .unwrap();
    // As `nox mock proxy` runs: a multi-threaded runtime, a worker per core.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mut config = nox_contract::ProxyConfig::new(upstream.parse().unwrap());
        config.header_timeout = Duration::from_millis(header_timeout);
        let proxy = nox_contract::Proxy::start(config).await.unwrap();
        println!("proxy listening on {}", proxy.base_url());
        // The parent holds our stdin: its end (or death) ends us.
        tokio::task::spawn_blocking(|| {
            let mut sink = [0u8; 64];
            while matches!(std::io::stdin().read(&mut sink), Ok(n) if n > 0) {}
        })
        .await
        .unwrap();
    });
    std::process::exit(0);
}

/// VmRSS of a process, in KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS in /proc/<pid>/status")
}

/// KiB → MiB, for the messages.
pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

/// What a hand-written upstream does with each request, once it has read it in full.
#[derive(Clone)]
pub enum Upstream {
    /// Waits, then answers `201` with this JSON.
    Slow(Duration, Arc<Vec<u8>>),
    /// Answers `200` with a body of a GiB, sent until the proxy stops reading.
    Endless,
    /// Answers at once with this status and JSON body.
    Json(u16, Arc<Vec<u8>>),
    /// Answers `200` and `{}` with a header this many bytes long.
    HugeHeader(usize),
}

/// Starts an upstream on 127.0.0.1 (on the test's runtime); its base URL.
pub async fn upstream(behaviour: Upstream) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(answer_all(stream, behaviour.clone()));
        }
    });
    base
}

/// Answers every request of a keep-alive connection.
async fn answer_all(mut s: TcpStream, behaviour: Upstream) {
    let mut buf = Vec::new();
    loop {
        // The head, then as much body as it announces.
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 16 * 1024];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 64 * 1024];
            match s.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..head_end + length);
        // The warm-up's calls are answered at once, whatever the upstream does otherwise.
        let behaviour = match head.starts_with("get /v2/warm-up ") {
            true => &Upstream::Json(200, Arc::new(b"{}".to_vec())),
            false => &behaviour,
        };
        let (status, body) = match behaviour {
            Upstream::Slow(delay, body) => {
                tokio::time::sleep(*delay).await;
                (201, body.clone())
            }
            Upstream::Json(status, body) => (*status, body.clone()),
            Upstream::HugeHeader(n) => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\nx-big: {}\r\ncontent-length: 2\r\n\r\n{{}}",
                    "a".repeat(*n)
                );
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                continue;
            }
            Upstream::Endless => {
                let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n";
                if s.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = vec![b' '; 64 * 1024];
                while s.write_all(&chunk).await.is_ok() {}
                return;
            }
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if s.write_all(head.as_bytes()).await.is_err() || s.write_all(&body).await.is_err() {
            return;
        }
    }
}

/// Samples a process's resident memory every 50 ms until dropped; the highest seen.
pub struct Peak {
    stop: Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl Peak {
    pub fn watch(pid: u32) -> Peak {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_kib(pid));
                std::thread::sleep(Duration::from_millis(50));
            }
            peak.max(rss_kib(pid))
        });
        Peak {
            stop,
            thread: Some(thread),
        }
    }

    /// The highest resident memory seen, in KiB.
    pub fn end(mut self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.take().unwrap().join().unwrap()
    }
}
