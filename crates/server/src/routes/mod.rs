//! HTTP routes under `/api/v1`, plus health probes. Handlers are a few lines: extract, call the
//! store, shape the answer.

pub mod actions;
pub mod assistant;
pub mod attachments;
pub mod auth;
pub mod catalog;
pub mod chats;
pub mod company;
pub mod console;
pub mod devices;
pub mod kb;
pub mod releases;
pub mod second_factor;
pub mod server;
pub mod settings;
pub mod software;
pub mod sync;
pub mod tickets;
pub mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{delete, get, patch, post, put};

use crate::state::AppState;

/// `max_attachment_bytes` caps uploads; every other body is capped by the caller's layer.
pub fn api(max_attachment_bytes: usize) -> Router<AppState> {
    Router::new()
        .route("/server", get(server::info))
        .route("/server/probe", get(server::probe))
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/forgot-password", post(auth::forgot_password))
        .route("/auth/sign-up", post(auth::sign_up))
        .route("/auth/company/start", post(company::start))
        .route("/auth/company/callback", get(company::callback))
        .route("/auth/company/finish", post(company::finish))
        .route("/auth/reset-password", post(auth::reset_password))
        .route("/auth/sign-out-everywhere", post(auth::sign_out_everywhere))
        .route("/me", get(auth::me).put(auth::update_me))
        .route("/me/portal", get(settings::mine))
        .route(
            "/me/view-consent",
            get(views::get).put(views::put).delete(views::delete),
        )
        .route("/auth/view/finish", post(views::finish))
        .route(
            "/me/second-factor",
            get(second_factor::get)
                .put(second_factor::send_code)
                .delete(second_factor::remove),
        )
        .route("/me/second-factor/confirm", post(second_factor::confirm))
        .route(
            "/me/authenticator",
            post(second_factor::start_app).delete(second_factor::remove_app),
        )
        .route(
            "/me/authenticator/confirm",
            post(second_factor::confirm_app),
        )
        .route("/portal-settings", get(settings::get).put(settings::put))
        .route("/brand", get(settings::brand))
        .route("/brand/logos", post(settings::upload_logo))
        .route("/brand/logo/{sha256}", get(settings::logo))
        .route(
            "/brand/settings",
            get(settings::brand_settings).put(settings::put_brand),
        )
        .route("/portal-settings/address", get(settings::address))
        .route(
            "/ticket-fields",
            get(settings::get_fields).put(settings::put_fields),
        )
        .route("/catalog", get(catalog::get).put(catalog::put))
        .route("/software", get(software::get).put(software::put))
        .route("/tickets/{id}/approval", post(catalog::decide))
        .route("/tickets", get(tickets::list).post(tickets::create))
        .route("/tickets/ids", get(tickets::ids))
        .route("/tickets/counts", get(tickets::counts))
        .route("/tickets/{id}", get(tickets::get).patch(tickets::update))
        .route("/tickets/{id}/assignee", put(tickets::assign))
        .route("/tickets/{id}/system-info", get(tickets::system_info))
        .route(
            "/tickets/{id}/comments",
            get(tickets::comments).post(tickets::add_comment),
        )
        .route("/sync/push", post(sync::push))
        .route("/sync/changes", get(sync::changes))
        .route("/events", get(sync::events))
        .route(
            "/attachments/{sha256}",
            put(attachments::upload)
                .head(attachments::exists)
                .layer(DefaultBodyLimit::max(max_attachment_bytes)),
        )
        .route("/tickets/{id}/attachments", get(attachments::list))
        .route(
            "/tickets/{id}/cc",
            get(tickets::cc_list).post(tickets::add_cc),
        )
        .route("/tickets/{id}/cc/{user_id}", delete(tickets::remove_cc))
        .route("/kb/articles", get(kb::search).post(kb::create))
        .route("/kb/stamps", get(kb::stamps))
        .route(
            "/kb/articles/{id}",
            get(kb::get).put(kb::update).delete(kb::delete),
        )
        .route(
            "/tickets/{id}/attachments/{sha256}",
            get(attachments::download),
        )
        .route("/orgs", get(console::orgs).post(console::create_org))
        .route("/orgs/{id}", get(console::org).put(console::update_org))
        .route(
            "/orgs/{id}/brand",
            get(settings::org_brand).put(settings::put_org_brand),
        )
        .route(
            "/orgs/{id}/identity-provider",
            get(company::get).put(company::put).delete(company::delete),
        )
        .route(
            "/orgs/{id}/enrolment-key",
            post(console::rotate_enrolment_key),
        )
        .route("/users", get(console::users).post(console::create_user))
        .route("/users/{id}", get(console::user).put(console::update_user))
        .route("/users/{id}/disable", post(console::disable_user))
        .route("/users/{id}/enable", post(console::enable_user))
        .route("/users/{id}/sign-out", post(console::sign_out_user))
        .route("/users/{id}/view", post(views::open))
        .route(
            "/users/{id}/email/unsuppress",
            post(console::unsuppress_email),
        )
        .route("/users/{id}/second-factor", delete(second_factor::reset))
        .route("/users/{id}/verification", post(console::send_verification))
        .route(
            "/users/{id}/verification/check",
            post(console::check_verification),
        )
        .route("/search", get(console::search))
        .route("/audit", get(console::audit))
        .route("/devices", get(devices::list))
        .route("/devices/enroll", post(devices::enroll))
        .route("/grant-key", get(devices::grant_key))
        .route("/devices/activate", post(devices::activate))
        .route("/devices/deactivate", post(devices::deactivate))
        .route("/devices/{id}/assignee", put(devices::assign))
        .route("/me/devices", get(devices::mine))
        .route("/actions", get(actions::list).post(actions::request))
        .route("/actions/{id}", get(actions::get))
        .route("/actions/{id}/verify", post(actions::verify))
        .route("/actions/{id}/cancel", post(actions::cancel))
        .route("/device/actions", get(actions::waiting))
        .route("/device/actions/{id}/report", post(actions::report))
        .route("/assistant/ask", post(assistant::ask))
        .route("/assistant/hand-over", post(assistant::hand_over))
        .route(
            "/assistant/model",
            get(assistant::model)
                .put(assistant::set_model)
                .delete(assistant::clear_model),
        )
        .route("/chat-desk", get(chats::desk))
        .route("/chats", get(chats::list).post(chats::start))
        .route("/chats/{id}", get(chats::get))
        .route(
            "/chats/{id}/messages",
            get(chats::messages).post(chats::say),
        )
        .route("/chats/{id}/typing", post(chats::typing))
        .route("/chats/{id}/take", post(chats::take))
        .route("/chats/{id}/hand-over", post(chats::hand_over))
        .route("/chats/{id}/end", post(chats::end))
        .route("/chats/{id}/incident", post(chats::incident))
        .route("/chats/{id}/files/{sha256}", get(chats::file))
        .route("/duty", get(chats::duty).put(chats::set_duty))
        .route("/device", get(devices::device_state))
        .route("/device/facts", put(devices::update_facts))
        .route(
            "/device/update/{target}/{arch}/{current_version}",
            get(releases::check),
        )
        .route("/device/update/{id}/{platform}", get(releases::download))
        .route("/device/update/failure", post(releases::failure))
        .route(
            "/releases",
            get(releases::list)
                .post(releases::add)
                // Each file is capped as it streams in (domain::releases::MAX_ARTIFACT_BYTES).
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/releases/{id}", patch(releases::change))
        .route("/device/identity/send-token", post(devices::send_token))
        .route("/device/identity/confirm", post(devices::confirm))
        .route("/device/identity/company/start", post(company::start_app))
        .route("/device/identity/company/finish", post(company::finish_app))
        .route(
            "/device/credential/rotate",
            post(devices::rotate_credential),
        )
}
