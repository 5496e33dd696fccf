//! Running Tessera: binds both listeners, runs the key-ring schedule in the background, and
//! shuts down gracefully (in-flight requests finish) on SIGTERM/SIGINT.

use std::future::Future;
use std::net::{SocketAddr, TcpListener};

use actix_web::dev::Server;
use actix_web::{web, HttpServer};
use tokio::sync::watch;

use crate::bootstrap::StartError;
use crate::state::AppState;

/// Both listeners, bound and ready to run.
pub struct Running {
    pub public_addr: SocketAddr,
    pub admin_addr: SocketAddr,
    pub state: AppState,
    public: Server,
    admin: Server,
}

/// Binds one address.
pub fn bind(addr: SocketAddr) -> Result<TcpListener, StartError> {
    TcpListener::bind(addr).map_err(|source| StartError::Bind { addr, source })
}

/// Binds the configured public and admin addresses (port 0 picks a free port).
pub fn start(state: AppState) -> Result<Running, StartError> {
    let public = bind(state.settings.public_addr)?;
    let admin = bind(state.settings.admin_addr)?;
    start_on(state, public, admin)
}

/// Serves on listeners the caller bound (tests bind first to learn the issuer's port).
pub fn start_on(
    state: AppState,
    public_listener: TcpListener,
    admin_listener: TcpListener,
) -> Result<Running, StartError> {
    let settings = state.settings.clone();
    let public_addr = public_listener
        .local_addr()
        .map_err(|source| StartError::Bind {
            addr: settings.public_addr,
            source,
        })?;
    let admin_addr = admin_listener
        .local_addr()
        .map_err(|source| StartError::Bind {
            addr: settings.admin_addr,
            source,
        })?;
    let data = web::Data::new(state.clone());
    let timeout = settings.shutdown_timeout.as_secs();
    let workers = settings.worker_count();

    let public_data = data.clone();
    let public = HttpServer::new(move || super::public_app(public_data.clone()))
        .workers(workers)
        .disable_signals()
        .shutdown_timeout(timeout)
        .listen(public_listener)
        .map_err(|source| StartError::Bind {
            addr: public_addr,
            source,
        })?
        .run();
    let admin = HttpServer::new(move || super::admin_app(data.clone()))
        .workers(1)
        .disable_signals()
        .shutdown_timeout(timeout)
        .listen(admin_listener)
        .map_err(|source| StartError::Bind {
            addr: admin_addr,
            source,
        })?
        .run();
    Ok(Running {
        public_addr,
        admin_addr,
        state,
        public,
        admin,
    })
}

impl Running {
    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests finish
    /// (up to `shutdown_timeout`) and stops the background schedule.
    pub async fn run_until(self, shutdown: impl Future<Output = ()>) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let ticker = tokio::spawn(background_sync(self.state.clone(), stop_rx));
        let public_handle = self.public.handle();
        let admin_handle = self.admin.handle();
        let public = tokio::spawn(self.public);
        let admin = tokio::spawn(self.admin);
        shutdown.await;
        tracing::info!("shutting down: finishing in-flight requests");
        let _ = stop_tx.send(true);
        tokio::join!(public_handle.stop(true), admin_handle.stop(true));
        let (public, admin, _) = tokio::join!(public, admin, ticker);
        for result in [public, admin] {
            result.map_err(std::io::Error::other)??;
        }
        tracing::info!("stopped");
        Ok(())
    }
}

/// Every `keys.poll_interval`: re-reads the key ring and runs the rotation schedule, reloads
/// the app registry if apps changed and records the keys' last-used times, so changes made by the CLI or another instance reach this
/// instance within that interval.
async fn background_sync(state: AppState, mut stop: watch::Receiver<bool>) {
    let mut tick = tokio::time::interval(state.settings.keys.poll_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut purge = tokio::time::interval(std::time::Duration::from_secs(60));
    purge.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                match state.keys.sync().await {
                    Ok(true) => tracing::info!(etag = %state.keys.jwks().etag, "key ring changed; JWKS rebuilt"),
                    Ok(false) => {}
                    Err(err) => tracing::error!(error = %err, "key ring sync failed; serving the previous keys"),
                }
                if let Err(err) = state.apps.refresh_if_changed().await {
                    tracing::error!(error = %err, "app registry refresh failed; serving the previous apps");
                }
                flush_key_usage(&state).await;
            }
            _ = purge.tick() => {
                let now = state.clock.now();
                match crate::oauth::housekeeping::purge_expired(&state.dbs.ops, now).await {
                    Ok(0) => {}
                    Ok(n) => tracing::debug!(deleted = n, "expired rows purged"),
                    Err(err) => tracing::warn!(error = %err, "purging expired rows failed"),
                }
            }
            _ = stop.changed() => break,
        }
    }
    flush_key_usage(&state).await;
}

/// Writes the keys' last-used times noted since the previous tick.
async fn flush_key_usage(state: &AppState) {
    if let Err(err) = state.key_usage.flush(&state.dbs.ops).await {
        tracing::warn!(error = %err, "recording key last-used times failed; retrying next tick");
    }
}

/// Completes on SIGTERM or SIGINT.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
}
