//! The JSON hh sends for each object, in its full, realistic shape: the fields our
//! spec lists plus the many more hh adds (`alternate_url`, `logo_urls`, `download`,
//! `owner`, ...). API urls point back at the sandbox; `alternate_url`s are hh.ru's web
//! pages, as on hh. What depends on who looks (read marks, one's own messages, a
//! vacancy's employer-only fields, a resume's history with the employer) is rendered
//! for the account acting.

use serde_json::{Value, json};

use crate::account::Account;
use crate::chat::{Author, Chat, Message, MessageKind};
use crate::model::*;
use crate::pipeline::{self, Action, EmployerState};
use crate::seed::words::{INDUSTRIES, PROFESSIONS};

/// Renders with the sandbox's base url and a read-only view of the world, for an
/// account (or for anyone, on public routes without a token).
pub struct Render<'a> {
    pub base: &'a str,
    pub world: &'a World,
    /// The file host's origin, for the urls of chat attachments.
    pub file_host: &'a str,
    pub account: Option<Account>,
}

fn date(d: &chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

fn id_name(pair: (&str, &str)) -> Value {
    json!({ "id": pair.0, "name": pair.1 })
}

impl<'a> Render<'a> {
    pub fn new(base: &'a str, world: &'a World) -> Self {
        Render {
            base,
            world,
            file_host: "",
            account: None,
        }
    }

    /// As `account` sees it.
    pub fn acting_as(mut self, account: Account) -> Self {
        self.account = Some(account);
        self
    }

    /// The acting manager (an index into `World::managers`).
    fn me(&self) -> Option<usize> {
        self.account.map(|a| a.manager)
    }

    /// Has the acting manager written it.
    fn mine(&self, author: Author) -> bool {
        self.me().is_some_and(|m| author == Author::Manager(m))
    }

    /// Messages the acting manager has not read.
    fn unread(&self, chat: &Chat) -> usize {
        self.me().map_or(0, |m| chat.unread_for(m))
    }

    /// Is the vacancy the acting account's employer's.
    fn owns(&self, v: &Vacancy) -> bool {
        self.account.is_some_and(|a| a.employer == v.employer)
    }

    /// With the file host, for chats' attachments.
    pub fn with_files(mut self, file_host: &'a str) -> Self {
        self.file_host = file_host;
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn area(&self, area: (&str, &str)) -> Value {
        json!({ "id": area.0, "name": area.1, "url": self.url(&format!("/areas/{}", area.0)) })
    }

    fn logo_urls(e: &Employer) -> Value {
        let id = &e.id;
        json!({
            "90": format!("https://img.hhcdn.ru/employer-logo/{id}-90.png"),
            "240": format!("https://img.hhcdn.ru/employer-logo/{id}-240.png"),
            "original": format!("https://img.hhcdn.ru/employer-logo-original/{id}.png"),
        })
    }

    pub fn employer(&self, e: &Employer) -> Value {
        json!({
            "id": e.id,
            "name": e.name,
            "url": self.url(&format!("/employers/{}", e.id)),
            "alternate_url": format!("https://hh.ru/employer/{}", e.id),
            "logo_urls": Self::logo_urls(e),
            "vacancies_url": self.url(&format!("/vacancies?employer_id={}", e.id)),
            "accredited_it_employer": false,
            "trusted": true,
            "country_id": 1,
            "employer_rating": { "reviews_count": 48, "total_rating": "4.2" },
            "is_identified_by_esia": false,
        })
    }

    fn address(&self, v: &Vacancy) -> Value {
        let Some(i) = v.address else {
            return Value::Null;
        };
        let Some(a) = self.world.employer_of(v).addresses.get(i) else {
            return Value::Null;
        };
        json!({
            "id": a.id,
            "city": a.city,
            "street": a.street,
            "building": a.building,
            "description": null,
            "lat": a.lat,
            "lng": a.lng,
            "raw": format!("{}, {}, {}", a.city, a.street, a.building),
            "metro": null,
            "metro_stations": [],
            "show_metro_only": false,
        })
    }

    fn salary(v: &Vacancy) -> Value {
        if v.salary_from.is_none() && v.salary_to.is_none() {
            return Value::Null;
        }
        json!({ "from": v.salary_from, "to": v.salary_to, "currency": "RUR", "gross": false })
    }

    fn salary_range(v: &Vacancy) -> Value {
        if v.salary_from.is_none() && v.salary_to.is_none() {
            return Value::Null;
        }
        json!({
            "from": v.salary_from,
            "to": v.salary_to,
            "currency": "RUR",
            "gross": false,
            "mode": { "id": "MONTH", "name": "За месяц" },
            "frequency": { "id": "TWICE_PER_MONTH", "name": "Два раза в месяц" },
        })
    }

    fn manager(&self, v: &Vacancy) -> Value {
        let m = &self.world.managers[v.manager];
        json!({
            "id": m.id,
            "first_name": m.first_name,
            "last_name": m.last_name,
            "middle_name": m.middle_name,
        })
    }

    fn professional_roles(v: &Vacancy) -> Value {
        json!([id_name(PROFESSIONS[v.profession].role)])
    }

    /// The short vacancy hh puts in lists and negotiations.
    pub fn vacancy_short(&self, v: &Vacancy) -> serde_json::Map<String, Value> {
        let value = json!({
            "id": v.id,
            "name": v.name,
            "url": self.url(&format!("/vacancies/{}?host=hh.ru", v.id)),
            "alternate_url": format!("https://hh.ru/vacancy/{}", v.id),
            "apply_alternate_url": format!("https://hh.ru/applicant/vacancy_response?vacancyId={}", v.id),
            "area": self.area(v.area),
            "salary": Self::salary(v),
            "salary_range": Self::salary_range(v),
            "address": self.address(v),
            "employer": self.employer(self.world.employer_of(v)),
            "department": null,
            "type": { "id": "open", "name": "Открытая" },
            "premium": v.premium,
            "has_test": false,
            "response_letter_required": v.response_letter_required,
            "response_url": null,
            "archived": false,
            "published_at": hh_time(&v.published_at),
            "created_at": hh_time(&v.created_at),
            "professional_roles": Self::professional_roles(v),
            "employment_form": { "id": "FULL", "name": "Полная" },
            "show_contacts": true,
            "show_logo_in_search": true,
            "relations": [],
            "insider_interview": null,
            "sort_point_distance": null,
        });
        match value {
            Value::Object(map) => map,
            _ => unreachable!("json! of an object"),
        }
    }

    /// Counters of a vacancy's negotiations, as `vacancies/active` shows them.
    fn vacancy_counters(&self, v: &Vacancy) -> Value {
        let mut responses = 0;
        let mut unread = 0;
        let mut invitations = 0;
        let mut in_progress = 0;
        for n in self.world.vacancy_negotiations(&v.id) {
            match n.initiator {
                Initiator::Applicant => responses += 1,
                Initiator::Employer => invitations += 1,
            }
            if n.employer_state == EmployerState::Response && n.has_updates {
                unread += 1;
            }
            if !n.employer_state.is_discard() && n.employer_state != EmployerState::Response {
                in_progress += 1;
            }
        }
        json!({
            "responses": responses,
            "unread_responses": unread,
            "invitations": invitations,
            "invitations_and_responses": responses + invitations,
            "resumes_in_progress": in_progress,
            "views": v.views,
            "calls": 0,
            "new_missed_calls": 0,
        })
    }

    /// An item of `/employers/{id}/vacancies/active`; with a resume, also whether and how
    /// it can be invited.
    pub fn active_vacancy(&self, v: &Vacancy, resume: Option<&Resume>) -> Value {
        let mut map = self.vacancy_short(v);
        map.insert("manager".into(), self.manager(v));
        map.insert("expires_at".into(), hh_time(&v.expires_at).into());
        map.insert(
            "billing_type".into(),
            json!({ "id": "standard", "name": "Стандарт" }),
        );
        map.insert("can_upgrade_billing_type".into(), true.into());
        map.insert("closed_for_applicants".into(), false.into());
        match resume {
            None => {
                let has_updates = self
                    .world
                    .vacancy_negotiations(&v.id)
                    .any(|n| n.has_updates);
                map.insert("has_updates".into(), has_updates.into());
                map.insert("counters".into(), self.vacancy_counters(v));
                map.insert(
                    "vacancy_properties".into(),
                    json!({ "properties": [{ "property_type": "STANDARD", "parameters": [] }] }),
                );
            }
            Some(r) => {
                let existing = self.world.negotiation_for(&v.id, &r.id);
                map.insert("can_invite".into(), existing.is_none().into());
                map.insert(
                    "negotiations_state".into(),
                    existing
                        .map(|n| id_name((n.applicant_state.id(), n.applicant_state.name())))
                        .unwrap_or(Value::Null),
                );
                map.insert(
                    "employer_negotiations_state".into(),
                    existing
                        .map(|n| id_name((n.employer_state.id(), n.employer_state.name())))
                        .unwrap_or(Value::Null),
                );
                let actions: Vec<Value> = if existing.is_some() {
                    Vec::new()
                } else {
                    pipeline::INVITE_ACTIONS
                        .iter()
                        .map(|a| self.invite_action(a, v, r))
                        .collect()
                };
                map.insert("negotiations_actions".into(), Value::Array(actions));
            }
        }
        Value::Object(map)
    }

    /// `GET /vacancies/{id}`: the full vacancy.
    pub fn vacancy_full(&self, v: &Vacancy) -> Value {
        let p = &PROFESSIONS[v.profession];
        let mut map = self.vacancy_short(v);
        let duties: String = p.duties.iter().map(|d| format!("<li>{d};</li>")).collect();
        let skills: String = p
            .skills
            .iter()
            .take(5)
            .map(|s| format!("<li>{s};</li>"))
            .collect();
        let description = format!(
            "<p><strong>{}</strong> ищет в команду специалиста на позицию «{}».</p>\
             <p><strong>Обязанности:</strong></p><ul>{duties}</ul>\
             <p><strong>Требования:</strong></p><ul>{skills}<li>ответственность и желание развиваться.</li></ul>\
             <p><strong>Условия:</strong></p><ul><li>оформление по ТК РФ с первого дня;</li>\
             <li>ДМС после испытательного срока;</li><li>компенсация обучения и конференций;</li>\
             <li>современный офис рядом с метро.</li></ul>",
            self.world.employer_of(v).name,
            v.name
        );
        let key_skills: Vec<Value> = p
            .skills
            .iter()
            .take(6)
            .map(|s| json!({ "name": s }))
            .collect();
        for (k, val) in [
            ("description", Value::String(description)),
            ("branded_description", Value::Null),
            ("key_skills", Value::Array(key_skills)),
            ("experience", id_name(v.experience)),
            ("schedule", id_name(v.schedule)),
            ("employment", id_name(v.employment)),
            (
                "work_format",
                json!([{ "id": "ON_SITE", "name": "На месте работодателя" }]),
            ),
            (
                "working_hours",
                json!([{ "id": "HOURS_8", "name": "8 часов" }]),
            ),
            (
                "work_schedule_by_days",
                json!([{ "id": "FIVE_ON_TWO_OFF", "name": "5/2" }]),
            ),
            ("working_days", json!([])),
            ("working_time_intervals", json!([])),
            ("working_time_modes", json!([])),
            ("fly_in_fly_out_duration", json!([])),
            ("civil_law_contracts", json!([])),
            ("night_shifts", false.into()),
            ("accept_handicapped", false.into()),
            ("accept_kids", false.into()),
            ("accept_temporary", false.into()),
            ("accept_incomplete_resumes", false.into()),
            ("accept_labor_contract", true.into()),
            ("allow_messages", v.allow_messages.into()),
            ("approved", true.into()),
            (
                "billing_type",
                json!({ "id": "standard", "name": "Стандарт" }),
            ),
            ("code", Value::Null),
            ("contacts", Value::Null),
            ("driver_license_types", json!([])),
            ("initial_created_at", hh_time(&v.created_at).into()),
            ("internship", false.into()),
            ("languages", json!([])),
            (
                "negotiations_url",
                self.url(&format!("/negotiations?vacancy_id={}", v.id))
                    .into(),
            ),
            (
                "suitable_resumes_url",
                self.url(&format!("/resumes?vacancy_id={}", v.id)).into(),
            ),
            ("test", Value::Null),
            ("age_restriction", Value::Null),
            ("video_vacancy", Value::Null),
            ("vacancy_constructor_template", Value::Null),
            ("hidden", false.into()),
            ("manager", self.manager(v)),
        ] {
            map.insert(k.into(), val);
        }
        // Anyone else sees the vacancy as published: no manager, no links to its
        // negotiations (hh's shape for a vacancy not the manager's).
        if !self.owns(v) {
            map.remove("manager");
            map.remove("hidden");
            map.insert("negotiations_url".into(), Value::Null);
            map.insert("suitable_resumes_url".into(), Value::Null);
        } else {
            // What the employer's own managers are told besides.
            if let Some(address) = map.get_mut("address").and_then(Value::as_object_mut) {
                address.insert("can_edit".into(), true.into());
            }
            map.insert("branded_template".into(), Value::Null);
            map.insert("can_upgrade_billing_type".into(), false.into());
            map.insert("expires_at".into(), hh_time(&v.expires_at).into());
            map.insert("response_notifications".into(), true.into());
        }
        Value::Object(map)
    }

    fn argument(a: &pipeline::Argument) -> Value {
        json!({
            "id": a.id,
            "required": a.required,
            "required_arguments": a.needs.iter().map(|n| json!({ "id": n })).collect::<Vec<_>>(),
        })
    }

    fn template_link(&self, id: &str, query: &str) -> Value {
        let (name, quick) = crate::routes::reference::template_title(id);
        json!({
            "id": id,
            "name": name,
            "quick": quick,
            "url": self.url(&format!("/message_templates/{id}?{query}")),
        })
    }

    /// An action on a negotiation: `PUT {base}/negotiations/{action}/{nid}`.
    pub fn action(&self, a: &Action, n: &Negotiation) -> Value {
        let templates: Vec<Value> = pipeline::action_templates(a.id, Some(n.employer_state))
            .iter()
            .map(|t| self.template_link(t, &format!("topic_id={}", n.id)))
            .collect();
        json!({
            "id": a.id,
            "name": a.name,
            "enabled": true,
            "hidden": false,
            "method": "PUT",
            "url": self.url(&format!("/negotiations/{}/{}", a.id, n.id)),
            "arguments": a.arguments.iter().map(Self::argument).collect::<Vec<_>>(),
            "resulting_employer_state": id_name((a.result.id(), a.result.name())),
            "templates": templates,
            "sub_actions": [],
        })
    }

    /// An invite action for a resume: `POST {base}/negotiations/{action}`.
    pub fn invite_action(&self, a: &Action, v: &Vacancy, r: &Resume) -> Value {
        let query = format!("resume_id={}&vacancy_id={}", r.id, v.id);
        let templates: Vec<Value> = pipeline::action_templates(a.id, None)
            .iter()
            .map(|t| self.template_link(t, &query))
            .collect();
        json!({
            "id": a.id,
            "name": a.name,
            "enabled": true,
            "hidden": false,
            "method": "POST",
            "url": self.url(&format!("/negotiations/{}", crate::pipeline::invite_segment(a))),
            "arguments": a.arguments.iter().map(Self::argument).collect::<Vec<_>>(),
            "resulting_employer_state": id_name((a.result.id(), a.result.name())),
            "templates": templates,
            "sub_actions": [],
        })
    }

    fn education(r: &Resume) -> Value {
        json!({
            "level": id_name(r.education_level),
            "primary": r.education.iter().map(|e| json!({
                "id": null,
                "name": e.name,
                "name_id": null,
                "organization": e.organization,
                "organization_id": null,
                "result": e.result,
                "result_id": null,
                "year": e.year,
                "education_level": id_name(r.education_level),
                "university_acronym": null,
            })).collect::<Vec<_>>(),
            "additional": [],
            "attestation": [],
            "elementary": [],
        })
    }

    fn experience(&self, r: &Resume) -> Value {
        Value::Array(
            r.experience
                .iter()
                .map(|j| {
                    let industry = INDUSTRIES
                        .iter()
                        .find(|(id, _)| *id == j.industry)
                        .map(|p| id_name(*p));
                    json!({
                        "area": self.area(j.area),
                        "company": j.company,
                        "company_id": null,
                        "company_url": null,
                        "employer": null,
                        "start": date(&j.start),
                        "end": j.end.as_ref().map(date),
                        "industries": industry.into_iter().collect::<Vec<_>>(),
                        "industry": null,
                        "position": j.position,
                        "description": j.description,
                    })
                })
                .collect(),
        )
    }

    fn photo(r: &Resume) -> Value {
        if !r.has_photo {
            return Value::Null;
        }
        let base = format!("https://img.hhcdn.ru/photo/{}", &r.id[..12]);
        json!({
            "small": format!("{base}.jpeg?t=small"),
            "medium": format!("{base}.jpeg?t=medium"),
            "40": format!("{base}.jpeg?t=40"),
            "100": format!("{base}.jpeg?t=100"),
            "500": format!("{base}.jpeg?t=500"),
            "id": &r.id[..12],
        })
    }

    /// The fields a resume has both in a negotiation and on its own.
    fn resume_common(
        &self,
        r: &Resume,
        topic: Option<&Negotiation>,
    ) -> serde_json::Map<String, Value> {
        let (url, alternate, context) = match topic {
            Some(n) => (
                self.url(&format!("/resumes/{}?topic_id={}", r.id, n.id)),
                format!(
                    "https://hh.ru/resume/{}?vacancyId={}&t={}",
                    r.id, n.vacancy_id, n.id
                ),
                format!("&topic_id={}&vacancy_id={}", n.id, n.vacancy_id),
            ),
            None => (
                self.url(&format!("/resumes/{}", r.id)),
                format!("https://hh.ru/resume/{}", r.id),
                String::new(),
            ),
        };
        let file = format!("{} {} {}", r.last_name, r.first_name, r.middle_name);
        let download = |kind: &str| {
            json!({
                "url": self.url(&format!(
                    "/resumes/{}/download/{}.{kind}?type={kind}{context}",
                    r.id,
                    url::form_urlencoded::byte_serialize(file.as_bytes()).collect::<String>()
                ))
            })
        };
        let download = json!({ "pdf": download("pdf"), "rtf": download("rtf") });
        let value = json!({
            "id": r.id,
            "title": r.title,
            "url": url,
            "alternate_url": alternate,
            "first_name": r.first_name,
            "last_name": r.last_name,
            "middle_name": r.middle_name,
            "age": r.age,
            "gender": match r.gender {
                Gender::Male => json!({ "id": "male", "name": "Мужской" }),
                Gender::Female => json!({ "id": "female", "name": "Женский" }),
            },
            "area": self.area(r.area),
            "salary": r.salary.map(|a| json!({ "amount": a, "currency": "RUR" })),
            "total_experience": { "months": r.total_months },
            "experience": self.experience(r),
            "education": Self::education(r),
            "certificate": [],
            "created_at": hh_time(&r.created_at),
            "updated_at": hh_time(&r.updated_at),
            "download": download,
            "actions": { "download": download, "download_with_contact": null, "get_with_contact": null },
            "photo": Self::photo(r),
            "owner": {
                "id": r.owner_id,
                "comments": {
                    "url": self.url(&format!("/applicant_comments/{}", r.owner_id)),
                    "counters": { "total": 0 },
                },
            },
            "negotiations_history": { "url": self.url(&format!("/resumes/{}/negotiations_history", r.id)) },
            "hidden_fields": [],
            "can_view_full_info": true,
            "favorited": false,
            "marked": false,
            "viewed": topic.is_some(),
            "platform": { "id": "headhunter" },
            "real_id": r.id,
            "tags": [],
            "skill_set": r.skill_set,
            "employment_form": [{ "id": "FULL", "name": "Полная" }],
            "work_format": [{ "id": "ON_SITE", "name": "На месте работодателя" }],
            "professional_roles": [id_name(PROFESSIONS[r.profession].role)],
            "job_search_status": {
                "id": r.job_search_status.0,
                "name": r.job_search_status.1,
                "last_change_time": hh_time(&r.updated_at),
            },
            "contacts_open_until_date": null,
        });
        match value {
            Value::Object(map) => map,
            _ => unreachable!("json! of an object"),
        }
    }

    /// A resume as resume search lists it: the fields of a resume without its negotiation.
    pub fn resume_search_item(&self, r: &Resume) -> Value {
        Value::Object(self.resume_common(r, None))
    }

    /// The resume inside a negotiation.
    pub fn resume_summary(&self, r: &Resume, n: &Negotiation) -> Value {
        Value::Object(self.resume_common(r, Some(n)))
    }

    /// `GET /resumes/{id}`: the full resume.
    pub fn resume_full(&self, r: &Resume, topic: Option<&Negotiation>) -> Value {
        let mut map = self.resume_common(r, topic);
        // The resume's history with the acting account's employer only.
        let history: Vec<Value> = self
            .world
            .negotiations
            .iter()
            .filter(|n| n.resume_id == r.id)
            .filter_map(|n| self.world.vacancy(&n.vacancy_id).map(|v| (n, v)))
            .filter(|(_, v)| self.owns(v))
            .map(|(n, v)| {
                json!({
                    "id": v.id,
                    "name": v.name,
                    "url": self.url(&format!("/vacancies/{}", v.id)),
                    "archived": false,
                    "can_edit": true,
                    "negotiations_url": self.url(&format!("/negotiations/{}", n.id)),
                    "messages_url": self.url(&format!("/negotiations/{}/messages", n.id)),
                    "items": [{
                        "state": id_name((n.employer_state.id(), n.employer_state.name())),
                        "created_at": hh_time(&n.created_at),
                        "employer_state": id_name((n.employer_state.id(), n.employer_state.name())),
                        "with_message": n.invited,
                    }],
                })
            })
            .collect();
        let phone = format!(
            "+7 ({}) {}-{}-{}",
            &r.phone[1..4],
            &r.phone[4..7],
            &r.phone[7..9],
            &r.phone[9..11]
        );
        let extra = json!({
            "skills": r.skills_text,
            "birth_date": date(&r.birth_date),
            "citizenship": [{ "id": "113", "name": "Россия", "url": self.url("/areas/113") }],
            "work_ticket": [{ "id": "113", "name": "Россия", "url": self.url("/areas/113") }],
            "language": [
                { "id": "rus", "name": "Русский", "level": { "id": "l1", "name": "Родной" } },
                { "id": "eng", "name": "Английский", "level": id_name(r.english) },
            ],
            "contact": [
                {
                    "type": { "id": "cell", "name": "Мобильный телефон" },
                    "kind": "phone",
                    "contact_value": format!("+7 ({}) {}-{}-{}", &r.phone[1..4], &r.phone[4..7], &r.phone[7..9], &r.phone[9..11]),
                    "value": {
                        "country": "7",
                        "city": &r.phone[1..4],
                        "number": &r.phone[4..],
                        "formatted": phone,
                    },
                    // hh's current field; `value` above is its deprecated form.
                    "contact_value": phone,
                    "kind": "phone",
                    "preferred": true,
                    "comment": null,
                    "verified": true,
                    "need_verification": false,
                },
                {
                    "type": { "id": "email", "name": "Эл. почта" },
                    "kind": "email",
                    "contact_value": r.email,
                    "value": r.email,
                    "contact_value": r.email,
                    "kind": "email",
                    "preferred": false,
                },
            ],
            "business_trip_readiness": { "id": "ready", "name": "Готов к командировкам" },
            "relocation": { "type": { "id": "no_relocation", "name": "не могу переехать" }, "area": [], "district": [] },
            "resume_locale": { "id": "RU", "name": "Русский" },
            "schedule": { "id": "fullDay", "name": "Полный день" },
            "schedules": [{ "id": "fullDay", "name": "Полный день" }, { "id": "remote", "name": "Удаленная работа" }],
            "employment": { "id": "full", "name": "Полная занятость" },
            "employments": [{ "id": "full", "name": "Полная занятость" }],
            "travel_time": { "id": "any", "name": "Не имеет значения" },
            "site": [],
            "recommendation": [],
            "driver_license_types": [],
            "has_vehicle": false,
            "metro": null,
            "paid_services": [],
            "complaint_status": { "applicant_topics_are_hidden": false },
            "contact_view_status": "FULL",
            "portfolio": [],
            "creds": null,
            "experience_group_by_company": [],
            "negotiations_history": {
                "url": self.url(&format!("/resumes/{}/negotiations_history", r.id)),
                "vacancies": history,
            },
        });
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
        Value::Object(map)
    }

    /// A message as the retired `GET /negotiations/{nid}/messages` shows it: only the
    /// conversation's text, none of the chat's notices or files.
    pub fn retired_message(&self, chat: &Chat, position: usize) -> Value {
        let m = &chat.messages[position];
        let (viewed_by_me, viewed_by_opponent) = match m.author {
            Author::Applicant => (self.seen(chat, position), true),
            _ => (true, chat.viewed_by_applicant(position)),
        };
        json!({
            "id": m.id,
            "author": { "participant_type": match m.author {
                Author::Applicant => "applicant",
                _ => "employer",
            } },
            "created_at": hh_time(&m.created_at),
            "text": m.text.clone().unwrap_or_default(),
            "state": id_name(m.state),
            "viewed_by_me": viewed_by_me,
            "viewed_by_opponent": viewed_by_opponent,
            "read": viewed_by_me,
            "editable": false,
            "address": null,
            "assessments": [],
        })
    }

    /// A negotiation as listed in a collection; `with_vacancy` adds the vacancy, as
    /// `GET /negotiations/{id}` does.
    pub fn negotiation(&self, n: &Negotiation, with_vacancy: bool) -> Value {
        let chat = self.world.chat_of(n);
        let actions: Vec<Value> = n
            .employer_state
            .actions()
            .iter()
            .filter_map(|id| pipeline::action(id))
            .map(|a| self.action(a, n))
            .collect();
        let mut templates: Vec<Value> = Vec::new();
        for a in n.employer_state.actions() {
            for t in pipeline::action_templates(a, Some(n.employer_state)) {
                if !templates.iter().any(|v| v["id"] == *t) {
                    templates.push(self.template_link(t, &format!("topic_id={}", n.id)));
                }
            }
        }
        let resume = self
            .world
            .resume(&n.resume_id)
            .map(|r| self.resume_summary(r, n))
            .unwrap_or(Value::Null);
        let state = id_name((n.applicant_state.id(), n.applicant_state.name()));
        let employer_state = id_name((n.employer_state.id(), n.employer_state.name()));
        let mut value = json!({
            "id": n.id,
            "url": self.url(&format!("/negotiations/{}", n.id)),
            "state": state,
            "employer_state": employer_state,
            "funnel_stage": {
                "id": format!("{}", 10_000 + n.employer_state as u32),
                "state": employer_state,
                "substate": null,
            },
            "created_at": hh_time(&n.created_at),
            "updated_at": hh_time(&n.updated_at),
            "has_updates": n.has_updates,
            "viewed_by_opponent": n.viewed_by_opponent,
            "messaging_status": if n.messaging_open() { "ok" } else { "no_invitation" },
            // hh's `source` says through which channel the negotiation began; a response
            // and an employer's invitation both begin as a plain NEGOTIATION (the other
            // values are phone calls, chats, auto-invites and the like).
            "source": "NEGOTIATION",
            "messages_url": self.url(&format!("/negotiations/{}/messages", n.id)),
            "chat_id": n.chat_id,
            "chat_states": { "response_reminder_state": { "allowed": false } },
            "counters": {
                "messages": chat.map_or(0, |c| c.messages.iter().filter(|m| m.is_conversation()).count()),
                "unread_messages": chat.map_or(0, |c| self.unread(c)),
            },
            "applicant_question_state": false,
            "professional_roles": [],
            "tags": [],
            "test_result": null,
            "resume": resume,
            "actions": actions,
            "templates": templates,
        });
        if with_vacancy && let Some(v) = self.world.vacancy(&n.vacancy_id) {
            value["vacancy"] = Value::Object(self.vacancy_short(v));
        }
        value
    }

    /// A collection with its url, counters and sort orders, for one vacancy.
    pub fn collection(&self, c: &pipeline::Collection, vacancy_id: &str) -> Value {
        let (mut total, mut with_updates) = (0u32, 0u32);
        for n in self.world.vacancy_negotiations(vacancy_id) {
            if c.states.contains(&n.employer_state) {
                total += 1;
                with_updates += n.has_updates as u32;
            }
        }
        let url = self.url(&format!("/negotiations/{}?vacancy_id={vacancy_id}", c.id));
        json!({
            "id": c.id,
            "name": c.name,
            "description": c.description,
            "hidden": false,
            "url": url,
            "counters": { "total": total, "with_updates": with_updates },
            "order_types": pipeline::ORDER_TYPES.iter().map(|(id, name)| json!({
                "id": id,
                "name": name,
                "url": format!("{url}&order_by={id}"),
            })).collect::<Vec<_>>(),
            "sub_collections": [],
        })
    }
}

impl Render<'_> {
    /// Has the acting manager seen the message at `position`.
    fn seen(&self, chat: &Chat, position: usize) -> bool {
        self.me()
            .and_then(|me| chat.manager(me))
            .and_then(|m| m.last_viewed.as_deref())
            .and_then(|id| chat.position(id))
            .is_some_and(|seen| position <= seen)
    }
}

/// hh's bot as a chat participant.
pub const BOT_PARTICIPANT_ID: &str = "1";
const BOT_NAME: &str = "hh.ru";

/// hh's chats, as an employer sees them.
impl Render<'_> {
    fn applicant_of(&self, chat: &Chat) -> Option<&Resume> {
        let n = self.world.negotiation(&chat.negotiation_id)?;
        self.world.resume(&n.resume_id)
    }

    fn manager_name(&self, manager: usize) -> String {
        let m = &self.world.managers[manager];
        format!("{} {}", m.first_name, m.last_name)
    }

    /// (participant id, name) of a message's author.
    fn participant(&self, chat: &Chat, author: Author) -> (String, String) {
        match author {
            Author::Applicant => self
                .applicant_of(chat)
                .map(|r| {
                    (
                        r.owner_id.clone(),
                        format!("{} {}", r.first_name, r.last_name),
                    )
                })
                .unwrap_or_default(),
            Author::Manager(m) => (self.world.managers[m].id.clone(), self.manager_name(m)),
            Author::Bot => (BOT_PARTICIPANT_ID.into(), BOT_NAME.into()),
        }
    }

    fn role(author: Author) -> &'static str {
        match author {
            Author::Applicant => "APPLICANT",
            Author::Manager(_) => "EMPLOYER",
            Author::Bot => "BOT",
        }
    }

    /// What every chat shows: id, kind, title, unread count.
    pub fn chat(&self, chat: &Chat) -> serde_json::Map<String, Value> {
        let title = self
            .applicant_of(chat)
            .map(|r| format!("{} {}", r.first_name, r.last_name))
            .unwrap_or_default();
        let value = json!({
            "id": chat.id.to_string(),
            "type": "NEGOTIATION",
            "display": { "title": title, "icon": null },
            "creation_time": hh_time(&chat.created_at),
            "unread_message_count": self.unread(chat),
            "muted": false,
            "block_reason": null,
        });
        match value {
            Value::Object(map) => map,
            _ => unreachable!("json! of an object"),
        }
    }

    /// A chat in the list, with its last message.
    pub fn chat_list_item(&self, chat: &Chat) -> Value {
        let mut map = self.chat(chat);
        if let Some(position) = chat.messages.len().checked_sub(1) {
            let full = self.chat_message(chat, position);
            let short: serde_json::Map<String, Value> = [
                "id",
                "creation_time",
                "viewed_by_opponent",
                "sender_participant_id",
                "sender_display_info",
                "payload",
            ]
            .iter()
            .map(|k| (k.to_string(), full[*k].clone()))
            .collect();
            map.insert("last_message".into(), Value::Object(short));
        }
        Value::Object(map)
    }

    /// What the employer may do in the chat now.
    pub fn chat_states(&self, chat: &Chat) -> Value {
        json!({
            "write_message_state": {
                "allowed": chat.writable(),
                "reason": chat.write_block.map(|b| b.reason()),
            },
            "send_file_state": { "allowed": chat.writable() },
        })
    }

    pub fn chat_message(&self, chat: &Chat, position: usize) -> Value {
        let m: &Message = &chat.messages[position];
        let (sender_id, sender_name) = self.participant(chat, m.author);
        let moved = match m.kind {
            MessageKind::ParticipantJoined(manager) => json!({
                "id": self.world.managers[manager].id,
                "name": self.manager_name(manager),
                "icon": null,
            }),
            MessageKind::Simple => Value::Null,
        };
        let attachments = m.attachment.as_ref().map(|a| {
            let url = format!("{}/chat-files/{}", self.file_host, a.upload_id);
            let preview = a
                .content_type
                .starts_with("image/")
                .then(|| json!({ "url": url }));
            json!([{ "url": url, "title": a.title, "content_type": a.content_type, "preview": preview }])
        });
        json!({
            "id": m.id,
            "type": m.kind.id(),
            "creation_time": hh_time(&m.created_at),
            "last_change_time": m.edited_at.as_ref().map(hh_time),
            "can_edit": self.mine(m.author)
                && m.kind == MessageKind::Simple
                && m.text.is_some()
                && chat.writable(),
            "viewed_by_opponent": m.author == Author::Applicant || chat.viewed_by_applicant(position),
            "sender_participant_id": sender_id,
            "sender_display_info": {
                "name": sender_name,
                "is_current_participant": self.mine(m.author),
                "icon": null,
                "role": Self::role(m.author),
            },
            "payload": {
                "text": m.text,
                "attachments": attachments,
                "moved_participant": moved,
            },
        })
    }

    /// Who is in the chat and the last message each has seen.
    pub fn chat_participants(&self, chat: &Chat) -> Value {
        let mut items = Vec::new();
        let (id, name) = self.participant(chat, Author::Applicant);
        items.push(json!({
            "id": id, "name": name, "type": "USER", "icon": null,
            "last_viewed_message_id": chat.applicant_viewed, "role": "APPLICANT",
        }));
        for m in &chat.managers {
            let (id, name) = self.participant(chat, Author::Manager(m.manager));
            items.push(json!({
                "id": id, "name": name, "type": "USER", "icon": null,
                "last_viewed_message_id": m.last_viewed, "role": "EMPLOYER",
            }));
        }
        if chat.messages.iter().any(|m| m.author == Author::Bot) {
            items.push(json!({
                "id": BOT_PARTICIPANT_ID, "name": BOT_NAME, "type": "BOT", "icon": null,
                "last_viewed_message_id": null, "role": "BOT",
            }));
        }
        json!({ "items": items })
    }
}
