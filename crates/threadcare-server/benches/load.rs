//! Load generator: a server on 127.0.0.1 (random port, a temporary store) and keep-alive HTTP/1.1
//! clients in the same process, each scenario bounded in time. Prints requests per second and
//! p50/p99 latency per scenario, with `GET /healthz` in the same run as the baseline.
//!
//!     cargo bench -p threadcare-server --bench load -- [--seconds 3] [--clients 4] [--batch 20]
//!
//! (`scripts/load.sh` runs it.) Clients and server share the machine's cores, as wrk would.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{header, Method, Request};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use threadcare_engine::Engine;
use threadcare_server::store::{Role, SqliteStore, Store};
use threadcare_server::{AppState, Settings};

struct Options {
    seconds: f64,
    clients: usize,
    batch: usize,
}

fn options() -> Options {
    let mut o = Options {
        seconds: 3.0,
        clients: 4,
        batch: 20,
    };
    let args: Vec<String> = std::env::args().collect();
    // `cargo bench` passes `--bench`; without it (`cargo test --all-targets` runs this binary
    // too) a short smoke run checks that every scenario still works.
    if !args.iter().any(|a| a == "--bench") {
        o.seconds = 0.2;
    }
    let value = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    if let Some(v) = value("--seconds") {
        o.seconds = v.parse().expect("--seconds takes a number");
    }
    if let Some(v) = value("--clients") {
        o.clients = v.parse().expect("--clients takes a number");
    }
    if let Some(v) = value("--batch") {
        o.batch = v.parse().expect("--batch takes a number");
    }
    o
}

/// About 2 KB of synthetic post text (our own words): an ordinary day turning into a disclosure.
fn post_2kb() -> String {
    let parts = [
        "Therapy was moved again this week, so I spent most of the afternoon walking around the \
         park near the station trying to work out what I even want to say next time.",
        "Work has been okay. My manager noticed I was quiet and asked if everything was alright, \
         and I said it was just a busy month, which is what I always say.",
        "The truth is I have not been sleeping much and I keep thinking that everyone would be \
         better off without me around to worry about.",
        "Last night I sat on the bathroom floor for an hour and thought about how I would do it, \
         then I put the thought away and watched videos until it got light.",
        "My sister texted to ask about the weekend and I did not answer. I do not want her to \
         see me like this, and I do not know how to explain it without scaring her.",
        "I know I should tell my therapist all of this. I wrote a list on my phone so I would \
         not freeze up, but every time I read it back it sounds like someone else wrote it.",
        "Anyway, if anyone has tips for saying the hard thing out loud in a session, I would \
         really appreciate them. Thanks for reading this far.",
    ];
    let mut text = String::new();
    while text.len() < 2000 {
        for p in parts {
            if text.len() >= 2000 {
                break;
            }
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(p);
        }
    }
    text
}

/// A batch of `n` new items (posts with two replies each) whose ids start with `tag`.
fn batch(tag: &str, n: usize) -> Bytes {
    let mut out = String::new();
    let mut i = 0;
    while i < n {
        let post = format!("{tag}-{i}");
        out.push_str(
            &serde_json::json!({"id": post, "thread_id": post, "kind": "post",
                "author": format!("writer-{}", i % 7),
                "text": "Rough week. Some days I wish I could just not wake up, but my dog needs me."})
            .to_string(),
        );
        out.push('\n');
        i += 1;
        for k in 0..2 {
            if i >= n {
                break;
            }
            out.push_str(
                &serde_json::json!({"id": format!("{post}-c{k}"), "thread_id": post,
                    "parent_id": post, "kind": "comment", "author": "peer",
                    "text": "That sounds really hard. I am glad you wrote it down; would you tell your GP?"})
                .to_string(),
            );
            out.push('\n');
            i += 1;
        }
    }
    Bytes::from(out)
}

#[derive(Clone, Copy)]
enum Scenario {
    Healthz,
    Analyze,
    IngestNew,
    IngestSame,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Healthz => "GET /healthz (baseline)",
            Scenario::Analyze => "POST /api/v1/analyze (2 KB post)",
            Scenario::IngestNew => "POST /api/v1/items (new batch)",
            Scenario::IngestSame => "POST /api/v1/items (same batch again)",
        }
    }
}

struct Figures {
    requests: usize,
    rps: f64,
    p50: Duration,
    p99: Duration,
    max: Duration,
    errors: u64,
}

async fn run(
    addr: SocketAddr,
    token: Arc<String>,
    scenario: Scenario,
    o: &Options,
    analyze_body: Bytes,
    same_batch: Bytes,
) -> Figures {
    let deadline = Instant::now() + Duration::from_secs_f64(o.seconds);
    let errors = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..o.clients {
        let token = token.clone();
        let errors = errors.clone();
        let counter = counter.clone();
        let analyze_body = analyze_body.clone();
        let same_batch = same_batch.clone();
        let batch_size = o.batch;
        tasks.push(tokio::spawn(async move {
            let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            stream.set_nodelay(true).unwrap();
            let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .unwrap();
            tokio::spawn(conn);
            let mut latencies = Vec::with_capacity(4096);
            while Instant::now() < deadline {
                let (method, path, body) = match scenario {
                    Scenario::Healthz => (Method::GET, "/healthz", Bytes::new()),
                    Scenario::Analyze => (Method::POST, "/api/v1/analyze", analyze_body.clone()),
                    Scenario::IngestNew => {
                        let n = counter.fetch_add(1, Ordering::Relaxed);
                        (
                            Method::POST,
                            "/api/v1/items",
                            batch(&format!("load-{c}-{n}"), batch_size),
                        )
                    }
                    Scenario::IngestSame => (Method::POST, "/api/v1/items", same_batch.clone()),
                };
                let req = Request::builder()
                    .method(method)
                    .uri(path)
                    .header(header::HOST, "127.0.0.1")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .header(header::CONTENT_TYPE, "application/json")
                    .body(Full::new(body))
                    .unwrap();
                let t = Instant::now();
                if sender.ready().await.is_err() {
                    errors.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                match sender.send_request(req).await {
                    Ok(res) => {
                        let ok = res.status().is_success();
                        let _ = res.into_body().collect().await;
                        latencies.push(t.elapsed());
                        if !ok {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        errors.fetch_add(1, Ordering::Relaxed);
                        break;
                    }
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let elapsed = started.elapsed();
    all.sort();
    let pct = |p: f64| {
        if all.is_empty() {
            Duration::ZERO
        } else {
            all[((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1]
        }
    };
    Figures {
        requests: all.len(),
        rps: all.len() as f64 / elapsed.as_secs_f64(),
        p50: pct(0.50),
        p99: pct(0.99),
        max: all.last().copied().unwrap_or_default(),
        errors: errors.load(Ordering::Relaxed),
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = Arc::new(SqliteStore::open_in_memory().expect("a temporary store"));
        let (_, token) = store.create_token("load", Role::Moderator).unwrap();
        let engine = Arc::new(Engine::embedded().expect("the embedded engine"));
        let dyn_store: Arc<dyn Store> = store.clone();
        let state = AppState::new(dyn_store, engine, Settings::default());
        let listener = threadcare_server::bind("127.0.0.1:0".parse().unwrap(), false)
            .await
            .unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(threadcare_server::serve(
            listener,
            state,
            std::future::pending(),
        ));

        let post = post_2kb();
        let analyze_body = Bytes::from(serde_json::json!({"text": post}).to_string());
        let same_batch = batch("same", o.batch);
        println!(
            "threadcare load: 127.0.0.1, {} keep-alive clients, {:.1} s per scenario, \
             analyze post {} bytes, ingest batches of {} items, {} cores",
            o.clients,
            o.seconds,
            post.len(),
            o.batch,
            std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(1)
        );
        let token = Arc::new(token);
        // Warm-up: the token cache, the connection pool of the store, the engine's first call.
        run(
            addr,
            token.clone(),
            Scenario::Analyze,
            &Options { seconds: 0.3, ..o },
            analyze_body.clone(),
            same_batch.clone(),
        )
        .await;
        println!(
            "{:<40} {:>9} {:>10} {:>9} {:>9} {:>9} {:>8} {:>10}",
            "scenario", "requests", "req/s", "p50 ms", "p99 ms", "max ms", "errors", "p50/base"
        );
        let mut base_p50 = None;
        let mut base_rps = None;
        let mut analyze_p99 = None;
        for scenario in [
            Scenario::Healthz,
            Scenario::Analyze,
            Scenario::IngestNew,
            Scenario::IngestSame,
        ] {
            let f = run(
                addr,
                token.clone(),
                scenario,
                &o,
                analyze_body.clone(),
                same_batch.clone(),
            )
            .await;
            let base = *base_p50.get_or_insert(f.p50);
            base_rps.get_or_insert(f.rps);
            if let Scenario::Analyze = scenario {
                analyze_p99 = Some(f.p99);
            }
            println!(
                "{:<40} {:>9} {:>10.0} {:>9.3} {:>9.3} {:>9.3} {:>8} {:>9.1}x",
                scenario.name(),
                f.requests,
                f.rps,
                ms(f.p50),
                ms(f.p99),
                ms(f.max),
                f.errors,
                f.p50.as_secs_f64() / base.as_secs_f64().max(1e-9)
            );
        }
        let stats = store.stats().unwrap();
        println!(
            "items stored after the ingest scenarios: {} (items per new batch request: {})",
            stats.items, o.batch
        );
        if let Some(p99) = analyze_p99 {
            println!(
                "target: analyze p99 < 5 ms at {} clients: {} ({:.3} ms)",
                o.clients,
                if p99 < Duration::from_millis(5) {
                    "met"
                } else {
                    "NOT met"
                },
                ms(p99)
            );
        }
    });
}
