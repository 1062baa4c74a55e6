use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes::{
    __path_box_status, __path_head, __path_health, __path_input, __path_load, __path_login, __path_logout,
    __path_openapi, __path_patch, __path_photo_event, __path_pull, __path_push, __path_session, __path_start,
    PushConflict,
};
use crate::routes::{__path_update_file, __path_update_manifest};

#[derive(OpenApi)]
#[openapi(
    info(title = "Schalter central API", description = "System of record of the Schalter citizen-office workstations. \
        Every call goes over TLS with a desk (or box) client certificate; clerk calls also carry a bearer session token."),
    paths(health, openapi, login, logout, session, photo_event, push, pull, head, patch, load, box_status, start, input,
        update_manifest, update_file, crate::metrics::metrics),
    components(schemas(
        schalter_wire::ApiError, schalter_wire::Health, schalter_wire::LoginRequest, schalter_wire::Session,
        schalter_wire::SessionInfo, schalter_wire::Clerk, schalter_wire::Office,
        schalter_wire::PhotoAuditEvent, schalter_wire::PhotoAuditAction,
        schalter_wire::sync::PushRequest, schalter_wire::sync::PushMutation, schalter_wire::sync::PushResponse,
        schalter_wire::sync::MutationResult, schalter_wire::sync::MutationStatus, schalter_wire::sync::SequenceGap,
        PushConflict, schalter_wire::sync::PullResponse, schalter_wire::sync::Change, schalter_wire::sync::ChangeOp,
        schalter_wire::sync::ClerkChange, schalter_wire::sync::AcceptedPhoto,
        schalter_wire::application::SubmittedApplication, schalter_wire::application::Biometrics,
        schalter_wire::application::ApplicationReceipt,
        schalter_wire::application::ApplicationChange,
        schalter_wire::pickup::LoadRequest, schalter_wire::pickup::LoadAnswer, schalter_wire::pickup::BoxStatus,
        schalter_wire::pickup::TerminalInput, schalter_wire::pickup::SessionAnswer,
        schalter_wire::pickup::TerminalScreen, schalter_wire::pickup::DeviceCommand,
        schalter_wire::updates::UpdateManifest, schalter_wire::updates::PlatformUpdate
    )),
    modifiers(&BearerAuth),
    tags((name = "system"), (name = "auth", description = "Clerk login sessions"), (name = "audit", description = "Audit trail"),
        (name = "sync", description = "Desk outbox (push, exactly once per device and sequence) and change feed (pull)"),
        (name = "blobs", description = "Content-addressed blobs, uploaded resumably before the mutation that refers to them"),
        (name = "pickup", description = "The pickup box: loading documents into compartments"),
        (name = "updates", description = "Desk releases per channel: Tauri updater manifest and the signed packages")),
)]
struct ApiDoc;

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

/// The OpenAPI document, as served at `/openapi.json` and checked in as `openapi.json`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    // The pickup box's back office (routes/pickup.rs) keeps its paths and schemas beside its handlers.
    doc.merge(crate::routes::back_office_openapi());
    // The public booking API (routes/public.rs), served on the public listener.
    doc.merge(crate::routes::public_openapi());
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    doc
}

/// The document as pretty JSON with a trailing newline, the checked-in form.
pub fn document_json() -> String {
    let mut json = document().to_pretty_json().expect("OpenAPI document serialises");
    json.push('\n');
    json
}
