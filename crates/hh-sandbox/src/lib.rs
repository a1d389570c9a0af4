//! A stateful, in-process imitation of the employer side of the hh.ru API
//! (`spec/hh-employer.yaml`), served over real HTTP on loopback, so that nobody needs an
//! hh.ru account to try or test a client.
//!
//! It keeps hh's model and rules: collections and actions are followed by the `url`s it
//! returns (pointing back at the sandbox), actions move negotiations between employer
//! states, one negotiation per vacancy + resume, messages only after an invitation,
//! paging with `per_page` at most 50, tokens that expire and refresh once, and hh's
//! error bodies with a `request_id`. Data are seeded and realistic (Russian names,
//! vacancies, resumes and letters), the same for the same seed. Faults can be injected.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use hh_sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! println!("{} with token {}", sandbox.base_url(), sandbox.access_token());
//! // ... point a client at sandbox.base_url() ...
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```

pub mod chat;
pub mod errors;
pub mod faults;
pub mod files;
pub mod http;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod routes;
pub mod seed;
pub mod state;
pub mod tokens;
#[cfg(feature = "validate")]
pub mod validate;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use chat::{Chat, WriteBlock};
pub use faults::{Faults, LostAnswer};
pub use files::FileHostRequest;
pub use state::Exchange;

use state::{AppState, Origins, Shared};

/// How the sandbox is seeded and how it misbehaves.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Everything generated (ids, names, negotiations, tokens, fault draws) follows from it.
    pub seed: u64,
    pub faults: Faults,
    /// Give the first active vacancy exactly this many negotiations (for load tests).
    pub big_vacancy_negotiations: Option<usize>,
    /// How long an access token lives (hh: 14 days).
    pub token_ttl: Duration,
    /// Keep every request and answer for [`Sandbox::recorded`].
    pub record: bool,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            faults: Faults::default(),
            big_vacancy_negotiations: None,
            token_ttl: Duration::from_secs(14 * 24 * 3600),
            record: false,
        }
    }
}

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] also waits.
pub struct Sandbox {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    file_host: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

/// Serves `app` on `listener` until `stopped` fires.
fn serve(
    listener: TcpListener,
    app: axum::Router,
    stopped: oneshot::Receiver<()>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "a sandbox listener stopped");
        }
    })
}

impl Sandbox {
    /// Starts on a free port of 127.0.0.1.
    pub async fn start(config: SandboxConfig) -> std::io::Result<Sandbox> {
        Sandbox::start_on(SocketAddr::from(([127, 0, 0, 1], 0)), config).await
    }

    /// Starts on `addr` (port 0 picks a free one).
    pub async fn start_on(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        // hh's file host is another origin: the same loopback address, its own port.
        let files_listener = TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
        let file_host_url = format!("http://{}", files_listener.local_addr()?);
        let world = seed::world(config.seed, config.big_vacancy_negotiations);
        // Separate streams, so that turning faults on does not change the tokens.
        let tokens = tokens::Tokens::new(
            StdRng::seed_from_u64(config.seed ^ 0x746f_6b65_6e73),
            config.token_ttl,
        );
        let fault_rng = StdRng::seed_from_u64(config.seed ^ 0x6661_756c_7473);
        let state: AppState = Arc::new(Shared::new(
            Origins {
                api: base_url,
                files: file_host_url,
            },
            config.seed,
            world,
            tokens,
            config.faults,
            fault_rng,
            config.record,
        ));
        let (stop, stopped) = oneshot::channel::<()>();
        let task = serve(listener, routes::app(state.clone()), stopped);
        let (stop_files, files_stopped) = oneshot::channel::<()>();
        let files_task = serve(files_listener, files::app(state.clone()), files_stopped);
        tracing::info!(%addr, "hh sandbox listening");
        Ok(Sandbox {
            addr,
            state,
            stop: Some(stop),
            task: Some(task),
            file_host: Some((stop_files, files_task)),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The employer manager's current access token (the latest issued).
    pub fn access_token(&self) -> String {
        self.state.tokens().current().access_token.clone()
    }

    /// The refresh token that goes with [`Sandbox::access_token`].
    pub fn refresh_token(&self) -> String {
        self.state.tokens().current().refresh_token.clone()
    }

    /// A new single-use authorization code for `grant_type=authorization_code`.
    pub fn authorization_code(&self) -> String {
        self.state.tokens().new_code()
    }

    pub fn employer_id(&self) -> String {
        self.state.world().employer.id.clone()
    }

    /// The manager id of the token's user.
    pub fn manager_id(&self) -> String {
        self.state.world().me().id.clone()
    }

    /// The employer's managers, the token's first: colleagues can be added to chats.
    pub fn manager_ids(&self) -> Vec<String> {
        self.state
            .world()
            .managers
            .iter()
            .map(|m| m.id.clone())
            .collect()
    }

    /// A seeded resume as the sandbox holds it (title, owner, negotiations' source).
    pub fn resume(&self, id: &str) -> Option<model::Resume> {
        self.state.world().resume(id).cloned()
    }

    /// The negotiations of a resume with this employer: (negotiation id, vacancy id, employer state id).
    pub fn negotiations_of(&self, resume_id: &str) -> Vec<(String, String, &'static str)> {
        self.state
            .world()
            .negotiations
            .iter()
            .filter(|n| n.resume_id == resume_id)
            .map(|n| (n.id.clone(), n.vacancy_id.clone(), n.employer_state.id()))
            .collect()
    }

    /// The active vacancies, the big one (if configured) first.
    pub fn vacancy_ids(&self) -> Vec<String> {
        self.state
            .world()
            .vacancies
            .iter()
            .map(|v| v.id.clone())
            .collect()
    }

    /// The vacancy holding `big_vacancy_negotiations`, if configured.
    pub fn big_vacancy_id(&self) -> Option<String> {
        self.state.world().big_vacancy.clone()
    }

    /// Every resume id the sandbox knows.
    pub fn resume_ids(&self) -> Vec<String> {
        self.state
            .world()
            .resumes
            .iter()
            .map(|r| r.id.clone())
            .collect()
    }

    /// A resume with no negotiation on this vacancy yet: it can be invited.
    pub fn invitable_resume(&self, vacancy_id: &str) -> Option<String> {
        let world = self.state.world();
        world
            .resumes
            .iter()
            .rev()
            .find(|r| world.negotiation_for(vacancy_id, &r.id).is_none())
            .map(|r| r.id.clone())
    }

    /// hh's file host for chat uploads: `http://127.0.0.1:PORT`, another port than
    /// [`Sandbox::base_url`].
    pub fn file_host_url(&self) -> String {
        self.state.file_host_url.clone()
    }

    /// Every request the file host received, in order, with its `Authorization` header.
    pub fn file_host_requests(&self) -> Vec<FileHostRequest> {
        self.state.file_requests()
    }

    /// Makes every upload link handed out so far expired (the file host then answers
    /// 400 `bad_argument`/`state`).
    pub fn expire_upload_links(&self) {
        let mut world = self.state.world_mut();
        let past = model::now() - chrono::Duration::seconds(1);
        for link in world.files.links.values_mut() {
            link.expires_at = past;
        }
    }

    /// The chat of a negotiation, as chat paths name it.
    pub fn chat_id_of(&self, negotiation_id: &str) -> Option<String> {
        let world = self.state.world();
        world
            .negotiation(negotiation_id)
            .map(|n| n.chat_id.to_string())
    }

    /// Every chat id, in seeding order.
    pub fn chat_ids(&self) -> Vec<String> {
        self.state
            .world()
            .chats
            .iter()
            .map(|c| c.id.to_string())
            .collect()
    }

    /// A chat the employer can write to, with some conversation already.
    pub fn writable_chat(&self) -> Option<String> {
        let world = self.state.world();
        world
            .chats
            .iter()
            .find(|c| c.writable() && c.has_text_message())
            .map(|c| c.id.to_string())
    }

    /// A chat the employer cannot write to (archived: the employer discarded the applicant).
    pub fn unwritable_chat(&self) -> Option<String> {
        let world = self.state.world();
        world
            .chats
            .iter()
            .find(|c| !c.writable())
            .map(|c| c.id.to_string())
    }

    /// What a chat holds now: its messages, participants, read marks and write state.
    pub fn chat(&self, chat_id: &str) -> Option<Chat> {
        self.state.world().chat_by_path(chat_id).cloned()
    }

    /// The applicant writes `text` into the chat. Returns the new message's id; `None`
    /// when the chat is unknown or the employer stopped the applicant from writing.
    pub fn applicant_writes(&self, chat_id: &str, text: &str) -> Option<String> {
        let mut world = self.state.world_mut();
        let chat = world.chat_by_path(chat_id)?;
        if !chat.applicant_can_write {
            return None;
        }
        let (id, nid) = (chat.id, chat.negotiation_id.clone());
        let message_id = world.new_message_id();
        let at = model::now();
        let message = chat::Message::text(
            message_id.clone(),
            chat::Author::Applicant,
            at,
            text.to_string(),
            ("text", "Текст"),
        );
        world.chat_mut(id)?.push(message);
        if let Some(n) = world.negotiation_mut(&nid) {
            n.has_updates = true;
            n.updated_at = at;
        }
        Some(message_id)
    }

    /// A writable chat that now holds exactly `n` messages, or more if it had more:
    /// the one with the fewest messages, topped up with a conversation in which the
    /// applicant and the employer take turns. Everything in it counts as read by both.
    pub fn chat_with_messages(&self, n: usize) -> Option<String> {
        let mut world = self.state.world_mut();
        let id = world
            .chats
            .iter()
            .filter(|c| c.writable())
            .min_by_key(|c| (c.messages.len(), c.id))?
            .id;
        let have = world.chat(id)?.messages.len();
        let start = model::now() - chrono::Duration::minutes(n as i64);
        for i in have..n {
            let message_id = world.new_message_id();
            let author = if i % 2 == 0 {
                chat::Author::Applicant
            } else {
                chat::Author::Manager(chat::ME)
            };
            let at = start + chrono::Duration::minutes(i as i64);
            let text = format!("Сообщение {} из {n}", i + 1);
            let message = chat::Message::text(message_id, author, at, text, ("text", "Текст"));
            world.chat_mut(id)?.push(message);
        }
        let chat = world.chat_mut(id)?;
        chat.mark_all_viewed();
        chat.applicant_viewed = chat.messages.last().map(|m| m.id.clone());
        Some(id.to_string())
    }

    /// Makes a chat unwritable for the employer, with hh's reason, or writable again
    /// with `None`. False when the chat is unknown.
    pub fn set_chat_write_block(&self, chat_id: &str, block: Option<WriteBlock>) -> bool {
        let mut world = self.state.world_mut();
        let Ok(id) = chat_id.parse() else {
            return false;
        };
        match world.chat_mut(id) {
            Some(chat) => {
                chat.write_block = block;
                true
            }
            None => false,
        }
    }

    /// Changes the injected faults from the next request on.
    pub fn set_faults(&self, faults: Faults) {
        self.state.set_faults(faults);
    }

    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// Requests served so far (every one, refused or not).
    pub fn request_count(&self) -> u64 {
        self.state.requests.load(Ordering::Relaxed)
    }

    /// The most requests the sandbox was serving at once (from arrival, through any
    /// injected latency, to the answer) since start or [`Sandbox::reset_peak_in_flight`].
    pub fn peak_in_flight(&self) -> usize {
        self.state.peak_in_flight()
    }

    /// Starts a new peak from the requests being served now.
    pub fn reset_peak_in_flight(&self) {
        self.state.reset_peak_in_flight();
    }

    /// Makes the current access token answer `token_expired` (its refresh token then works).
    pub fn expire_access_token(&self) {
        self.state.tokens().expire_current();
    }

    /// The exchanges recorded so far (with `SandboxConfig::record`).
    pub fn recorded(&self) -> Vec<Exchange> {
        self.state.recorded()
    }

    pub fn clear_recorded(&self) {
        self.state.clear_recorded();
    }

    /// Stops the server and waits for it.
    pub async fn shutdown(mut self) {
        if let Some((stop, task)) = self.file_host.take() {
            let _ = stop.send(());
            task.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // Open keep-alive connections can hold a graceful stop; do not wait forever.
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(2), task)
                .await
                .is_err()
            {
                abort.abort();
            }
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some((stop, task)) = self.file_host.take() {
            let _ = stop.send(());
            task.abort();
        }
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
