//! The two shapes hh gives a vacancy and a vacancy list, depending on who asks and how.

use crate::types;

/// hh answers `GET /employers/{id}/vacancies/active` in one of two shapes: with `resume_id`
/// each vacancy says whether that resume's owner can be invited. The caller knows which it
/// asked for; a page of the other shape is an answer that does not fit the request.
impl types::VacanciesPage {
    /// The page of a listing asked for without `resume_id`.
    pub fn into_active(self) -> Result<types::ActiveVacanciesPage, crate::Error> {
        match self {
            types::VacanciesPage::ActiveVacanciesPage(page) => Ok(page),
            types::VacanciesPage::VacanciesForResume(_) => {
                Err(unexpected_shape("without resume_id"))
            }
        }
    }

    /// The page of a listing asked for with `resume_id`.
    pub fn into_for_resume(self) -> Result<types::VacanciesForResume, crate::Error> {
        match self {
            types::VacanciesPage::VacanciesForResume(page) => Ok(page),
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
