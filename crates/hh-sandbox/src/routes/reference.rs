//! Reference data: the employer's mail templates, a template filled in for one of its
//! negotiations (signed by the acting manager), and hh's dictionaries.

use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use serde_json::{Value, json};

use crate::account::Account;
use crate::errors::{ApiError, ApiResult};
use crate::http::{Params, ok};
use crate::model::{Manager, Resume, Vacancy, World};
use crate::pipeline::{self, ApplicantState};
use crate::state::AppState;

/// A template: id, name, whether it is a quick one, its employer state, and its text
/// with hh-style variables.
struct Template {
    id: &'static str,
    name: &'static str,
    quick: bool,
    kind: &'static str,
    employer_state: &'static str,
    text: &'static str,
}

const TEMPLATES: &[Template] = &[
    Template {
        id: "invite",
        name: "Приглашение на Телефонное интервью",
        quick: false,
        kind: "invite",
        employer_state: "PHONE_INTERVIEW",
        text: "Здравствуйте, {applicant_first_name} {applicant_middle_name}! Мы ознакомились с вашим резюме и хотели бы пригласить вас на телефонное интервью по вакансии «{vacancy_name}». Когда вам удобно поговорить? С уважением, {manager_name}, {employer_name}.",
    },
    Template {
        id: "invite_after_response",
        name: "Приглашение откликнувшегося соискателя на Телефонное интервью",
        quick: false,
        kind: "invite",
        employer_state: "PHONE_INTERVIEW",
        text: "Здравствуйте, {applicant_first_name} {applicant_middle_name}! Благодарим вас за отклик на вакансию «{vacancy_name}». Приглашаем вас на телефонное интервью. С уважением, {manager_name}, {employer_name}.",
    },
    Template {
        id: "interview",
        name: "Приглашение на Интервью",
        quick: false,
        kind: "invite",
        employer_state: "INTERVIEW",
        text: "Здравствуйте, {applicant_first_name} {applicant_middle_name}! Приглашаем вас на собеседование по вакансии «{vacancy_name}». Пожалуйста, подтвердите удобное время. С уважением, {manager_name}, {employer_name}.",
    },
    Template {
        id: "consider",
        name: "Приглашение на этап Подумать",
        quick: false,
        kind: "consider",
        employer_state: "CONSIDER",
        text: "Здравствуйте, {applicant_first_name}! Спасибо за интерес к вакансии «{vacancy_name}». Мы рассматриваем вашу кандидатуру и вернёмся с ответом в ближайшее время.",
    },
    Template {
        id: "offer",
        name: "Приглашение на Предложение о работе",
        quick: false,
        kind: "invite",
        employer_state: "OFFER",
        text: "Здравствуйте, {applicant_first_name} {applicant_middle_name}! Рады предложить вам работу на позиции «{vacancy_name}» в компании {employer_name}. Детали предложения отправим отдельным письмом.",
    },
    Template {
        id: "hired",
        name: "Приглашение на Выход на работу",
        quick: false,
        kind: "invite",
        employer_state: "HIRED",
        text: "Здравствуйте, {applicant_first_name}! Ждём вас в первый рабочий день. Добро пожаловать в команду {employer_name}!",
    },
    Template {
        id: "discard_after_response",
        name: "Отказ откликнувшемуся на вакансию соискателю",
        quick: false,
        kind: "discard",
        employer_state: "DISCARD_BY_EMPLOYER",
        text: "Здравствуйте, {applicant_first_name}! Благодарим вас за отклик на вакансию «{vacancy_name}». К сожалению, сейчас мы не готовы пригласить вас на собеседование. Желаем успехов в поиске работы.",
    },
    Template {
        id: "discard_after_interview",
        name: "Отказ",
        quick: false,
        kind: "discard",
        employer_state: "DISCARD_BY_EMPLOYER",
        text: "Здравствуйте, {applicant_first_name}! Спасибо, что нашли время на встречу. К сожалению, мы приняли решение в пользу другого кандидата.",
    },
    Template {
        id: "quick_discard_after_response",
        name: "Шаблон быстрого отказа на отклик",
        quick: true,
        kind: "discard",
        employer_state: "DISCARD_BY_EMPLOYER",
        text: "Здравствуйте! Спасибо за отклик. К сожалению, ваш опыт не полностью соответствует требованиям вакансии «{vacancy_name}».",
    },
];

const VARIABLES: &[(&str, &str)] = &[
    ("applicant_first_name", "Имя соискателя"),
    ("applicant_middle_name", "Отчество соискателя"),
    ("applicant_last_name", "Фамилия соискателя"),
    ("vacancy_name", "Название вакансии"),
    ("employer_name", "Название компании"),
    ("manager_name", "Имя менеджера"),
];

/// A template's title and whether it is a quick one, for `templates[]` links.
pub fn template_title(id: &str) -> (&'static str, bool) {
    TEMPLATES
        .iter()
        .find(|t| t.id == id)
        .map(|t| (t.name, t.quick))
        .unwrap_or(("Шаблон", false))
}

/// `GET /employers/{employer_id}/mail_templates`
/// hh's schedules: id, uid, name.
const SCHEDULES: &[(&str, &str, &str)] = &[
    ("fullDay", "full_day", "Полный день"),
    ("shift", "shift", "Сменный график"),
    ("flexible", "flexible", "Гибкий график"),
    ("remote", "remote", "Удаленная работа"),
    ("flyInFlyOut", "fly_in_fly_out", "Вахтовый метод"),
];

pub async fn mail_templates(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(employer_id): Path<String>,
) -> ApiResult {
    let world = st.world();
    if employer_id != account.employer(&world).id {
        return Err(ApiError::not_found());
    }
    let variables: Vec<Value> = VARIABLES
        .iter()
        .map(|(id, name)| json!({ "id": id, "name": name }))
        .collect();
    let items: Vec<Value> = TEMPLATES
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "name": t.name,
                "text": t.text,
                // hh's `type` is how the letter is delivered; these are e-mails.
                "type": "EMAIL",
                "employer_state": t.employer_state,
                "editable": true,
                "template_modified": false,
                "quick": t.quick,
                "variables": variables,
            })
        })
        .collect();
    Ok(ok(&Value::Array(items)))
}

/// The template's text for this applicant and vacancy, signed by `me`.
fn fill(text: &str, world: &World, me: &Manager, vacancy: &Vacancy, resume: &Resume) -> String {
    text.replace("{applicant_first_name}", &resume.first_name)
        .replace("{applicant_middle_name}", &resume.middle_name)
        .replace("{applicant_last_name}", &resume.last_name)
        .replace("{vacancy_name}", &vacancy.name)
        .replace("{employer_name}", &world.employer_of(vacancy).name)
        .replace(
            "{manager_name}",
            &format!("{} {}", me.first_name, me.last_name),
        )
}

/// `GET /message_templates/{template}?topic_id=` (or `vacancy_id` and `resume_id`):
/// the template filled in for that applicant and vacancy.
pub async fn message_template(
    State(st): State<AppState>,
    Extension(account): Extension<Account>,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let q = Params::query(&query);
    let template = TEMPLATES
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(ApiError::not_found)?;
    let world = st.world();
    let (vacancy_id, resume_id) = match q.get("topic_id") {
        Some(topic) => {
            let n = account
                .negotiation(&world, topic)
                .ok_or_else(ApiError::not_found)?;
            (n.vacancy_id.clone(), n.resume_id.clone())
        }
        None => (
            q.get("vacancy_id")
                .ok_or_else(|| ApiError::bad_argument("topic_id"))?
                .to_string(),
            q.get("resume_id")
                .ok_or_else(|| ApiError::bad_argument("resume_id"))?
                .to_string(),
        ),
    };
    let vacancy = account
        .vacancy(&world, &vacancy_id)
        .ok_or_else(ApiError::not_found)?;
    let resume = world.resume(&resume_id).ok_or_else(ApiError::not_found)?;
    let text = fill(
        template.text,
        &world,
        account.manager(&world),
        vacancy,
        resume,
    );
    let sms = format!(
        "{}, приглашаем вас по вакансии «{}». {}",
        resume.first_name,
        vacancy.name,
        world.employer_of(vacancy).name
    );
    let sms = (template.kind == "invite").then(|| {
        json!({ "text": sms, "template_modified": false, "employer_state": template.employer_state })
    });
    Ok(ok(&json!({
        "mail": { "text": text, "template_modified": false, "employer_state": template.employer_state },
        "sms": sms,
    })))
}

fn entries(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(id, name)| json!({ "id": id, "name": name }))
        .collect()
}

/// Driver licence categories; hh's entries carry only the id.
const DRIVER_LICENSE_TYPES: &[&str] = &["A", "B", "BE", "C", "CE", "D", "DE", "M", "TM", "TB"];

/// `GET /dictionaries`: the dictionaries this part of the API refers to. Employer
/// states are not here: they depend on the vacancy (`GET /negotiations?vacancy_id=`).
pub async fn dictionaries() -> ApiResult {
    let states: Vec<(&str, &str)> = [
        ApplicantState::Response,
        ApplicantState::Invitation,
        ApplicantState::Discard,
    ]
    .iter()
    .map(|s| (s.id(), s.name()))
    .chain([("hidden", "Скрытый")])
    .collect();
    Ok(ok(&json!({
        "negotiations_state": entries(&states),
        "negotiations_order": entries(pipeline::NEGOTIATIONS_ORDER),
        "negotiations_participant_type": entries(&[("applicant", "Соискатель"), ("employer", "Работодатель")]),
        "messaging_status": entries(&[
            ("archived", "Вакансия отправлена в архив"),
            ("ok", "Переписка доступна"),
            ("disabled_by_employer", "Работодатель отключил переписку"),
            ("in_a_row_limit", "Вы отправили 5 сообщений подряд. Дождитесь ответа, чтобы написать еще"),
            ("overall_limit", "Превышено число сообщений в переписке"),
            ("no_invitation", "Переписка доступна только после приглашения"),
            ("resume_deleted", "Резюме удалено"),
            ("prohibited", "Переписка недоступна"),
        ]),
        "employer_active_vacancies_order": entries(&[
            ("published_at", "по дате публикации"),
            ("name", "по названию"),
            ("expire_time", "по дате окончания"),
        ]),
        "vacancy_type": entries(&[("open", "Открытая"), ("closed", "Закрытая"), ("anonymous", "Анонимная"), ("direct", "Рекламная")]),
        "experience": entries(&[
            ("noExperience", "Нет опыта"),
            ("between1And3", "От 1 года до 3 лет"),
            ("between3And6", "От 3 до 6 лет"),
            ("moreThan6", "Более 6 лет"),
        ]),
        "employment": entries(&[
            ("full", "Полная занятость"),
            ("part", "Частичная занятость"),
            ("project", "Проектная работа"),
            ("volunteer", "Волонтерство"),
            ("probation", "Стажировка"),
        ]),
        // hh's schedule entries carry a `uid` beside the id.
        "schedule": SCHEDULES
            .iter()
            .map(|(id, uid, name)| json!({ "id": id, "uid": uid, "name": name }))
            .collect::<Vec<_>>(),
        "gender": entries(&[("male", "Мужской"), ("female", "Женский")]),
        // Not every dictionary is id + name: currencies have a code and no id, driver
        // licence types only an id.
        "currency": [
            { "code": "RUR", "abbr": "₽", "name": "Рубли", "default": true, "rate": 1.0, "in_use": true },
            { "code": "USD", "abbr": "$", "name": "Доллары", "default": false, "rate": 0.0125, "in_use": true },
            { "code": "EUR", "abbr": "€", "name": "Евро", "default": false, "rate": 0.0108, "in_use": true },
            { "code": "KZT", "abbr": "₸", "name": "Тенге", "default": false, "rate": 6.2, "in_use": false },
        ],
        "driver_license_types": DRIVER_LICENSE_TYPES
            .iter()
            .map(|id| json!({ "id": id }))
            .collect::<Vec<_>>(),
        "education_level": entries(&[
            ("secondary", "Среднее"),
            ("special_secondary", "Среднее специальное"),
            ("unfinished_higher", "Неоконченное высшее"),
            ("higher", "Высшее"),
            ("bachelor", "Бакалавр"),
            ("master", "Магистр"),
            ("candidate", "Кандидат наук"),
            ("doctor", "Доктор наук"),
        ]),
        "language_level": entries(&[
            ("a1", "A1 — Начальный"),
            ("a2", "A2 — Элементарный"),
            ("b1", "B1 — Средний"),
            ("b2", "B2 — Средне-продвинутый"),
            ("c1", "C1 — Продвинутый"),
            ("c2", "C2 — В совершенстве"),
            ("l1", "Родной"),
        ]),
        "job_search_statuses_employer": entries(&[
            ("active_search", "Активно ищет работу"),
            ("looking_for_offers", "Рассматривает предложения"),
            ("not_looking_for_job", "Не ищет работу"),
            ("has_job_offer", "Предложили работу, решает"),
            ("accepted_job_offer", "Вышел на новое место"),
        ]),
    })))
}
