//! Load test of `nox-mock`: N concurrent clients (64 by default) create (and complete)
//! link sessions for a fixed time; reports requests/s and p50/p99 latency, and checks
//! that every session created exists and was completed exactly once.
//!
//! In the same run, the same client load goes to a trivial axum handler that answers a
//! fixed 201 body (the floor on this machine) and, with `--prism URL`, to a Prism mock
//! of the v2 supplier spec (`scripts/bench.sh` installs and starts it). Prism serves the
//! spec's paths at its root, so its create URL is `URL/supplier/link-sessions`.
//!
//! ```sh
//! cargo bench -p nox-mock --bench mock_load -- [--clients 64] [--seconds 5] [--prism http://127.0.0.1:4010]
//! ```
//! Targets: mock creations/s ≥ 0.5 × the trivial handler's, p99 < 10 ms.

use std::collections::HashMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use nox_mock::{MockConfig, MockServer};

const FIXED_BODY: &str = r#"{"link_url":"http://127.0.0.1/ui?token=abc123&language=nl","link_token":"abc123","language":"nl","asset_type":"hp","redirect_url":"https://example.com/cb","supplier":"Acme Energy","supplier_user_id":"user-42","created_at":1703123456,"expires_at":1703124056,"brand":null,"completed_at":null}"#;

struct Options {
    clients: usize,
    seconds: u64,
    prism: Option<String>,
}

fn options() -> Options {
    let mut o = Options {
        clients: 64,
        seconds: 5,
        prism: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--clients" => {
                o.clients = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--clients N")
            }
            "--seconds" => {
                o.seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .expect("--seconds N")
            }
            "--prism" => o.prism = args.next(),
            _ => {} // `cargo bench` passes `--bench`
        }
    }
    o
}

#[derive(Default)]
struct Stats {
    created: Vec<String>,
    completed: Vec<(String, String)>,
    create_latency: Vec<Duration>,
    complete_latency: Vec<Duration>,
    errors: usize,
    elapsed: Duration,
}

impl Stats {
    fn merge(&mut self, other: Stats) {
        self.created.extend(other.created);
        self.completed.extend(other.completed);
        self.create_latency.extend(other.create_latency);
        self.complete_latency.extend(other.complete_latency);
        self.errors += other.errors;
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// One client: a loop of create (and complete) until the deadline.
/// `create_url` is the full URL of the create operation; `base` (the mock's) is used to
/// complete sessions through the UI.
async fn client_loop(
    http: reqwest::Client,
    create_url: String,
    base: String,
    key: String,
    complete: bool,
    deadline: Instant,
    id: usize,
) -> Stats {
    let mut s = Stats::default();
    let body = serde_json::json!({"user_id": format!("load-{id}"), "asset_type": "hp", "redirect_url": "https://example.com/cb"});
    let mut n = 0;
    while Instant::now() < deadline {
        n += 1;
        let t = Instant::now();
        let resp = http
            .post(&create_url)
            .header("x-api-key", &key)
            .json(&body)
            .send()
            .await;
        let token = match resp {
            Ok(r) if r.status() == StatusCode::CREATED => match r.json::<serde_json::Value>().await
            {
                Ok(v) => v["link_token"].as_str().map(str::to_owned),
                Err(_) => None,
            },
            _ => None,
        };
        s.create_latency.push(t.elapsed());
        let Some(token) = token else {
            s.errors += 1;
            continue;
        };
        s.created.push(token.clone());
        if complete {
            let device = format!("dev-{id}-{n}");
            let t = Instant::now();
            let resp = http
                .post(format!("{base}/ui/connect"))
                .form(&[
                    ("token", token.as_str()),
                    ("brand", "daikin"),
                    ("device_id", device.as_str()),
                ])
                .send()
                .await;
            s.complete_latency.push(t.elapsed());
            match resp {
                Ok(r) if r.status() == StatusCode::SEE_OTHER => s.completed.push((token, device)),
                _ => s.errors += 1,
            }
        }
    }
    s
}

async fn run_load(
    create_url: &str,
    base: &str,
    key: &str,
    clients: usize,
    seconds: u64,
    complete: bool,
) -> Stats {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(clients)
        .build()
        .unwrap();
    // Warm-up: open the connections.
    let _ = http.post(create_url).send().await;
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|id| {
            tokio::spawn(client_loop(
                http.clone(),
                create_url.to_owned(),
                base.to_owned(),
                key.to_owned(),
                complete,
                deadline,
                id,
            ))
        })
        .collect();
    let mut stats = Stats::default();
    for t in tasks {
        stats.merge(t.await.unwrap());
    }
    stats.elapsed = started.elapsed();
    stats
}

/// The v2 supplier create URL under a server that mounts v2 at `/v2`.
fn create_url(base: &str) -> String {
    format!("{base}/v2/supplier/link-sessions")
}

struct Row {
    name: String,
    creations_per_s: f64,
    requests_per_s: f64,
    p50: f64,
    p99: f64,
    errors: usize,
}

fn row(name: &str, mut s: Stats) -> (Row, Stats) {
    let mut all: Vec<Duration> = s
        .create_latency
        .iter()
        .chain(&s.complete_latency)
        .copied()
        .collect();
    all.sort();
    s.create_latency.sort();
    let secs = s.elapsed.as_secs_f64();
    let r = Row {
        name: name.to_owned(),
        creations_per_s: s.created.len() as f64 / secs,
        requests_per_s: all.len() as f64 / secs,
        p50: ms(percentile(&all, 0.50)),
        p99: ms(percentile(&all, 0.99)),
        errors: s.errors,
    };
    (r, s)
}

/// A server on its own runtime thread, so client and server do not share a scheduler.
fn server_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn main() -> ExitCode {
    let o = options();
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let server_rt = server_runtime();
    println!(
        "mock_load: {} clients, {} s per phase, {} cores",
        o.clients,
        o.seconds,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );

    // The floor: a trivial handler answering a fixed 201 body.
    let trivial_base = server_rt.block_on(async {
        let app = Router::new().route(
            "/v2/supplier/link-sessions",
            post(|| async {
                (
                    StatusCode::CREATED,
                    [("content-type", "application/json")],
                    FIXED_BODY,
                )
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    });
    let trivial_load = |seconds| {
        client_rt.block_on(run_load(
            &create_url(&trivial_base),
            &trivial_base,
            "k",
            o.clients,
            seconds,
            false,
        ))
    };
    // Warm-up (discarded): connections, allocator, CPU frequency.
    trivial_load(2);
    let mut rows = Vec::new();
    rows.push(row("trivial axum handler (fixed 201)", trivial_load(o.seconds)).0);

    let start_mock = || {
        server_rt.block_on(async {
            Arc::new(
                // The correctness check below needs every session kept; the caps (count
                // and bytes) are the mock's defence against abuse (tests/abuse*.rs), not
                // load limits.
                MockServer::start_with(
                    MockConfig::default()
                        .api_key("load-key")
                        .max_sessions(usize::MAX)
                        .max_session_bytes(usize::MAX)
                        .max_device_bytes(usize::MAX),
                )
                .await
                .unwrap(),
            )
        })
    };
    let mock = start_mock();
    let (create_only, s) = row(
        "nox-mock, create",
        client_rt.block_on(run_load(
            &create_url(mock.base_url()),
            mock.base_url(),
            "load-key",
            o.clients,
            o.seconds,
            false,
        )),
    );
    let mut ok = s.errors == 0 && mock.sessions().len() == s.created.len();
    rows.push(create_only);

    let mock = start_mock();
    let (both, s) = row(
        "nox-mock, create + complete",
        client_rt.block_on(run_load(
            &create_url(mock.base_url()),
            mock.base_url(),
            "load-key",
            o.clients,
            o.seconds,
            true,
        )),
    );
    rows.push(both);
    // Every session created exists, and was completed exactly once with our device.
    let sessions: HashMap<String, nox_mock::Session> = mock
        .sessions()
        .into_iter()
        .map(|x| (x.token.clone(), x))
        .collect();
    let lost = s
        .created
        .iter()
        .filter(|t| !sessions.contains_key(*t))
        .count();
    let extra = sessions.len() - (s.created.len() - lost);
    let wrong = s
        .completed
        .iter()
        .filter(|(t, dev)| {
            sessions
                .get(t)
                .is_none_or(|x| x.completed_at.is_none() || x.device_ids != vec![dev.clone()])
        })
        .count();
    let not_completed = s.created.len() - s.completed.len();
    println!(
        "check: {} sessions created, {} lost, {} unexpected, {} completed, {} not completed, {} completed wrongly, {} errors",
        s.created.len(),
        lost,
        extra,
        s.completed.len(),
        not_completed,
        wrong,
        s.errors
    );
    ok &= lost == 0 && extra == 0 && wrong == 0 && not_completed == 0 && s.errors == 0;

    // The floor again, last: the baseline is the mean of both runs, so the order of the
    // phases favours no one.
    rows.push(
        row(
            "trivial axum handler (fixed 201), again at the end",
            trivial_load(o.seconds),
        )
        .0,
    );
    let floor = (rows[0].creations_per_s + rows[3].creations_per_s) / 2.0;

    if let Some(prism) = &o.prism {
        let (p, _) = row(
            "Prism 5 (`prism mock`, v2 supplier spec)",
            client_rt.block_on(run_load(
                &format!("{prism}/supplier/link-sessions"),
                prism,
                "load-key",
                o.clients,
                o.seconds,
                false,
            )),
        );
        rows.push(p);
    }

    println!("\nbaseline: {floor:.0} creations/s (mean of the two trivial runs)");
    println!(
        "\n| target | creations/s | requests/s | p50 ms | p99 ms | errors | creations vs baseline |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for r in &rows {
        println!(
            "| {} | {:.0} | {:.0} | {:.2} | {:.2} | {} | {:.2} |",
            r.name,
            r.creations_per_s,
            r.requests_per_s,
            r.p50,
            r.p99,
            r.errors,
            r.creations_per_s / floor
        );
    }
    let mock_ratio = rows[1].creations_per_s / floor;
    println!(
        "\ntarget creations ≥ 0.5 × trivial: {:.2} ({}); target p99 < 10 ms: create {:.2} ms, create+complete {:.2} ms",
        mock_ratio,
        if mock_ratio >= 0.5 { "met" } else { "NOT met" },
        rows[1].p99,
        rows[2].p99
    );
    if let Some(p) = rows.get(4) {
        println!(
            "nox-mock vs Prism (creations/s): {:.1}×",
            rows[1].creations_per_s / p.creations_per_s.max(1e-9)
        );
    }
    // This process holds the mock and the clients; the clients' share is small and
    // constant (64 tasks), so the growth is the mock's sessions.
    if let Some(kib) = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
    {
        println!(
            "resident memory at the end (mock + load clients, one process): {} MiB",
            kib / 1024
        );
    }
    if ok {
        println!("correctness: every session created exists and was completed exactly once");
        ExitCode::SUCCESS
    } else {
        println!("correctness: FAILED (see the check line)");
        ExitCode::FAILURE
    }
}
