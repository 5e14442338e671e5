//! Builds the application from settings and listeners (port 0 in tests) and runs it.

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use actix_http::{HttpService, KeepAlive};
use actix_service::{map_config, IntoServiceFactory, ServiceFactoryExt};
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{middleware, web, App};
use anyhow::Context;
use imshare_store::EmbeddedStore;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;

use crate::auth::{SignInGuard, TokenKeys};
use crate::config::Settings;
use crate::db::Db;
use crate::delivery::Delivery;
use crate::events;
use crate::live::{self, Relays};
use crate::net::TrustedProxies;
use crate::ops::{self, extractors, ApiDoc};
use crate::realtime;
use crate::state::AppState;
use crate::storage::setup;
use crate::transcode::{self, WorkerHandle, WorkerState};
use crate::websocket::{self, Endpoints, Upgrades};
use crate::{accounts, apps, groups, media, playback, social, uploads};

/// How long a stopping server waits for its WebSockets to close.
const SOCKETS_CLOSE_GRACE: Duration = Duration::from_secs(5);

/// A built, not yet running, service.
pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    sockets: websocket::SocketLimit,
    embedded_store: Option<EmbeddedStore>,
    /// The operator listener for `/metrics`, if `ops.metrics_listen` is set.
    metrics: Option<(Server, SocketAddr)>,
}

/// Listeners the caller already bound; `None` means bind from the settings.
#[derive(Default)]
pub struct Listeners {
    pub http: Option<TcpListener>,
    pub store: Option<tokio::net::TcpListener>,
}

impl Application {
    /// Connects the database (migrating it), starts or reaches the store, and binds HTTP.
    pub async fn build(
        mut settings: Settings,
        listeners: Listeners,
    ) -> anyhow::Result<Application> {
        let db = connect_database(&settings).await?;
        let storage = setup::start(&settings, listeners.store).await?;
        let tokens = TokenKeys::load(
            &settings.auth.jwt_secret,
            &settings.data_dir,
            settings.auth.access_ttl_secs,
        )?;
        let http = match listeners.http {
            Some(l) => l,
            None => {
                let addr = settings.listen_addr()?;
                TcpListener::bind(addr)
                    .with_context(|| format!("binding HTTP to {addr}; is the port free?"))?
            }
        };
        let port = http.local_addr()?.port();
        // Absolute URLs fall back to the listen address: make it the one really bound.
        settings.server.listen = http.local_addr()?.to_string();
        crate::web::public_url::warn_if_unreachable(&settings);
        let delivery = Delivery::connect(&settings).await?;
        let relays = Arc::new(Relays::default());
        // Ended rights reach sync rooms and live shares through delivery, which knows
        // neither.
        delivery.on_revoked(crate::groups::MembershipRecheck::new(db.clone()));
        delivery.on_revoked(crate::sync::RoomRecheck::new(db.clone()));
        delivery.on_revoked(live::ViewerRecheck::new(db.clone(), relays.clone()));
        let sign_in = Arc::new(SignInGuard::new(&settings.auth));
        let state = AppState {
            settings: Arc::new(settings),
            db,
            store: storage.store,
            store_health: storage.health,
            tokens: Arc::new(tokens),
            sign_in,
            delivery,
        };
        let sockets = websocket::SocketLimit::from_settings(&state.settings);
        let upgrades = Arc::new(Upgrades {
            endpoints: Endpoints::default()
                .with(realtime::Gateway::new(state.clone()))
                .with(live::ShareSockets::new(state.clone(), relays.clone())),
            limit: sockets.clone(),
            tokens: state.tokens.clone(),
            trusted_proxies: state.settings.server.trusted_proxies.clone(),
        });
        let server = serve(http, state.clone(), relays, upgrades)?;
        let metrics = match state.settings.metrics_listen_addr()? {
            Some(addr) => Some(ops::operator::serve(addr)?),
            None => None,
        };
        tracing::info!(port, database = state.db.engine(), "imshare is listening");
        Ok(Application {
            port,
            server,
            state,
            sockets,
            embedded_store: storage.embedded,
            metrics,
        })
    }

    /// The HTTP port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The shared state, for background tasks and tests.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The address of the operator listener for `/metrics`, if one is configured.
    pub fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().map(|(_, addr)| *addr)
    }

    /// Hands the embedded store to the caller (tests stop and restart it).
    pub fn take_embedded_store(&mut self) -> Option<EmbeddedStore> {
        self.embedded_store.take()
    }

    /// Runs HTTP and the background tasks until the server stops (Ctrl-C or SIGTERM).
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let prober = tokio::spawn(self.state.store_health.clone().run_prober());
        let sweeper = tokio::spawn(uploads::sweeper::run(self.state.clone()));
        let media = &self.state.settings.media;
        let workers: Option<WorkerHandle> = media.in_process_worker.then(|| {
            transcode::run_workers(
                transcode::WorkerState::of_app(&self.state),
                media.effective_concurrency(),
            )
        });
        let notifier = tokio::spawn(events::run_poll(
            self.state.db.clone(),
            self.state.delivery.clone(),
        ));
        let webhooks = tokio::spawn(apps::webhook::run(self.state.clone()));
        // On Ctrl-C or SIGTERM, WebSockets are told "service restart" and given a moment to
        // close before HTTP stops: they are no longer the HTTP server's connections, so it
        // would not wait for them.
        let (sockets, http) = (self.sockets.clone(), self.server.handle());
        let stopper = tokio::spawn(async move {
            stop_signal().await;
            sockets.shut_down();
            sockets.wait_closed(SOCKETS_CLOSE_GRACE).await;
            http.stop(true).await;
        });
        let metrics = self.metrics.map(|(server, _)| {
            let handle = server.handle();
            tokio::spawn(server);
            handle
        });
        let result = self.server.await.context("HTTP server failed");
        if let Some(metrics) = metrics {
            metrics.stop(false).await;
        }
        self.sockets.shut_down();
        stopper.abort();
        notifier.abort();
        webhooks.abort();
        prober.abort();
        sweeper.abort();
        if let Some(workers) = workers {
            workers.stop(std::time::Duration::from_secs(5)).await;
        }
        if let Some(store) = self.embedded_store {
            store.stop().await;
        }
        result
    }
}

/// Creates the data dir, connects the database and applies migrations.
pub async fn connect_database(settings: &Settings) -> anyhow::Result<Db> {
    std::fs::create_dir_all(&settings.data_dir)
        .with_context(|| format!("creating data dir {}", settings.data_dir.display()))?;
    ops::init_metrics();
    let db = Db::connect(&settings.database_url(), settings.database.max_connections).await?;
    db.migrate().await?;
    Ok(db)
}

/// The state a standalone `worker` runs on: the database and a store served elsewhere;
/// no delivery, sockets or token keys, as it talks to no user.
pub async fn worker_state(settings: Settings) -> anyhow::Result<WorkerState> {
    let db = connect_database(&settings).await?;
    let storage = setup::connect(&settings).await?;
    Ok(WorkerState {
        settings: Arc::new(settings),
        db,
        store: storage.store,
        store_health: storage.health,
    })
}

/// Serves the app on `listener`. It is actix-web's `HttpServer` spelled out, for one
/// addition: requests for a WebSocket go to [`websocket::service`], which takes the socket
/// out of the HTTP dispatcher (see there why).
fn serve(
    listener: TcpListener,
    state: AppState,
    relays: Arc<Relays>,
    upgrades: Arc<Upgrades>,
) -> anyhow::Result<Server> {
    let grant_writer = web::Data::new(uploads::GrantWriter::start(state.db.clone()));
    let addr = listener
        .local_addr()
        .context("reading the HTTP listener's address")?;
    let builder = Server::build();
    let stopping = builder.graceful_shutdown_signal();
    let server = builder
        .shutdown_timeout(10)
        // Ctrl-C and SIGTERM are handled by `run_until_stopped`, which closes the WebSockets
        // first.
        .disable_signals()
        .listen("imshare-http", listener, move || {
            let stopping = stopping.clone();
            let app = app(state.clone(), relays.clone(), grant_writer.clone())
                .into_factory()
                .map_err(|e: actix_web::Error| e.error_response());
            HttpService::build()
                .keep_alive(KeepAlive::default())
                .client_request_timeout(Duration::from_secs(5))
                .client_disconnect_timeout(Duration::from_secs(1))
                .local_addr(addr)
                .graceful_shutdown_signal(move || {
                    let stopping = stopping.clone();
                    async move { stopping.notified().await }
                })
                .upgrade(websocket::service(upgrades.clone()))
                // actix-web's own constructor for this is private; the default's host
                // (`localhost:8080`) is only used for a request without a Host header.
                .finish(map_config(app, |_| AppConfig::default()))
                .tcp()
        })
        .context("listening for HTTP")?
        .run();
    Ok(server)
}

/// The actix-web application: every domain's routes, the OpenAPI document, logging.
fn app(
    state: AppState,
    relays: Arc<Relays>,
    grant_writer: web::Data<uploads::GrantWriter>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        // The bearer-token extractor needs only the keys, so auth/ need not know AppState.
        .app_data(web::Data::from(state.tokens.clone()))
        .app_data(web::Data::new(TrustedProxies(
            state.settings.server.trusted_proxies.clone(),
        )))
        .app_data(web::Data::new(state))
        .app_data(web::Data::from(relays))
        .app_data(grant_writer)
        .app_data(extractors::json_config())
        .app_data(extractors::path_config())
        .app_data(extractors::query_config())
        .configure(|cfg| {
            ops::configure(cfg);
            accounts::configure(cfg);
            social::configure(cfg);
            groups::configure(cfg);
            realtime::configure(cfg);
            apps::configure(cfg);
            uploads::configure(cfg);
            media::configure(cfg);
            playback::configure(cfg);
            crate::sync::configure(cfg);
            live::configure(cfg);
            crate::blog::configure(cfg);
            crate::web::configure(cfg);
        })
        .split_for_parts();
    let doc = serde_json::to_string(&api).unwrap_or_else(|_| "{}".to_owned());
    app.app_data(web::Data::new(doc))
        .route("/openapi.json", web::get().to(ops::serve_openapi))
        .wrap(middleware::from_fn(ops::track_requests))
        .wrap(tracing_actix_web::TracingLogger::<ops::RedactedSpans>::new())
}

/// Resolves on Ctrl-C or SIGTERM, the signals on which actix stops the server: the serving
/// process closes its WebSockets with "service restart" rather than letting them be cut at
/// the shutdown timeout, and the worker finishes its running jobs.
pub async fn stop_signal() {
    // Without a SIGTERM handler (it could not be installed), Ctrl-C still stops us.
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let terminated = async {
        match term.as_mut() {
            Some(term) => {
                term.recv().await;
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminated => {}
    }
}
