//! Paged lists: hh numbers pages from 0 and says how many there are (`pages`).
//!
//! Two ways through a list: [`stream_items`] walks it page by page (little memory, one
//! request at a time), [`fetch_all_pages`] learns `pages` from the first page and then
//! fetches the rest with a bounded number of requests in flight.

use std::future::Future;

use futures::{Stream, StreamExt, TryStreamExt, stream};

use crate::error::Error;
use crate::types;

/// The most pages a walk will ask for, whatever `pages` a response claims: a bound on
/// the work an untrusted answer can cause.
pub const MAX_PAGES: u32 = 2_000;

/// A page of a list, as hh returns it.
pub trait Paged {
    type Item;
    /// How many pages the list has.
    fn pages(&self) -> u32;
    /// How many items the list has.
    fn found(&self) -> u32;
    /// This page's number, from 0.
    fn page(&self) -> u32;
    fn into_items(self) -> Vec<Self::Item>;
}

macro_rules! paged {
    ($page:ty, $item:ty) => {
        impl Paged for $page {
            type Item = $item;
            // A count that does not fit (negative, say) counts as none.
            fn pages(&self) -> u32 {
                u32::try_from(self.pages).unwrap_or(0)
            }
            fn found(&self) -> u32 {
                u32::try_from(self.found).unwrap_or(0)
            }
            fn page(&self) -> u32 {
                u32::try_from(self.page).unwrap_or(0)
            }
            fn into_items(self) -> Vec<$item> {
                self.items
            }
        }
    };
}

paged!(types::ActiveVacanciesPage, types::ActiveVacancy);
paged!(types::VacanciesForResume, types::VacancyForResume);
paged!(types::ChatsPage, types::ChatListItem);
paged!(types::NegotiationsPage, types::NegotiationListItem);
#[cfg(feature = "resume_search")]
paged!(types::ResumesPage, types::FoundResume);
#[cfg(feature = "saved_resume_searches")]
paged!(types::SavedResumeSearchesPage, types::SavedResumeSearch);
#[cfg(feature = "applicant_comments")]
paged!(types::ApplicantCommentsPage, types::ApplicantComment);
paged!(types::VacancyVisitorsPage, types::VacancyVisitor);

/// Every item of a list, in page order.
#[derive(Debug, Clone)]
pub struct AllPages<T> {
    pub items: Vec<T>,
    /// `found` as the first page reported it.
    pub found: u32,
    /// How many pages were fetched.
    pub pages: u32,
}

/// Fetches page 0, then pages `1..pages` with at most `concurrency` requests at once.
/// Items keep hh's order. The first failure stops the walk and is returned.
pub async fn fetch_all_pages<P, F, Fut>(
    fetch: F,
    concurrency: usize,
) -> Result<AllPages<P::Item>, Error>
where
    P: Paged,
    F: Fn(u32) -> Fut,
    Fut: Future<Output = Result<P, Error>>,
{
    let first = fetch(0).await?;
    let pages = first.pages().clamp(1, MAX_PAGES);
    let found = first.found();
    let mut items = first.into_items();
    let rest: Vec<Vec<P::Item>> = stream::iter(1..pages)
        .map(|page| {
            let fut = fetch(page);
            async move { fut.await.map(Paged::into_items) }
        })
        .buffered(concurrency.max(1))
        .try_collect()
        .await?;
    items.extend(rest.into_iter().flatten());
    Ok(AllPages {
        items,
        found,
        pages,
    })
}

/// Walks a list one page at a time, yielding items as they arrive.
pub fn stream_items<P, F, Fut>(fetch: F) -> impl Stream<Item = Result<P::Item, Error>>
where
    P: Paged,
    F: Fn(u32) -> Fut,
    Fut: Future<Output = Result<P, Error>>,
{
    // State: the next page to fetch and the page count once known.
    stream::try_unfold(
        (0u32, None::<u32>, fetch),
        |(page, pages, fetch)| async move {
            if pages.is_some_and(|n| page >= n) {
                return Ok::<_, Error>(None);
            }
            let got = fetch(page).await?;
            let pages = got.pages().clamp(1, MAX_PAGES);
            let items = got.into_items();
            Ok(Some((
                stream::iter(items.into_iter().map(Ok)),
                (page + 1, Some(pages), fetch),
            )))
        },
    )
    .try_flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct FakePage {
        items: Vec<u32>,
        pages: u32,
    }
    impl Paged for FakePage {
        type Item = u32;
        fn pages(&self) -> u32 {
            self.pages
        }
        fn found(&self) -> u32 {
            self.pages.saturating_mul(3)
        }
        fn page(&self) -> u32 {
            0
        }
        fn into_items(self) -> Vec<u32> {
            self.items
        }
    }

    fn page(n: u32, pages: u32) -> FakePage {
        FakePage {
            items: vec![n * 3, n * 3 + 1, n * 3 + 2],
            pages,
        }
    }

    #[tokio::test]
    async fn all_pages_in_order_with_bounded_concurrency() {
        let in_flight = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        let asked = Mutex::new(Vec::new());
        let all = fetch_all_pages(
            |n| {
                asked.lock().unwrap().push(n);
                let (in_flight, peak) = (&in_flight, &peak);
                async move {
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    // Later pages finish first, to prove order is kept.
                    tokio::time::sleep(std::time::Duration::from_millis(20 - n as u64)).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    Ok(page(n, 10))
                }
            },
            3,
        )
        .await
        .unwrap();
        assert_eq!(all.items, (0..30).collect::<Vec<_>>());
        assert_eq!(all.pages, 10);
        assert_eq!(all.found, 30);
        assert!(
            peak.load(Ordering::SeqCst) <= 3,
            "peak {}",
            peak.load(Ordering::SeqCst)
        );
        assert!(
            peak.load(Ordering::SeqCst) >= 2,
            "it did run pages concurrently"
        );
        let mut asked = asked.into_inner().unwrap();
        asked.sort();
        assert_eq!(asked, (0..10).collect::<Vec<_>>(), "each page once");
    }

    #[tokio::test]
    async fn a_failing_page_fails_the_walk() {
        let result = fetch_all_pages(
            |n| async move {
                if n == 2 {
                    Err(Error::Invalid("page 2 broke".into()))
                } else {
                    Ok(page(n, 4))
                }
            },
            2,
        )
        .await;
        assert!(result.unwrap_err().to_string().contains("page 2 broke"));
    }

    #[tokio::test]
    async fn stream_walks_page_by_page_and_stops() {
        let asked = Mutex::new(Vec::new());
        let items: Vec<u32> = stream_items(|n| {
            asked.lock().unwrap().push(n);
            async move { Ok(page(n, 3)) }
        })
        .try_collect()
        .await
        .unwrap();
        assert_eq!(items, (0..9).collect::<Vec<_>>());
        assert_eq!(*asked.lock().unwrap(), vec![0, 1, 2]);
    }

    #[tokio::test]
    async fn an_absurd_page_count_is_capped() {
        let asked = AtomicUsize::new(0);
        let all = fetch_all_pages(
            |_| {
                asked.fetch_add(1, Ordering::SeqCst);
                async move {
                    Ok(FakePage {
                        items: vec![],
                        pages: u32::MAX,
                    })
                }
            },
            16,
        )
        .await
        .unwrap();
        assert_eq!(all.pages, MAX_PAGES);
        assert_eq!(asked.load(Ordering::SeqCst), MAX_PAGES as usize);
    }
}
