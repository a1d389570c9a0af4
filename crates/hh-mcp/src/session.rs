//! The employer account the server acts for: the hh client and what is learned once
//! (the employer id, from `/me`).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hh_api::{Client, types};
use tokio::sync::OnceCell;

use crate::failure::ToolFailure;

/// How many page requests `all_pages` keeps in flight.
pub const DEFAULT_PAGE_CONCURRENCY: usize = 4;

/// How long the collection urls of a vacancy are reused before asking hh again.
const COLLECTIONS_TTL: Duration = Duration::from_secs(300);

pub struct Session {
    pub hh: Client,
    employer_id: OnceCell<String>,
    manager_id: OnceCell<String>,
    pub page_concurrency: usize,
    /// Per vacancy: when hh listed its collections, and each collection's url. Paging
    /// through a collection then costs one request a page, not two.
    collection_urls: Mutex<HashMap<String, CollectionUrls>>,
    /// Chat id → the negotiation it belongs to, from the negotiations seen: hh's chat
    /// list has no link back.
    chat_links: Mutex<HashMap<String, ChatLink>>,
    /// Messages the agent writes go out marked `is_automated` (HH_MCP_AUTOMATED_MESSAGES).
    pub mark_automated: bool,
    /// Multi-user mode: where the account's live updates are (`whats_new`).
    pub feed: Option<Feed>,
}

/// One account's live updates in the store.
#[derive(Clone)]
pub struct Feed {
    pub store: hh_store::Store,
    pub account_id: String,
}

/// What a chat belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChatLink {
    pub negotiation_id: String,
    pub vacancy_id: Option<String>,
}

/// The chat index forgets everything past this many chats rather than grow unbounded.
const MAX_CHAT_LINKS: usize = 50_000;

/// The urls of one vacancy's collections, by collection id, and when hh gave them.
struct CollectionUrls {
    learned: Instant,
    by_id: HashMap<String, String>,
}

impl Session {
    pub fn new(hh: Client) -> Self {
        Session {
            hh,
            employer_id: OnceCell::new(),
            manager_id: OnceCell::new(),
            page_concurrency: DEFAULT_PAGE_CONCURRENCY,
            collection_urls: Mutex::new(HashMap::new()),
            chat_links: Mutex::new(HashMap::new()),
            mark_automated: true,
            feed: None,
        }
    }

    /// Notes which negotiation (and vacancy) a chat belongs to. `vacancy_id` is what the
    /// caller knows when the negotiation does not say (collection lists leave it out).
    pub fn remember_chat(
        &self,
        negotiation_id: &str,
        chat_id: Option<f64>,
        vacancy_id: Option<&str>,
    ) {
        let Some(chat_id) = chat_id.and_then(crate::view::chat_id) else {
            return;
        };
        let mut links = self.chat_links.lock().unwrap_or_else(|p| p.into_inner());
        if links.len() >= MAX_CHAT_LINKS {
            links.clear();
        }
        links.insert(
            chat_id,
            ChatLink {
                negotiation_id: negotiation_id.to_string(),
                vacancy_id: vacancy_id.map(str::to_string),
            },
        );
    }

    /// The negotiation a chat belongs to, when one was seen.
    pub fn chat_link(&self, chat_id: &str) -> Option<ChatLink> {
        let links = self.chat_links.lock().unwrap_or_else(|p| p.into_inner());
        links.get(chat_id).cloned()
    }

    /// Keeps the urls hh gave for a vacancy's collections (and sub-collections).
    pub fn remember_collections(&self, vacancy_id: &str, c: &types::Collections) {
        let mut urls = HashMap::new();
        for collection in c.collections.iter().chain(c.generated_collections.iter()) {
            urls.insert(collection.id.clone(), collection.url.clone());
            for sub in &collection.sub_collections {
                urls.insert(sub.id.clone(), sub.url.clone());
            }
        }
        let mut cache = self
            .collection_urls
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        cache.retain(|_, c| c.learned.elapsed() < COLLECTIONS_TTL);
        cache.insert(
            vacancy_id.to_string(),
            CollectionUrls {
                learned: Instant::now(),
                by_id: urls,
            },
        );
    }

    /// The url hh gave for this collection of the vacancy, if learned recently.
    pub fn collection_url(&self, vacancy_id: &str, collection: &str) -> Option<String> {
        let cache = self
            .collection_urls
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let urls = cache.get(vacancy_id)?;
        (urls.learned.elapsed() < COLLECTIONS_TTL)
            .then(|| urls.by_id.get(collection).cloned())
            .flatten()
    }

    /// The manager (work account) the token acts as, asked of hh once per server.
    pub async fn manager_id(&self) -> Result<&str, ToolFailure> {
        self.manager_id
            .get_or_try_init(|| async {
                let me = self.hh.me().await?;
                me.manager_id().map(str::to_string).ok_or_else(|| {
                    ToolFailure(
                        "this hh.ru token is not a manager's (GET /me names no manager): \
                             sign in with an employer's manager account"
                            .to_string(),
                    )
                })
            })
            .await
            .map(String::as_str)
    }

    /// The employer the token belongs to, asked of hh once per server.
    pub async fn employer_id(&self) -> Result<&str, ToolFailure> {
        self.employer_id
            .get_or_try_init(|| async {
                let me = self.hh.me().await?;
                me.employer().map(|e| e.id).ok_or_else(|| {
                    ToolFailure(
                        "this hh.ru token is not an employer's (GET /me has no employer): \
                         sign in with an employer account"
                            .to_string(),
                    )
                })
            })
            .await
            .map(String::as_str)
    }
}
