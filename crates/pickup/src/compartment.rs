//! The box's compartments: size classes, the low ones kept for those who ask, and the pure choice
//! the central makes when a document is loaded (it then claims the chosen one atomically in SQL).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A compartment's size, smallest first. Our simplification of what vendors offer (domain.md §4.2:
/// "a compartment sized/height-appropriate opens"):
///
/// | class | holds |
/// |---|---|
/// | `S` | one document in its sleeve: an ID card, a passport (ID-3, 125 × 88 mm) |
/// | `M` | one document with its accompanying letters in a C5 envelope (the Ausgabe-Begleitschreiben with the Sperrkennwort, domain.md §3.6) |
/// | `L` | several documents handed out together (a family's, up to a C4 envelope) |
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum SizeClass {
    S,
    M,
    L,
}

impl SizeClass {
    pub const ALL: [SizeClass; 3] = [SizeClass::S, SizeClass::M, SizeClass::L];

    /// The class a load needs: `documents` documents, with or without letters beside them.
    pub fn needed_for(documents: u8, with_letters: bool) -> SizeClass {
        match (documents, with_letters) {
            (0 | 1, false) => SizeClass::S,
            (0 | 1, true) => SizeClass::M,
            _ => SizeClass::L,
        }
    }

    /// Whether a compartment of this class takes a load that needs `needed`.
    pub fn fits(self, needed: SizeClass) -> bool {
        self >= needed
    }
}

/// The number on a compartment's door.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CompartmentId(pub u32);

impl fmt::Display for CompartmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a compartment stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompartmentState {
    /// Empty and closed: may be loaded.
    Free,
    /// A document waits for its citizen.
    Loaded,
    /// The door was opened for a pickup and its closing is not confirmed yet (also: left open after
    /// the timeout, or the state after a power cut, until a clerk checks).
    Opened,
    /// The pickup period is over; staff take the document back to the counter.
    Expired,
    /// Too many wrong answers: closed until a supervisor clears the pickup.
    Locked,
    /// Defective or blocked by staff.
    OutOfService,
}

impl CompartmentState {
    pub const ALL: [CompartmentState; 6] = [
        CompartmentState::Free,
        CompartmentState::Loaded,
        CompartmentState::Opened,
        CompartmentState::Expired,
        CompartmentState::Locked,
        CompartmentState::OutOfService,
    ];

    /// The moves a compartment makes. Free → Loaded (loading); Loaded → Opened (pickup), Expired
    /// (deadline), Locked (lockout); Opened → Free (door closed, or a clerk checked it), Loaded
    /// (a power cut before the document was taken); Locked → Loaded (supervisor clears), Expired;
    /// Expired → Free (taken back to the counter); any → OutOfService; OutOfService → Free after
    /// staff emptied it.
    pub fn can_become(self, next: CompartmentState) -> bool {
        use CompartmentState::*;
        matches!(
            (self, next),
            (Free, Loaded)
                | (Loaded, Opened)
                | (Loaded, Expired)
                | (Loaded, Locked)
                | (Opened, Free)
                | (Opened, Loaded)
                | (Locked, Loaded)
                | (Locked, Expired)
                | (Expired, Free)
                | (OutOfService, Free)
        ) || (next == OutOfService && self != OutOfService)
    }
}

/// One compartment as the central keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Compartment {
    pub id: CompartmentId,
    pub size: SizeClass,
    /// Low enough to reach from a wheelchair (domain.md §4.2: low compartments can be reserved).
    pub accessible: bool,
    pub state: CompartmentState,
}

impl Compartment {
    /// Free and large enough for `needed`, and low if the citizen asked for it.
    pub fn fits(&self, needed: SizeClass, wants_accessible: bool) -> bool {
        self.state == CompartmentState::Free && self.size.fits(needed) && (self.accessible || !wants_accessible)
    }
}

/// The compartment to load a document into: the smallest free one that fits (then the lowest
/// number). Whoever asks for an accessible compartment gets a low one or none: a high compartment
/// would not be one they can reach, and the document then waits at the counter. Low ones are kept
/// for those who ask: others get one only when no other compartment fits.
pub fn choose_compartment(
    compartments: &[Compartment],
    needed: SizeClass,
    wants_accessible: bool,
) -> Option<CompartmentId> {
    compartments
        .iter()
        .filter(|compartment| compartment.fits(needed, wants_accessible))
        // For the others, a low compartment ranks after every high one, whatever its size.
        .min_by_key(|compartment| (!wants_accessible && compartment.accessible, compartment.size, compartment.id))
        .map(|compartment| compartment.id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use CompartmentState::*;
    use SizeClass::*;

    fn c(id: u32, size: SizeClass, accessible: bool, state: CompartmentState) -> Compartment {
        Compartment { id: CompartmentId(id), size, accessible, state }
    }

    #[test]
    fn what_fits_where() {
        assert_eq!(SizeClass::needed_for(1, false), S);
        assert_eq!(SizeClass::needed_for(1, true), M);
        assert_eq!(SizeClass::needed_for(2, false), L);
        assert_eq!(SizeClass::needed_for(3, true), L);
        assert!(S.fits(S) && M.fits(S) && L.fits(M) && L.fits(L));
        assert!(!S.fits(M) && !M.fits(L));
    }

    #[test]
    fn the_smallest_free_one_that_fits() {
        let box_ = [
            c(1, L, false, Free),
            c(2, M, false, Free),
            c(3, S, false, Loaded),
            c(4, S, false, Free),
            c(5, S, true, Free),
            c(6, M, true, Free),
        ];
        assert_eq!(choose_compartment(&box_, S, false), Some(CompartmentId(4)));
        assert_eq!(choose_compartment(&box_, M, false), Some(CompartmentId(2)));
        assert_eq!(choose_compartment(&box_, L, false), Some(CompartmentId(1)));
        assert_eq!(choose_compartment(&box_, S, true), Some(CompartmentId(5)));
        assert_eq!(choose_compartment(&box_, M, true), Some(CompartmentId(6)));
        assert_eq!(choose_compartment(&box_, L, true), None, "no low L: the counter, not a high one");
    }

    #[test]
    fn low_compartments_go_to_others_only_when_nothing_else_fits() {
        // A high L is taken before a low S for a small document.
        let box_ = [c(1, S, true, Free), c(2, L, false, Free)];
        assert_eq!(choose_compartment(&box_, S, false), Some(CompartmentId(2)));
        let box_ = [c(1, S, true, Free), c(2, L, false, Loaded), c(3, M, true, Free)];
        assert_eq!(choose_compartment(&box_, S, false), Some(CompartmentId(1)));
        assert_eq!(choose_compartment(&box_, M, false), Some(CompartmentId(3)));
    }

    #[test]
    fn no_state_but_free_is_ever_chosen() {
        for state in CompartmentState::ALL {
            let box_ = [c(1, L, true, state)];
            let expected = (state == Free).then_some(CompartmentId(1));
            assert_eq!(choose_compartment(&box_, S, false), expected, "{state:?}");
            assert_eq!(choose_compartment(&box_, S, true), expected, "{state:?}");
        }
        assert_eq!(choose_compartment(&[], S, false), None);
    }

    #[test]
    fn compartment_moves() {
        assert!(Free.can_become(Loaded));
        assert!(Loaded.can_become(Opened) && Opened.can_become(Free) && Opened.can_become(Loaded));
        assert!(Loaded.can_become(Locked) && Locked.can_become(Loaded));
        assert!(Loaded.can_become(Expired) && Expired.can_become(Free));
        assert!(!Free.can_become(Opened), "nothing to hand out");
        assert!(!Locked.can_become(Opened), "no PIN opens a locked pickup");
        assert!(!Expired.can_become(Opened), "an expired pickup goes to the counter");
        assert!(!Free.can_become(Free));
        for state in CompartmentState::ALL {
            assert_eq!(state.can_become(OutOfService), state != OutOfService);
        }
        assert!(OutOfService.can_become(Free) && !OutOfService.can_become(Loaded));
    }

    fn compartment() -> impl Strategy<Value = Compartment> {
        (
            Just(0u32),
            prop::sample::select(SizeClass::ALL.to_vec()),
            any::<bool>(),
            prop::sample::select(CompartmentState::ALL.to_vec()),
        )
            .prop_map(|(id, size, accessible, state)| c(id, size, accessible, state))
    }

    proptest! {
        #[test]
        fn never_a_wrong_one_and_always_one_if_any_fits(
            box_ in proptest::collection::vec(compartment(), 0..30)
                .prop_map(|mut all| {
                    // Unique numbers, in no particular order.
                    for (index, compartment) in all.iter_mut().enumerate() {
                        compartment.id = CompartmentId(index as u32);
                    }
                    all
                })
                .prop_shuffle(),
            needed in prop::sample::select(SizeClass::ALL.to_vec()),
            wants_accessible: bool,
        ) {
            let chosen = choose_compartment(&box_, needed, wants_accessible);
            let fitting: Vec<&Compartment> = box_.iter().filter(|k| k.fits(needed, wants_accessible)).collect();
            prop_assert_eq!(chosen.is_some(), !fitting.is_empty());
            if let Some(id) = chosen {
                let picked = box_.iter().find(|k| k.id == id).unwrap();
                prop_assert!(picked.fits(needed, wants_accessible), "never a non-free or too small one");
                prop_assert_eq!(picked.state, Free);
                prop_assert!(picked.size >= needed);
                if wants_accessible {
                    prop_assert!(picked.accessible);
                } else if fitting.iter().any(|k| !k.accessible) {
                    prop_assert!(!picked.accessible, "low ones are kept while a high one fits");
                }
                // Nothing smaller of the same kind was passed over.
                for other in &fitting {
                    if other.accessible == picked.accessible {
                        prop_assert!((other.size, other.id) >= (picked.size, picked.id));
                    }
                }
            }
        }
    }
}
