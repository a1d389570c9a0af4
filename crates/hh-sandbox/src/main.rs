//! `hh-sandbox serve`: run the sandbox for other programs (an MCP server, curl, a
//! browser tool) and print what they need to use it.

use std::io::IsTerminal;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use hh_sandbox::{Faults, LostAnswer, Sandbox, SandboxConfig, WebhookConfig, WebhookFaults};

#[derive(Parser)]
#[command(
    name = "hh-sandbox",
    version,
    about = "A seeded imitation of hh.ru's employer API on loopback: try and test without an hh.ru account"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve until interrupted; prints the base URL, tokens and ids on stdout.
    Serve(Serve),
}

#[derive(clap::Args)]
struct Serve {
    /// Where to listen; port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// Seed of all generated data.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Give the first vacancy this many negotiations.
    #[arg(long, value_name = "N")]
    big_vacancy: Option<usize>,
    /// Added to every answer, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Share of requests answered 429 (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    rate_429: f64,
    /// Retry-After of those 429s, in seconds.
    #[arg(long, default_value_t = 1)]
    retry_after: u64,
    /// Share of requests answered 503 (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    rate_503: f64,
    /// Answer actions, invitations and messages with captcha_required.
    #[arg(long)]
    captcha: bool,
    /// Share of successful JSON answers cut short (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    malformed_rate: f64,
    /// Store the next N chat messages sent, then lose their answers.
    #[arg(long, value_name = "N", default_value_t = 0)]
    lose_send_answers: u32,
    /// How those answers are lost: `drop` closes the connection, `504` answers
    /// 504 Gateway Time-out.
    #[arg(long, value_name = "HOW", default_value = "drop", value_parser = lost_answer)]
    lost_answer: LostAnswer,
    /// Answer the paid methods (resume search, negotiation history, applicant comments) with hh's 403
    /// `api_access_payment`, as for an employer without paid API access.
    #[arg(long)]
    no_paid_access: bool,
    /// The application's client_id that /oauth/authorize and /token accept.
    #[arg(long, value_name = "ID", default_value = hh_sandbox::DEFAULT_CLIENT_ID)]
    client_id: String,
    /// Its client_secret.
    #[arg(long, value_name = "SECRET", default_value = hh_sandbox::DEFAULT_CLIENT_SECRET)]
    client_secret: String,
    /// Its registered redirect URI (redirects must then match it by hh's rules).
    #[arg(long, value_name = "URI")]
    redirect_uri: Option<String>,
    /// Approve every authorization request as this user (a login from the list printed).
    #[arg(long, value_name = "LOGIN")]
    auto_approve: Option<String>,
    /// Accept webhook subscription URLs on any host, not only loopback.
    #[arg(long)]
    webhook_any_host: bool,
    /// Share of webhook events sent twice, with the same id (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    webhook_duplicate_rate: f64,
    /// Share of webhook events sent after the event that follows them (0..1).
    #[arg(long, default_value_t = 0.0, value_parser = rate)]
    webhook_out_of_order_rate: f64,
    /// Delay each webhook event by a time drawn from MIN..MAX milliseconds, e.g. `100..2000`.
    #[arg(long, value_name = "MIN..MAX", value_parser = delay_range)]
    webhook_delay_ms: Option<(u64, u64)>,
}

fn delay_range(s: &str) -> Result<(u64, u64), String> {
    let (from, to) = s
        .split_once("..")
        .ok_or_else(|| format!("`{s}` is not MIN..MAX, e.g. 100..2000"))?;
    let ms = |v: &str| {
        v.trim()
            .parse::<u64>()
            .map_err(|_| format!("`{v}` is not a number of milliseconds"))
    };
    let (from, to) = (ms(from)?, ms(to)?);
    if from > to {
        return Err(format!("{from}..{to} starts after it ends"));
    }
    Ok((from, to))
}

fn lost_answer(s: &str) -> Result<LostAnswer, String> {
    match s {
        "drop" => Ok(LostAnswer::Dropped),
        "504" => Ok(LostAnswer::GatewayTimeout),
        other => Err(format!("`{other}` is neither `drop` nor `504`")),
    }
}

fn rate(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1"))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hh-sandbox: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve(args)),
    }
}

async fn serve(args: Serve) -> ExitCode {
    let config = SandboxConfig {
        seed: args.seed,
        big_vacancy_negotiations: args.big_vacancy,
        faults: Faults {
            latency: Duration::from_millis(args.latency_ms),
            rate_429: args.rate_429,
            retry_after_secs: args.retry_after,
            rate_503: args.rate_503,
            captcha_on_actions: args.captcha,
            malformed_rate: args.malformed_rate,
            lose_send_answers: args.lose_send_answers,
            lost_answer: args.lost_answer,
            no_paid_access: args.no_paid_access,
        },
        oauth_client_id: args.client_id,
        oauth_client_secret: args.client_secret,
        oauth_redirect_uri: args.redirect_uri.clone(),
        auto_approve: args.auto_approve,
        webhooks: WebhookConfig {
            allow_any_host: args.webhook_any_host,
            faults: WebhookFaults {
                duplicate_rate: args.webhook_duplicate_rate,
                out_of_order_rate: args.webhook_out_of_order_rate,
                delay: match args.webhook_delay_ms {
                    Some((from, to)) => Duration::from_millis(from)..=Duration::from_millis(to),
                    None => Duration::ZERO..=Duration::ZERO,
                },
            },
            ..WebhookConfig::default()
        },
        ..SandboxConfig::default()
    };
    let sandbox = match Sandbox::start_on(args.addr, config).await {
        Ok(s) => s,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            eprintln!("hh-sandbox: {e}");
            return ExitCode::FAILURE;
        }
        Err(e) => {
            eprintln!("hh-sandbox: cannot listen on {}: {e}", args.addr);
            return ExitCode::FAILURE;
        }
    };
    // Shell-friendly lines on stdout, so `eval "$(hh-sandbox serve ...)"`-style use and
    // other programs can read them; the story goes to stderr.
    println!("HH_API_BASE_URL={}", sandbox.base_url());
    println!("HH_ACCESS_TOKEN={}", sandbox.access_token());
    println!("HH_REFRESH_TOKEN={}", sandbox.refresh_token());
    println!("HH_AUTHORIZATION_CODE={}", sandbox.authorization_code());
    println!("HH_EMPLOYER_ID={}", sandbox.employer_id());
    println!("HH_MANAGER_ID={}", sandbox.manager_id());
    println!("HH_VACANCY_IDS={}", sandbox.vacancy_ids().join(","));
    println!("HH_FILE_HOST_URL={}", sandbox.file_host_url());
    if let Some(big) = sandbox.big_vacancy_id() {
        println!("HH_BIG_VACANCY_ID={big}");
    }
    println!("HH_AUTHORIZE_URL={}", sandbox.authorize_url());
    println!("HH_CLIENT_ID={}", sandbox.oauth_client_id());
    println!("HH_CLIENT_SECRET={}", sandbox.oauth_client_secret());
    let users = sandbox.users();
    let logins: Vec<&str> = users.iter().map(|u| u.login.as_str()).collect();
    println!("HH_USERS={}", logins.join(","));
    eprintln!("hh-sandbox: users who can sign in (the first is the one HH_ACCESS_TOKEN is for):");
    for u in &users {
        let accounts: Vec<String> = u
            .accounts
            .iter()
            .map(|a| {
                format!(
                    "account {} at {} ({})",
                    a.id, a.employer_name, a.employer_id
                )
            })
            .collect();
        eprintln!("  {} — {}: {}", u.login, u.name, accounts.join("; "));
    }
    let redirect = args
        .redirect_uri
        .as_deref()
        .unwrap_or("<your redirect URI>");
    eprintln!(
        "hh-sandbox: sign in at {}?response_type=code&client_id={}&state=…&redirect_uri={redirect} \
         (add &login_as=<login> to skip the page)",
        sandbox.authorize_url(),
        sandbox.oauth_client_id(),
    );
    eprintln!(
        "hh-sandbox: serving hh.ru's employer API at {} (seed {}). Send `HH-User-Agent: App/1.0 (me@example.com)` \
         and `Authorization: Bearer <HH_ACCESS_TOKEN>`. Ctrl-C stops.",
        sandbox.base_url(),
        args.seed
    );
    if tokio::signal::ctrl_c().await.is_err() {
        eprintln!("hh-sandbox: cannot wait for Ctrl-C; stopping");
    }
    let served = sandbox.request_count();
    sandbox.shutdown().await;
    eprintln!("hh-sandbox: stopped after {served} requests");
    ExitCode::SUCCESS
}
