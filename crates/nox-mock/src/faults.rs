//! Faults to inject, so that integrators can test their failure paths: the next N calls
//! of an operation answer a chosen status (with `Retry-After`), come late, or carry a
//! malformed body.

use std::sync::Mutex;
use std::time::Duration;

use nox_auth::Operation;
use serde::{Deserialize, Serialize};

use crate::error::Error;

/// One armed fault. Build it with [`Fault::status`], [`Fault::malformed`] or
/// [`Fault::delay`], then narrow it with [`Fault::on`] and [`Fault::times`].
///
/// Over the control API it is JSON (`POST /_mock/faults`):
/// `{"operation": "create_supplier_link_session", "times": 2, "delay_ms": 0, "kind": "status",
/// "status": 503, "retry_after": 1}`; `kind` is `status`, `malformed` or `normal`. The
/// operation is an [`Operation`]'s name (the spec's operationId is accepted too); an
/// unknown name is refused with the list of valid ones, so that a typo never arms a
/// fault that cannot fire.
///
/// ```
/// use std::time::Duration;
/// use nox_mock::{Fault, Operation};
/// let fault = Fault::status(429).retry_after(2).on(Operation::CreateSupplierLinkSession).times(3);
/// assert_eq!(fault.times, 3);
/// let slow = Fault::delay(Duration::from_millis(1500));
/// assert_eq!(slow.operation, None, "every operation");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Fault {
    /// The operation it applies to; `None`: every operation.
    #[serde(default, with = "operation_name")]
    pub operation: Option<Operation>,
    /// How many calls it applies to (then it is gone). Default 1.
    #[serde(default = "one")]
    pub times: u32,
    /// How long to wait before answering. Default none.
    #[serde(default, rename = "delay_ms", with = "millis")]
    pub delay: Duration,
    /// What to answer.
    #[serde(flatten)]
    pub answer: FaultAnswer,
}

/// What a [`Fault`] answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum FaultAnswer {
    /// The normal answer (after the delay).
    Normal,
    /// This status (400–599) with the version's error body, and `Retry-After: <seconds>`
    /// when given.
    Status {
        /// The HTTP status.
        status: u16,
        /// Seconds for a `Retry-After` header.
        #[serde(default)]
        retry_after: Option<u64>,
    },
    /// The success status (`201`; `200` for the Package API's listings) with a body that
    /// is not valid JSON.
    Malformed,
}

fn one() -> u32 {
    1
}

/// An operation as its name in JSON; either spelling read, an unknown one refused with
/// the list of valid names.
mod operation_name {
    use nox_auth::Operation;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(op: &Option<Operation>, s: S) -> Result<S::Ok, S::Error> {
        match op {
            Some(op) => s.serialize_str(op.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Operation>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(name) if name.len() > super::MAX_OPERATION_NAME => {
                Err(serde::de::Error::custom(format_args!(
                    "an operation name is at most {} bytes, not {}",
                    super::MAX_OPERATION_NAME,
                    name.len()
                )))
            }
            Some(name) => name.parse().map(Some).map_err(serde::de::Error::custom),
        }
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}

/// The longest delay a fault may ask for: one minute.
pub const MAX_FAULT_DELAY: Duration = Duration::from_secs(60);

/// The most faults armed at once: arming another is refused ([`Error::TooManyFaults`];
/// 409 over HTTP) until some are used up or cleared.
pub const MAX_FAULTS: usize = 64;

/// The longest operation name a fault may give, in bytes (the longest real one has 38):
/// a longer one is refused without being quoted.
pub const MAX_OPERATION_NAME: usize = 64;

impl Fault {
    fn new(answer: FaultAnswer) -> Self {
        Fault {
            operation: None,
            times: 1,
            delay: Duration::ZERO,
            answer,
        }
    }

    /// Answer `status` (400–599) with the version's error body.
    pub fn status(status: u16) -> Self {
        Self::new(FaultAnswer::Status {
            status,
            retry_after: None,
        })
    }

    /// Answer the success status (`201`; `200` for the Package API's listings) with a
    /// body that is not valid JSON.
    pub fn malformed() -> Self {
        Self::new(FaultAnswer::Malformed)
    }

    /// Answer normally, `delay` late.
    pub fn delay(delay: Duration) -> Self {
        Self::new(FaultAnswer::Normal).after(delay)
    }

    /// Only for this operation.
    pub fn on(mut self, operation: Operation) -> Self {
        self.operation = Some(operation);
        self
    }

    /// For the next `n` calls (default 1).
    pub fn times(mut self, n: u32) -> Self {
        self.times = n;
        self
    }

    /// Wait `delay` before answering.
    pub fn after(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// With a `Retry-After: <seconds>` header (for a status fault).
    pub fn retry_after(mut self, seconds: u64) -> Self {
        if let FaultAnswer::Status { retry_after, .. } = &mut self.answer {
            *retry_after = Some(seconds);
        }
        self
    }

    /// Why the mock refuses this fault ([`Error::InvalidFault`]), if it does.
    pub fn check(&self) -> Result<(), Error> {
        let invalid = |reason: String| Err(Error::InvalidFault { reason });
        if self.times == 0 {
            return invalid("times must be at least 1".into());
        }
        if self.delay > MAX_FAULT_DELAY {
            return invalid(format!(
                "delay_ms must be at most {}",
                MAX_FAULT_DELAY.as_millis()
            ));
        }
        if let FaultAnswer::Status { status, .. } = self.answer
            && !(400..=599).contains(&status)
        {
            return invalid(format!("status must be 400–599, not {status}"));
        }
        Ok(())
    }
}

/// The armed faults, in the order they were armed.
#[derive(Debug, Default)]
pub(crate) struct Faults(Mutex<Vec<Fault>>);

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Arms a checked fault, if fewer than [`MAX_FAULTS`] are armed.
    pub(crate) fn arm(&self, fault: Fault) -> Result<(), Error> {
        fault.check()?;
        let mut faults = self.lock();
        if faults.len() >= MAX_FAULTS {
            return Err(Error::TooManyFaults { max: MAX_FAULTS });
        }
        faults.push(fault);
        Ok(())
    }

    /// The first fault armed for `operation` (or for every operation), counted down.
    pub(crate) fn take(&self, operation: Operation) -> Option<Fault> {
        let mut faults = self.lock();
        if faults.is_empty() {
            return None;
        }
        let i = faults
            .iter()
            .position(|f| f.operation.is_none_or(|op| op == operation))?;
        let fault = faults[i].clone();
        faults[i].times -= 1;
        if faults[i].times == 0 {
            faults.remove(i);
        }
        Some(fault)
    }

    pub(crate) fn list(&self) -> Vec<Fault> {
        self.lock().clone()
    }

    pub(crate) fn clear(&self) {
        self.lock().clear();
    }
}
