//! The demo world of `bellhop-server --demo` (README, "Demo accounts"): Acme and Globex, a
//! technician, three customer contacts, and tickets in every status with conversations.

use bellhop_proto::{
    CommentId, CommentVisibility, CustomField, CustomFieldAccess, CustomFieldKind, DefaultFields,
    Priority, Role, TicketFields, TicketStatus, TicketType,
};

use crate::auth::token_hash;
use crate::db::{Caller, NewUser, SeedTicket, Store, now_ms};
use crate::error::Result;
use crate::passwords::hash_password;

pub const DEMO_PASSWORD: &str = "bellhop-demo";

/// Seeds the demo world when the database has no users. Returns whether it seeded.
pub async fn seed_if_empty(store: &Store) -> Result<bool> {
    if store.count_users().await? > 0 {
        return Ok(false);
    }
    let acme = store
        .insert_org(
            "Acme",
            &["acme.example"],
            Some(&token_hash("acme-demo-key")),
            true,
        )
        .await?;
    let globex = store
        .insert_org(
            "Globex",
            &["globex.example"],
            Some(&token_hash("globex-demo-key")),
            false,
        )
        .await?;
    let hash = {
        let pw = DEMO_PASSWORD.to_owned();
        move || hash_password(&pw)
    };
    let people = [
        (
            "Tess Tech",
            "tech@helpdesk.example",
            Role::Technician,
            None,
            None,
        ),
        (
            "Alice Archer",
            "alice@acme.example",
            Role::PrimaryContact,
            Some(acme),
            Some("+1 555 0100 41"),
        ),
        (
            "Bob Baker",
            "bob@acme.example",
            Role::EndUser,
            Some(acme),
            Some("+1 (555) 010-0142"),
        ),
        (
            "Carol Cole",
            "carol@globex.example",
            Role::EndUser,
            Some(globex),
            None,
        ),
    ];
    let mut callers = Vec::new();
    for (name, email, role, org_id, phone) in people {
        let password_hash = Some(hash()?);
        let user_id = store
            .insert_user(NewUser {
                name,
                email,
                role,
                org_id,
                phone,
                password_hash,
                language: bellhop_proto::Language::En,
                portal_access: true,
            })
            .await?;
        callers.push(Caller {
            user_id,
            name: name.into(),
            role,
            org_id,
            device_id: None,
            signed_in_at: 0,
        });
    }
    let [tech, alice, bob, carol] = <[Caller; 4]>::try_from(callers)
        .map_err(|_| anyhow::anyhow!("demo people count changed"))?;

    use TicketStatus::*;
    let tickets: [(&Caller, &str, &str, TicketStatus, Priority); 12] = [
        (
            &bob,
            "Outlook keeps asking for my password",
            "Since this morning Outlook prompts for my password every few minutes.",
            Open,
            Priority::High,
        ),
        (
            &bob,
            "Printer on floor 2 prints blank pages",
            "The HP printer near the kitchen prints empty sheets.",
            AwaitingReply,
            Priority::Normal,
        ),
        (
            &bob,
            "Request: second monitor",
            "Could I get a second monitor for my desk?",
            Resolved,
            Priority::Low,
        ),
        (
            &bob,
            "VPN disconnects every hour",
            "The VPN drops roughly every 60 minutes.",
            Closed,
            Priority::Normal,
        ),
        (
            &alice,
            "New starter next Monday needs a laptop",
            "Please prepare a laptop and accounts for Dana, starting Monday.",
            Open,
            Priority::Normal,
        ),
        (
            &alice,
            "Shared drive is read-only",
            "The Finance share suddenly became read-only for our team.",
            AwaitingReply,
            Priority::High,
        ),
        (
            &alice,
            "Teams calls have no sound",
            "Colleagues cannot hear me in Teams calls.",
            Resolved,
            Priority::Normal,
        ),
        (
            &alice,
            "Wi-Fi slow in meeting room B",
            "Video calls stutter in meeting room B.",
            Closed,
            Priority::Low,
        ),
        (
            &carol,
            "Cannot log in to the ERP",
            "The ERP says my account is locked.",
            Open,
            Priority::Urgent,
        ),
        (
            &carol,
            "Laptop battery swells",
            "The laptop case is bulging near the touchpad.",
            AwaitingReply,
            Priority::High,
        ),
        (
            &carol,
            "Request: Adobe Acrobat licence",
            "I need to edit PDFs for contracts.",
            Resolved,
            Priority::Low,
        ),
        (
            &carol,
            "Email signature template",
            "Please update my signature to the new logo.",
            Closed,
            Priority::Low,
        ),
    ];
    store.save_ticket_fields(&tech, &demo_fields()).await?;
    let start = now_ms() - 14 * 24 * 3600 * 1000;
    for (i, (who, title, description, status, priority)) in tickets.into_iter().enumerate() {
        let at = start + i as i64 * 3600 * 1000 * 20;
        let kind = if title.starts_with("Request:") {
            "service_request"
        } else {
            "incident"
        };
        let id = store
            .seed_ticket(
                who,
                SeedTicket {
                    title,
                    description,
                    status,
                    priority,
                    ticket_type: Some(kind),
                    at_ms: at,
                },
            )
            .await?;
        if i == 0 {
            store.add_cc(id, alice.user_id).await?;
        }
        let reply = |n: i64| at + n * 15 * 60 * 1000;
        let conversation: [(&Caller, CommentVisibility, &str); 3] = [
            (
                &tech,
                CommentVisibility::Public,
                "Thanks for reporting this — we are looking into it.",
            ),
            (
                &tech,
                CommentVisibility::Internal,
                "Internal: check the device in the asset list before calling back.",
            ),
            (
                who,
                CommentVisibility::Public,
                "Thank you, I am at my desk if you need me.",
            ),
        ];
        for (n, (author, visibility, body)) in conversation.into_iter().enumerate() {
            store
                .insert_comment(
                    author,
                    id,
                    CommentId::new(),
                    visibility,
                    body,
                    reply(n as i64 + 1),
                )
                .await?;
        }
    }
    let _ = carol;
    for (title, category, body) in ARTICLES {
        store.insert_article(title, category, body).await?;
    }
    Ok(true)
}

const ARTICLES: [(&str, &str, &str); 10] = [
    (
        "Reset your password",
        "Accounts",
        "# Reset your password\n\n1. Open the sign-in page and choose **Forgot password**.\n2. Follow the link in the email within 30 minutes.\n3. Choose a password of at least 12 characters.",
    ),
    (
        "Set up multi-factor authentication",
        "Accounts",
        "# Multi-factor authentication\n\nInstall an authenticator app, then scan the code shown under *Security* in your profile.",
    ),
    (
        "Connect to the VPN",
        "Network",
        "# Connect to the VPN\n\nStart the VPN client, choose **Office**, and sign in with your usual account. If it drops every hour, update the client.",
    ),
    (
        "Wi-Fi for guests",
        "Network",
        "# Guest Wi-Fi\n\nGuests join **Acme-Guest**; the weekly password is on the reception screen.",
    ),
    (
        "Add a shared mailbox in Outlook",
        "Email",
        "# Shared mailboxes\n\nIn Outlook choose *File → Account settings → Change → More settings → Advanced* and add the mailbox.",
    ),
    (
        "Outlook keeps asking for a password",
        "Email",
        "# Repeated password prompts\n\nSign out of Office, remove cached credentials in the Credential Manager, then sign in again.",
    ),
    (
        "Install approved software",
        "Software",
        "# Approved software\n\nUse the self-service catalog: every listed program installs without an administrator.",
    ),
    (
        "Printer prints blank pages",
        "Hardware",
        "# Blank pages\n\nCheck the toner, then print a test page from the printer's own menu. If it is blank too, open a ticket.",
    ),
    (
        "Ask for a second monitor",
        "Hardware",
        "# Second monitor\n\nOpen a service request **New hardware** and say which desk it is for.",
    ),
    (
        "Take a screenshot for the service desk",
        "Bellhop",
        "# Screenshots\n\nPress **Ctrl+F12**: Bellhop captures your screen and opens a new ticket with it. You can remove the screenshot before sending.",
    ),
];

/// The demo desk's ticket types and custom fields: three for users to fill in, one (the cost
/// centre) the desk keeps to itself.
fn demo_fields() -> TicketFields {
    let kind = |key: &str, name: &str| TicketType {
        key: key.into(),
        name: name.into(),
    };
    let field = |key: &str, label: &str, kind, options: &[&str], access| CustomField {
        key: key.into(),
        label: label.into(),
        kind,
        options: options.iter().map(|o| (*o).to_owned()).collect(),
        required: false,
        access,
    };
    use CustomFieldAccess::{Editable, Hidden};
    TicketFields {
        defaults: DefaultFields::default(),
        types: vec![
            kind("incident", "Incident"),
            kind("service_request", "Service request"),
            kind("question", "Question"),
        ],
        custom: vec![
            field(
                "asset_tag",
                "Asset tag",
                CustomFieldKind::Text,
                &[],
                Editable,
            ),
            field(
                "affected",
                "Who is affected",
                CustomFieldKind::Dropdown,
                &["Only me", "My team", "Everyone"],
                Editable,
            ),
            field(
                "needed_by",
                "Needed by",
                CustomFieldKind::Date,
                &[],
                Editable,
            ),
            field(
                "cost_centre",
                "Cost centre",
                CustomFieldKind::Dropdown,
                &["IT", "Sales", "Operations"],
                Hidden,
            ),
        ],
    }
}
