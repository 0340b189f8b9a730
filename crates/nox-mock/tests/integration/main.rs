//! nox-mock's integration tests, one binary: the API, the UI, the control API and its guard,
//! the Package API's devices, the NOX app and the mock's limits, over real HTTP on 127.0.0.1.
//! (`listing_memory` is a binary of its own: it measures this process's memory.)
//! One binary links once, and its tests run side by side.

mod common;

mod control;
mod control_guard;
mod device_bounds;
mod device_paging;
mod devices;
mod hostile_input;
mod limits;
mod nox_app;
mod requests;
mod sessions;
mod ui;
