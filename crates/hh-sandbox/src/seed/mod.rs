//! Deterministic, realistic data from a seed: the same seed gives the same employer,
//! vacancies, resumes, negotiations and messages, byte for byte.

pub mod words;

use std::collections::HashMap;

use chrono::{Datelike, Duration, NaiveDate, TimeZone};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};

use crate::chat::{Author, Chat, ME, Message, MessageKind, WriteBlock};
use crate::files::Files;
use crate::model::*;
use crate::pipeline::{ApplicantState, EmployerState};
use words::*;

/// How many active vacancies the employer has.
pub const VACANCIES: usize = 6;
/// Resumes the sandbox knows at least (more when the big vacancy needs them).
pub const MIN_RESUMES: usize = 320;

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

    let employer_id = rng.random_range(1_000_000..9_999_999u32).to_string();
    let employer = Employer {
        id: employer_id,
        name: EMPLOYERS.choose(&mut rng).unwrap().to_string(),
        addresses: STREETS
            .iter()
            .take(2)
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
    };

    let manager_count = rng.random_range(2..=3);
    let managers: Vec<Manager> = (0..manager_count)
        .map(|i| {
            let (first, last, middle, _) = person(&mut rng);
            Manager {
                id: rng.random_range(1_000_000..9_999_999u32).to_string(),
                user_id: rng.random_range(10_000_000..99_999_999u32).to_string(),
                email: format!("{}@{}", translit_login(&last, i), "example.com"),
                phone: format!("7916{:07}", rng.random_range(0..10_000_000u32)),
                first_name: first,
                last_name: last,
                middle_name: middle,
                is_main_contact: i == 0,
                admin: i == 0,
            }
        })
        .collect();

    let mut professions: Vec<usize> = (0..PROFESSIONS.len()).collect();
    professions.shuffle(&mut rng);
    let vacancies: Vec<Vacancy> = professions[..VACANCIES]
        .iter()
        .enumerate()
        .map(|(i, &p)| vacancy(&mut rng, anchor, p, i % manager_count, &employer))
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
        employer,
        managers,
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
        // Each resume applies to a vacancy at most once (hh's one-per-pair rule);
        // some resumes stay without a negotiation so they can be invited.
        let mut candidates: Vec<usize> = (0..world.resumes.len()).collect();
        candidates.shuffle(&mut rng);
        // Leave the last few resumes out of every vacancy: always invitable.
        candidates.retain(|&r| r < world.resumes.len() - 10);
        for &ri in candidates.iter().take(count) {
            let (n, chat) = negotiation(&mut rng, &mut extras, &mut world, vi, ri, anchor);
            world.add_negotiation(n);
            world.add_chat(chat);
        }
    }
    world
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

fn vacancy(
    rng: &mut StdRng,
    anchor: Time,
    profession: usize,
    manager: usize,
    employer: &Employer,
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
    let mut chat = Chat::new(n.chat_id, n.id.clone(), created_at, &[ME]);
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
            let me = Author::Manager(ME);
            push(world, &mut n, &mut chat, me, created_at, text, state);
            n.applicant_state = ApplicantState::Invitation;
        }
    }
    // The vacancy's own manager, when it is not the token's, joined the chat.
    if vacancy_manager != ME {
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
                Author::Manager(ME),
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
                Author::Manager(ME),
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
    n.has_updates = chat.unread() > 0 || (state == Response && rng.random_bool(0.5));
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
        assert_eq!(a.employer.id, b.employer.id);
        assert_eq!(
            a.negotiations.iter().map(|n| &n.id).collect::<Vec<_>>(),
            b.negotiations.iter().map(|n| &n.id).collect::<Vec<_>>()
        );
        assert_eq!(a.resumes[17].last_name, b.resumes[17].last_name);
        let c = world(8, None);
        assert_ne!(a.employer.id, c.employer.id);
    }

    #[test]
    fn realistic_spread() {
        let w = world(42, None);
        assert!((2..=3).contains(&w.managers.len()));
        assert_eq!(w.vacancies.len(), VACANCIES);
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
        assert!(w.chats.iter().any(|c| c.unread() > 0));
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
