//! The `nox` program's tests, one binary: each module runs the built program against the
//! mock or small servers on 127.0.0.1. One binary links once, and its tests run side by side.

mod common;

mod confirm;
mod devices;
mod link;
mod offline;
mod servers;
