//! The OpenAPI 3 document, generated from the handlers' annotations and the proto types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Bellhop", description = "The Bellhop helpdesk API"),
    paths(
        routes::server::info,
        routes::server::probe,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::forgot_password,
        routes::auth::sign_up,
        routes::company::start,
        routes::company::callback,
        routes::company::finish,
        routes::company::start_app,
        routes::releases::list,
        routes::releases::add,
        routes::releases::change,
        routes::releases::check,
        routes::releases::download,
        routes::releases::failure,
        routes::company::finish_app,
        routes::company::get,
        routes::company::put,
        routes::company::delete,
        routes::auth::reset_password,
        routes::auth::sign_out_everywhere,
        routes::auth::me,
        routes::auth::update_me,
        routes::second_factor::get,
        routes::second_factor::send_code,
        routes::second_factor::confirm,
        routes::second_factor::remove,
        routes::second_factor::start_app,
        routes::second_factor::confirm_app,
        routes::second_factor::remove_app,
        routes::second_factor::reset,
        routes::settings::mine,
        routes::settings::get,
        routes::settings::address,
        routes::settings::put,
        routes::settings::brand,
        routes::settings::brand_settings,
        routes::settings::put_brand,
        routes::settings::org_brand,
        routes::settings::put_org_brand,
        routes::settings::upload_logo,
        routes::settings::logo,
        routes::settings::get_fields,
        routes::settings::put_fields,
        routes::catalog::get,
        routes::catalog::put,
        routes::catalog::decide,
        routes::software::get,
        routes::software::put,
        routes::tickets::list,
        routes::tickets::ids,
        routes::tickets::counts,
        routes::tickets::create,
        routes::tickets::get,
        routes::tickets::cc_list,
        routes::tickets::add_cc,
        routes::tickets::remove_cc,
        routes::tickets::update,
        routes::tickets::comments,
        routes::tickets::add_comment,
        routes::tickets::assign,
        routes::tickets::system_info,
        routes::console::orgs,
        routes::console::users,
        routes::console::user,
        routes::console::create_org,
        routes::console::org,
        routes::console::update_org,
        routes::console::rotate_enrolment_key,
        routes::console::create_user,
        routes::console::update_user,
        routes::console::disable_user,
        routes::console::enable_user,
        routes::console::sign_out_user,
        routes::console::unsuppress_email,
        routes::views::get,
        routes::views::put,
        routes::views::delete,
        routes::views::open,
        routes::views::finish,
        routes::console::send_verification,
        routes::console::check_verification,
        routes::console::search,
        routes::console::audit,
        routes::sync::push,
        routes::sync::changes,
        routes::sync::events,
        routes::devices::enroll,
        routes::devices::grant_key,
        routes::devices::device_state,
        routes::devices::update_facts,
        routes::devices::send_token,
        routes::devices::confirm,
        routes::devices::rotate_credential,
        routes::devices::list,
        routes::devices::activate,
        routes::devices::deactivate,
        routes::devices::assign,
        routes::devices::mine,
        routes::actions::request,
        routes::actions::list,
        routes::actions::get,
        routes::actions::verify,
        routes::actions::cancel,
        routes::actions::waiting,
        routes::actions::report,
        routes::assistant::ask,
        routes::assistant::hand_over,
        routes::assistant::model,
        routes::assistant::set_model,
        routes::assistant::clear_model,
        routes::chats::desk,
        routes::chats::start,
        routes::chats::list,
        routes::chats::get,
        routes::chats::messages,
        routes::chats::say,
        routes::chats::typing,
        routes::chats::take,
        routes::chats::hand_over,
        routes::chats::end,
        routes::chats::incident,
        routes::chats::file,
        routes::chats::duty,
        routes::chats::set_duty,
        routes::attachments::upload,
        routes::attachments::exists,
        routes::attachments::list,
        routes::attachments::download,
        routes::kb::search,
        routes::kb::stamps,
        routes::kb::get,
        routes::kb::create,
        routes::kb::update,
        routes::kb::delete,
    ),
    components(schemas(bellhop_proto::TicketScope, bellhop_proto::TicketSort)),
    modifiers(&BearerAuth, &ErrorsEverywhere)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every operation may answer with the JSON error body for reasons of the server's own: a body
/// that is not JSON (400) or too large (413) or of another type (415), a request too slow
/// (408), the server or its database busy (429, 503), a bug (500), and so on. They are listed
/// on each operation that does not list them already, so a client (and a fuzzer checking the
/// answers against this document) knows every status it may meet.
struct ErrorsEverywhere;

/// The statuses [`ErrorsEverywhere`] adds, with what each means.
const ERRORS: [(&str, &str); 12] = [
    ("400", "the body is not well-formed"),
    ("401", "no credential, or one that no longer works"),
    ("403", "the caller may not do this"),
    ("404", "no such thing, or the caller may not know of it"),
    ("405", "this path does not take this method"),
    ("408", "the request took too long"),
    ("413", "the body is larger than the server accepts"),
    ("415", "the body is not of the type this operation takes"),
    ("422", "a value is out of range or refused"),
    (
        "429",
        "too many attempts; Retry-After says when to try again",
    ),
    ("500", "a bug; the server log has the details"),
    (
        "503",
        "the server or its database is busy; Retry-After says when to try again",
    ),
];

impl Modify for ErrorsEverywhere {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let body = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.head,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                for (status, meaning) in ERRORS {
                    operation
                        .responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| {
                            RefOr::T(
                                ResponseBuilder::new()
                                    .description(meaning)
                                    .content("application/json", body())
                                    .build(),
                            )
                        });
                }
            }
        }
    }
}
