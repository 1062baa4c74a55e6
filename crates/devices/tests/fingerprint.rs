//! The fingerprint plan (from the application rules), the simulated reader and the capture-service adapter.

use std::sync::Mutex;
use std::time::Duration;

use schalter_application::rules::{self, Fingerprints};
use schalter_application::{DateOfBirth, DocumentKind};
use schalter_devices::fingerprint::service::{interpret, CaptureResponse, CAPTURE_PATH};
use schalter_devices::{
    fingerprint_plan, CaptureServiceReader, DeviceError, Digit, Finger, FingerCapture, FingerImage, FingerprintOutcome,
    FingerprintOutcomes, FingerprintPlan, FingerprintProgress, FingerprintReader, FingerprintTransport, Hand, NextStep,
    SimulatedFinger, SimulatedFingerprintReader, TransportResponse,
};
use time::macros::date;

const APPLIED: time::Date = date!(2026 - 03 - 01);

/// The rules' answer for an ID card applied for on `APPLIED` by someone born on `birth`.
fn rule(birth: &str) -> Fingerprints {
    let birth = DateOfBirth::parse(birth).unwrap();
    rules::fingerprints(DocumentKind::IdCard, &birth, APPLIED)
}

fn captured(quality: u8) -> FingerCapture {
    SimulatedFingerprintReader::new().all(SimulatedFinger::Captured { quality }).capture(Finger::LeftIndex).unwrap()
}

#[test]
fn the_plan_for_ages_5_6_and_30() {
    let five = "2020-03-02"; // turns 6 the day after
    assert_eq!(rules::age_on(&DateOfBirth::parse(five).unwrap(), APPLIED), 5);
    assert_eq!(fingerprint_plan(rule(five)), FingerprintPlan::NotRequired { because: Fingerprints::NotUnder6 });
    let progress = fingerprint_plan(rule(five)).start();
    let not_required =
        FingerprintOutcomes { left: FingerprintOutcome::NotRequired, right: FingerprintOutcome::NotRequired };
    assert_eq!(progress.next_step(), NextStep::Done { outcomes: not_required });

    let six = "2020-03-01";
    assert_eq!(rules::age_on(&DateOfBirth::parse(six).unwrap(), APPLIED), 6);
    let plan = fingerprint_plan(rule(six));
    assert_eq!(
        plan,
        FingerprintPlan::Capture {
            left: [Finger::LeftIndex, Finger::LeftThumb, Finger::LeftMiddle, Finger::LeftRing],
            right: [Finger::RightIndex, Finger::RightThumb, Finger::RightMiddle, Finger::RightRing],
        }
    );
    assert_eq!(plan.start().next_step(), NextStep::Capture { finger: Finger::LeftIndex });

    let thirty = "1995-07-14";
    assert_eq!(rules::age_on(&DateOfBirth::parse(thirty).unwrap(), APPLIED), 30);
    assert_eq!(fingerprint_plan(rule(thirty)), plan);
    let mut progress = plan.start();
    progress.record(Finger::LeftIndex, &captured(64)).unwrap();
    assert_eq!(progress.next_step(), NextStep::Capture { finger: Finger::RightIndex });
    progress.record(Finger::RightIndex, &captured(58)).unwrap();
    assert_eq!(
        progress.next_step(),
        NextStep::Done {
            outcomes: FingerprintOutcomes {
                left: FingerprintOutcome::Captured { finger: Finger::LeftIndex, quality: 64 },
                right: FingerprintOutcome::Captured { finger: Finger::RightIndex, quality: 58 },
            }
        }
    );

    // A temporary document has no chip: no prints at any age.
    let birth = DateOfBirth::parse(thirty).unwrap();
    let temporary = rules::fingerprints(DocumentKind::TemporaryIdCard, &birth, APPLIED);
    assert_eq!(fingerprint_plan(temporary), FingerprintPlan::NotRequired { because: Fingerprints::NoChip });
    assert!(fingerprint_plan(temporary).fingers(Hand::Left).is_empty());
}

#[test]
fn a_finger_not_possible_asks_the_substitute_next_in_the_order_of_the_rules() {
    let mut progress = fingerprint_plan(Fingerprints::Required).start();
    progress.record(Finger::LeftIndex, &FingerCapture::NotPossible).unwrap();
    assert_eq!(progress.next_step(), NextStep::Capture { finger: Finger::LeftThumb });
    progress.record(Finger::LeftThumb, &FingerCapture::NotPossible).unwrap();
    assert_eq!(progress.asked(Hand::Left), Some(Finger::LeftMiddle));
    progress.record(Finger::LeftMiddle, &captured(41)).unwrap();
    assert_eq!(
        progress.outcome(Hand::Left),
        Some(FingerprintOutcome::Captured { finger: Finger::LeftMiddle, quality: 41 })
    );
    // A second try of the same finger replaces the first.
    progress.record(Finger::LeftMiddle, &captured(66)).unwrap();
    assert_eq!(
        progress.outcome(Hand::Left),
        Some(FingerprintOutcome::Captured { finger: Finger::LeftMiddle, quality: 66 })
    );
    assert_eq!(progress.next_step(), NextStep::Capture { finger: Finger::RightIndex });
}

#[test]
fn a_hand_not_possible_is_recorded_with_the_clerks_confirmation_and_the_other_hand_is_asked_next() {
    let mut progress = fingerprint_plan(Fingerprints::Required).start();
    // Every finger of the left hand not possible: the desk asks the clerk to confirm.
    for digit in [Digit::Index, Digit::Thumb, Digit::Middle, Digit::Ring] {
        assert_eq!(progress.next_step(), NextStep::Capture { finger: Finger::of(Hand::Left, digit) });
        progress.record(Finger::of(Hand::Left, digit), &FingerCapture::NotPossible).unwrap();
    }
    assert_eq!(progress.next_step(), NextStep::ConfirmNotPossible { hand: Hand::Left });
    assert_eq!(progress.outcome(Hand::Left), None, "not recorded without the confirmation");
    assert_eq!(progress.record(Finger::LeftRing, &captured(50)).unwrap_err().code(), "device_finger_unexpected");
    progress.confirm_not_possible(Hand::Left).unwrap();
    assert_eq!(progress.outcome(Hand::Left), Some(FingerprintOutcome::NotPossible));
    assert_eq!(progress.next_step(), NextStep::Capture { finger: Finger::RightIndex }, "the other hand next");

    // The clerk sees at once that the right hand cannot be printed (a cast): confirmed without trying.
    progress.confirm_not_possible(Hand::Right).unwrap();
    let both = FingerprintOutcomes { left: FingerprintOutcome::NotPossible, right: FingerprintOutcome::NotPossible };
    assert_eq!(progress.outcomes(), Some(both));
    assert_eq!(progress.next_step(), NextStep::Done { outcomes: both });
    assert_eq!(
        serde_json::to_value(both).unwrap(),
        serde_json::json!({"left": {"outcome": "not_possible"}, "right": {"outcome": "not_possible"}})
    );
}

#[test]
fn fingers_out_of_turn_are_refused_and_change_nothing() {
    let mut progress = fingerprint_plan(Fingerprints::Required).start();
    let before = progress.clone();
    let err = progress.record(Finger::LeftThumb, &captured(70)).unwrap_err();
    assert_eq!(err, DeviceError::FingerUnexpected { reason: "left_index is asked, not left_thumb".into() });
    assert_eq!(progress, before);

    progress.record(Finger::RightIndex, &captured(70)).unwrap(); // the hands are independent
    assert_eq!(progress.confirm_not_possible(Hand::Right).unwrap_err().code(), "device_finger_unexpected");
    assert_eq!(
        progress.record(Finger::RightIndex, &FingerCapture::NotPossible).unwrap_err().code(),
        "device_finger_unexpected"
    );
    assert_eq!(
        progress.outcome(Hand::Right),
        Some(FingerprintOutcome::Captured { finger: Finger::RightIndex, quality: 70 })
    );

    let mut none = FingerprintProgress::new(fingerprint_plan(Fingerprints::NotUnder6));
    assert_eq!(none.record(Finger::LeftIndex, &captured(70)).unwrap_err().code(), "device_finger_unexpected");
    assert_eq!(none.confirm_not_possible(Hand::Left).unwrap_err().code(), "device_finger_unexpected");
}

#[test]
fn fingers_know_their_hand_digit_and_iso_position() {
    let codes: Vec<u8> = Finger::ALL.iter().map(|f| f.position_code()).collect();
    assert_eq!(codes, [7, 6, 8, 9, 2, 1, 3, 4]);
    for f in Finger::ALL {
        assert_eq!(Finger::of(f.hand(), f.digit()), f);
        assert_eq!(serde_json::to_value(f).unwrap(), serde_json::json!(f.key()));
    }
}

#[test]
fn the_simulated_reader_answers_per_finger_with_a_synthetic_image() {
    let reader = SimulatedFingerprintReader::new()
        .with(Finger::LeftIndex, SimulatedFinger::NotPossible)
        .with(Finger::RightIndex, SimulatedFinger::Captured { quality: 250 });
    assert_eq!(reader.capture(Finger::LeftIndex).unwrap(), FingerCapture::NotPossible);
    let FingerCapture::Captured { quality, image } = reader.capture(Finger::RightIndex).unwrap() else { panic!() };
    assert_eq!(quality, 100, "NFIQ 2 scores stop at 100");
    assert_eq!((image.width(), image.height(), image.ppi(), image.pixels().len()), (160, 200, 500, 32_000));
    assert!(image.pixels().iter().any(|&p| p < 80) && image.pixels().contains(&255));
    let FingerCapture::Captured { quality, image: thumb } = reader.capture(Finger::LeftThumb).unwrap() else {
        panic!()
    };
    assert_eq!(quality, 72, "the default");
    assert_ne!(thumb, image, "each finger its own image");

    let debug = format!("{:?}", reader.capture(Finger::RightIndex).unwrap());
    assert_eq!(
        debug,
        "Captured { quality: 100, image: FingerImage { width: 160, height: 200, ppi: 500, bytes: 32000 } }"
    );
}

/// The capture service as the desk's transport would reach it: records the request, gives a canned answer.
struct FakeService {
    requests: Mutex<Vec<(String, serde_json::Value)>>,
    answer: Box<dyn Fn(Finger) -> Result<TransportResponse, DeviceError> + Send + Sync>,
}

impl FakeService {
    fn new(answer: impl Fn(Finger) -> Result<TransportResponse, DeviceError> + Send + Sync + 'static) -> Self {
        FakeService { requests: Mutex::new(Vec::new()), answer: Box::new(answer) }
    }
}

impl FingerprintTransport for &FakeService {
    fn post_json(&self, path: &str, body: &[u8]) -> Result<TransportResponse, DeviceError> {
        let json: serde_json::Value = serde_json::from_slice(body).unwrap();
        let finger: Finger = serde_json::from_value(json["finger"].clone()).unwrap();
        self.requests.lock().unwrap().push((path.to_string(), json));
        (self.answer)(finger)
    }
}

fn ok(response: &CaptureResponse) -> TransportResponse {
    TransportResponse { status: 200, body: serde_json::to_vec(response).unwrap() }
}

fn image() -> FingerImage {
    FingerImage::new(4, 3, 500, (0..12).collect()).unwrap()
}

#[test]
fn the_service_adapter_sends_the_contract_and_checks_the_answer() {
    let service = FakeService::new(|finger| {
        Ok(if finger == Finger::LeftIndex {
            ok(&CaptureResponse::NotPossible { finger })
        } else {
            ok(&CaptureResponse::captured(finger, 61, &image()))
        })
    });
    let reader = CaptureServiceReader::new(&service, Duration::from_secs(30));

    // Driven by the plan, as the desk will: left index not possible → left thumb → right index.
    let mut progress = fingerprint_plan(Fingerprints::Required).start();
    while let NextStep::Capture { finger } = progress.next_step() {
        let capture = reader.capture(finger).unwrap();
        progress.record(finger, &capture).unwrap();
    }
    assert_eq!(
        progress.outcomes().unwrap(),
        FingerprintOutcomes {
            left: FingerprintOutcome::Captured { finger: Finger::LeftThumb, quality: 61 },
            right: FingerprintOutcome::Captured { finger: Finger::RightIndex, quality: 61 },
        }
    );
    let requests = service.requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].0, CAPTURE_PATH);
    assert_eq!(
        requests[1].1,
        serde_json::json!({"finger": "left_thumb", "finger_position": 6, "impression": "plain", "timeout_ms": 30000})
    );

    let FingerCapture::Captured { image: got, .. } = reader.capture(Finger::RightRing).unwrap() else { panic!() };
    assert_eq!(got, image(), "pixels through base64 unchanged");
    let wire = serde_json::to_value(CaptureResponse::captured(Finger::RightRing, 61, &image())).unwrap();
    assert_eq!(
        wire,
        serde_json::json!({"outcome": "captured", "finger": "right_ring", "nfiq2": 61,
            "image": {"format": "gray8", "width": 4, "height": 3, "ppi": 500, "data": "AAECAwQFBgcICQoL"}})
    );
}

#[test]
fn the_service_adapter_refuses_what_it_cannot_trust() {
    let finger = Finger::LeftIndex;
    let raw =
        |status: u16, body: serde_json::Value| TransportResponse { status, body: serde_json::to_vec(&body).unwrap() };
    let good = serde_json::to_value(CaptureResponse::captured(finger, 61, &image())).unwrap();
    let with = |key: &str, value: serde_json::Value| {
        let mut v = good.clone();
        if let Some(rest) = key.strip_prefix("image.") {
            v["image"][rest] = value;
        } else {
            v[key] = value;
        }
        raw(200, v)
    };
    let protocol = [
        ("another finger", with("finger", "right_index".into())),
        ("NFIQ above 100", with("nfiq2", 101.into())),
        ("not base64", with("image.data", "***".into())),
        ("pixel count", with("image.width", 5.into())),
        ("unknown format", with("image.format", "wsq".into())),
        ("a zero resolution", with("image.ppi", 0.into())),
        (
            "an image too large",
            raw(
                200,
                serde_json::json!({"outcome": "captured", "finger": "left_index", "nfiq2": 5,
            "image": {"format": "gray8", "width": 2001, "height": 1, "ppi": 500, "data": ""}}),
            ),
        ),
        ("not JSON", TransportResponse { status: 200, body: b"<html>".to_vec() }),
        ("an error page", TransportResponse { status: 502, body: b"Bad Gateway".to_vec() }),
        ("too long", TransportResponse { status: 200, body: vec![b' '; 6 * 1024 * 1024 + 1] }),
    ];
    for (what, answer) in protocol {
        assert_eq!(interpret(finger, &answer).unwrap_err().code(), "device_service_protocol", "{what}");
    }
    let failed = raw(503, serde_json::json!({"outcome": "failed", "code": "reader_busy", "message": "Leser belegt"}));
    assert_eq!(
        interpret(finger, &failed),
        Err(DeviceError::ServiceFailed { code: "reader_busy".into(), message: "Leser belegt".into() })
    );

    let unreachable =
        FakeService::new(|_| Err(DeviceError::ServiceUnreachable { reason: "connection refused".into() }));
    let reader = CaptureServiceReader::new(&unreachable, Duration::from_secs(5));
    assert_eq!(reader.capture(finger).unwrap_err().code(), "device_service_unreachable");
}
