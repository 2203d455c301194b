//! Bellhop's wire vocabulary.
//!
//! Every type that crosses the network (agent ↔ server, browser ↔ server) or the Tauri bridge
//! (UI ↔ desktop shell) lives here, derives serde, and is exported to TypeScript with ts-rs into
//! `ui/src/bindings/index.ts` (see [`typescript`]). This crate does no IO and depends on nothing of
//! ours, so that the server, the agent and the UI agree on one definition.
//!
//! Conventions: ids are UUIDv7 newtypes, times are UTC [`jiff::Timestamp`] serialised as RFC 3339
//! strings, enums are `snake_case` strings on the wire.

mod actions;
mod assistant;
mod attachment;
mod auth;
mod brand;
mod catalog;
mod chat;
mod company;
mod console;
mod device;
mod error;
mod fields;
#[cfg(feature = "grants")]
pub mod grant_check;
mod helper;
mod ids;
mod kb;
mod local;
mod releases;
#[cfg(feature = "sealing")]
pub mod sealing;
mod settings;
mod software;
mod status;
mod sync;
mod ticket;
mod typescript;
mod values;

pub use actions::{
    Action, ActionCode, ActionEvent, ActionGrant, ActionKind, ActionListQuery, ActionReport,
    ActionRequest, ActionSoftware, ActionState, ApprovedList, ApprovedListClaims, FactorKind,
    GRANT_CONTEXT, GrantClaims, GrantKey, GrantedAction, GrantedPassword, GrantedSoftware,
    LIST_CONTEXT,
};
pub use assistant::{
    AssistantAsk, AssistantEvent, AssistantHandOver, AssistantModel, AssistantModelInput,
    AssistantRole, AssistantStart, AssistantTurn, Citation, MAX_CONVERSATION_TURNS,
    MAX_QUESTION_CHARS, Proposal, ProposedDevice,
};
pub use attachment::{Attachment, DEFAULT_MAX_ATTACHMENT_BYTES, NewAttachment};
pub use auth::{
    AuthenticatorSetup, ConfirmPhoneRequest, ForgotPasswordRequest, Language, LoginRequest,
    LoginResponse, MIN_PASSWORD_CHARS, PendingPhone, ResetPasswordRequest, Role, SecondFactor,
    SetPhoneRequest, SignUpRequest, UpdateMe, User,
};
pub use brand::{
    AccentColours, Brand, BrandLink, BrandSettings, DEFAULT_BRAND_NAME, LOGO_PATH, LogoUploaded,
    MAX_BRAND_LINKS, MAX_BRAND_NAME_CHARS, MAX_LINK_LABEL_CHARS, MAX_LOGO_BYTES, MIN_TEXT_CONTRAST,
    accent_colours,
};
pub use catalog::{
    ApprovalDecision, ApprovalState, Catalog, CatalogCategory, CatalogIcon, CatalogItem,
    CatalogKind, FormField, Localized, MAX_CATALOG_ITEMS,
};
pub use chat::{
    Chat, ChatDesk, ChatEnd, ChatEvent, ChatFile, ChatIncident, ChatListQuery, ChatMessage,
    ChatMessageKind, ChatMessagesQuery, ChatStatus, Duty, DutyUpdate, HandOver, NewChat,
    NewChatMessage, OnDuty,
};
pub use company::{
    AppCompanySignInFinish, AppCompanySignInStart, CompanySignInError, CompanySignInFinish,
    CompanySignInRedirect, CompanySignInStart, IdentityProvider, IdentityProviderInput, IdpKind,
};
pub use console::{
    AuditEntry, AuditQuery, EmailState, EmailSummary, EnrolmentKey, MAX_VIEW_CONSENT_HOURS, Org,
    OrgCreated, OrgDetail, OrgInput, SearchQuery, SearchResults, SignUpRule, Suppression,
    UserDetail, UserInput, UserListQuery, VerificationSent, VerifyCodeRequest, VerifyCodeResult,
    ViewConsent, ViewConsentInput, ViewFinish, ViewRecord, ViewTicket,
};
pub use device::{
    ConfirmTokenRequest, Device, DeviceCredential, DeviceFacts, DeviceSelection, DeviceState,
    DeviceStatus, DevicesChanged, DiskInfo, EnrolRequest, EnrolResponse, InstalledPackage,
    NetworkInterface, SendTokenRequest, SystemInfo,
};
pub use error::{ApiError, ErrorBody, ErrorCode};
pub use fields::{
    CustomField, CustomFieldAccess, CustomFieldKind, DefaultFields, FieldAccess, FieldError,
    FieldValue, FieldValues, MAX_FIELD_DEFS, MAX_FIELD_TEXT_CHARS, TicketFields, TicketType,
    valid_key,
};
pub use helper::{HelperFacts, HelperReply, HelperRequest};
pub use ids::{
    ActionId, ChatId, ChatMessageId, CommentId, ConversationId, DeviceId, OpId, OrgId, ReleaseId,
    TicketId, UserId,
};
pub use kb::{Article, ArticleInput, ArticleStamp, ArticleSummary};
pub use local::{
    AppSetting, Draft, HotkeyStatus, LocalAction, LocalActionState, LocalTicket, Notice,
    NoticeKind, Redaction, SettingSource, TicketForm,
};
pub use releases::{
    AppVersion, DEFAULT_PAUSE_AFTER_FAILURES, Release, ReleaseArtifact, ReleaseInput,
    RolloutChange, RolloutProgress, UPDATE_ARCHES, UPDATE_TARGETS, UpdateChannel, UpdateFailure,
    UpdateOffer, UpdatePlatform, UpdateQuery,
};
pub use settings::{
    ActionRules, Audience, MAX_DAILY_MODEL_CALLS, MyPortal, PortalAddress, PortalSettings,
    SectionRule,
};
pub use software::{
    AptRepository, ChocolateySource, HomebrewTap, MAX_SOFTWARE_ITEMS, OsFamily, Package,
    SoftwareCatalog, SoftwareItem, SoftwareSources,
};
pub use status::{AgentStatus, Connectivity, ServerInfo};
pub use sync::{
    ChangesPage, ChangesQuery, OpOutcome, OutboxItem, OutboxState, PushRequest, PushResponse,
    SyncOp, SyncOpKind, TicketChange, TicketEvent,
};
pub use ticket::{
    AddCc, AssigneeUpdate, CcEntry, Comment, CommentVisibility, NewComment, NewTicket, Page,
    Priority, QueueCounts, Ticket, TicketListQuery, TicketScope, TicketSort, TicketSource,
    TicketStatus, TicketUpdate,
};
pub use typescript::typescript;
pub use values::{
    ContactPhone, Description, Domain, EMAIL_PATTERN, Email, FileName, MAX_BODY_CHARS,
    MAX_EMAIL_CHARS, MAX_FILE_NAME_CHARS, MAX_NAME_CHARS, MAX_TITLE_CHARS, Name, PHONE_PATTERN,
    PHONE_SEPARATORS, Phone, Problem, Reply, Title, ValueError, ValueKind,
};
