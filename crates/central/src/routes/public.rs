//! The central's public side (issue 11), served on its own listener without client certificates
//! (`serve --public-listen`, behind the city's TLS-terminating proxy): the booking API, the booking page
//! and the waiting room's call display. Every request takes a token of its address's rate limit first.

use std::net::{IpAddr, SocketAddr};

use axum::extract::connect_info::MockConnectInfo;
use axum::extract::rejection::QueryRejection;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use schalter_wire::appointments::{
    self as paths, BookingConfirmation, BookingRequest, CancelRequest, CancelledBooking, FreeSlots, PublicDirectory,
    SlotQuery,
};
use schalter_wire::ApiError;
use time::OffsetDateTime;

use super::extract::ApiJson;
use crate::appointments::AppointmentService;
use crate::{AppState, CentralError};

/// Bodies of the public API are a few hundred bytes.
const MAX_PUBLIC_BODY_BYTES: usize = 4 * 1024;

/// Where the public side trusts `X-Forwarded-For`: only from this proxy's address.
#[derive(Clone, Copy, Debug, Default)]
pub struct TrustedProxy(pub Option<IpAddr>);

fn now(state: &AppState) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(state.clock.now()).unwrap_or_else(|_| OffsetDateTime::now_utc())
}

fn service(state: &AppState) -> Result<&AppointmentService, CentralError> {
    state.appointments.as_ref().ok_or(CentralError::AppointmentsNotConfigured)
}

/// Offices and services that take appointments.
#[utoipa::path(get, path = "/v1/public/appointments/offices", tag = "appointments", responses(
    (status = 200, body = PublicDirectory),
    (status = 404, body = ApiError, description = "`appointments_not_configured`"),
    (status = 429, body = ApiError, description = "`too_many_requests`, with `Retry-After`"),
))]
pub(crate) async fn offices(State(state): State<AppState>) -> Result<Json<PublicDirectory>, CentralError> {
    Ok(Json(crate::appointments::directory(&service(&state)?.config)))
}

/// The start times bookable now for a service at an office, as the release rules have published them.
#[utoipa::path(get, path = "/v1/public/appointments/slots", tag = "appointments", params(SlotQuery), responses(
    (status = 200, body = FreeSlots),
    (status = 400, body = ApiError, description = "`invalid_request`: a malformed date, or days outside 1 to 21"),
    (status = 404, body = ApiError, description = "`appointments_not_configured`"),
    (status = 422, body = ApiError, description = "`appointment_office_unknown`, `appointment_service_unknown`"),
    (status = 429, body = ApiError, description = "`too_many_requests`, with `Retry-After`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn slots(
    State(state): State<AppState>,
    query: Result<Query<SlotQuery>, QueryRejection>,
) -> Result<Json<FreeSlots>, CentralError> {
    let Query(query) = query.map_err(|_| CentralError::InvalidRequest)?;
    let service = service(&state)?;
    Ok(Json(crate::appointments::free_slots(&state.db, &service.config, &query, now(&state)).await?))
}

/// Books a slot. The answer carries the booking code once; the central keeps only its hash.
#[utoipa::path(post, path = "/v1/public/appointments/bookings", tag = "appointments", request_body = BookingRequest, responses(
    (status = 201, body = BookingConfirmation),
    (status = 400, body = ApiError, description = "`invalid_request`: not a booking request"),
    (status = 404, body = ApiError, description = "`slot_unknown`, `appointments_not_configured`"),
    (status = 409, body = ApiError, description = "`slot_taken`: booked by someone else a moment ago, not released, or too close to its start"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`: not `application/json`"),
    (status = 422, body = ApiError, description = "`booking_family_name_invalid`, `appointment_service_unknown`"),
    (status = 429, body = ApiError, description = "`too_many_requests`, with `Retry-After`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn book(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<BookingRequest, MAX_PUBLIC_BODY_BYTES>,
) -> Result<(StatusCode, Json<BookingConfirmation>), CentralError> {
    let service = service(&state)?;
    let booked = crate::appointments::book(&state.db, &service.config, &request, now(&state)).await?;
    Ok((StatusCode::CREATED, Json(booked)))
}

/// Cancels with the booking code (in the body, so it never stands in an access log). The slot goes back
/// into circulation after a short quarantine.
#[utoipa::path(post, path = "/v1/public/appointments/bookings/cancel", tag = "appointments", request_body = CancelRequest, responses(
    (status = 200, body = CancelledBooking),
    (status = 400, body = ApiError, description = "`invalid_request`"),
    (status = 404, body = ApiError, description = "`booking_not_found`: unknown, already cancelled or checked in"),
    (status = 409, body = ApiError, description = "`booking_too_late`: the appointment has begun"),
    (status = 413, body = ApiError, description = "`body_too_large`"),
    (status = 415, body = ApiError, description = "`unsupported_media_type`"),
    (status = 422, body = ApiError, description = "`booking_code_invalid`: not 8 characters of the code alphabet"),
    (status = 429, body = ApiError, description = "`too_many_requests`, with `Retry-After`"),
    (status = 500, body = ApiError, description = "`internal`"),
))]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<CancelRequest, MAX_PUBLIC_BODY_BYTES>,
) -> Result<Json<CancelledBooking>, CentralError> {
    let service = service(&state)?;
    Ok(Json(crate::appointments::cancel(&state.db, &service.config, &request, now(&state)).await?))
}

/// The page's own files; nothing from elsewhere.
const PAGE_CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; \
     form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

async fn booking_page() -> Response {
    asset("text/html; charset=utf-8", include_str!("../../public/termine.html"))
}

async fn booking_script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../public/termine.js"))
}

async fn public_style() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../public/public.css"))
}

/// The client's address: the peer's, or the last hop of `X-Forwarded-For` when the peer is the trusted proxy.
fn client_address(peer: IpAddr, headers: &HeaderMap, proxy: TrustedProxy) -> IpAddr {
    if proxy.0 != Some(peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .next_back()
        .unwrap_or(peer)
}

async fn rate_limited(
    State((state, proxy)): State<(AppState, TrustedProxy)>,
    request: Request,
    next: Next,
) -> Response {
    let Some(service) = state.appointments.as_ref() else { return next.run(request).await };
    let extensions = request.extensions();
    let peer = extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(address)| address.ip())
        .or_else(|| extensions.get::<MockConnectInfo<SocketAddr>>().map(|MockConnectInfo(address)| address.ip()))
        .unwrap_or(IpAddr::from([0, 0, 0, 0]));
    let address = client_address(peer, request.headers(), proxy);
    match service.rate_limit.check(address, now(&state)) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}

/// The public router. Serve it with `into_make_service_with_connect_info::<SocketAddr>()`, so the rate
/// limit knows the address.
pub fn public_app(state: AppState, proxy: TrustedProxy) -> Router {
    Router::new()
        .route(paths::OFFICES, get(offices))
        .route(paths::SLOTS, get(slots))
        .route(paths::BOOKINGS, post(book))
        .route(paths::CANCEL, post(cancel))
        .route(paths::BOOKING_PAGE, get(booking_page))
        .route("/termine", get(|| async { axum::response::Redirect::permanent(paths::BOOKING_PAGE) }))
        .route("/termine/termine.js", get(booking_script))
        .route("/public.css", get(public_style))
        .route(schalter_wire::paths::HEALTH, get(super::health))
        .merge(super::call_display::routes())
        .layer(axum::middleware::from_fn_with_state((state.clone(), proxy), rate_limited))
        .layer(axum::extract::DefaultBodyLimit::max(MAX_PUBLIC_BODY_BYTES))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// The public API's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(offices, slots, book, cancel, super::call_display::calls),
    components(schemas(
        schalter_wire::appointments::PublicDirectory,
        schalter_wire::appointments::PublicOffice,
        schalter_wire::appointments::PublicService,
        schalter_wire::appointments::FreeSlots,
        schalter_wire::appointments::FreeSlot,
        schalter_wire::appointments::BookingRequest,
        schalter_wire::appointments::BookingConfirmation,
        schalter_wire::appointments::CancelRequest,
        schalter_wire::appointments::CancelledBooking,
        schalter_wire::appointments::AppointmentChange,
        schalter_wire::queue::CallDisplay,
        schalter_wire::queue::DisplayedCall,
        schalter_wire::queue::QueueCheckIn,
        schalter_wire::queue::QueueStep,
        schalter_wire::queue::QueueServe,
        schalter_wire::queue::QueueForward,
        schalter_wire::queue::QueueFinish,
        schalter_wire::queue::QueueTicketChange,
    )),
    tags((name = "appointments", description = "Public booking (no client certificate; the public listener): offices, released slots, book, cancel with the booking code"),
        (name = "queue", description = "The waiting room's call display (public listener); the queue's actions are sync mutations (`queue.*`)")),
)]
struct PublicApi;

pub(crate) fn public_openapi() -> utoipa::openapi::OpenApi {
    <PublicApi as utoipa::OpenApi>::openapi()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_addresses_count_only_from_the_trusted_proxy() {
        let proxy: IpAddr = "10.0.0.5".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.7"));
        assert_eq!(
            client_address(proxy, &headers, TrustedProxy(Some(proxy))),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        let stranger: IpAddr = "192.0.2.44".parse().unwrap();
        assert_eq!(client_address(stranger, &headers, TrustedProxy(Some(proxy))), stranger, "a forged header");
        assert_eq!(client_address(proxy, &headers, TrustedProxy(None)), proxy);
    }
}
