//! The desk app's logic, free of Tauri: the Tauri commands in `src-tauri` are thin
//! adapters over [`Desk`].

pub mod application;
mod camera;
mod client;
mod config;
mod desk;
pub mod devices;
mod error;
mod local;
mod photo;
pub mod pickup;
pub mod queue;
mod receipt;
pub mod updates;
mod views;

pub use application::{ApplicationCheckView, ApplicationView};
pub use client::{CentralApi, CentralClient, Server, MAX_CENTRAL_ANSWER_BYTES};
pub use config::{
    default_data_dir, managed_config_path, CameraConfig, ConfigFiles, DeskConfig, DeskKey, Pkcs11Config,
    ReceiptsConfig, MANAGED_CONFIG_ENV, USER_SETTINGS,
};
pub use desk::{CapturedPhoto, Desk, DeskClock};
pub use devices::{BiometricsView, Devices, DevicesConfig, HandView, VisitBiometrics};
pub use error::{DeskError, UiError, ERROR_CODES};
pub use local::{jobs, CloudJob, StoreSettings};
pub use photo::{photo_check_messages, OpenedPhoto, PhotoCheckView, PhotoDecisionView, PhotoRetrieval, PhotoView};
pub use receipt::{ReceiptPdf, ReceiptView, SavedReceiptView};
pub use schalter_application::ApplicationDraft;
pub use schalter_camera::Frame as CameraFrame;
pub use schalter_devices::Hand;
pub use schalter_sync::{SyncConfig, SyncReport};
pub use views::{
    events, ConnectionView, LoginArgs, PhotoDecisionArgs, RejectedView, SessionEndReason, SessionEvent, SessionView,
    SyncView,
};

/// Every type the front end sees, for the generated TypeScript bindings.
pub fn typescript_declarations() -> Vec<String> {
    use ts_rs::TS;
    vec![
        schalter_domain::Role::decl(),
        UiError::decl(),
        LoginArgs::decl(),
        SessionView::decl(),
        SessionEndReason::decl(),
        SessionEvent::decl(),
        ConnectionView::decl(),
        PhotoCheckView::decl(),
        PhotoView::decl(),
        PhotoDecisionView::decl(),
        PhotoDecisionArgs::decl(),
        RejectedView::decl(),
        SyncView::decl(),
        schalter_application::ApplicationDraft::decl(),
        application::FieldErrorView::decl(),
        application::FeeLineView::decl(),
        application::FeeView::decl(),
        application::RulesView::decl(),
        application::ApplicationCheckView::decl(),
        application::ApplicationView::decl(),
        schalter_receipt::ReceiptRow::decl(),
        schalter_receipt::ReceiptContent::decl(),
        ReceiptView::decl(),
        SavedReceiptView::decl(),
        devices::HandView::decl(),
        devices::BiometricsView::decl(),
        pickup::CompartmentItemView::decl(),
        pickup::PickupBoxView::decl(),
        pickup::UncollectedView::decl(),
        pickup::PickupOfficeView::decl(),
        pickup::LoadArgs::decl(),
        pickup::LoadedView::decl(),
        pickup::CompartmentActionView::decl(),
        pickup::HandoutCandidateView::decl(),
        pickup::HandoutArgs::decl(),
        pickup::HandoutView::decl(),
        pickup::ArrivalView::decl(),
        queue::QueueTicketView::decl(),
        queue::QueueAppointmentView::decl(),
        queue::QueueView::decl(),
        updates::UpdateView::decl(),
    ]
}
