// Generated from crates/proto by `cargo run -p bellhop-proto --bin gen-ts`. Do not edit.

export type ErrorCode = "bad_request" | "unauthenticated" | "forbidden" | "reauthenticate" | "not_found" | "conflict" | "payload_too_large" | "rate_limited" | "unavailable" | "internal";

export type ApiError = { code: ErrorCode, message: string, };

export type ErrorBody = { error: ApiError, };

export type NewAttachment = { 
/**
 * Lower-case hex SHA-256 of the bytes.
 */
sha256: string, file_name: string, };

export type Attachment = { sha256: string, 
/**
 * Sanitised on the server.
 */
file_name: string, 
/**
 * Sniffed from the bytes, never taken from the uploader.
 */
media_type: string, size: number, 
/**
 * The reply or note it was sent with; `None` for the ticket's own files.
 */
comment_id: CommentId | null, };

export type TicketId = string;

export type CommentId = string;

export type UserId = string;

export type OrgId = string;

export type DeviceId = string;

export type OpId = string;

export type ActionId = string;

export type ChatId = string;

export type ChatMessageId = string;

export type ConversationId = string;

export type ReleaseId = string;

export type Language = "en" | "fr" | "de" | "es" | "it" | "ru";

export type Role = "end_user" | "primary_contact" | "technician" | "admin";

export type User = { id: UserId, name: string, email: string, phone: string | null, role: Role, org_id: OrgId | null, 
/**
 * The language of the user's portal and of the mail they get.
 */
language: Language, 
/**
 * May sign in to the web portal (with a password, once they have chosen one).
 */
portal_access: boolean, 
/**
 * Switched off by the desk: no credential of theirs works anywhere.
 */
disabled: boolean, };

export type UpdateMe = { language: Language, };

export type SecondFactor = { 
/**
 * The confirmed phone number; `None` until one is set up (or after it was removed).
 */
phone: string | null, 
/**
 * A number a code was sent to and not yet typed back.
 */
pending: PendingPhone | null, 
/**
 * When an authenticator app was confirmed; `None` while there is none.
 */
authenticator_since: string | null, };

export type PendingPhone = { phone: string, expires_at: string, };

export type AuthenticatorSetup = { 
/**
 * The secret in base32, for typing into an app by hand.
 */
secret: string, 
/**
 * The `otpauth://totp/…` address the QR code holds.
 */
uri: string, 
/**
 * The QR code as an SVG document (render it as an image, not as markup).
 */
qr_svg: string, 
/**
 * The first code must be confirmed before this.
 */
expires_at: string, };

export type SetPhoneRequest = { phone: string, };

export type ConfirmPhoneRequest = { code: string, };

export type LoginRequest = { email: string, password: string, };

export type LoginResponse = { 
/**
 * Bearer token for `Authorization: Bearer …`; revoked by `POST /api/v1/auth/logout`.
 */
token: string, user: User, };

export type ForgotPasswordRequest = { email: string, };

export type SignUpRequest = { name: string, email: string, 
/**
 * The portal's language when they signed up: their mail's and portal's.
 */
language?: Language, };

export type ResetPasswordRequest = { token: string, password: string, };

export type IdpKind = "oidc" | "entra" | "google";

export type IdentityProvider = { kind: IdpKind, 
/**
 * The provider's issuer: its discovery document is at
 * `{issuer}/.well-known/openid-configuration`.
 */
issuer: string, client_id: string, 
/**
 * Whether a client secret is kept (sealed on the server).
 */
has_secret: boolean, 
/**
 * Entra: the directory (tenant) id every token's `tid` must equal. Google: the Workspace
 * domain every token's `hd` must equal.
 */
tenant?: string, 
/**
 * Whether the organisation's people may still sign in with a password as well.
 */
password_sign_in: boolean, 
/**
 * The address the provider must send people back to: register it with the provider.
 */
redirect_uri: string, };

export type IdentityProviderInput = { kind: IdpKind, 
/**
 * Required for the generic provider; a preset's own issuer when left out.
 */
issuer?: string, client_id: string, 
/**
 * The client secret; left out, the one kept stays.
 */
client_secret?: string, 
/**
 * Required for Entra (the tenant id) and Google (the Workspace domain).
 */
tenant?: string, 
/**
 * Password sign-in for the organisation's people; on unless switched off.
 */
password_sign_in: boolean, };

export type CompanySignInStart = { email: string, };

export type CompanySignInRedirect = { url: string, };

export type CompanySignInFinish = { ticket: string, };

export type CompanySignInError = "refused" | "expired" | "invalid" | "unverified_email" | "wrong_tenant" | "not_of_organisation" | "no_access" | "unreachable";

export type AppCompanySignInStart = { email: string, 
/**
 * `http://127.0.0.1:<port>/<path>` or `http://[::1]:<port>/<path>`: this computer only.
 */
redirect_uri: string, 
/**
 * The app's PKCE challenge (S256, base64url of the verifier's SHA-256).
 */
code_challenge: string, 
/**
 * Sent back to the app unchanged, for it to recognise its own answer.
 */
state: string, };

export type AppCompanySignInFinish = { code: string, code_verifier: string, };

export type TicketStatus = "open" | "awaiting_reply" | "resolved" | "closed";

export type Priority = "low" | "normal" | "high" | "urgent";

export type TicketSource = "hotkey" | "tray" | "portal" | "chat" | "assistant";

export type Ticket = { id: TicketId, 
/**
 * The human number shown to people ("#1042"), assigned by the server.
 */
number: number, title: string, 
/**
 * Empty for a reader from whom the desk hides descriptions.
 */
description: string, status: TicketStatus, 
/**
 * Left out for a reader from whom the desk hides the priority.
 */
priority?: Priority, source: TicketSource, requester_id: UserId, requester_name: string, org_id: OrgId | null, 
/**
 * The organisation's name (the console's queue shows it).
 */
org_name: string | null, 
/**
 * The device it was sent from (desktop app or CLI), and that device's name.
 */
device_id: DeviceId | null, device_name: string | null, 
/**
 * The technician working on the ticket, if anyone is.
 */
assignee_id: UserId | null, assignee_name: string | null, 
/**
 * One of the desk's [`crate::TicketType`] keys.
 */
ticket_type: string | null, 
/**
 * Custom field values by key; users receive only the fields the desk lets them see.
 */
custom_fields?: { [key in string]: FieldValue }, created_at: string, updated_at: string, 
/**
 * The technician who opened it for the requester (a phone call, a chat), if one did.
 */
opened_by_id: UserId | null, opened_by_name: string | null, 
/**
 * The catalog item it was asked for with, if any (a [`crate::CatalogItem`] key).
 */
catalog_item: string | null, 
/**
 * Where the item needs it: the primary contact's approval, and who gave or refused it.
 */
approval: ApprovalState | null, approval_by_name: string | null, };

export type NewTicket = { id: TicketId, title: string, description: string, priority?: Priority, source?: TicketSource, 
/**
 * Files uploaded beforehand (`PUT /api/v1/attachments/{sha256}`), e.g. the screenshot.
 */
attachments?: Array<NewAttachment>, 
/**
 * The machine as it was when the user asked for help (the agent attaches it).
 */
system_info?: SystemInfo, 
/**
 * One of the desk's ticket types, where users may choose it.
 */
ticket_type?: string, 
/**
 * Values of the desk's custom fields, by key.
 */
custom_fields?: { [key in string]: FieldValue }, 
/**
 * The desk only: the person it is opened for (their request, marked as opened for them).
 */
requester_id?: UserId, 
/**
 * A request from the service catalog: the item's key. Its form's values are in
 * `custom_fields`.
 */
catalog_item?: string, };

export type CommentVisibility = "public" | "internal";

export type Comment = { id: CommentId, ticket_id: TicketId, author_id: UserId, author_name: string, visibility: CommentVisibility, body: string, created_at: string, };

export type NewComment = { id: CommentId, body: string, 
/**
 * Defaults to public; only technicians may write internal notes.
 */
visibility?: CommentVisibility, 
/**
 * Files uploaded beforehand (`PUT /api/v1/attachments/{sha256}`); an internal note's files
 * are as hidden from end users as the note.
 */
attachments?: Array<NewAttachment>, };

export type TicketUpdate = { status?: TicketStatus, priority?: Priority, 
/**
 * Technicians: the ticket's type (`""` for none).
 */
ticket_type?: string, 
/**
 * Technicians: the custom field values, all of them (a field left out is cleared).
 */
custom_fields?: { [key in string]: FieldValue }, };

export type TicketListQuery = { 
/**
 * Words that must appear in the title or description.
 */
q?: string, status?: TicketStatus, 
/**
 * Only tickets of this type (a [`crate::TicketType`] key).
 */
ticket_type?: string, 
/**
 * Only this organisation's tickets.
 */
org_id?: OrgId, 
/**
 * Only tickets assigned to this technician.
 */
assignee_id?: UserId, 
/**
 * Only tickets nobody is assigned to.
 */
unassigned?: boolean, 
/**
 * Only tickets of this priority (refused to people the desk does not show priorities to).
 */
priority?: Priority, 
/**
 * Newest first (the default) or oldest first.
 */
sort?: TicketSort, 
/**
 * Whose requests, among those the caller may see (the portal's tabs).
 */
scope?: TicketScope, 
/**
 * Page size, 1..=200 (default 50).
 */
limit?: number, 
/**
 * The `next` value of the previous page.
 */
cursor?: string, };

export type TicketSort = "newest" | "oldest";

export type TicketScope = "mine" | "cc" | "org";

export type CcEntry = { user_id: UserId, name: string, email: string, };

export type AddCc = { email: string, };

export type AssigneeUpdate = { user_id: UserId | null, };

export type QueueCounts = { 
/**
 * Open tickets, whoever handles them.
 */
open: number, 
/**
 * Tickets waiting for the customer's reply.
 */
awaiting_reply: number, 
/**
 * Open tickets assigned to the caller.
 */
mine: number, 
/**
 * Open tickets nobody is assigned to.
 */
unassigned: number, 
/**
 * Open tickets of urgent priority, whoever handles them.
 */
urgent: number, };

export type Page<T> = { items: Array<T>, next: string | null, };

export type DeviceFacts = { hostname: string, os: string, os_version: string, serial: string | null, 
/**
 * MAC addresses as `aa:bb:cc:dd:ee:ff`.
 */
macs: Array<string>, 
/**
 * The OS user profile this agent runs for (activation is per device and profile).
 */
os_user: string, 
/**
 * The agent's system as Rust names it (`linux`, `windows`, `macos`): which packages of the
 * approved software fit it. Empty from agents older than it.
 */
platform: string, 
/**
 * The privileged helper the agent reached on this machine, if any: only then can approved
 * software be installed here.
 */
helper?: HelperFacts, 
/**
 * The approved packages installed here, as the helper found them.
 */
installed: Array<InstalledPackage>, 
/**
 * The version of the Bellhop app reporting (empty from agents older than it).
 */
agent_version: string, 
/**
 * The releases this device follows, as its managed settings say.
 */
update_channel: UpdateChannel, };

export type DeviceStatus = "pending" | "active" | "deactivated";

export type EnrolRequest = { enrolment_key: string, device: DeviceFacts, };

export type EnrolResponse = { device_id: DeviceId, 
/**
 * The device's own secret (`Authorization: Bearer …` for `/api/v1/device/*`). Shown once;
 * the agent keeps it in the OS keychain.
 */
device_secret: string, status: DeviceStatus, 
/**
 * The key the server signs self-service grants with (Ed25519, standard base64): the agent
 * pins it now and runs only grants it signed.
 */
grant_key: string, };

export type Device = { id: DeviceId, org_id: OrgId, org_name: string, facts: DeviceFacts, status: DeviceStatus, assigned_user_id: UserId | null, enrolled_at: string, last_seen_at: string | null, };

export type DeviceState = { device_id: DeviceId, status: DeviceStatus, org_name: string, 
/**
 * The key the server signs self-service grants with: an agent enrolled before grants
 * existed pins it from here, once.
 */
grant_key: string, };

export type DeviceSelection = { device_ids: Array<DeviceId>, org_id?: OrgId, };

export type DevicesChanged = { changed: number, };

export type SendTokenRequest = { first_name: string, last_name: string, email: string, 
/**
 * The app's language: the email is written in it, and a user created by this confirmation
 * gets it.
 */
language?: Language, };

export type ConfirmTokenRequest = { email: string, token: string, };

export type DeviceCredential = { token: string, user: User, };

export type SystemInfo = { hostname: string, os: string, os_version: string, kernel_version: string | null, os_user: string, 
/**
 * Where the OS exposes it (and lets this user read it).
 */
serial: string | null, uptime_secs: number, cpu: string | null, cpu_cores: number | null, memory_total_bytes: number, memory_used_bytes: number, disks: Array<DiskInfo>, interfaces: Array<NetworkInterface>, taken_at: string, };

export type DiskInfo = { mount_point: string, file_system: string, total_bytes: number, available_bytes: number, removable: boolean, };

export type NetworkInterface = { name: string, 
/**
 * `aa:bb:cc:dd:ee:ff`
 */
mac: string, 
/**
 * Addresses with their prefix, e.g. `192.168.1.20/24`.
 */
addresses: Array<string>, };

export type Article = { id: string, title: string, category: string, body_html: string, 
/**
 * The body's words without markup, for searching and excerpts (the desktop app's offline
 * copy searches it).
 */
body_text: string, updated_at: string, 
/**
 * The Markdown source, for technicians (who edit it); absent for everyone else.
 */
body_md?: string, 
/**
 * The organisations that see it; empty: everyone (always empty for non-technicians).
 */
org_ids: Array<OrgId>, 
/**
 * The language it is written in; `null`: not said (searched as English).
 */
language: Language | null, };

export type ArticleSummary = { id: string, title: string, category: string, };

export type ArticleInput = { title: string, category: string, 
/**
 * Markdown; raw HTML in it is removed when the article is shown.
 */
body_md: string, 
/**
 * Visible only to these organisations; empty: to everyone.
 */
org_ids: Array<OrgId>, 
/**
 * The language it is written in, so that it is searched in it; absent or `null`: not said
 * (searched as English).
 */
language: Language | null, };

export type ArticleStamp = { id: string, updated_at: string, };

export type ServerInfo = { product: string, version: string, 
/**
 * Which database backend serves this instance: `sqlite` or `postgres`.
 */
database: string, };

export type Connectivity = "not_configured" | "online" | "offline";

export type AgentStatus = { agent_version: string, server_url: string | null, connectivity: Connectivity, 
/**
 * Present when the server answered.
 */
server: ServerInfo | null, 
/**
 * Why the server could not be reached, in words for a person.
 */
problem: string | null, 
/**
 * Items waiting in the outbox.
 */
queued: number, 
/**
 * Saved drafts.
 */
drafts: number, 
/**
 * Tickets with news the user has not opened yet.
 */
unread: number, 
/**
 * This device's state on the server; `None` until enrolled (or while offline).
 */
device: DeviceStatus | null, 
/**
 * The person this device works for, once their identity is confirmed.
 */
user: User | null, };

export type SyncOpKind = { "type": "create_ticket", ticket: NewTicket, } | { "type": "add_comment", ticket_id: TicketId, comment: NewComment, } | { "type": "update_ticket", ticket_id: TicketId, update: TicketUpdate, };

export type SyncOp = { op_id: OpId, op: SyncOpKind, };

export type PushRequest = { ops: Array<SyncOp>, };

export type OpOutcome = { "result": "applied", op_id: OpId, ticket: Ticket, } | { "result": "rejected", op_id: OpId, error: ApiError, };

export type PushResponse = { outcomes: Array<OpOutcome>, };

export type OutboxState = "queued" | "sending" | "synced" | "rejected";

export type OutboxItem = { 
/**
 * Send order.
 */
seq: number, op: SyncOp, state: OutboxState, attempts: number, last_error: string | null, };

export type ChangesQuery = { after: number | null, 
/**
 * At most this many tickets (default 200, at most 1,000).
 */
limit: number | null, };

export type TicketChange = { 
/**
 * The change sequence number of the ticket's latest change.
 */
seq: number, ticket: Ticket, comments: Array<Comment>, attachments: Array<Attachment>, };

export type ChangesPage = { changes: Array<TicketChange>, cursor: number, more: boolean, 
/**
 * On the last page: how many tickets the caller may see in all. A copy holding more lost
 * sight of some (a copy removed, a role changed) and asks `GET /api/v1/tickets/ids` which.
 */
visible?: number | null, };

export type TicketEvent = { seq: number, ticket_id: TicketId, };

export type HotkeyStatus = { 
/**
 * As the user chose it ("Ctrl+F12").
 */
accelerator: string, 
/**
 * Registered with the desktop: pressing it anywhere opens a new ticket.
 */
active: boolean, 
/**
 * Why it is not active: taken by another program, or the desktop has no global shortcuts.
 */
problem: string | null, };

export type SettingSource = "managed" | "environment" | "user_file" | "user_choice" | "default";

export type AppSetting = { 
/**
 * As managed files write it (`server_url`, `hotkey`, `language`…).
 */
name: string, 
/**
 * `None`: not set (an enrolment key is shown only as set).
 */
value: string | null, source: SettingSource, 
/**
 * The file, registry key or variable it came from.
 */
origin: string | null, };

export type LocalAction = { id: ActionId, kind: ActionKind, 
/**
 * Who asked for it (from the signed grant).
 */
asked_by: string, state: LocalActionState, 
/**
 * While counting down: when it runs unless cancelled here.
 */
runs_at?: string, detail?: string, };

export type LocalActionState = "counting_down" | "running" | "succeeded" | "failed" | "cancelled";

export type LocalTicket = { id: TicketId, 
/**
 * The server's number; `None` while the ticket waits in the outbox.
 */
number: number | null, title: string, 
/**
 * `None` while the ticket waits in the outbox.
 */
status: TicketStatus | null, updated_at: string, 
/**
 * Something happened since the user last opened it.
 */
unread: boolean, 
/**
 * Something of it (the ticket, or a reply) waits in the outbox.
 */
pending: boolean, 
/**
 * The server refused the ticket; this says why (the content is kept to fix and resend).
 */
rejected: string | null, 
/**
 * The technician who opened it for the user (a phone call, a chat), if not the user.
 */
opened_by_name: string | null, 
/**
 * A catalog request's approval by a primary contact, when it needs one.
 */
approval: ApprovalState | null, };

export type Notice = { ticket_id: TicketId, number: number, title: string, kind: NoticeKind, };

export type NoticeKind = { "type": "reply", author_name: string, excerpt: string, } | { "type": "status", status: TicketStatus, };

export type Draft = { id: string, 
/**
 * Files kept with it (by hash, on this device): a ticket the server refused keeps its
 * screenshot and files when it comes back as a draft to fix.
 */
attachments: Array<NewAttachment>, updated_at: string, title: string, description: string, ticket_type?: string, custom_fields?: { [key in string]: FieldValue }, 
/**
 * A request from the service catalog: the item's key (its form's values are the custom
 * fields).
 */
catalog_item?: string, };

export type TicketForm = { title: string, description: string, ticket_type?: string, custom_fields?: { [key in string]: FieldValue }, 
/**
 * A request from the service catalog: the item's key (its form's values are the custom
 * fields).
 */
catalog_item?: string, };

export type Redaction = { x: number, y: number, width: number, height: number, };

export type Org = { id: OrgId, name: string, 
/**
 * Email domains whose people join this organisation on first contact.
 */
domains: Array<string>, 
/**
 * New devices are active at once (otherwise they wait for a technician).
 */
auto_activate: boolean, 
/**
 * Who may sign up into it from the portal.
 */
sign_up: SignUpRule, };

export type OrgDetail = { org: Org, created_at: string, 
/**
 * Its primary contacts: the people who look after it on its side (they see every ticket
 * of theirs, and approve its catalog requests).
 */
contacts: Array<User>, 
/**
 * How many people and devices it has.
 */
people: number, devices: number, 
/**
 * Its company sign-in, when it has one.
 */
identity_provider?: IdentityProvider, };

export type UserListQuery = { 
/**
 * Words in the name or email.
 */
q?: string, 
/**
 * Only technicians and admins (whom tickets can be assigned to).
 */
staff?: boolean, 
/**
 * Only the people of this organisation. Either way, at most 200, by name.
 */
org_id?: OrgId, };

export type SearchQuery = { 
/**
 * A name, email, phone number, id, organisation, email domain, hostname, serial or MAC.
 */
q: string, };

export type SearchResults = { users: Array<User>, orgs: Array<Org>, devices: Array<Device>, };

export type AuditEntry = { id: string, at: string, actor_id: UserId, actor_name: string, 
/**
 * What was done, e.g. `device.activate`, `ticket.assign`, `ticket.status`.
 */
action: string, 
/**
 * What it was done to (a device, ticket or organisation id).
 */
target: string, 
/**
 * A sentence for people: "activated 3 devices of Globex".
 */
detail: string, };

export type AuditQuery = { 
/**
 * Words in the action, target, detail or actor's name.
 */
q?: string, 
/**
 * Page size, 1..=200 (default 50).
 */
limit?: number, 
/**
 * The `next` value of the previous page.
 */
cursor?: string, };

export type EmailState = "queued" | "sent" | "failed" | "bounced" | "held";

export type EmailSummary = { subject: string, created_at: string, state: EmailState, 
/**
 * The mail server's last answer when sending failed, or why it bounced.
 */
error: string | null, };

export type Suppression = { since: string, 
/**
 * The mail server's words.
 */
reason: string, };

export type ViewConsent = { until?: string, 
/**
 * The latest looks (at most 20), newest first.
 */
views: Array<ViewRecord>, };

export type ViewRecord = { viewer_name: string, at: string, };

export type ViewConsentInput = { hours: number, };

export type ViewTicket = { ticket: string, expires_at: string, };

export type ViewFinish = { ticket: string, };

export type UserDetail = { user: User, org_name: string | null, 
/**
 * Whether they can sign in to the portal with a password.
 */
has_password: boolean, 
/**
 * The phone confirming their self-service actions; removing or changing their phone number
 * resets it.
 */
second_factor_phone: string | null, 
/**
 * When their authenticator app was confirmed, if they have one.
 */
authenticator_since: string | null, last_email: EmailSummary | null, 
/**
 * Set when their address is suppressed: the server sends them no mail until the desk
 * removes it (`POST /api/v1/users/{id}/email/unsuppress`).
 */
suppressed?: Suppression, 
/**
 * The portal as they meet it: which sections are on for them, which statuses they see.
 */
portal?: MyPortal, 
/**
 * Until when they let the desk look at their portal, read-only; unset without consent.
 */
view_consent_until?: string, devices: Array<Device>, 
/**
 * Their most recent tickets (at most 20), newest first.
 */
tickets: Array<Ticket>, };

export type VerificationSent = { expires_at: string, };

export type VerifyCodeRequest = { code: string, };

export type VerifyCodeResult = { verified: boolean, 
/**
 * Wrong codes still allowed before a new one must be sent.
 */
attempts_left: number, };

export type BrandSettings = { 
/**
 * The desk's name as its customers know it ("Acme IT").
 */
name: string | null, 
/**
 * `#rrggbb`, dark enough to read as text on the light theme's surfaces.
 */
accent: string | null, 
/**
 * The number people call the desk on.
 */
phone: string | null, 
/**
 * The address people write to.
 */
email: string | null, 
/**
 * Up to [`MAX_BRAND_LINKS`] links (a status page, the desk's site), `https` only.
 */
links: Array<BrandLink>, 
/**
 * The desktop app shows no tray icon (it stays at hand through its hotkey and the Start
 * menu or dock entry). Not set: the icon shows.
 */
hide_tray_icon: boolean | null, 
/**
 * The SHA-256 (hex) of a logo uploaded with `POST /api/v1/brand/logos`; none: Bellhop's
 * mark.
 */
logo: string | null, };

export type BrandLink = { label: string, url: string, };

export type Brand = { 
/**
 * The desk's name, or Bellhop's.
 */
name: string, 
/**
 * The accent's colours for each theme; none: Bellhop's own.
 */
accent: AccentColours | null, phone: string | null, email: string | null, links: Array<BrandLink>, 
/**
 * Whether the desktop app shows its tray icon.
 */
tray_icon: boolean, 
/**
 * Where the desk's logo is fetched (`/api/v1/brand/logo/{sha256}`; in the desktop app a
 * `data:` URL of the copy it keeps); none: Bellhop's mark.
 */
logo: string | null, };

export type AccentColours = { 
/**
 * The accent as set: the light theme's.
 */
light: string, light_text: string, 
/**
 * The accent lightened until it reads on the dark theme's surfaces.
 */
dark: string, dark_text: string, };

export type LogoUploaded = { sha256: string, url: string, };

export type Audience = "everyone" | "nobody" | "only" | "all_but";

export type SectionRule = { audience: Audience, 
/**
 * The users `only` or `all_but` name.
 */
users: Array<UserId>, 
/**
 * The organisations `only` or `all_but` name: everyone in them.
 */
orgs: Array<OrgId>, };

export type ActionRules = { restart: SectionRule, lock: SectionRule, shut_down: SectionRule, log_out: SectionRule, 
/**
 * Installing and removing the desk's approved software (settings saved before it existed
 * read as everyone; the approved list says what each organisation is offered).
 */
software: SectionRule, 
/**
 * Resetting the password of one's own account on one's own computer (settings saved
 * before it existed read as everyone).
 */
reset_password: SectionRule, };

export type PortalSettings = { 
/**
 * Opening tickets, the ticket lists and the ticket pages.
 */
ticketing: SectionRule, knowledge_base: SectionRule, assistant: SectionRule, self_service: SectionRule, 
/**
 * Chat with the service desk (settings saved before chat existed read as everyone).
 */
chat: SectionRule, 
/**
 * Which self-service actions each person may start on their own computers (with
 * `self_service` on for them).
 */
actions: ActionRules, 
/**
 * The statuses users see in their lists (at least one).
 */
visible_statuses: Array<TicketStatus>, 
/**
 * Whether users may reopen a resolved or closed ticket.
 */
reopen_allowed: boolean, 
/**
 * Users open tickets only through the assistant, which hands over to a person: the New
 * ticket button and the desktop's shortcut lead to it, and a ticket opened directly by an
 * end user is refused (catalog requests still go straight to the desk). Only for those the
 * assistant is on for.
 */
tickets_through_assistant: boolean, 
/**
 * Every conversation with the assistant is kept as a ticket (source: assistant): opened
 * resolved with the first answer, its transcript kept current with each answer, and opened
 * again for the desk when the person asks for a person. For the people the assistant is on
 * for, never the desk's own staff.
 */
assistant_ticket_per_conversation: boolean, 
/**
 * How many questions the assistant's model answers for one person in a day (UTC), up to
 * [`MAX_DAILY_MODEL_CALLS`]; past it the built-in engine answers from the knowledge base.
 * `null`: no limit. Without a model it changes nothing.
 */
assistant_daily_model_calls: number | null, };

export type PortalAddress = { 
/**
 * The address in every link (the server's `--public-url`).
 */
public_url: string, 
/**
 * Its host name: the DNS record to create is for this name.
 */
host: string, 
/**
 * The name the record should be a CNAME to, when the server was told one
 * (`--cname-target`); otherwise an A/AAAA record to the server's address, or a CNAME to its
 * host name.
 */
cname_target?: string, 
/**
 * What the host resolves to from the server, now.
 */
addresses: Array<string>, 
/**
 * Whether a request to the public address came back to this server (or one sharing its
 * keys), checked now.
 */
reaches_this_server: boolean, 
/**
 * Why it does not, in words.
 */
problem?: string, };

export type MyPortal = { ticketing: boolean, knowledge_base: boolean, assistant: boolean, self_service: boolean, chat: boolean, 
/**
 * The self-service actions this person may start on their own computers (none when
 * `self_service` is off for them). Staff start none on others' computers.
 */
actions: Array<ActionKind>, visible_statuses: Array<TicketStatus>, can_reopen: boolean, 
/**
 * This person opens tickets through the assistant (never true for the desk).
 */
tickets_through_assistant: boolean, 
/**
 * The ticket fields as this user meets them (types, custom fields, default fields' access).
 */
ticket_fields: TicketFields, 
/**
 * Set when a technician is looking at this person's portal with their consent (a read-only
 * view): the technician's name.
 */
viewed_by?: string, };

export type ActionKind = "restart" | "lock" | "shut_down" | "log_out" | "install" | "remove" | "reset_password";

export type ActionState = "requested" | "verified" | "delivered" | "running" | "succeeded" | "failed" | "expired" | "cancelled";

export type FactorKind = "sms" | "totp";

export type ActionRequest = { id: ActionId, device_id: DeviceId, kind: ActionKind, 
/**
 * For `install` and `remove`: the key of the approved software entry. The server picks its
 * package for the computer's system.
 */
software?: string, 
/**
 * How the person will prove it is them. Without it: their authenticator app when they
 * have one (no text message is sent), else a code by SMS.
 */
factor?: FactorKind, };

export type ActionCode = { code: string, };

export type Action = { id: ActionId, device_id: DeviceId, 
/**
 * The computer's name.
 */
device_name: string, user_id: UserId, user_name: string, kind: ActionKind, 
/**
 * For `install` and `remove`: what is installed or removed.
 */
software?: ActionSoftware, state: ActionState, factor: FactorKind, 
/**
 * Wrong codes still allowed while `requested`.
 */
attempts_left: number, 
/**
 * What the computer said, or why the action ended (in English; the UI shows its own words
 * for each state).
 */
detail: string | null, created_at: string, updated_at: string, 
/**
 * While waiting: when it expires unless the code comes (`requested`) or the computer starts
 * it (`verified`, `delivered`).
 */
deadline: string, };

export type ActionListQuery = { 
/**
 * One device's actions.
 */
device_id?: DeviceId, 
/**
 * One person's actions (the desk only: anyone else sees their own whatever this says).
 */
user_id?: UserId, 
/**
 * At most this many, newest first (default 50, at most 200).
 */
limit?: number, };

export type ActionReport = { state: ActionState, detail?: string, };

export type ActionEvent = { action_id?: ActionId, device_id?: DeviceId, };

export type ActionGrant = { claims: string, 
/**
 * The 64-byte signature, standard base64.
 */
signature: string, };

export type ApprovedList = { claims: string, 
/**
 * The 64-byte signature, standard base64.
 */
signature: string, };

export type ApprovedListClaims = { device_id: DeviceId, 
/**
 * Unix milliseconds.
 */
issued_at: number, packages: Array<Package>, sources: SoftwareSources, };

export type GrantClaims = { 
/**
 * The single-use id: an agent runs each at most once.
 */
action_id: ActionId, device_id: DeviceId, os_user: string, user_id: UserId, 
/**
 * Who asked, for the warning shown on the computer.
 */
user_name: string, kind: ActionKind, 
/**
 * For `install` and `remove`: the entry and its package; the helper runs nothing else.
 */
software?: GrantedSoftware, 
/**
 * For `reset_password`: the temporary password as the system stores it; the helper sets it
 * and never sees the password itself.
 */
password?: GrantedPassword, 
/**
 * For software: the digest of the approved list the grant was signed against
 * ([`crate::grant_check::list_digest`]); the helper runs it only with that list.
 */
list?: string, 
/**
 * For what the privileged helper runs: the machine id of the helper that may run it (the
 * agent reports it); no other machine's helper does.
 */
machine?: string, 
/**
 * Unix milliseconds.
 */
issued_at: number, 
/**
 * Unix milliseconds; a grant is not started after it.
 */
expires_at: number, };

export type GrantedAction = { action: Action, grant: ActionGrant, 
/**
 * For software: the approved list the grant names, signed now (it may have changed since
 * the grant was signed: then the helper refuses it).
 */
list?: ApprovedList, };

export type ActionSoftware = { 
/**
 * The entry's key in the approved list.
 */
item: string, 
/**
 * The entry's name when it was asked for (in the desk's default language).
 */
name: string, package: Package, };

export type GrantedSoftware = { item: string, package: Package, };

export type GrantedPassword = { 
/**
 * SHA-512 crypt (`$6$salt$hash`), the form `/etc/shadow` keeps: the server texts the
 * password to the person and keeps only this.
 */
sha512_crypt: string, 
/**
 * The password itself, sealed to the key of the computer's helper (standard base64 of a
 * NaCl sealed box), when the helper has one: Windows and macOS set a password from the
 * password, and the helper checks what it opens against [`Self::sha512_crypt`].
 */
sealed?: string, };

export type HelperFacts = { 
/**
 * The machine id the helper made at its first start and keeps where only it may write:
 * grants for it name this.
 */
machine: string, 
/**
 * The helper's version.
 */
version: string, 
/**
 * The package managers it can run here, as [`Package::manager`] names them.
 */
managers: Array<string>, 
/**
 * Its X25519 public key (standard base64), on systems where a temporary password is
 * set from the password itself: the server seals the password to it.
 */
seal_key?: string, };

export type InstalledPackage = { package: Package, version: string, };

export type FieldAccess = "editable" | "read_only" | "hidden";

export type CustomFieldAccess = "editable" | "hidden";

export type DefaultFields = { description: FieldAccess, ticket_type: FieldAccess, priority: FieldAccess, 
/**
 * Who handles the ticket; users can never choose, so `editable` is refused.
 */
assignee: FieldAccess, };

export type TicketType = { 
/**
 * Stable: what tickets store (lowercase letters, digits, `-`, `_`).
 */
key: string, 
/**
 * What people read.
 */
name: string, };

export type CustomFieldKind = "text" | "number" | "dropdown" | "date" | "checkbox";

export type CustomField = { 
/**
 * Stable: the key of its value on tickets (lowercase letters, digits, `-`, `_`).
 */
key: string, label: string, kind: CustomFieldKind, 
/**
 * The choices of a dropdown.
 */
options?: Array<string>, 
/**
 * A user opening a ticket must fill it in (only meaningful when editable).
 */
required: boolean, access: CustomFieldAccess, 
/**
 * Asked only on the forms of the catalog items that list it, never on every ticket.
 */
catalog_only?: boolean, };

export type TicketFields = { defaults: DefaultFields, 
/**
 * Empty: tickets have no type.
 */
types: Array<TicketType>, custom: Array<CustomField>, };

export type FieldValue = boolean | number | string;

export type OrgInput = { name: string, 
/**
 * Email domains whose people join this organisation on first contact (`acme.example`).
 */
domains: Array<string>, 
/**
 * New devices are active at once instead of waiting for a technician.
 */
auto_activate: boolean, 
/**
 * Who may sign up into it; nobody when not said.
 */
sign_up: SignUpRule, };

export type OrgCreated = { org: Org, enrolment_key: string, };

export type EnrolmentKey = { enrolment_key: string, };

export type UserInput = { name: string, email: string, phone: string | null, role: Role, org_id: OrgId | null, 
/**
 * May sign in to the web portal. Turning it on emails a link to choose a password (the
 * welcome email for a new user); turning it off removes the password and signs them out.
 */
portal_access: boolean, 
/**
 * Their portal's and mail's language; left out, a new user gets English and an existing one
 * keeps theirs.
 */
language?: Language, };

export type SignUpRule = "invite" | "domain" | "anyone";

export type ChatStatus = "waiting" | "active" | "ended";

export type ChatEnd = "user" | "desk" | "idle" | "incident";

export type Chat = { id: ChatId, user_id: UserId, user_name: string, org_id: OrgId | null, org_name: string | null, 
/**
 * The desktop app it was started from, and that computer's name.
 */
device_id: DeviceId | null, device_name: string | null, status: ChatStatus, 
/**
 * The technician who has it.
 */
technician_id: UserId | null, technician_name: string | null, created_at: string, ended_at: string | null, ended_by: ChatEnd | null, 
/**
 * The incident it became.
 */
ticket_id: TicketId | null, ticket_number: number | null, 
/**
 * The last message's number.
 */
last_seq: number, 
/**
 * The idle warnings given since anyone last wrote (two, then the chat ends).
 */
idle_warnings: number, };

export type ChatMessageKind = "text" | "taken" | "handed_over" | "requeued" | "idle_warning" | "ended" | "incident";

export type ChatFile = { sha256: string, file_name: string, media_type: string, size: number, };

export type ChatMessage = { id: ChatMessageId, chat_id: ChatId, 
/**
 * Its number within the chat, from 1.
 */
seq: number, kind: ChatMessageKind, author_id: UserId | null, author_name: string | null, 
/**
 * What was written (`text`), or the detail of what happened.
 */
body: string, files: Array<ChatFile>, 
/**
 * The incident (`incident`).
 */
ticket_id: TicketId | null, created_at: string, };

export type NewChat = { id: ChatId, 
/**
 * The first message, if the person wrote one before starting.
 */
message?: NewChatMessage, };

export type NewChatMessage = { id: ChatMessageId, 
/**
 * May be empty when files are sent.
 */
body: string, files?: Array<NewAttachment>, };

export type ChatListQuery = { 
/**
 * Only chats in this state (the desk's queue: `waiting`).
 */
status?: ChatStatus, 
/**
 * The desk only: one person's chats.
 */
user_id?: UserId, 
/**
 * The desk only: the chats this technician has.
 */
technician_id?: UserId, 
/**
 * At most this many (default 50, at most 200): the queue oldest first, others newest first.
 */
limit?: number, };

export type ChatMessagesQuery = { 
/**
 * Messages numbered after this (default 0: from the start).
 */
after?: number, 
/**
 * At most this many (default 500, at most 1000).
 */
limit?: number, };

export type HandOver = { 
/**
 * A colleague on duty.
 */
technician_id: UserId, };

export type ChatIncident = { 
/**
 * The ticket's title; by default the person's first message, shortened.
 */
title?: string, };

export type ChatDesk = { 
/**
 * A technician is on duty and present.
 */
available: boolean, };

export type OnDuty = { user_id: UserId, name: string, 
/**
 * Chats they have now.
 */
chats: number, };

export type Duty = { on_duty: boolean, technicians: Array<OnDuty>, };

export type DutyUpdate = { on_duty: boolean, };

export type ChatEvent = { chat_id: ChatId, 
/**
 * `chat`: its last message's number; `chat_typing`: 0.
 */
seq: number, 
/**
 * `chat_typing`: who is typing.
 */
user_id: UserId | null, };

export type Localized = { 
/**
 * What everyone reads when there is no translation into their language.
 */
text: string, translations?: { [key in Language]?: string }, };

export type CatalogKind = "service_request" | "incident";

export type CatalogIcon = "box" | "mail" | "laptop" | "monitor" | "phone" | "printer" | "wifi" | "key" | "lock" | "user_plus" | "user_minus" | "door" | "calendar" | "package" | "shield" | "wrench" | "headphones" | "server" | "bug" | "alert" | "folder" | "card";

export type FormField = { 
/**
 * The custom field's key.
 */
field: string, 
/**
 * Whether the person must fill it in to send the request.
 */
required: boolean, 
/**
 * What to write, shown under the field.
 */
help?: Localized, };

export type CatalogItem = { 
/**
 * Stable: what tickets of this item keep (lowercase letters, digits, `-`, `_`).
 */
key: string, name: Localized, description: Localized, icon: CatalogIcon, kind: CatalogKind, 
/**
 * The form, in order.
 */
form: Array<FormField>, 
/**
 * A request waits for a primary contact of the person's organisation to approve it before
 * the desk sees it.
 */
needs_approval: boolean, 
/**
 * Empty: everyone; otherwise only people of these organisations (and the desk).
 */
orgs?: Array<OrgId>, };

export type CatalogCategory = { 
/**
 * Stable (lowercase letters, digits, `-`, `_`).
 */
key: string, name: Localized, 
/**
 * In the order the portal shows them.
 */
items: Array<CatalogItem>, };

export type Catalog = { categories: Array<CatalogCategory>, };

export type ApprovalState = "pending" | "approved" | "declined";

export type ApprovalDecision = { approve: boolean, 
/**
 * Why, told to the person as a reply (at most 4,000 characters).
 */
reason?: string, };

export type AssistantRole = "person" | "assistant";

export type Citation = { id: string, title: string, };

export type ProposedDevice = { id: DeviceId, name: string, };

export type Proposal = { "kind": "action", action: ActionKind, devices: Array<ProposedDevice>, } | { "kind": "hand_over" };

export type AssistantTurn = { role: AssistantRole, text: string, citations: Array<Citation>, proposals: Array<Proposal>, 
/**
 * The server's seal on an assistant's turn (its words, citations, offers, conversation and
 * place); a turn that does not match its seal is refused.
 */
seal?: string, };

export type AssistantAsk = { conversation: ConversationId, 
/**
 * The turns so far, in order, as the server returned them.
 */
history: Array<AssistantTurn>, question: string, };

export type AssistantEvent = { "type": "words", text: string, } | { "type": "done", turn: AssistantTurn, } | { "type": "failed", error: ErrorBody, };

export type AssistantHandOver = { 
/**
 * The ticket's id, made by the app: a retried hand-over is the same ticket.
 */
ticket_id: TicketId, conversation: ConversationId, history: Array<AssistantTurn>, 
/**
 * Self-service actions the person asked for in the conversation (their own only).
 */
actions: Array<ActionId>, 
/**
 * Files uploaded beforehand (the desktop's screenshot), attached to the ticket.
 */
attachments: Array<NewAttachment>, };

export type AssistantModel = { 
/**
 * An OpenAI-compatible API's base, e.g. `https://api.example.com/v1`: the server posts to
 * `{base_url}/chat/completions`.
 */
base_url: string, model: string, 
/**
 * Whether an API key is kept for it.
 */
has_key: boolean, };

export type AssistantModelInput = { base_url: string, model: string, 
/**
 * The API key: absent keeps the one kept, empty removes it.
 */
api_key?: string, };

export type AssistantStart = { screenshot: string | null, question: string | null, draft_id: string | null, };

export type OsFamily = "windows" | "macos" | "linux";

export type Package = { "manager": "winget", "id": string } | { "manager": "chocolatey", "id": string } | { "manager": "brew_formula", "id": string } | { "manager": "brew_cask", "id": string } | { "manager": "apt", "id": string } | { "manager": "dnf", "id": string } | { "manager": "flatpak", "id": string };

export type SoftwareItem = { 
/**
 * Stable: what grants and installs name (lowercase letters, digits, `-`, `_`).
 */
key: string, name: Localized, description: Localized, icon: CatalogIcon, 
/**
 * The packages that install it: Windows (winget and/or Chocolatey), macOS (a Homebrew
 * formula or cask), Linux (apt, dnf, Flatpak); at most one per package manager.
 */
packages: Array<Package>, 
/**
 * Empty: everyone; otherwise only people of these organisations.
 */
orgs?: Array<OrgId>, };

export type ChocolateySource = { 
/**
 * The source's name (letters, digits, `-`, `_`).
 */
name: string, 
/**
 * An https URL.
 */
url: string, };

export type HomebrewTap = { 
/**
 * `user/repo`.
 */
name: string, 
/**
 * The tap's git URL (https) when it is not on GitHub under `name`.
 */
url: string | null, };

export type AptRepository = { 
/**
 * An http or https URL (releases are checked against `key` either way).
 */
url: string, 
/**
 * The suite, e.g. `stable` or `bookworm`.
 */
suite: string, 
/**
 * The components, e.g. `["main"]`.
 */
components: Array<string>, 
/**
 * The ASCII-armoured public key (`-----BEGIN PGP PUBLIC KEY BLOCK-----`).
 */
key: string, };

export type SoftwareSources = { chocolatey: ChocolateySource | null, homebrew_tap: HomebrewTap | null, apt: AptRepository | null, };

export type SoftwareCatalog = { items: Array<SoftwareItem>, sources: SoftwareSources, };

export type UpdateChannel = "stable" | "beta";

export type UpdatePlatform = string;

export type AppVersion = string;

export type ReleaseArtifact = { platform: UpdatePlatform, file_name: string, size: bigint, 
/**
 * Hex SHA-256 of the file as the server keeps it.
 */
sha256: string, 
/**
 * The updater's signature of the file (the `.sig` the bundler writes beside it).
 */
signature: string, };

export type RolloutProgress = { 
/**
 * Active devices on its channel, in its organisations, with an artifact for their platform.
 */
targeted: number, 
/**
 * Those of them inside its percentage.
 */
offered: number, 
/**
 * Devices that report running it.
 */
installed: number, 
/**
 * Devices that reported it failed to install or start.
 */
failed: number, };

export type Release = { id: ReleaseId, version: AppVersion, channel: UpdateChannel, notes: string, created_at: string, 
/**
 * The share of its devices offered it (0 to 100), chosen by a stable draw per device.
 */
percent: number, 
/**
 * Only devices of these organisations get it; empty: every organisation.
 */
org_ids: Array<OrgId>, 
/**
 * Offered to nobody while paused.
 */
paused: boolean, 
/**
 * Why it was paused: an admin, or its failures reaching `pause_after_failures`.
 */
paused_reason: string | null, 
/**
 * Paused by itself when this many devices report it failed (0: never).
 */
pause_after_failures: number, artifacts: Array<ReleaseArtifact>, progress: RolloutProgress, };

export type ReleaseInput = { version: AppVersion, channel: UpdateChannel, notes: string, percent: number, org_ids: Array<OrgId>, pause_after_failures: number, };

export type RolloutChange = { percent?: number, org_ids?: Array<OrgId>, paused?: boolean, };

export type UpdateOffer = { version: AppVersion, notes: string, pub_date: string, 
/**
 * Where the app downloads the artifact (the server's own address, with the device's
 * secret as for every device request).
 */
url: string, signature: string, };

export type UpdateQuery = { channel?: UpdateChannel, };

export type UpdateFailure = { version: AppVersion, 
/**
 * What went wrong, as the app saw it (kept to 2,000 characters).
 */
error: string, };

export type ValueKind = "title" | "description" | "reply" | "name" | "email" | "phone" | "contact_phone" | "domain";

export type Problem = "empty" | "too_long" | "malformed";

export type ValueError = { kind: ValueKind, problem: Problem, };

export const MAX_TITLE_CHARS = 200;

export const MAX_BODY_CHARS = 65536;

export const MAX_NAME_CHARS = 200;

export const MAX_EMAIL_CHARS = 254;

export const EMAIL_PATTERN = "^[a-z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$";

export const PHONE_PATTERN = "^\\+[1-9][0-9]{7,14}$";

export const PHONE_SEPARATORS = " -.() ";
