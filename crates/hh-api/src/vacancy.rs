//! Every negotiation of a vacancy, across all its collections, in as few round trips as
//! hh's answers allow.
//!
//! The collections list already carries each collection's `counters.total`, so the page
//! count of every collection is known after one request. All pages of all collections
//! are then fetched under one shared bound on requests in flight, instead of collection
//! after collection (each waiting for its page 0 to learn its page count). Counters can
//! be stale: every page says how many pages its list has now, and pages beyond the
//! planned ones are added to the queue as soon as a page reveals them. Whatever the
//! answers claim, one fetch makes at most `MAX_PAGES` page requests in all.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::client::Client;
use crate::error::Error;
use crate::negotiations::{CollectionQuery, MAX_PER_PAGE};
use crate::paging::{MAX_PAGES, Paged};
use crate::types;

/// How to fetch a whole vacancy.
#[derive(Debug, Clone)]
pub struct VacancyFetch {
    /// The most requests in flight at once, over all collections together (at least 1;
    /// 8 by default). hh answers too many at once with 429, which reads wait out and
    /// repeat; its docs suggest going through collections one after another, so keep this
    /// modest. A fetch takes about `1 + pages / concurrency` round trips.
    pub concurrency: usize,
    /// Negotiations per page (hh's largest, 50, unless set lower).
    pub per_page: u32,
    /// hh's list filters, passed to every collection as they are (`order_by`, …).
    pub filters: Vec<(String, String)>,
}

impl Default for VacancyFetch {
    fn default() -> Self {
        VacancyFetch {
            concurrency: 8,
            per_page: MAX_PER_PAGE,
            filters: Vec::new(),
        }
    }
}

/// A vacancy's negotiations, collection by collection, in hh's order within each.
#[derive(Debug, Clone)]
pub struct VacancyNegotiations {
    pub vacancy_id: String,
    pub collections: Vec<CollectionNegotiations>,
    pub employer_states: Vec<types::EmployerState>,
    /// Requests made, the collections list included (a request the transport repeated
    /// after a 429 or 503 counts once).
    pub requests: u32,
    /// Negotiations met in two collections because they moved while the fetch ran; each
    /// is kept once, where hh last updated it.
    pub moved_during_fetch: u32,
}

/// One collection and its negotiations.
#[derive(Debug, Clone)]
pub struct CollectionNegotiations {
    /// The collection as hh listed it (id, name, url, counters).
    pub collection: types::Collection,
    pub negotiations: Vec<types::NegotiationListItem>,
    /// `found` as the collection's last answered page reported it.
    pub found: u32,
}

impl VacancyNegotiations {
    /// All negotiations, collection after collection.
    pub fn negotiations(&self) -> impl Iterator<Item = &types::NegotiationListItem> {
        self.collections.iter().flat_map(|c| c.negotiations.iter())
    }

    /// Whether every collection gave as many negotiations as it said it has. A list that
    /// changed while it was paged through can skip one (hh pages by offset).
    pub fn is_complete(&self) -> bool {
        self.collections
            .iter()
            .all(|c| c.negotiations.len() as u32 >= c.found)
    }
}

impl Client {
    /// Every negotiation of a vacancy: its collections (one request), then every page of
    /// every collection with at most `how.concurrency` requests in flight. The first
    /// failed request ends the fetch with its error.
    pub async fn vacancy_negotiations(
        &self,
        vacancy_id: &str,
        how: &VacancyFetch,
    ) -> Result<VacancyNegotiations, Error> {
        let listing = self.collections(vacancy_id).await?;
        let cols = &listing.collections;
        let per_page = how.per_page.clamp(1, MAX_PER_PAGE);
        let query = CollectionQuery {
            page: 0,
            per_page: Some(per_page),
            filters: how.filters.clone(),
        };

        // Page 0 of every collection first, even one its counters call empty (counters
        // can lag), so that a stale count is found out as early as possible.
        let mut planned: Vec<u32> = cols
            .iter()
            .map(|c| {
                let total = c.counters.as_ref().and_then(|n| n.total).unwrap_or(0);
                // A count that does not fit (negative, say) counts as none.
                let total = u32::try_from(total).unwrap_or(0);
                total.div_ceil(per_page).clamp(1, MAX_PAGES)
            })
            .collect();
        // However many pages the answers claim, at most MAX_PAGES requests in all.
        let mut budget = MAX_PAGES as usize;
        let mut queue: VecDeque<(usize, u32)> =
            (0..cols.len()).map(|c| (c, 0)).take(budget).collect();
        budget -= queue.len();
        for (c, pages) in planned.iter_mut().enumerate() {
            *pages = (*pages).min(1 + budget as u32);
            queue.extend((1..*pages).map(|p| (c, p)));
            budget -= (*pages - 1) as usize;
        }

        let fetch = |c: usize, page: u32| {
            let url = cols[c].url.as_str();
            let pairs = query.pairs(page);
            async move {
                let got = self.get_url::<types::NegotiationsPage>(url, &pairs).await;
                (c, page, got)
            }
        };
        let bound = how.concurrency.max(1);
        let mut pages: Vec<BTreeMap<u32, Vec<types::NegotiationListItem>>> =
            vec![BTreeMap::new(); cols.len()];
        let mut found: Vec<(u32, u32)> = vec![(0, 0); cols.len()];
        let mut sent = vec![0u32; cols.len()];
        let mut requests = 1u32;
        let mut in_flight = FuturesUnordered::new();
        loop {
            while in_flight.len() < bound
                && let Some((c, page)) = queue.pop_front()
            {
                in_flight.push(fetch(c, page));
                // A collection's pages leave the queue in order: 0..sent[c] are asked for.
                sent[c] = page + 1;
                requests += 1;
            }
            let Some((c, page, got)) = in_flight.next().await else {
                break;
            };
            let got = got?;
            let reported = got.pages().clamp(1, MAX_PAGES);
            if reported > planned[c] {
                let more = (reported - planned[c]).min(budget as u32);
                queue.extend((planned[c]..planned[c] + more).map(|p| (c, p)));
                planned[c] += more;
                budget -= more as usize;
            } else if reported < planned[c] {
                // Fewer than the counters said: pages not yet asked for would be empty.
                let keep = reported.max(sent[c]);
                let before = queue.len();
                queue.retain(|&(qc, qp)| qc != c || qp < keep);
                budget += before - queue.len();
                planned[c] = keep;
            }
            // The latest page answered tells the latest `found`.
            if page >= found[c].0 {
                found[c] = (page, got.found());
            }
            pages[c].insert(page, got.into_items());
        }

        let mut collections: Vec<CollectionNegotiations> = cols
            .iter()
            .zip(pages)
            .zip(found)
            .map(|((collection, pages), (_, found))| CollectionNegotiations {
                collection: collection.clone(),
                negotiations: pages.into_values().flatten().collect(),
                found,
            })
            .collect();
        let moved_during_fetch = keep_each_once(&mut collections);
        Ok(VacancyNegotiations {
            vacancy_id: vacancy_id.to_string(),
            collections,
            employer_states: listing.employer_states,
            requests,
            moved_during_fetch,
        })
    }
}

/// Drops repeats: a negotiation on two pages of one list (the list shifted between the
/// two requests) is kept at its first place; one in two collections (it moved) is kept
/// where it was updated last. Returns how many moved.
fn keep_each_once(collections: &mut [CollectionNegotiations]) -> u32 {
    // Where each id is kept: (collection, its updated_at).
    let mut keep: HashMap<String, (usize, String)> = HashMap::new();
    let mut moved: HashSet<String> = HashSet::new();
    for (c, col) in collections.iter().enumerate() {
        for n in &col.negotiations {
            match keep.get_mut(&n.id) {
                None => {
                    keep.insert(n.id.clone(), (c, n.updated_at.clone()));
                }
                Some((kept, _)) if *kept == c => {}
                Some((kept, updated)) => {
                    moved.insert(n.id.clone());
                    // hh writes every time in the same zone, so the text orders like the time.
                    if n.updated_at > *updated {
                        *kept = c;
                        updated.clone_from(&n.updated_at);
                    }
                }
            }
        }
    }
    for (c, col) in collections.iter_mut().enumerate() {
        let mut seen = HashSet::new();
        col.negotiations
            .retain(|n| keep.get(&n.id).is_some_and(|(k, _)| *k == c) && seen.insert(n.id.clone()));
    }
    moved.len() as u32
}
