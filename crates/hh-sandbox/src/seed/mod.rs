//! Deterministic, realistic data from a seed: the same seed gives the same employers,
//! users, vacancies, resumes, negotiations and messages, byte for byte.
//!
//! The default user's employer comes first and is what it was when the sandbox had one
//! employer; the others are drawn after it from their own stream, so adding them changed
//! nothing of it. Resumes are one pool, hh's database, that every employer's
//! negotiations draw from.

pub mod words;

use std::collections::HashMap;
use std::ops::RangeInclusive;

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use crate::chat::{Author, Chat, Message, MessageKind, WriteBlock};
use crate::files::Files;
use crate::model::*;
use crate::pipeline::{ApplicantState, EmployerState};
use words::*;

/// How many active vacancies the default user's employer has.
pub const VACANCIES: usize = 6;
/// Resumes the sandbox knows at least (more when the big vacancy needs them).
pub const MIN_RESUMES: usize = 320;

/// The smaller employers seeded after the default one: how many vacancies, and how many
/// negotiations each vacancy gets.
struct OtherEmployer {
    vacancies: usize,
    negotiations: RangeInclusive<usize>,
    /// Where its managers' e-mails are.
    domain: &'static str,
}

/// Employer B: one recruiter of its own.
const SECOND: OtherEmployer = OtherEmployer {
    vacancies: 3,
    negotiations: 8..=15,
    domain: "example.org",
};
/// Employer C: no recruiter of its own; the default employer's second manager works for
/// it too, through a second work account.
const THIRD: OtherEmployer = OtherEmployer {
    vacancies: 2,
    negotiations: 5..=10,
    domain: "example.net",
};

/// Seeded data are dated relative to this moment, so they do not change from day to day.
pub fn anchor() -> Time {
    moscow()
        .with_ymd_and_hms(2026, 11, 2, 12, 0, 0)
        .single()
        .expect("valid anchor date")
}

/// Builds the world for `seed`; `big` gives the first vacancy exactly that many negotiations.
pub fn world(seed: u64, big: Option<usize>) -> World {
    let mut rng = StdRng::seed_from_u64(seed);
    let anchor = anchor();

    let employer = employer(&mut rng, &STREETS[..2], &[]);
    let manager_count = rng.random_range(2..=3);
    let mut managers: Vec<Manager> = Vec::new();
    for i in 0..manager_count {
        let m = manager(&mut rng, &managers, 0, i, "example.com");
        managers.push(m);
    }

    let mut professions: Vec<usize> = (0..PROFESSIONS.len()).collect();
    professions.shuffle(&mut rng);
    let vacancies: Vec<Vacancy> = professions[..VACANCIES]
        .iter()
        .enumerate()
        .map(|(i, &p)| vacancy(&mut rng, anchor, p, (0, &employer), i % manager_count))
        .collect();

    let resume_count = MIN_RESUMES.max(big.unwrap_or(0) + 40);
    let mut resumes = Vec::with_capacity(resume_count);
    for i in 0..resume_count {
        // Most applicants come from the professions the employer hires for.
        let profession = if i % 5 == 4 {
            rng.random_range(0..PROFESSIONS.len())
        } else {
            vacancies[i % VACANCIES].profession
        };
        resumes.push(resume(&mut rng, anchor, profession));
    }
    let resume_index = resumes
        .iter()
        .enumerate()
        .map(|(i, r)| (r.id.clone(), i))
        .collect();

    let mut world = World {
        employers: vec![employer],
        managers,
        users: Vec::new(),
        vacancies,
        resumes,
        negotiations: Vec::new(),
        resume_index,
        negotiation_index: HashMap::new(),
        chats: Vec::new(),
        chat_index: HashMap::new(),
        files: Files::default(),
        next_negotiation_id: rng.random_range(4_100_000_000..4_200_000_000u64),
        next_message_id: rng.random_range(9_000_000_000..9_100_000_000u64),
        next_chat_id: rng.random_range(40_000_000..50_000_000u64),
        big_vacancy: big.map(|_| String::new()),
        comments: Vec::new(),
        // Not drawn from `rng`: a draw here would change everything seeded after it.
        next_comment_id: 70_000_000,
        saved_searches: Vec::new(),
    };
    if big.is_some() {
        world.big_vacancy = Some(world.vacancies[0].id.clone());
    }

    // Chats' extras (hh's bot, colleagues joining) draw from their own stream, so that
    // the negotiations are what they were before chats existed.
    let mut extras = StdRng::seed_from_u64(seed ^ 0x0063_6861_7473);
    for vi in 0..world.vacancies.len() {
        let count = match (vi, big) {
            (0, Some(n)) => n,
            _ => rng.random_range(30..=60),
        };
        applications(&mut rng, &mut extras, &mut world, vi, count, anchor);
    }

    // The other employers, from a stream of their own.
    let mut others = StdRng::seed_from_u64(seed ^ 0x6f74_6865_7273);
    let second = add_employer(&mut others, &mut world, &STREETS[2..]);
    let m = manager(&mut others, &world.managers, second, 0, SECOND.domain);
    world.managers.push(m);
    seed_vacancies(&mut others, &mut world, &SECOND, second, anchor);
    let third = add_employer(&mut others, &mut world, &STREETS[1..3]);
    // The default employer's second manager, the same person, at the third employer.
    let colleague = world.managers[1].clone();
    let id = manager_id(&mut others, &world.managers);
    world.managers.push(Manager {
        id,
        employer: third,
        is_main_contact: true,
        admin: true,
        ..colleague
    });
    seed_vacancies(&mut others, &mut world, &THIRD, third, anchor);

    world.users = users(&world.managers);
    world.saved_searches = saved_searches(&world, anchor);
    world
}

/// Every manager's saved resume searches: one by a word of each of their vacancies'
/// names, opened some days before the anchor, so part of the results are new.
fn saved_searches(world: &World, anchor: Time) -> Vec<SavedSearch> {
    let mut all = Vec::new();
    for (mi, _) in world.managers.iter().enumerate() {
        for (k, v) in world
            .vacancies
            .iter()
            .filter(|v| v.manager == mi)
            .take(3)
            .enumerate()
        {
            let word = v
                .name
                .split_whitespace()
                .max_by_key(|w| w.chars().count())
                .unwrap_or(&v.name)
                .to_lowercase();
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("text", &word)
                .append_pair("text.field", "title")
                .append_pair("text.logic", "all")
                .append_pair("text.period", "")
                .finish();
            all.push(SavedSearch {
                id: format!("{}{:02}", 3_100_000 + mi * 100, k),
                manager: mi,
                name: format!("{} — {}", v.name, v.area.1),
                query,
                subscription: k % 2 == 0,
                created_at: anchor - Duration::days(40 + 7 * k as i64),
                last_used: anchor - Duration::days(10 + 5 * k as i64),
            });
        }
    }
    all
}

/// An employer with its offices on `streets`; its id and name differ from `taken`'s.
fn employer(
    rng: &mut StdRng,
    streets: &[(&'static str, &'static str)],
    taken: &[Employer],
) -> Employer {
    let id = loop {
        let id = rng.random_range(1_000_000..9_999_999u32).to_string();
        if !taken.iter().any(|e| e.id == id) {
            break id;
        }
    };
    let name = loop {
        let name = EMPLOYERS.choose(rng).unwrap().to_string();
        if !taken.iter().any(|e| e.name == name) {
            break name;
        }
    };
    Employer {
        id,
        name,
        addresses: streets
            .iter()
            .enumerate()
            .map(|(i, (street, building))| Address {
                id: rng.random_range(100_000..999_999u32).to_string() + &i.to_string(),
                city: "Москва",
                street,
                building,
                lat: 55.75 + rng.random_range(-0.05..0.05),
                lng: 37.61 + rng.random_range(-0.08..0.08),
            })
            .collect(),
    }
}

/// A manager id no other work account has.
fn manager_id(rng: &mut StdRng, taken: &[Manager]) -> String {
    loop {
        let id = rng.random_range(1_000_000..9_999_999u32).to_string();
        if !taken.iter().any(|m| m.id == id) {
            break id;
        }
    }
}

/// The `i`th manager of `employer`, a new person; the first is the main contact.
fn manager(
    rng: &mut StdRng,
    taken: &[Manager],
    employer: usize,
    i: usize,
    domain: &str,
) -> Manager {
    let (first, last, middle, _) = person(rng);
    let id = manager_id(rng, taken);
    let user_id = loop {
        let id = rng.random_range(10_000_000..99_999_999u32).to_string();
        if !taken.iter().any(|m| m.user_id == id) {
            break id;
        }
    };
    Manager {
        id,
        employer,
        user_id,
        email: format!("{}@{domain}", translit_login(&last, i)),
        phone: format!("7916{:07}", rng.random_range(0..10_000_000u32)),
        first_name: first,
        last_name: last,
        middle_name: middle,
        is_main_contact: i == 0,
        admin: i == 0,
        // Set by hand, not drawn: the seeded world stays what it was.
        resume_view_limit: if i == 0 { 200 } else { 100 },
        resume_views_spent: 12 + 5 * i as u32,
    }
}

/// Adds one of the smaller employers; returns its index.
fn add_employer(
    rng: &mut StdRng,
    world: &mut World,
    streets: &[(&'static str, &'static str)],
) -> usize {
    let e = employer(rng, streets, &world.employers);
    world.employers.push(e);
    world.employers.len() - 1
}

/// A smaller employer's vacancies (of its lead manager) and their negotiations, from
/// the shared resumes.
fn seed_vacancies(
    rng: &mut StdRng,
    world: &mut World,
    shape: &OtherEmployer,
    employer: usize,
    anchor: Time,
) {
    let Some(lead) = world.lead_manager(employer) else {
        return;
    };
    // Professions differ within an employer; another employer may hire for the same.
    let mut professions: Vec<usize> = (0..PROFESSIONS.len()).collect();
    professions.shuffle(rng);
    let first = world.vacancies.len();
    for &p in professions.iter().take(shape.vacancies) {
        let mut v = vacancy(rng, anchor, p, (employer, &world.employers[employer]), lead);
        while world.vacancy(&v.id).is_some() {
            v.id = rng.random_range(100_000_000..130_000_000u32).to_string();
        }
        world.vacancies.push(v);
    }
    // Their chats' extras from the same stream: nothing else follows them.
    let mut extras = StdRng::seed_from_u64(rng.random());
    for vi in first..world.vacancies.len() {
        let count = rng.random_range(shape.negotiations.clone());
        applications(rng, &mut extras, world, vi, count, anchor);
    }
}

/// `count` resumes apply to vacancy `vi` (or were invited to it), each at most once.
fn applications(
    rng: &mut StdRng,
    extras: &mut StdRng,
    world: &mut World,
    vi: usize,
    count: usize,
    anchor: Time,
) {
    // Each resume applies to a vacancy at most once (hh's one-per-pair rule);
    // some resumes stay without a negotiation so they can be invited.
    let mut candidates: Vec<usize> = (0..world.resumes.len()).collect();
    candidates.shuffle(rng);
    // Leave the last few resumes out of every vacancy: always invitable.
    candidates.retain(|&r| r < world.resumes.len() - 10);
    for &ri in candidates.iter().take(count) {
        let (n, chat) = negotiation(rng, extras, world, vi, ri, anchor);
        world.add_negotiation(n);
        world.add_chat(chat);
    }
}

/// One user per person, in the order their first work account appears.
fn users(managers: &[Manager]) -> Vec<User> {
    let mut users: Vec<User> = Vec::new();
    for (i, m) in managers.iter().enumerate() {
        match users.iter_mut().find(|u| u.user_id == m.user_id) {
            Some(u) => u.accounts.push(i),
            None => users.push(User {
                login: m.email.clone(),
                user_id: m.user_id.clone(),
                accounts: vec![i],
            }),
        }
    }
    users
}

fn person(rng: &mut StdRng) -> (String, String, String, Gender) {
    let surname = *SURNAMES.choose(rng).unwrap();
    if rng.random_bool(0.5) {
        (
            MALE_FIRST.choose(rng).unwrap().to_string(),
            surname.to_string(),
            PATRONYMIC_MALE.choose(rng).unwrap().to_string(),
            Gender::Male,
        )
    } else {
        (
            FEMALE_FIRST.choose(rng).unwrap().to_string(),
            feminine_surname(surname),
            PATRONYMIC_FEMALE.choose(rng).unwrap().to_string(),
            Gender::Female,
        )
    }
}

/// A Latin login for an e-mail address.
fn translit_login(s: &str, n: usize) -> String {
    let map = |c: char| -> &'static str {
        match c.to_lowercase().next().unwrap_or(c) {
            'а' => "a",
            'б' => "b",
            'в' => "v",
            'г' => "g",
            'д' => "d",
            'е' | 'ё' | 'э' => "e",
            'ж' => "zh",
            'з' => "z",
            'и' | 'й' | 'ы' => "i",
            'к' => "k",
            'л' => "l",
            'м' => "m",
            'н' => "n",
            'о' => "o",
            'п' => "p",
            'р' => "r",
            'с' => "s",
            'т' => "t",
            'у' => "u",
            'ф' => "f",
            'х' => "h",
            'ц' => "ts",
            'ч' => "ch",
            'ш' => "sh",
            'щ' => "sch",
            'ю' => "yu",
            'я' => "ya",
            _ => "",
        }
    };
    let mut out: String = s.chars().map(map).collect();
    if n > 0 {
        out.push_str(&n.to_string());
    }
    out
}

fn ago(anchor: Time, rng: &mut StdRng, min_hours: i64, max_hours: i64) -> Time {
    anchor - Duration::minutes(rng.random_range(min_hours * 60..max_hours * 60))
}

/// A vacancy of `employer` (its index and itself), published by `manager`.
fn vacancy(
    rng: &mut StdRng,
    anchor: Time,
    profession: usize,
    (employer_index, employer): (usize, &Employer),
    manager: usize,
) -> Vacancy {
    let p = &PROFESSIONS[profession];
    let area = if rng.random_bool(0.6) {
        AREAS[0]
    } else {
        *AREAS.choose(rng).unwrap()
    };
    let created_at = ago(anchor, rng, 24 * 10, 24 * 28);
    let published_at = created_at + Duration::minutes(rng.random_range(5..120));
    let round = |x: i64| x / 5_000 * 5_000;
    let (from, to) = match rng.random_range(0..4) {
        0 => (Some(round(p.salary.0)), None),
        1 => (None, Some(round(p.salary.1))),
        _ => (Some(round(p.salary.0)), Some(round(p.salary.1))),
    };
    let experience = *[
        ("noExperience", "Нет опыта"),
        ("between1And3", "От 1 года до 3 лет"),
        ("between3And6", "От 3 до 6 лет"),
    ]
    .choose(rng)
    .unwrap();
    let schedule = *[
        ("fullDay", "Полный день"),
        ("remote", "Удаленная работа"),
        ("flexible", "Гибкий график"),
    ]
    .choose(rng)
    .unwrap();
    Vacancy {
        id: rng.random_range(100_000_000..130_000_000u32).to_string(),
        employer: employer_index,
        profession,
        name: p.vacancy.to_string(),
        area,
        salary_from: from,
        salary_to: to,
        manager,
        created_at,
        published_at,
        expires_at: published_at + Duration::days(30),
        address: (area.0 == "1").then(|| rng.random_range(0..employer.addresses.len())),
        experience,
        schedule,
        employment: ("full", "Полная занятость"),
        views: rng.random_range(300..4000),
        premium: rng.random_bool(0.2),
        response_letter_required: rng.random_bool(0.2),
        allow_messages: true,
        preferred_order: "last_change_time_except_employer_inbox".to_string(),
    }
}

fn resume_id(rng: &mut StdRng) -> String {
    // hh resume ids are 38 hex digits.
    (0..38)
        .map(|_| char::from_digit(rng.random_range(0..16), 16).unwrap())
        .collect()
}

fn resume(rng: &mut StdRng, anchor: Time, profession: usize) -> Resume {
    let p = &PROFESSIONS[profession];
    let (first, last, middle, gender) = person(rng);
    let age = rng.random_range(20..56u32);
    let birth_year = anchor.year() - age as i32;
    let birth_date = NaiveDate::from_ymd_opt(
        birth_year,
        rng.random_range(1..=12),
        rng.random_range(1..=28),
    )
    .expect("valid date");
    let area = if rng.random_bool(0.55) {
        AREAS[0]
    } else {
        *AREAS.choose(rng).unwrap()
    };

    // Work history, newest first, ending now or recently.
    let career_months = ((age as i64 - 21).max(0) * 12).min(240);
    let jobs = if career_months < 6 {
        0
    } else {
        rng.random_range(1..=3)
    };
    let mut experience = Vec::new();
    let mut end_months_ago: i64 = if rng.random_bool(0.6) {
        0
    } else {
        rng.random_range(1..8)
    };
    let mut total_months = 0u32;
    let today = anchor.date_naive();
    for _ in 0..jobs {
        let length = rng
            .random_range(8..48i64)
            .min((career_months - end_months_ago).max(6));
        let start = months_before(today, end_months_ago + length);
        let end = (end_months_ago > 0).then(|| months_before(today, end_months_ago));
        let (company, industry) = *PAST_COMPANIES.choose(rng).unwrap();
        let duties: Vec<&str> = p.duties.choose_multiple(rng, 2).copied().collect();
        experience.push(Job {
            company,
            industry,
            position: p.resume_titles.choose(rng).unwrap().to_string(),
            area,
            start,
            end,
            description: format!(
                "— {}\n— {}\n— работа в команде из {} человек",
                capitalize(duties[0]),
                duties[1],
                rng.random_range(3..15)
            ),
        });
        total_months += length as u32;
        end_months_ago += length + rng.random_range(0..4);
        if end_months_ago >= career_months {
            break;
        }
    }

    let skill_count = rng.random_range(3..=p.skills.len().min(8));
    let mut skill_set: Vec<String> = p
        .skills
        .choose_multiple(rng, skill_count)
        .map(|s| s.to_string())
        .collect();
    skill_set.sort();
    let (uni, faculty) = *UNIVERSITIES.choose(rng).unwrap();
    let education_level = if rng.random_bool(0.8) {
        ("higher", "Высшее")
    } else {
        ("special_secondary", "Среднее специальное")
    };
    let graduated = (birth_year + 22).min(anchor.year() - 1);
    let salary = rng
        .random_bool(0.8)
        .then(|| (rng.random_range(p.salary.0..=p.salary.1) / 10_000) * 10_000);
    let created_at = ago(anchor, rng, 24 * 30, 24 * 700);
    let updated_at = ago(anchor, rng, 24, 24 * 29).max(created_at);
    let english = *[
        ("a2", "A2 — Элементарный"),
        ("b1", "B1 — Средний"),
        ("b2", "B2 — Средне-продвинутый"),
        ("c1", "C1 — Продвинутый"),
    ]
    .choose(rng)
    .unwrap();
    Resume {
        id: resume_id(rng),
        owner_id: rng.random_range(10_000_000..99_999_999u32).to_string(),
        profession,
        title: p.resume_titles.choose(rng).unwrap().to_string(),
        email: format!(
            "{}.{}@example.ru",
            translit_login(&first, 0),
            translit_login(&last, 0)
        ),
        phone: format!("79{:09}", rng.random_range(0..1_000_000_000u32)),
        first_name: first,
        last_name: last,
        middle_name: middle,
        gender,
        birth_date,
        age,
        area,
        salary,
        experience,
        total_months,
        skills_text: format!(
            "Ответственно подхожу к задачам, быстро обучаюсь. Сильные стороны: {}.",
            skill_set
                .iter()
                .take(3)
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        ),
        skill_set,
        education_level,
        education: vec![Education {
            name: uni,
            organization: faculty,
            result: p.role.1.to_string(),
            year: graduated,
        }],
        english,
        has_photo: rng.random_bool(0.4),
        job_search_status: *[
            ("active_search", "Активно ищу работу"),
            ("looking_for_offers", "Рассматриваю предложения"),
        ]
        .choose(rng)
        .unwrap(),
        created_at,
        updated_at,
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn months_before(d: NaiveDate, months: i64) -> NaiveDate {
    let total = d.year() as i64 * 12 + d.month0() as i64 - months;
    NaiveDate::from_ymd_opt((total / 12) as i32, (total % 12) as u32 + 1, 1).expect("valid date")
}

/// One seeded negotiation of vacancy `vi` with resume `ri`, with a plausible history in
/// its chat.
fn negotiation(
    rng: &mut StdRng,
    extras: &mut StdRng,
    world: &mut World,
    vi: usize,
    ri: usize,
    anchor: Time,
) -> (Negotiation, Chat) {
    use EmployerState::*;
    let (vacancy_id, vacancy_name, vacancy_manager, published_at, letter_required) = {
        let v = &world.vacancies[vi];
        (
            v.id.clone(),
            v.name.clone(),
            v.manager,
            v.published_at,
            v.response_letter_required,
        )
    };
    // The employer's lead manager began every seeded conversation.
    let lead = world
        .lead_manager(world.vacancies[vi].employer)
        .unwrap_or(vacancy_manager);
    let roll = rng.random_range(0..100);
    let state = match roll {
        0..=44 => Response,
        45..=56 => Consider,
        57..=66 => PhoneInterview,
        67..=74 => Interview,
        75..=77 => Offer,
        78..=79 => Hired,
        80..=94 => DiscardByEmployer,
        _ => DiscardByApplicant,
    };
    // Some invitations come from the employer (they found the resume themselves).
    let initiator = if state.invites() && rng.random_bool(0.25) {
        Initiator::Employer
    } else {
        Initiator::Applicant
    };
    let earliest = (anchor - published_at).num_hours().max(2);
    let created_at = ago(anchor, rng, 1, earliest);
    let id = world.new_negotiation_id();
    let mut n = Negotiation {
        id,
        vacancy_id,
        resume_id: world.resumes[ri].id.clone(),
        initiator,
        employer_state: state,
        applicant_state: ApplicantState::Response,
        invited: initiator == Initiator::Employer,
        pending_applicant_state: None,
        created_at,
        updated_at: created_at,
        has_updates: false,
        viewed_by_opponent: rng.random_bool(0.7),
        relevance: rng.random_range(0..1000),
        chat_id: world.new_chat_id(),
    };
    let mut chat = Chat::new(n.chat_id, n.id.clone(), created_at, &[lead]);
    let mut at = created_at;
    let mut step = |rng: &mut StdRng| {
        at = (at + Duration::minutes(rng.random_range(10..60 * 30))).min(anchor);
        at
    };

    match initiator {
        Initiator::Applicant => {
            if rng.random_bool(0.6) || letter_required {
                let text = COVER_LETTERS.choose(rng).unwrap().to_string();
                let state = ("response", "Отклик");
                push(
                    world,
                    &mut n,
                    &mut chat,
                    Author::Applicant,
                    created_at,
                    text,
                    state,
                );
            }
            // hh's bot tells the employer about some responses.
            if extras.random_bool(0.3) {
                let id = world.new_message_id();
                let text = format!("Новый отклик на вакансию «{vacancy_name}»");
                chat.push(Message::text(
                    id,
                    Author::Bot,
                    created_at,
                    text,
                    ("text", "Текст"),
                ));
            }
        }
        Initiator::Employer => {
            let text = EMPLOYER_INVITES.choose(rng).unwrap().to_string();
            let state = ("invitation", "Приглашение");
            let me = Author::Manager(lead);
            push(world, &mut n, &mut chat, me, created_at, text, state);
            n.applicant_state = ApplicantState::Invitation;
        }
    }
    // The vacancy's own manager, when it is not the token's, joined the chat.
    if vacancy_manager != lead {
        let id = world.new_message_id();
        let at = created_at + Duration::minutes(extras.random_range(1..10));
        chat.managers.push(crate::chat::ManagerInChat {
            manager: vacancy_manager,
            last_viewed: None,
        });
        chat.push(Message {
            kind: MessageKind::ParticipantJoined(vacancy_manager),
            text: None,
            ..Message::text(
                id,
                Author::Manager(vacancy_manager),
                at,
                String::new(),
                ("text", "Текст"),
            )
        });
    }

    if state.invites() {
        if n.initiator == Initiator::Applicant {
            n.invited = true;
            let t = step(rng);
            let text = EMPLOYER_INVITES.choose(rng).unwrap().to_string();
            let state = ("invitation", "Приглашение");
            push(
                world,
                &mut n,
                &mut chat,
                Author::Manager(lead),
                t,
                text,
                state,
            );
            n.applicant_state = ApplicantState::Invitation;
        }
        // The applicant answered in some of them; a recent answer may be unread.
        if rng.random_bool(0.5) {
            let t = step(rng);
            let text = APPLICANT_REPLIES.choose(rng).unwrap().to_string();
            let state = ("text", "Текст");
            push(world, &mut n, &mut chat, Author::Applicant, t, text, state);
        }
    }
    if state == DiscardByEmployer {
        if rng.random_bool(0.7) {
            let t = step(rng);
            let text = EMPLOYER_DISCARDS.choose(rng).unwrap().to_string();
            let state = ("discard", "Отказ");
            push(
                world,
                &mut n,
                &mut chat,
                Author::Manager(lead),
                t,
                text,
                state,
            );
            n.applicant_state = ApplicantState::Discard;
        } else {
            // Moved without a message: the applicant learns when the employer writes.
            n.pending_applicant_state = Some(ApplicantState::Discard);
        }
    }
    if state == DiscardByApplicant {
        n.updated_at = step(rng);
    }

    // The applicant has seen everything but perhaps the employer's last message; the
    // employer has not read the applicant's last message in some negotiations, which is
    // what has_updates shows.
    let unread = rng.random_bool(0.35);
    let count = chat.messages.len();
    let last_by = chat.messages.last().map(|m| m.author);
    let before_last = (count >= 2).then(|| chat.messages[count - 2].id.clone());
    let last = chat.messages.last().map(|m| m.id.clone());
    let applicant_saw_last = match last_by {
        Some(Author::Manager(_)) => rng.random_bool(0.6),
        _ => true,
    };
    chat.applicant_viewed = if applicant_saw_last {
        last.clone()
    } else {
        before_last.clone()
    };
    let employer_saw_last = !(unread && last_by == Some(Author::Applicant));
    chat.managers[0].last_viewed = if employer_saw_last { last } else { before_last };
    n.has_updates = chat.unread_for(lead) > 0 || (state == Response && rng.random_bool(0.5));
    if let Some(last) = chat.messages.last() {
        n.updated_at = n.updated_at.max(last.created_at);
    }
    // Discarding a candidate archives the chat: the employer cannot write there.
    if state == DiscardByEmployer {
        chat.write_block = Some(WriteBlock::ArchivedByEmployer);
    }
    (n, chat)
}

fn push(
    world: &mut World,
    n: &mut Negotiation,
    chat: &mut Chat,
    author: Author,
    at: Time,
    text: String,
    state: (&'static str, &'static str),
) {
    let id = world.new_message_id();
    chat.push(Message::text(id, author, at, text, state));
    n.updated_at = n.updated_at.max(at);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_world_other_seed_other_world() {
        let a = world(7, None);
        let b = world(7, None);
        assert_eq!(a.employers[0].id, b.employers[0].id);
        assert_eq!(
            a.negotiations.iter().map(|n| &n.id).collect::<Vec<_>>(),
            b.negotiations.iter().map(|n| &n.id).collect::<Vec<_>>()
        );
        assert_eq!(a.resumes[17].last_name, b.resumes[17].last_name);
        let c = world(8, None);
        assert_ne!(a.employers[0].id, c.employers[0].id);
    }

    #[test]
    fn realistic_spread() {
        let w = world(42, None);
        let of_first = |e: usize| e == 0;
        assert!((2..=3).contains(&w.managers.iter().filter(|m| of_first(m.employer)).count()));
        assert_eq!(
            w.vacancies.iter().filter(|v| of_first(v.employer)).count(),
            VACANCIES
        );
        assert!(w.resumes.len() >= MIN_RESUMES);
        assert!(w.negotiations.len() >= 150, "{}", w.negotiations.len());
        assert!(w.negotiations.iter().any(|n| n.has_updates));
        assert!(w.chats.iter().any(|c| !c.messages.is_empty()));
        assert_eq!(
            w.chats.len(),
            w.negotiations.len(),
            "a chat per negotiation"
        );
        assert!(w.chats.iter().any(|c| c.write_block.is_some()));
        assert!(w.chats.iter().any(|c| c.unread_for(0) > 0));
        for s in EmployerState::ALL {
            let _ = s; // every state is reachable but not necessarily seeded
        }
        let pairs: std::collections::HashSet<_> = w
            .negotiations
            .iter()
            .map(|n| (&n.vacancy_id, &n.resume_id))
            .collect();
        assert_eq!(
            pairs.len(),
            w.negotiations.len(),
            "one negotiation per pair"
        );
    }

    /// A fingerprint of everything the default employer's part of the world holds.
    fn fingerprint(w: &World) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |s: &str| {
            for b in s.bytes() {
                h ^= b as u64;
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        let e = &w.employers[0];
        eat(&e.id);
        eat(&e.name);
        for a in &e.addresses {
            eat(&a.id);
            eat(&format!("{}{}", a.lat, a.lng));
        }
        for m in w.managers.iter().filter(|m| m.employer == 0) {
            eat(&m.id);
            eat(&m.user_id);
            eat(&m.email);
            eat(&m.phone);
            eat(&m.last_name);
        }
        for v in w.vacancies.iter().filter(|v| v.employer == 0) {
            eat(&v.id);
            eat(&v.name);
            eat(&format!("{:?}{:?}{}", v.salary_from, v.address, v.manager));
        }
        for r in &w.resumes {
            eat(&r.id);
            eat(&r.owner_id);
        }
        let ours = |n: &Negotiation| w.negotiation_employer(n) == Some(0);
        for n in w.negotiations.iter().filter(|n| ours(n)) {
            eat(&n.id);
            eat(&n.resume_id);
            eat(&format!(
                "{:?}{:?}{}{}{}",
                n.employer_state, n.applicant_state, n.has_updates, n.chat_id, n.updated_at
            ));
        }
        for c in w.chats.iter().filter(|c| w.chat_employer(c) == Some(0)) {
            eat(&c.id.to_string());
            for m in &c.messages {
                eat(&m.id);
                eat(&format!("{:?}{:?}", m.author, m.text));
            }
            for m in &c.managers {
                eat(&format!("{}{:?}", m.manager, m.last_viewed));
            }
            eat(&format!("{:?}{:?}", c.applicant_viewed, c.write_block));
        }
        h
    }

    /// The default employer is byte for byte what the sandbox seeded when it had only
    /// that one (the fingerprints were taken from that version).
    #[test]
    fn the_default_employer_is_what_it_was() {
        assert_eq!(fingerprint(&world(42, None)), 0xe6c2_959b_c5fa_b95a);
        assert_eq!(fingerprint(&world(7, None)), 0x779b_dd3a_ae92_39e2);
        assert_eq!(fingerprint(&world(42, Some(300))), 0x4bdd_bb65_5752_3149);
    }

    #[test]
    fn three_employers_and_their_users() {
        let w = world(42, None);
        assert_eq!(w.employers.len(), 3);
        let ids: std::collections::HashSet<_> = w.employers.iter().map(|e| &e.id).collect();
        assert_eq!(ids.len(), 3, "distinct employers");
        let count = |e: usize| w.vacancies.iter().filter(|v| v.employer == e).count();
        assert_eq!((count(1), count(2)), (SECOND.vacancies, THIRD.vacancies));
        let managers: std::collections::HashSet<_> = w.managers.iter().map(|m| &m.id).collect();
        assert_eq!(managers.len(), w.managers.len(), "distinct manager ids");
        let vacancies: std::collections::HashSet<_> = w.vacancies.iter().map(|v| &v.id).collect();
        assert_eq!(vacancies.len(), w.vacancies.len(), "distinct vacancy ids");
        for v in &w.vacancies {
            assert_eq!(w.managers[v.manager].employer, v.employer, "{}", v.id);
        }
        // Every employer's negotiations, each with its chat, its employer's lead in it.
        for e in 1..3 {
            let theirs: Vec<_> = w
                .negotiations
                .iter()
                .filter(|n| w.negotiation_employer(n) == Some(e))
                .collect();
            assert!(theirs.len() >= 5, "employer {e}: {}", theirs.len());
            let lead = w.lead_manager(e).unwrap();
            for n in theirs {
                let chat = w.chat_of(n).unwrap();
                assert_eq!(chat.managers[0].manager, lead);
            }
        }
        // The default user first; the second manager of the first employer works for
        // the third through a second account; the second employer has its own.
        assert_eq!(w.users[0].accounts, vec![0]);
        assert_eq!(w.users[1].accounts.len(), 2);
        let [own, second] = [w.users[1].accounts[0], w.users[1].accounts[1]];
        assert_eq!(
            (w.managers[own].employer, w.managers[second].employer),
            (0, 2)
        );
        assert_eq!(w.managers[own].user_id, w.managers[second].user_id);
        let of_b: Vec<_> = w
            .users
            .iter()
            .filter(|u| w.managers[u.accounts[0]].employer == 1)
            .collect();
        assert_eq!(of_b.len(), 1);
        let logins: std::collections::HashSet<_> = w.users.iter().map(|u| &u.login).collect();
        assert_eq!(logins.len(), w.users.len(), "distinct logins");
    }

    #[test]
    fn big_vacancy_holds_exactly_the_asked_number() {
        let w = world(42, Some(2000));
        let big = w.big_vacancy.clone().unwrap();
        assert_eq!(big, w.vacancies[0].id);
        assert_eq!(w.vacancy_negotiations(&big).count(), 2000);
    }

    #[test]
    fn feminine_surnames() {
        assert_eq!(feminine_surname("Иванов"), "Иванова");
        assert_eq!(feminine_surname("Ильин"), "Ильина");
        assert_eq!(feminine_surname("Левин"), "Левина");
    }
}
