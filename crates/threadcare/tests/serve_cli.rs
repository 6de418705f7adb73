//! `threadcare serve`: the demo starts from any directory, prints the dashboard's URL with a
//! token, and answers /healthz and the queue; a non-loopback address is refused without
//! `--allow-public`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server when the test ends, even on a failed assertion.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request; returns the status and the body.
fn http(addr: &str, path: &str, token: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{auth}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status: u16 = text[9..12].parse().unwrap();
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn demo_prints_the_url_and_answers() {
    let dir = tempdir();
    let log = dir.join("stderr.log");
    let child = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0"])
        .current_dir(&dir) // the examples are embedded: any directory works
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(&log).unwrap()))
        .spawn()
        .unwrap();
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let started = Instant::now();
    let mut url = None;
    let mut token = None;
    while url.is_none() || token.is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "no URL printed"
        );
        let line = lines.next().expect("the server printed its URL").unwrap();
        if let Some(u) = line.strip_prefix("Dashboard: ") {
            url = Some(u.to_string());
        }
        if let Some(t) = line.strip_prefix("Token: ") {
            token = Some(t.to_string());
        }
    }
    let url = url.unwrap();
    let token = token.unwrap();
    let researcher = lines
        .next()
        .unwrap()
        .unwrap()
        .strip_prefix("Researcher token: ")
        .expect("a researcher token for the de-identified view")
        .split(' ')
        .next()
        .unwrap()
        .to_string();
    let rest = url
        .strip_prefix("http://127.0.0.1:")
        .expect("a loopback URL");
    let (port, fragment) = rest.split_once('/').unwrap();
    assert_eq!(fragment, format!("#token={token}"));
    let addr = format!("127.0.0.1:{port}");

    let (status, body) = http(&addr, "/healthz", None);
    assert_eq!((status, body.as_str()), (200, r#"{"status":"ok"}"#));
    let (status, body) = http(&addr, "/api/v1/queue?limit=5", Some(&token));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let entries = v["entries"].as_array().unwrap();
    assert!(!entries.is_empty(), "the demo loads items at risk: {v}");
    assert_eq!(entries[0]["level"], "imminent", "most urgent first");
    let (status, body) = http(&addr, "/api/v1/me", Some(&researcher));
    assert_eq!((status, body.contains("researcher")), (200, true), "{body}");
    let (status, _) = http(&addr, "/api/v1/queue", None);
    assert_eq!(status, 401);
    let (status, body) = http(&addr, "/", None);
    assert_eq!(status, 200);
    assert!(body.contains("<html") || body.contains("<!doctype") || body.contains("<!DOCTYPE"));

    let first = entries[0]["item_id"].as_str().unwrap();
    let path = format!("/api/v1/items/{}", percent(first));
    let (status, body) = http(&addr, &path, Some(&token));
    assert_eq!(status, 200, "{body}");
    let item: serde_json::Value = serde_json::from_str(&body).unwrap();
    let text = item["text"].as_str().unwrap();
    let author = item["author"].as_str().unwrap_or("");

    // Ctrl-C stops it cleanly.
    #[cfg(unix)]
    {
        let pid = server.0.id().to_string();
        let sent = Command::new("kill").args(["-INT", &pid]).status().unwrap();
        assert!(sent.success());
        let started = Instant::now();
        loop {
            if let Some(status) = server.0.try_wait().unwrap() {
                assert!(status.success(), "exit after Ctrl-C: {status}");
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "still running after Ctrl-C"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    // The log names route templates, never tokens, paths, queries, post text or writers.
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(
        log.contains("/api/v1/items/{item_id}"),
        "requests are logged: {log}"
    );
    assert!(!log.contains(&token), "the log holds the token");
    assert!(!log.contains("limit=5"), "the log holds a query string");
    let snippet: String = text.chars().take(40).collect();
    assert!(!log.contains(&snippet), "the log holds post text");
    if author.len() > 3 {
        assert!(!log.contains(author), "the log holds a writer's name");
    }
    let _ = std::fs::remove_dir_all(dir);
}

fn percent(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn a_public_address_needs_allow_public() {
    let out = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(["serve", "--demo", "--listen", "0.0.0.0:0"])
        .env("RUST_LOG", "off")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--allow-public"), "{err}");
    assert!(out.stdout.is_empty(), "no URL printed");
}

#[test]
fn a_bad_config_is_refused_with_its_name() {
    let dir = tempdir();
    let path = dir.join("threadcare.toml");
    std::fs::write(&path, "[alerts]\nwebhook = \"http://127.0.0.1:1/\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_threadcare"))
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("threadcare.toml") && err.contains("webhook"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir() -> std::path::PathBuf {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let dir = std::env::temp_dir().join(format!("threadcare-serve-{}-{nanos}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
