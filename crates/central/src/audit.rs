//! What the audit trail records of a desk's photo event: ids and error codes only.

use schalter_wire::PhotoAuditEvent;

/// The subject of a photo event's audit row: the photo id and/or the (sanitised) error code.
pub fn photo_event_subject(event: &PhotoAuditEvent) -> Option<String> {
    match (event.photo_id, event.error_code.as_deref()) {
        (Some(id), Some(code)) => Some(format!("{id} {}", sanitise(code))),
        (Some(id), None) => Some(id.to_string()),
        (None, Some(code)) => Some(sanitise(code)),
        (None, None) => None,
    }
}

/// Error codes are snake_case words: the code ends at the first other character, so no free
/// text (not even letters picked out of it) lands in the trail.
fn sanitise(code: &str) -> String {
    code.chars().take_while(|c| c.is_ascii_lowercase() || *c == '_').take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use schalter_wire::PhotoAuditAction;

    #[test]
    fn free_text_in_an_error_code_does_not_reach_the_trail() {
        let id = uuid::Uuid::nil();
        let event = PhotoAuditEvent {
            action: PhotoAuditAction::FetchFailed,
            photo_id: Some(id),
            error_code: Some("seal_invalid: Erika Mustermann 1970".into()),
        };
        assert_eq!(photo_event_subject(&event).unwrap(), format!("{id} seal_invalid"));
    }
}
