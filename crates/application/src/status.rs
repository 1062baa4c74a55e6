//! The status lifecycle the clerk software tracks (domain.md §3.7, XhD message types).

use serde::{Deserialize, Serialize};

use crate::DocumentKind;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Erfassung: text data and biometrics captured.
    Captured,
    /// Bestellung sent to the producer.
    Sent,
    /// Auftragsinformation: accepted.
    Accepted,
    /// Auftragsinformation: refused with an error number and text; corrected, it is captured again.
    Rejected,
    /// At the producer. The TR does not model production; the status follows acceptance.
    InProduction,
    /// Lieferinformation received: the documents are on their way (to the office, or for Direktversand
    /// to the applicant).
    Delivered,
    /// Arrived at the office and marked ready; the citizen is notified.
    ReadyForPickup,
    /// Aushändigung at the counter, the box or by the post; the old document is invalidated.
    HandedOut,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 8] = [
        ApplicationStatus::Captured,
        ApplicationStatus::Sent,
        ApplicationStatus::Accepted,
        ApplicationStatus::Rejected,
        ApplicationStatus::InProduction,
        ApplicationStatus::Delivered,
        ApplicationStatus::ReadyForPickup,
        ApplicationStatus::HandedOut,
    ];

    /// Whether an application of `kind` may go from `self` to `next`. A document issued on the spot
    /// is never ordered: captured, then handed out. The production notice is optional (the
    /// delivery notice may come first), and a delivered document may be handed out directly
    /// (Direktversand, or at the counter when it arrives while the customer waits).
    pub fn can_become(self, next: ApplicationStatus, kind: DocumentKind) -> bool {
        use ApplicationStatus::*;
        if kind.is_temporary() {
            return matches!((self, next), (Captured, HandedOut));
        }
        matches!(
            (self, next),
            (Captured, Sent)
                | (Sent, Accepted)
                | (Sent, Rejected)
                | (Rejected, Captured)
                | (Accepted, InProduction)
                | (Accepted, Delivered)
                | (InProduction, Delivered)
                | (Delivered, ReadyForPickup)
                | (Delivered, HandedOut)
                | (ReadyForPickup, HandedOut)
        )
    }

    pub fn is_final(self) -> bool {
        self == ApplicationStatus::HandedOut
    }

    pub fn label_de(self) -> &'static str {
        match self {
            ApplicationStatus::Captured => "Erfasst",
            ApplicationStatus::Sent => "Bestellt",
            ApplicationStatus::Accepted => "Angenommen",
            ApplicationStatus::Rejected => "Abgelehnt",
            ApplicationStatus::InProduction => "In Produktion",
            ApplicationStatus::Delivered => "Geliefert",
            ApplicationStatus::ReadyForPickup => "Abholbereit",
            ApplicationStatus::HandedOut => "Ausgehändigt",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            ApplicationStatus::Captured => "Captured",
            ApplicationStatus::Sent => "Sent",
            ApplicationStatus::Accepted => "Accepted",
            ApplicationStatus::Rejected => "Rejected",
            ApplicationStatus::InProduction => "In production",
            ApplicationStatus::Delivered => "Delivered",
            ApplicationStatus::ReadyForPickup => "Ready for pickup",
            ApplicationStatus::HandedOut => "Handed out",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ApplicationStatus::*;
    use super::*;

    #[test]
    fn the_ordinary_way_and_the_rejection_loop() {
        let kind = DocumentKind::IdCard;
        let way = [Captured, Sent, Accepted, InProduction, Delivered, ReadyForPickup, HandedOut];
        for pair in way.windows(2) {
            assert!(pair[0].can_become(pair[1], kind), "{:?} → {:?}", pair[0], pair[1]);
        }
        assert!(Sent.can_become(Rejected, kind));
        assert!(Rejected.can_become(Captured, kind));
        assert!(!Rejected.can_become(InProduction, kind));
        assert!(!Captured.can_become(Accepted, kind));
        assert!(!HandedOut.can_become(Captured, kind));
    }

    #[test]
    fn temporary_documents_are_handed_out_on_the_spot() {
        assert!(Captured.can_become(HandedOut, DocumentKind::TemporaryPassport));
        assert!(!Captured.can_become(Sent, DocumentKind::TemporaryIdCard));
        assert!(!Captured.can_become(HandedOut, DocumentKind::Passport32));
    }

    #[test]
    fn handed_out_is_final_and_nothing_returns_to_itself() {
        for kind in DocumentKind::ALL {
            for status in ApplicationStatus::ALL {
                assert!(!status.can_become(status, kind));
                if status.is_final() {
                    assert!(ApplicationStatus::ALL.iter().all(|&next| !status.can_become(next, kind)));
                }
                // Every status but the final one leads somewhere for ordered documents.
                if !kind.is_temporary() && !status.is_final() {
                    assert!(ApplicationStatus::ALL.iter().any(|&next| status.can_become(next, kind)), "{status:?}");
                }
            }
        }
        assert_eq!(serde_json::to_value(ReadyForPickup).unwrap(), "ready_for_pickup");
    }
}
