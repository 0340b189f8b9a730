//! The `nox-mock` program under test, one binary (needs the `cli` feature that builds the
//! program): its command line, and its bounds in time and bytes under abusive clients, each
//! mock a child process whose memory is read from /proc (`program`).

mod program;

mod abuse;
mod abuse_bytes;
mod abuse_time;
mod binary;
