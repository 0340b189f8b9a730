//! The `nox-mock` program against clients that hold a request open (feature `cli`), over
//! real sockets on 127.0.0.1: 300 that trickle a body a byte at a time, and 50 that send
//! headers promising a body and then nothing. Each is answered 408 and closed once the
//! body falls below the minimum rate (1 KiB/s after 2 s), well before the body timeout;
//! a normal client is served meanwhile; memory stays flat. The times and memory measured
//! are printed (BENCHMARKS.md, "The mock under hostile clients").

use crate::program;

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use program::{KEY, Mock, mib, start};

const TRICKLING: usize = 300;
const SILENT: usize = 50;
/// Generous: the default body timeout (10 s) and then some; the rate closes them at ~2 s.
const CLOSE_BOUND: Duration = Duration::from_secs(20);

/// How one held connection ended: when the server closed it, and what it answered.
struct Closed {
    after: Duration,
    answer: String,
}

/// Sends a request's headers (a JSON body of 1,000 bytes promised), then `trickle` bytes
/// of it one at a time every 200 ms (none when 0), until the server answers and closes.
async fn hold(addr: String, trickle: usize) -> Option<Closed> {
    let mut s = TcpStream::connect(&addr).await.ok()?;
    let start = Instant::now();
    let head = format!(
        "POST /v2/supplier/link-sessions HTTP/1.1\r\nHost: {addr}\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let mut sent = 0;
    loop {
        tokio::select! {
            read = s.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            _ = tokio::time::sleep(Duration::from_millis(200)), if sent < trickle => {
                // A write can fail once the mock has answered and closed (the answer
                // may be waiting unread): stop sending, keep reading.
                if s.write_all(b" ").await.is_err() {
                    sent = trickle;
                } else {
                    sent += 1;
                }
            },
            _ = tokio::time::sleep(CLOSE_BOUND) => return None,
        }
    }
    Some(Closed {
        after: start.elapsed(),
        answer: String::from_utf8_lossy(&answer).into_owned(),
    })
}

/// Holds `n` connections at once; how each ended (`None`: still open at the bound).
async fn hold_many(addr: String, n: usize, trickle: usize) -> Vec<Option<Closed>> {
    let tasks: Vec<_> = (0..n)
        .map(|_| tokio::spawn(hold(addr.clone(), trickle)))
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

fn check(what: &str, closed: &[Option<Closed>]) -> Duration {
    let open = closed.iter().filter(|c| c.is_none()).count();
    assert_eq!(open, 0, "{what}: {open} still open after {CLOSE_BOUND:?}");
    let slowest = closed.iter().flatten().map(|c| c.after).max().unwrap();
    for c in closed.iter().flatten() {
        assert!(c.answer.starts_with("HTTP/1.1 408"), "{what}: {}", c.answer);
    }
    slowest
}

async fn create(mock: &Mock) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/v2/supplier/link-sessions", mock.base))
        .header("x-api-key", KEY)
        .json(&serde_json::json!({"user_id": "u", "asset_type": "hp", "redirect_url": "https://e.com/cb"}))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map(|r| r.status().as_u16())
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trickling_and_silent_bodies_are_answered_408_and_closed() {
    let mock = start(&[]);
    assert_eq!(create(&mock).await, 201);
    let before = mock.rss_kib();

    // 300 trickling a byte every 200 ms (5 bytes a second), a normal client meanwhile.
    let trickling = tokio::spawn(hold_many(mock.addr.clone(), TRICKLING, 1000));
    tokio::time::sleep(Duration::from_millis(1000)).await;
    let held = mock.rss_kib();
    assert_eq!(
        create(&mock).await,
        201,
        "served while 300 bodies trickle in"
    );
    let trickled = trickling.await.unwrap();
    let slowest_trickle = check("trickling", &trickled);
    let after_trickle = mock.rss_kib();

    // 50 that promise a body and send none.
    let silent = hold_many(mock.addr.clone(), SILENT, 0).await;
    let slowest_silent = check("silent", &silent);
    let after = mock.rss_kib();

    eprintln!(
        "nox-mock: {TRICKLING} trickling bodies all answered 408 and closed within {slowest_trickle:.2?}, \
         {SILENT} silent ones within {slowest_silent:.2?}; RSS {:.1} MiB before, {:.1} MiB while held, \
         {:.1} MiB after the trickle, {:.1} MiB after the silent ones",
        mib(before),
        mib(held),
        mib(after_trickle),
        mib(after)
    );
    let growth = mib(after.max(held).max(after_trickle).saturating_sub(before));
    assert!(growth <= 64.0, "grew {growth:.1} MiB");
    assert_eq!(create(&mock).await, 201, "still serving");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_timeout_bounds_a_body_that_keeps_the_rate() {
    // 2 KiB a second keeps the minimum rate; the whole body (60 KB) would take 30 s, so
    // the body timeout (here 3 s) ends it.
    let mock = start(&["--body-timeout", "3s"]);
    let mut s = TcpStream::connect(&mock.addr).await.unwrap();
    let start = Instant::now();
    s.write_all(
        format!(
            "POST /_mock/faults HTTP/1.1\r\nHost: {}\r\ncontent-type: application/json\r\ncontent-length: 60000\r\n\r\n",
            mock.addr
        )
        .as_bytes(),
    )
    .await
    .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 1024];
    let mut sending = true;
    loop {
        tokio::select! {
            read = s.read(&mut buf) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buf[..n]),
            },
            _ = tokio::time::sleep(Duration::from_millis(100)), if sending => {
                // Failing once the mock has answered and closed: keep reading the answer.
                sending = s.write_all(&[b' '; 205]).await.is_ok();
            },
        }
        assert!(start.elapsed() < CLOSE_BOUND, "still open");
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
    eprintln!(
        "nox-mock: a body at 2 KiB/s closed after {:.2?} (body timeout 3 s)",
        start.elapsed()
    );
}

/// How many sockets a process holds open now.
fn sockets(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .unwrap()
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

/// The number of sockets a process holds once closed connections are gone: two readings
/// 200 ms apart agree (a dropped client's socket closes on the mock's side a little later).
async fn settled_sockets(pid: u32) -> usize {
    let mut last = sockets(pid);
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        let now = sockets(pid);
        if now == last {
            return now;
        }
        last = now;
    }
    last
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_stop_reading_their_answers_are_dropped() {
    const READERS: usize = 20;
    let mock = start(&["--header-timeout", "2s"]);
    let pid = mock.child.id();
    let http = reqwest::Client::new();
    let added = http
        .post(format!("{}/_mock/devices", mock.base))
        .json(&serde_json::json!({"kind": "hp", "user_id": "u1", "count": 4000}))
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    drop(http);
    let idle = settled_sockets(pid).await;
    let before = mock.rss_kib();
    // Each asks for ten pages of 4,000 devices (~2 MB each) at once and reads nothing.
    let request = format!(
        "GET /v1/devices?limit=4000 HTTP/1.1\r\nHost: {}\r\nx-api-key: {KEY}\r\n\r\n",
        mock.addr
    )
    .repeat(10);
    let mut held = Vec::new();
    for _ in 0..READERS {
        let mut s = TcpStream::connect(&mock.addr).await.unwrap();
        s.write_all(request.as_bytes()).await.unwrap();
        held.push(s);
    }
    let start = Instant::now();
    // Accepting twenty connections can take a while on a loaded machine: wait until the mock
    // holds all of them (it must, before any timeout drops one), within the close bound.
    let mut most = 0;
    while most < idle + READERS {
        most = most.max(sockets(pid));
        assert!(
            start.elapsed() < CLOSE_BOUND,
            "the mock never held all {READERS} stalled clients at once (at most {} of them)",
            most.saturating_sub(idle)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let holding = mock.rss_kib();
    while sockets(pid) > idle {
        assert!(
            start.elapsed() < CLOSE_BOUND,
            "{} still open",
            sockets(pid) - idle
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let closed_after = start.elapsed();
    let after = mock.rss_kib();
    eprintln!(
        "nox-mock: {READERS} clients reading none of 10 pages of 4,000 devices dropped within {closed_after:.2?} \
         (header timeout 2 s); RSS {:.1} MiB before, {:.1} MiB while held, {:.1} MiB after",
        mib(before),
        mib(holding),
        mib(after)
    );
    assert!(mib(holding.max(after).saturating_sub(before)) <= 64.0);
    drop(held);
}
