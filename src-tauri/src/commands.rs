//! Tauri commands: each one a thin adapter over `Desk`. Keep `handler()` and
//! `bindings::COMMANDS` in step: the bindings test lists both.

use schalter_desk_core::{
    ApplicationCheckView, ApplicationDraft, ApplicationView, BiometricsView, ConnectionView, Hand, LoginArgs,
    PhotoDecisionArgs, PhotoDecisionView, PhotoView, ReceiptView, SavedReceiptView, SessionView, SyncView, UiError,
};
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::{AppHandle, Runtime, State};

use schalter_desk_core::pickup::{
    ArrivalView, CompartmentActionView, HandoutArgs, HandoutCandidateView, HandoutView, LoadArgs, LoadedView,
    PickupOfficeView,
};

use schalter_desk_core::queue::{QueueTicketView, QueueView};
use schalter_desk_core::updates::UpdateView;

use crate::{receipts, DeskState, QueuePlace, ReceiptSaving};

pub fn handler<R: tauri::Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        login,
        logout,
        current_session,
        connection_status,
        check_connection,
        fetch_photo,
        read_code_image,
        scan_camera,
        stop_camera,
        decide_photo,
        touch_session,
        clear_photo,
        sync_now,
        sync_status,
        update_status,
        check_application,
        submit_application,
        applications,
        application_draft,
        correct_application,
        receipt,
        save_receipt,
        biometrics,
        capture_fingerprints,
        record_fingerprint_not_possible,
        capture_signature,
        pickup_office,
        find_ready_document,
        load_into_box,
        confirm_load,
        take_back,
        clear_lock,
        hand_out,
        mark_arrived,
        queue_today,
        queue_check_in_walk_in,
        queue_check_in_appointment,
        queue_check_in_code,
        queue_call_next,
        queue_act
    ]
}

#[tauri::command]
async fn login(state: State<'_, DeskState>, args: LoginArgs) -> Result<SessionView, UiError> {
    Ok(state.desk()?.login(&args.username, &args.password).await?)
}

#[tauri::command]
async fn logout(state: State<'_, DeskState>) -> Result<(), UiError> {
    Ok(state.desk()?.logout().await?)
}

#[tauri::command]
fn current_session(state: State<'_, DeskState>) -> Result<Option<SessionView>, UiError> {
    Ok(state.desk()?.current_session())
}

#[tauri::command]
fn connection_status(state: State<'_, DeskState>) -> Result<ConnectionView, UiError> {
    Ok(state.desk()?.connection())
}

#[tauri::command]
async fn check_connection(state: State<'_, DeskState>) -> Result<ConnectionView, UiError> {
    Ok(state.desk()?.check_connection().await)
}

#[tauri::command]
async fn fetch_photo(state: State<'_, DeskState>, code: String) -> Result<PhotoView, UiError> {
    Ok(state.desk()?.fetch_photo(&code).await?)
}

#[tauri::command]
async fn decide_photo(state: State<'_, DeskState>, args: PhotoDecisionArgs) -> Result<PhotoDecisionView, UiError> {
    let desk = state.desk()?;
    Ok(desk.decide_photo(&args.photo_id, args.accept, args.keep_until, args.override_failed_checks).await?)
}

/// The clerk did something: restarts the session's idle time. `null` when the session is gone.
#[tauri::command]
async fn touch_session(state: State<'_, DeskState>) -> Result<Option<SessionView>, UiError> {
    Ok(state.desk()?.touch_session().await)
}

/// Starts a sync step now instead of at the next tick; the progress also arrives as `desk://sync` events.
#[tauri::command]
async fn sync_now(state: State<'_, DeskState>) -> Result<SyncView, UiError> {
    Ok(state.desk()?.sync_now().await?)
}

#[tauri::command]
fn sync_status(state: State<'_, DeskState>) -> Result<SyncView, UiError> {
    Ok(state.desk()?.sync_status())
}

/// A newer release the desk found (or installed), for the window's first look; later ones come as events.
#[tauri::command]
fn update_status(state: State<'_, DeskState>) -> Result<Option<UpdateView>, UiError> {
    Ok(state.desk()?.update_status())
}

#[tauri::command]
fn clear_photo(state: State<'_, DeskState>) -> Result<(), UiError> {
    state.desk()?.clear_photo();
    Ok(())
}

/// The image file's bytes arrive as the raw request body, not as JSON numbers.
#[tauri::command]
fn read_code_image(state: State<'_, DeskState>, request: tauri::ipc::Request<'_>) -> Result<String, UiError> {
    let tauri::ipc::InvokeBody::Raw(image) = request.body() else {
        return Err(UiError { code: "bad_request".into(), message: "Bilddaten fehlen.".into() });
    };
    Ok(state.desk()?.read_code_image(image)?)
}

/// Reads the photo code with the webcam. Grey previews (`width`, `height` as u16 LE, then the bytes)
/// stream over `preview` while the clerk holds up the paper; resolves with the code text, or `null`
/// when `stop_camera` ended the scan.
#[tauri::command]
async fn scan_camera(state: State<'_, DeskState>, preview: Channel) -> Result<Option<String>, UiError> {
    let desk = state.desk()?.clone();
    let scan = tauri::async_runtime::spawn_blocking(move || {
        desk.scan_camera(|frame| {
            // A closed window drops the channel; the scan then ends by `stop_camera` or logout.
            let _ = preview.send(InvokeResponseBody::Raw(frame.to_preview_bytes()));
        })
    });
    let result =
        scan.await.map_err(|_| UiError { code: "internal".into(), message: "Die Kamera ist abgestürzt.".into() })?;
    Ok(result?)
}

#[tauri::command]
fn stop_camera(state: State<'_, DeskState>) -> Result<(), UiError> {
    state.desk()?.stop_camera();
    Ok(())
}

#[tauri::command]
fn check_application(state: State<'_, DeskState>, draft: ApplicationDraft) -> Result<ApplicationCheckView, UiError> {
    Ok(state.desk()?.check_application(&draft))
}

#[tauri::command]
async fn submit_application(state: State<'_, DeskState>, draft: ApplicationDraft) -> Result<ApplicationView, UiError> {
    Ok(state.desk()?.submit_application(&draft).await?)
}

#[tauri::command]
fn biometrics(state: State<'_, DeskState>) -> Result<BiometricsView, UiError> {
    Ok(state.desk()?.biometrics())
}

#[tauri::command]
async fn capture_fingerprints(state: State<'_, DeskState>, draft: ApplicationDraft) -> Result<BiometricsView, UiError> {
    Ok(state.desk()?.capture_fingerprints(&draft).await?)
}

#[tauri::command]
fn record_fingerprint_not_possible(state: State<'_, DeskState>, hand: Hand) -> Result<BiometricsView, UiError> {
    Ok(state.desk()?.record_fingerprint_not_possible(hand)?)
}

#[tauri::command]
async fn capture_signature(state: State<'_, DeskState>) -> Result<BiometricsView, UiError> {
    Ok(state.desk()?.capture_signature().await?)
}

#[tauri::command]
async fn applications(state: State<'_, DeskState>, query: String) -> Result<Vec<ApplicationView>, UiError> {
    Ok(state.desk()?.applications(&query).await?)
}

/// The form of an application this desk holds, to correct it.
#[tauri::command]
async fn application_draft(state: State<'_, DeskState>, application_id: String) -> Result<ApplicationDraft, UiError> {
    Ok(state.desk()?.application_draft(&application_id).await?)
}

#[tauri::command]
async fn correct_application(
    state: State<'_, DeskState>,
    application_id: String,
    draft: ApplicationDraft,
) -> Result<ApplicationView, UiError> {
    Ok(state.desk()?.correct_application(&application_id, &draft).await?)
}

/// The receipt's content for the print view (the same text as its PDF).
#[tauri::command]
async fn receipt(state: State<'_, DeskState>, application_id: String) -> Result<ReceiptView, UiError> {
    Ok(state.desk()?.application_receipt(&application_id).await?)
}

/// Saves the receipt's PDF where the clerk chooses (or into the configured directory); `path` is `null` when the
/// clerk cancelled.
#[tauri::command]
async fn save_receipt<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, DeskState>,
    saving: State<'_, ReceiptSaving>,
    application_id: String,
) -> Result<SavedReceiptView, UiError> {
    let made = state.desk()?.application_receipt_pdf(&application_id).await?;
    let main_thread = |run: Box<dyn FnOnce() + Send>| app.run_on_main_thread(run).map_err(|e| e.to_string());
    let Some(path) = saving.0.choose(&main_thread, &made.view.file_name).await? else {
        return Ok(SavedReceiptView::new(&made.view, None));
    };
    receipts::write(&path, &made.pdf).await?;
    tracing::info!(application_id, "receipt saved");
    Ok(SavedReceiptView::new(&made.view, Some(path.display().to_string())))
}

// The pickup box's back office (»Ausgabebox«, »Abholung«): calls to the central.

#[tauri::command]
async fn pickup_office(state: State<'_, DeskState>) -> Result<PickupOfficeView, UiError> {
    Ok(state.desk()?.pickup_office().await?)
}

#[tauri::command]
async fn find_ready_document(state: State<'_, DeskState>, number: String) -> Result<HandoutCandidateView, UiError> {
    Ok(state.desk()?.find_ready_document(&number).await?)
}

#[tauri::command]
async fn load_into_box(state: State<'_, DeskState>, args: LoadArgs) -> Result<LoadedView, UiError> {
    Ok(state.desk()?.load_into_box(&args).await?)
}

#[tauri::command]
async fn confirm_load(state: State<'_, DeskState>, application_id: String) -> Result<LoadedView, UiError> {
    Ok(state.desk()?.confirm_load(&application_id).await?)
}

#[tauri::command]
async fn take_back(state: State<'_, DeskState>, application_id: String) -> Result<CompartmentActionView, UiError> {
    Ok(state.desk()?.take_back(&application_id).await?)
}

#[tauri::command]
async fn clear_lock(state: State<'_, DeskState>, application_id: String) -> Result<CompartmentActionView, UiError> {
    Ok(state.desk()?.clear_lock(&application_id).await?)
}

#[tauri::command]
async fn hand_out(state: State<'_, DeskState>, args: HandoutArgs) -> Result<HandoutView, UiError> {
    Ok(state.desk()?.hand_out(&args).await?)
}

#[tauri::command]
async fn mark_arrived(state: State<'_, DeskState>, number: String) -> Result<ArrivalView, UiError> {
    Ok(state.desk()?.mark_arrived(&number).await?)
}

// The counter queue (»Warteschlange«): mutations through the sync, at this desk's configured place.

#[tauri::command]
async fn queue_today(state: State<'_, DeskState>, place: State<'_, QueuePlace>) -> Result<QueueView, UiError> {
    Ok(state.desk()?.queue_today(place.0.as_deref()).await?)
}

#[tauri::command]
async fn queue_check_in_walk_in(state: State<'_, DeskState>, service_id: String) -> Result<QueueTicketView, UiError> {
    Ok(state.desk()?.queue_check_in_walk_in(&service_id).await?)
}

#[tauri::command]
async fn queue_check_in_appointment(
    state: State<'_, DeskState>,
    booking_id: String,
) -> Result<QueueTicketView, UiError> {
    Ok(state.desk()?.queue_check_in_appointment(&booking_id).await?)
}

#[tauri::command]
async fn queue_check_in_code(state: State<'_, DeskState>, code: String) -> Result<QueueTicketView, UiError> {
    Ok(state.desk()?.queue_check_in_code(&code).await?)
}

/// `queue_still_serving` while this place has someone and `confirmed` is false.
#[tauri::command]
async fn queue_call_next(
    state: State<'_, DeskState>,
    place: State<'_, QueuePlace>,
    confirmed: bool,
) -> Result<QueueTicketView, UiError> {
    Ok(state.desk()?.queue_call_next(place.0.as_deref(), confirmed).await?)
}

#[tauri::command]
async fn queue_act(
    state: State<'_, DeskState>,
    place: State<'_, QueuePlace>,
    ticket_id: String,
    action: String,
    to_place: Option<String>,
    to_service_id: Option<String>,
) -> Result<QueueTicketView, UiError> {
    let desk = state.desk()?;
    Ok(desk.queue_act(place.0.as_deref(), &ticket_id, &action, to_place.as_deref(), to_service_id.as_deref()).await?)
}
