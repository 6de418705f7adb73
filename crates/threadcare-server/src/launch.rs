//! Running the server from a synchronous `main`: the tokio runtime, the listener, Ctrl-C.

use std::net::SocketAddr;
use std::sync::Arc;

use threadcare_engine::Engine;
use threadcare_store::Store;

use crate::{bind, serve, AppState, Settings};

/// Everything `threadcare serve` decided before the server starts.
pub struct Launch {
    pub store: Arc<dyn Store>,
    pub engine: Arc<Engine>,
    pub settings: Settings,
    /// Overrides `settings.alerts.webhook_url`.
    pub webhook_url: Option<String>,
    pub listen: SocketAddr,
    pub allow_public: bool,
    /// Called once the listener is bound, with the address it got (port 0 becomes a real port).
    pub on_ready: Box<dyn FnOnce(SocketAddr) + Send>,
}

/// Starts a multi-threaded runtime and serves until Ctrl-C (or SIGTERM), then lets requests in
/// flight finish.
pub fn run(launch: Launch) -> Result<(), String> {
    // Items a killed `ingest` stored without their assessment (or assessed by an older engine)
    // would be missing from the queue: assess them before serving anything.
    let healed = threadcare_store::ingest_items(&*launch.store, &launch.engine, &[], &[])
        .map_err(|e| format!("assessing stale threads: {e}"))?;
    if healed.threads_assessed > 0 {
        tracing::info!(
            threads = healed.threads_assessed,
            "assessed threads stored without a current assessment"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("threadcare-http")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let state = AppState::with_alerts(
            launch.store,
            launch.engine,
            launch.settings,
            launch.webhook_url.as_deref(),
        )
        .map_err(|e| format!("webhook: {e}"))?;
        let listener = bind(launch.listen, launch.allow_public).await?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("cannot read the bound address: {e}"))?;
        if !crate::is_loopback(&addr) {
            tracing::warn!(
                %addr,
                "listening beyond this machine: anyone who can reach it and holds a token reads \
                 health data; put a TLS proxy in front"
            );
        }
        tracing::info!(%addr, "serving");
        (launch.on_ready)(addr);
        serve(listener, state, shutdown_signal())
            .await
            .map_err(|e| format!("the server stopped: {e}"))?;
        tracing::info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
