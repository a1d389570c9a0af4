//! hh's hiring model for one vacancy: employer states, the collections that show them,
//! and the actions that move a negotiation between them.
//!
//! hh keeps three ideas apart and asks clients not to confuse them: a *collection* is a
//! list to show (`discard` shows both kinds of refusal), an *employer state* is where a
//! negotiation stands for the employer, and an *action* is what can be done now (its
//! `resulting_employer_state` says where it leads). The ids follow hh's own examples.

/// Where a negotiation stands for the employer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmployerState {
    Response,
    Consider,
    PhoneInterview,
    Interview,
    Offer,
    Hired,
    DiscardByEmployer,
    DiscardByApplicant,
}

impl EmployerState {
    pub const ALL: [EmployerState; 8] = [
        EmployerState::Response,
        EmployerState::Consider,
        EmployerState::PhoneInterview,
        EmployerState::Interview,
        EmployerState::Offer,
        EmployerState::Hired,
        EmployerState::DiscardByEmployer,
        EmployerState::DiscardByApplicant,
    ];

    pub fn id(self) -> &'static str {
        match self {
            EmployerState::Response => "response",
            EmployerState::Consider => "consider",
            EmployerState::PhoneInterview => "phone_interview",
            EmployerState::Interview => "interview",
            EmployerState::Offer => "offer",
            EmployerState::Hired => "hired",
            EmployerState::DiscardByEmployer => "discard_by_employer",
            EmployerState::DiscardByApplicant => "discard_by_applicant",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            EmployerState::Response => "Отклик",
            EmployerState::Consider => "Подумать",
            EmployerState::PhoneInterview => "Тел. интервью",
            EmployerState::Interview => "Интервью",
            EmployerState::Offer => "Предложение о работе",
            EmployerState::Hired => "Выход на работу",
            EmployerState::DiscardByEmployer => "Отказано",
            EmployerState::DiscardByApplicant => "Отказ соискателя",
        }
    }

    pub fn from_id(id: &str) -> Option<EmployerState> {
        EmployerState::ALL.into_iter().find(|s| s.id() == id)
    }

    /// States that are an invitation for the applicant: once a negotiation reaches one,
    /// the conversation is open (hh's `no_invitation` rule).
    pub fn invites(self) -> bool {
        matches!(
            self,
            EmployerState::PhoneInterview
                | EmployerState::Interview
                | EmployerState::Offer
                | EmployerState::Hired
        )
    }

    pub fn is_discard(self) -> bool {
        matches!(
            self,
            EmployerState::DiscardByEmployer | EmployerState::DiscardByApplicant
        )
    }

    /// The collection that shows negotiations in this state.
    pub fn collection(self) -> &'static Collection {
        COLLECTIONS
            .iter()
            .find(|c| c.states.contains(&self))
            .expect("every employer state is shown by a collection")
    }

    /// The actions hh offers in this state, in hh's order.
    pub fn actions(self) -> &'static [&'static str] {
        use EmployerState::*;
        match self {
            Response => &[
                "interview",
                "consider",
                "phone_interview",
                "hired",
                "discard_by_employer",
                "offer",
            ],
            Consider => &[
                "interview",
                "phone_interview",
                "hired",
                "discard_by_employer",
                "offer",
            ],
            PhoneInterview => &[
                "interview",
                "consider",
                "hired",
                "discard_by_employer",
                "offer",
            ],
            Interview => &["consider", "hired", "discard_by_employer", "offer"],
            Offer => &["hired", "discard_by_employer"],
            Hired => &[],
            // A refused candidate can be reconsidered; one who withdrew cannot.
            DiscardByEmployer => &["consider"],
            DiscardByApplicant => &[],
        }
    }
}

/// The state of a negotiation as the applicant sees it (hh's `negotiations_state`
/// dictionary); it changes only when the employer writes to the applicant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicantState {
    Response,
    Invitation,
    Discard,
}

impl ApplicantState {
    pub fn id(self) -> &'static str {
        match self {
            ApplicantState::Response => "response",
            ApplicantState::Invitation => "invitation",
            ApplicantState::Discard => "discard",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            ApplicantState::Response => "Отклик",
            ApplicantState::Invitation => "Приглашение",
            ApplicantState::Discard => "Отказ",
        }
    }

    /// What the applicant's state becomes when the employer writes after moving the
    /// negotiation to `state` (hh: invitation or discard; other moves change nothing).
    pub fn after_message_in(state: EmployerState) -> Option<ApplicantState> {
        if state.invites() {
            Some(ApplicantState::Invitation)
        } else if state == EmployerState::DiscardByEmployer {
            Some(ApplicantState::Discard)
        } else {
            None
        }
    }
}

/// A list of negotiations to show, reached by its url.
pub struct Collection {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub states: &'static [EmployerState],
    /// The state a bulk move (`PUT /negotiations/{collection}`) puts negotiations in;
    /// `None` for collections nothing can be moved into.
    pub move_to: Option<EmployerState>,
}

pub const COLLECTIONS: &[Collection] = &[
    Collection {
        id: "response",
        name: "Неразобранные",
        description: "Отклики, которые ещё не разобраны",
        states: &[EmployerState::Response],
        move_to: None,
    },
    Collection {
        id: "consider",
        name: "Подумать",
        description: "Кандидаты, решение по которым отложено",
        states: &[EmployerState::Consider],
        move_to: Some(EmployerState::Consider),
    },
    Collection {
        id: "phone_interview",
        name: "Телефонное интервью",
        description: "Приглашённые на телефонное интервью",
        states: &[EmployerState::PhoneInterview],
        move_to: Some(EmployerState::PhoneInterview),
    },
    Collection {
        id: "interview",
        name: "Собеседование",
        description: "Приглашённые на собеседование",
        states: &[EmployerState::Interview],
        move_to: Some(EmployerState::Interview),
    },
    Collection {
        id: "offer",
        name: "Предложение о работе",
        description: "Кандидаты, которым сделано предложение",
        states: &[EmployerState::Offer],
        move_to: Some(EmployerState::Offer),
    },
    Collection {
        id: "hired",
        name: "Выход на работу",
        description: "Принятые на работу",
        states: &[EmployerState::Hired],
        move_to: Some(EmployerState::Hired),
    },
    Collection {
        id: "discard",
        name: "Отказ",
        description: "Отказы работодателя и соискателей",
        states: &[
            EmployerState::DiscardByEmployer,
            EmployerState::DiscardByApplicant,
        ],
        move_to: Some(EmployerState::DiscardByEmployer),
    },
];

pub fn collection(id: &str) -> Option<&'static Collection> {
    COLLECTIONS.iter().find(|c| c.id == id)
}

/// Where a bulk move to `target` leads: a collection id, or an employer state id
/// hh also accepts there.
pub fn move_target(target: &str) -> Option<EmployerState> {
    match collection(target) {
        Some(c) => c.move_to,
        None => EmployerState::from_id(target)
            .filter(|s| *s != EmployerState::Response && *s != EmployerState::DiscardByApplicant),
    }
}

/// One argument an action takes.
pub struct Argument {
    pub id: &'static str,
    pub required: bool,
    /// Arguments that must come with this one.
    pub needs: &'static [&'static str],
}

const fn arg(id: &'static str, required: bool, needs: &'static [&'static str]) -> Argument {
    Argument {
        id,
        required,
        needs,
    }
}

/// Something the employer can do with a negotiation (PUT) or to invite a resume (POST).
pub struct Action {
    pub id: &'static str,
    pub name: &'static str,
    pub result: EmployerState,
    pub arguments: &'static [Argument],
}

/// Actions on an existing negotiation (`PUT /negotiations/{action}/{nid}`).
pub const ACTIONS: &[Action] = &[
    Action {
        id: "interview",
        name: "Интервью",
        result: EmployerState::Interview,
        // The FAQ's example: an interview invitation must say when and where.
        arguments: &[
            arg("message", true, &[]),
            arg("send_sms", false, &["message"]),
            arg("address_id", false, &["message"]),
        ],
    },
    Action {
        id: "consider",
        name: "Подумать",
        result: EmployerState::Consider,
        arguments: &[
            arg("message", false, &[]),
            arg("send_sms", false, &["message"]),
        ],
    },
    Action {
        id: "phone_interview",
        name: "Телефонное интервью",
        result: EmployerState::PhoneInterview,
        arguments: &[
            arg("message", false, &[]),
            arg("send_sms", false, &["message"]),
            arg("address_id", false, &["message"]),
        ],
    },
    Action {
        id: "hired",
        name: "Выход на работу",
        result: EmployerState::Hired,
        arguments: &[
            arg("message", false, &[]),
            arg("send_sms", false, &["message"]),
            arg("address_id", false, &["message"]),
        ],
    },
    Action {
        id: "discard_by_employer",
        name: "Отказ",
        result: EmployerState::DiscardByEmployer,
        arguments: &[arg("message", false, &[])],
    },
    Action {
        id: "offer",
        name: "Предложение о работе",
        result: EmployerState::Offer,
        arguments: &[
            arg("message", false, &[]),
            arg("send_sms", false, &["message"]),
        ],
    },
];

/// Actions that create an invitation for a resume (`POST /negotiations/{action}`),
/// offered in a vacancy's `negotiations_actions`.
pub const INVITE_ACTIONS: &[Action] = &[
    Action {
        id: "phone_interview",
        name: "Телефонное интервью",
        result: EmployerState::PhoneInterview,
        arguments: INVITE_ARGUMENTS,
    },
    Action {
        id: "interview",
        name: "Интервью",
        result: EmployerState::Interview,
        arguments: INVITE_ARGUMENTS,
    },
];

const INVITE_ARGUMENTS: &[Argument] = &[
    arg("resume_id", true, &[]),
    arg("vacancy_id", true, &[]),
    arg("message", true, &[]),
    arg("send_sms", false, &["message"]),
    arg("address_id", false, &["message"]),
];

pub fn action(id: &str) -> Option<&'static Action> {
    ACTIONS.iter().find(|a| a.id == id)
}

/// The path segment an invite action is performed at. hh's own example posts the
/// `invitation` action to `/negotiations/invited`: the segment is not the action's id, and a
/// client must follow the action's `url`. The sandbox keeps them apart the same way, so a
/// client that builds the path from the id is caught here too.
pub fn invite_segment(action: &Action) -> String {
    format!("invite-{}", action.id)
}

/// The invite action performed at this path segment.
pub fn invite_action_at(segment: &str) -> Option<&'static Action> {
    INVITE_ACTIONS.iter().find(|a| invite_segment(a) == segment)
}

/// The message templates hh attaches to an action, by where the negotiation stands.
pub fn action_templates(action: &str, from: Option<EmployerState>) -> &'static [&'static str] {
    match (action, from) {
        ("interview", _) => &["interview"],
        ("consider", _) => &["consider"],
        ("phone_interview", None) => &["invite"],
        ("phone_interview", Some(_)) => &["invite", "invite_after_response"],
        ("hired", _) => &["hired"],
        ("offer", _) => &["offer"],
        ("discard_by_employer", Some(EmployerState::Response | EmployerState::Consider)) => {
            &["discard_after_response", "quick_discard_after_response"]
        }
        ("discard_by_employer", _) => &["discard_after_interview"],
        _ => &[],
    }
}

/// Sort orders of a collection (`order_types`), the first being hh's default.
pub const ORDER_TYPES: &[(&str, &str)] = &[
    (
        "last_change_time_except_employer_inbox",
        "По дате создания и активности соискателя",
    ),
    ("created_at", "По дате отклика"),
    ("relevance", "лучшие"),
];

/// Orders accepted in `order_by` and preferred_negotiations_order: the collection's
/// order types plus the `negotiations_order` dictionary's.
pub fn order_name(id: &str) -> Option<&'static str> {
    ORDER_TYPES
        .iter()
        .chain(NEGOTIATIONS_ORDER)
        .find(|(o, _)| *o == id)
        .map(|(_, n)| *n)
}

/// hh's `negotiations_order` dictionary.
pub const NEGOTIATIONS_ORDER: &[(&str, &str)] = &[
    ("updated_at", "по дате обновления"),
    ("created_at", "по дате добавления"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_state_has_one_collection_and_actions_lead_to_known_states() {
        for s in EmployerState::ALL {
            assert_eq!(
                COLLECTIONS.iter().filter(|c| c.states.contains(&s)).count(),
                1,
                "{s:?}"
            );
            for a in s.actions() {
                assert!(action(a).is_some(), "{a}");
            }
        }
    }

    #[test]
    fn discard_collection_holds_both_refusals_and_moves_to_employer_refusal() {
        let c = collection("discard").unwrap();
        assert_eq!(c.states.len(), 2);
        assert_eq!(
            move_target("discard"),
            Some(EmployerState::DiscardByEmployer)
        );
        assert_eq!(move_target("response"), None);
        assert_eq!(
            move_target("discard_by_employer"),
            Some(EmployerState::DiscardByEmployer)
        );
    }
}
