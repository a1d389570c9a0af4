//! The two shapes hh gives a vacancy and a vacancy list, depending on who asks and how.

use crate::types;

/// hh answers `GET /employers/{id}/vacancies/active` in one of two shapes: with `resume_id`
/// each vacancy says whether that resume's owner can be invited. The caller knows which it
/// asked for; a page of the other shape is an answer that does not fit the request. A page
/// without items fits both shapes (serde reads it as the first), so it is either.
impl types::VacanciesPage {
    /// The page of a listing asked for without `resume_id`.
    pub fn into_active(self) -> Result<types::ActiveVacanciesPage, crate::Error> {
        match self {
            types::VacanciesPage::ActiveVacanciesPage(page) => Ok(page),
            types::VacanciesPage::VacanciesForResume(p) if p.items.is_empty() => {
                Ok(types::ActiveVacanciesPage {
                    found: p.found,
                    items: Vec::new(),
                    page: p.page,
                    pages: p.pages,
                    per_page: p.per_page,
                })
            }
            types::VacanciesPage::VacanciesForResume(_) => {
                Err(unexpected_shape("without resume_id"))
            }
        }
    }

    /// The page of a listing asked for with `resume_id`.
    pub fn into_for_resume(self) -> Result<types::VacanciesForResume, crate::Error> {
        match self {
            types::VacanciesPage::VacanciesForResume(page) => Ok(page),
            types::VacanciesPage::ActiveVacanciesPage(p) if p.items.is_empty() => {
                Ok(types::VacanciesForResume {
                    found: p.found,
                    items: Vec::new(),
                    page: p.page,
                    pages: p.pages,
                    per_page: p.per_page,
                })
            }
            types::VacanciesPage::ActiveVacanciesPage(_) => Err(unexpected_shape("with resume_id")),
        }
    }
}

fn unexpected_shape(asked: &str) -> crate::Error {
    crate::Error::Decode {
        status: None,
        reason: format!("the vacancies were asked for {asked}, and hh answered the other shape"),
        snippet: String::new(),
    }
}

/// `GET /vacancies/{id}` answers the employer's own managers with more than anyone else;
/// these are the fields both shapes have.
impl types::Vacancy {
    pub fn id(&self) -> &str {
        match self {
            types::Vacancy::Manager(v) => &v.id,
            types::Vacancy::Application(v) => &v.id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            types::Vacancy::Manager(v) => &v.name,
            types::Vacancy::Application(v) => &v.name,
        }
    }

    pub fn archived(&self) -> bool {
        match self {
            types::Vacancy::Manager(v) => v.archived,
            types::Vacancy::Application(v) => v.archived,
        }
    }

    /// The employer's id, when hh names one (an anonymous vacancy has none).
    pub fn employer_id(&self) -> Option<&str> {
        let employer = match self {
            types::Vacancy::Manager(v) => v.employer.as_ref(),
            types::Vacancy::Application(v) => v.employer.as_ref(),
        };
        employer.and_then(|e| e.id.as_deref())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// hh's answer with `resume_id` and no vacancy that fits reads as the plain list (both
    /// shapes fit it): it is still an empty page for the resume, not an error.
    #[test]
    fn an_empty_page_reads_as_either_shape() {
        let empty = json!({"found": 0, "items": [], "page": 0, "pages": 0, "per_page": 20});
        let page: types::VacanciesPage = serde_json::from_value(empty).unwrap();
        let for_resume = page.clone().into_for_resume().unwrap();
        assert_eq!((for_resume.found, for_resume.items.len()), (0, 0));
        assert!(page.into_active().is_ok());
    }
}
