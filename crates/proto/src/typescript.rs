//! Generation of `ui/src/bindings/index.ts`.
//!
//! One file holds every exported declaration, so that the UI imports from one place and the drift
//! check compares one string. `cargo run -p bellhop-proto --bin gen-ts` rewrites the file; the
//! test `bindings_are_current` fails when the committed file differs from what the types say.

use ts_rs::{Config, TS};

use crate::*;

macro_rules! decls {
    ($cfg:expr; $($t:ty),* $(,)?) => {
        vec![$(format!("export {}", <$t as TS>::decl($cfg))),*]
    };
}

/// The whole TypeScript bindings file.
pub fn typescript() -> String {
    let cfg = Config::default();
    let decls = decls![&cfg;
        ErrorCode, ApiError, ErrorBody, NewAttachment, Attachment,
        TicketId, CommentId, UserId, OrgId, DeviceId, OpId, ActionId, ChatId, ChatMessageId, ConversationId, ReleaseId,
        Language, Role, User, UpdateMe, SecondFactor, PendingPhone, AuthenticatorSetup, SetPhoneRequest, ConfirmPhoneRequest, LoginRequest, LoginResponse, ForgotPasswordRequest, SignUpRequest, ResetPasswordRequest,
        IdpKind, IdentityProvider, IdentityProviderInput, CompanySignInStart, CompanySignInRedirect, CompanySignInFinish, CompanySignInError, AppCompanySignInStart, AppCompanySignInFinish,
        TicketStatus, Priority, TicketSource, Ticket, NewTicket,
        CommentVisibility, Comment, NewComment, TicketUpdate, TicketListQuery, TicketSort, TicketScope, CcEntry, AddCc, AssigneeUpdate, QueueCounts,
        Page<()>,
        DeviceFacts, DeviceStatus, EnrolRequest, EnrolResponse, Device, DeviceState, DeviceSelection,
        DevicesChanged, SendTokenRequest, ConfirmTokenRequest, DeviceCredential,
        SystemInfo, DiskInfo, NetworkInterface,
        Article, ArticleSummary, ArticleInput, ArticleStamp,
        ServerInfo, Connectivity, AgentStatus,
        SyncOpKind, SyncOp, PushRequest, OpOutcome, PushResponse, OutboxState, OutboxItem,
        ChangesQuery, TicketChange, ChangesPage, TicketEvent,
        HotkeyStatus, SettingSource, AppSetting, LocalAction, LocalActionState, LocalTicket, Notice, NoticeKind, Draft, TicketForm, Redaction,
        Org, OrgDetail, UserListQuery, SearchQuery, SearchResults, AuditEntry, AuditQuery,
        EmailState, EmailSummary, Suppression, ViewConsent, ViewRecord, ViewConsentInput, ViewTicket, ViewFinish, UserDetail, VerificationSent, VerifyCodeRequest, VerifyCodeResult,
        BrandSettings, BrandLink, Brand, AccentColours, LogoUploaded,
        Audience, SectionRule, ActionRules, PortalSettings, PortalAddress, MyPortal,
        ActionKind, ActionState, FactorKind, ActionRequest, ActionCode, Action, ActionListQuery, ActionReport,
        ActionEvent, ActionGrant, ApprovedList, ApprovedListClaims, GrantClaims, GrantedAction, ActionSoftware, GrantedSoftware, GrantedPassword, HelperFacts, InstalledPackage,
        FieldAccess, CustomFieldAccess, DefaultFields, TicketType, CustomFieldKind, CustomField, TicketFields, FieldValue,
        OrgInput, OrgCreated, EnrolmentKey, UserInput, SignUpRule,
        ChatStatus, ChatEnd, Chat, ChatMessageKind, ChatFile, ChatMessage, NewChat, NewChatMessage, ChatListQuery,
        ChatMessagesQuery, HandOver, ChatIncident, ChatDesk, OnDuty, Duty, DutyUpdate, ChatEvent,
        Localized, CatalogKind, CatalogIcon, FormField, CatalogItem, CatalogCategory, Catalog,
        ApprovalState, ApprovalDecision,
        AssistantRole, Citation, ProposedDevice, Proposal, AssistantTurn, AssistantAsk, AssistantEvent, AssistantHandOver, AssistantModel, AssistantModelInput, AssistantStart,
        OsFamily, Package, SoftwareItem, ChocolateySource, HomebrewTap, AptRepository, SoftwareSources, SoftwareCatalog,
        UpdateChannel, UpdatePlatform, AppVersion, ReleaseArtifact, RolloutProgress, Release, ReleaseInput, RolloutChange, UpdateOffer, UpdateQuery, UpdateFailure,
        ValueKind, Problem, ValueError,
    ];
    let mut out = String::from(
        "// Generated from crates/proto by `cargo run -p bellhop-proto --bin gen-ts`. Do not edit.\n\n",
    );
    for d in decls {
        out.push_str(&d);
        out.push_str("\n\n");
    }
    out.push_str(&crate::values::typescript_rules());
    out.truncate(out.trim_end().len());
    out.push('\n');
    out
}
