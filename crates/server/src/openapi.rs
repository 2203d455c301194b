//! The OpenAPI 3 document, generated from the handlers' annotations and the proto types.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

#[derive(OpenApi)]
#[openapi(
    info(title = "Bellhop", description = "The Bellhop helpdesk API"),
    paths(
        routes::server::info,
        routes::auth::login,
        routes::auth::logout,
        routes::auth::forgot_password,
        routes::auth::reset_password,
        routes::auth::sign_out_everywhere,
        routes::auth::me,
        routes::auth::update_me,
        routes::second_factor::get,
        routes::second_factor::send_code,
        routes::second_factor::confirm,
        routes::second_factor::remove,
        routes::settings::mine,
        routes::settings::get,
        routes::settings::put,
        routes::settings::get_fields,
        routes::settings::put_fields,
        routes::tickets::list,
        routes::tickets::ids,
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
        routes::console::update_org,
        routes::console::rotate_enrolment_key,
        routes::console::create_user,
        routes::console::update_user,
        routes::console::disable_user,
        routes::console::enable_user,
        routes::console::sign_out_user,
        routes::console::send_verification,
        routes::console::check_verification,
        routes::console::search,
        routes::console::audit,
        routes::sync::push,
        routes::sync::changes,
        routes::sync::events,
        routes::devices::enroll,
        routes::devices::device_state,
        routes::devices::send_token,
        routes::devices::confirm,
        routes::devices::rotate_credential,
        routes::devices::list,
        routes::devices::activate,
        routes::devices::deactivate,
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
    modifiers(&BearerAuth)
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
