//! `hh-bench` (run by `cargo xtask bench`): how fast and how small the MCP server is,
//! measured on loopback against the hh.ru sandbox, with a target per figure. BENCHMARKS.md
//! explains each figure.
//!
//! It runs in release and measures the release `hh-mcp` and `hh-sandbox` beside it in
//! `target/release` (`cargo xtask bench` builds all three), so nothing measured — the
//! server, the sandbox, the HTTP and stdio clients — runs unoptimized. Missed targets are
//! reported, not turned into an exit status. Everything talks over loopback: stdio to the
//! server, HTTP to the sandbox.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod http;
mod tokens;
mod webhooks;

use anyhow::{Context, Result, bail};
use futures::{StreamExt, TryStreamExt, stream};
use hh_api::{CollectionQuery, MAX_PER_PAGE, Paged, VacancyFetch};
use hh_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::{Value, json};

const UA: &str = "HhMcpBench/1.0 (bench@example.com)";

#[derive(clap::Parser, Debug, Clone)]
#[command(
    name = "hh-bench",
    about = "Measure the release hh-mcp against the sandbox (BENCHMARKS.md)"
)]
pub struct BenchArgs {
    /// Requests in flight when fetching a whole vacancy.
    #[arg(long, default_value_t = 8)]
    pub concurrency: usize,
    /// Tool calls (and bare HTTP requests) timed for the overhead.
    #[arg(long, default_value_t = 500)]
    pub calls: usize,
    /// Server start-ups timed.
    #[arg(long, default_value_t = 20)]
    pub startups: usize,
    /// Negotiations of the big vacancy.
    #[arg(long, default_value_t = 2000)]
    pub negotiations: usize,
    /// Latency the sandbox adds to every request in the whole-vacancy fetch.
    #[arg(long, default_value_t = 50)]
    pub latency_ms: u64,
    /// Runs of each whole-vacancy fetch (the median is shown).
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Concurrent MCP clients of the HTTP load run.
    #[arg(long, default_value_t = 200)]
    pub http_clients: usize,
    /// Tool calls of the HTTP load run.
    #[arg(long, default_value_t = 20_000)]
    pub http_calls: usize,
    /// Clients kept open for the HTTP memory figure.
    #[arg(long, default_value_t = 1000)]
    pub open_clients: usize,
    /// Tool calls timed per server in each token-check configuration.
    #[arg(long, default_value_t = 2000)]
    pub token_calls: usize,
    /// Measure only these parts (comma-separated): startup, calls, vacancy, context, chats,
    /// http, tokens, webhooks.
    #[arg(long, value_delimiter = ',', value_parser = ["startup", "calls", "vacancy", "context", "chats", "http", "tokens", "webhooks"])]
    pub only: Vec<String>,
}

impl BenchArgs {
    fn wants(&self, part: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|p| p == part)
    }
}

fn main() -> std::process::ExitCode {
    match run(<BenchArgs as clap::Parser>::parse()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run(args: BenchArgs) -> Result<()> {
    if args.concurrency == 0
        || args.calls == 0
        || args.startups == 0
        || args.runs == 0
        || args.token_calls == 0
    {
        bail!("--concurrency, --calls, --startups, --runs and --token-calls must be at least 1");
    }
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: measuring from a debug build of hh-bench; figures will be slower \
             (`cargo xtask bench` runs it in release)"
        );
    }
    let release = release_dir()?;
    let bin = release.join(exe_name("hh-mcp"));
    let sandbox_bin = release.join(exe_name("hh-sandbox"));
    for b in [&bin, &sandbox_bin] {
        if !b.exists() {
            bail!(
                "{} is missing: run `cargo xtask bench`, or `cargo build --release -p hh-mcp -p hh-sandbox` first",
                b.display()
            );
        }
    }
    // The bench's own reqwest clients use the process's provider (hh-api's bring theirs).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let mut table = Table::default();
    let machine = machine();
    println!("hh-mcp bench on {machine}");
    println!("binary: {} ({})", bin.display(), mib(file_size(&bin)));
    println!();

    if args.wants("startup") {
        startup(&rt, &bin, &args, &mut table)?;
    }
    if args.wants("calls") {
        tool_calls(&rt, &bin, &sandbox_bin, &args, &mut table)?;
    }
    if args.wants("vacancy") {
        whole_vacancy(&rt, &bin, &args, &mut table)?;
    }
    if args.wants("context") {
        context_cost(&rt, &bin, &mut table)?;
    }
    if args.wants("chats") {
        chat_sends(&rt, &bin, &mut table)?;
    }
    if args.wants("http") {
        let load = http::LoadArgs {
            clients: args.http_clients,
            calls: args.http_calls,
            open_clients: args.open_clients,
        };
        http::http_load(&rt, &bin, &sandbox_bin, &load, &mut table)?;
    }
    if args.wants("tokens") {
        tokens::token_check(&rt, &bin, args.token_calls, &mut table)?;
    }
    if args.wants("webhooks") {
        webhooks::webhook_burst(&rt, &bin, &mut table)?;
    }

    println!();
    table.print();
    let missed = table.missed();
    println!();
    if missed.is_empty() {
        println!("every target met");
    } else {
        println!("targets missed: {}", missed.join("; "));
    }
    Ok(())
}

fn exe_name(name: &str) -> String {
    format!("{name}{}", std::env::consts::EXE_SUFFIX)
}

/// Where this binary, and so the release `hh-mcp` and `hh-sandbox`, were built.
fn release_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().context("the path of hh-bench itself")?;
    exe.parent()
        .map(Path::to_path_buf)
        .context("hh-bench's own directory")
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    format!(
        "{} {}, {cores} cores ({cpu})",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

// ---- the table -------------------------------------------------------------------------

struct Row {
    figure: String,
    measured: String,
    target: String,
    /// `None`: shown for information, no target.
    pass: Option<bool>,
}

#[derive(Default)]
struct Table {
    rows: Vec<Row>,
}

impl Table {
    fn info(&mut self, figure: impl Into<String>, measured: impl Into<String>) {
        self.rows.push(Row {
            figure: figure.into(),
            measured: measured.into(),
            target: String::new(),
            pass: None,
        });
    }

    fn check(
        &mut self,
        figure: impl Into<String>,
        measured: impl Into<String>,
        target: impl Into<String>,
        pass: bool,
    ) {
        self.rows.push(Row {
            figure: figure.into(),
            measured: measured.into(),
            target: target.into(),
            pass: Some(pass),
        });
    }

    fn missed(&self) -> Vec<String> {
        self.rows
            .iter()
            .filter(|r| r.pass == Some(false))
            .map(|r| format!("{} ({}, target {})", r.figure.trim(), r.measured, r.target))
            .collect()
    }

    /// A Markdown table, so a run can be pasted into BENCHMARKS.md as it is.
    fn print(&self) {
        let w0 = self
            .rows
            .iter()
            .map(|r| width(&r.figure))
            .max()
            .unwrap_or(6);
        let w1 = self
            .rows
            .iter()
            .map(|r| width(&r.measured))
            .max()
            .unwrap_or(8);
        let w2 = self
            .rows
            .iter()
            .map(|r| width(&r.target))
            .max()
            .unwrap_or(6);
        let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(width(s))));
        println!(
            "| {} | {} | {} | result |",
            pad("figure", w0),
            pad("measured", w1),
            pad("target", w2)
        );
        println!(
            "|{}|{}|{}|--------|",
            "-".repeat(w0 + 2),
            "-".repeat(w1 + 2),
            "-".repeat(w2 + 2)
        );
        for r in &self.rows {
            let result = match r.pass {
                Some(true) => "pass",
                Some(false) => "FAIL",
                None => "",
            };
            println!(
                "| {} | {} | {} | {} |",
                pad(&r.figure, w0),
                pad(&r.measured, w1),
                pad(&r.target, w2),
                pad(result, 6)
            );
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

// ---- statistics --------------------------------------------------------------------------

/// The `p`-th percentile (0..=100) by nearest rank.
fn percentile(samples: &[Duration], p: f64) -> Duration {
    if samples.is_empty() {
        return Duration::ZERO;
    }
    let mut s = samples.to_vec();
    s.sort();
    let rank = ((p / 100.0) * s.len() as f64).ceil() as usize;
    s[rank.clamp(1, s.len()) - 1]
}

fn median(samples: &[Duration]) -> Duration {
    percentile(samples, 50.0)
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1000.0;
    if v < 10.0 {
        format!("{v:.3} ms")
    } else {
        format!("{v:.1} ms")
    }
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn file_size(p: &Path) -> u64 {
    std::fs::metadata(p).map(|m| m.len()).unwrap_or(0)
}

// ---- a server on stdio ---------------------------------------------------------------------

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

enum Upstream<'a> {
    /// `hh-mcp serve` pointed at this sandbox through the environment.
    Env(&'a Sandbox),
    /// `hh-mcp serve` pointed at a base URL with a token.
    Url(&'a str, &'a str),
    /// `hh-mcp --sandbox serve`: its own embedded sandbox.
    Embedded,
    /// `hh-mcp serve` configured for hh.ru itself (https), which it never contacts here:
    /// start-up then includes loading the system's CA certificates.
    HhRu,
}

fn command(bin: &Path, upstream: &Upstream) -> Command {
    command_with(bin, upstream, &["serve"])
}

/// `hh-mcp` with the bench's environment for `upstream`, running `args`.
fn command_with(bin: &Path, upstream: &Upstream, args: &[&str]) -> Command {
    let mut cmd = Command::new(bin);
    cmd.env_clear()
        .env("HOME", std::env::temp_dir())
        .env("HH_USER_AGENT", UA)
        .env("HH_MCP_CONFIRM", "never")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    match upstream {
        Upstream::Env(s) => {
            cmd.env("HH_API_BASE_URL", s.base_url())
                .env("HH_ACCESS_TOKEN", s.access_token());
        }
        Upstream::Url(base, token) => {
            cmd.env("HH_API_BASE_URL", base)
                .env("HH_ACCESS_TOKEN", token);
        }
        Upstream::Embedded => {
            cmd.arg("--sandbox");
        }
        Upstream::HhRu => {
            cmd.env("HH_API_BASE_URL", "https://api.hh.ru")
                .env("HH_ACCESS_TOKEN", "not-used-by-the-bench");
        }
    }
    cmd.args(args);
    cmd
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"hh-mcp-bench","version":"0.1.0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;

impl Server {
    /// Spawns the server and completes the handshake; returns it with the time from spawn to
    /// the `initialize` answer.
    fn start(mut cmd: Command) -> Result<(Server, Duration)> {
        let started = Instant::now();
        let mut child = cmd.spawn().context("spawning hh-mcp")?;
        let mut stdin = child.stdin.take().context("stdin")?;
        let mut stdout = BufReader::new(child.stdout.take().context("stdout")?);
        stdin.write_all(INITIALIZE.as_bytes())?;
        stdin.write_all(b"\n")?;
        stdin.flush()?;
        let mut line = String::new();
        stdout.read_line(&mut line)?;
        let took = started.elapsed();
        let answer: Value = serde_json::from_str(&line)
            .with_context(|| format!("the initialize answer is not JSON: {line:?}"))?;
        if answer["result"]["serverInfo"]["name"] != "hh-mcp" {
            bail!("unexpected initialize answer: {line}");
        }
        stdin.write_all(INITIALIZED.as_bytes())?;
        stdin.write_all(b"\n")?;
        stdin.flush()?;
        Ok((
            Server {
                child,
                stdin,
                stdout,
                next_id: 1,
            },
            took,
        ))
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends one request and returns the answer line as it came (not yet parsed).
    fn request_line(&mut self, method: &str, params: &Value) -> Result<String> {
        self.next_id += 1;
        let id = self.next_id;
        let mut line = serde_json::to_vec(
            &json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}),
        )?;
        line.push(b'\n');
        self.stdin.write_all(&line)?;
        self.stdin.flush()?;
        let mut answer = String::new();
        self.stdout.read_line(&mut answer)?;
        if answer.is_empty() {
            bail!("the server closed stdout");
        }
        Ok(answer)
    }

    fn request(&mut self, method: &str, params: &Value) -> Result<Value> {
        let line = self.request_line(method, params)?;
        let v: Value = serde_json::from_str(&line)?;
        if v["id"] != self.next_id {
            bail!("answer for another request: {line}");
        }
        if v.get("error").is_some() {
            bail!("{method} failed: {line}");
        }
        Ok(v)
    }

    /// A tool's structured result (an error fails the bench).
    fn call(&mut self, tool: &str, arguments: Value) -> Result<(Value, usize)> {
        let line =
            self.request_line("tools/call", &json!({"name": tool, "arguments": arguments}))?;
        let v: Value = serde_json::from_str(&line)?;
        if v["result"]["isError"] == true || v.get("error").is_some() {
            bail!("{tool} failed: {line}");
        }
        Ok((v["result"]["structuredContent"].clone(), line.len()))
    }

    fn stop(mut self) -> Result<()> {
        drop(self.stdin);
        let status = self.child.wait()?;
        if !status.success() {
            bail!("hh-mcp exited with {status}");
        }
        Ok(())
    }
}

/// `VmHWM` (peak resident set) of a process, in bytes.
fn peak_rss(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .context("no VmHWM in /proc/PID/status")?;
    let kb: u64 = line
        .split_whitespace()
        .nth(1)
        .context("VmHWM value")?
        .parse()?;
    Ok(kb * 1024)
}

// ---- 1. start-up and memory ----------------------------------------------------------------

fn startup(
    rt: &tokio::runtime::Runtime,
    bin: &Path,
    args: &BenchArgs,
    table: &mut Table,
) -> Result<()> {
    println!("start-up: {} spawns each way…", args.startups);
    let sandbox = rt.block_on(Sandbox::start(SandboxConfig::default()))?;
    let measure = |upstream: Upstream| -> Result<(Vec<Duration>, Vec<u64>, usize)> {
        let mut times = Vec::new();
        let mut rss = Vec::new();
        let mut list_bytes = 0;
        // Two unmeasured runs first: the binary into the page cache.
        for i in 0..args.startups + 2 {
            let (mut server, took) = Server::start(command(bin, &upstream))?;
            let list = server.request_line("tools/list", &json!({}))?;
            list_bytes = list.len();
            let peak = peak_rss(server.pid())?;
            server.stop()?;
            if i >= 2 {
                times.push(took);
                rss.push(peak);
            }
        }
        Ok((times, rss, list_bytes))
    };
    let (times, rss, list_bytes) = measure(Upstream::Env(&sandbox))?;
    let (sb_times, sb_rss, _) = measure(Upstream::Embedded)?;
    let (tls_times, tls_rss, _) = measure(Upstream::HhRu)?;
    let start = median(&times);
    table.check(
        format!(
            "start-up to `initialize` answer (median of {})",
            args.startups
        ),
        ms(start),
        "< 10 ms",
        start < Duration::from_millis(10),
    );
    table.info("  same, slowest", ms(percentile(&times, 100.0)));
    let peak = rss.iter().copied().max().unwrap_or(0);
    table.check(
        "peak RSS after `tools/list` (VmHWM, worst run)",
        mib(peak),
        "< 12 MiB",
        peak < 12 * 1024 * 1024,
    );
    table.info(
        "start-up with an https base URL (loads the CA store; median)",
        ms(median(&tls_times)),
    );
    table.info(
        "peak RSS with an https base URL (worst run)",
        mib(tls_rss.iter().copied().max().unwrap_or(0)),
    );
    table.info(
        "start-up with `--sandbox` (seeds its sandbox; median)",
        ms(median(&sb_times)),
    );
    table.info(
        "peak RSS with `--sandbox` (worst run)",
        mib(sb_rss.iter().copied().max().unwrap_or(0)),
    );
    table.info("binary size", mib(file_size(bin)));
    table.info("`tools/list` answer", format!("{list_bytes} bytes"));
    rt.block_on(sandbox.shutdown());
    Ok(())
}

// ---- 2. tool-call overhead -----------------------------------------------------------------

fn tool_calls(
    rt: &tokio::runtime::Runtime,
    bin: &Path,
    sandbox_bin: &Path,
    args: &BenchArgs,
    table: &mut Table,
) -> Result<()> {
    println!("tool calls: {} round trips each way…", args.calls);
    // Seed 42 everywhere: the sandbox process, `hh-mcp --sandbox` and the one in this
    // process hold the same data and token.
    let sandbox = rt.block_on(Sandbox::start(SandboxConfig::default()))?;
    let token = sandbox.access_token();
    let hh = client(&sandbox.base_url(), &token)?;
    let nid = rt.block_on(async {
        let v = &sandbox.vacancy_ids()[0];
        let c = hh.collections(v).await?;
        let page = hh
            .collection_page(&c.collections[0].url, &CollectionQuery::default())
            .await?;
        anyhow::Ok(page.items[0].id.clone())
    })?;
    let arguments = json!({"negotiation_id": nid});

    // (1) The sandbox in a process of its own: the server's request to it and the bare one
    // from here both cross a process boundary, so their difference is what the server adds.
    let mut own = SandboxProcess::start(sandbox_bin)?;
    if own.token != token {
        bail!("the sandbox process holds other data than seed 42's");
    }
    let (mut server, _) = Server::start(command(bin, &Upstream::Url(&own.base_url, &token)))?;
    let (calls, bare) = interleaved(
        rt,
        &mut server,
        &arguments,
        &own.base_url,
        &token,
        args.calls,
    )?;
    let pipelined = pipelined(&mut server, &arguments, args.calls)?;
    server.stop()?;
    own.stop();

    // (2) `hh-mcp --sandbox`: the server's request stays inside its process, the bare one
    // does not, which flatters the server.
    let mut cmd = command(bin, &Upstream::Embedded);
    cmd.stderr(Stdio::piped());
    let (mut embedded, _) = Server::start(cmd)?;
    let base = embedded_base_url(&mut embedded)?;
    let (emb, emb_bare) = interleaved(rt, &mut embedded, &arguments, &base, &token, args.calls)?;
    embedded.stop()?;

    // (3) The sandbox in this process: the bare request stays inside it, the server's does
    // not, which flatters the bare request.
    let (mut server, _) = Server::start(command(bin, &Upstream::Env(&sandbox)))?;
    let (here, here_bare) = interleaved(
        rt,
        &mut server,
        &arguments,
        &sandbox.base_url(),
        &token,
        args.calls,
    )?;
    server.stop()?;
    let decoded = rt.block_on(async {
        let mut t = Vec::new();
        for _ in 0..args.calls {
            let s = Instant::now();
            hh.negotiation(&nid).await?;
            t.push(s.elapsed());
        }
        anyhow::Ok(t)
    })?;

    let over = median(&calls).saturating_sub(median(&bare));
    table.check(
        "tools/call get_negotiation: overhead over the bare GET (median)",
        ms(over),
        "< 0.3 ms",
        over < Duration::from_micros(300),
    );
    table.info(
        "  tools/call round trip median / p99 (sandbox in its own process)",
        format!("{} / {}", ms(median(&calls)), ms(percentile(&calls, 99.0))),
    );
    table.info(
        "  bare GET /negotiations/{id} (reqwest) median / p99",
        format!("{} / {}", ms(median(&bare)), ms(percentile(&bare, 99.0))),
    );
    table.info(
        "  calls/s, one at a time / 32 in flight",
        format!(
            "{:.0} / {:.0}",
            args.calls as f64 / calls.iter().sum::<Duration>().as_secs_f64(),
            pipelined
        ),
    );
    table.info(
        "  overhead with `hh-mcp --sandbox` / sandbox in the bench",
        format!(
            "{} / {}",
            ms(median(&emb).saturating_sub(median(&emb_bare))),
            ms(median(&here).saturating_sub(median(&here_bare)))
        ),
    );
    table.info(
        "  the bare GET through hh_api, decoded (sandbox in the bench)",
        format!("{} (raw {})", ms(median(&decoded)), ms(median(&here_bare))),
    );
    rt.block_on(sandbox.shutdown());
    Ok(())
}

/// `hh-sandbox serve` (release) on a free port, seed 42.
struct SandboxProcess {
    child: Child,
    base_url: String,
    token: String,
}

impl SandboxProcess {
    fn start(bin: &Path) -> Result<SandboxProcess> {
        let mut child = Command::new(bin)
            .args(["serve", "--addr", "127.0.0.1:0", "--seed", "42"])
            .env_clear()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut out = BufReader::new(child.stdout.take().context("stdout")?);
        let (mut base_url, mut token) = (None, None);
        let mut line = String::new();
        while base_url.is_none() || token.is_none() {
            line.clear();
            if out.read_line(&mut line)? == 0 {
                bail!("hh-sandbox ended before printing its address");
            }
            if let Some(v) = line.trim().strip_prefix("HH_API_BASE_URL=") {
                base_url = Some(v.to_string());
            }
            if let Some(v) = line.trim().strip_prefix("HH_ACCESS_TOKEN=") {
                token = Some(v.to_string());
            }
        }
        // Keep reading stdout so the sandbox never blocks on it.
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
        Ok(SandboxProcess {
            child,
            base_url: base_url.unwrap_or_default(),
            token: token.unwrap_or_default(),
        })
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for SandboxProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

fn client(base: &str, token: &str) -> Result<hh_api::Client> {
    Ok(hh_api::Client::builder()
        .base_url(base)
        .user_agent(UA)
        .token(token)
        .build()?)
}

/// Times `n` sequential `get_negotiation` calls and `n` bare `GET /negotiations/{id}`
/// requests (reqwest, keep-alive) to `base`, taken in turns (which one goes first
/// alternates), so that both meet the machine in the same state; a busy moment then
/// slows both instead of one. 50 of each go unmeasured first; every answer is checked
/// after the clock stops. Returns `(calls, bare)`.
fn interleaved(
    rt: &tokio::runtime::Runtime,
    server: &mut Server,
    arguments: &Value,
    base: &str,
    token: &str,
    n: usize,
) -> Result<(Vec<Duration>, Vec<Duration>)> {
    let params = json!({"name": "get_negotiation", "arguments": arguments});
    let nid = arguments["negotiation_id"]
        .as_str()
        .context("negotiation_id")?;
    let http = reqwest::Client::builder().build()?;
    let url = format!("{base}/negotiations/{nid}");
    let bare = || {
        rt.block_on(async {
            let t = Instant::now();
            let r = http
                .get(&url)
                .header("HH-User-Agent", UA)
                .header("User-Agent", UA)
                .bearer_auth(token)
                .send()
                .await?;
            let ok = r.status().is_success();
            r.bytes().await?;
            let took = t.elapsed();
            if !ok {
                bail!("GET {url} failed");
            }
            anyhow::Ok(took)
        })
    };
    for _ in 0..50 {
        check_call(&server.request_line("tools/call", &params)?)?;
        bare()?;
    }
    let mut call = || -> Result<(Duration, String)> {
        let t = Instant::now();
        let line = server.request_line("tools/call", &params)?;
        Ok((t.elapsed(), line))
    };
    let (mut calls, mut bares) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut answers = Vec::with_capacity(n);
    for i in 0..n {
        let (c, b) = if i % 2 == 0 {
            let c = call()?;
            (c, bare()?)
        } else {
            let b = bare()?;
            (call()?, b)
        };
        calls.push(c.0);
        answers.push(c.1);
        bares.push(b);
    }
    for a in &answers {
        check_call(a)?;
    }
    Ok((calls, bares))
}

fn check_call(line: &str) -> Result<()> {
    let v: Value = serde_json::from_str(line)?;
    if v["result"]["isError"] != false || !v["result"]["structuredContent"].is_object() {
        bail!("get_negotiation failed: {line}");
    }
    Ok(())
}

/// Calls per second with up to 32 requests in flight over the one stdio pipe.
fn pipelined(server: &mut Server, arguments: &Value, n: usize) -> Result<f64> {
    let params = json!({"name": "get_negotiation", "arguments": arguments});
    let first = server.next_id + 1;
    let lines: Vec<Vec<u8>> = (0..n as u64)
        .map(|i| {
            let mut l = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": first + i,
                "method": "tools/call", "params": params}))
            .unwrap_or_default();
            l.push(b'\n');
            l
        })
        .collect();
    server.next_id += n as u64;
    let window = 32;
    let started = Instant::now();
    let mut sent = 0;
    let mut got = 0;
    let mut line = String::new();
    while got < n {
        while sent < n && sent - got < window {
            server.stdin.write_all(&lines[sent])?;
            sent += 1;
        }
        server.stdin.flush()?;
        line.clear();
        server.stdout.read_line(&mut line)?;
        check_call(&line)?;
        got += 1;
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// The embedded sandbox's address, from the server's start-up log on stderr (the rest of
/// stderr is drained in the background).
fn embedded_base_url(server: &mut Server) -> Result<String> {
    let stderr = server.child.stderr.take().context("stderr is piped")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut line = String::new();
        let mut sent = false;
        while reader.read_line(&mut line).unwrap_or(0) > 0 {
            if !sent && let Some(at) = line.find("base_url=") {
                let url: String = line[at + 9..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                sent = tx.send(url).is_ok();
            }
            line.clear();
        }
        let mut rest = Vec::new();
        let _ = reader.read_to_end(&mut rest);
    });
    rx.recv_timeout(Duration::from_secs(10))
        .context("`hh-mcp --sandbox` did not log its sandbox's base_url")
}

// ---- 3. a whole vacancy --------------------------------------------------------------------

/// Every negotiation of a vacancy (ids), one way or another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fetch {
    /// Collections, then each collection page by page, one request at a time.
    PageByPage,
    /// Collections, then `Client::collection_all` per collection, one collection after another.
    CollectionAll,
    /// `Client::vacancy_negotiations`: collections, then every page their counters imply,
    /// all collections under one shared bound (pages correct stale counters).
    Vacancy,
    /// Collections, then every page their counters imply, at the bound, trusting the
    /// counters blindly: the floor.
    Floor,
}

impl Fetch {
    fn name(self) -> &'static str {
        match self {
            Fetch::PageByPage => "page by page (sequential, per_page 50)",
            Fetch::CollectionAll => "`collection_all` per collection, in turn",
            Fetch::Vacancy => "`vacancy_negotiations` (ours: one shared bound)",
            Fetch::Floor => "floor (pages known from the counters)",
        }
    }

    fn short_name(self) -> &'static str {
        match self {
            Fetch::PageByPage => "page by page",
            Fetch::CollectionAll => "collection_all",
            Fetch::Vacancy => "vacancy_negotiations",
            Fetch::Floor => "floor",
        }
    }
}

fn page_query(page: u32) -> CollectionQuery {
    CollectionQuery {
        page,
        per_page: Some(MAX_PER_PAGE),
        filters: Vec::new(),
    }
}

async fn fetch_vacancy(
    hh: &hh_api::Client,
    vacancy: &str,
    how: Fetch,
    concurrency: usize,
) -> Result<Vec<String>> {
    let collections = || async { anyhow::Ok(hh.collections(vacancy).await?.collections) };
    let mut ids = Vec::new();
    match how {
        Fetch::PageByPage => {
            for c in &collections().await? {
                let mut page = 0;
                loop {
                    let p = hh.collection_page(&c.url, &page_query(page)).await?;
                    let pages = p.pages();
                    ids.extend(p.items.into_iter().map(|n| n.id));
                    page += 1;
                    if page >= pages {
                        break;
                    }
                }
            }
        }
        Fetch::CollectionAll => {
            for c in &collections().await? {
                let all = hh
                    .collection_all(&c.url, &page_query(0), concurrency)
                    .await?;
                ids.extend(all.items.into_iter().map(|n| n.id));
            }
        }
        Fetch::Vacancy => {
            let how = VacancyFetch {
                concurrency,
                ..VacancyFetch::default()
            };
            let all = hh.vacancy_negotiations(vacancy, &how).await?;
            ids.extend(all.negotiations().map(|n| n.id.clone()));
        }
        Fetch::Floor => {
            let cols = collections().await?;
            let pages: Vec<(&str, u32)> = cols
                .iter()
                .flat_map(|c| {
                    let total = collection_total(c);
                    (0..total.div_ceil(MAX_PER_PAGE)).map(move |p| (c.url.as_str(), p))
                })
                .collect();
            let got: Vec<Vec<String>> = stream::iter(pages)
                .map(|(url, page)| async move {
                    let p = hh.collection_page(url, &page_query(page)).await?;
                    anyhow::Ok(p.items.into_iter().map(|n| n.id).collect())
                })
                .buffer_unordered(concurrency)
                .try_collect()
                .await?;
            ids.extend(got.into_iter().flatten());
        }
    }
    Ok(ids)
}

/// A collection's `total` as its counters say (none: 0).
fn collection_total(c: &hh_api::types::Collection) -> u32 {
    c.counters
        .as_ref()
        .and_then(|n| n.total)
        .and_then(|t| u32::try_from(t).ok())
        .unwrap_or(0)
}

/// Pages a whole-vacancy fetch needs: `(pages with data, page-0 requests of empty collections)`.
async fn page_counts(hh: &hh_api::Client, vacancy: &str) -> Result<(u32, u32)> {
    let cols = hh.collections(vacancy).await?.collections;
    let mut pages = 0;
    let mut empty = 0;
    for c in &cols {
        let total = collection_total(c);
        if total == 0 {
            empty += 1;
        }
        pages += total.div_ceil(MAX_PER_PAGE);
    }
    Ok((pages, empty))
}

/// One timed fetch, with the requests it made and the most the sandbox was serving at
/// once (counted by the sandbox itself, from each request's arrival to its answer).
struct Measured {
    took: Duration,
    requests: u64,
    peak_in_flight: usize,
    ids: Vec<String>,
}

fn measure_fetch(
    rt: &tokio::runtime::Runtime,
    sandbox: &Sandbox,
    hh: &hh_api::Client,
    vacancy: &str,
    how: Fetch,
    concurrency: usize,
) -> Result<Measured> {
    let before = sandbox.request_count();
    sandbox.reset_peak_in_flight();
    let started = Instant::now();
    let ids = rt.block_on(fetch_vacancy(hh, vacancy, how, concurrency))?;
    let took = started.elapsed();
    Ok(Measured {
        took,
        requests: sandbox.request_count() - before,
        peak_in_flight: sandbox.peak_in_flight(),
        ids,
    })
}

/// One `hh-mcp export` of the vacancy: time from spawn to exit, and the lines it wrote.
fn export_run(
    bin: &Path,
    sandbox: &Sandbox,
    vacancy: &str,
    concurrency: usize,
) -> Result<(Duration, usize)> {
    let n = concurrency.to_string();
    let mut export = command_with(
        bin,
        &Upstream::Env(sandbox),
        &["export", vacancy, "--concurrency", &n],
    );
    export.stdin(Stdio::null());
    let started = Instant::now();
    let out = export.output().context("running hh-mcp export")?;
    let took = started.elapsed();
    if !out.status.success() {
        bail!("hh-mcp export failed ({})", out.status);
    }
    let lines = out.stdout.split(|&b| b == b'\n').filter(|l| !l.is_empty());
    Ok((took, lines.count()))
}

fn whole_vacancy(
    rt: &tokio::runtime::Runtime,
    bin: &Path,
    args: &BenchArgs,
    table: &mut Table,
) -> Result<()> {
    let latency = Duration::from_millis(args.latency_ms);
    let c = args.concurrency;
    println!(
        "whole vacancy: {} negotiations, {} ms per request, concurrency {c}, {} runs each…",
        args.negotiations, args.latency_ms, args.runs
    );
    let sandbox = rt.block_on(Sandbox::start(SandboxConfig {
        big_vacancy_negotiations: Some(args.negotiations),
        ..SandboxConfig::default()
    }))?;
    let vacancy = sandbox.big_vacancy_id().context("the big vacancy")?;
    let hh = client(&sandbox.base_url(), &sandbox.access_token())?;
    let (pages, empty) = rt.block_on(page_counts(&hh, &vacancy))?;
    // One unmeasured fetch: the sandbox renders each negotiation once and then serves it
    // from memory, as hh's servers do their own work on their own machines.
    measure_fetch(rt, &sandbox, &hh, &vacancy, Fetch::Floor, c)?;
    sandbox.set_faults(Faults {
        latency,
        ..Faults::default()
    });
    let floor_computed = latency * (1 + pages.div_ceil(c as u32));
    let mut results = Vec::new();
    for how in [
        Fetch::PageByPage,
        Fetch::CollectionAll,
        Fetch::Vacancy,
        Fetch::Floor,
    ] {
        let mut runs = Vec::new();
        for _ in 0..args.runs {
            let m = measure_fetch(rt, &sandbox, &hh, &vacancy, how, c)?;
            let unique: HashSet<&String> = m.ids.iter().collect();
            if m.ids.len() != args.negotiations || unique.len() != args.negotiations {
                bail!(
                    "{}: fetched {} negotiations ({} distinct), expected {}",
                    how.name(),
                    m.ids.len(),
                    unique.len(),
                    args.negotiations
                );
            }
            runs.push(m);
        }
        runs.sort_by_key(|m| m.took);
        let peak = runs.iter().map(|m| m.peak_in_flight).max().unwrap_or(0);
        let mid = runs.swap_remove(runs.len() / 2);
        results.push((how, mid.took, mid.requests, peak));
    }
    let took = |f: Fetch| {
        results
            .iter()
            .find(|r| r.0 == f)
            .map(|r| r.1)
            .unwrap_or_default()
    };
    let seq = took(Fetch::PageByPage);
    let floor = took(Fetch::Floor);
    table.info(
        format!(
            "whole vacancy: {} negotiations, {pages} pages of 50 (+{empty} empty collections), {} ms/request, bound {c}",
            args.negotiations, args.latency_ms
        ),
        "",
    );
    for &(how, t, requests, peak) in &results {
        let speedup = seq.as_secs_f64() / t.as_secs_f64();
        let vs_floor = t.as_secs_f64() / floor_computed.as_secs_f64();
        table.info(
            format!("  {}", how.name()),
            format!("{} ({requests} requests)", ms(t)),
        );
        let short = how.short_name();
        match how {
            Fetch::Vacancy => {
                table.check(
                    format!("    {short}: faster than page by page"),
                    format!("{speedup:.1}×"),
                    "≥ 5×",
                    speedup >= 5.0,
                );
                table.check(
                    format!("    {short}: time vs the floor (computed)"),
                    format!("{vs_floor:.2}×"),
                    "≤ 1.5×",
                    vs_floor <= 1.5,
                );
            }
            Fetch::CollectionAll => table.info(
                format!("    {short}: vs page by page / vs the floor (computed)"),
                format!("{speedup:.1}× / {vs_floor:.2}×"),
            ),
            _ => {}
        }
        let bound = if how == Fetch::PageByPage { 1 } else { c };
        table.check(
            format!("    {short}: peak in flight (sandbox side, worst run)"),
            peak.to_string(),
            format!("≤ {bound}"),
            peak <= bound,
        );
    }
    table.info(
        format!(
            "  floor computed: {} ms × (1 + ceil({pages} / {c}))",
            args.latency_ms
        ),
        format!("{} (measured {})", ms(floor_computed), ms(floor)),
    );
    table.info(
        "    vacancy_negotiations: time vs the measured floor",
        format!(
            "{:.2}×",
            took(Fetch::Vacancy).as_secs_f64() / floor.as_secs_f64()
        ),
    );
    // The same through the product: `hh-mcp export`, from spawn to exit, all lines read.
    let mut runs = Vec::new();
    for _ in 0..args.runs {
        sandbox.reset_peak_in_flight();
        let (took, lines) = export_run(bin, &sandbox, &vacancy, c)?;
        if lines != args.negotiations {
            bail!(
                "hh-mcp export wrote {lines} lines, expected {}",
                args.negotiations
            );
        }
        runs.push((took, sandbox.peak_in_flight()));
    }
    runs.sort();
    let (export_took, _) = runs[runs.len() / 2];
    let export_peak = runs.iter().map(|r| r.1).max().unwrap_or(0);
    table.info(
        format!(
            "  `hh-mcp export --concurrency {c}` (spawn to exit, {} JSON lines)",
            args.negotiations
        ),
        format!(
            "{} ({:.1}× faster than page by page, {:.2}× the floor)",
            ms(export_took),
            seq.as_secs_f64() / export_took.as_secs_f64(),
            export_took.as_secs_f64() / floor_computed.as_secs_f64()
        ),
    );
    table.check(
        "    export: peak in flight (sandbox side, worst run)",
        export_peak.to_string(),
        format!("≤ {c}"),
        export_peak <= c,
    );
    // Without the added latency, what is left is work: the sandbox serving each page of
    // 50 negotiations and the client reading it, on the same cores.
    sandbox.set_faults(Faults::default());
    let mut cpu = Vec::new();
    for how in [Fetch::PageByPage, Fetch::Vacancy, Fetch::Floor] {
        let mut t: Vec<Duration> = (0..args.runs)
            .map(|_| measure_fetch(rt, &sandbox, &hh, &vacancy, how, c).map(|m| m.took))
            .collect::<Result<_>>()?;
        t.sort();
        cpu.push(format!("{} {}", how.short_name(), ms(t[t.len() / 2])));
    }
    table.info(
        "  the same without added latency (work only)",
        cpu.join("; "),
    );
    rt.block_on(sandbox.shutdown());
    Ok(())
}

// ---- 4. what an agent reads ----------------------------------------------------------------

fn context_cost(rt: &tokio::runtime::Runtime, bin: &Path, table: &mut Table) -> Result<()> {
    println!("agent context: each read tool against recorded hh answers…");
    let sandbox = rt.block_on(Sandbox::start(SandboxConfig {
        record: true,
        ..SandboxConfig::default()
    }))?;
    let hh = client(&sandbox.base_url(), &sandbox.access_token())?;
    let vacancy = sandbox.vacancy_ids()[0].clone();
    let nid = rt.block_on(async {
        let cols = hh.collections(&vacancy).await?.collections;
        for c in &cols {
            let page = hh.collection_page(&c.url, &page_query(0)).await?;
            if let Some(n) = page.items.first() {
                return anyhow::Ok(n.id.clone());
            }
        }
        bail!("no negotiation in vacancy {vacancy}")
    })?;
    // The seeded chat with the longest conversation (texts as applicants and recruiters
    // write them): list_messages reads one window of it.
    let chat = sandbox
        .chat_ids()
        .into_iter()
        .max_by_key(|id| sandbox.chat(id).map_or(0, |c| c.messages.len()))
        .context("a chat")?;
    let calls = [
        ("get_me", json!({})),
        ("list_vacancies", json!({})),
        ("list_collections", json!({"vacancy_id": vacancy})),
        (
            "list_negotiations",
            json!({"vacancy_id": vacancy, "collection": "response"}),
        ),
        ("get_negotiation", json!({"negotiation_id": nid})),
        ("get_resume", json!({"negotiation_id": nid})),
        ("list_messages", json!({"chat_id": chat, "limit": 20})),
        ("list_chats", json!({})),
    ];
    let (mut server, _) = Server::start(command(bin, &Upstream::Env(&sandbox)))?;
    let tools = server.request("tools/list", &json!({}))?;
    let listed = serde_json::to_vec(&tools["result"])?.len();
    let all = tools["result"]["tools"]
        .as_array()
        .context("tools/list lists tools")?;
    table.info(
        format!(
            "`tools/list` result ({} tools, with input and output schemas)",
            all.len()
        ),
        format!("{listed} bytes"),
    );
    // What an agent's context pays per tool before it calls any: each tool as listed,
    // without its output schema.
    let mut without_output = 0;
    for tool in all {
        let mut tool = tool.clone();
        if let Some(t) = tool.as_object_mut() {
            t.remove("outputSchema");
        }
        without_output += serde_json::to_vec(&tool)?.len();
    }
    let per_tool = without_output / all.len().max(1);
    table.check(
        "  per tool, without its output schema (average)",
        format!("{per_tool} bytes"),
        "≤ 600",
        per_tool <= 600,
    );
    let (mut compact_sum, mut raw_sum) = (0, 0);
    for (tool, arguments) in calls {
        // The second call is measured: what the first learns once (the employer id, a
        // vacancy's collection urls) is not asked again.
        server.call(tool, arguments.clone())?;
        sandbox.clear_recorded();
        let (result, line) = server.call(tool, arguments)?;
        let compact = serde_json::to_vec(&result)?.len();
        let exchanges = sandbox.recorded();
        let raw: usize = exchanges.iter().map(|e| e.body.len()).sum();
        if raw == 0 {
            bail!("{tool}: hh was not asked anything");
        }
        compact_sum += compact;
        raw_sum += raw;
        let share = compact as f64 / raw as f64;
        let requests: Vec<String> = exchanges
            .iter()
            .map(|e| format!("{} {}", e.method, e.path))
            .collect();
        table.check(
            format!("{tool}: structuredContent vs hh's JSON"),
            format!(
                "{compact} / {raw} B = {:.0}% (answer line {line} B; {})",
                share * 100.0,
                requests.join(", ")
            ),
            "≤ 30%",
            share <= 0.30,
        );
        if tool == "list_messages" {
            // Messages are mostly text, which the result keeps whole.
            let texts: usize = exchanges
                .iter()
                .filter_map(|e| e.json())
                .flat_map(|v| {
                    v["messages"]
                        .as_array()
                        .map(|items| {
                            items
                                .iter()
                                .map(|m| m["payload"]["text"].as_str().map_or(0, str::len))
                                .collect::<Vec<_>>()
                        })
                        .unwrap_or_default()
                })
                .sum();
            table.info(
                "  list_messages: the texts alone, of hh's JSON",
                format!("{texts} B = {:.0}%", texts as f64 * 100.0 / raw as f64),
            );
        }
    }
    table.info(
        "  all read tools together",
        format!(
            "{compact_sum} / {raw_sum} B = {:.0}%",
            compact_sum as f64 * 100.0 / raw_sum as f64
        ),
    );
    server.stop()?;
    rt.block_on(sandbox.shutdown());
    Ok(())
}

/// A chat message's send time, plain and with its first answer lost (hh stored the
/// message, the connection dropped): the client repeats it with the same idempotency key,
/// hh answers 409, and the message exists once. Through the MCP tool, end to end.
fn chat_sends(rt: &tokio::runtime::Runtime, bin: &Path, table: &mut Table) -> Result<()> {
    const SENDS: usize = 20;
    println!("chat sends: {SENDS} plain, {SENDS} with the first answer lost…");
    let sandbox = rt.block_on(Sandbox::start(SandboxConfig::default()))?;
    let chat = sandbox.writable_chat().context("a writable chat")?;
    let (mut server, _) = Server::start(command(bin, &Upstream::Env(&sandbox)))?;
    let mut times = |lose: bool, round: &str| -> Result<Vec<Duration>> {
        let mut took = Vec::with_capacity(SENDS);
        for i in 0..SENDS {
            sandbox.set_faults(Faults {
                lose_send_answers: u32::from(lose),
                ..Faults::default()
            });
            let text = format!("Сообщение {round} {i}");
            let started = Instant::now();
            let (result, _) = server.call(
                "send_message",
                json!({"chat_id": chat, "message": text, "confirm": true}),
            )?;
            took.push(started.elapsed());
            if result["status"] != "done" {
                bail!("send {round} {i}: {result}");
            }
            let held = sandbox.chat(&chat).context("the chat")?;
            let copies = held
                .messages
                .iter()
                .filter(|m| m.text.as_deref() == Some(&text))
                .count();
            if copies != 1 {
                bail!("send {round} {i} is in the chat {copies} times");
            }
        }
        Ok(took)
    };
    let plain = times(false, "plain")?;
    let lost = times(true, "lost")?;
    table.info(
        "send_message (plan + send), p50 / p99",
        format!("{} / {}", ms(median(&plain)), ms(percentile(&plain, 99.0))),
    );
    table.info(
        "  with the first answer lost (repeated with its key), p50 / p99",
        format!(
            "{} / {} (the retry's backoff is most of it; each message stored once)",
            ms(median(&lost)),
            ms(percentile(&lost, 99.0))
        ),
    );
    server.stop()?;
    rt.block_on(sandbox.shutdown());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        let s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(median(&s), Duration::from_millis(50));
        assert_eq!(percentile(&s, 99.0), Duration::from_millis(99));
        assert_eq!(percentile(&s, 100.0), Duration::from_millis(100));
        assert_eq!(percentile(&[], 50.0), Duration::ZERO);
    }

    /// The smoke version of the whole-vacancy figure: small and fast, run with the tests.
    #[test]
    fn whole_vacancy_fetches_are_complete_and_bounded() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let n = 260;
        let sandbox = rt
            .block_on(Sandbox::start(SandboxConfig {
                big_vacancy_negotiations: Some(n),
                ..SandboxConfig::default()
            }))
            .unwrap();
        let vacancy = sandbox.big_vacancy_id().unwrap();
        let hh = client(&sandbox.base_url(), &sandbox.access_token()).unwrap();
        let latency = Duration::from_millis(20);
        sandbox.set_faults(Faults {
            latency,
            ..Faults::default()
        });
        let mut took = Vec::new();
        for how in [
            Fetch::PageByPage,
            Fetch::CollectionAll,
            Fetch::Vacancy,
            Fetch::Floor,
        ] {
            let m = measure_fetch(&rt, &sandbox, &hh, &vacancy, how, 3).unwrap();
            let unique: HashSet<&String> = m.ids.iter().collect();
            assert_eq!((m.ids.len(), unique.len()), (n, n), "{how:?}");
            if how == Fetch::PageByPage {
                assert_eq!(m.peak_in_flight, 1, "{how:?}");
            } else {
                assert!(m.peak_in_flight <= 3, "{how:?}: {}", m.peak_in_flight);
            }
            took.push(m.took);
        }
        assert!(took[2] < took[0], "bounded concurrency is faster: {took:?}");
    }
}
