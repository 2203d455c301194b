//! What a burst of notices (a pull's replies and status changes) becomes for the person: one
//! item per ticket with its newest reply and newest status, or one summary when more than a few
//! tickets changed at once. The desktop shows these as notifications in the person's language;
//! `bellhop sync --watch` prints them.

use std::collections::BTreeMap;
use std::time::Duration;

use bellhop_proto::{Notice, NoticeKind, TicketId};

/// How long notices are gathered before they show, so that a burst is one notification.
pub const COALESCE: Duration = Duration::from_millis(600);
/// More tickets than this in one burst are summarised in one item.
pub const MAX_SEPARATE: usize = 3;

/// One thing to tell the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Burst<'a> {
    /// News on one ticket: its newest reply and its newest status change, if any.
    Ticket {
        first: &'a Notice,
        reply: Option<&'a Notice>,
        status: Option<&'a Notice>,
    },
    /// Many tickets changed: how many, the first few of them, and how many more.
    Summary {
        count: usize,
        shown: Vec<&'a Notice>,
        more: usize,
    },
}

impl Burst<'_> {
    /// The route the desktop opens when the person clicks it.
    pub fn route(&self) -> String {
        match self {
            Self::Ticket { first, .. } => format!("#/tickets/{}", first.ticket_id),
            Self::Summary { .. } => "#/tickets".into(),
        }
    }
}

/// Groups a burst of notices by ticket, in the order of the tickets' ids.
pub fn coalesce(notices: &[Notice]) -> Vec<Burst<'_>> {
    let mut by_ticket: BTreeMap<TicketId, Vec<&Notice>> = BTreeMap::new();
    for n in notices {
        by_ticket.entry(n.ticket_id).or_default().push(n);
    }
    if by_ticket.len() > MAX_SEPARATE {
        let count = by_ticket.len();
        let shown = by_ticket
            .values()
            .filter_map(|ns| ns.first().copied())
            .take(MAX_SEPARATE)
            .collect();
        return vec![Burst::Summary {
            count,
            shown,
            more: count - MAX_SEPARATE,
        }];
    }
    by_ticket
        .values()
        .filter_map(|ns| {
            let newest = |reply: bool| {
                ns.iter()
                    .rev()
                    .find(|n| matches!(n.kind, NoticeKind::Reply { .. }) == reply)
                    .copied()
            };
            Some(Burst::Ticket {
                first: ns.first()?,
                reply: newest(true),
                status: newest(false),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use bellhop_proto::TicketStatus;

    use super::*;

    fn notice(ticket: TicketId, number: i64, kind: NoticeKind) -> Notice {
        Notice {
            ticket_id: ticket,
            number,
            title: format!("Ticket {number}"),
            kind,
        }
    }

    fn reply(text: &str) -> NoticeKind {
        NoticeKind::Reply {
            author_name: "Tess".into(),
            excerpt: text.into(),
        }
    }

    #[test]
    fn a_burst_on_one_ticket_keeps_its_newest_reply_and_newest_status() {
        let t = TicketId::new();
        let resolved = NoticeKind::Status {
            status: TicketStatus::Resolved,
        };
        let burst = [
            notice(t, 1042, reply("first")),
            notice(t, 1042, resolved.clone()),
            notice(t, 1042, reply("second")),
        ];
        let grouped = coalesce(&burst);
        assert_eq!(
            grouped,
            vec![Burst::Ticket {
                first: &burst[0],
                reply: Some(&burst[2]),
                status: Some(&burst[1]),
            }]
        );
        assert_eq!(grouped[0].route(), format!("#/tickets/{t}"));
    }

    #[test]
    fn a_few_tickets_are_told_apart_and_many_become_one_summary() {
        let few: Vec<_> = (0..3)
            .map(|i| notice(TicketId::new(), i, reply("x")))
            .collect();
        assert_eq!(coalesce(&few).len(), 3);
        let many: Vec<_> = (0..7)
            .map(|i| notice(TicketId::new(), i, reply("x")))
            .collect();
        let grouped = coalesce(&many);
        assert!(
            matches!(&grouped[..], [Burst::Summary { count: 7, shown, more: 4 }] if shown.len() == 3),
            "{grouped:?}"
        );
        assert_eq!(grouped[0].route(), "#/tickets");
        assert!(coalesce(&[]).is_empty());
    }
}
