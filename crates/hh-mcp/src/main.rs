//! `hh-mcp`: serve the MCP server on stdio, list its tools, or run one tool.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use std::collections::BTreeSet;

use clap::{Parser, Subcommand};
use hh_mcp::access::Access;
use hh_mcp::args::Id;
use hh_mcp::config::{Overrides, Settings};
use hh_mcp::confirm::{self, Decision, PREVIEW_NOTE};
use hh_mcp::export;
use hh_mcp::serve::settings::{HttpSettings, KeyPolicy};
use hh_mcp::server::HhServer;
use hh_mcp::session::Session;
use hh_mcp::signin;
use hh_mcp::tools::{self, Reply};

#[derive(Parser)]
#[command(
    name = "hh-mcp",
    version,
    about = "An employer's hh.ru negotiations as MCP tools for AI agents, and as commands for people",
    after_help = "Environment: HH_ACCESS_TOKEN, HH_USER_AGENT (both required for hh.ru), \
HH_API_BASE_URL (default https://api.hh.ru), HH_MANAGER_ACCOUNT_ID, HH_MCP_READ_ONLY=1, \
HH_MCP_CONFIRM=ask|never, HH_MCP_AUTOMATED_MESSAGES=0 (do not mark sent messages as automated), HH_API_TIMEOUT_SECS (default 30); without HH_ACCESS_TOKEN, the tokens saved by `hh-mcp auth login` \
(HH_MCP_TOKEN_FILE, default in the config directory). Flags override the environment."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Offer no tool that changes anything on hh.ru.
    #[arg(long, global = true)]
    read_only: bool,
    /// Offer only these tools, comma-separated (HH_MCP_TOOLS).
    #[arg(long, global = true, value_name = "A,B", env = "HH_MCP_TOOLS")]
    tools: Option<String>,
    /// The hh.ru API base URL (HH_API_BASE_URL).
    #[arg(long, global = true, value_name = "URL")]
    base_url: Option<String>,
    /// `App/1.0 (me@example.com)` (HH_USER_AGENT).
    #[arg(long, global = true, value_name = "UA")]
    user_agent: Option<String>,
    /// Act as this work account of the manager (HH_MANAGER_ACCOUNT_ID).
    #[arg(long, global = true, value_name = "ID")]
    manager_account_id: Option<String>,
    /// `ask` (default) or `never` (HH_MCP_CONFIRM).
    #[arg(long, global = true, value_name = "POLICY")]
    confirm: Option<String>,
    /// Run against an embedded hh.ru sandbox with seeded data: no account or token needed.
    #[arg(long, global = true)]
    sandbox: bool,
    /// The sandbox's seed (same seed, same data).
    #[arg(
        long,
        global = true,
        value_name = "N",
        default_value_t = 42,
        requires = "sandbox"
    )]
    sandbox_seed: u64,
}

#[derive(Subcommand)]
enum Command {
    /// Serve MCP on stdin/stdout (the default), or over HTTP with `--http`.
    Serve {
        /// Serve MCP Streamable HTTP at http://ADDR/mcp instead, e.g. 127.0.0.1:8080
        /// (HH_MCP_HTTP_ADDR).
        #[arg(long, value_name = "ADDR", env = "HH_MCP_HTTP_ADDR")]
        http: Option<String>,
        /// With --sandbox: every user signs in (OAuth), the sandbox playing hh.ru's login.
        /// Without the sandbox, multi-user mode is on when HH_CLIENT_ID is set.
        #[arg(long, requires = "http")]
        multi_user: bool,
    },
    /// Make an API key for the HTTP server.
    Key {
        #[command(subcommand)]
        action: KeyAction,
    },
    /// List the tools with their descriptions.
    Tools {
        /// Print the full `tools/list` definitions as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Sign in to hh.ru, see who is signed in, or sign out.
    Auth {
        #[command(subcommand)]
        action: AuthAction,
    },
    /// Write every negotiation of a vacancy, across all its collections, as JSON lines.
    Export {
        /// The vacancy's id, e.g. 123456.
        vacancy_id: String,
        /// The most requests to hh.ru in flight at once.
        #[arg(long, value_name = "N", default_value_t = 8,
              value_parser = clap::value_parser!(u16).range(1..=32))]
        concurrency: u16,
    },
    /// Run one tool and print its result as JSON.
    Call {
        /// The tool's name, e.g. list_vacancies.
        tool: String,
        /// The arguments as a JSON object, e.g. '{"vacancy_id": "123"}'.
        #[arg(default_value = "{}")]
        arguments: String,
    },
}

#[derive(Subcommand)]
enum KeyAction {
    /// Print a fresh random API key and its digest for HH_MCP_API_KEY_HASHES.
    New,
    /// Print a fresh key for HH_MCP_ENCRYPTION_KEY (multi-user mode: it encrypts hh.ru's
    /// tokens at rest; keep it, the same on every replica).
    Encryption,
}

#[derive(Subcommand)]
enum AuthAction {
    /// Authorize this application on hh.ru (HH_CLIENT_ID, HH_CLIENT_SECRET, HH_REDIRECT_URI)
    /// and save the tokens.
    Login,
    /// Who is signed in and when the token expires (never the token).
    Status,
    /// Invalidate the token on hh.ru and remove the saved tokens.
    Logout,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Over HTTP the logs are JSON lines (one request id each); on stdio, text.
    init_logging(matches!(
        cli.command,
        Some(Command::Serve { http: Some(_), .. })
    ));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("hh-mcp: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(cli))
}

/// Logs go to stderr: stdout carries JSON-RPC only.
fn init_logging(json: bool) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,hh_mcp=info,tower_http=info"));
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

async fn run(cli: Cli) -> ExitCode {
    let overrides = Overrides {
        base_url: cli.base_url,
        user_agent: cli.user_agent,
        manager_account_id: cli.manager_account_id,
        read_only: cli.read_only,
        confirm: cli.confirm,
    };
    let env = |k: &str| std::env::var(k).ok();
    // The sandbox lives as long as this function: the server or the call runs against it.
    let mut sandbox = None;
    if cli.sandbox
        && matches!(
            cli.command,
            None | Some(Command::Serve { .. })
                | Some(Command::Call { .. })
                | Some(Command::Export { .. })
        )
    {
        let config = hh_sandbox::SandboxConfig {
            seed: cli.sandbox_seed,
            ..Default::default()
        };
        match hh_sandbox::Sandbox::start(config).await {
            Ok(s) => {
                tracing::info!(base_url = %s.base_url(), vacancies = ?s.vacancy_ids(), "embedded hh.ru sandbox started");
                sandbox = Some(s);
            }
            Err(e) => return report(&[format!("could not start the embedded sandbox: {e}")]),
        }
    }
    let load = |overrides: &Overrides| match &sandbox {
        Some(s) => Settings::sandbox(&env, overrides, s.base_url(), s.access_token()),
        None => Settings::load(&env, overrides),
    };
    let tools = match cli
        .tools
        .as_deref()
        .map(|t| Access::parse_tools(t, "--tools / HH_MCP_TOOLS"))
    {
        Some(Err(e)) => return report(&[e]),
        Some(Ok(t)) => Some(t),
        None => None,
    };
    match cli.command {
        Some(Command::Key {
            action: KeyAction::New,
        }) => {
            let (key, digest) = hh_mcp::serve::keys::new_key();
            println!("key:    {key}");
            println!("digest: {digest}");
            eprintln!(
                "Give the key to the assistant (Authorization: Bearer <key>) and add the digest \
                 to HH_MCP_API_KEY_HASHES; the server never needs the key itself."
            );
            ExitCode::SUCCESS
        }
        Some(Command::Key {
            action: KeyAction::Encryption,
        }) => {
            let (_, key) = hh_store::EncryptionKey::generate();
            println!("{key}");
            eprintln!(
                "Set HH_MCP_ENCRYPTION_KEY to this on every replica, and keep it: hh.ru tokens                  stored under it cannot be read without it (recruiters would sign in again)."
            );
            ExitCode::SUCCESS
        }
        Some(Command::Serve {
            http: Some(addr),
            multi_user,
        }) => {
            if multi_user && sandbox.is_none() {
                return report(&[
                    "--multi-user is for the sandbox (--sandbox serve --http ADDR --multi-user);                      against hh.ru, multi-user mode is on when HH_CLIENT_ID is set"
                        .to_string(),
                ]);
            }
            let multi = multi_user || (sandbox.is_none() && env("HH_CLIENT_ID").is_some());
            if !multi {
                let settings = match load(&overrides) {
                    Ok(s) => s,
                    Err(problems) => return report(&problems),
                };
                let policy = if sandbox.is_some() {
                    KeyPolicy::SandboxOpen
                } else {
                    KeyPolicy::Required
                };
                let http = match HttpSettings::load(&env, &addr, policy) {
                    Ok(h) => h,
                    Err(problems) => return report(&problems),
                };
                return serve_http(settings, tools, http).await;
            }
            let settings = match &sandbox {
                Some(_) => load(&overrides),
                None => Settings::load_for_users(&env, &overrides),
            };
            let settings = match settings {
                Ok(s) => s,
                Err(problems) => return report(&problems),
            };
            let http = match HttpSettings::load(&env, &addr, KeyPolicy::SignIn) {
                Ok(h) => h,
                Err(problems) => return report(&problems),
            };
            let side = sandbox
                .as_ref()
                .map(|s| hh_mcp::oauth::settings::SandboxSide {
                    client_id: s.oauth_client_id(),
                    client_secret: s.oauth_client_secret(),
                    authorize_url: s.authorize_url(),
                });
            let listener = match hh_mcp::serve::http::bind(&http).await {
                Ok(l) => l,
                Err(e) => return report(&[e]),
            };
            let bound = match listener.local_addr() {
                Ok(a) => a,
                Err(e) => return report(&[format!("cannot read the bound address: {e}")]),
            };
            let oauth = match hh_mcp::oauth::OAuthSettings::load(&env, bound, side) {
                Ok(Some(o)) => o,
                Ok(None) => return report(&["multi-user mode needs HH_CLIENT_ID".to_string()]),
                Err(problems) => return report(&problems),
            };
            serve_users(listener, settings, tools, http, oauth).await
        }
        Some(Command::Tools { json }) => {
            let (read_only, _) = match Settings::policy(&env, &overrides) {
                Ok(p) => p,
                Err(problems) => return report(&problems),
            };
            print_tools(read_only, tools.as_ref(), json)
        }
        None if std::io::stdin().is_terminal() => {
            eprintln!("{}", connect_help());
            ExitCode::SUCCESS
        }
        None | Some(Command::Serve { http: None, .. }) => {
            let settings = match load(&overrides) {
                Ok(s) => s,
                Err(problems) => return report(&problems),
            };
            serve(settings, tools).await
        }
        Some(Command::Auth { action }) => auth(action, &overrides, &env).await,
        Some(Command::Export {
            vacancy_id,
            concurrency,
        }) => {
            let settings = match load(&overrides) {
                Ok(s) => s,
                Err(problems) => return report(&problems),
            };
            export(settings, &vacancy_id, concurrency.into()).await
        }
        Some(Command::Call { tool, arguments }) => {
            let settings = match load(&overrides) {
                Ok(s) => s,
                Err(problems) => return report(&problems),
            };
            call(settings, &tool, &arguments).await
        }
    }
}

async fn auth(
    action: AuthAction,
    overrides: &Overrides,
    env: &dyn Fn(&str) -> Option<String>,
) -> ExitCode {
    let var = |k: &str| {
        env(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let mut problems = Vec::new();
    let user_agent = overrides
        .user_agent
        .clone()
        .or_else(|| var("HH_USER_AGENT"));
    // `status` reads the token file first; it asks hh.ru (and needs the user agent) only
    // when there is a token to ask about.
    if user_agent.is_none() && !matches!(action, AuthAction::Status) {
        problems.push(format!(
            "HH_USER_AGENT is not set: hh.ru requires it, e.g. `{}`",
            hh_api::USER_AGENT_FORM
        ));
    }
    let store = hh_mcp::config::token_store(env)
        .map_err(|e| problems.push(e))
        .ok();
    let app = match action {
        AuthAction::Login => signin::app_from_env(env)
            .map_err(|p| problems.extend(p))
            .ok(),
        _ => None,
    };
    let (Some(store), true) = (store, problems.is_empty()) else {
        return report(&problems);
    };
    let settings = signin::AuthSettings {
        base_url: overrides
            .base_url
            .clone()
            .or_else(|| var("HH_API_BASE_URL"))
            .unwrap_or_else(|| hh_api::DEFAULT_BASE_URL.to_string()),
        user_agent,
        authorize_url: var("HH_OAUTH_AUTHORIZE_URL")
            .unwrap_or_else(|| hh_api::auth::DEFAULT_AUTHORIZE_URL.to_string()),
        store,
    };
    let result = match (action, app) {
        (AuthAction::Login, Some(app)) => signin::login(&settings, &app).await,
        (AuthAction::Login, None) => Err("the application's settings are missing".to_string()),
        (AuthAction::Status, _) => signin::status(&settings).await,
        (AuthAction::Logout, _) => signin::logout(&settings).await,
    };
    match result {
        Ok(text) => {
            eprintln!("{text}");
            ExitCode::SUCCESS
        }
        Err(text) => {
            eprintln!("hh-mcp auth: {text}");
            ExitCode::FAILURE
        }
    }
}

fn report(problems: &[String]) -> ExitCode {
    eprintln!("hh-mcp cannot start:");
    for p in problems {
        eprintln!("  - {p}");
    }
    ExitCode::from(2)
}

fn session(settings: &Settings) -> Result<Arc<Session>, ExitCode> {
    settings
        .client()
        .map(|c| {
            let mut session = Session::new(c);
            session.mark_automated = settings.mark_automated;
            Arc::new(session)
        })
        .map_err(|e| report(&[e.to_string()]))
}

async fn serve_http(
    settings: Settings,
    tools: Option<BTreeSet<String>>,
    http: HttpSettings,
) -> ExitCode {
    let session = match session(&settings) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let server =
        HhServer::new(session.clone(), settings.read_only, settings.confirm).with_tools(tools);
    let listener = match hh_mcp::serve::http::bind(&http).await {
        Ok(l) => l,
        Err(e) => return report(&[e]),
    };
    match hh_mcp::serve::http::serve(listener, server, Some(session), None, http).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hh-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Multi-user HTTP: each recruiter signs in with their own hh.ru account.
async fn serve_users(
    listener: tokio::net::TcpListener,
    settings: Settings,
    tools: Option<BTreeSet<String>>,
    http: HttpSettings,
    oauth: hh_mcp::oauth::OAuthSettings,
) -> ExitCode {
    // The HTTP client of client metadata documents uses the process's TLS provider.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let recipe = hh_mcp::oauth::ClientRecipe {
        base_url: settings.base_url.clone(),
        user_agent: settings.user_agent.clone(),
        mark_automated: settings.mark_automated,
    };
    let authority = match hh_mcp::oauth::Authority::open(oauth, recipe).await {
        Ok(a) => Arc::new(a),
        Err(e) => return report(&[e]),
    };
    let server = HhServer::per_user(settings.read_only, settings.confirm)
        .with_tools(tools)
        .with_live(authority.live.clone());
    match hh_mcp::serve::http::serve(listener, server, None, Some(authority), http).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hh-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings, tools: Option<BTreeSet<String>>) -> ExitCode {
    let session = match session(&settings) {
        Ok(s) => s,
        Err(code) => return code,
    };
    tracing::info!(base_url = %settings.base_url, read_only = settings.read_only, "serving MCP on stdio");
    match HhServer::new(session, settings.read_only, settings.confirm)
        .with_tools(tools)
        .serve_stdio()
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hh-mcp: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn call(settings: Settings, tool: &str, raw: &str) -> ExitCode {
    let arguments: serde_json::Value = match serde_json::from_str(raw) {
        Ok(v) => v,
        Err(e) => {
            eprintln!(
                "hh-mcp call {tool}: the arguments are not JSON ({e}); give an object like '{{\"vacancy_id\": \"123\"}}'"
            );
            return ExitCode::from(2);
        }
    };
    let session = match session(&settings) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let result = match tools::call(&session, settings.read_only, tool, arguments).await {
        Ok(Reply::Done(v)) => Ok(v),
        Ok(Reply::Plan {
            plan,
            confirmed_by_caller,
        }) => {
            // A terminal has no confirmation form: the person's own `confirm: true` decides.
            match confirm::decide(settings.confirm, false, confirmed_by_caller) {
                Decision::Execute => plan.execute(&session).await.and_then(|o| {
                    serde_json::to_value(o).map_err(|e| hh_mcp::failure::ToolFailure(e.to_string()))
                }),
                Decision::Preview | Decision::Ask => {
                    serde_json::to_value(plan.into_preview(PREVIEW_NOTE.to_string()))
                        .map_err(|e| hh_mcp::failure::ToolFailure(e.to_string()))
                }
            }
        }
        Err(f) => Err(f),
    };
    match result {
        Ok(v) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
            );
            ExitCode::SUCCESS
        }
        Err(f) => {
            eprintln!("hh-mcp call {tool}: {f}");
            ExitCode::FAILURE
        }
    }
}

async fn export(settings: Settings, raw_id: &str, concurrency: usize) -> ExitCode {
    let vacancy_id: Id = match serde_json::from_value(serde_json::Value::from(raw_id)) {
        Ok(id) => id,
        Err(e) => {
            eprintln!("hh-mcp export: the vacancy id: {e}");
            return ExitCode::from(2);
        }
    };
    let session = match session(&settings) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let all = match export::fetch(&session, vacancy_id.as_str(), concurrency).await {
        Ok(all) => all,
        Err(f) => {
            eprintln!("hh-mcp export: {f}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match export::write_lines(&all, &mut out) {
        Ok(()) => {
            eprintln!("{}", export::summary(&all));
            ExitCode::SUCCESS
        }
        // The reader had enough (`| head`): not an error.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("hh-mcp export: could not write the export: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_tools(read_only: bool, only: Option<&BTreeSet<String>>, json: bool) -> ExitCode {
    let mut tools = tools::tools(read_only);
    tools.retain(|t| only.is_none_or(|o| o.contains(t.name.as_ref())));
    if json {
        match serde_json::to_string_pretty(&tools) {
            Ok(s) => println!("{s}"),
            Err(e) => {
                eprintln!("hh-mcp tools: {e}");
                return ExitCode::FAILURE;
            }
        }
        return ExitCode::SUCCESS;
    }
    for t in &tools {
        let acting = t
            .annotations
            .as_ref()
            .and_then(|a| a.destructive_hint)
            .unwrap_or(false);
        println!(
            "{}{}",
            t.name,
            if acting {
                "  (reaches a person; confirmed first)"
            } else {
                ""
            }
        );
        if let Some(d) = &t.description {
            println!("    {d}");
        }
    }
    ExitCode::SUCCESS
}

fn connect_help() -> String {
    let exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| "hh-mcp".into());
    format!(
        "hh-mcp is an MCP server: an AI assistant starts it and talks to it over stdin/stdout.\n\
         Add it to your assistant's MCP configuration, for example:\n\n\
         {{\"mcpServers\": {{\"hh\": {{\"command\": \"{exe}\",\n\
         \x20 \"env\": {{\"HH_ACCESS_TOKEN\": \"…\", \"HH_USER_AGENT\": \"MyCompanyHiring/1.0 (hr@example.com)\"}}}}}}}}\n\n\
         To use it yourself: `hh-mcp tools` lists the tools, `hh-mcp call list_vacancies '{{}}'` runs one,\n\
         `hh-mcp export VACANCY_ID` writes every negotiation of a vacancy as JSON lines.\n\
         `hh-mcp serve` serves on stdio even from a terminal."
    )
}
