//! The commands of `nox`, one module per command group (`nox demo` is `crate::demo`).

pub(crate) mod brands;
pub(crate) mod callback;
pub(crate) mod confirm;
pub(crate) mod contract;
pub(crate) mod devices;
pub(crate) mod link;
pub(crate) mod mock;
