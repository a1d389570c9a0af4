//! Sourcing and the team's memory of an applicant: hh's resume search, where this
//! employer already met a resume (to avoid contacting a person twice), and the managers'
//! comments on an applicant.
//!
//! All three are paid methods on hh.ru; without the service hh answers 403,
//! which these functions name plainly instead of hh's generic payment error.

use hh_api::{ErrorKind, Paged, types};

use crate::args::{
    AddComment, Id, ListComments, ListSavedSearches, ResumeRef, SEARCH_DEFAULT_PER_PAGE,
    SearchResumes,
};
use crate::failure::{self, ToolFailure};
use crate::session::Session;
use crate::view;

/// hh's `text.logic` the tool searches with: every word must be found.
const TEXT_LOGIC: &str = "all";

pub async fn search_resumes(
    s: &Session,
    a: SearchResumes,
) -> Result<view::ResumeSearch, ToolFailure> {
    let (page, per_page) = a.check()?;
    let mut call = s.hh.api().search_resumes().page(page).per_page(per_page);
    if let Some(t) = &a.text {
        call = call.text(t.trim());
    }
    if let Some(field) = &a.text_field {
        // hh takes text.field only as a triad with text.logic and text.period (empty
        // when the field is not about experience periods).
        call = call
            .text_field(field.as_str())
            .text_logic(TEXT_LOGIC)
            .text_period("");
    }
    if let Some(area) = &a.area {
        call = call.area(area.as_str());
    }
    if let Some(e) = &a.experience {
        call = call.experience(e.as_str());
    }
    if let Some(n) = a.salary_from {
        call = call.salary_from(i64::from(n.0));
    }
    if let Some(n) = a.salary_to {
        call = call.salary_to(i64::from(n.0));
    }
    if let Some(c) = &a.currency {
        call = call.currency(c.as_str());
    }
    if let Some(n) = a.age_from {
        call = call.age_from(n.0.to_string());
    }
    if let Some(n) = a.age_to {
        call = call.age_to(n.0.to_string());
    }
    if let Some(e) = &a.education_level {
        call = call.education_levels(e.as_str());
    }
    if let Some(v) = &a.vacancy_id {
        call = call.vacancy_id(v.as_str());
    }
    let found: types::ResumesPage =
        s.hh.read(call.send())
            .await
            .map_err(|e| paid(&e, "search hh.ru's resume database", RESUME_DATABASE))?;
    Ok(view::ResumeSearch {
        found: found.found(),
        page: found.page(),
        pages: found.pages(),
        per_page: view::count(found.per_page).unwrap_or(0),
        items: found.items.iter().map(view::FoundResume::from).collect(),
    })
}

pub async fn resume_history(s: &Session, a: ResumeRef) -> Result<view::ResumeHistory, ToolFailure> {
    let history =
        s.hh.read(
            s.hh.api()
                .get_resume_negotiations_history()
                .resume_id(a.resume_id.as_str())
                .send(),
        )
        .await
        .map_err(|e| paid(&e, "read a resume's negotiation history", PAID_API))?;
    Ok(view::ResumeHistory::new(a.resume_id.as_str(), &history))
}

pub async fn list_comments(s: &Session, a: ListComments) -> Result<view::CommentList, ToolFailure> {
    let per_page = a.per_page.map_or(SEARCH_DEFAULT_PER_PAGE, |n| n.0);
    if per_page == 0 || per_page > crate::args::SEARCH_MAX_PER_PAGE {
        return Err(ToolFailure(format!(
            "list_comments: `per_page` is 1 to {} (got {per_page})",
            crate::args::SEARCH_MAX_PER_PAGE
        )));
    }
    let page: types::ApplicantCommentsPage =
        s.hh.read(
            s.hh.api()
                .list_applicant_comments()
                .applicant_id(a.applicant_id.as_str())
                .page(a.page.map_or(0, |p| p.0))
                .per_page(per_page)
                .send(),
        )
        .await
        .map_err(|e| paid(&e, "read the applicant's comments", PAID_API))?;
    Ok(view::CommentList {
        applicant_id: a.applicant_id.0,
        found: page.found(),
        page: page.page(),
        pages: page.pages(),
        comments: page.items.iter().map(view::Comment::from).collect(),
    })
}

pub async fn add_comment(s: &Session, a: AddComment) -> Result<view::Comment, ToolFailure> {
    a.check()?;
    let body = types::AddApplicantCommentBody {
        text: a.text.trim().to_string(),
        access_type: a.access_type.as_hh().to_string(),
    };
    let comment =
        s.hh.write(
            s.hh.api()
                .add_applicant_comment()
                .applicant_id(a.applicant_id.as_str())
                .body(body)
                .send(),
        )
        .await
        .map_err(|e| {
            match paid_refusal(&e, "add a comment on an applicant", PAID_API) {
                Some(said) => said,
                None => failure::write_failure(e),
            }
        })?;
    Ok(view::Comment::from(&comment))
}

/// A resume opened by id, outside any negotiation: hh counts it against the manager's
/// daily resume views, so they are read first, and none is spent when none is left.
pub async fn open_resume(s: &Session, resume_id: &Id) -> Result<view::Resume, ToolFailure> {
    let employer_id = s.employer_id().await?;
    let manager_id = s.manager_id().await?;
    let limits: types::ManagerResumeLimits =
        s.hh.read(
            s.hh.api()
                .get_manager_resume_limits()
                .employer_id(employer_id)
                .manager_id(manager_id)
                .send(),
        )
        .await?;
    let left = limits.left.resume_view;
    if left <= 0 {
        return Err(ToolFailure(format!(
            "get_resume: this manager has no resume views left today (0 of {}; {} spent), so \
             resume {resume_id} was not opened and nothing was spent. The views reset \
             tomorrow; a negotiation's resume (`negotiation_id`) does not need one.",
            limits.limits.resume_view, limits.spend.resume_view
        )));
    }
    let resume: types::Resume =
        s.hh.read(s.hh.api().get_resume().resume_id(resume_id.as_str()).send())
            .await
            .map_err(|e| paid(&e, "open a resume outside a negotiation", RESUME_DATABASE))?;
    let mut view = view::Resume::from(&resume);
    view.views_left_today = Some(left - 1);
    Ok(view)
}

/// The manager's saved resume searches with their new-resume counts, or, with an id,
/// one search's new resumes (at the `url` hh gives for them).
pub async fn saved_searches(
    s: &Session,
    a: ListSavedSearches,
) -> Result<view::SavedSearches, ToolFailure> {
    let per_page = a.per_page.map_or(SEARCH_DEFAULT_PER_PAGE, |n| n.0);
    if per_page == 0 || per_page > crate::args::SEARCH_MAX_PER_PAGE {
        return Err(ToolFailure(format!(
            "list_saved_searches: `per_page` is 1 to {} (got {per_page})",
            crate::args::SEARCH_MAX_PER_PAGE
        )));
    }
    let page = a.page.map_or(0, |p| p.0);
    let Some(id) = a.saved_search_id else {
        let list: types::SavedResumeSearchesPage =
            s.hh.read(
                s.hh.api()
                    .list_saved_resume_searches()
                    .page(page)
                    .per_page(per_page)
                    .send(),
            )
            .await?;
        return Ok(view::SavedSearches {
            found: list.found(),
            page: list.page(),
            pages: list.pages(),
            searches: list.items.iter().map(view::SavedSearch::from).collect(),
            new_resumes: None,
        });
    };
    let search: types::SavedResumeSearch =
        s.hh.read(s.hh.api().get_saved_resume_search().id(id.as_str()).send())
            .await?;
    let query = [
        ("page", page.to_string()),
        ("per_page", per_page.to_string()),
    ];
    let found: types::ResumesPage =
        s.hh.get_url(&search.new_items.url, &query)
            .await
            .map_err(|e| paid(&e, "search hh.ru's resume database", RESUME_DATABASE))?;
    Ok(view::SavedSearches {
        found: found.found(),
        page: found.page(),
        pages: found.pages(),
        searches: vec![view::SavedSearch::from(&search)],
        new_resumes: Some(found.items.iter().map(view::FoundResume::from).collect()),
    })
}

/// What resume search needs on hh.ru.
const RESUME_DATABASE: &str =
    "paid access to hh.ru's resume database (resume search through the API)";
/// What the history and comment methods need: hh lists them among its paid methods.
const PAID_API: &str = "hh.ru's paid API access for employers (this is one of its paid methods)";

/// hh's 403 for a paid method, said as the service that is missing; any other failure as usual.
fn paid(error: &hh_api::Error, what: &str, service: &str) -> ToolFailure {
    paid_refusal(error, what, service).unwrap_or_else(|| ToolFailure(failure::explain(error)))
}

fn paid_refusal(error: &hh_api::Error, what: &str, service: &str) -> Option<ToolFailure> {
    let api = error.api()?;
    let missing = match api.kind() {
        ErrorKind::PaymentRequired => service,
        ErrorKind::NoResumeService => "a resume-database service with views left",
        _ => return None,
    };
    Some(ToolFailure(format!(
        "{api}. hh.ru refused: to {what} the employer needs {missing} (a paid hh.ru \
         service for employers), and this account has none. The employer has to buy it on \
         hh.ru; nothing was done."
    )))
}
