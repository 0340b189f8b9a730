//! The `nox-mock` program run by a test (feature `cli`): started on a free port of
//! 127.0.0.1, killed when dropped, its resident memory read from /proc.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The API key every program test starts the mock with.
pub const KEY: &str = "abuse-key";

pub struct Mock {
    pub child: Child,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    /// `127.0.0.1:<port>`.
    pub addr: String,
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Mock {
    /// Its resident memory now, in KiB.
    pub fn rss_kib(&self) -> u64 {
        rss_kib(self.child.id())
    }
}

pub fn start(args: &[&str]) -> Mock {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nox-mock"))
        .args(["--port", "0", "--api-key", KEY])
        .args(args)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first
        .strip_prefix("nox-mock listening on ")
        .unwrap()
        .to_owned();
    // Keep reading stdout so that the program never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    let addr = base.trim_start_matches("http://").to_owned();
    Mock { child, base, addr }
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
