//! nox-contract's integration tests, one binary: the contract check against servers that
//! answer well and badly, and the validating proxy under hostile clients (its memory measured
//! in a child process of its own, `proxy_process`). One binary links once, and its tests run
//! side by side.

mod proxy_process;

mod answers;
mod contract;
mod package_owner;
mod proxy_bounds;
mod proxy_connections;
mod proxy_http;
mod proxy_memory;
mod proxy_upstream;
