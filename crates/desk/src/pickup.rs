//! The pickup box's back office at the desk (issue 10): the »Ausgabebox« screen (compartment
//! overview, uncollected list, loading a delivered document, taking an expired one back, clearing a
//! lockout, the second clerk's confirmation) and the »Abholung« screen (a ready document by its
//! application number, its handout). Each is a call to the central (`schalter_wire::pickup_office`):
//! it needs the central's decision at once (a compartment, a lock, the one handout), so it is not
//! queued offline. The views carry no names and no phone numbers; neither do the logs.

use schalter_wire::pickup::{LoadAnswer, LoadRequest, LOAD};
use schalter_wire::pickup_office::{
    self as wire, ArrivalAnswer, ArrivalRequest, CompartmentOverview, HandoutAnswer, HandoutCandidate, HandoutRequest,
    OldDocument, PickupAction, PickupActionAnswer, UncollectedList,
};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::{CentralApi, Desk, DeskError};

/// A compartment as the overview shows it. `state`: `free`, `loaded`, `awaiting_confirmation`,
/// `opened`, `expired`, `locked`, `out_of_service`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CompartmentItemView {
    pub number: u32,
    pub size: String,
    pub accessible: bool,
    pub state: String,
    pub application_id: Option<String>,
    pub application_number: Option<String>,
    /// `YYYY-MM-DD`.
    pub last_pickup_day: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PickupBoxView {
    pub box_id: String,
    pub name: String,
    pub compartments: Vec<CompartmentItemView>,
}

/// `state`: `deadline_near`, `locked`, `expired`, `at_counter`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct UncollectedView {
    pub application_id: String,
    pub application_number: String,
    pub box_id: String,
    pub compartment: Option<u32>,
    pub state: String,
    pub last_pickup_day: String,
}

/// The »Ausgabebox« screen's data: the office's boxes and the uncollected documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct PickupOfficeView {
    pub four_eyes_loading: bool,
    pub boxes: Vec<PickupBoxView>,
    pub uncollected: Vec<UncollectedView>,
}

/// Loading a delivered document: its application number (or the document's serial), the box, a low
/// compartment on request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct LoadArgs {
    pub application_number: String,
    pub box_id: String,
    pub accessible: bool,
}

/// Where the document goes (or went). `awaiting_confirmation`: the four-eyes rule waits for a second clerk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct LoadedView {
    pub application_id: String,
    pub box_id: String,
    pub compartment: u32,
    pub accessible: bool,
    pub last_pickup_day: String,
    pub awaiting_confirmation: bool,
}

/// A compartment after taking back or clearing a lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct CompartmentActionView {
    pub application_id: String,
    pub box_id: String,
    pub compartment: u32,
    pub state: String,
}

/// A document ready for its handout. `place`: `counter` or `compartment`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HandoutCandidateView {
    pub application_id: String,
    pub application_number: String,
    pub document_kind: String,
    pub place: String,
    pub box_id: Option<String>,
    pub compartment: Option<u32>,
    pub has_old_document: bool,
    pub pin_letter_required: bool,
}

/// The handout: `old_document` is `invalidated`, `souvenir` or `none`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS)]
pub struct HandoutArgs {
    pub application_id: String,
    pub old_document: String,
    pub pin_letter_confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct HandoutView {
    pub application_id: String,
    pub application_number: String,
    pub freed_compartment: Option<u32>,
}

/// A delivered document marked arrived. `outcome`: `ready_at_counter` (ready for pickup at the counter
/// now) or `load_into_box` (the citizen chose the box: the screen offers its load); `already_marked`: a
/// second scan, nothing changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct ArrivalView {
    pub application_id: String,
    pub application_number: String,
    pub document_kind: String,
    pub outcome: String,
    pub already_marked: bool,
}

/// The wire's snake_case name of a unit enum value (`"expired"`).
fn name_of(value: &impl Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn application_id(raw: &str) -> Result<Uuid, DeskError> {
    Uuid::parse_str(raw.trim()).map_err(|_| DeskError::ApplicationNotFound)
}

fn loaded_view(answer: LoadAnswer) -> LoadedView {
    LoadedView {
        application_id: answer.application_id.to_string(),
        box_id: answer.box_id,
        compartment: answer.compartment,
        accessible: answer.accessible,
        last_pickup_day: answer.last_pickup_day,
        awaiting_confirmation: answer.awaiting_confirmation,
    }
}

fn action_view(answer: PickupActionAnswer) -> CompartmentActionView {
    CompartmentActionView {
        application_id: answer.application_id.to_string(),
        box_id: answer.box_id,
        compartment: answer.compartment,
        state: name_of(&answer.state),
    }
}

fn office_view(overview: CompartmentOverview, uncollected: UncollectedList) -> PickupOfficeView {
    PickupOfficeView {
        four_eyes_loading: overview.four_eyes_loading,
        boxes: overview
            .boxes
            .into_iter()
            .map(|b| PickupBoxView {
                box_id: b.box_id,
                name: b.name,
                compartments: b
                    .compartments
                    .into_iter()
                    .map(|c| CompartmentItemView {
                        number: c.number,
                        size: c.size,
                        accessible: c.accessible,
                        state: name_of(&c.state),
                        application_id: c.application_id.map(|id| id.to_string()),
                        application_number: c.application_number,
                        last_pickup_day: c.last_pickup_day,
                    })
                    .collect(),
            })
            .collect(),
        uncollected: uncollected
            .entries
            .into_iter()
            .map(|u| UncollectedView {
                application_id: u.application_id.to_string(),
                application_number: u.application_number,
                box_id: u.box_id,
                compartment: u.compartment,
                state: name_of(&u.state),
                last_pickup_day: u.last_pickup_day,
            })
            .collect(),
    }
}

fn candidate_view(c: HandoutCandidate) -> HandoutCandidateView {
    HandoutCandidateView {
        application_id: c.application_id.to_string(),
        application_number: c.application_number,
        document_kind: c.document_kind,
        place: name_of(&c.place),
        box_id: c.box_id,
        compartment: c.compartment,
        has_old_document: c.has_old_document,
        pin_letter_required: c.pin_letter_required,
    }
}

impl<C: CentralApi> Desk<C> {
    /// The office's boxes with their compartments, and the uncollected documents.
    pub async fn pickup_office(&self) -> Result<PickupOfficeView, DeskError> {
        self.call_central(|central, token| async move {
            let overview: CompartmentOverview = central.clerk_get(&token, wire::COMPARTMENTS, &[]).await?;
            let uncollected: UncollectedList = central.clerk_get(&token, wire::UNCOLLECTED, &[]).await?;
            Ok(office_view(overview, uncollected))
        })
        .await
    }

    /// A document of the office ready for its handout (or for loading), by application number or by the
    /// delivered document's serial number (scanned from the document).
    pub async fn find_ready_document(&self, application_number: &str) -> Result<HandoutCandidateView, DeskError> {
        let number = application_number.trim().to_owned();
        self.call_central(|central, token| async move {
            let found: HandoutCandidate = central.clerk_get(&token, wire::FIND_READY, &[("number", &number)]).await?;
            Ok(candidate_view(found))
        })
        .await
    }

    /// A delivered document arrived at the office (its serial scanned, or its application number typed): the
    /// central marks a counter document ready for pickup, and says when a box document waits for its load.
    pub async fn mark_arrived(&self, number: &str) -> Result<ArrivalView, DeskError> {
        let request = ArrivalRequest { number: number.trim().to_owned() };
        let answer = self
            .call_central(|central, token| async move {
                central.clerk_post::<_, ArrivalAnswer>(&token, wire::ARRIVED, &request).await
            })
            .await?;
        tracing::info!(outcome = ?answer.outcome, already = answer.already_marked, "document marked arrived");
        Ok(ArrivalView {
            application_id: answer.application_id.to_string(),
            application_number: answer.application_number,
            document_kind: answer.document_kind,
            outcome: name_of(&answer.outcome),
            already_marked: answer.already_marked,
        })
    }

    /// Loads a delivered document (found by its number or serial) into a compartment the central chooses.
    pub async fn load_into_box(&self, args: &LoadArgs) -> Result<LoadedView, DeskError> {
        let number = args.application_number.trim().to_owned();
        let (box_id, accessible) = (args.box_id.clone(), args.accessible);
        let loaded = self
            .call_central(|central, token| async move {
                let found: HandoutCandidate =
                    central.clerk_get(&token, wire::FIND_READY, &[("number", &number)]).await?;
                let request = LoadRequest { application_id: found.application_id, box_id, accessible };
                central.clerk_post::<_, LoadAnswer>(&token, LOAD, &request).await
            })
            .await?;
        tracing::info!(compartment = loaded.compartment, "document loaded into the box");
        Ok(loaded_view(loaded))
    }

    /// Four-eyes rule: this clerk confirms another clerk's load.
    pub async fn confirm_load(&self, application_id: &str) -> Result<LoadedView, DeskError> {
        let action = PickupAction { application_id: self::application_id(application_id)? };
        let answer = self
            .call_central(|central, token| async move {
                central.clerk_post::<_, LoadAnswer>(&token, wire::CONFIRM_LOAD, &action).await
            })
            .await?;
        Ok(loaded_view(answer))
    }

    /// Takes an expired document out of its compartment for the counter.
    pub async fn take_back(&self, application_id: &str) -> Result<CompartmentActionView, DeskError> {
        let action = PickupAction { application_id: self::application_id(application_id)? };
        let answer = self
            .call_central(|central, token| async move {
                central.clerk_post::<_, PickupActionAnswer>(&token, wire::TAKE_BACK, &action).await
            })
            .await?;
        Ok(action_view(answer))
    }

    /// Supervisors: unlocks a pickup locked after too many wrong answers (the central checks the role).
    pub async fn clear_lock(&self, application_id: &str) -> Result<CompartmentActionView, DeskError> {
        let action = PickupAction { application_id: self::application_id(application_id)? };
        let answer = self
            .call_central(|central, token| async move {
                central.clerk_post::<_, PickupActionAnswer>(&token, wire::CLEAR_LOCK, &action).await
            })
            .await?;
        Ok(action_view(answer))
    }

    /// Records the handout at the counter; the central frees a compartment that still holds it and
    /// makes it "handed out" for every desk.
    pub async fn hand_out(&self, args: &HandoutArgs) -> Result<HandoutView, DeskError> {
        let old_document = match args.old_document.as_str() {
            "invalidated" => OldDocument::Invalidated,
            "souvenir" => OldDocument::Souvenir,
            "none" => OldDocument::None,
            _ => {
                let message = "Bitte angeben, was mit dem bisherigen Dokument geschieht.".into();
                return Err(DeskError::Central { code: "invalid_request".into(), message });
            }
        };
        let request = HandoutRequest {
            application_id: application_id(&args.application_id)?,
            old_document,
            pin_letter_confirmed: args.pin_letter_confirmed,
        };
        let answer = self
            .call_central(|central, token| async move {
                central.clerk_post::<_, HandoutAnswer>(&token, wire::HAND_OUT, &request).await
            })
            .await?;
        // The feed brings "handed out" to this desk's records with the next sync round.
        Ok(HandoutView {
            application_id: answer.application_id.to_string(),
            application_number: answer.application_number,
            freed_compartment: answer.freed_compartment,
        })
    }
}
