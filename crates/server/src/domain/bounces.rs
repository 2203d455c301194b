//! Mail that comes back: a delivery status notification (RFC 3464) sent to the server's return
//! address, handed over by the mail server (`bellhop-server mail bounce < message`). Each
//! recipient it says failed for good (`Action: failed`, a `5.x.x` status) is suppressed, and the
//! message it names (by the `Message-ID` the server gave it) is marked bounced. Delays, deliveries
//! and temporary failures change nothing.

use mail_parser::{MessageParser, MimeHeaders};

use crate::db::Store;
use crate::error::Result;

/// A recipient the notification says failed for good, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    pub recipient: String,
    pub reason: String,
}

/// What a notification says: the recipients that failed for good, and the id of the message
/// it is about (ours when the server sent it: `<{email id}@…>`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notification {
    pub bounces: Vec<Bounce>,
    pub message_id: Option<String>,
}

/// Reads a delivery status notification; `None` when the message is not one.
pub fn read(raw: &[u8]) -> Option<Notification> {
    let message = MessageParser::default().parse(raw)?;
    let mut status = None;
    let mut message_id = None;
    for part in message.parts.iter() {
        let Some(kind) = part.content_type() else {
            continue;
        };
        let subtype = kind.subtype().unwrap_or_default().to_ascii_lowercase();
        match (kind.ctype().to_ascii_lowercase().as_str(), subtype.as_str()) {
            ("message", "delivery-status" | "global-delivery-status") => {
                status = part.text_contents().map(str::to_owned);
            }
            ("message", "rfc822" | "global") => {
                if let Some(original) = part.message() {
                    message_id = original.message_id().map(str::to_owned);
                }
            }
            ("text", "rfc822-headers") => {
                message_id = part
                    .text_contents()
                    .and_then(|headers| MessageParser::default().parse_headers(headers.as_bytes()))
                    .and_then(|original| original.message_id().map(str::to_owned));
            }
            _ => {}
        }
    }
    let status = status?;
    Some(Notification {
        bounces: failed_recipients(&status),
        message_id,
    })
}

/// The recipient groups of a `message/delivery-status` body (after the per-message group),
/// those that failed for good.
fn failed_recipients(status: &str) -> Vec<Bounce> {
    let text = status.replace("\r\n", "\n");
    text.split("\n\n")
        .skip(1)
        .filter_map(|group| {
            let fields = fields(group);
            let get = |name: &str| {
                fields
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
            };
            let failed = get("Action").is_some_and(|a| a.eq_ignore_ascii_case("failed"))
                && get("Status").is_some_and(|s| s.trim_start().starts_with('5'));
            if !failed {
                return None;
            }
            // "rfc822; someone@example.com"
            let recipient = get("Final-Recipient")
                .or_else(|| get("Original-Recipient"))?
                .rsplit(';')
                .next()?
                .trim()
                .trim_matches(['<', '>'])
                .to_ascii_lowercase();
            if !recipient.contains('@') {
                return None;
            }
            let reason = get("Diagnostic-Code")
                .map(|d| {
                    d.split_once(';')
                        .map_or(d, |(_, words)| words)
                        .trim()
                        .to_owned()
                })
                .unwrap_or_else(|| {
                    format!("delivery failed ({})", get("Status").unwrap_or("5.0.0"))
                });
            Some(Bounce { recipient, reason })
        })
        .collect()
}

/// A group's `Name: value` fields, continuation lines joined.
fn fields(group: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in group.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    out
}

/// Acts on a notification the mail server handed over: each recipient that failed for good is
/// suppressed, with the message it names (or the last one sent to it) marked bounced. Answers
/// the recipients suppressed; `None` when the message is not a delivery status notification.
pub async fn receive(store: &Store, raw: &[u8]) -> Result<Option<Vec<String>>> {
    let Some(notification) = read(raw) else {
        return Ok(None);
    };
    // Ours are `<{email id}@{domain}>`.
    let ours = notification
        .message_id
        .as_deref()
        .map(|id| id.trim_matches(['<', '>']))
        .and_then(|id| id.split('@').next())
        .map(str::to_owned);
    let mut suppressed = Vec::new();
    for bounce in notification.bounces {
        match store
            .bounced_email_id(ours.as_deref(), &bounce.recipient)
            .await?
        {
            Some(id) => store.bounce_email(&id, &bounce.reason).await?,
            None => {
                store
                    .suppress_address(&bounce.recipient, &bounce.reason)
                    .await?
            }
        }
        tracing::info!(recipient = %bounce.recipient, reason = %bounce.reason, "mail bounced; the address is suppressed");
        suppressed.push(bounce.recipient);
    }
    Ok(Some(suppressed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DSN: &str = "From: MAILER-DAEMON@mx.example\r\n\
To: bellhop@helpdesk.example\r\n\
Subject: Undelivered Mail Returned to Sender\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/report; report-type=delivery-status; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain\r\n\
\r\n\
Your message could not be delivered.\r\n\
--b1\r\n\
Content-Type: message/delivery-status\r\n\
\r\n\
Reporting-MTA: dns; mx.example\r\n\
\r\n\
Final-Recipient: rfc822; Gone@Acme.example\r\n\
Action: failed\r\n\
Status: 5.1.1\r\n\
Diagnostic-Code: smtp; 550 5.1.1 <gone@acme.example>: Recipient address\r\n\
\x20rejected: User unknown\r\n\
\r\n\
Final-Recipient: rfc822; slow@acme.example\r\n\
Action: delayed\r\n\
Status: 4.4.1\r\n\
\r\n\
--b1\r\n\
Content-Type: text/rfc822-headers\r\n\
\r\n\
From: bellhop@helpdesk.example\r\n\
To: gone@acme.example\r\n\
Message-ID: <0190f0e2-7c1a-7b3e-9a2b-1234567890ab@helpdesk.example>\r\n\
Subject: Welcome\r\n\
\r\n\
--b1--\r\n";

    #[test]
    fn a_notification_names_the_recipients_that_failed_for_good_and_our_message() {
        let read = read(DSN.as_bytes()).unwrap_or_default();
        assert_eq!(
            read.bounces,
            vec![Bounce {
                recipient: "gone@acme.example".into(),
                reason: "550 5.1.1 <gone@acme.example>: Recipient address rejected: User unknown"
                    .into(),
            }],
            "the delayed recipient is not a bounce"
        );
        assert_eq!(
            read.message_id.as_deref(),
            Some("0190f0e2-7c1a-7b3e-9a2b-1234567890ab@helpdesk.example")
        );
    }

    #[test]
    fn ordinary_mail_and_temporary_failures_are_not_bounces() {
        assert_eq!(
            read(b"From: a@b.example\r\nSubject: hi\r\n\r\nhello\r\n"),
            None
        );
        let temporary = DSN.replace("Action: failed", "Action: delayed");
        assert_eq!(
            read(temporary.as_bytes()).map(|n| n.bounces),
            Some(Vec::new())
        );
        let transient = DSN.replace("Status: 5.1.1", "Status: 4.2.2");
        assert_eq!(
            read(transient.as_bytes()).map(|n| n.bounces),
            Some(Vec::new())
        );
    }
}
