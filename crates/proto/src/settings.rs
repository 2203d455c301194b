//! Portal settings: what the service desk lets its users see and do in the portal and
//! the desktop app.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{ActionKind, OrgId, TicketFields, TicketStatus, UserId};

/// Who a portal section is on for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    #[default]
    Everyone,
    Nobody,
    /// On only for the listed users and the people of the listed organisations.
    Only,
    /// On for everyone but the listed users and the people of the listed organisations.
    AllBut,
}

/// One section's rule. Technicians and admins always see every section.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SectionRule {
    pub audience: Audience,
    /// The users `only` or `all_but` name.
    #[serde(default)]
    pub users: Vec<UserId>,
    /// The organisations `only` or `all_but` name: everyone in them.
    #[serde(default)]
    pub orgs: Vec<OrgId>,
}

impl SectionRule {
    /// Whether the section is on for this user (staff excluded: they see everything).
    pub fn allows(&self, user: UserId, org: Option<OrgId>) -> bool {
        let listed = self.users.contains(&user) || org.is_some_and(|org| self.orgs.contains(&org));
        match self.audience {
            Audience::Everyone => true,
            Audience::Nobody => false,
            Audience::Only => listed,
            Audience::AllBut => !listed,
        }
    }
}

/// `GET`/`PUT /api/v1/portal-settings` (technicians).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PortalSettings {
    /// Opening tickets, the ticket lists and the ticket pages.
    pub ticketing: SectionRule,
    pub knowledge_base: SectionRule,
    pub assistant: SectionRule,
    pub self_service: SectionRule,
    /// Chat with the service desk (settings saved before chat existed read as everyone).
    #[serde(default)]
    pub chat: SectionRule,
    /// Which self-service actions each person may start on their own computers (with
    /// `self_service` on for them).
    #[serde(default)]
    pub actions: ActionRules,
    /// The statuses users see in their lists (at least one).
    pub visible_statuses: Vec<TicketStatus>,
    /// Whether users may reopen a resolved or closed ticket.
    pub reopen_allowed: bool,
    /// Users open tickets only through the assistant, which hands over to a person: the New
    /// ticket button and the desktop's shortcut lead to it, and a ticket opened directly by an
    /// end user is refused (catalog requests still go straight to the desk). Only for those the
    /// assistant is on for.
    #[serde(default)]
    pub tickets_through_assistant: bool,
    /// Every conversation with the assistant is kept as a ticket (source: assistant): opened
    /// resolved with the first answer, its transcript kept current with each answer, and opened
    /// again for the desk when the person asks for a person. For the people the assistant is on
    /// for, never the desk's own staff.
    #[serde(default)]
    pub assistant_ticket_per_conversation: bool,
    /// How many questions the assistant's model answers for one person in a day (UTC), up to
    /// [`MAX_DAILY_MODEL_CALLS`]; past it the built-in engine answers from the knowledge base.
    /// `null`: no limit. Without a model it changes nothing.
    #[serde(default)]
    pub assistant_daily_model_calls: Option<u32>,
}

/// The highest daily budget of model calls a desk may set per person.
pub const MAX_DAILY_MODEL_CALLS: u32 = 10_000;

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            ticketing: SectionRule::default(),
            knowledge_base: SectionRule::default(),
            assistant: SectionRule::default(),
            self_service: SectionRule::default(),
            chat: SectionRule::default(),
            actions: ActionRules::default(),
            visible_statuses: TicketStatus::ALL.to_vec(),
            reopen_allowed: true,
            tickets_through_assistant: false,
            assistant_ticket_per_conversation: false,
            assistant_daily_model_calls: None,
        }
    }
}

/// Who may start each self-service action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ActionRules {
    pub restart: SectionRule,
    pub lock: SectionRule,
    pub shut_down: SectionRule,
    pub log_out: SectionRule,
    /// Installing and removing the desk's approved software (settings saved before it existed
    /// read as everyone; the approved list says what each organisation is offered).
    #[serde(default)]
    pub software: SectionRule,
    /// Resetting the password of one's own account on one's own computer (settings saved
    /// before it existed read as everyone).
    #[serde(default)]
    pub reset_password: SectionRule,
}

impl ActionRules {
    pub fn rule(&self, kind: ActionKind) -> &SectionRule {
        match kind {
            ActionKind::Restart => &self.restart,
            ActionKind::Lock => &self.lock,
            ActionKind::ShutDown => &self.shut_down,
            ActionKind::LogOut => &self.log_out,
            ActionKind::Install | ActionKind::Remove => &self.software,
            ActionKind::ResetPassword => &self.reset_password,
        }
    }

    /// Every rule once, with its field's name (install and remove share `software`).
    pub fn rules_mut(&mut self) -> [(&'static str, &mut SectionRule); 6] {
        [
            ("restart", &mut self.restart),
            ("lock", &mut self.lock),
            ("shut_down", &mut self.shut_down),
            ("log_out", &mut self.log_out),
            ("software", &mut self.software),
            ("reset_password", &mut self.reset_password),
        ]
    }
}

/// `GET /api/v1/me/portal`: the portal as the caller may use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MyPortal {
    pub ticketing: bool,
    pub knowledge_base: bool,
    pub assistant: bool,
    pub self_service: bool,
    #[serde(default)]
    pub chat: bool,
    /// The self-service actions this person may start on their own computers (none when
    /// `self_service` is off for them). Staff start none on others' computers.
    #[serde(default)]
    pub actions: Vec<ActionKind>,
    pub visible_statuses: Vec<TicketStatus>,
    pub can_reopen: bool,
    /// This person opens tickets through the assistant (never true for the desk).
    #[serde(default)]
    pub tickets_through_assistant: bool,
    /// The ticket fields as this user meets them (types, custom fields, default fields' access).
    #[serde(default)]
    pub ticket_fields: TicketFields,
    /// Set when a technician is looking at this person's portal with their consent (a read-only
    /// view): the technician's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub viewed_by: Option<String>,
}

impl PortalSettings {
    /// Whether `user` opens tickets only through the assistant: the desk's switch, for someone
    /// the assistant is on for (never the desk itself).
    pub fn through_assistant(&self, user: UserId, org: Option<OrgId>, staff: bool) -> bool {
        !staff && self.tickets_through_assistant && self.assistant.allows(user, org)
    }

    /// What `user` may see; staff see everything.
    pub fn for_user(
        &self,
        fields: &TicketFields,
        user: UserId,
        org: Option<OrgId>,
        staff: bool,
    ) -> MyPortal {
        let on = |rule: &SectionRule| staff || rule.allows(user, org);
        MyPortal {
            ticketing: on(&self.ticketing),
            knowledge_base: on(&self.knowledge_base),
            assistant: on(&self.assistant),
            self_service: on(&self.self_service),
            chat: on(&self.chat),
            actions: if on(&self.self_service) {
                ActionKind::ALL
                    .into_iter()
                    .filter(|k| self.actions.rule(*k).allows(user, org))
                    .collect()
            } else {
                Vec::new()
            },
            visible_statuses: if staff {
                TicketStatus::ALL.to_vec()
            } else {
                self.visible_statuses.clone()
            },
            can_reopen: staff || self.reopen_allowed,
            tickets_through_assistant: self.through_assistant(user, org, staff),
            ticket_fields: fields.for_user(staff),
            viewed_by: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_audience_decides_for_listed_and_unlisted_users() {
        let (bob, alice, carol) = (UserId::new(), UserId::new(), UserId::new());
        let (acme, globex) = (OrgId::new(), OrgId::new());
        let rule = |audience| SectionRule {
            audience,
            users: vec![bob],
            orgs: vec![globex],
        };
        assert!(rule(Audience::Everyone).allows(bob, Some(acme)));
        assert!(!rule(Audience::Nobody).allows(alice, Some(acme)));
        let only = rule(Audience::Only);
        assert!(only.allows(bob, Some(acme)) && !only.allows(alice, Some(acme)));
        assert!(
            only.allows(carol, Some(globex)),
            "everyone of a listed organisation"
        );
        assert!(!only.allows(carol, None));
        let all_but = rule(Audience::AllBut);
        assert!(!all_but.allows(bob, Some(acme)) && all_but.allows(alice, Some(acme)));
        assert!(!all_but.allows(carol, Some(globex)));
    }

    #[test]
    fn staff_see_every_section_whatever_the_rules() {
        let settings = PortalSettings {
            knowledge_base: SectionRule {
                audience: Audience::Nobody,
                ..SectionRule::default()
            },
            visible_statuses: vec![TicketStatus::Open],
            reopen_allowed: false,
            ..PortalSettings::default()
        };
        let someone = UserId::new();
        let user = settings.for_user(&TicketFields::default(), someone, None, false);
        assert!(!user.knowledge_base && !user.can_reopen);
        assert_eq!(user.visible_statuses, [TicketStatus::Open]);
        let staff = settings.for_user(&TicketFields::default(), someone, None, true);
        assert!(staff.knowledge_base && staff.can_reopen);
        assert_eq!(staff.visible_statuses.len(), 4);
    }

    #[test]
    fn actions_follow_their_own_rules_and_need_the_self_service_section() {
        let (bob, alice) = (UserId::new(), UserId::new());
        let mut settings = PortalSettings::default();
        settings.actions.restart = SectionRule {
            audience: Audience::Only,
            users: vec![bob],
            orgs: Vec::new(),
        };
        let fields = TicketFields::default();
        assert_eq!(
            settings.for_user(&fields, bob, None, false).actions,
            ActionKind::ALL
        );
        assert!(
            !settings
                .for_user(&fields, alice, None, false)
                .actions
                .contains(&ActionKind::Restart)
        );
        settings.self_service.audience = Audience::Nobody;
        assert!(
            settings
                .for_user(&fields, bob, None, false)
                .actions
                .is_empty()
        );
        // Settings saved before actions existed read as every action on.
        let old = r#"{"ticketing":{"audience":"everyone"},"knowledge_base":{"audience":"everyone"},
            "assistant":{"audience":"everyone"},"self_service":{"audience":"everyone"},
            "visible_statuses":["open"],"reopen_allowed":true}"#;
        let read: PortalSettings = serde_json::from_str(old).unwrap_or_default();
        assert_eq!(read.actions, ActionRules::default());
        assert_eq!(read.visible_statuses, [TicketStatus::Open]);
    }
}

/// `GET /api/v1/portal-settings/address`: the portal's address and whether it reaches this
/// server, for the desk setting up its DNS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PortalAddress {
    /// The address in every link (the server's `--public-url`).
    pub public_url: String,
    /// Its host name: the DNS record to create is for this name.
    pub host: String,
    /// The name the record should be a CNAME to, when the server was told one
    /// (`--cname-target`); otherwise an A/AAAA record to the server's address, or a CNAME to its
    /// host name.
    #[ts(optional)]
    pub cname_target: Option<String>,
    /// What the host resolves to from the server, now.
    pub addresses: Vec<String>,
    /// Whether a request to the public address came back to this server (or one sharing its
    /// keys), checked now.
    pub reaches_this_server: bool,
    /// Why it does not, in words.
    #[ts(optional)]
    pub problem: Option<String>,
}
