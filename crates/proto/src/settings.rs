//! Portal settings: what the service desk lets its users see and do in the portal and
//! the desktop app.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{TicketFields, TicketStatus, UserId};

/// Who a portal section is on for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    #[default]
    Everyone,
    Nobody,
    /// On only for the listed users.
    Only,
    /// On for everyone but the listed users.
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
}

impl SectionRule {
    /// Whether the section is on for this user (staff excluded: they see everything).
    pub fn allows(&self, user: UserId) -> bool {
        match self.audience {
            Audience::Everyone => true,
            Audience::Nobody => false,
            Audience::Only => self.users.contains(&user),
            Audience::AllBut => !self.users.contains(&user),
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
    /// The statuses users see in their lists (at least one).
    pub visible_statuses: Vec<TicketStatus>,
    /// Whether users may reopen a resolved or closed ticket.
    pub reopen_allowed: bool,
}

impl Default for PortalSettings {
    fn default() -> Self {
        Self {
            ticketing: SectionRule::default(),
            knowledge_base: SectionRule::default(),
            assistant: SectionRule::default(),
            self_service: SectionRule::default(),
            visible_statuses: TicketStatus::ALL.to_vec(),
            reopen_allowed: true,
        }
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
    pub visible_statuses: Vec<TicketStatus>,
    pub can_reopen: bool,
    /// The ticket fields as this user meets them (types, custom fields, default fields' access).
    #[serde(default)]
    pub ticket_fields: TicketFields,
}

impl PortalSettings {
    /// What `user` may see; staff see everything.
    pub fn for_user(&self, fields: &TicketFields, user: UserId, staff: bool) -> MyPortal {
        let on = |rule: &SectionRule| staff || rule.allows(user);
        MyPortal {
            ticketing: on(&self.ticketing),
            knowledge_base: on(&self.knowledge_base),
            assistant: on(&self.assistant),
            self_service: on(&self.self_service),
            visible_statuses: if staff {
                TicketStatus::ALL.to_vec()
            } else {
                self.visible_statuses.clone()
            },
            can_reopen: staff || self.reopen_allowed,
            ticket_fields: fields.for_user(staff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_audience_decides_for_listed_and_unlisted_users() {
        let (bob, alice) = (UserId::new(), UserId::new());
        let rule = |audience| SectionRule {
            audience,
            users: vec![bob],
        };
        assert!(rule(Audience::Everyone).allows(bob));
        assert!(!rule(Audience::Nobody).allows(alice));
        assert!(rule(Audience::Only).allows(bob) && !rule(Audience::Only).allows(alice));
        assert!(!rule(Audience::AllBut).allows(bob) && rule(Audience::AllBut).allows(alice));
    }

    #[test]
    fn staff_see_every_section_whatever_the_rules() {
        let settings = PortalSettings {
            knowledge_base: SectionRule {
                audience: Audience::Nobody,
                users: Vec::new(),
            },
            visible_statuses: vec![TicketStatus::Open],
            reopen_allowed: false,
            ..PortalSettings::default()
        };
        let someone = UserId::new();
        let user = settings.for_user(&TicketFields::default(), someone, false);
        assert!(!user.knowledge_base && !user.can_reopen);
        assert_eq!(user.visible_statuses, [TicketStatus::Open]);
        let staff = settings.for_user(&TicketFields::default(), someone, true);
        assert!(staff.knowledge_base && staff.can_reopen);
        assert_eq!(staff.visible_statuses.len(), 4);
    }
}
