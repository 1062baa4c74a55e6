//! TypeScript bindings of the desk commands, generated from the Rust types. The
//! checked-in `ui/src/bindings.ts` must equal `typescript()`; a test says when not.

/// Each command: name, parameters and the invoke payload (TypeScript), result type.
pub const COMMANDS: &[(&str, &str, &str, &str)] = &[
    ("login", "args: LoginArgs", "{ args }", "SessionView"),
    ("logout", "", "", "null"),
    ("current_session", "", "", "SessionView | null"),
    ("connection_status", "", "", "ConnectionView"),
    ("check_connection", "", "", "ConnectionView"),
    ("fetch_photo", "code: string", "{ code }", "PhotoView"),
    // Raw bytes as the request body: no JSON array of numbers for a whole image.
    ("read_code_image", "image: Uint8Array", "image", "string"),
    // Previews arrive on the channel as raw bytes; see `commands::scan_camera`.
    ("scan_camera", "preview: Channel<ArrayBuffer>", "{ preview }", "string | null"),
    ("stop_camera", "", "", "null"),
    ("decide_photo", "args: PhotoDecisionArgs", "{ args }", "PhotoDecisionView"),
    ("touch_session", "", "", "SessionView | null"),
    ("clear_photo", "", "", "null"),
    ("sync_now", "", "", "SyncView"),
    ("sync_status", "", "", "SyncView"),
    ("update_status", "", "", "UpdateView | null"),
    ("check_application", "draft: ApplicationDraft", "{ draft }", "ApplicationCheckView"),
    ("submit_application", "draft: ApplicationDraft", "{ draft }", "ApplicationView"),
    ("applications", "query: string", "{ query }", "ApplicationView[]"),
    ("application_draft", "applicationId: string", "{ applicationId }", "ApplicationDraft"),
    (
        "correct_application",
        "applicationId: string, draft: ApplicationDraft",
        "{ applicationId, draft }",
        "ApplicationView",
    ),
    ("receipt", "applicationId: string", "{ applicationId }", "ReceiptView"),
    ("save_receipt", "applicationId: string", "{ applicationId }", "SavedReceiptView"),
    ("biometrics", "", "", "BiometricsView"),
    ("capture_fingerprints", "draft: ApplicationDraft", "{ draft }", "BiometricsView"),
    ("record_fingerprint_not_possible", "hand: \"left\" | \"right\"", "{ hand }", "BiometricsView"),
    ("capture_signature", "", "", "BiometricsView"),
    ("pickup_office", "", "", "PickupOfficeView"),
    ("find_ready_document", "number: string", "{ number }", "HandoutCandidateView"),
    ("load_into_box", "args: LoadArgs", "{ args }", "LoadedView"),
    ("confirm_load", "applicationId: string", "{ applicationId }", "LoadedView"),
    ("take_back", "applicationId: string", "{ applicationId }", "CompartmentActionView"),
    ("clear_lock", "applicationId: string", "{ applicationId }", "CompartmentActionView"),
    ("hand_out", "args: HandoutArgs", "{ args }", "HandoutView"),
    ("mark_arrived", "number: string", "{ number }", "ArrivalView"),
    ("queue_today", "", "", "QueueView"),
    ("queue_check_in_walk_in", "serviceId: string", "{ serviceId }", "QueueTicketView"),
    ("queue_check_in_appointment", "bookingId: string", "{ bookingId }", "QueueTicketView"),
    ("queue_check_in_code", "code: string", "{ code }", "QueueTicketView"),
    ("queue_call_next", "confirmed: boolean", "{ confirmed }", "QueueTicketView"),
    (
        "queue_act",
        "ticketId: string, action: string, toPlace: string | null, toServiceId: string | null",
        "{ ticketId, action, toPlace, toServiceId }",
        "QueueTicketView",
    ),
];

pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from Rust by `src-tauri/src/bindings.rs`: do not edit.\n\
         // Regenerate: UPDATE_SNAPSHOTS=1 cargo test -p schalter-desk bindings\n\
         // Every command rejects with a `UiError` ({ code, message }).\n\n\
         import { invoke, type Channel } from \"@tauri-apps/api/core\";\n\n",
    );
    for declaration in schalter_desk_core::typescript_declarations() {
        out.push_str("export ");
        out.push_str(&declaration);
        out.push_str("\n\n");
    }
    out.push_str(&format!(
        "/** The events the desk core pushes, by name. */\nexport const EVENTS = {{ connection: {:?}, session: {:?}, sync: {:?}, photo: {:?}, update: {:?} }} as const;\n\n",
        schalter_desk_core::events::CONNECTION,
        schalter_desk_core::events::SESSION,
        schalter_desk_core::events::SYNC,
        schalter_desk_core::events::PHOTO,
        schalter_desk_core::events::UPDATE
    ));
    out.push_str(
        "/** Every error code a command can reject with (desk, photo, scan, camera and central API codes). */\n",
    );
    out.push_str("export const ERROR_CODES: readonly string[] = [\n");
    for code in schalter_desk_core::ERROR_CODES {
        out.push_str(&format!("  {code:?},\n"));
    }
    out.push_str("];\n\n");
    out.push_str(
        "/** Every photo check message key `${id}.${reason}` the desk can produce, with its params' names. */\n",
    );
    out.push_str("export const PHOTO_CHECK_MESSAGES: readonly { key: string; params: readonly string[] }[] = [\n");
    for (key, params) in schalter_desk_core::photo_check_messages() {
        let params: Vec<String> = params.iter().map(|p| format!("{p:?}")).collect();
        out.push_str(&format!("  {{ key: {key:?}, params: [{}] }},\n", params.join(", ")));
    }
    out.push_str("];\n\n");
    out.push_str("export const commands = {\n");
    for (name, params, payload, result) in COMMANDS {
        let camel = camel_case(name);
        let payload = if payload.is_empty() { String::new() } else { format!(", {payload}") };
        out.push_str(&format!("  {camel}: ({params}): Promise<{result}> => invoke(\"{name}\"{payload}),\n"));
    }
    out.push_str("};\n");
    out
}

fn camel_case(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_fresh() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../ui/src/bindings.ts");
        let generated = typescript();
        if std::env::var_os("UPDATE_SNAPSHOTS").is_some() {
            std::fs::write(path, &generated).unwrap();
        }
        let checked_in = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            checked_in == generated,
            "ui/src/bindings.ts is stale: run `UPDATE_SNAPSHOTS=1 cargo test -p schalter-desk bindings`"
        );
    }

    #[test]
    fn every_generated_command_is_registered() {
        let source = include_str!("commands.rs");
        let registered = source.split("generate_handler![").nth(1).and_then(|rest| rest.split(']').next()).unwrap();
        let registered: Vec<&str> = registered.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
        let listed: Vec<&str> = COMMANDS.iter().map(|(name, ..)| *name).collect();
        assert_eq!(registered, listed);
    }
}
