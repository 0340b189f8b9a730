//! [`MockServer`]: a running mock, and what a test does with it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use nox_auth::Brand;
use tokio::sync::oneshot;

use crate::app::{App, AppInner};
use crate::config::MockConfig;
use crate::device::{AddedDevices, Device, DeviceBatch, DeviceMark, MAX_DEVICE_DELAY};
use crate::device_store::DeviceSettings;
use crate::error::Error;
use crate::faults::{Fault, Faults};
use crate::nox_app::{Authorization, NoxApp};
use crate::nox_app_routes;
use crate::request_log::{RecordedRequest, RequestLog};
use crate::router::router;
use crate::serve;
use crate::session::{NoxUser, Session};
use crate::store::{Limits, Store, random_token};

/// A running mock. Stops when dropped.
pub struct MockServer {
    app: App,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for MockServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServer")
            .field("base_url", &self.app.base_url)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Starts a mock on an ephemeral port of 127.0.0.1 with a random API key.
    pub async fn start() -> Result<MockServer, Error> {
        Self::start_with(MockConfig::default()).await
    }

    /// Starts a mock with `config`.
    pub async fn start_with(config: MockConfig) -> Result<MockServer, Error> {
        let listen = |source| Error::Listen {
            addr: config.addr,
            source,
        };
        let listener = tokio::net::TcpListener::bind(config.addr)
            .await
            .map_err(listen)?;
        let addr = listener.local_addr().map_err(listen)?;
        let base_url = match &config.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if addr.ip().is_unspecified() => format!("http://127.0.0.1:{}", addr.port()),
            None => format!("http://{addr}"),
        };
        let limits = Limits {
            session_ttl: config.session_ttl,
            retention: config.session_retention,
            max_sessions: config.max_sessions.max(1),
            max_session_bytes: config.max_session_bytes,
        };
        if config.device_visibility_delay > MAX_DEVICE_DELAY {
            return Err(Error::InvalidDevices {
                reason: format!(
                    "the visibility delay must be at most {} seconds",
                    MAX_DEVICE_DELAY.as_secs()
                ),
            });
        }
        let devices = DeviceSettings {
            max_records: config.max_devices.max(1),
            max_bytes: config.max_device_bytes,
            user_id: config.package_user_id,
            delay: config.device_visibility_delay,
            manufacturer_name: config.manufacturer_name.clone(),
        };
        let public_host = config.public_url.as_deref().and_then(|u| {
            let host = url::Url::parse(u).ok()?.host_str()?.to_ascii_lowercase();
            Some(
                host.trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            )
        });
        if !addr.ip().is_loopback() && config.control_token.is_none() {
            tracing::warn!(
                %addr,
                "nox-mock listens beyond this machine without a control token: anyone who reaches it can read link sessions and drive /_mock"
            );
        }
        let log = RequestLog::new(config.request_log_capacity, config.request_log_bytes);
        let app = App(Arc::new(AppInner {
            store: Store::new(config.clock, limits, devices, log),
            api_key: config
                .api_key
                .unwrap_or_else(|| format!("mock_{}", random_token(16))),
            base_url,
            supplier_name: config.supplier_name,
            supplier_id: "supplier_mock".into(),
            manufacturer_name: config.manufacturer_name,
            faults: Faults::default(),
            bound: addr,
            public_host,
            control_token: config.control_token.filter(|t| !t.is_empty()),
            body_timeout: config.body_timeout,
            nox_app: NoxApp::default(),
        }));
        if let Some(url) = &config.supplier_login_url {
            app.nox_app
                .set_login_url(url)
                .map_err(|e| Error::Config(format!("supplier login URL: {e}")))?;
        }
        let (tx, rx) = oneshot::channel::<()>();
        let router = router(app.clone());
        let bounds = serve::Bounds::new(config.header_timeout);
        let task = tokio::spawn(serve::run(listener, router, bounds, rx));
        Ok(MockServer {
            app,
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:<port>` (or the configured public URL): the base URL for
    /// `nox_auth::Client::builder().base_url(…)`, and the base of every `link_url`.
    pub fn base_url(&self) -> &str {
        &self.app.base_url
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API key it accepts.
    pub fn api_key(&self) -> &str {
        &self.app.api_key
    }

    /// The token its control API requires ([`MockConfig::control_token`]), if one is set.
    pub fn control_token(&self) -> Option<&str> {
        self.app.control_token.as_deref()
    }

    /// A `nox_auth::Client` for this mock: its base URL and API key, the default retry
    /// policy and timeouts. Its Package API base URL is the same origin (the facade's
    /// default for a loopback base URL), so `heat_pumps`, `pv_inverters` and
    /// `manufacturer_devices` list the devices the mock's links created.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// use nox_auth::{AssetType, SupplierLinkRequest};
    ///
    /// let mock = nox_mock::MockServer::start().await?;
    /// let session = mock
    ///     .client()?
    ///     .create_supplier_link_session(SupplierLinkRequest::new("u1", AssetType::Hp, "https://example.com/cb"))
    ///     .await?;
    /// assert_eq!(mock.session(&session.link_token).map(|s| s.user_id), Some("u1".to_owned()));
    /// # Ok(()) }
    /// ```
    pub fn client(&self) -> Result<nox_auth::Client, Error> {
        nox_auth::Client::builder()
            .api_key(self.api_key())
            .base_url(self.base_url())
            .build()
            .map_err(|e| Error::Client(Box::new(e)))
    }

    /// Completes a link session as the user would in the UI, choosing `brand`, and
    /// returns the URL NOX redirects to (the session's `redirect_url` with `?data=…`;
    /// v1 sessions get plain query parameters). The brand is checked against the
    /// session for supplier sessions ([`CompleteError::InvalidBrand`](crate::CompleteError::InvalidBrand)).
    pub fn complete(
        &self,
        link_token: &str,
        brand: Brand,
        device_ids: Vec<String>,
    ) -> Result<String, Error> {
        Ok(self
            .app
            .store
            .complete(link_token, brand.slug(), device_ids)?)
    }

    /// Completes a manufacturer link session: as [`MockServer::complete`], with the
    /// manufacturer's own name as the callback's brand (lowercased, as NOX sends it).
    pub fn complete_manufacturer(
        &self,
        link_token: &str,
        manufacturer: &str,
        device_ids: Vec<String>,
    ) -> Result<String, Error> {
        Ok(self
            .app
            .store
            .complete(link_token, manufacturer, device_ids)?)
    }

    /// Every link session created so far, oldest first.
    pub fn sessions(&self) -> Vec<Session> {
        self.app.store.sessions()
    }

    /// One session by token.
    pub fn session(&self, link_token: &str) -> Option<Session> {
        self.app.store.session(link_token)
    }

    /// The NOX user linked to a caller's user id.
    pub fn user(&self, user_id: &str) -> Option<NoxUser> {
        self.app.store.user(user_id)
    }

    /// The last requests answered (method, path, status, JSON body answered), oldest
    /// first: at most [`MockConfig::request_log_capacity`]. The control API is not logged.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.app.store.log.all()
    }

    /// Expires a session now (as `POST /_mock/sessions/{token}/expire`); `false` for an
    /// unknown token.
    pub fn expire(&self, link_token: &str) -> bool {
        self.app.store.expire(link_token)
    }

    /// Forgets every session, NOX user, device, logged request and armed fault (as
    /// `POST /_mock/reset`); the visibility delay goes back to the configured one.
    pub fn reset(&self) {
        self.app.reset();
        self.app.faults.clear();
    }

    /// Arms a fault (as `POST /_mock/faults`): the next calls it matches, once their API
    /// key is accepted, answer as it says. Refused with [`Error::InvalidFault`] when out
    /// of range (status 400–599, delay at most [`MAX_FAULT_DELAY`](crate::MAX_FAULT_DELAY),
    /// times at least 1), [`Error::TooManyFaults`] when [`MAX_FAULTS`](crate::MAX_FAULTS)
    /// are armed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// use nox_auth::{AssetType, SupplierLinkRequest};
    /// use nox_mock::{Fault, MockServer, Operation};
    ///
    /// let mock = MockServer::start().await?;
    /// mock.inject(Fault::status(500).on(Operation::CreateSupplierLinkSession))?;
    /// let client = mock.client()?;
    /// let req = SupplierLinkRequest::new("u1", AssetType::Hp, "https://example.com/cb");
    /// let err = client.create_supplier_link_session(req.clone()).await.unwrap_err();
    /// assert_eq!(err.status().map(|s| s.as_u16()), Some(500));
    /// assert!(client.create_supplier_link_session(req).await.is_ok(), "only once");
    /// # Ok(()) }
    /// ```
    pub fn inject(&self, fault: Fault) -> Result<(), Error> {
        self.app.faults.arm(fault)
    }

    /// The faults still armed, in the order they were armed.
    pub fn faults(&self) -> Vec<Fault> {
        self.app.faults.list()
    }

    /// Disarms every fault.
    pub fn clear_faults(&self) {
        self.app.faults.clear();
    }

    /// Adds devices in bulk to a Package API listing (as `POST /_mock/devices`), generated
    /// as they are listed: 100,000 cost no more memory than one. Refused with
    /// [`Error::InvalidDevices`] when out of range (count 1 to
    /// [`MAX_BULK_DEVICES`](crate::MAX_BULK_DEVICES), texts at most 256 bytes).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// use nox_auth::DeviceQuery;
    /// use nox_mock::{DeviceBatch, DeviceKind, MockServer};
    ///
    /// let mock = MockServer::start().await?;
    /// mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "user-1", 2500))?;
    /// let devices = mock
    ///     .client()?
    ///     .heat_pumps(DeviceQuery::all().user("user-1"))  // three pages of 1000
    ///     .collect_at_most(3000)
    ///     .await?;
    /// assert_eq!(devices.len(), 2500);
    /// # Ok(()) }
    /// ```
    pub fn add_devices(&self, batch: DeviceBatch) -> Result<AddedDevices, Error> {
        self.app
            .store
            .devices
            .add(batch, self.app.store.now())
            .map_err(|reason| Error::InvalidDevices { reason })
    }

    /// Sets the supplier's OAuth login page NOX's app sends users to (as
    /// `POST /_mock/nox-app/supplier`): an http(s) URL with a host, no fragment.
    pub fn set_supplier_login_url(&self, url: &str) -> Result<(), Error> {
        self.app
            .nox_app
            .set_login_url(url)
            .map_err(|e| Error::Config(format!("supplier login URL: {e}")))
    }

    /// NOX's redirect URL for the supplier's login page (`<base>/app/return`): the URL a
    /// supplier configures, and the only `redirect_uri` the mock sends.
    pub fn nox_return_url(&self) -> String {
        nox_app_routes::return_url(&self.app)
    }

    /// NOX's app page (`<base>/app`), where a user picks their supplier.
    pub fn nox_app_url(&self) -> String {
        format!("{}/app", self.app.base_url)
    }

    /// What a user's choice of the supplier in NOX's app does (as
    /// `POST /_mock/nox-app/authorizations`): an authentication for a NOX user with one
    /// heat pump (`device_id`, `brand` a heat-pump slug; made up when `None`), and the
    /// supplier login URL to send the browser to. Fails without a login page configured.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// use nox_mock::{MockConfig, MockServer};
    /// let mock = MockServer::start_with(
    ///     MockConfig::default().supplier_login_url("https://shop.example/nox/authorize"),
    /// )
    /// .await?;
    /// let auth = mock.authorize(Some("hp-1"), None)?;
    /// assert!(auth.authorize_url.starts_with("https://shop.example/nox/authorize?state="));
    /// // the supplier's server, after its login: POST /post-login-redirect
    /// mock.client()?.post_login_redirect(&auth.state, "user-42").await?;
    /// assert_eq!(mock.authorization(&auth.state).unwrap().supplier_user_id.as_deref(), Some("user-42"));
    /// # Ok(()) }
    /// ```
    pub fn authorize(
        &self,
        device_id: Option<&str>,
        brand: Option<&str>,
    ) -> Result<Authorization, Error> {
        self.app
            .nox_app
            .start(&self.app.store, &self.nox_return_url(), device_id, brand)
            .map_err(Error::Config)
    }

    /// The authentication NOX started with this `state`, if it is still kept.
    pub fn authorization(&self, state: &str) -> Option<Authorization> {
        self.app.nox_app.get(state)
    }

    /// Marks every device with this id, on any listing (as
    /// `POST /_mock/devices/{device_id}/mark`): `needs_reauthentication`, or not steerable.
    /// Returns how many devices were marked; [`Error::UnknownDevice`] when none has it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() -> anyhow::Result<()> {
    /// use nox_mock::{DeviceBatch, DeviceKind, DeviceMark, MockServer};
    /// let mock = MockServer::start().await?;
    /// mock.add_devices(DeviceBatch::new(DeviceKind::HeatPump, "u1", 10).prefix("hp-"))?;
    /// mock.mark_device("hp-3", DeviceMark::default().needs_reauthentication(true))?;
    /// assert!(mock.mark_device("hp-10", DeviceMark::default().steerable(false)).is_err());
    /// # Ok(()) }
    /// ```
    pub fn mark_device(&self, device_id: &str, mark: DeviceMark) -> Result<usize, Error> {
        match self.app.store.devices.mark(device_id, mark) {
            Ok(0) => Err(Error::UnknownDevice {
                device_id: device_id.to_owned(),
            }),
            Ok(n) => Ok(n),
            Err(reason) => Err(Error::InvalidDevices { reason }),
        }
    }

    /// Devices of links completed from now on are listed only `delay` later, by the mock's
    /// clock (as `PUT /_mock/devices/delay`). At most [`MAX_DEVICE_DELAY`].
    pub fn set_device_visibility_delay(&self, delay: Duration) -> Result<(), Error> {
        self.app
            .store
            .devices
            .set_delay(delay)
            .map_err(|reason| Error::InvalidDevices { reason })
    }

    /// The devices completed links created, in linking order (bulk additions not
    /// included): the Package API `user_id` each carries, its brand, its marks, and from
    /// when it is listed.
    pub fn devices(&self) -> Vec<Device> {
        self.app.store.devices.linked()
    }

    /// The bulk additions kept, oldest first.
    pub fn bulk_devices(&self) -> Vec<AddedDevices> {
        self.app.store.devices.bulk()
    }

    /// Stops the server and waits for it to finish.
    pub async fn stop(mut self) {
        self.shutdown_now();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn shutdown_now(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.shutdown_now();
    }
}
