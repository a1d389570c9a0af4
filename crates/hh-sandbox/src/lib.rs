//! A stateful, in-process imitation of the employer side of the hh.ru API (the part of
//! `spec/hh-derived.yaml` an employer's hiring workflow uses), served over real HTTP on
//! loopback, so that nobody needs an hh.ru account to try or test a client.
//!
//! It keeps hh's model and rules: collections and actions are followed by the `url`s it
//! returns (pointing back at the sandbox), actions move negotiations between employer
//! states, one negotiation per vacancy + resume, messages only after an invitation,
//! paging with `per_page` at most 50, tokens that expire and refresh once, and hh's
//! error bodies with a `request_id`. Several users of several employers sign in
//! (hh's `/oauth/authorize` page is imitated too), each seeing only their employer's
//! data. Data are seeded and realistic (Russian names, vacancies, resumes and letters),
//! the same for the same seed. Faults can be injected.
//!
//! It sends hh's webhooks as well ([`webhooks`]): a user subscribes at
//! `/webhook/subscriptions`, and responses ([`Sandbox::applicant_responds`]), invitations,
//! moves and chat messages are POSTed to their URL by a background task, with hh's retries
//! and, on request, its duplicates, delays and disorder. Tests read
//! [`Sandbox::webhook_deliveries`] after [`Sandbox::flush_webhooks`].
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

pub mod account;
pub mod authorize;
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
pub mod users;
#[cfg(feature = "validate")]
pub mod validate;
pub mod webhooks;

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
pub use users::{SandboxAccount, SandboxUser, UnknownUser};
pub use webhooks::{
    ActionType, WebhookAction, WebhookConfig, WebhookDelivery, WebhookFaults, WebhookSubscription,
};

use authorize::SignIn;
use state::{AppState, Origins, Shared};
use tokens::OAuthApp;
use webhooks::events::Change;

/// How the sandbox is seeded, signs users in, and misbehaves.
#[derive(Clone)]
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
    /// The application registered with the sandbox's hh.ru: `/oauth/authorize` takes
    /// only its `client_id`, and `POST /token` its id and secret.
    pub oauth_client_id: String,
    pub oauth_client_secret: String,
    /// The application's registered redirect URI; `None` takes any absolute http(s)
    /// URI. With one, a redirect must match it by hh's rules (a subdomain, a deeper path,
    /// more query parameters).
    pub oauth_redirect_uri: Option<String>,
    /// Every authorization request is approved as this user (a login), with no page.
    pub auto_approve: Option<String>,
    /// How long an authorization code lives (hh: "rather short").
    pub authorization_code_ttl: Duration,
    /// Which webhook URLs are accepted, and how events are delivered (and lost).
    pub webhooks: WebhookConfig,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            seed: 42,
            faults: Faults::default(),
            big_vacancy_negotiations: None,
            token_ttl: Duration::from_secs(14 * 24 * 3600),
            record: false,
            oauth_client_id: DEFAULT_CLIENT_ID.to_string(),
            oauth_client_secret: DEFAULT_CLIENT_SECRET.to_string(),
            oauth_redirect_uri: None,
            auto_approve: None,
            authorization_code_ttl: Duration::from_secs(10 * 60),
            webhooks: WebhookConfig::default(),
        }
    }
}

/// The sandbox application's credentials unless configured otherwise.
pub const DEFAULT_CLIENT_ID: &str = "HHSANDBOXCLIENTID0000001";
pub const DEFAULT_CLIENT_SECRET: &str = "HHSANDBOXCLIENTSECRET001";

impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("seed", &self.seed)
            .field("faults", &self.faults)
            .field("big_vacancy_negotiations", &self.big_vacancy_negotiations)
            .field("token_ttl", &self.token_ttl)
            .field("record", &self.record)
            .field("oauth_client_id", &self.oauth_client_id)
            .field("oauth_client_secret", &"***")
            .field("oauth_redirect_uri", &self.oauth_redirect_uri)
            .field("auto_approve", &self.auto_approve)
            .field("authorization_code_ttl", &self.authorization_code_ttl)
            .field("webhooks", &self.webhooks)
            .finish()
    }
}

fn invalid(what: String) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, what)
}

/// The user the single-user hooks (`access_token`, `employer_id`, ...) are about.
const DEFAULT_USER: usize = 0;

/// A running sandbox. Dropping it stops the server; [`Sandbox::shutdown`] also waits.
pub struct Sandbox {
    addr: SocketAddr,
    state: AppState,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
    file_host: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
    /// The task that delivers webhook events.
    webhook_task: Option<JoinHandle<()>>,
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

    /// Starts on `addr` (port 0 picks a free one). A configuration that names an
    /// unknown `auto_approve` user or a redirect URI that is not a URL is refused.
    pub async fn start_on(addr: SocketAddr, config: SandboxConfig) -> std::io::Result<Sandbox> {
        let world = seed::world(config.seed, config.big_vacancy_negotiations);
        if let Some(login) = &config.auto_approve {
            users::find(&world, login)
                .map_err(|e| invalid(format!("SandboxConfig::auto_approve: {e}")))?;
        }
        if let Some(uri) = &config.oauth_redirect_uri {
            url::Url::parse(uri).map_err(|e| {
                invalid(format!(
                    "SandboxConfig::oauth_redirect_uri: `{uri}` is not an absolute URL: {e}"
                ))
            })?;
        }
        for (name, value) in [
            ("oauth_client_id", &config.oauth_client_id),
            ("oauth_client_secret", &config.oauth_client_secret),
        ] {
            if value.is_empty() {
                return Err(invalid(format!("SandboxConfig::{name} is empty")));
            }
        }
        let hub = webhooks::Hub::new(config.seed, config.webhooks)
            .map(Arc::new)
            .map_err(|e| invalid(format!("SandboxConfig::{e}")))?;
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let base_url = format!("http://{addr}");
        // hh's file host is another origin: the same loopback address, its own port.
        let files_listener = TcpListener::bind(SocketAddr::new(addr.ip(), 0)).await?;
        let file_host_url = format!("http://{}", files_listener.local_addr()?);
        // Separate streams, so that turning faults on does not change the tokens.
        let tokens = tokens::Tokens::new(
            StdRng::seed_from_u64(config.seed ^ 0x746f_6b65_6e73),
            config.token_ttl,
            config.authorization_code_ttl,
            world.users.len(),
        );
        let sign_in = SignIn {
            app: OAuthApp {
                client_id: config.oauth_client_id,
                client_secret: config.oauth_client_secret,
                redirect_uri: config.oauth_redirect_uri,
            },
            auto_approve: config.auto_approve,
        };
        let state: AppState = Arc::new(Shared::new(
            Origins {
                api: base_url,
                files: file_host_url,
            },
            config.seed,
            world,
            tokens,
            sign_in,
            config.faults,
            config.record,
            hub.clone(),
        ));
        let webhook_task = tokio::spawn(hub.run());
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
            webhook_task: Some(webhook_task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.state.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The default user's current access token (the latest issued): the first manager
    /// of the first employer, whom every single-user hook below is about.
    pub fn access_token(&self) -> String {
        self.pair_of(DEFAULT_USER).0
    }

    /// The refresh token that goes with [`Sandbox::access_token`].
    pub fn refresh_token(&self) -> String {
        self.pair_of(DEFAULT_USER).1
    }

    /// A new single-use authorization code for the default user, for
    /// `grant_type=authorization_code`. No authorize step bound it, so it goes with any
    /// application's credentials (the configured app's must be right, though) and any
    /// redirect URI; codes from [`Sandbox::authorize_url`] are bound and checked.
    pub fn authorization_code(&self) -> String {
        self.state.tokens().new_code(DEFAULT_USER, None)
    }

    /// The default user's employer.
    pub fn employer_id(&self) -> String {
        self.state.world().employers[0].id.clone()
    }

    /// The manager id of the default user.
    pub fn manager_id(&self) -> String {
        self.state.world().managers[0].id.clone()
    }

    /// The default user's resume views left today (outside negotiations).
    pub fn resume_views_left(&self) -> u32 {
        self.state.world().managers[0].resume_views_left()
    }

    /// Sets the default user's resume views left today: 0 makes hh refuse the next view.
    pub fn set_resume_views_left(&self, left: u32) {
        let mut world = self.state.world_mut();
        let manager = &mut world.managers[0];
        manager.resume_views_spent = manager.resume_view_limit.saturating_sub(left);
    }

    /// The default user's saved resume searches: (id, how many new resumes).
    pub fn saved_searches(&self) -> Vec<(String, usize)> {
        let world = self.state.world();
        world
            .saved_searches
            .iter()
            .filter(|s| s.manager == 0)
            .map(|s| {
                let new = routes::resumes::saved_search_results(&world, s, true).len();
                (s.id.clone(), new)
            })
            .collect()
    }

    /// The default user's employer's managers, the default user's first: colleagues can
    /// be added to chats.
    pub fn manager_ids(&self) -> Vec<String> {
        self.state
            .world()
            .managers
            .iter()
            .filter(|m| m.employer == 0)
            .map(|m| m.id.clone())
            .collect()
    }

    /// A seeded resume as the sandbox holds it (title, owner, negotiations' source).
    pub fn resume(&self, id: &str) -> Option<model::Resume> {
        self.state.world().resume(id).cloned()
    }

    /// The negotiations of a resume with the default user's employer: (negotiation id,
    /// vacancy id, employer state id).
    pub fn negotiations_of(&self, resume_id: &str) -> Vec<(String, String, &'static str)> {
        let world = self.state.world();
        self.default_account(&world)
            .negotiations(&world)
            .filter(|n| n.resume_id == resume_id)
            .map(|n| (n.id.clone(), n.vacancy_id.clone(), n.employer_state.id()))
            .collect()
    }

    /// The default user's employer's active vacancies, the big one (if configured) first.
    pub fn vacancy_ids(&self) -> Vec<String> {
        let world = self.state.world();
        self.default_account(&world)
            .vacancies(&world)
            .map(|v| v.id.clone())
            .collect()
    }

    /// The vacancy holding `big_vacancy_negotiations`, if configured.
    pub fn big_vacancy_id(&self) -> Option<String> {
        self.state.world().big_vacancy.clone()
    }

    /// Every resume id the sandbox knows (hh's resume database, shared by all employers).
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

    /// The chat of a negotiation (of any employer), as chat paths name it.
    pub fn chat_id_of(&self, negotiation_id: &str) -> Option<String> {
        let world = self.state.world();
        world
            .negotiation(negotiation_id)
            .map(|n| n.chat_id.to_string())
    }

    /// The default user's employer's chat ids, in seeding order.
    pub fn chat_ids(&self) -> Vec<String> {
        let world = self.state.world();
        self.default_account(&world)
            .chats(&world)
            .map(|c| c.id.to_string())
            .collect()
    }

    /// A chat of the default user's employer they can write to, with some conversation
    /// already.
    pub fn writable_chat(&self) -> Option<String> {
        let world = self.state.world();
        self.default_account(&world)
            .chats(&world)
            .find(|c| c.writable() && c.has_text_message())
            .map(|c| c.id.to_string())
    }

    /// A chat of the default user's employer they cannot write to (archived: the
    /// employer discarded the applicant).
    pub fn unwritable_chat(&self) -> Option<String> {
        let world = self.state.world();
        self.default_account(&world)
            .chats(&world)
            .find(|c| !c.writable())
            .map(|c| c.id.to_string())
    }

    /// What a chat (of any employer) holds now: its messages, participants, read marks
    /// and write state.
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
        self.state.webhooks.publish(
            &world,
            Change::ChatMessage {
                chat_id: id,
                message_id: &message_id,
            },
        );
        Some(message_id)
    }

    /// An applicant responds to the vacancy (of any employer) with the first seeded
    /// resume that has no negotiation on it yet: a new negotiation in `response`, with
    /// a cover letter in its chat, news for the employer, and the webhook events a
    /// response makes. Returns the negotiation's id; `None` when the vacancy is unknown
    /// or every resume is on it already.
    pub fn applicant_responds(&self, vacancy_id: &str) -> Option<String> {
        let mut world = self.state.world_mut();
        let employer = world.vacancy(vacancy_id)?.employer;
        let resume_id = world
            .resumes
            .iter()
            .find(|r| world.negotiation_for(vacancy_id, &r.id).is_none())?
            .id
            .clone();
        let lead = world.lead_manager(employer)?;
        let at = model::now();
        let id = world.new_negotiation_id();
        let chat_id = world.new_chat_id();
        let message_id = world.new_message_id();
        let letters = seed::words::COVER_LETTERS;
        let letter = letters[world.negotiations.len() % letters.len()].to_string();
        world.add_negotiation(model::Negotiation {
            id: id.clone(),
            vacancy_id: vacancy_id.to_string(),
            resume_id,
            initiator: model::Initiator::Applicant,
            employer_state: pipeline::EmployerState::Response,
            applicant_state: pipeline::ApplicantState::Response,
            invited: false,
            pending_applicant_state: None,
            created_at: at,
            updated_at: at,
            has_updates: true,
            viewed_by_opponent: false,
            relevance: 500,
            chat_id,
        });
        let mut chat = chat::Chat::new(chat_id, id.clone(), at, &[lead]);
        chat.push(chat::Message::text(
            message_id.clone(),
            chat::Author::Applicant,
            at,
            letter,
            ("response", "Отклик"),
        ));
        world.add_chat(chat);
        tracing::info!(negotiation = %id, vacancy = %vacancy_id, "an applicant responded");
        let hub = &self.state.webhooks;
        hub.publish(
            &world,
            Change::NewNegotiation {
                negotiation_id: &id,
            },
        );
        hub.publish(
            &world,
            Change::ChatMessage {
                chat_id,
                message_id: &message_id,
            },
        );
        Some(id)
    }

    /// Every attempt to deliver a webhook event so far, in the order they were made.
    pub fn webhook_deliveries(&self) -> Vec<WebhookDelivery> {
        self.state.webhooks.deliveries()
    }

    /// The user's webhook subscription, if they have one.
    pub fn webhook_subscription_of(
        &self,
        login: &str,
    ) -> Result<Option<WebhookSubscription>, UnknownUser> {
        let user = self.user_index(login)?;
        Ok(self.state.webhooks.subscription_of(user))
    }

    /// Waits until every webhook event made so far has been delivered, given up or
    /// dropped (retries and duplicates included), so tests need no sleeps. A held
    /// out-of-order event is let go at once.
    pub async fn flush_webhooks(&self) {
        self.state.webhooks.flush().await;
    }

    /// A writable chat of the default user's employer that now holds exactly `n`
    /// messages, or more if it had more: the one with the fewest messages, topped up
    /// with a conversation in which the applicant and the default user take turns.
    /// Everything in it counts as read by both.
    pub fn chat_with_messages(&self, n: usize) -> Option<String> {
        let mut world = self.state.world_mut();
        let me = self.default_account(&world);
        let id = me
            .chats(&world)
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
                chat::Author::Manager(me.manager)
            };
            let at = start + chrono::Duration::minutes(i as i64);
            let text = format!("Сообщение {} из {n}", i + 1);
            let message = chat::Message::text(message_id, author, at, text, ("text", "Текст"));
            world.chat_mut(id)?.push(message);
        }
        let chat = world.chat_mut(id)?;
        chat.mark_all_viewed(me.manager);
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

    /// Every user who can sign in, the default one first: their login, name, ids, work
    /// accounts and vacancies.
    pub fn users(&self) -> Vec<SandboxUser> {
        users::all(&self.state.world())
    }

    /// The user who signs in as `login`.
    pub fn user(&self, login: &str) -> Result<SandboxUser, UnknownUser> {
        let world = self.state.world();
        let i = users::find(&world, login)?;
        Ok(users::all(&world).swap_remove(i))
    }

    /// The user's current (access, refresh) tokens: the latest pair issued to them.
    pub fn tokens_of(&self, login: &str) -> Result<(String, String), UnknownUser> {
        let user = self.user_index(login)?;
        Ok(self.pair_of(user))
    }

    /// Makes the user's current access token answer `token_expired` (its refresh token
    /// then works once).
    pub fn expire_access_token_of(&self, login: &str) -> Result<(), UnknownUser> {
        let user = self.user_index(login)?;
        self.state.tokens().expire_current(user);
        Ok(())
    }

    /// Makes the user's latest refresh token refused from now on (`invalid_grant`), as hh
    /// refuses one it no longer honours; the access token is left as it is.
    pub fn spend_refresh_token_of(&self, login: &str) -> Result<(), UnknownUser> {
        let user = self.user_index(login)?;
        self.state.tokens().spend_current_refresh(user);
        Ok(())
    }

    /// How many refresh grants (`POST /token`, `grant_type=refresh_token`) reached the
    /// sandbox with one of the user's refresh tokens, granted or refused.
    pub fn refresh_grants(&self, login: &str) -> Result<u64, UnknownUser> {
        let user = self.user_index(login)?;
        Ok(self.state.tokens().refresh_grants(user))
    }

    /// A new single-use authorization code for the user, bound to no application (see
    /// [`Sandbox::authorization_code`]).
    pub fn authorization_code_of(&self, login: &str) -> Result<String, UnknownUser> {
        let user = self.user_index(login)?;
        Ok(self.state.tokens().new_code(user, None))
    }

    /// Makes every authorization code handed out so far expired (`POST /token` then
    /// answers `invalid_grant`/`code expired`).
    pub fn expire_authorization_codes(&self) {
        self.state.tokens().expire_codes();
    }

    /// hh.ru's authorization page on the sandbox: `{base_url}/oauth/authorize`, where
    /// an application sends a person with `response_type=code&client_id=…&state=…&
    /// redirect_uri=…` (and `login_as=<login>` to approve without the page).
    pub fn authorize_url(&self) -> String {
        self.state.url(authorize::PATH)
    }

    /// The configured application's `client_id`.
    pub fn oauth_client_id(&self) -> String {
        self.state.sign_in.app.client_id.clone()
    }

    /// The configured application's `client_secret`.
    pub fn oauth_client_secret(&self) -> String {
        self.state.sign_in.app.client_secret.clone()
    }

    fn user_index(&self, login: &str) -> Result<usize, UnknownUser> {
        users::find(&self.state.world(), login)
    }

    /// A user's latest pair; the world's lock is not held while the tokens' is taken.
    fn pair_of(&self, user: usize) -> (String, String) {
        let tokens = self.state.tokens();
        tokens
            .current(user)
            .map(|i| (i.access_token.clone(), i.refresh_token.clone()))
            .unwrap_or_default()
    }

    /// The default user's primary account.
    fn default_account(&self, world: &model::World) -> account::Account {
        account::Account {
            user: DEFAULT_USER,
            manager: world.users[DEFAULT_USER].accounts[0],
            employer: 0,
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

    /// Makes the default user's current access token answer `token_expired` (its
    /// refresh token then works).
    pub fn expire_access_token(&self) {
        self.state.tokens().expire_current(DEFAULT_USER);
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
        if let Some(task) = self.webhook_task.take() {
            task.abort();
        }
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
        if let Some(task) = self.webhook_task.take() {
            task.abort();
        }
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
