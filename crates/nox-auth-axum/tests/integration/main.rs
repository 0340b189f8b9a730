//! nox-auth-axum's integration tests, one binary: the link flow, its hostile callbacks and
//! pending links, the confirm step, and the NOX-initiated login page, over real HTTP against
//! the mock on 127.0.0.1. One binary links once, and its tests run side by side.

mod common;
mod nox_login_world;

mod confirmed;
mod flow;
mod hostile_callbacks;
mod nox_login;
mod nox_login_answers;
mod nox_login_edges;
mod pending_link;
